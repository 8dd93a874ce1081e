"""Chapter 02 电商平台流量生态解析: platform traffic, cost, public -> private flow, lifecycle."""

from __future__ import annotations

import streamlit as st

from omni_core.analysis import ch02
from omni_core.charts import ch02 as charts
from ui import state
from ui.components import doc_note, fmt_int, fmt_money, fmt_pct, kpi_row, page_header

lang = state.lang()
tr = state.tr
page_header(
    "02 电商平台流量生态解析",
    "02 Platform traffic ecosystem",
    tr(
        "货架电商“人找货”、兴趣电商“货找人”：各平台的流量、成本与转化，公域成交如何沉淀到私域、在哪里获客、在哪里复购。",
        "Shelf platforms: people find goods; interest platforms: goods find people. Traffic, cost "
        "and conversion per platform, how public-domain buyers flow into the private domain, "
        "where buyers are acquired and where they come back.",
    ),
    lang,
)
ds = state.dataset()
if not ds:
    st.warning(state.t("no_dataset"))
    st.stop()


chain_days = st.sidebar.slider(tr("链路每步时限（天）", "Days allowed per chain step"), 1, 30, 7)


@st.cache_data(show_spinner=False, max_entries=32)
def _load(dataset: str, version: str, chain_days: int) -> dict:
    return ch02.analyse(state.warehouse(), dataset, chain_days=chain_days)


with st.spinner(tr("计算中…", "Computing…")):
    data = _load(ds, state.data_version(ds), chain_days)
if data["missing"]:
    st.info("\n\n".join(tr(*n) for n in data["missing"]))
plat = data.get("platforms")
flow = data.get("flow")
if plat is not None:
    k = data["kpis"]
    kpi_row([
        (tr("访问会话", "Sessions"), fmt_int(k["sessions"])),
        (tr("广告花费", "Ad spend"), fmt_money(k["spend"])),
        ("CPC", "—" if k["cpc"] is None else f"¥{k['cpc']:.2f}"),
        (tr("新客成本", "Cost / new buyer"), fmt_money(k["cost_per_new_buyer"])),
        (tr("首购后加入私域", "Join private after 1st buy"), fmt_pct(k["join_rate"])),
    ])  # fmt: skip
    st.subheader(tr("平台流量与成本", "Traffic and cost by platform"))
    doc_note(tr(
        "文档：货架电商以搜索为核心入口，目的性强、转化率高但流量成本持续攀升；兴趣电商依托推荐算法，"
        "用户停留时间长但转化链路复杂。",
        "Doc: shelf platforms are search-led with purposeful users, high conversion and rising "
        "traffic cost; interest platforms are recommendation-led with long dwell but a more "
        "complex path to conversion.",
    ))  # fmt: skip
    st.dataframe(charts.platform_frame(plat, lang), hide_index=True, width="stretch")
    c1, c2 = st.columns([3, 2])
    c1.plotly_chart(charts.cost_bars(plat, lang=lang), width="stretch")
    c2.plotly_chart(charts.efficiency_scatter(plat, lang=lang), width="stretch")
    trend = data["trend"]
    m1, m2 = st.columns([1, 3])
    metric = m1.selectbox(
        tr("趋势指标", "Trend metric"),
        [m for m in ch02.TREND_METRICS if trend[m].notna().any()],
        format_func=lambda m: charts.metric_label(m, lang),
    )  # fmt: skip
    picked = m2.multiselect(
        tr("平台", "Platforms"), sorted(trend["channel"].unique()),
        default=list(plat["channel"].head(4)), format_func=lambda c: charts.channel_name(c, lang),
    )  # fmt: skip
    st.plotly_chart(charts.trend_lines(trend, metric, picked, lang=lang), width="stretch")

if "sources" in data:
    st.subheader(tr("搜索驱动 vs 推荐驱动", "Search-led vs recommendation-led traffic"))
    c1, c2 = st.columns(2)
    c1.plotly_chart(charts.source_share(data["sources"]["by_channel"], lang=lang), width="stretch")
    c2.plotly_chart(
        charts.source_conversion(data["sources"]["conversion"], lang=lang), width="stretch"
    )

if flow:
    st.subheader(tr("公域 → 私域流转", "Public → private domain flow"))
    doc_note(tr(
        "文档：将公域平台（如抖音直播间）的成交用户通过企微 SCRM 沉淀至私域，再通过会员体系二次触达。",
        "Doc: buyers from public platforms (e.g. a Douyin live room) are moved into the private "
        "domain through WeCom SCRM and reached again through membership.",
    ))  # fmt: skip
    st.plotly_chart(charts.private_sankey(flow["links"], lang=lang), width="stretch")
    st.caption(tr(
        f"首购买家加入企微社群的比例 {fmt_pct(flow['join_rate'])}；加入者复购率 "
        f"{fmt_pct(flow['repurchase_joined'])}，未加入者 {fmt_pct(flow['repurchase_not_joined'])}"
        "（观察窗口内，首购为数据集中首笔支付订单）。",
        f"{fmt_pct(flow['join_rate'])} of first-time buyers joined the WeCom community; joiners "
        f"repurchased at {fmt_pct(flow['repurchase_joined'])}, others at "
        f"{fmt_pct(flow['repurchase_not_joined'])} (within the window; first purchase = the first "
        "paid order in the dataset).",
    ))  # fmt: skip

if "chain" in data:
    st.subheader(
        tr(
            "触点链路：搜索广告 → 落地页 → 直播间 → 私域社群",
            "Touchpoint chain: search ad → landing page → live room → community",
        )
    )
    c1, c2 = st.columns([3, 2])
    c1.plotly_chart(charts.chain_funnel(data["chain"], lang=lang), width="stretch")
    c2.caption(tr(
        f"按用户时间顺序：先点击付费搜索广告，随后在搜索广告会话中访问落地页，之后进入任一直播间，再之后加入企微社群；"
        f"每一步须在上一步之后 {chain_days} 天内发生。",
        f"Per user, in time order: a paid search-ad click, then a landing-page view in a search-ad "
        f"session, then any live room, then joining the WeCom community; each step must follow "
        f"the previous one within {chain_days} days.",
    ))  # fmt: skip

if "lifecycle" in data:
    st.subheader(
        tr("生命周期分工：公域拉新，私域复购", "Lifecycle: public acquires, private repurchases")
    )
    doc_note(
        tr(
            "文档：公域负责拉新获客，私域承担复购转化。",
            "Doc: the public domain acquires, the private domain converts repurchases.",
        )
    )
    life = data["lifecycle"]
    dom = life["by_domain"].set_index("domain")
    st.plotly_chart(charts.lifecycle_bars(life["by_channel"], lang=lang), width="stretch")
    if "private" in dom.index:
        st.caption(tr(
            f"私域占首购 {fmt_pct(dom.loc['private', 'first_share'])}、占复购 "
            f"{fmt_pct(dom.loc['private', 'repeat_share'])}。",
            f"The private domain takes {fmt_pct(dom.loc['private', 'first_share'])} of first "
            f"purchases and {fmt_pct(dom.loc['private', 'repeat_share'])} of repurchases.",
        ))  # fmt: skip
