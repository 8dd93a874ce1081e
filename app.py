"""Omni War Room (全域营销作战室): Streamlit entry point with the page navigation."""

from __future__ import annotations

import streamlit as st

from ui import state

st.set_page_config(
    page_title="全域营销作战室 Omni War Room",
    page_icon="📊",
    layout="wide",
    initial_sidebar_state="expanded",
)
st.markdown(
    "<style>.omni-sub{color:#8FA3BF;font-size:0.95rem;letter-spacing:0.02em}</style>",
    unsafe_allow_html=True,
)

lang = state.lang()
pages = {
    state.t("section_data"): [
        st.Page("pages/data.py", title=state.t("data_title"), icon="🗄️", url_path="data",
                default=True),
    ],
}  # fmt: skip
pg = st.navigation(pages)
state.sidebar()
pg.run()
