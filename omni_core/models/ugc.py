"""UGC pipeline: collect -> grade -> distribute -> track, on content pieces with engagement data.

The source document (ch.4) asks for a "内容采集-质量分级-渠道分发-效果追踪" management system that
syncs the best user content to product pages and communities. Steps, on pieces (one account's
content on one day) with ``sessions``, ``clicks``, ``dwell_s``, ``pays``:

1. **collect**: every piece;
2. **grade**: pieces with at least ``min_sessions`` sessions are graded on an engagement index
   ``E = (pct(CTR*) + pct(dwell)) / 2``, the mean of the mid-rank percentiles of the
   empirical-Bayes click-through rate (beta-binomial shrinkage, ``omni_core.models.kol_score``)
   and of the mean dwell; grade ``A`` = top ``a_share``, ``B`` = next ``b_share``, ``C`` = rest
   (quality grading by quantiles of an engagement index, as in content-scoring practice;
   the shrinkage keeps tiny pieces from topping the ranking by chance);
3. **distribute**: pieces whose grade is in ``distribute`` (the operator's rule);
4. **track**: sessions, payments and GMV of each stage; a piece "converts" with >= 1 payment.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from omni_core.models.kol_score import percentile_score, shrink_rates

__all__ = ["GRADES", "grade_pieces", "pipeline_funnel"]

GRADES = ("A", "B", "C")


def grade_pieces(
    pieces: pd.DataFrame,
    *,
    min_sessions: int = 3,
    a_share: float = 0.2,
    b_share: float = 0.4,
) -> pd.DataFrame:
    """Add ``ctr_shrunk``, ``engagement`` and ``grade`` (A/B/C, or None when not gradable)."""
    need = {"sessions", "clicks", "dwell_s"}
    if not need <= set(pieces.columns):
        raise ValueError(f"pieces need columns {sorted(need)}")
    if int(min_sessions) != min_sessions or min_sessions < 1:
        raise ValueError("min_sessions must be a positive integer")
    if not (0 < a_share < 1 and 0 <= b_share < 1 and a_share + b_share <= 1):
        raise ValueError("grade shares must be in (0, 1) and sum to at most 1")
    out = pieces.copy()
    out["ctr_shrunk"] = np.nan
    out["engagement"] = np.nan
    out["grade"] = None
    ok = (out["sessions"] >= min_sessions).to_numpy()
    if ok.sum() == 0:
        return out
    g = out.loc[ok]
    ctr = shrink_rates(g["clicks"].to_numpy(), g["sessions"].to_numpy())
    dwell = g["dwell_s"].fillna(0.0).to_numpy(dtype=float)
    eng = (percentile_score(ctr) + percentile_score(dwell)) / 2.0
    rank = pd.Series(eng).rank(method="first", ascending=False).to_numpy()
    n = ok.sum()
    grade = np.where(rank <= np.ceil(a_share * n - 1e-9), "A",
                     np.where(rank <= np.ceil((a_share + b_share) * n - 1e-9), "B", "C"))  # fmt: skip
    out.loc[ok, "ctr_shrunk"] = ctr
    out.loc[ok, "engagement"] = eng
    out.loc[ok, "grade"] = grade
    return out


def pipeline_funnel(graded: pd.DataFrame, distribute: Sequence[str] = ("A",)) -> pd.DataFrame:
    """Pieces, sessions, payments and GMV at each stage: collected, graded, distributed, converting."""
    bad = [g for g in distribute if g not in GRADES]
    if bad or not distribute:
        raise ValueError(
            f"distribute must be a non-empty subset of {GRADES}, got {list(distribute)}"
        )
    if not {"grade", "sessions", "pays", "gmv"} <= set(graded.columns):
        raise ValueError("graded pieces need grade, sessions, pays, gmv (see grade_pieces)")
    graded_m = graded["grade"].notna()
    dist = graded["grade"].isin(list(distribute))
    conv = dist & (graded["pays"] > 0)
    rows = []
    for stage, m in (("collected", pd.Series(True, index=graded.index)), ("graded", graded_m),
                     ("distributed", dist), ("converting", conv)):  # fmt: skip
        sub = graded[m]
        rows.append({"stage": stage, "pieces": int(len(sub)), "sessions": int(sub["sessions"].sum()),
                     "pays": int(sub["pays"].sum()), "gmv": float(sub["gmv"].sum())})  # fmt: skip
    return pd.DataFrame(rows)
