"""The shared live engine of the server process (one per dataset, ticking in a thread)."""

from __future__ import annotations

import atexit
import os
import weakref

import streamlit as st

from omni_core.alerts.notify import Notifier
from omni_core.live.engine import LiveEngine
from ui import state


def _secret(name: str, env: str) -> str | None:
    try:
        value = st.secrets.get(name)
    except Exception:  # no secrets file at all
        value = None
    return value or os.environ.get(env) or None


_STARTED: weakref.WeakSet[LiveEngine] = weakref.WeakSet()


def running_engines() -> list[LiveEngine]:
    """Engines this process started (tests stop them when they clear Streamlit's caches)."""
    return list(_STARTED)


@atexit.register
def _stop_all() -> None:
    """At exit, stop the engines so rows a Spark warehouse still queues are written."""
    for eng in running_engines():
        eng.stop()


@st.cache_resource(show_spinner="启动实时引擎 Starting the live engine…")
def engine(dataset: str) -> LiveEngine:
    """Create and start the engine for ``dataset`` once per process; every viewer shares it."""
    url = webhook_url()
    style = "wecom" if url and "qyapi.weixin.qq.com" in url else "json"
    speed = float(os.environ.get("OMNI_LIVE_SPEED", "60"))
    eng = LiveEngine(state.warehouse(), dataset, speed=speed, notifier=Notifier(url, style=style))
    eng.start(interval=1.0)
    _STARTED.add(eng)
    return eng


def webhook_url() -> str | None:
    """The alert webhook from Streamlit secrets or ``OMNI_WEBHOOK_URL``."""
    return _secret("webhook_url", "OMNI_WEBHOOK_URL")


def operator_password() -> str | None:
    """The operator password from Streamlit secrets or ``OMNI_OPERATOR_PASSWORD``."""
    return _secret("operator_password", "OMNI_OPERATOR_PASSWORD")


def is_operator() -> bool:
    """Whether this session signed in as an operator (viewers and kiosks are read-only)."""
    return bool(st.session_state.get("operator"))


def sign_in_box() -> None:
    """Operator sign-in (password from secrets/env); without a configured password: read-only."""
    if is_operator():
        if st.button(state.tr("退出操作员", "Sign out"), key="op_out"):
            st.session_state["operator"] = False
            st.rerun()
        return
    pw = operator_password()
    if not pw:
        st.caption(state.tr("未配置操作员密码（OMNI_OPERATOR_PASSWORD）：只读模式",
                            "No operator password configured (OMNI_OPERATOR_PASSWORD): read-only"))  # fmt: skip
        return
    with st.form("op_login", border=False):
        given = st.text_input(state.tr("操作员密码", "Operator password"), type="password")
        if st.form_submit_button(state.tr("登录", "Sign in")):
            if given == pw:
                st.session_state["operator"] = True
                st.rerun()
            st.error(state.tr("密码错误", "Wrong password"))
