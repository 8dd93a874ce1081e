"""Basic charts with one signature family (as plotly express): ``f(frame, x, y, ..., title,
height, lang)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from omni_core.charts.theme import register_template

TEMPLATE = register_template()


def _finish(fig: go.Figure, title: str | None, height: int) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def _express(
    kind: Callable[..., go.Figure], frame: pd.DataFrame, x: str, y: str, *, color: str | None,
    title: str | None, height: int, labels: dict[str, str] | None, **kw: Any,
) -> go.Figure:  # fmt: skip
    return _finish(kind(frame, x=x, y=y, color=color, labels=labels, **kw), title, height)


def line(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    title: str | None = None,
    height: int = 360,
    labels: dict[str, str] | None = None,
) -> go.Figure:
    """A line chart."""
    return _express(px.line, frame, x, y, color=color, title=title, height=height, labels=labels)


def area(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    title: str | None = None,
    height: int = 360,
    labels: dict[str, str] | None = None,
) -> go.Figure:
    """A stacked area chart."""
    return _express(px.area, frame, x, y, color=color, title=title, height=height, labels=labels)


def bar(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    title: str | None = None,
    height: int = 360,
    labels: dict[str, str] | None = None,
    orientation: str = "v",
) -> go.Figure:
    """A bar chart."""
    return _express(px.bar, frame, x, y, color=color, title=title, height=height, labels=labels,
                    orientation=orientation)  # fmt: skip


def reference_line(
    fig: go.Figure, value: float, label: str, *, axis: str = "y", color: str = "#FFC53D"
) -> go.Figure:
    """Add a dashed reference line (e.g. a figure from the source document) with its label."""
    kw = dict(line_dash="dash", line_color=color, annotation_text=label,
              annotation_font_color=color)  # fmt: skip
    if axis == "y":
        fig.add_hline(y=value, annotation_position="top left", **kw)
    else:
        fig.add_vline(x=value, annotation_position="top right", **kw)
    return fig
