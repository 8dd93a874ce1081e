"""06 Search and feed: keywords, dayparting, match types, brand defense, experiments, page speed."""

from __future__ import annotations

import streamlit as st

from omni_core.analysis import ch06
from omni_core.charts import ch06 as ch
from omni_core.metrics.coverage import missing_note
from ui import state
from ui.components import doc_note, fmt_pct, kpi_row, page_header

lang = state.lang()
tr = state.tr
T = lambda key: ch.lab(key, lang)  # noqa: E731
tab = lambda frame, cols: st.dataframe(ch.table(frame, cols, lang), hide_index=True)  # noqa: E731
page_header("06 搜索引擎与信息流优化", "06 Search & feed ads", T("caption"), lang)
ds = state.dataset()
ver = state.data_version(ds)


@st.cache_data(show_spinner=False, max_entries=8)
def _overview(dataset: str, version: str) -> dict:
    return ch06.overview(state.warehouse(), dataset)


@st.cache_data(show_spinner=False, max_entries=32)
def _daypart(dataset: str, version: str, chans: tuple, obj: str, m: float, b: float, e: float):
    kw = dict(channels=chans or None, objective=obj, margin=m, budget_ratio=b, elasticity=e)
    return ch06.dayparting(state.warehouse(), dataset, **kw)


def _show(fn, *args, **kwargs):  # run a computation; bad input shows a clear error, no crash
    try:
        return fn(*args, **kwargs)
    except ValueError as e:
        st.error(f"{tr('输入无效', 'Invalid input')}: {e}")


data = _overview(ds, ver)
if note := missing_note(data["missing"], ch06.TITLES, lang):
    st.info(note)
margin = round(float(data["margin"]), 4)

if "keywords" in data:
    st.subheader(T("sec_kw"))
    doc_note(T("doc_kw"))
    left, right = st.columns([3, 2])
    left.plotly_chart(ch.intent_panels(data["intents"], lang=lang))
    right.plotly_chart(ch.match_bars(data["match_types"], lang=lang))
    st.caption(T("long_tail").format(**data["long_tail"]) + " " + T("kw_note"))
    cols = ["keywords", "sessions", "clicks", "ctr", "cvr", "cpc", "breakeven_cpc", "bid_room"]
    tab(data["match_types"], ["match_type", *cols])
    with st.expander(tr("关键词明细（按会话排序）", "Keyword detail (by sessions)")):
        cols = ["keyword", "channel_id", "intent", "match_type", "words", "cpc", "sessions"]
        tab(data["keywords"].nlargest(60, "sessions"), [*cols, "ctr", "cvr", "gmv", "roas"])

if "paid_channels" in data:
    st.subheader(T("sec_day"))
    doc_note(T("doc_day"))
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    every = tr("全部渠道", "All channels")
    chans = c1.multiselect(tr("渠道", "Channels"), data["paid_channels"], placeholder=every)
    obj = c2.radio(T("objective"), ["profit", "value"], format_func=T)
    budget = c3.slider(tr("日预算 / 现花费", "Daily budget / current"), 0.5, 2.0, 1.0, 0.05)
    elast = c4.slider(tr("出价弹性 e", "Bid elasticity e"), 0.2, 1.0, 0.6, 0.05)
    if (day := _show(_daypart, ds, ver, tuple(chans), obj, margin, budget, elast)) is not None:
        left, right = st.columns(2)
        left.plotly_chart(ch.hourly_value(day["hours"], lang=lang))
        right.plotly_chart(ch.multipliers(day["hours"], lang=lang))
        tab(day["plans"], ["plan", "clicks", "spend", "gmv", "roas", "profit", "within_budget"])
        st.caption(T("day_note") + tr(f" 毛利率 {margin:.1%}。", f" Margin {margin:.1%}."))

if "brand" in data:
    st.subheader(T("sec_brand"))
    doc_note(T("doc_brand"))
    b = data["brand"]
    kpi_row(ch.brand_kpis(b, lang))
    st.caption(T("brand_note"))
    if "terms" in b:
        tab(b["terms"], ["term", "keywords", "sessions", "cvr", "cpc", "roas", "gmv_share"])

