"""Data page: the loaded datasets, their tables and span, and building a bigger world."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from omni_core.charts import area
from omni_core.datasets import generate
from omni_core.overview import dataset_overview
from omni_core.warehouse import check_dataset_name
from omni_core.world import WorldParams
from ui import state
from ui.components import fmt_int, page_header

lang = state.lang()
t = state.t
page_header("数据中心", "Data", t("data_caption"), lang)
wh = state.warehouse()
name = state.dataset()
if not name:
    st.warning(t("no_dataset"))
    st.stop()


@st.cache_data(show_spinner=False, max_entries=16)
def _overview(dataset: str, version: str) -> dict:
    return dataset_overview(state.warehouse(), dataset)


ov = _overview(name, state.data_version(name))
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("dataset"), name, ov["meta"].get("kind", ""), delta_color="off")
c2.metric(t("events_title"), fmt_int(ov["events"]))
rows = dict(zip(ov["tables"]["table"], ov["tables"]["rows"], strict=True))
c3.metric(t("orders_title"), fmt_int(rows.get("orders", 0)))
if ov["first_event"] is not None:
    c4.metric(t("date_range"), f"{ov['first_event']:%Y-%m-%d} → {ov['last_event']:%m-%d}")

if not ov["daily_gmv"].empty:
    daily = ov["daily_gmv"].assign(channel_type=lambda d: d["channel_type"].map(t))
    st.plotly_chart(
        area(daily, "bucket", "gmv", color="channel_type", title=t("daily_gmv"), height=380,
             labels={"bucket": t("day"), "gmv": "GMV", "channel_type": t("channel_type")}),
        width="stretch",
    )  # fmt: skip

left, right = st.columns([3, 2])
with left:
    st.subheader(t("tables"))
    st.dataframe(
        ov["tables"].rename(columns={"table": t("table"), "rows": t("rows"), "kind": t("kind"),
                                     "grain": t("grain")}),
        hide_index=True, width="stretch", height=420,
    )  # fmt: skip
with right:
    st.subheader(t("channels"))
    st.dataframe(ov["channels"], hide_index=True, width="stretch", height=420)
    with st.expander(t("parameters")):
        st.json(ov["meta"])

st.subheader(t("build_title"))
st.caption(t("build_help"))
with st.form("build_world"):
    f1, f2, f3, f4, f5 = st.columns(5)
    users = f1.number_input(
        t("users"), min_value=100, max_value=2_000_000, value=50_000, step=10_000
    )
    days = f2.number_input(t("days"), min_value=1, max_value=1098, value=60, step=1)
    start = f3.date_input(t("start"), value=dt.date(2025, 10, 1))
    seed = f4.number_input(t("seed"), min_value=0, max_value=2**31 - 1, value=11, step=1)
    new_name = f5.text_input(t("new_dataset"), value="world_large")
    submitted = st.form_submit_button(t("build"), type="primary")
if submitted:
    try:
        check_dataset_name(new_name)
        params = WorldParams(seed=int(seed), start=start, days=int(days), users=int(users))
    except ValueError as e:
        st.error(f"{t('invalid')}: {e}")
    else:
        bar = st.progress(0.0, text=t("build"))
        world = generate(wh, params, new_name, progress=lambda s, f: bar.progress(f, text=s))
        bar.progress(1.0, text=t("built"))
        st.success(f"{t('built')}: {new_name} — {world.n_events:,} {t('events')}")
        st.session_state["dataset"] = new_name
        st.cache_data.clear()
