"""Pure chart functions ``frame -> plotly Figure`` sharing one dark big-screen template."""

from omni_core.charts.base import TEMPLATE, area, bar, line, reference_line
from omni_core.charts.theme import PALETTE, register_template

__all__ = ["PALETTE", "TEMPLATE", "area", "bar", "line", "reference_line", "register_template"]
