"""The shared live engine of the server process (one per dataset, ticking in a thread)."""

from __future__ import annotations

import atexit
import hmac
import os
import weakref
from collections.abc import Mapping
from typing import Any

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


def sso_configured() -> bool:
    """Whether OIDC sign-in through ``st.login`` is configured (an ``[auth]`` section in secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def operator_emails() -> set[str]:
    """Who may operate after an OIDC sign-in: ``operators`` in secrets (a list or a comma-separated
    string) or ``OMNI_OPERATORS``; lower-cased e-mail addresses."""
    try:
        raw = st.secrets.get("operators")
    except Exception:
        raw = None
    raw = raw or os.environ.get("OMNI_OPERATORS") or ""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return {str(x).strip().lower() for x in items if str(x).strip()}


def oidc_operator(user: Mapping[str, Any], allowed: set[str]) -> bool:
    """An OIDC user operates when signed in with an e-mail on the operator list (and, where the
    identity provider says so, a verified one)."""
    if not user.get("is_logged_in"):
        return False
    if user.get("email_verified") is False:
        return False
    return str(user.get("email") or "").strip().lower() in allowed


def is_operator() -> bool:
    """Whether this session signed in as an operator (viewers and kiosks are read-only)."""
    if st.session_state.get("operator"):
        return True
    return sso_configured() and oidc_operator(st.user, operator_emails())


def sign_in_box() -> None:
    """Operator sign-in (password from secrets/env); without a configured password: read-only."""
    sso = sso_configured()
    if is_operator():
        if st.button(state.tr("退出操作员", "Sign out"), key="op_out"):
            st.session_state["operator"] = False
            if sso and st.user.get("is_logged_in", False):
                st.logout()
            st.rerun()
        return
    if sso:
        if st.user.get("is_logged_in", False):
            st.caption(state.tr(f"{st.user.get('email') or ''} 不在操作员名单中：只读模式",
                                f"{st.user.get('email') or ''} is not on the operator list: "
                                "read-only"))  # fmt: skip
        elif st.button(state.tr("单点登录（SSO）", "Sign in with SSO"), key="op_sso"):
            st.login()
    pw = operator_password()
    if not pw:
        if sso:
            return
        st.caption(state.tr("未配置操作员密码（OMNI_OPERATOR_PASSWORD）：只读模式",
                            "No operator password configured (OMNI_OPERATOR_PASSWORD): read-only"))  # fmt: skip
        return
    with st.form("op_login", border=False):
        given = st.text_input(state.tr("操作员密码", "Operator password"), type="password")
        if st.form_submit_button(state.tr("登录", "Sign in")):
            if hmac.compare_digest(given.encode(), pw.encode()):
                st.session_state["operator"] = True
                st.rerun()
            st.error(state.tr("密码错误", "Wrong password"))
