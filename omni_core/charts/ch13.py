"""Chapter 13 charts: org tree, skills coverage, OKR review grid, competency radar, GMV per head."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.theme import PALETTE


def _tr(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


LAYER_COLORS = {1: PALETTE[1], 2: PALETTE[0], 3: PALETTE[2]}


def org_tree(
    chart: pd.DataFrame, max_layers: int, *, title: str | None = None, height: int = 460,
    lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """The reporting tree as a treemap; members deeper than ``max_layers`` in red."""
    colors = [LAYER_COLORS.get(int(v), "#FF4D4F") if v <= max_layers else "#FF4D4F"
              for v in chart["layer"]]  # fmt: skip
    fig = go.Figure(
        go.Treemap(ids=chart["id"], parents=chart["parent"], labels=chart["label"],
                   marker=dict(colors=colors), branchvalues="remainder",
                   textfont=dict(size=14), customdata=chart["layer"],
                   hovertemplate="%{label}<br>" + _tr(lang, "层级", "Layer") + " %{customdata}<extra></extra>",
                   maxdepth=-1)
    )  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height,
                      margin=dict(l=10, r=10, t=60, b=10))  # fmt: skip
    return fig


def coverage_bars(
    table: pd.DataFrame, names: dict[str, str], *, title: str | None = None, height: int = 340,
    lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """Best level in the squad vs the required level per skill."""
    x = [names.get(s, s) for s in table["skill"]]
    fig = go.Figure()
    fig.add_bar(x=x, y=table["best"], name=_tr(lang, "小队最高水平", "Best in squad"),
                marker_color=[PALETTE[0] if m else "#FF4D4F" for m in table["met"]])  # fmt: skip
    fig.add_scatter(x=x, y=table["required"], name=_tr(lang, "要求", "Required"), mode="markers",
                    marker=dict(symbol="line-ew", size=40, line=dict(width=4, color=PALETTE[1])))  # fmt: skip
    fig.update_yaxes(range=[0, 5.5], dtick=1)
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


GRADE_VALUE = {"red": 0, "amber": 1, "green": 2}


def okr_grid(
    review: pd.DataFrame, names: dict[str, str], *, title: str | None = None, height: int = 360,
    lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """Score of every KR (rows) at every biweekly review (columns), coloured by grade."""
    review = review.assign(kr=review["metric"].map(lambda m: names.get(m, m)))
    z = review.pivot_table(index="kr", columns="period", values="score", sort=False)
    lab = review.pivot_table(index="kr", columns="period", values="actual", sort=False)
    text = [[f"{s:.2f}" if s == s else "n/a" for s in row] for row in z.to_numpy()]
    fig = go.Figure(
        go.Heatmap(z=z.to_numpy(), x=[f"{_tr(lang, '第', 'R')}{p}{_tr(lang, '次复盘', '')}" for p in z.columns],
                   y=list(z.index), zmin=0, zmax=1, text=text, texttemplate="%{text}",
                   colorscale=[[0, "#FF4D4F"], [0.4, "#FF4D4F"], [0.4, "#FFC53D"], [0.7, "#FFC53D"],
                               [0.7, "#73D13D"], [1, "#73D13D"]],
                   customdata=lab.to_numpy(),
                   hovertemplate="%{y} %{x}<br>score %{z:.2f}<br>actual %{customdata:,.4g}<extra></extra>",
                   colorbar=dict(title=_tr(lang, "得分", "Score")))
    )  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def competency_radar(
    frame: pd.DataFrame, member_label: str | None, *, title: str | None = None, height: int = 420,
    lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """Ten skills on a radar grouped by dimension: team mean and (optionally) one member."""
    theta = [
        f"{s}<br><sub>{d}</sub>" for s, d in zip(frame["skill"], frame["dimension"], strict=True)
    ]
    fig = go.Figure()
    fig.add_scatterpolar(r=list(frame["team"]) + [frame["team"].iloc[0]], theta=theta + theta[:1],
                         name=_tr(lang, "团队平均", "Team mean"), fill="toself",
                         line=dict(color=PALETTE[2]), opacity=0.6)  # fmt: skip
    if "member" in frame and member_label:
        fig.add_scatterpolar(r=list(frame["member"]) + [frame["member"].iloc[0]],
                             theta=theta + theta[:1], name=member_label, fill="toself",
                             line=dict(color=PALETTE[0]), opacity=0.7)  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height,
                      polar=dict(bgcolor="#111A2E", radialaxis=dict(range=[0, 5], dtick=1,
                                 gridcolor="#22314F"), angularaxis=dict(gridcolor="#22314F")))  # fmt: skip
    return fig


def efficiency_line(
    weekly: pd.DataFrame, target: float, *, title: str | None = None, height: int = 360,
    lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """Weekly GMV per head and headcount, with the doc's +40% target as a reference line."""
    fig = go.Figure()
    fig.add_bar(x=weekly["week"], y=weekly["headcount"], name=_tr(lang, "人数", "Headcount"),
                marker_color=PALETTE[2], opacity=0.35, yaxis="y2")  # fmt: skip
    fig.add_scatter(x=weekly["week"], y=weekly["gmv_per_head"], mode="lines+markers",
                    name=_tr(lang, "人均 GMV（周）", "GMV per head (week)"),
                    line=dict(color=PALETTE[0], width=3))  # fmt: skip
    reference_line(fig, target, _tr(lang, "文档: 人效 +40%", "doc: people efficiency +40%"))
    top = float(weekly["headcount"].max()) if len(weekly) else 1.0
    step = max(1, math.ceil(top / 4))  # whole people on the headcount axis
    fig.update_layout(template=TEMPLATE, title=title, height=height,
                      yaxis=dict(title=_tr(lang, "人均 GMV（元）", "GMV per head (yuan)")),
                      yaxis2=dict(overlaying="y", side="right", showgrid=False, rangemode="tozero",
                                  tick0=0, dtick=step, title=_tr(lang, "人数", "Headcount")))  # fmt: skip
    return fig
