"""Chapter 10 charts: market bubbles, weekly seasonality, landed cost, payments, logistics."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.theme import PALETTE


def _tr(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def market_bubbles(
    board: pd.DataFrame, *, title: str | None = None, height: int = 420, lang: str = "zh"
) -> go.Figure:
    """Markets by price sensitivity (coupon-use share) and AOV; bubble area = GMV."""
    name = "name_en" if lang == "en" else "name_zh"
    df = board.assign(label=board[name], region=board["region"].map(
        {"west": _tr(lang, "欧美日", "US/EU/UK/JP"), "sea": _tr(lang, "东南亚", "South-East Asia")}
    ).fillna("other"))  # fmt: skip
    fig = px.scatter(
        df, x="coupon_share", y="aov", size="gmv", color="region", text="label", size_max=60,
        hover_data={"gmv": ":,.0f", "orders": True, "buyers": True, "label": False},
        labels={"coupon_share": _tr(lang, "价格敏感度：用券订单占比", "Price sensitivity: coupon-use share"),
                "aov": _tr(lang, "客单价 AOV（元）", "AOV (yuan)"), "region": ""},
    )  # fmt: skip
    fig.update_traces(textposition="top center", textfont_size=13)
    fig.update_xaxes(tickformat=".0%", range=[-0.08, 1.08])
    fig.update_yaxes(range=[0, 1.3 * float(df["aov"].max() or 1.0)])
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def seasonality_heatmap(
    weekly: pd.DataFrame, *, title: str | None = None, height: int = 380, lang: str = "zh"
) -> go.Figure:
    """Weekly GMV index per country (1 = the country's average week)."""
    grid = weekly.pivot_table(index="country", columns="week", values="index", aggfunc="sum")
    grid = grid.fillna(0.0)
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(), x=[pd.Timestamp(c).strftime("%m-%d") for c in grid.columns],
            y=list(grid.index), colorscale="Teal", zmin=0,
            colorbar=dict(title=_tr(lang, "指数", "Index")),
            hovertemplate="%{y} %{x}: %{z:.2f}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height,
                      xaxis_title=_tr(lang, "周（周一开始）", "Week (starting Monday)"))  # fmt: skip
    fig.update_xaxes(type="category")
    return fig


PART_LABELS = {
    "goods_shipping": ("结账：商品+运费", "Checkout: goods + shipping"),
    "taxes_checkout": ("结账：关税+增值税（卖家代缴）", "Checkout: duty + VAT (seller pays)"),
    "taxes_door": ("到门：关税+增值税（买家付）", "At door: duty + VAT (buyer pays)"),
    "door_fee": ("到门：清关手续费", "At door: clearance fee"),
}


def landed_stack(
    parts: pd.DataFrame, *, title: str | None = None, height: int = 360, lang: str = "zh"
) -> go.Figure:
    """What the buyer pays per parcel under DDP and DDU, split by part and moment."""
    fig = go.Figure()
    for i, (key, (zh, en)) in enumerate(PART_LABELS.items()):
        d = parts[parts["part"] == key]
        fig.add_bar(x=d["incoterm"], y=d["value"], name=en if lang == "en" else zh,
                    marker_color=PALETTE[i], hovertemplate="%{x}: ¥%{y:,.2f}<extra></extra>")  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height, barmode="stack",
                      yaxis_title=_tr(lang, "买家支付（元/件）", "Buyer pays (yuan/unit)"))  # fmt: skip
    return fig


def profit_bars(
    table: pd.DataFrame, *, title: str | None = None, height: int = 360, lang: str = "zh"
) -> go.Figure:
    """Expected profit per 1,000 visitors, DDP vs DDU."""
    fig = go.Figure(
        go.Bar(x=table["incoterm"], y=table["profit_per_1000_visitors"],
               marker_color=[PALETTE[0], PALETTE[3]],
               text=[f"¥{v:,.0f}" for v in table["profit_per_1000_visitors"]],
               textposition="outside", cliponaxis=False)
    )  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height, showlegend=False,
                      yaxis_title=_tr(lang, "每千访客利润（元）", "Profit per 1,000 visitors (yuan)"))  # fmt: skip
    return fig


def payment_curve(
    curve: pd.DataFrame,
    method_names: dict[str, str],
    card_only: float,
    *,
    title: str | None = None,
    height: int = 380,
    lang: str = "zh",
) -> go.Figure:
    """Coverage and payment success as local methods are added; doc +40% line over cards only."""
    x = [f"+{method_names.get(k, k)}" if i else method_names.get(k, k)
         for i, k in enumerate(curve["added"])]  # fmt: skip
    fig = go.Figure()
    fig.add_bar(x=x, y=curve["coverage"], name=_tr(lang, "覆盖率", "Coverage"),
                marker_color=PALETTE[2], opacity=0.55)  # fmt: skip
    fig.add_scatter(x=x, y=curve["success"], name=_tr(lang, "支付成功率", "Payment success"),
                    mode="lines+markers", line=dict(color=PALETTE[0], width=3))  # fmt: skip
    reference_line(fig, min(1.0, card_only * 1.4), _tr(lang, "文档: 本地支付 成功率 +40%",
                                                         "doc: local payment +40% success"))  # fmt: skip
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def logistics_scatter(
    options: pd.DataFrame, *, title: str | None = None, height: int = 380, lang: str = "zh"
) -> go.Figure:
    """Cost per order vs delivery days of each option; the doc's 5-7 day window marked."""
    name = "name_en" if lang == "en" else "name_zh"
    status = options.apply(
        lambda r: _tr(lang, "推荐", "Recommended") if r["recommended"]
        else (_tr(lang, "可选", "Feasible") if r["feasible"]
              else _tr(lang, "不可用/超时", "Unavailable / too slow")), axis=1,
    )  # fmt: skip
    fig = px.scatter(
        options.assign(status=status, label=options[name]), x="days", y="cost", color="status",
        text="label", color_discrete_sequence=[PALETTE[1], PALETTE[0], "#8FA3BF"],
        labels={"days": _tr(lang, "送达天数", "Delivery days"),
                "cost": _tr(lang, "每单物流成本（元）", "Logistics cost per order (yuan)"), "status": ""},
    )  # fmt: skip
    fig.update_traces(marker_size=16, textposition="top center")
    fig.add_vrect(x0=5, x1=7, fillcolor="#FFC53D", opacity=0.08, line_width=0)
    reference_line(fig, 7, _tr(lang, "文档: 5–7 天", "doc: 5–7 days"), axis="x")
    fig.update_xaxes(range=[0, max(18.0, float(options["days"].max()) + 2)])
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig
