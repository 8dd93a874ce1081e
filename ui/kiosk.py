"""Kiosk mode for the wall screen: no chrome, large type, optional page rotation."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from ui import nav

KIOSK_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header,
[data-testid="stToolbar"], [data-testid="stDecoration"], footer {display:none !important}
.block-container {padding-top:0.6rem !important; max-width:100% !important}
html, body, [data-testid="stAppViewContainer"] {font-size:18px}
</style>
"""


def kiosk() -> bool:
    """Whether ``?kiosk=1`` is set."""
    return st.query_params.get("kiosk") in ("1", "true", "yes")


def apply() -> None:
    """Hide the chrome and, with ``?rotate=N``, move to the next page every N seconds."""
    if not kiosk():
        return
    st.markdown(KIOSK_CSS, unsafe_allow_html=True)
    try:
        secs = int(st.query_params.get("rotate", "0"))
    except ValueError:
        secs = 0
    if secs <= 0:
        return
    secs = max(10, min(secs, 3600))
    wanted = st.query_params.get("pages")
    urls = [u for u in (wanted.split(",") if wanted else nav.page_urls()) if u]
    if not urls:
        return
    here = st.query_params.get("at", urls[0])
    nxt = urls[(urls.index(here) + 1) % len(urls)] if here in urls else urls[0]
    lang = st.query_params.get("lang", "zh")
    query = f"kiosk=1&rotate={secs}&lang={lang}&at={nxt}" + (f"&pages={wanted}" if wanted else "")
    components.html(
        f"<script>setTimeout(function(){{window.parent.location.href = "
        f"window.parent.location.origin + '/{nxt}?{query}';}}, {secs * 1000});</script>",
        height=0,
    )
