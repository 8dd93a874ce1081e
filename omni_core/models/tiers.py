"""Membership tiers: qualification from rolling spend and frequency, period-end up/downgrades.

The source document (ch.7) describes tiers 普通 / 银牌 / 金牌 / 钻石 (and 黑钻 above 50,000 yuan a
year) assigned from spend, frequency and order value, re-evaluated at the end of each quarter or
year: active members are upgraded automatically, dormant ones downgraded ("保级提醒" warns before).

Rules implemented here (a standard tiered-loyalty design, e.g. Kopalle et al. 2012, *Marketing
Science* 31(2) on tier-based programmes):

- **qualification** at an evaluation date: the highest tier ``j`` with annualised rolling spend
  ``>= spend_threshold[j]`` and at least ``min_orders[j]`` paid orders in the rolling window
  (annualised spend = window spend x 365 / window days);
- **period end**: ``tier_k = q_k`` if ``q_k >= tier_{k-1}`` (upgrade at once), else
  ``max(q_k, tier_{k-1} - max_downgrade)`` (a downgrade moves at most ``max_downgrade`` steps per
  period; None = straight to the qualified tier). The first evaluation assigns ``q_1``.
- the **migration matrix** counts members by (tier at period ``k-1``, tier at period ``k``) over all
  consecutive periods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from omni_core.reference import TIER_THRESHOLDS

__all__ = ["TIERS", "evaluate_periods", "migration_matrix", "qualify"]

TIERS = ("normal", "silver", "gold", "diamond", "black_diamond")
DEFAULT_MIN_ORDERS = {"normal": 0, "silver": 1, "gold": 1, "diamond": 1, "black_diamond": 1}


def _thresholds(
    spend: Mapping[str, float] | None, min_orders: Mapping[str, int] | None
) -> tuple[np.ndarray, np.ndarray]:
    sp = {"normal": 0.0, **(TIER_THRESHOLDS if spend is None else spend)}
    mo = {**DEFAULT_MIN_ORDERS, **(min_orders or {})}
    unknown = (set(sp) | set(mo)) - set(TIERS)
    if unknown:
        raise ValueError(f"unknown tier(s) {sorted(unknown)}; tiers are {', '.join(TIERS)}")
    s = np.array([float(sp.get(t, np.nan)) for t in TIERS])
    o = np.array([float(mo[t]) for t in TIERS])
    if np.any(np.isnan(s)):
        raise ValueError(f"spend thresholds must be given for every tier: {', '.join(TIERS[1:])}")
    if np.any(np.diff(s) <= 0) or s[0] != 0:
        raise ValueError("spend thresholds must increase strictly from normal to black_diamond")
    if np.any(o < 0) or np.any(np.diff(o) < 0):
        raise ValueError("minimum orders must be non-negative and non-decreasing by tier")
    return s, o


def qualify(
    annual_spend: Any,
    orders: Any,
    *,
    spend_thresholds: Mapping[str, float] | None = None,
    min_orders: Mapping[str, int] | None = None,
) -> np.ndarray:
    """Index into ``TIERS`` of the highest tier each member qualifies for (0 = normal)."""
    sp = np.asarray(annual_spend, dtype=float).ravel()
    od = np.asarray(orders, dtype=float).ravel()
    if sp.shape != od.shape:
        raise ValueError("annual_spend and orders must have the same length")
    if np.any(~np.isfinite(sp)) or np.any(sp < 0) or np.any(~np.isfinite(od)) or np.any(od < 0):
        raise ValueError("annual_spend and orders must be finite and non-negative")
    s, o = _thresholds(spend_thresholds, min_orders)
    ok = (sp[:, None] >= s[None, :]) & (od[:, None] >= o[None, :])
    # highest qualifying tier (normal always qualifies: threshold 0, minimum orders 0 or more)
    idx = np.where(ok, np.arange(len(TIERS))[None, :], 0).max(axis=1)
    return idx.astype(np.int64)


def evaluate_periods(
    history: pd.DataFrame,
    *,
    spend_thresholds: Mapping[str, float] | None = None,
    min_orders: Mapping[str, int] | None = None,
    max_downgrade: int | None = 1,
) -> pd.DataFrame:
    """Tier of every member at every period end.

    ``history`` has one row per member and period with columns ``user_id``, ``period`` (sortable),
    ``annual_spend`` and ``orders`` (rolling window at that period end; members with no purchase
    in a window must be present with zeros). Returns the rows with ``qualified`` and ``tier``
    (names from ``TIERS``) and ``tier_idx``.
    """
    need = {"user_id", "period", "annual_spend", "orders"}
    if not need <= set(history.columns):
        raise ValueError(f"history needs columns {sorted(need)}")
    if max_downgrade is not None and (int(max_downgrade) != max_downgrade or max_downgrade < 0):
        raise ValueError("max_downgrade must be a non-negative integer or None")
    h = history.sort_values(["user_id", "period"], kind="stable").reset_index(drop=True)
    if h.duplicated(["user_id", "period"]).any():
        raise ValueError("history has duplicate (user_id, period) rows")
    q = qualify(h["annual_spend"], h["orders"], spend_thresholds=spend_thresholds,
                min_orders=min_orders)  # fmt: skip
    periods = np.sort(h["period"].unique())
    pos = np.searchsorted(periods, h["period"].to_numpy())
    wide = np.full((h["user_id"].nunique(), len(periods)), -1, dtype=np.int64)
    users, row = np.unique(h["user_id"].to_numpy(), return_inverse=True)
    wide[row, pos] = q
    tier = wide.copy()
    for k in range(1, len(periods)):
        prev, cur = tier[:, k - 1], wide[:, k]
        has = (prev >= 0) & (cur >= 0)
        floor = prev - (max_downgrade if max_downgrade is not None else len(TIERS))
        tier[has, k] = np.maximum(cur[has], floor[has])
    out = h.assign(qualified=[TIERS[i] for i in q])
    idx = tier[row, pos]
    out["tier_idx"] = idx
    out["tier"] = [TIERS[i] for i in idx]
    return out


def migration_matrix(tiers: pd.DataFrame, order: Sequence[str] = TIERS) -> pd.DataFrame:
    """Counts of members by (tier at a period end, tier at the next period end), summed over periods.

    ``tiers`` needs ``user_id``, ``period``, ``tier``. Rows: from-tier, columns: to-tier, both in
    ``order``; zero-filled.
    """
    need = {"user_id", "period", "tier"}
    if not need <= set(tiers.columns):
        raise ValueError(f"tiers needs columns {sorted(need)}")
    t = tiers.sort_values(["user_id", "period"], kind="stable")
    nxt = t.groupby("user_id", sort=False)["tier"].shift(-1)
    pairs = pd.DataFrame({"from": t["tier"], "to": nxt}).dropna()
    m = pd.crosstab(pairs["from"], pairs["to"])
    return m.reindex(index=list(order), columns=list(order), fill_value=0).astype(np.int64)
