"""Chapter 12: the annual campaign calendar and the promo scenario planner (managers' tool)."""

from __future__ import annotations

import streamlit as st

from omni_core import scenarios as store
from omni_core.analysis import ch12
from omni_core.charts import ch12 as charts
from ui import state
from ui.components import doc_note, kpi_row, page_header

lang = state.lang()
T = ch12.page_text(lang)
page_header(*ch12.TITLE, T["caption"], lang)
wh, ds = state.warehouse(), state.dataset()
ver = state.data_version(ds) if ds else ""


@st.cache_data(show_spinner=False, max_entries=8)
def _calib(dataset: str, version: str):
    return ch12.calibrate(state.warehouse(), dataset)


@st.cache_data(show_spinner=False, max_entries=64)
def _run(dataset: str, version: str, fn: str, specs: tuple[str, ...], *args: str) -> dict:
    return ch12.dispatch(_calib(dataset, version), fn, specs, *args)


def show(fig, where=st) -> None:
    where.plotly_chart(fig, width="stretch")


def table(frame, where=st, empty: str = "", **kw) -> None:
    if len(frame) or not empty:
        return where.dataframe(frame, hide_index=True, width="stretch", **kw)
    where.success(empty)


def inputs(specs: list, key: str) -> dict:
    cols = (st.columns(5) + st.columns(5))[: len(specs)]
    return {k: getattr(c, w)(lab, key=f"{key}:{k}", **kw) for (k, w, lab, kw), c in zip(specs, cols, strict=True)}  # fmt: skip


def cfg(spec: dict) -> dict:
    return {k: getattr(st.column_config, typ)(lab, **kw) for k, (typ, lab, kw) in spec.items()}


try:
    calib, err = _calib(ds, ver), None
except ValueError as e:
    calib, err = None, ch12.error_text(e, lang)
t_cal, t_plan, t_cmp, t_opt = st.tabs(T["tabs"].split("|"))
with t_cal:
    year = st.number_input(T["year"], 2000, 2100, ch12.default_year(calib), 1, key="ch12_year")
    cal = ch12.annual_calendar(int(year), lang)
    doc_note(T["doc_cal"])
    show(charts.calendar_timeline(cal["bars"], title=T["t_timeline"], lang=lang))
    show(charts.calendar_heatmap(cal["days"], title=T["t_heatmap"], lang=lang))
    table(cal["phases"])
if calib is None:
    st.error(err)
    st.stop()
saved = store.load_all(wh, ds)

with t_plan:
    if note := ch12.data_note(calib, lang):
        st.info(T["note"] + note)
    opts = ch12.start_options(saved, lang)
    pick = st.selectbox(T["start"], list(opts), format_func=opts.get)
    sc = ch12.current_scenario(st.session_state, calib, pick, saved, lang)
    ph, mix = ch12.form_frames(calib, sc, lang)
    with st.form(f"ch12_form_{ds}:{pick}"):
        st.markdown(T["sec_scn"])
        out = inputs(ch12.form_fields(sc, "scenario", lang), f"ch12:{ds}:{pick}")
        st.markdown(T["sec_tab"])
        c1, c2 = st.columns([3, 2])
        ph = c1.data_editor(ph, num_rows="dynamic", hide_index=True, width="stretch",
                            key=f"ch12:{ds}:{pick}:ph", column_config=cfg(ch12.phase_columns(lang)))  # fmt: skip
        mix = c2.data_editor(mix, hide_index=True, width="stretch", key=f"ch12:{ds}:{pick}:mix",
                             column_config=cfg(ch12.mix_columns(lang)))  # fmt: skip
        st.markdown(T["sec_mech"])
        out |= inputs(ch12.form_fields(sc, "mechanics", lang), f"ch12:{ds}:{pick}")
        b1, b2, _ = st.columns([1, 1, 4])
        run_it = b1.form_submit_button(T["simulate"], icon=":material/play_arrow:", type="primary")
        save_it = b2.form_submit_button(T["save"], icon=":material/save:")
    if run_it or save_it:
        sc, msg, ok = ch12.submit(
            st.session_state, wh, ds, calib, sc, (out, ph, mix), save_it, lang
        )
        saved = store.load_all(wh, ds)
        if msg:
            (st.success if ok else st.error)(msg)
    res = _run(ds, ver, "run", (sc.to_json(),), lang)
    st.subheader(T["results"] + sc.name)
    for row in res["tiles"]:
        kpi_row(row)
    show(charts.gmv_curve(res["daily"], title=T["t_gmv"], lang=lang))
    a, b = st.columns(2)
    show(charts.stock_curve(res["daily"], title=T["t_stock"], lang=lang), a)
    show(charts.peak_hours(res["hourly"], title=T["t_peak"], lang=lang), b)
    show(charts.conversion_curve(res["all_hours"], res["base"], title=T["t_conv"], lang=lang))
    st.markdown(T["alerts"])
    table(res["alerts"], empty=T["no_alert"])
    st.markdown(T["by_channel"])
    table(res["channels"])
    with st.expander(T["assumptions"]):
        table(ch12.provenance_table(calib, lang))
        if bt := ch12.backtest(calib):
            title = T["replay"] + f"MAPE {bt['mape']:.1%}, Σ {bt['total_error']:+.1%}"
            show(charts.backtest_chart(bt["frame"], title=title, lang=lang))

with t_cmp:
    names = list(saved)
    chosen = st.multiselect(T["compare"], names, default=names[-4:])
    if len(chosen) >= 2:
        cmp = _run(ds, ver, "compare", tuple(saved[n].to_json() for n in chosen), lang)
        table(cmp["table"], height=35 * len(cmp["table"]) + 38)
        show(charts.compare_curves(cmp["curves"], title=T["t_compare"], lang=lang))
    else:
        st.info(T["need_two"])
    if names:
        d1, d2, d3, d4 = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
        src = d1.selectbox(T["scenario"], names, key="ch12_src")
        new = d2.text_input(T["copy_name"], ch12.copy_name(src, T["copy"]), max_chars=60)
        try:
            if d3.button(T["duplicate"], width="stretch"):
                store.duplicate(wh, ds, src, new)
                st.rerun()
            if d4.button(T["delete"], width="stretch"):
                store.delete(wh, ds, src)
                st.rerun()
        except ValueError as e:
            st.error(ch12.error_text(e, lang))

with t_opt:
    objective = st.radio(T["objective"], ["gmv", "margin"], format_func=T.get, horizontal=True)
    st.caption(T["opt_caption"])
    try:
        opt = _run(ds, ver, "optimize", (sc.to_json(),), objective, lang)
        kpi_row(ch12.optimizer_tiles(opt, objective, lang))
        table(opt["table"])
        show(charts.response_curves(opt["curves"], opt["marks"], title=T["t_response"],
                                    value_label=opt["label"], lang=lang))  # fmt: skip
        if st.button(T["save_opt"]):
            best = opt["scenario"].with_(name=ch12.copy_name(sc.name, T["opt_suffix"]))
            store.save(wh, ds, best, ch12.summary(opt["after"]))
            st.rerun()
    except ValueError as e:
        st.error(ch12.error_text(e, lang))
