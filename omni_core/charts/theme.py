"""The dark big-screen plotly template ("omni_dark") with CJK-capable fonts."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

PALETTE = (
    "#36CFC9", "#FFC53D", "#597EF7", "#FF7A45", "#73D13D", "#F759AB", "#9254DE", "#40A9FF",
    "#FADB14", "#FF4D4F",
)  # fmt: skip
BACKGROUND = "#0B1220"
PANEL = "#111A2E"
TEXT = "#E6EDF7"
GRID = "#22314F"
FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


def register_template() -> str:
    """Register (idempotently) and return the template name."""
    name = "omni_dark"
    if name not in pio.templates:
        pio.templates[name] = go.layout.Template(
            layout=go.Layout(
                paper_bgcolor=PANEL,
                plot_bgcolor=PANEL,
                font=dict(family=FONT, color=TEXT, size=14),
                colorway=list(PALETTE),
                xaxis=dict(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID),
                yaxis=dict(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID),
                legend=dict(
                    bgcolor="rgba(0,0,0,0)",
                    orientation="h",
                    yanchor="bottom",
                    y=1.0,
                    xanchor="right",
                    x=1.0,
                    title_text="",
                ),
                margin=dict(l=50, r=20, t=70, b=40),
                hoverlabel=dict(font=dict(family=FONT)),
            )
        )
    return name
