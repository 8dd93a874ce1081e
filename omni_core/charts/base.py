"""Basic charts with one signature family (as plotly express): ``f(frame, x, y, ..., title,
height, lang)``."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from omni_core.charts.theme import register_template

TEMPLATE = register_template()


def _finish(fig: go.Figure, title: str | None, height: int) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


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
    fig = px.line(frame, x=x, y=y, color=color, labels=labels)
    return _finish(fig, title, height)


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
    fig = px.area(frame, x=x, y=y, color=color, labels=labels)
    return _finish(fig, title, height)


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
    fig = px.bar(frame, x=x, y=y, color=color, labels=labels, orientation=orientation)
    return _finish(fig, title, height)
