"""Charts of chapter 02 (platform traffic ecosystem): frame -> plotly Figure, bilingual labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from omni_core.charts.base import TEMPLATE
from omni_core.charts.ch01 import label_of
from omni_core.charts.theme import PALETTE
from omni_core.reference import CHANNEL_BY_ID

__all__ = [
    "chain_funnel",
    "channel_name",
    "cost_bars",
    "efficiency_scatter",
    "lifecycle_bars",
    "metric_label",
    "platform_frame",
    "private_sankey",
    "source_conversion",
    "source_share",
    "trend_lines",
]

LEAD_COLORS = {"search": PALETTE[0], "recommend": PALETTE[3], "relationship": PALETTE[4],
               "store": PALETTE[2]}  # fmt: skip
LEAD_LABELS = {"search": ("搜索驱动（人找货）", "Search-led (people find goods)"),
               "recommend": ("推荐驱动（货找人）", "Recommendation-led (goods find people)"),
               "relationship": ("私域关系", "Private relationship"),
               "store": ("门店", "Store"), "other": ("其他", "Other")}  # fmt: skip
SOURCE_LABELS = {"search": ("搜索", "Search"), "recommend": ("推荐", "Recommend"),
                 "short_video": ("短视频", "Short video"), "live": ("直播", "Live"),
                 "note": ("笔记", "Note"), "message": ("消息", "Message"),
                 "community": ("社群", "Community"), "store": ("门店", "Store"),
                 "other": ("其他", "Other")}  # fmt: skip
FLOW_LABELS = {
    "joined": ("加入企微社群", "Joined WeCom community"),
    "not_joined": ("未加入私域", "Did not join"),
    "private_repurchase": ("私域复购", "Repurchased in private domain"),
    "public_repurchase": ("仅公域复购", "Repurchased in public only"),
    "no_repurchase": ("暂未复购", "No repurchase yet"),
    "repurchase_nj": ("复购", "Repurchased"),
    "no_repurchase_nj": ("未复购", "No repurchase"),
}
CHAIN_LABELS = {"search_ad": ("搜索广告点击", "Search-ad click"),
                "landing_page": ("落地页访问", "Landing page"),
                "live_room": ("进入直播间", "Live room"),
                "private_community": ("加入私域社群", "Private community")}  # fmt: skip


METRIC_LABELS = {"sessions": ("访问会话", "Sessions"), "uv": ("UV", "UV"), "gmv": ("GMV", "GMV"),
                 "spend": ("广告花费", "Ad spend"), "cpc": ("CPC", "CPC"),
                 "conversion": ("UV 转化率", "UV conversion")}  # fmt: skip


def metric_label(metric: str, lang: str = "zh") -> str:
    """Display name of a trend metric."""
    return _pick(METRIC_LABELS.get(metric, (metric, metric)), lang)


def _tr(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def channel_name(code: str, lang: str = "zh") -> str:
    """Display name of a channel id (reference names; the id itself when unknown)."""
    c = CHANNEL_BY_ID.get(code)
    return code if c is None else (c.name_en if lang == "en" else c.name_zh)


def _finish(fig: go.Figure, title: str | None, height: int) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def platform_frame(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The per-platform table for display: localised names, rounded rates, ordered columns."""
    cols = [
        ("channel", _tr(lang, "平台", "Platform")),
        ("channel_type", _tr(lang, "类型", "Type")),
        ("sessions", _tr(lang, "访问会话", "Sessions")),
        ("uv", "UV"),
        ("ctr", "CTR"),
        ("conversion", _tr(lang, "UV 转化率", "UV conversion")),
        ("dwell_s", _tr(lang, "平均停留(秒)", "Avg dwell (s)")),
        ("cpc", "CPC (¥)"),
        ("cpm", "CPM (¥)"),
        ("new_buyers", _tr(lang, "新客", "New buyers")),
        ("cost_per_new_buyer", _tr(lang, "新客成本 (¥)", "Cost / new buyer (¥)")),
        ("gmv", "GMV (¥)"),
    ]
    d = frame.copy()
    d["channel"] = [channel_name(c, lang) for c in d["channel"]]
    d["channel_type"] = [label_of(c, lang) for c in d["channel_type"].fillna("unknown")]
    d = d[[c for c, _ in cols if c in d]]
    fmts = {"ctr": "{:.1%}", "conversion": "{:.1%}", "dwell_s": "{:.0f}", "cpc": "{:.2f}",
            "cpm": "{:.1f}", "cost_per_new_buyer": "{:.0f}", "gmv": "{:,.0f}",
            "sessions": "{:,.0f}", "uv": "{:,.0f}", "new_buyers": "{:,.0f}"}  # fmt: skip
    for c, f in fmts.items():
        if c in d:
            d[c] = [("—" if pd.isna(v) else f.format(float(v))) for v in d[c]]
    return d.rename(columns=dict(cols))


