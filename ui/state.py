"""Shared app state: the cached warehouse, the chosen dataset and the language."""

from __future__ import annotations

import streamlit as st

from omni_core.datasets import ensure_demo
from omni_core.i18n import LANGS
from omni_core.i18n import t as _t
from omni_core.warehouse import DEFAULT_DATASET, Warehouse


@st.cache_resource(show_spinner=False)
def warehouse() -> Warehouse:
    """One warehouse per server process (DuckDB allows one writer per file); demo loaded once."""
    wh = Warehouse()
    ensure_demo(wh)
    return wh


def legacy_guard() -> None:
    """Send a legacy deep-link run through ``app.py``.

    On a fresh server Streamlit sees the ``pages/`` folder and, until some run has called
    ``st.navigation``, executes a deep-linked page (``/ch10``) on its own, skipping ``app.py``
    (navigation, theme, sidebar). ``app.py`` marks every session it runs; an unmarked page run
    switches the legacy mode off and reloads the tab, so the new session resolves the same URL
    through ``st.navigation``.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not st.session_state.get("_omni_nav"):
        import streamlit.components.v1 as components

        PagesManager.uses_pages_directory = False
        components.html("<script>window.parent.location.reload();</script>", height=0)
        st.stop()


def lang() -> str:
    """Current UI language: ``?lang=en`` in the URL, else the session's choice, else 中文."""
    legacy_guard()
    q = st.query_params.get("lang")
    if q in LANGS and "lang" not in st.session_state:
        st.session_state["lang"] = q
    value = st.session_state.get("lang", "zh")
    return value if value in LANGS else "zh"


def t(key: str) -> str:
    """Label in the current language (keys of ``omni_core.i18n.LABELS``)."""
    return _t(key, lang())


def tr(zh: str, en: str) -> str:
    """Inline bilingual label: the Chinese or English text for the current language."""
    return en if lang() == "en" else zh


CSS = """
<style>
.omni-sub {color:#8FA3BF; font-size:0.95rem; letter-spacing:0.02em}
.omni-doc {border-left:3px solid #FFC53D; padding:0.3rem 0.8rem; color:#C9D6EA;
           background:rgba(255,197,61,0.06); margin:0.2rem 0 0.8rem 0; font-size:0.92rem}
</style>
"""


def inject_css() -> None:
    """Shared CSS of every page."""
    st.markdown(CSS, unsafe_allow_html=True)


def dataset() -> str:
    """The dataset every page reads (kept valid if datasets change)."""
    names = warehouse().datasets()
    current = st.session_state.get("dataset", DEFAULT_DATASET)
    if current not in names:
        current = DEFAULT_DATASET if DEFAULT_DATASET in names else (names[0] if names else "")
        st.session_state["dataset"] = current
    return current


def data_version(name: str) -> str:
    """A cache key that changes when a dataset is rewritten."""
    meta = warehouse().meta(name) if name in warehouse().datasets() else {}
    return str(meta.get("created", "")) + str(meta.get("params", ""))


def sidebar() -> None:
    """Language and dataset switches shown on every page."""
    with st.sidebar:
        choice = st.radio(
            _t("language", lang()),
            LANGS,
            index=LANGS.index(lang()),
            format_func=lambda x: "中文" if x == "zh" else "English",
            horizontal=True,
            key="lang_radio",
        )
        if choice != st.session_state.get("lang"):
            st.session_state["lang"] = choice
            st.rerun()
        names = warehouse().datasets()
        if names:
            current = dataset()
            picked = st.selectbox(t("dataset"), names, index=names.index(current))
            if picked != current:
                st.session_state["dataset"] = picked
                st.rerun()
