"""Carrier routing (forward logistics) and the disposition of returns (reverse logistics).

Forward: choose how many parcels of each destination region go to each carrier. Linear program
(transportation problem with a service constraint; Hillier & Lieberman 2015, *Introduction to
Operations Research* 10th ed., ch. 9), solved with HiGHS (``scipy.optimize.linprog``):

.. math::

    \\min_x \\sum_{r,c} k_c x_{rc}\\quad\\text{s.t.}\\quad
    \\sum_c x_{rc} = V_r,\\;\\; \\sum_r x_{rc} \\le u\\,V,\\;\\;
    \\sum_{r,c} d_{rc} x_{rc} \\le \\bar d\\,V,\\;\\; x \\ge 0

with ``k_c`` the carrier's cost per parcel, ``d_rc`` the lane's observed mean delivery days,
``V_r`` the region's parcels (``V`` in total), ``u`` the largest share one carrier may take
(capacity and concentration risk) and ``d_bar`` the network's target mean delivery days. Only lanes
with enough observed parcels are allowed. Sweeping ``d_bar`` traces the cost/speed frontier.
A backup carrier per region is the cheapest other allowed lane within ``slack`` days of the
primary (used when the primary misses a cut-off or its capacity).

Reverse: before a return is picked up its grade is unknown; the expected value recovered is
``E[R] = amount * sum_g P(g | reason) rho_g`` with ``P(g | reason)`` estimated from past graded
returns and ``rho_g`` the resale recovery rate of grade ``g``. A returnless refund (the customer
keeps or donates the item) is chosen when ``E[R] < reverse cost``: it saves the reverse freight
and loses the recovery (Guide & Van Wassenhove 2009, *Operations Research* 57(1), 10-18, on
value-based return dispositions).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.optimize import linprog

__all__ = [
    "DEFAULT_RECOVERY",
    "backup_carriers",
    "cost_frontier",
    "grade_given_reason",
    "optimise_routing",
    "returnless_policy",
]

# Share of the item's value recovered on resale, by grade (A as new ... E scrap): defaults of
# the simulation, editable on the screen.
DEFAULT_RECOVERY: dict[str, float] = {"A": 0.90, "B": 0.70, "C": 0.40, "D": 0.15, "E": 0.0}


def _lanes(lanes: pd.DataFrame, min_parcels: int) -> pd.DataFrame:
    need = {"region", "carrier", "parcels", "mean_days", "cost_per_parcel"}
    miss = need - set(lanes.columns)
    if miss:
        raise ValueError(f"lanes need columns {sorted(miss)}")
    ok = lanes[lanes["parcels"] >= min_parcels].copy()
    if ok.empty:
        raise ValueError(f"no lane has at least {min_parcels} parcels")
    return ok.sort_values(["region", "carrier"], ignore_index=True)


def optimise_routing(
    lanes: pd.DataFrame,
    *,
    target_days: float,
    max_share: float = 0.4,
    min_parcels: int = 5,
) -> pd.DataFrame:
    """Cheapest parcel split per region and carrier meeting the mean-days target (LP above).

    ``lanes``: one row per region and carrier with ``parcels`` (current volume), ``mean_days``
    and ``cost_per_parcel``. Regions keep their current volume. Returns the lanes with
    ``planned`` parcels; raises ``ValueError`` when the target cannot be met.
    """
    if not 0 < max_share <= 1:
        raise ValueError("max_share must be in (0, 1]")
    ln = _lanes(lanes, min_parcels)
    vol = lanes.groupby("region")["parcels"].sum()
    vol = vol[vol.index.isin(ln["region"])]
    regions = list(vol.index)
    carriers = sorted(ln["carrier"].unique())
    total = float(vol.sum())
    n = len(ln)
    a_eq = np.zeros((len(regions), n))
    for i, r in enumerate(regions):
        a_eq[i, (ln["region"] == r).to_numpy()] = 1.0
    b_eq = vol.to_numpy(dtype=float)
    a_ub = [ln["mean_days"].to_numpy(dtype=float)]
    b_ub = [float(target_days) * total]
    for c in carriers:
        a_ub.append((ln["carrier"] == c).to_numpy(dtype=float))
        b_ub.append(max_share * total)
    res = linprog(
        ln["cost_per_parcel"].to_numpy(dtype=float),
        A_ub=np.array(a_ub),
        b_ub=np.array(b_ub),
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=(0, None),
        method="highs",
    )
    if res.status != 0:
        raise ValueError(
            f"no routing reaches a mean of {target_days:.2f} delivery days with at most "
            f"{max_share:.0%} of parcels per carrier"
        )
    ln["planned"] = np.round(res.x, 6)
    return ln


def _summary(ln: pd.DataFrame, col: str) -> dict[str, float]:
    v = ln[col].to_numpy(dtype=float)
    tot = v.sum()
    return {
        "parcels": float(tot),
        "cost_per_parcel": float((v * ln["cost_per_parcel"]).sum() / tot),
        "mean_days": float((v * ln["mean_days"]).sum() / tot),
    }


def cost_frontier(
    lanes: pd.DataFrame,
    *,
    max_share: float = 0.4,
    min_parcels: int = 5,
    points: int = 12,
) -> pd.DataFrame:
    """Minimum cost per parcel for a grid of mean-days targets (the cost/speed frontier).

    The grid runs from the fastest feasible mean (found by an LP minimising days) to the
    current mean of the allowed lanes; infeasible targets are skipped.
    """
    ln = _lanes(lanes, min_parcels)
    cur = _summary(ln, "parcels")
    fast = ln.assign(cost_per_parcel=ln["mean_days"])
    lo = _summary(optimise_routing(fast, target_days=1e9, max_share=max_share,
                                   min_parcels=min_parcels), "planned")["mean_days"]  # fmt: skip
    hi = max(cur["mean_days"], lo)
    rows = []
    for d in np.linspace(lo + 1e-6, hi + 0.3, points):
        try:
            plan = optimise_routing(ln, target_days=float(d), max_share=max_share,
                                    min_parcels=min_parcels)  # fmt: skip
        except ValueError:
            continue
        s = _summary(plan, "planned")
        rows.append({"target_days": float(d), **s})
    return pd.DataFrame(rows)


def backup_carriers(plan: pd.DataFrame, slack_days: float = 0.5) -> pd.DataFrame:
    """Primary carrier (most planned parcels) and backup per region (see module docstring)."""
    rows = []
    for region, g in plan.groupby("region", sort=True):
        g = g.sort_values(["planned", "carrier"], ascending=[False, True])
        prim = g.iloc[0]
        others = g[(g["carrier"] != prim["carrier"])
                   & (g["mean_days"] <= prim["mean_days"] + slack_days)]  # fmt: skip
        others = others.sort_values(["cost_per_parcel", "mean_days", "carrier"])
        back = others.iloc[0] if len(others) else None
        rows.append(
            {
                "region": region,
                "primary": prim["carrier"],
                "primary_days": float(prim["mean_days"]),
                "primary_cost": float(prim["cost_per_parcel"]),
                "backup": None if back is None else back["carrier"],
                "backup_days": None if back is None else float(back["mean_days"]),
                "backup_cost": None if back is None else float(back["cost_per_parcel"]),
            }
        )
    return pd.DataFrame(rows)


def grade_given_reason(returns: pd.DataFrame, grades: tuple[str, ...]) -> pd.DataFrame:
    """Empirical ``P(grade | reason)`` from graded returns (rows: reason, columns: grades)."""
    tab = pd.crosstab(returns["reason"], returns["grade"]).reindex(
        columns=list(grades), fill_value=0
    )
    return tab.div(tab.sum(axis=1).replace(0, 1), axis=0)


def returnless_policy(
    returns: pd.DataFrame,
    p_grade: pd.DataFrame,
    recovery: Mapping[str, float] = DEFAULT_RECOVERY,
) -> pd.DataFrame:
    """Decide ship-back vs returnless refund per return and score it on the realised grades.

    ``returns`` needs ``reason``, ``grade``, ``amount`` (item value) and ``reverse_cost``.
    Adds ``expected_recovery``, ``returnless`` (bool) and ``realised_recovery`` (value the
    actual grade would have recovered: what a returnless refund gives up).
    """
    grades = list(p_grade.columns)
    rho = np.array([float(recovery.get(g, 0.0)) for g in grades])
    if np.any(rho < 0) or np.any(rho > 1):
        raise ValueError("recovery rates must be within [0, 1]")
    exp_rate = p_grade.to_numpy() @ rho
    rate = pd.Series(exp_rate, index=p_grade.index)
    out = returns.copy()
    out["expected_recovery"] = out["amount"] * out["reason"].map(rate).fillna(0.0)
    out["returnless"] = (out["expected_recovery"] < out["reverse_cost"]) & (out["reverse_cost"] > 0)
    real = out["grade"].map(dict(zip(grades, rho, strict=True))).fillna(0.0)
    out["realised_recovery"] = out["amount"] * real
    return out
