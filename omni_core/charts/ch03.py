"""Charts of chapter 03 (profiles and precise reach): frame -> plotly Figure, bilingual labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from omni_core.charts.base import TEMPLATE
from omni_core.charts.ch02 import channel_name
from omni_core.charts.theme import PALETTE
from omni_core.reference import CATEGORIES, FUNNEL_STAGES

__all__ = [
    "attribution_bars",
    "attribution_frame",
    "audience_compare",
    "channel_funnel",
    "device_matrix",
    "feature_label",
    "funnel_heatmap",
    "gains_chart",
    "lift_bars",
    "tag_label",
    "tag_overview",
    "theme_heatmap",
    "weights_bars",
]

_CAT = {c[0]: (c[1], c[2]) for c in CATEGORIES}
_VALUES = {
    "F": ("女", "Female"), "M": ("男", "Male"), "none": ("无", "None"),
    "high_value": ("高净值", "High-net-worth"), "regular": ("普通", "Regular"),
    "price_sensitive": ("价格敏感", "Price-sensitive"), "no_purchase": ("未购买", "No purchase"),
    "high": ("高活跃", "High"), "medium": ("中活跃", "Medium"), "low": ("低活跃", "Low"),
    "inactive": ("无行为", "Inactive"), "coupon": ("用券用户", "Coupon users"),
    "young": ("Z 世代 18-24", "Gen Z 18-24"), "senior": ("35 岁以上", "Aged 35+"),
    "price": ("价格", "Price"), "quality": ("品质", "Quality"), "emotion": ("情感", "Emotion"),
    "kol": ("达人 KOL", "KOL"), "exposure": ("曝光", "Exposure"), "click": ("点击", "Click"),
    "page_view": ("访问", "Visit"), "cart": ("加购", "Cart"), "order": ("下单", "Order"),
    "pay": ("支付", "Pay"), "centroid": ("质心相似", "Centroid"),
    "logistic": ("逻辑回归", "Logistic"), "conversions": ("转化数", "Conversions"),
    "value": ("转化金额", "Value"), "android": ("安卓", "Android"), "ios": ("iOS", "iOS"),
    "mini_program": ("小程序", "Mini program"), "pc": ("PC", "PC"),
    "store_pos": ("门店 POS", "Store POS"),
}  # fmt: skip
_TAGS = {
    "age_band": ("年龄段", "Age band"), "gender": ("性别", "Gender"),
    "city_tier": ("城市等级（0=海外）", "City tier (0 = overseas)"),
    "preferred_category": ("偏好品类", "Preferred category"),
    "spending_tier": ("消费能力", "Spending power"), "engagement": ("活跃度", "Engagement"),
    "preferred_channel": ("偏好渠道", "Preferred channel"), "is_member": ("会员", "Member"),
    "True": ("是", "Yes"), "False": ("否", "No"),
}  # fmt: skip
_MODELS = {
    "first_touch": ("首次点击", "First touch"), "last_touch": ("末次点击", "Last touch"),
    "linear": ("线性", "Linear"), "time_decay": ("时间衰减", "Time decay"),
    "position_based": ("位置（U 型）", "Position-based"), "markov": ("马尔可夫", "Markov"),
    "shapley": ("Shapley", "Shapley"),
}  # fmt: skip


def _tr(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def tag_label(value: object, lang: str = "zh") -> str:
    """Display name of a tag value, category, channel, theme or stage code."""
    v = str(value)
    pair = _VALUES.get(v) or _CAT.get(v) or _TAGS.get(v) or _MODELS.get(v)
    if pair:
        return pair[1] if lang == "en" else pair[0]
    name = channel_name(v, lang)
    return name


def _finish(fig: go.Figure, title: str | None, height: int) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def tag_overview(
    counts: pd.DataFrame, *, title: str | None = None, height: int = 560, lang: str = "zh"
) -> go.Figure:
    """Users per tag value for the main tag dimensions (a grid of bar charts)."""
    dims = [d for d in ("age_band", "gender", "city_tier", "preferred_category",
                        "spending_tier", "engagement") if d in set(counts["tag"])]  # fmt: skip
    if not dims:
        return _finish(go.Figure(), title, height)
    cols = 3
    rows = int(np.ceil(len(dims) / cols))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        vertical_spacing=0.22,
        horizontal_spacing=0.06,
        subplot_titles=[_TAGS[d][1 if lang == "en" else 0] for d in dims],
    )
    for i, d in enumerate(dims):
        g = counts[(counts["tag"] == d) & (counts["value"] != "none")]
        g = g.sort_values("value") if d in ("age_band", "city_tier") else g
        fig.add_bar(
            x=[tag_label(v, lang) for v in g["value"]],
            y=g["users"],
            showlegend=False,
            marker_color=PALETTE[i % len(PALETTE)],
            row=i // cols + 1,
            col=i % cols + 1,
        )
    fig.update_xaxes(tickangle=-30, tickfont=dict(size=11), type="category")
    return _finish(fig, title, height)


def audience_compare(
    result: dict, *, title: str | None = None, height: int = 340, lang: str = "zh"
) -> go.Figure:
    """Audience vs whole base: buyer rate, GMV per user and AOV; plus reach by channel."""
    a, b = result["audience"], result["base"]
    heads = [(_tr(lang, "购买率", "Buyer rate"), "buyer_rate", ".0%"),
             (_tr(lang, "人均 GMV (¥)", "GMV per user (¥)"), "gmv_per_user", ",.0f"),
             ("AOV (¥)", "aov", ",.0f"),
             (_tr(lang, "触达渠道（人数）", "Reach by channel (users)"), None, None)]  # fmt: skip
    fig = make_subplots(rows=1, cols=4, subplot_titles=[h[0] for h in heads],
                        column_widths=[0.18, 0.18, 0.18, 0.46])  # fmt: skip
    names = [_tr(lang, "圈选人群", "Audience"), _tr(lang, "全部用户", "All users")]
    for i, (_, key, fmt) in enumerate(heads[:3], start=1):
        y = [a[key], b[key]]
        fig.add_bar(x=names, y=y, marker_color=[PALETTE[1], PALETTE[2]], showlegend=False,
                    text=[format(v, fmt) if v == v else "—" for v in y], textposition="outside",
                    cliponaxis=False, row=1, col=i)  # fmt: skip
    r = result["reach"].head(8)
    fig.add_bar(
        x=[
            _tr(lang, "无访问", "No visits") if c == "none" else channel_name(c, lang)
            for c in r["preferred_channel"]
        ],
        y=r["users"],
        marker_color=PALETTE[0],
        showlegend=False,
        row=1,
        col=4,
    )
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(tickformat=".0%", row=1, col=1)
    fig.update_xaxes(tickangle=-30)
    return _finish(fig, title, height)


def gains_chart(
    gains: pd.DataFrame, *, title: str | None = None, height: int = 340, lang: str = "zh"
) -> go.Figure:
    """Cumulative gains of the lookalike ranking vs random targeting (diagonal)."""
    fig = go.Figure()
    fig.add_scatter(x=gains["targeted"], y=gains["reached"], mode="lines",
                    name=_tr(lang, "Lookalike 排序", "Lookalike ranking"),
                    line=dict(color=PALETTE[0], width=3))  # fmt: skip
    fig.add_scatter(
        x=[0, 1],
        y=[0, 1],
        mode="lines",
        name=_tr(lang, "随机", "Random"),
        line=dict(color="#8FA3BF", dash="dot"),
    )
    fig.update_xaxes(tickformat=".0%", title=_tr(lang, "覆盖用户比例", "Share of users targeted"))
    fig.update_yaxes(
        tickformat=".0%", title=_tr(lang, "覆盖的留出期买家", "Hold-out buyers reached")
    )
    return _finish(fig, title, height)


def lift_bars(
    evaluation: pd.DataFrame, *, title: str | None = None, height: int = 340, lang: str = "zh"
) -> go.Figure:
    """Lift over random (precision@k / base rate) at each expansion size."""
    x = [f"Top {s:.0%}" for s in evaluation["share"]]
    fig = go.Figure(go.Bar(x=x, y=evaluation["lift"], marker_color=PALETTE[1],
                           text=[f"×{v:.1f}" for v in evaluation["lift"]], textposition="outside",
                           cliponaxis=False))  # fmt: skip
    fig.update_yaxes(rangemode="tozero", title=_tr(lang, "提升倍数", "Lift (×)"))
    fig.add_hline(y=1.0, line_dash="dash", line_color="#8FA3BF", annotation_position="top right",
                  annotation_text=_tr(lang, "随机 = 1", "Random = 1"),
                  annotation_font_color="#8FA3BF")  # fmt: skip
    return _finish(fig, title, height)


def theme_heatmap(
    lifts: pd.DataFrame, *, title: str | None = None, height: int = 330, lang: str = "zh"
) -> go.Figure:
    """Click lift of each creative theme per segment (95 % CI in the cell; ★ = winner)."""
    segs = list(dict.fromkeys(lifts["segment"]))
    themes = sorted(lifts["theme"].unique())
    z = np.full((len(segs), len(themes)), np.nan)
    text = [["" for _ in themes] for _ in segs]
    for r in lifts.itertuples(index=False):
        i, j = segs.index(r.segment), themes.index(r.theme)
        z[i, j] = r.lift
        star = "★ " if r.winner else ""
        text[i][j] = f"{star}×{r.lift:.2f}<br>[{r.low:.2f}, {r.high:.2f}]"
    fig = go.Figure(go.Heatmap(
        z=z, x=[tag_label(t, lang) for t in themes], y=[tag_label(s, lang) for s in segs],
        text=text, texttemplate="%{text}", colorscale="RdBu", zmid=1.0, zmin=0.7, zmax=1.3,
        colorbar=dict(title=_tr(lang, "点击提升", "Click lift")),
    ))  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    return _finish(fig, title, height)


def attribution_bars(
    conv: pd.DataFrame, *, title: str | None = None, height: int = 400, lang: str = "zh",
    measure: str = "conversions",
) -> go.Figure:  # fmt: skip
    """Credit per channel under each attribution model (grouped bars, share of the total)."""
    share = conv / conv.sum()
    order = share.mean(axis=1).sort_values(ascending=False).index
    fig = go.Figure()
    for i, m in enumerate(share.columns):
        fig.add_bar(
            x=[channel_name(c, lang) for c in order],
            y=share.loc[order, m],
            name=tag_label(m, lang),
            marker_color=PALETTE[i % len(PALETTE)],
        )
    fig.update_layout(barmode="group")
    ylab = _tr(lang, "转化数占比", "Share of conversions") if measure == "conversions" else \
        _tr(lang, "转化金额占比", "Share of conversion value")  # fmt: skip
    fig.update_yaxes(tickformat=".0%", title=ylab)
    return _finish(fig, title, height)


def attribution_frame(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The channel x model attribution table for display (localised names, one decimal)."""
    d = frame.round(1).rename(columns=lambda m: tag_label(m, lang))
    d.index = [channel_name(c, lang) for c in d.index]
    d.index.name = _tr(lang, "渠道", "Channel")
    return d


