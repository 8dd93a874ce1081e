"""War Room (作战大屏): the live big screen, refreshed in place every 2 seconds."""

from __future__ import annotations

import streamlit as st

from omni_core.live.engine import LiveError
from ui import board, kiosk, live, operator, state

lang = state.lang()
tr = state.tr
ds = state.dataset()
try:
    eng = live.engine(ds)
except LiveError as e:
    st.warning(tr("该数据集无法实时模拟：", "This dataset cannot run live: ") + str(e))
    st.stop()
board.css()
st.session_state["wr_page_runs"] = st.session_state.get("wr_page_runs", 0) + 1
if not kiosk.kiosk():
    operator.panel(eng)
wh = state.warehouse()
ch_names = {c: (n_en if lang == "en" else n_zh) for c, n_zh, n_en in
            wh.query(wh.tables(ds).channels.select("channel_id", "name_zh", "name_en")).itertuples(index=False)}  # fmt: skip
cat_names = {c: (n_en if lang == "en" else n_zh) for c, n_zh, n_en in
             wh.query(wh.tables(ds).categories.select("category_id", "name_zh", "name_en")).itertuples(index=False)}  # fmt: skip
tall = 360 if kiosk.kiosk() else 290


@st.fragment(run_every="2s")
def screen() -> None:
    eng.advance()
    snap = eng.snapshot
    st.session_state["wr_frag_runs"] = st.session_state.get("wr_frag_runs", 0) + 1
    st.markdown(f"<span class='wr-runs' style='display:none'>{st.session_state['wr_page_runs']}|"
                f"{st.session_state['wr_frag_runs']}</span>", unsafe_allow_html=True)  # fmt: skip
    board.top_bar(snap, lang)
    left, mid, right = st.columns([1.05, 1.6, 1.0])
    with left:
        board.big_counter(snap)
    figs = board.figures(eng, lang, tall, ch_names, cat_names)  # built once per tick, shared
    with mid:
        st.plotly_chart(figs["gmv"], width="stretch", key="gmv")
    with right:
        st.markdown(f"<div class='wr-panel'><h4>{tr('告警', 'Alerts')} ({len(snap['alerts'])})</h4></div>",
                    unsafe_allow_html=True)  # fmt: skip
        if not snap["alerts"]:
            st.markdown(
                f"<div class='wr-ok'>● {tr('一切正常', 'All clear')}</div>", unsafe_allow_html=True
            )
        for a in snap["alerts"][:4]:
            board.alert_card(a, lang)
        operator.ack_buttons(eng, snap["alerts"])
        for inc in snap["incidents"]:
            st.caption(
                f"⚠ {inc['name_zh'] if lang == 'zh' else inc['name_en']} · {inc['target']} · {inc['magnitude']:g}"
            )
    c1, c2, c3, c4, c5 = st.columns([1, 1, 1, 1.1, 1.2])
    for col, key in ((c1, "ch"), (c2, "prov"), (c3, "cat"), (c4, "stock")):
        if key in figs:
            col.plotly_chart(figs[key], width="stretch", key=key)
    with c5:
        board.ticker(snap["ticker"], ch_names)
    if not kiosk.kiosk():
        ms = snap["tick_ms"]
        st.caption(f"tick #{snap['ticks']} · {'' if ms is None else f'{ms:.0f} ms'} · {ds}")


screen()
