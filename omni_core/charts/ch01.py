"""Charts of chapter 01 (omni-channel overview): frame -> plotly Figure, bilingual labels."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.theme import PALETTE
from omni_core.i18n import t as label

__all__ = [
    "channel_type_bars",
    "compact",
    "domain_donuts",
    "label_of",
    "lifetime_bars",
    "live_share_bars",
    "live_share_trend",
    "platform_heatmap",
    "platform_means",
]

PART_LABELS = {
    "online": ("线上", "Online"), "offline": ("线下", "Offline"),
    "public": ("公域", "Public"), "private": ("私域", "Private"),
    "unknown": ("未知", "Unknown"),
}  # fmt: skip
SHORT_TYPES_EN = {"shelf": "Shelf", "interest": "Interest", "seeding": "Seeding",
                  "private": "Private", "offline": "Offline", "crossborder": "Cross-border"}  # fmt: skip


def _tr(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def label_of(code: str, lang: str = "zh", *, short: bool = False) -> str:
    """Display name of a channel type or domain part code (``short``: compact English types)."""
    if short and lang == "en" and code in SHORT_TYPES_EN:
        return SHORT_TYPES_EN[code]
    # "private" / "offline" are channel types too: their long names come from omni_core.i18n.
    if code in PART_LABELS and (short or code not in ("private", "offline")):
        return PART_LABELS[code][1 if lang == "en" else 0]
    return label(code, lang)


def compact(value: float, lang: str = "zh") -> str:
    """Short number label: 16.8万 / 168k style."""
    v = float(value)
    if lang != "en" and abs(v) >= 1e4:
        return f"{v / 1e8:.2f}亿" if abs(v) >= 1e8 else f"{v / 1e4:.1f}万"
    if lang == "en" and abs(v) >= 1e3:
        return f"{v / 1e6:.2f}M" if abs(v) >= 1e6 else f"{v / 1e3:.0f}k"
    return f"{v:,.0f}"


def _finish(fig: go.Figure, title: str | None, height: int) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def channel_type_bars(
    frame: pd.DataFrame, *, title: str | None = None, height: int = 360, lang: str = "zh"
) -> go.Figure:
    """GMV, buyers and orders by channel type as three bar panels."""
    d = frame.sort_values("gmv", ascending=False)
    names = [label_of(c, lang, short=True) for c in d["channel_type"]]
    heads = [("GMV (¥)", "gmv"), (_tr(lang, "买家数", "Buyers"), "buyers"),
             (_tr(lang, "订单数", "Orders"), "orders")]  # fmt: skip
    fig = make_subplots(rows=1, cols=3, subplot_titles=[h for h, _ in heads])
    for i, (h, col) in enumerate(heads, start=1):
        fig.add_bar(x=names, y=d[col], name=h, marker_color=PALETTE[i - 1], showlegend=False,
                    text=[compact(v, lang) for v in d[col]], textposition="outside",
                    cliponaxis=False, row=1, col=i)  # fmt: skip
        fig.update_yaxes(range=[0, float(d[col].max() or 1) * 1.18], row=1, col=i)
    fig.update_xaxes(tickangle=-30)
    fig.update_layout(uniformtext=dict(minsize=11, mode="show"))
    return _finish(fig, title, height)


def domain_donuts(
    frame: pd.DataFrame, *, title: str | None = None, height: int = 320, lang: str = "zh"
) -> go.Figure:
    """GMV shares online/offline and public/private as two donuts."""
    fig = make_subplots(
        rows=1, cols=2, specs=[[{"type": "domain"}, {"type": "domain"}]],
        subplot_titles=[_tr(lang, "线上 / 线下", "Online / offline"),
                        _tr(lang, "公域 / 私域", "Public / private domain")],
    )  # fmt: skip
    for i, split in enumerate(("online", "public"), start=1):
        d = frame[frame["split"] == split]
        fig.add_trace(
            go.Pie(labels=[label_of(p, lang, short=True) for p in d["part"]], values=d["gmv"],
                   hole=0.55, textinfo="label+percent", sort=False, showlegend=False,
                   textposition="inside", insidetextorientation="horizontal",
                   marker=dict(colors=[PALETTE[0], PALETTE[3]] if i == 1 else
                               [PALETTE[2], PALETTE[1]])),
            row=1, col=i,
        )  # fmt: skip
    return _finish(fig, title, height)


def live_share_bars(
    by_type: pd.DataFrame,
    overall: float,
    doc_share: float,
    *,
    title: str | None = None,
    height: int = 340,
    lang: str = "zh",
) -> go.Figure:
    """Live-room share of GMV by channel type plus the overall share, with the document's line."""
    d = by_type.dropna(subset=["share"]).sort_values("share", ascending=False)
    x = [_tr(lang, "全部线上", "All online")] + [
        label_of(c, lang, short=True) for c in d["channel_type"]
    ]
    y = [overall, *d["share"]]
    colors = [PALETTE[1]] + [PALETTE[0]] * len(d)
    fig = go.Figure(go.Bar(x=x, y=y, marker_color=colors, text=[f"{v:.0%}" for v in y],
                           textposition="outside", cliponaxis=False))  # fmt: skip
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", range=[0, max(max(y), doc_share) * 1.25])
    # The document's line, labelled on the right where the bars are low.
    fig.add_hline(
        y=doc_share, line_dash="dash", line_color="#FFC53D", annotation_position="top right",
        annotation_font_color="#FFC53D",
        annotation_text=_tr(lang, f"文档：直播 GMV 占比 >{doc_share:.0%}（2023）",
                            f"Doc: live GMV >{doc_share:.0%} of e-commerce (2023)"),
    )  # fmt: skip
    return _finish(fig, title, height)