st.subheader(T("sec_lab"))
doc_note(T("doc_lab"))
alpha = st.select_slider(tr("显著性水平 α", "Significance level α"), [0.01, 0.05, 0.1], value=0.05)
tabs = st.tabs(ch.TAB_NAMES[lang])
with tabs[0]:
    c = st.columns(4)
    n_a = c[0].number_input("n A", 1, 10**9, 10000)
    x_a = c[1].number_input(tr("转化 A", "Conversions A"), 0, 10**9, 300)
    n_b = c[2].number_input("n B", 1, 10**9, 10000)
    x_b = c[3].number_input(tr("转化 B", "Conversions B"), 0, 10**9, 360)
    if (res := _show(ch06.two_proportion, n_a, x_a, n_b, x_b, alpha=alpha)) is not None:
        st.dataframe(ch.result_table(res, lang), hide_index=True)
with tabs[1]:
    c = st.columns(6)
    vals = [
        col.number_input(lbl, value=v, key=f"w_{lbl}")
        for col, (lbl, v) in zip(c, ch06.WELCH_EXAMPLE, strict=True)
    ]
    if (res := _show(ch06.welch, *vals, alpha=alpha)) is not None:
        st.dataframe(ch.result_table(res, lang, rates=False), hide_index=True)
with tabs[2]:
    c = st.columns(3)
    base = c[0].number_input(tr("基线转化率", "Baseline rate"), 0.0001, 0.9999, 0.02, format="%.4f")
    mde = c[1].number_input(tr("相对 MDE", "Relative MDE"), 0.001, 5.0, 0.1, format="%.3f")
    pw = c[2].slider(tr("功效", "Power"), 0.5, 0.99, 0.8, 0.01)
    if (plan := _show(ch06.power_plan, base, mde, alpha=alpha, power=pw)) is not None:
        st.metric(tr("每组所需样本", "Required per group"), f"{plan['n']:,}")
        st.plotly_chart(ch.power_curve(plan["curve"], plan["n"], pw, lang=lang))
with tabs[3]:
    ed = st.data_editor(ch06.abn_example(), num_rows="dynamic", hide_index=True, key="abn")
    corr = st.selectbox(tr("多重比较修正", "Correction"), ["holm", "bonferroni", "bh", "none"])
    if (res := _show(ch06.ab_n, ed, correction=corr, alpha=alpha)) is not None:
        tab(res["comparisons"], ["variant", "rate", "lift", "p_value", "p_adjusted", "significant"])
with tabs[4]:
    if "creatives" in data:
        camps = ch06.campaign_names(data["creatives"])
        cid = st.selectbox(tr("投放计划", "Campaign"), list(camps.index), format_func=camps.get)
        if (res := _show(ch06.creative_test, data["creatives"], cid, alpha=alpha)) is not None:
            st.plotly_chart(ch.ctr_bars(res["variants"], lang=lang))
            tab(res["variants"], ["variant", "exposures", "clicks", "ctr", "sim_ctr_lift"])
            tab(res["comparisons"], ["variant", "lift", "p_value", "p_adjusted", "significant"])
with tabs[5]:
    looks = st.slider(tr("查看次数", "Number of looks"), 1, 20, 5)
    if (pk := _show(ch06.peeking, looks, alpha)) is not None:
        st.metric(tr("实际假阳性率", "Actual false positives"), fmt_pct(pk["false_positive_rate"]))
        st.caption(pk["warning"] or tr("只看一次：没有膨胀。", "One look: no inflation."))
        st.plotly_chart(ch.boundaries(pk["frame"], lang=lang))
with tabs[6]:
    st.caption(T("taguchi_note"))
    c1, c2 = st.columns(2)
    arr = c1.selectbox(tr("正交表", "Array"), ch06.ARRAYS, index=2)
    nf = c2.slider(tr("因子数", "Factors"), 1, ch06.array_width(arr), 3)
    design = ch06.taguchi_design(arr, nf, lang)
    design = st.data_editor(design, key=f"oa_{arr}_{nf}_{lang}", disabled=list(design.columns[:-1]))
    if (eff := _show(ch06.taguchi_effects, design)) is not None:
        st.plotly_chart(ch.main_effects(eff, lang=lang))
        tab(eff.reset_index(), ["factor", "delta", "rank", "best_level"])

st.subheader(T("sec_speed"))
doc_note(T("doc_speed"))
editor = ch.speed_editor(ch06.page_speed(), lang)
speed = st.data_editor(editor, disabled=list(editor.columns[:-1]), hide_index=True, key="speed")
if (chk := _show(ch06.page_speed, ch.speed_values(speed))) is not None:
    tab(chk, ["metric", "target", "unit", "measured", "pass"])
