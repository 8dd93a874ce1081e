"""War-room charts: per-minute GMV against plan with its band, splits, stock water levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from omni_core.charts.base import TEMPLATE
from omni_core.charts.theme import PALETTE

GRID_POS = {  # approximate tile-grid positions of the provinces (column, row from the top)
    "HL": (9, 0), "JL": (9, 1), "NM": (6, 1), "LN": (8, 2), "BJ": (7, 2), "TJ": (7, 3),
    "HEB": (6, 3), "SX": (5, 3), "SD": (7, 4), "XJ": (1, 2), "GS": (3, 3), "NX": (4, 3),
    "QH": (2, 4), "SN": (4, 4), "HEN": (6, 5), "JS": (8, 5), "AH": (7, 5), "SH": (9, 5),
    "XZ": (1, 5), "SC": (3, 5), "CQ": (4, 6), "HUB": (5, 6), "ZJ": (8, 6), "JX": (7, 6),
    "HUN": (5, 7), "GZ": (4, 7), "FJ": (8, 7), "YN": (3, 7), "GX": (5, 8), "GD": (6, 8),
    "HI": (6, 9),
}  # fmt: skip


def gmv_curve(per_minute: pd.DataFrame, *, title: str | None = None, height: int = 330,
              lang: str = "zh", bucket: int = 5) -> go.Figure:  # fmt: skip
    """GMV per minute in ``bucket``-minute bins against the plan curve and its 3-sigma band.

    The band of a bin sum has variance = sum of the minutes' variances (independent minutes),
    recovered from the per-minute band half-width (upper - expected) / 3.
    """
    pm = per_minute.copy()
    sd2 = ((pm["upper"] - pm["expected"]) / 3.0) ** 2
    key = pm.index // bucket
    g = pd.DataFrame({"minute": pm["minute"].groupby(key).first(),
                      "expected": pm["expected"].groupby(key).sum() / bucket,
                      "sd": np.sqrt(sd2.groupby(key).sum()) / bucket,
                      "gmv": pm["gmv"].groupby(key).sum(min_count=bucket) / bucket})  # fmt: skip
    pm = g.assign(
        upper=g["expected"] + 3 * g["sd"], lower=(g["expected"] - 3 * g["sd"]).clip(lower=0)
    )
    obs = pm["gmv"]
    exp5 = pm["expected"]
    names = (
        (f"实际（{bucket}分钟）", "预期", "动态阈值带")
        if lang == "zh"
        else (f"Actual ({bucket}-min bins)", "Expected", "Dynamic band")
    )
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=pm["minute"], y=pm["upper"], line=dict(width=0), showlegend=False,
                             hoverinfo="skip"))  # fmt: skip
    fig.add_trace(go.Scatter(x=pm["minute"], y=pm["lower"], fill="tonexty", line=dict(width=0),
                             fillcolor="rgba(89,126,247,0.18)", name=names[2]))  # fmt: skip
    fig.add_trace(go.Scatter(x=pm["minute"], y=exp5, name=names[1],
                             line=dict(color="#8FA3BF", dash="dot", width=2)))  # fmt: skip
    fig.add_trace(go.Scatter(x=pm["minute"], y=obs, name=names[0],
                             line=dict(color=PALETTE[0], width=3)))  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height, margin=dict(t=40, b=30),
                      yaxis_title="GMV / min", hovermode="x unified")  # fmt: skip
    return fig


def split_bar(df: pd.DataFrame, labels: dict[str, str] | None = None, *, title: str | None = None,
              height: int = 300, top: int = 10) -> go.Figure:  # fmt: skip
    """Today's GMV by a dimension (horizontal bars) with yesterday's same-time value as a marker."""
    d = df.head(top).iloc[::-1]
    names = [labels.get(k, k) if labels else k for k in d["key"]]
    fig = go.Figure(go.Bar(x=d["gmv"], y=names, orientation="h", marker_color=PALETTE[0],
                           name="today"))  # fmt: skip
    fig.add_trace(go.Scatter(x=d["gmv_yesterday"], y=names, mode="markers", name="yesterday",
                             marker=dict(symbol="line-ns-open", size=14, color="#FFC53D",
                                         line=dict(width=3))))  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height, showlegend=False,
                      margin=dict(l=10, r=10, t=40, b=20))  # fmt: skip
    return fig


def province_tiles(df: pd.DataFrame, names: dict[str, str], *, title: str | None = None,
                   height: int = 330) -> go.Figure:  # fmt: skip
    """A tile-grid map of China's provinces coloured by today's GMV (equal-area tiles)."""
    d = df[df["key"].isin(GRID_POS)].copy()
    d["x"] = [GRID_POS[k][0] for k in d["key"]]
    d["y"] = [-GRID_POS[k][1] for k in d["key"]]
    d["label"] = [names.get(k, k) for k in d["key"]]
    fig = go.Figure(go.Scatter(
        x=d["x"], y=d["y"], mode="markers+text", text=d["label"],
        textfont=dict(size=max(9, height // 30), color="#E6EDF7"),
        marker=dict(symbol="square", size=max(18, height // 11), color=d["gmv"],
                    colorscale=[[0, "#15304A"], [1, "#36CFC9"]], line=dict(width=1, color="#0B1220"),
                    showscale=False),
        customdata=np.stack([d["gmv"]], axis=1),
        hovertemplate="%{text}: ¥%{customdata[0]:,.0f}<extra></extra>",
    ))  # fmt: skip
    fig.update_xaxes(visible=False, range=[-0.7, 10.7])
    fig.update_yaxes(visible=False, range=[-9.7, 0.7])
    fig.update_layout(
        template=TEMPLATE, title=title, height=height, margin=dict(l=5, r=5, t=40, b=5)
    )
    return fig


def stock_levels(stock: pd.DataFrame, *, title: str | None = None, height: int = 300,
                 lang: str = "zh") -> go.Figure:  # fmt: skip
    """Hot-SKU water levels: on-hand bars with safety-stock and reorder-point markers."""
    s = stock.sort_values("on_hand").tail(8)
    color = np.where(s["on_hand"] <= 0, "#FF4D4F",
                     np.where(s["on_hand"] < s["safety_stock"], "#FFC53D", PALETTE[4]))  # fmt: skip
    labels = ("安全库存", "补货点") if lang == "zh" else ("Safety stock", "Reorder point")
    short = [n.replace("OMNI ", "")[:14] for n in s["name"]]
    fig = go.Figure(go.Bar(x=s["on_hand"], y=short, orientation="h", marker_color=color,
                           name="on hand"))  # fmt: skip
    fig.add_trace(go.Scatter(x=s["safety_stock"], y=short, mode="markers", name=labels[0],
                             marker=dict(symbol="line-ns-open", size=16, color="#FF7A45",
                                         line=dict(width=3))))  # fmt: skip
    fig.add_trace(go.Scatter(x=s["reorder_point"], y=short, mode="markers", name=labels[1],
                             marker=dict(symbol="line-ns-open", size=16, color="#FFC53D",
                                         line=dict(width=2))))  # fmt: skip
    fig.update_layout(
        template=TEMPLATE, title=title, height=height, margin=dict(l=10, r=10, t=40, b=20)
    )
    return fig
