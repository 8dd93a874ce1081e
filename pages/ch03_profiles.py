"""Chapter 03 用户画像与精准触达: tags, audiences, lookalike, creatives, attribution, funnel."""

from __future__ import annotations

import streamlit as st

from omni_core.analysis import ch03
from omni_core.charts import ch03 as charts
from ui import state
from ui.components import doc_note, fmt_int, fmt_money, fmt_pct, kpi_row, page_header

lang = state.lang()
tr = state.tr
page_header("03 用户画像与精准触达", "03 Profiles & precise reach", tr(
    "标签体系 → 人群圈选 → Lookalike 扩展 → 按标签动态创意 → 多触点归因 → 全链路漏斗 → 跨设备旅程。",
    "Tag system → audience builder → lookalike expansion → creative by tag → multi-touch "
    "attribution → full-link funnel → cross-device journeys."), lang)  # fmt: skip
ds = state.dataset()
if not ds:
    st.warning(state.t("no_dataset"))
    st.stop()
ver = state.data_version(ds)
cache = st.cache_data(show_spinner=False, max_entries=32)
wh = state.warehouse


@cache
def _profile(dataset: str, version: str) -> dict:
    return ch03.profile(wh(), dataset)


@cache
def _run(name: str, dataset: str, version: str, **kw) -> dict | list[str]:
    return getattr(ch03, name)(wh(), dataset, **kw)


def notes(res: dict) -> None:
    if res.get("missing"):
        st.info("\n\n".join(tr(*n) for n in res["missing"]))


prof = _profile(ds, ver)
tags = prof["tags"]
tabs = st.tabs([tr("标签体系", "Tags"), tr("人群圈选", "Audience builder"), "Lookalike",
                tr("动态创意", "Creative by tag"), tr("多触点归因", "Attribution"),
                tr("全链路漏斗", "Full-link funnel"), tr("跨设备", "Cross-device")])  # fmt: skip
with tabs[0]:
    doc_note(tr(*ch03.NOTES["tags"]))
    notes(prof)
    if not tags.empty:
        st.plotly_chart(charts.tag_overview(ch03.tag_counts(tags), lang=lang), width="stretch")
with tabs[1]:
    dims = [c for c in ch03.FILTERS if c in tags and c != "preferred_channel"]
    cols = st.columns(4)
    picked = {c: cols[i % 4].multiselect(charts.tag_label(c, lang), sorted(tags[c].astype(
        str).unique()), format_func=lambda v: charts.tag_label(v, lang), key=f"aud_{c}",
        placeholder=tr("全部", "All")) for i, c in enumerate(dims)}  # fmt: skip
    try:
        aud = ch03.audience(tags, **picked)
    except ValueError as e:
        st.error(str(e))
    else:
        a = aud["audience"]
        kpi_row([(tr("人群规模", "Audience size"), fmt_int(a["users"])),
                 (tr("占全部用户", "Share of users"), fmt_pct(aud["share"])),
                 (tr("其中买家", "Buyers"), fmt_int(a["buyers"])),
                 ("GMV", fmt_money(a["gmv"]))])  # fmt: skip
        st.plotly_chart(charts.audience_compare(aud, lang=lang), width="stretch")
with tabs[2]:
    doc_note(tr(*ch03.NOTES["lookalike"]))
    c = st.columns(5)
    cat = c[0].selectbox(tr("种子品类", "Seed category"), _run("seed_categories", ds, ver),
                         format_func=lambda v: charts.tag_label(v, lang))  # fmt: skip
    seed_days = c[1].slider(tr("种子窗口（天）", "Seed window (days)"), 7, 45, 30)
    hold = c[2].slider(tr("留出期（天）", "Hold-out (days)"), 7, 21, 14)
    method = c[3].radio(tr("方法", "Method"), ["centroid", "logistic"], horizontal=True,
                        format_func=lambda m: charts.tag_label(m, lang))  # fmt: skip
    share = c[4].slider(tr("扩展规模（用户占比 %）", "Expansion (% of users)"), 1, 20, 5) / 100
    try:
        lal = _run("lookalike", ds, ver, category=cat, seed_days=seed_days, holdout_days=hold,
                   method=method, expand_share=share)  # fmt: skip
    except ValueError as e:
        st.error(str(e))
    else:
        notes(lal)
        if "auc" in lal:
            ex = lal["expansion"]
            kpi_row([(tr("种子用户", "Seed users"), fmt_int(lal["seed_size"])),
                     (tr("留出期买家", "Hold-out buyers"), fmt_int(lal["holdout_buyers"])),
                     ("AUC", f"{lal['auc']:.3f}"),
                     (tr(f"Top {share:.0%} 命中率", f"Precision@{share:.0%}"),
                      fmt_pct(ex["precision"])),
                     (tr("相对随机提升", "Lift over random"), f"×{ex['lift']:.2f}")])  # fmt: skip
            g1, g2, g3 = st.columns(3)
            g1.plotly_chart(charts.gains_chart(lal["gains"], lang=lang), width="stretch")
            g2.plotly_chart(charts.lift_bars(lal["evaluation"], lang=lang), width="stretch")
            g3.plotly_chart(charts.weights_bars(lal["weights"], lang=lang), width="stretch")
            st.caption(tr(*ch03.NOTES["lookalike_weights"]).format(base=fmt_pct(lal["base_rate"], 2)))  # fmt: skip
