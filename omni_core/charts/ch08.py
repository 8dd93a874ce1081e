"""Chapter 08 charts: stock, forecast, water levels, allocation, oversell, routing, returns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.theme import PALETTE
from omni_core.reference import RETURN_REASONS

TITLES: dict[str, tuple[str, str]] = {
    "stock_by_location": (
        "各库位在库（仓 · 店 · 平台 · 海外）",
        "On hand by location (warehouse · store · platform · overseas)",
    ),
    "forecast_chart": (
        "未来 7 天需求预测（周内季节性 + 大促日）",
        "7-day demand forecast (weekly seasonality + promo days)",
    ),
    "backtest_chart": (
        "回测：每日合计（模型 vs 季节朴素）",
        "Backtest: daily totals (model vs seasonal naive)",
    ),
    "water_level_chart": (
        "库存水位：安全库存 = z·σ·√L，再订货点 = 提前期需求 + 安全库存",
        "Water level: SS = z·σ·√L, ROP = lead-time demand + SS",
    ),
    "allocation_chart": (
        "双11 逐小时：预售/秒杀预占与释放（承诺永不超过库存）",
        "Double 11 by hour: pre-sale/flash holds and releases (promises never exceed stock)",
    ),
    "oversell_curve": (
        "剩余库存与超卖概率（当前同步延迟下）",
        "Oversell probability by units left (at this sync delay)",
    ),
    "frontier_chart": (
        "成本-时效最优前沿（线性规划）",
        "Cost/speed frontier (linear programme)",
    ),
    "lane_mix_chart": (
        "各区域承运商分配：当前 vs 方案",
        "Parcels by region and carrier: current vs plan",
    ),
    "grade_heatmap": (
        "退货场景 × 等级（A 全新 … E 报废）",
        "Return scenario × grade (A as new … E scrap)",
    ),
    "refund_hist": (
        "退款时长分布",
        "Refund time distribution",
    ),
    "levers_chart": (
        "逆向物流成本杠杆",
        "Reverse-logistics cost levers",
    ),
}


def _l(zh: str, en: str, lang: str) -> str:
    return en if lang == "en" else zh


def _done(
    fig: go.Figure, title: str | None, height: int, lang: str = "zh", key: str | None = None
) -> go.Figure:
    """Apply the template; ``title=None`` uses the chart's own bilingual title (``TITLES``)."""
    if title is None and key is not None:
        title = _l(*TITLES[key], lang)
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def stock_by_location(
    frame: pd.DataFrame, *, title: str | None = None, height: int = 340, lang: str = "zh"
) -> go.Figure:
    """Units on hand per location, coloured by location kind."""
    fig = px.bar(
        frame, x="location_id", y="on_hand", color="kind", color_discrete_sequence=PALETTE, hover_data=["loc_name", "skus", "value"],
        labels={"location_id": _l("库位", "Location", lang), "on_hand": _l("在库", "On hand", lang),
                "kind": _l("类型", "Kind", lang)},
    )  # fmt: skip
    return _done(fig, title, height, lang, "stock_by_location")


def rate_trend(
    frame: pd.DataFrame,
    y: str,
    target: float,
    target_label: str,
    *,
    title: str | None = None,
    height: int = 300,
    lang: str = "zh",
) -> go.Figure:
    """A daily rate (accuracy, stock-out rate) with the document's target as a reference line."""
    fig = go.Figure(go.Scatter(x=frame["date"], y=frame[y], mode="lines+markers",
                               line=dict(color=PALETTE[0]), name=y))  # fmt: skip
    reference_line(fig, target, target_label)
    fig.update_yaxes(tickformat=".1%")
    fig.update_layout(showlegend=False, xaxis_title=_l("日期", "Date", lang))
    return _done(fig, title, height)