def cost_bars(
    frame: pd.DataFrame, *, title: str | None = None, height: int = 340, lang: str = "zh"
) -> go.Figure:
    """CPC, CPM and cost per new buyer per paid platform, coloured by search- vs recommend-led."""
    d = frame[frame["spend"].fillna(0) > 0].sort_values("cpc", ascending=False)
    heads = [("CPC (¥)", "cpc"), ("CPM (¥)", "cpm"),
             (_tr(lang, "新客成本 (¥)", "Cost per new buyer (¥)"), "cost_per_new_buyer")]  # fmt: skip
    fig = make_subplots(rows=1, cols=3, subplot_titles=[h for h, _ in heads])
    names = [channel_name(c, lang) for c in d["channel"]]
    colors = [LEAD_COLORS.get(x, PALETTE[6]) for x in d["lead"]]
    for i, (_, col) in enumerate(heads, start=1):
        fmt = "{:.1f}" if col == "cpc" else "{:.0f}"
        fig.add_bar(x=names, y=d[col], marker_color=colors, showlegend=False, row=1, col=i,
                    text=["" if pd.isna(v) else fmt.format(v) for v in d[col]],
                    textposition="outside", cliponaxis=False)  # fmt: skip
    for lead in ("search", "recommend"):
        fig.add_bar(x=[None], y=[None], marker_color=LEAD_COLORS[lead],
                    name=_pick(LEAD_LABELS[lead], lang))  # fmt: skip
    fig.update_xaxes(tickangle=-35)
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(legend=dict(y=-0.42, x=0.5, xanchor="center", yanchor="top"),
                      margin=dict(b=110), uniformtext=dict(minsize=10, mode="show"))  # fmt: skip
    return _finish(fig, title, height)


def efficiency_scatter(
    frame: pd.DataFrame, *, title: str | None = None, height: int = 380, lang: str = "zh"
) -> go.Figure:
    """Dwell time vs UV conversion per platform; bubble size = sessions, colour = lead type."""
    d = frame.dropna(subset=["dwell_s", "conversion"])
    fig = go.Figure()
    size = np.sqrt(d["sessions"].astype(float))
    size = 10 + 30 * size / max(size.max(), 1)
    for lead, g in d.groupby("lead"):
        fig.add_scatter(
            x=g["dwell_s"], y=g["conversion"], mode="markers+text",
            marker=dict(size=size[g.index], color=LEAD_COLORS.get(lead, PALETTE[6]), opacity=0.8),
            text=[channel_name(c, lang) for c in g["channel"]], textposition="top center",
            textfont=dict(size=11),
            name=_pick(LEAD_LABELS.get(lead, LEAD_LABELS["other"]), lang),
        )  # fmt: skip
    fig.update_xaxes(title=_tr(lang, "平均停留时长（秒，对数轴）", "Mean dwell (s, log axis)"),
                     type="log", tickvals=[30, 60, 120, 240, 480, 960])  # fmt: skip
    top = float(d["conversion"].max()) if len(d) else 1.0
    fig.update_yaxes(title=_tr(lang, "UV 支付转化率", "UV conversion"), tickformat=".0%",
                     range=[-0.02, top * 1.25 + 0.02])  # fmt: skip
    fig.update_layout(legend=dict(y=-0.25, x=0.5, xanchor="center", yanchor="top"),
                      margin=dict(b=100))  # fmt: skip
    return _finish(fig, title, height)


