"""Chapter 14 charts: the technology radar and annual benefit vs cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.theme import PALETTE

RINGS = ("adopt", "trial", "assess", "hold")
RING_LABELS = {"adopt": ("采用", "Adopt"), "trial": ("试点", "Trial"),
               "assess": ("评估", "Assess"), "hold": ("观望", "Hold")}  # fmt: skip
QUADRANTS = ("content", "commerce", "service", "supply")
QUADRANT_LABELS = {"content": ("内容创作", "Content"), "commerce": ("营销转化", "Commerce"),
                   "service": ("服务体验", "Service"), "supply": ("供应链", "Supply chain")}  # fmt: skip


def _tr(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def tech_radar(
    frame: pd.DataFrame, *, title: str | None = None, height: int = 520, lang: str = "zh"
) -> go.Figure:
    """Radar: quadrant = angular sector, ring = radius band (adopt inside), size = impact."""
    i = 1 if lang == "en" else 0
    df = frame.copy()
    df["q"] = df["quadrant"].map({q: k for k, q in enumerate(QUADRANTS)})
    df["r0"] = df["ring"].map({r: k for k, r in enumerate(RINGS)})
    df["slot"] = df.groupby(["quadrant", "ring"]).cumcount()
    df["n"] = df.groupby(["quadrant", "ring"])["key"].transform("size")
    df["theta"] = df["q"] * 90 + 15 + 60 * (df["slot"] + 0.5) / df["n"]
    df["radius"] = df["r0"] + 0.5
    fig = go.Figure()
    for k, q in enumerate(QUADRANTS):
        d = df[df["quadrant"] == q]
        fig.add_scatterpolar(
            r=d["radius"], theta=d["theta"], mode="markers+text", text=d["name"],
            textposition="top center", name=QUADRANT_LABELS[q][i],
            marker=dict(size=10 + 6 * d["impact"], color=PALETTE[k], opacity=0.85,
                        line=dict(color="#0B1220", width=1)),
            customdata=np.stack([d["ring"].map(lambda r: RING_LABELS[r][i]), d["note"]], axis=-1),
            hovertemplate="%{text}<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        )  # fmt: skip
    fig.update_layout(
        template=TEMPLATE, title=title, height=height,
        polar=dict(bgcolor="#111A2E",
                   radialaxis=dict(range=[0, 4], tickvals=[0.5, 1.5, 2.5, 3.5],
                                   ticktext=[RING_LABELS[r][i] for r in RINGS], gridcolor="#22314F",
                                   angle=90, tickfont=dict(color="#8FA3BF")),
                   angularaxis=dict(tickvals=[45, 135, 225, 315],
                                    ticktext=[QUADRANT_LABELS[q][i] for q in QUADRANTS],
                                    gridcolor="#22314F", rotation=0, direction="counterclockwise")),
    )  # fmt: skip
    return fig


def roi_bars(
    frame: pd.DataFrame, *, title: str | None = None, height: int = 400, lang: str = "zh"
) -> go.Figure:
    """Annual benefit and cost per estimated technology, ROI as text; break-even ROI = 0 marked."""
    d = frame[frame["computable"]]
    fig = go.Figure()
    fig.add_bar(x=d["name"], y=d["benefit"], name=_tr(lang, "年化收益", "Annual benefit"),
                marker_color=PALETTE[0],
                text=[f"ROI {r:+.0%}" for r in d["roi"]], textposition="outside", cliponaxis=False)  # fmt: skip
    fig.add_bar(x=d["name"], y=d["cost"], name=_tr(lang, "年化成本", "Annual cost"),
                marker_color=PALETTE[3])  # fmt: skip
    reference_line(fig, 0, _tr(lang, "盈亏平衡", "break-even"), color="#8FA3BF")
    fig.update_layout(template=TEMPLATE, title=title, height=height, barmode="group",
                      yaxis_title=_tr(lang, "元/年", "CNY / year"))  # fmt: skip
    return fig
