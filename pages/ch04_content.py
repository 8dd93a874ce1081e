"""04 Content marketing: live board, three-tier live system, KOL pyramid and scorecard, UGC."""

from __future__ import annotations

import streamlit as st

from omni_core.analysis import ch04
from omni_core.charts import ch04 as ch
from omni_core.metrics.coverage import missing_note
from ui import state
from ui.components import doc_note, fmt_int, fmt_money, fmt_pct, kpi_row, page_header

lang = state.lang()
tr = state.tr
T = lambda key: ch.lab(key, lang)  # noqa: E731
page_header("04 内容营销创新玩法", "04 Content marketing", T("caption"), lang)
ds = state.dataset()
ver = state.data_version(ds)
ALL = tr("全部", "All")


@st.cache_data(show_spinner=False, max_entries=8)
def _overview(dataset: str, version: str) -> dict:
    return ch04.overview(state.warehouse(), dataset)


@st.cache_data(show_spinner=False, max_entries=32)
def _funnel(dataset: str, version: str, tier: str | None, chan: str | None, live, bucket: int):
    kw = dict(tier=tier, channel=chan, live_id=live, bucket_minutes=bucket)
    return ch04.live_funnel(state.warehouse(), dataset, **kw)


@st.cache_data(show_spinner=False, max_entries=32)
def _ugc(dataset: str, version: str, channel: str | None, min_s: int, dist: tuple) -> dict:
    wh = state.warehouse()
    return ch04.ugc_pipeline(wh, dataset, channel=channel, min_sessions=min_s, distribute=dist)


data = _overview(ds, ver)
if note := missing_note(data["missing"], ch04.TITLES, lang):
    st.info(note)

if "streams" in data:
    st.subheader(T("sec_live"))
    k = data["live_kpis"]
    kpi_row(
        [
            (tr("直播场次", "Streams"), fmt_int(k["streams"])),
            (tr("观看次数", "Views"), fmt_int(k["views"])),
            ("GMV", fmt_money(k["gmv"])),
            ("GPM", fmt_money(k["gpm"])),
            (tr("平均停留", "Avg dwell"), f"{k['dwell_s']:.0f} s"),
            (tr("观众转化率", "Viewer conversion"), fmt_pct(k["conversion"], 2)),
        ]
    )
    doc_note(T("doc_live"))
    st.plotly_chart(ch.tier_compare(data["tiers"], lang=lang), width="stretch")
    cols = ["tier", "streams", "hours", "views", "viewers", "orders", "gmv", "gpm", "dwell_s"]
    tier_cols = [*cols, "conversion", "gmv_per_hour"]
    st.dataframe(ch.table(data["tiers"], tier_cols, lang), hide_index=True, width="stretch")
    c1, c2, c3, c4 = st.columns(4)
    tiers = [None, *ch04.LIVE_TIERS]
    tier = c1.selectbox(tr("直播层级", "Live tier"), tiers, format_func=lambda v: v and T(v) or ALL)
    chans = [None, *data["channels"]]
    channel = c2.selectbox(tr("渠道", "Channel"), chans, format_func=lambda v: v or ALL)
    top = ch04.top_streams(data["streams"], tier=tier, channel=channel)
    pick = [None, *top["live_id"]]
    live = c3.selectbox(
        tr("单场直播", "One stream"), pick, format_func=lambda v: f"#{v}" if v else ALL
    )
    bucket = c4.select_slider(tr("分钟粒度", "Minute bucket"), [1, 5, 10, 15, 30], value=5)
    st.markdown(T("top_streams"))
    cols = ["live_id", "channel_id", "tier", "start_ts", "views", "viewers", "dwell_s"]
    st.dataframe(ch.table(top, [*cols, "orders", "gmv", "gpm"], lang), hide_index=True, height=250)
    fun = _funnel(ds, ver, tier, channel, live, bucket)
    left, right = st.columns(2)
    left.plotly_chart(ch.minute_curve(fun["minutes"], fun["first_minutes"], lang=lang))
    right.plotly_chart(ch.opening_funnel(fun["funnel"], lang=lang), width="stretch")
    if fun["test"] is not None:
        st.caption(T("opening_test").format(w=fun["first_minutes"], **fun["test"]))