def trend_lines(
    trend: pd.DataFrame, metric: str, channels: list[str] | None = None, *,
    title: str | None = None, height: int = 360, lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """A daily metric per platform (one line each)."""
    d = trend if not channels else trend[trend["channel"].isin(channels)]
    fig = go.Figure()
    for i, (ch, g) in enumerate(d.groupby("channel")):
        fig.add_scatter(x=g["bucket"], y=g[metric], mode="lines", name=channel_name(ch, lang),
                        line=dict(color=PALETTE[i % len(PALETTE)], width=2))  # fmt: skip
    if metric == "conversion":
        fig.update_yaxes(tickformat=".0%")
    return _finish(fig, title, height)


def source_share(
    by_channel: pd.DataFrame, *, title: str | None = None, height: int = 360, lang: str = "zh"
) -> go.Figure:
    """Share of each platform's sessions that is search-led, recommendation-led or other."""
    p = by_channel.pivot_table(index="channel", columns="group", values="share", fill_value=0.0)
    p = p.reindex(columns=["search", "recommend", "other"], fill_value=0.0)
    p = p.sort_values("search", ascending=True)
    fig = go.Figure()
    names = [channel_name(c, lang) for c in p.index]
    colors = {"search": PALETTE[0], "recommend": PALETTE[3], "other": PALETTE[2]}
    for g in p.columns:
        fig.add_bar(y=names, x=p[g], orientation="h", name=_pick(SOURCE_LABELS[g], lang),
                    marker_color=colors[g], text=p[g].map(lambda v: f"{v:.0%}" if v > 0.06
                                                          else ""), textposition="inside")  # fmt: skip
    fig.update_layout(barmode="stack")
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    return _finish(fig, title, height)


def source_conversion(
    conv: pd.DataFrame, *, title: str | None = None, height: int = 360, lang: str = "zh"
) -> go.Figure:
    """Add-to-cart rate per visit by traffic source within shelf, interest and seeding platforms."""
    d = conv[conv["channel_type"].isin(["shelf", "interest", "seeding"]) & (conv["visits"] >= 30)]
    fig = go.Figure()
    for i, (src, g) in enumerate(d.groupby("source")):
        fig.add_bar(x=[label_of(c, lang) for c in g["channel_type"]], y=g["cart_rate"],
                    name=_pick(SOURCE_LABELS.get(src, (src, src)), lang),
                    marker_color=PALETTE[i % len(PALETTE)],
                    text=g["cart_rate"].map(lambda v: f"{v:.0%}"), textposition="outside",
                    cliponaxis=False)  # fmt: skip
    fig.update_layout(barmode="group")
    fig.update_yaxes(
        tickformat=".0%",
        rangemode="tozero",
        title=_tr(lang, "加购率（加购/访问）", "Cart rate (carts / visits)"),
    )
    return _finish(fig, title, height)


def private_sankey(
    links: pd.DataFrame, *, title: str | None = None, height: int = 440, lang: str = "zh"
) -> go.Figure:
    """Public channel of the first purchase -> WeCom community -> repurchase, as a Sankey."""
    d = links[links["value"] > 0]
    nodes = list(dict.fromkeys([*d["source"], *d["target"]]))
    idx = {n: i for i, n in enumerate(nodes)}

    def name(n: str) -> str:
        return _pick(FLOW_LABELS[n], lang) if n in FLOW_LABELS else channel_name(n, lang)

    colors = [PALETTE[4] if n in ("joined", "private_repurchase") else
              PALETTE[2] if n in FLOW_LABELS else PALETTE[0] for n in nodes]  # fmt: skip
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(label=[name(n) for n in nodes], color=colors, pad=14, thickness=16,
                  line=dict(width=0)),
        link=dict(source=[idx[s] for s in d["source"]], target=[idx[x] for x in d["target"]],
                  value=d["value"], color="rgba(143,163,191,0.25)"),
        textfont=dict(color="#E6EDF7", size=13),
    ))  # fmt: skip
    return _finish(fig, title, height)


def chain_funnel(
    chain: pd.DataFrame, *, title: str | None = None, height: int = 360, lang: str = "zh"
) -> go.Figure:
    """The touchpoint chain as a funnel with step-to-step conversion."""
    names = [_pick(CHAIN_LABELS[n], lang) for n in chain["name"]]
    fig = go.Figure(go.Funnel(y=names, x=chain["users"], textinfo="value+percent previous",
                              textfont=dict(size=14),
                              marker=dict(color=PALETTE[: len(chain)])))  # fmt: skip
    return _finish(fig, title, height)


def lifecycle_bars(
    by_channel: pd.DataFrame, *, title: str | None = None, height: int = 360, lang: str = "zh"
) -> go.Figure:
    """Each channel's share of first purchases (acquisition) vs of repurchases."""
    d = by_channel.sort_values("first_share", ascending=False)
    names = [channel_name(c, lang) for c in d["channel"]]
    fig = go.Figure()
    fig.add_bar(
        x=names,
        y=d["first_share"],
        name=_tr(lang, "首购（获客）", "First purchase"),
        marker_color=PALETTE[0],
    )
    fig.add_bar(
        x=names, y=d["repeat_share"], name=_tr(lang, "复购", "Repurchase"), marker_color=PALETTE[4]
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(tickangle=-30)
    return _finish(fig, title, height)