def live_share_trend(
    daily: pd.DataFrame, doc_share: float, *, title: str | None = None, height: int = 320,
    lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """Daily live share (thin) and its 7-day rolling share (thick) with the document's line."""
    fig = go.Figure()
    fig.add_scatter(
        x=daily["bucket"],
        y=daily["share"],
        mode="lines",
        line=dict(width=1),
        opacity=0.45,
        name=_tr(lang, "每日", "Daily"),
        marker_color=PALETTE[0],
    )
    fig.add_scatter(
        x=daily["bucket"],
        y=daily["share_7d"],
        mode="lines",
        line=dict(width=3),
        name=_tr(lang, "7 日滚动", "7-day rolling"),
        marker_color=PALETTE[1],
    )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    reference_line(fig, doc_share, _tr(lang, "文档 35%", "Doc 35%"))
    return _finish(fig, title, height)


def platform_means(
    mean: pd.DataFrame, doc_value: float, *, title: str | None = None, height: int = 340,
    lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """Mean number of channels touched before paying, per age band, with the Gen Z doc line."""
    d = mean.sort_values("age_band")
    colors = [PALETTE[1] if a == "18-24" else PALETTE[2] for a in d["age_band"]]
    fig = go.Figure(go.Bar(x=d["age_band"], y=d["mean_platforms"], marker_color=colors,
                           text=d["mean_platforms"].map(lambda v: f"{v:.2f}"),
                           textposition="outside", cliponaxis=False))  # fmt: skip
    fig.update_yaxes(
        rangemode="tozero",
        range=[0, max(d["mean_platforms"].max(), doc_value) * 1.2],
        title=_tr(lang, "平均触达平台数", "Mean platforms touched"),
    )
    fig.update_xaxes(title=_tr(lang, "年龄段", "Age band"))
    reference_line(
        fig,
        doc_value,
        _tr(lang, f"文档：Z 世代 {doc_value} 个平台", f"Doc: Gen Z {doc_value} platforms"),
    )
    return _finish(fig, title, height)


def platform_heatmap(
    dist: pd.DataFrame, *, title: str | None = None, height: int = 340, lang: str = "zh"
) -> go.Figure:
    """Share of each age band's paid orders by number of channels touched (heatmap)."""
    p = dist.pivot_table(index="age_band", columns="n_platforms", values="share", fill_value=0.0)
    fig = go.Figure(go.Heatmap(z=p.to_numpy(), x=[str(c) for c in p.columns], y=list(p.index),
                               colorscale="Tealgrn", text=[[f"{v:.0%}" for v in r] for r in
                               p.to_numpy()], texttemplate="%{text}",
                               colorbar=dict(tickformat=".0%")))  # fmt: skip
    fig.update_xaxes(title=_tr(lang, "购买前触达的平台数", "Platforms touched before paying"))
    fig.update_yaxes(title=_tr(lang, "年龄段", "Age band"), autorange="reversed")
    return _finish(fig, title, height)


def lifetime_bars(
    lifetime: pd.DataFrame, members: dict, doc: dict, *, title: str | None = None,
    height: int = 340, lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """Member vs non-member AOV and estimated lifetime (months, 95 % CI) with document targets."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[
        _tr(lang, "客单价 AOV (¥)", "AOV (¥)"),
        _tr(lang, "估计客户寿命（月，95% 区间）", "Estimated lifetime (months, 95% CI)")])  # fmt: skip
    names = [_tr(lang, "会员", "Members"), _tr(lang, "非会员", "Non-members")]
    aov = [members["aov_member"], members["aov_non_member"]]
    fig.add_bar(x=names, y=aov, marker_color=[PALETTE[1], PALETTE[2]], showlegend=False,
                text=[f"¥{v:,.0f}" for v in aov], textposition="outside", cliponaxis=False,
                row=1, col=1)  # fmt: skip
    target = members["aov_non_member"] * (1 + doc["member_aov_lift"])
    fig.add_hline(y=target, line_dash="dash", line_color="#FFC53D", row=1, col=1,
                  annotation_text=_tr(lang, "文档 +40%", "Doc +40%"),
                  annotation_font_color="#FFC53D", annotation_position="top left")  # fmt: skip
    if lifetime is not None and len(lifetime):
        lt = lifetime.set_index("is_member").reindex([True, False])
        y = lt["lifetime_months"].to_numpy()
        fig.add_bar(
            x=names, y=y, marker_color=[PALETTE[1], PALETTE[2]], showlegend=False,
            error_y=dict(type="data", symmetric=False,
                         array=lt["lifetime_high_months"].to_numpy() - y,
                         arrayminus=y - lt["lifetime_low_months"].to_numpy()),
            text=[f"{v:.1f}" for v in y], textposition="inside", insidetextanchor="start",
            textfont=dict(size=15), row=1, col=2,
        )  # fmt: skip
        base = float(lt.loc[False, "lifetime_months"])
        fig.add_hline(y=base + doc["member_retention_months"], line_dash="dash",
                      line_color="#FFC53D", row=1, col=2,
                      annotation_text=_tr(lang, "文档：非会员 +2.3 月", "Doc: non-member +2.3 mo"),
                      annotation_font_color="#FFC53D", annotation_position="top left")  # fmt: skip
    fig.update_yaxes(rangemode="tozero")
    return _finish(fig, title, height)