if "kols" in data:
    st.subheader(T("sec_kol"))
    doc_note(T("doc_kol"))
    left, right = st.columns([2, 3])
    left.plotly_chart(ch.kol_pyramid(data["pyramid"], lang=lang), width="stretch")
    with right:
        w1, w2, w3 = st.columns(3)
        weights = {
            "influence": w1.slider(tr("影响力权重", "Influence weight"), 0.0, 3.0, 1.0, 0.1),
            "fit": w2.slider(tr("契合度权重", "Fit weight"), 0.0, 3.0, 1.0, 0.1),
            "conversion": w3.slider(tr("转化力权重", "Conversion weight"), 0.0, 3.0, 1.0, 0.1),
        }
        r1, r2, r3, r4 = st.columns(4)
        quant = r1.slider(tr("末位淘汰比例", "Retire bottom share"), 0.0, 0.5, 0.15, 0.05)
        min_fit = r2.slider(tr("最低契合度", "Minimum fit"), 0.0, 1.0, 0.35, 0.05)
        min_conv = r3.slider(tr("最低转化力×均值", "Min conversion x mean"), 0.0, 2.0, 0.5, 0.1)
        min_roi = r4.slider(tr("GMV/坑位费下限", "Min GMV / fee"), 0.0, 3.0, 0.0, 0.1)
        st.caption(T("score_note"))
    try:
        card = ch04.kol_scorecard(
            data["kols"],
            weights=weights,
            retire_quantile=quant,
            min_fit=min_fit,
            min_conversion_ratio=min_conv,
            min_roi=min_roi,
        )
    except ValueError as e:
        st.error(f"{tr('评分卡参数无效', 'Invalid scorecard settings')}: {e}")
    else:
        right.plotly_chart(ch.scorecard_scatter(card["card"], lang=lang, height=330))
        cols = ["rank", "handle", "tier", "fit", "reach"]
        a, b = st.columns(2)
        a.markdown(T("top20"))
        top20 = ch.table(card["card"].head(20), [*cols, "conversion_shrunk", "score"], lang)
        a.dataframe(top20, hide_index=True, height=320)
        b.markdown(T("retire_title").format(n=len(card["retire"])))
        retire = ch.table(card["retire"], ["handle", "tier", "score", "reasons"], lang)
        b.dataframe(retire, hide_index=True, height=320)

if "ugc" not in data["missing"]:
    st.subheader(T("sec_ugc"))
    st.caption(T("ugc_note"))
    u1, u2, u3 = st.columns(3)
    every = tr("全部内容渠道", "All content channels")
    uch = u1.selectbox(tr("内容渠道", "Content channel"), ["xiaohongshu", None],
                       format_func=lambda v: v or every)  # fmt: skip
    min_s = u2.slider(tr("分级最少会话", "Min sessions to grade"), 1, 20, 3)
    dist = u3.multiselect(tr("分发等级", "Grades distributed"), ["A", "B", "C"], default=["A"])
    try:
        ugc = _ugc(ds, ver, uch, min_s, tuple(dist))
    except ValueError as e:
        st.error(f"{tr('UGC 管线无法计算', 'UGC pipeline cannot be computed')}: {e}")
    else:
        left, right = st.columns(2)
        left.plotly_chart(ch.ugc_funnel(ugc["funnel"], lang=lang), width="stretch")
        cols = ["grade", "pieces", "sessions", "clicks", "pays", "gmv", "ctr", "cvr"]
        right.dataframe(ch.table(ugc["by_grade"], cols, lang), hide_index=True, width="stretch")
        if ugc["test"] is not None:
            right.caption(T("ugc_test").format(**ugc["test"]))