def funnel_heatmap(
    rates: pd.DataFrame, benchmark: pd.Series, *, title: str | None = None, height: int = 420,
    lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """Step conversion per channel, coloured by the gap to the cross-channel median; leaks boxed."""
    steps = list(FUNNEL_STAGES[1:])
    d = rates.set_index("channel")
    gap = d[steps] / benchmark[steps] - 1
    text = [[f"{'⚠ ' if d.loc[c, 'leak'] == s else ''}{d.loc[c, s]:.0%}" for s in steps]
            for c in d.index]  # fmt: skip
    x = [f"→ {tag_label(s, lang)}" for s in steps]
    fig = go.Figure(go.Heatmap(
        z=gap.to_numpy(), x=x, y=[channel_name(c, lang) for c in d.index], text=text,
        texttemplate="%{text}", colorscale="RdYlGn", zmid=0.0, zmin=-0.5, zmax=0.5,
        colorbar=dict(title=_tr(lang, "相对中位数", "vs median"), tickformat="+.0%"),
    ))  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    return _finish(fig, title, height)


def channel_funnel(
    counts: pd.Series, leak: str | None, *, title: str | None = None, height: int = 380,
    lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """One channel's funnel (sessions per stage) with the leaking step in red."""
    stages = list(FUNNEL_STAGES)
    colors = [PALETTE[3] if s == leak else PALETTE[0] for s in stages]
    fig = go.Figure(go.Funnel(y=[tag_label(s, lang) for s in stages],
                              x=[float(counts[s]) for s in stages],
                              textinfo="value+percent previous", marker=dict(color=colors)))  # fmt: skip
    return _finish(fig, title, height)


def device_matrix(
    matrix: pd.DataFrame, *, title: str | None = None, height: int = 340, lang: str = "zh"
) -> go.Figure:
    """Orders by device type of the first touch (rows) and of the payment (columns)."""
    share = matrix.div(matrix.sum(axis=1), axis=0)
    fig = go.Figure(go.Heatmap(
        z=share.to_numpy(), x=[tag_label(c, lang) for c in matrix.columns],
        y=[tag_label(c, lang) for c in matrix.index], colorscale="Tealgrn",
        text=[[f"{v:,}" for v in r] for r in matrix.to_numpy()], texttemplate="%{text}",
        colorbar=dict(tickformat=".0%"),
    ))  # fmt: skip
    fig.update_xaxes(title=_tr(lang, "支付设备", "Paying device"))
    fig.update_yaxes(title=_tr(lang, "首次触达设备", "First-touch device"), autorange="reversed")
    return _finish(fig, title, height)


_FEATURES = {
    "views": ("浏览", "Views"), "favorites": ("收藏", "Favorites"), "carts": ("加购", "Carts"),
    "sessions": ("访问", "Sessions"), "age": ("年龄", "Age"), "female": ("女性", "Female"),
    "member": ("会员", "Member"), "city_tier": ("城市等级", "City tier"),
    "active_days": ("活跃天数", "Active days"), "orders": ("订单数", "Orders"),
    "gmv": ("消费额", "Spend"), "coupon_share": ("用券占比", "Coupon share"),
}  # fmt: skip


def feature_label(name: str, lang: str = "zh") -> str:
    """Readable name of a lookalike feature such as ``carts_apparel`` or ``sessions_douyin``."""
    if name in _FEATURES:
        return _FEATURES[name][1 if lang == "en" else 0]
    head, _, rest = name.partition("_")
    if head in _FEATURES and rest:
        return f"{_FEATURES[head][1 if lang == 'en' else 0]} · {tag_label(rest, lang)}"
    return name


def weights_bars(
    weights: pd.DataFrame, *, title: str | None = None, height: int = 340, lang: str = "zh"
) -> go.Figure:
    """Lookalike feature weights on the standardised scale (horizontal bars, largest on top)."""
    d = weights.iloc[::-1]
    colors = [PALETTE[4] if w > 0 else PALETTE[3] for w in d["weight"]]
    names = [feature_label(f, lang) for f in d["feature"]]
    fig = go.Figure(go.Bar(x=d["weight"], y=names, orientation="h", marker_color=colors))
    fig.update_xaxes(title=_tr(lang, "标准化权重", "Standardised weight"), zeroline=True)
    return _finish(fig, title, height)