def forecast_chart(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    *,
    level: float = 0.8,
    title: str | None = None,
    height: int = 360,
    lang: str = "zh",
) -> go.Figure:
    """Daily units: history, mean forecast and its prediction interval; promo days marked."""
    fig = go.Figure()
    fig.add_bar(x=history["date"], y=history["units"], name=_l("实际", "Actual", lang),
                marker_color=PALETTE[2])  # fmt: skip
    fig.add_scatter(x=forecast["date"], y=forecast["hi"], mode="lines", line=dict(width=0),
                    showlegend=False, hoverinfo="skip")  # fmt: skip
    fig.add_scatter(
        x=forecast["date"], y=forecast["lo"], mode="lines", line=dict(width=0), fill="tonexty",
        fillcolor="rgba(54,207,201,0.22)", name=_l(f"{level:.0%} 预测区间", f"{level:.0%} interval", lang),
    )  # fmt: skip
    fig.add_scatter(x=forecast["date"], y=forecast["forecast"], mode="lines+markers",
                    line=dict(color=PALETTE[0], width=3), name=_l("预测", "Forecast", lang))  # fmt: skip
    promo = forecast[forecast["promo"] > 1.0]
    if len(promo):
        fig.add_scatter(x=promo["date"], y=promo["hi"], mode="markers", name=_l("大促日", "Promo day", lang),
                        marker=dict(symbol="star", size=12, color=PALETTE[1]))  # fmt: skip
    fig.update_layout(yaxis_title=_l("件/天", "Units/day", lang), bargap=0.15)
    return _done(fig, title, height, lang, "forecast_chart")


def backtest_chart(
    by_day: pd.DataFrame, *, title: str | None = None, height: int = 320, lang: str = "zh"
) -> go.Figure:
    """Backtest: daily totals of actual, model and seasonal naive (all forecast origins summed)."""
    long = by_day.melt("date", ["actual", "forecast", "naive"], var_name="series", value_name="v")
    names = {"actual": _l("实际", "Actual", lang), "forecast": _l("模型", "Model", lang),
             "naive": _l("季节朴素", "Seasonal naive", lang)}  # fmt: skip
    long["series"] = long["series"].map(names)
    fig = px.line(long, x="date", y="v", color="series", color_discrete_sequence=PALETTE,
                  labels={"date": _l("日期", "Date", lang), "v": _l("件（各起点合计）", "Units (all origins)", lang),
                          "series": ""})  # fmt: skip
    return _done(fig, title, height, lang, "backtest_chart")


def water_level_chart(
    frame: pd.DataFrame,
    *,
    safety_stock: float,
    reorder_point: float,
    title: str | None = None,
    height: int = 340,
    lang: str = "zh",
) -> go.Figure:
    """Book stock of one SKU x location with the model's SS/ROP and the recorded policy lines."""
    fig = go.Figure()
    fig.add_scatter(x=frame["date"], y=frame["on_hand"], mode="lines", fill="tozeroy",
                    line=dict(color=PALETTE[0]), name=_l("在库", "On hand", lang))  # fmt: skip
    fig.add_scatter(x=frame["date"], y=frame["reorder_point"], mode="lines",
                    line=dict(color=PALETTE[3], dash="dot"),
                    name=_l("系统记录再订货点", "Recorded reorder point", lang))  # fmt: skip
    fig.add_hline(y=reorder_point, line_color=PALETTE[1], line_dash="dash",
                  annotation_text=_l(f"模型再订货点 {reorder_point:.0f}", f"Model ROP {reorder_point:.0f}", lang),
                  annotation_font_color=PALETTE[1])  # fmt: skip
    fig.add_hline(y=safety_stock, line_color=PALETTE[9], line_dash="dash",
                  annotation_text=_l(f"模型安全库存 {safety_stock:.0f}", f"Model safety stock {safety_stock:.0f}", lang),
                  annotation_position="bottom left", annotation_font_color=PALETTE[9])  # fmt: skip
    fig.update_layout(yaxis_title=_l("件", "Units", lang))
    return _done(fig, title, height, lang, "water_level_chart")


