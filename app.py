"""Omni War Room (全域营销作战室): Streamlit entry point with the page navigation."""

from __future__ import annotations

import streamlit as st

from ui import kiosk, nav, state

st.set_page_config(
    page_title="全域营销作战室 Omni War Room",
    page_icon="📊",
    layout="wide",
    initial_sidebar_state="collapsed" if kiosk.kiosk() else "expanded",
)
st.session_state["_omni_nav"] = True  # this session runs through app.py (see state.legacy_guard)
state.inject_css()
lang = state.lang()
pages: dict[str, list] = {}
first = True
for (zh, en), entries in nav.SECTIONS:
    items = []
    for file, title_zh, title_en, icon, url in nav.available(entries):
        items.append(
            st.Page(f"pages/{file}", title=title_en if lang == "en" else title_zh, icon=icon,
                    url_path=url, default=first)
        )  # fmt: skip
        first = False
    if items:
        pages[en if lang == "en" else zh] = items
pg = st.navigation(pages, position="hidden" if kiosk.kiosk() else "sidebar")
kiosk.apply()
if not kiosk.kiosk():
    state.sidebar()
pg.run()
