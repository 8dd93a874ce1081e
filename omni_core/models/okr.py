"""OKR scoring with biweekly reviews.

A key result with baseline ``b``, target ``g`` and actual ``a`` scores

.. math:: \\text{score} = \\operatorname{clip}\\Big(\\frac{a - b}{g - b}, 0, 1\\Big)

(the same formula covers lower-is-better KRs, where ``g < b``). Grades: >= 0.7 on track (green),
0.4-0.7 at risk (amber), below 0.4 off track (red); an objective scores the mean of its KRs.
Reviews are held every two weeks (doc ch.13: biweekly OKR reviews) on consecutive 14-day periods
from the start of the data.

Sources: Doerr (2018), *Measure What Matters*, ch. 9-10 (0-1 scoring, 0.7 as the sweet spot of a
stretch goal); Google re:Work, *Set goals with OKRs* (grading guide).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["GREEN", "AMBER", "biweekly_periods", "grade", "score_kr"]

GREEN = 0.7
AMBER = 0.4


def score_kr(actual: float, baseline: float, target: float) -> float:
    """Progress from baseline to target clipped to [0, 1] (NaN when actual is missing)."""
    if target == baseline:
        raise ValueError("target must differ from the baseline")
    if actual is None or actual != actual:
        return float("nan")
    return float(np.clip((actual - baseline) / (target - baseline), 0.0, 1.0))


def grade(score: float) -> str:
    """green / amber / red (or 'n/a' for a missing score)."""
    if score != score:
        return "n/a"
    return "green" if score >= GREEN else ("amber" if score >= AMBER else "red")


def biweekly_periods(start: dt.date, end: dt.date) -> pd.DataFrame:
    """Consecutive 14-day review periods ``[start, end)`` covering ``[start, end)``."""
    if end <= start:
        raise ValueError("end must be after start")
    rows = []
    s = start
    k = 1
    while s < end:
        e = min(s + dt.timedelta(days=14), end)
        rows.append({"period": k, "start": s, "end": e, "days": (e - s).days})
        s, k = e, k + 1
    return pd.DataFrame(rows)