with tabs[3]:
    doc_note(tr(*ch03.NOTES["creatives"]))
    cre = _run("creatives", ds, ver)
    notes(cre)
    if "lifts" in cre:
        st.plotly_chart(charts.theme_heatmap(cre["lifts"], lang=lang), width="stretch")
        truth = tr(*ch03.NOTES["creative_truth"]) if cre["simulated"] else ""
        st.caption(f"{tr(*ch03.NOTES['creative_legend'])} {truth}")
with tabs[4]:
    doc_note(tr(*ch03.NOTES["attribution"]))
    c = st.columns(3)
    touch = c[0].radio(tr("触点", "Touch"), ["click", "page_view", "exposure"], horizontal=True,
                       format_func=lambda v: charts.tag_label(v, lang))  # fmt: skip
    max_t = c[1].slider(tr("路径最多触点", "Max touches per path"), 1, 20, 10)
    measure = c[2].radio(tr("口径", "Measure"), ["conversions", "value"], horizontal=True,
                         format_func=lambda v: charts.tag_label(v, lang))  # fmt: skip
    att = _run("attribution", ds, ver, touch=touch, max_touches=max_t)
    notes(att)
    if measure in att:
        st.plotly_chart(charts.attribution_bars(att[measure], lang=lang, measure=measure),
                        width="stretch")  # fmt: skip
        st.dataframe(charts.attribution_frame(att[measure], lang), width="stretch")
        st.caption(tr(*ch03.NOTES["attribution_summary"]).format(
            conv=fmt_int(att["converting_journeys"]), nulls=fmt_int(att["null_journeys"]),
            length=att["mean_length"]))  # fmt: skip
with tabs[5]:
    doc_note(tr(*ch03.NOTES["funnel"]))
    fun = _run("funnel", ds, ver)
    notes(fun)
    if "rates" in fun:
        st.plotly_chart(charts.funnel_heatmap(fun["rates"], fun["benchmark"], lang=lang),
                        width="stretch")  # fmt: skip
        counts = fun["counts"].set_index("channel")
        ch = st.selectbox(tr("渠道漏斗", "Channel funnel"), list(counts.index),
                          format_func=lambda v: charts.tag_label(v, lang))  # fmt: skip
        st.plotly_chart(charts.channel_funnel(counts.loc[ch], fun["rates"].set_index("channel")
                                              .loc[ch, "leak"], lang=lang), width="stretch")  # fmt: skip
with tabs[6]:
    doc_note(tr(*ch03.NOTES["devices"]))
    dev = _run("cross_device", ds, ver)
    notes(dev)
    if "matrix" in dev:
        idn = dev.get("identity", {})
        kpi_row([(tr("多设备用户占比", "Multi-device users"), fmt_pct(dev["multi_device_share"])),
                 (tr("跨设备成交占比", "Cross-device purchases"), fmt_pct(dev["cross_share"])),
                 (tr("多平台账号的人", "People on 2+ platforms"),
                  fmt_pct(idn.get("multi_platform_share"))),
                 (tr("可凭设备指纹关联", "Linkable by device"), fmt_pct(idn.get("linkable_share")))])  # fmt: skip
        st.plotly_chart(charts.device_matrix(dev["matrix"], lang=lang), width="stretch")
        if idn:
            st.caption(tr(*ch03.NOTES["identity"]).format(
                linkable=fmt_pct(idn["linkable_share"]), shared=fmt_int(idn["shared_device_persons"])))  # fmt: skip