def allocation_chart(
    sim: pd.DataFrame, *, title: str | None = None, height: int = 360, lang: str = "zh"
) -> go.Figure:
    """Hour by hour: free stock, pre-sale and flash holds (stacked = on hand), releases, sold."""
    fig = go.Figure()
    for col, name, color in (
        ("atp", _l("可售（自由库存）", "Free to promise", lang), PALETTE[0]),
        ("reserved_presale", _l("预售锁定", "Pre-sale hold", lang), PALETTE[2]),
        ("reserved_flash", _l("秒杀锁定", "Flash-sale hold", lang), PALETTE[3]),
    ):
        fig.add_scatter(x=sim["ts"], y=sim[col], stackgroup="stock", name=name,
                        line=dict(color=color, width=0.5))  # fmt: skip
    rel = sim[sim["released"] > 0]
    fig.add_scatter(x=rel["ts"], y=rel["released"], mode="markers+text", text=rel["released"],
                    textposition="top center", marker=dict(symbol="triangle-up", size=12,
                    color=PALETTE[1]), name=_l("释放回可售", "Released", lang))  # fmt: skip
    fig.add_scatter(x=sim["ts"], y=sim["sold"], mode="lines", line=dict(color=PALETTE[4], dash="dot"),
                    name=_l("累计售出", "Sold (cumulative)", lang))  # fmt: skip
    fig.update_layout(yaxis_title=_l("件", "Units", lang))
    return _done(fig, title, height, lang, "allocation_chart")


def oversell_curve(
    curve: pd.DataFrame,
    *,
    buffer: int,
    eps: float,
    title: str | None = None,
    height: int = 320,
    lang: str = "zh",
) -> go.Figure:
    """Oversell probability per sync window by units left, the risk cap and the buffer."""
    fig = go.Figure(go.Bar(
        x=curve["stock_left"], y=curve["p_oversell"].clip(lower=1e-12), marker_color=PALETTE[3],
        name=_l("超卖概率/同步窗口", "P(oversell) per sync window", lang),
    ))  # fmt: skip
    reference_line(fig, eps, _l(f"风险上限 {eps:.0%}", f"risk cap {eps:.0%}", lang))
    fig.add_vline(x=buffer, line_dash="dash", line_color=PALETTE[4],
                  annotation_text=_l(f"缓冲 {buffer} 件", f"buffer {buffer} units", lang),
                  annotation_position="bottom right", annotation_font_color=PALETTE[4])  # fmt: skip
    fig.update_layout(
        xaxis_title=_l("剩余可售（件）", "Units left", lang), showlegend=False,
        yaxis=dict(type="log", title=_l("超卖概率", "P(oversell)", lang), exponentformat="e"),
    )  # fmt: skip
    return _done(fig, title, height, lang, "oversell_curve")


def frontier_chart(
    frontier: pd.DataFrame,
    current: dict,
    planned: dict | None,
    *,
    doc_days: float,
    doc_cost_cut: float,
    title: str | None = None,
    height: int = 380,
    lang: str = "zh",
) -> go.Figure:
    """Cost per parcel vs mean delivery days: the LP frontier, today's mix, the plan, doc lines."""
    fig = go.Figure()
    fig.add_scatter(x=frontier["mean_days"], y=frontier["cost_per_parcel"], mode="lines+markers",
                    line=dict(color=PALETTE[0], width=3), name=_l("最优前沿", "Optimal frontier", lang))  # fmt: skip
    fig.add_scatter(x=[current["mean_days"]], y=[current["cost_per_parcel"]], mode="markers",
                    marker=dict(size=16, color=PALETTE[3], symbol="x"), name=_l("当前", "Current", lang))  # fmt: skip
    if planned is not None:
        fig.add_scatter(x=[planned["mean_days"]], y=[planned["cost_per_parcel"]], mode="markers",
                        marker=dict(size=16, color=PALETTE[4], symbol="star"), name=_l("方案", "Plan", lang))  # fmt: skip
    reference_line(
        fig, doc_days, _l(f"文档: 平均 {doc_days} 天", f"doc: {doc_days} days", lang), axis="x"
    )
    reference_line(fig, current["cost_per_parcel"] * (1 - doc_cost_cut),
                   _l(f"文档: 成本 −{doc_cost_cut:.0%}", f"doc: cost −{doc_cost_cut:.0%}", lang))  # fmt: skip
    fig.update_layout(xaxis_title=_l("平均送达天数", "Mean delivery days", lang),
                      yaxis_title=_l("元/单", "Yuan per parcel", lang))  # fmt: skip
    return _done(fig, title, height, lang, "frontier_chart")


