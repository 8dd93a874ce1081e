"""Portable metric expressions over warehouse tables (see ``omni_core.metrics.core``)."""

from omni_core.metrics.core import (
    DIMENSIONS,
    KPI_COLUMNS,
    METRICS,
    funnel,
    kpis,
    rfm,
    time_range,
    touch_events,
)

__all__ = [
    "DIMENSIONS",
    "KPI_COLUMNS",
    "METRICS",
    "funnel",
    "kpis",
    "rfm",
    "time_range",
    "touch_events",
]
