"""Data page: the datasets, importing your own order/event exports, building a bigger world."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from omni_core.charts import area
from omni_core.datasets import generate
from omni_core.ingest import IngestError, describe, field_doc, fields
from omni_core.ingest import session as imp
from omni_core.overview import dataset_overview
from omni_core.warehouse import check_dataset_name
from omni_core.world import WorldParams
from ui import importer, state
from ui.components import fmt_int, page_header

lang = state.lang()
t, tr = state.t, state.tr
page_header("数据中心", "Data", t("data_caption"), lang)
wh = state.warehouse()
name = state.dataset()
tab_ov, tab_imp, tab_build = st.tabs([tr("数据集", "Datasets"), tr("导入数据", "Import data"),
                                      t("build_title")])  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=16)
def _overview(dataset: str, version: str) -> dict:
    return dataset_overview(state.warehouse(), dataset)


with tab_ov:
    if not name:
        st.warning(t("no_dataset"))
    else:
        ov = _overview(name, state.data_version(name))
        rows = dict(zip(ov["tables"]["table"], ov["tables"]["rows"], strict=True))
        caps = describe(ov["meta"], lang)
        c1, c2, c3, c4 = st.columns(4)
        c1.metric(t("dataset"), name, ov["meta"].get("kind", ""), delta_color="off")
        c2.metric(t("events_title"), fmt_int(ov["events"]))
        c3.metric(t("orders_title"), fmt_int(rows.get("orders", 0)))
        if ov["first_event"] is not None or caps["span"]:
            first, last = caps["span"] or (ov["first_event"], ov["last_event"])
            c4.metric(t("date_range"), f"{first:%Y-%m-%d} → {last:%m-%d}")
        if caps["can"]:
            st.info(tr("可计算：", "Can compute: ") + "；".join(caps["can"]))
            st.warning(tr("无法计算：", "Cannot compute: ") + "  \n" + "  \n".join(caps["cannot"]))
        if not ov["daily_gmv"].empty:
            daily = ov["daily_gmv"].assign(channel_type=lambda d: d["channel_type"].map(t))
            labels = {"bucket": t("day"), "gmv": "GMV", "channel_type": t("channel_type")}
            st.plotly_chart(area(daily, "bucket", "gmv", color="channel_type", labels=labels,
                                 title=t("daily_gmv"), height=380), width="stretch")  # fmt: skip
        left, right = st.columns([3, 2])
        left.subheader(t("tables"))
        left.dataframe(ov["tables"].rename(columns={"table": t("table"), "rows": t("rows"),
                                                    "kind": t("kind"), "grain": t("grain")}),
                       hide_index=True, width="stretch", height=420)  # fmt: skip
        right.subheader(t("channels"))
        right.dataframe(ov["channels"], hide_index=True, width="stretch", height=420)
        right.expander(t("parameters")).json(ov["meta"])


def _editor(kind: str, upload, map_upload) -> dict | None:
    """Preview and per-field column choices of an uploaded file (None when it cannot be read)."""
    st.subheader(f"{tr('预览与列映射', 'Preview and column mapping')} · {upload.name}")
    try:
        p = imp.plan(kind, upload, map_upload)
    except IngestError as e:
        st.error(e.message)
        return None
    st.caption(p["facts"])
    st.dataframe(p["frame"], hide_index=True, width="stretch", height=240)
    cols = st.columns(4)
    for i, f in enumerate(fields(kind)):
        p["choices"][f.name] = cols[i % 4].selectbox(
            f.label(lang) + (" *" if f.required else ""), p["columns"], help=field_doc(kind, f, lang),
            index=p["columns"].index(p["choices"][f.name]), key=f"map_{kind}_{f.name}")  # fmt: skip
    return p


with tab_imp:
    st.caption(tr(*imp.HELP))
    importer.schema_help(lang)
    u1, u2, u3 = st.columns(3)
    up = u1.file_uploader(tr("订单导出", "Order export"), type=imp.UPLOAD_TYPES, key="imp_orders")
    up_ev = u2.file_uploader(tr("事件导出（可选）", "Event export (optional)"),
                             type=imp.UPLOAD_TYPES, key="imp_events")  # fmt: skip
    up_map = u3.file_uploader(tr("映射文件（可选）", "Mapping (optional)"), ["json"], key="imp_mapping")  # fmt: skip
    edited = _editor("orders", up, up_map) if up is not None else None
    ev_edit = _editor("events", up_ev, None) if edited and up_ev is not None else None
    if edited is not None:
        n1, n2, n3 = st.columns([2, 1, 1])
        new_name = n1.text_input(tr("数据集名称", "Dataset name"), value=edited["default_name"],
                                 key="imp_name")  # fmt: skip
        replace = n2.checkbox(tr("覆盖同名数据集", "Replace if it exists"), key="imp_replace")
        mapping, ev_map, problem = imp.mappings(edited, ev_edit)
        if problem:
            st.error(problem)
        else:
            n3.download_button(tr("保存映射 JSON", "Save mapping JSON"), imp.mapping_json(mapping),
                               file_name=f"{new_name}.mapping.json", mime="application/json")  # fmt: skip
        if mapping is not None and st.button(tr("导入", "Import"), type="primary", key="imp_go"):
            bar = st.progress(0.0, text=tr("读取中", "reading"))
            report, problem = imp.run(wh, edited, ev_edit, mapping, ev_map, new_name, replace,
                                      progress=lambda s, f: bar.progress(min(f, 1.0), text=s))  # fmt: skip
            if problem:
                bar.empty()
                st.error(f"{problem}  \n" + tr("仓库未改动。", "The warehouse was not changed."))
            else:
                st.session_state.update(imp_report=report, dataset=report.dataset)
                st.cache_data.clear()
                st.rerun()  # the sidebar's dataset switch shows the new dataset
    if (report := st.session_state.get("imp_report")) is not None:
        importer.show_report(report, lang)

with tab_build:
    st.caption(t("build_help"))
    with st.form("build_world"):
        f1, f2, f3, f4, f5 = st.columns(5)
        users = f1.number_input(t("users"), min_value=100, max_value=2_000_000, value=50_000,
                                step=10_000)  # fmt: skip
        days = f2.number_input(t("days"), min_value=1, max_value=1098, value=60, step=1)
        start = f3.date_input(t("start"), value=dt.date(2025, 10, 1))
        seed = f4.number_input(t("seed"), min_value=0, max_value=2**31 - 1, value=11, step=1)
        new_world = f5.text_input(t("new_dataset"), value="world_large")
        submitted = st.form_submit_button(t("build"), type="primary")
    if submitted:
        try:
            check_dataset_name(new_world)
            params = WorldParams(seed=int(seed), start=start, days=int(days), users=int(users))
        except ValueError as e:
            st.error(f"{t('invalid')}: {e}")
        else:
            bar = st.progress(0.0, text=t("build"))
            world = generate(wh, params, new_world, progress=lambda s, f: bar.progress(f, text=s))
            bar.progress(1.0, text=t("built"))
            st.success(f"{t('built')}: {new_world} — {world.n_events:,} {t('events')}")
            st.session_state["dataset"] = new_world
            st.cache_data.clear()