def lane_mix_chart(
    plan: pd.DataFrame, *, title: str | None = None, height: int = 380, lang: str = "zh"
) -> go.Figure:
    """Parcels per region and carrier: today vs the plan."""
    cur = plan[["region", "carrier", "parcels"]].assign(mix=_l("当前", "Current", lang))
    new = plan[["region", "carrier", "planned"]].rename(columns={"planned": "parcels"})
    new = new.assign(mix=_l("方案", "Plan", lang))
    both = pd.concat([cur, new], ignore_index=True)
    fig = px.bar(both, x="region", y="parcels", color="carrier", facet_col="mix",
                 color_discrete_sequence=PALETTE,
                 labels={"region": _l("区域", "Region", lang), "parcels": _l("包裹", "Parcels", lang),
                         "carrier": _l("承运商", "Carrier", lang), "mix": ""})  # fmt: skip
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.18, x=0, xanchor="left"))
    return _done(fig, title, height, lang, "lane_mix_chart")


def grade_heatmap(
    matrix: pd.DataFrame, *, title: str | None = None, height: int = 340, lang: str = "zh"
) -> go.Figure:
    """Returns by scenario (reason) x grade A-E."""
    m = matrix.rename(index={c: _l(zh, en, lang) for c, zh, en in RETURN_REASONS})
    fig = px.imshow(m.to_numpy(), x=list(m.columns), y=list(m.index), text_auto=True,
                    color_continuous_scale=[[0, "#111A2E"], [1, PALETTE[0]]], aspect="auto",
                    labels=dict(x=_l("等级", "Grade", lang), y="", color=_l("件数", "Returns", lang)))  # fmt: skip
    return _done(fig, title, height, lang, "grade_heatmap")


def refund_hist(
    hours: pd.Series,
    *,
    doc_from: float,
    doc_to: float,
    title: str | None = None,
    height: int = 320,
    lang: str = "zh",
) -> go.Figure:
    """Distribution of refund times (hours) with the document's 72 h and 4 h marks."""
    top = float(max(np.nanpercentile(hours, 99), doc_from * 1.1)) if len(hours) else doc_from
    fig = go.Figure(go.Histogram(x=hours.clip(upper=top), nbinsx=48, marker_color=PALETTE[2],
                                 name=_l("退款时长", "Refund time", lang)))  # fmt: skip
    reference_line(
        fig,
        doc_from,
        _l(f"文档: 原 {doc_from:.0f} 小时", f"doc: was {doc_from:.0f} h", lang),
        axis="x",
    )
    reference_line(fig, doc_to, _l(f"文档目标: {doc_to:.0f} 小时", f"doc target: {doc_to:.0f} h", lang),
                   axis="x", color=PALETTE[4])  # fmt: skip
    fig.update_layout(xaxis_title=_l("申请到退款（小时）", "Request to refund (hours)", lang),
                      yaxis_title=_l("件数", "Returns", lang), showlegend=False)  # fmt: skip
    return _done(fig, title, height, lang, "refund_hist")


def levers_chart(
    levers: pd.DataFrame,
    *,
    doc_cut: float,
    title: str | None = None,
    height: int = 320,
    lang: str = "zh",
) -> go.Figure:
    """Reverse-logistics cost: status quo and after each lever, with the document's target."""
    names = {"status_quo": _l("现状", "Status quo", lang),
             "economy_carrier": _l("+ 经济承运商回收", "+ economy reverse carrier", lang),
             "returnless": _l("+ 低残值仅退款", "+ returnless refunds", lang)}  # fmt: skip
    f = levers.assign(name=levers["lever"].map(names))
    fig = go.Figure(go.Bar(x=f["name"], y=f["reverse_cost"], marker_color=[PALETTE[3], PALETTE[2], PALETTE[0]],
                           text=[f"{c:+.0%}" for c in f["change"]], textposition="outside"))  # fmt: skip
    base = float(f["reverse_cost"].iloc[0])
    reference_line(
        fig, base * (1 - doc_cut), _l(f"文档: −{doc_cut:.0%}", f"doc: −{doc_cut:.0%}", lang)
    )
    fig.update_layout(yaxis_title=_l("逆向物流成本（元）", "Reverse logistics cost (yuan)", lang))
    return _done(fig, title, height, lang, "levers_chart")
