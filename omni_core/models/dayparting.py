"""Dayparting: the bid multiplier per hour that maximises profit under a daily budget.

Model (per hour ``h`` of an average day; ``c_h`` clicks, ``v_h`` value per click = margin-weighted
GMV per click, ``k_h`` cost per click, all at today's bids, multiplier ``m = 1``):

- clicks respond to the bid as a power law ``c_h(m) = c_h m^e`` with bid elasticity
  ``0 < e <= 1`` (the constant-elasticity bid landscape; Ghose & Yang 2009, *Management Science*
  55(10), estimate click volume rising less than proportionally with bids);
- the price per click scales with the bid, ``k_h(m) = k_h m``, so spend is
  ``S_h(m) = c_h k_h m^(1+e)`` and profit ``P_h(m) = c_h m^e v_h - S_h(m)`` (concave in ``m``).

Maximising ``sum_h P_h`` subject to ``sum_h S_h <= B`` and ``lo <= m_h <= hi`` is a separable concave
programme; its KKT conditions (Boyd & Vandenberghe 2004, sec. 5.5; the same Lagrangian device as
the budget-constrained bidding of Zhang, Yuan & Wang 2014, KDD "Optimal real-time bidding for
display advertising") give, for a multiplier ``lambda >= 0`` of the budget,

    m_h(lambda) = clip( e v_h / ((1 + lambda)(1 + e) k_h), lo, hi ),

with ``lambda = 0`` if that spends at most ``B``, else the ``lambda`` at which spend equals ``B``
(spend falls monotonically in ``lambda``; found by bisection).

With ``objective="value"`` the programme maximises conversion value ``sum_h c_h m^e v_h`` (GMV when
``v`` is GMV per click) subject to the same budget — the budget-constrained value maximisation of
Zhang, Yuan & Wang (2014) — whose KKT solution is ``m_h(mu) = clip(e v_h / (mu (1 + e) k_h), lo,
hi)`` with ``mu > 0`` set so that the budget is spent (or every hour at ``hi`` if it cannot be).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["optimal_bid_multipliers", "response"]


def _arr(name: str, v: Any) -> np.ndarray:
    a = np.asarray(v, dtype=float).ravel()
    if a.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{name} must be finite and non-negative")
    return a


def response(
    clicks: Any, value_per_click: Any, cpc: Any, multiplier: Any, *, elasticity: float
) -> pd.DataFrame:
    """Clicks, spend, value and profit per hour at the given multipliers (model above)."""
    c, v, k, m = (_arr(n, x) for n, x in (("clicks", clicks), ("value_per_click", value_per_click),
                                          ("cpc", cpc), ("multiplier", multiplier)))  # fmt: skip
    c, v, k, m = np.broadcast_arrays(c, v, k, m)
    cl = c * m**elasticity
    spend = cl * k * m
    value = cl * v
    return pd.DataFrame({"clicks": cl, "spend": spend, "value": value, "profit": value - spend})


def optimal_bid_multipliers(
    clicks: Any,
    value_per_click: Any,
    cpc: Any,
    *,
    budget: float | None = None,
    elasticity: float = 0.6,
    bounds: tuple[float, float] = (0.5, 2.0),
    objective: str = "profit",
) -> dict[str, Any]:
    """Profit- (or value-) maximising bid multipliers per hour under a budget (KKT + bisection).

    Parameters
    ----------
    clicks, value_per_click, cpc
        Per-hour arrays at the current bids (``m = 1``); hours without clicks get ``lo``.
    budget
        Spend cap over the hours (same unit as ``clicks * cpc``); None = unconstrained.
    elasticity
        Bid elasticity of clicks ``e`` in ``(0, 1]``.
    bounds
        Allowed multipliers ``(lo, hi)`` with ``0 < lo <= 1 <= hi``.
    objective
        ``"profit"`` (value minus spend) or ``"value"`` (value within the budget; needs one).

    Returns
    -------
    dict
        ``multiplier`` (array), ``mu`` (the KKT multiplier: ``1 + lambda`` for profit),
        ``lambda`` (shadow price of the budget in the profit objective, 0 if slack),
        ``frame`` (per-hour response at the optimum and at ``m = 1``: clicks, spend, value, profit,
        ``base_spend``, ``base_profit``), ``spend``, ``profit``, ``value`` and their ``base_*``
        counterparts at ``m = 1``.

    Raises
    ------
    ValueError
        On invalid inputs, or a budget below the spend at the lowest multiplier.
    """
    c, v, k = _arr("clicks", clicks), _arr("value_per_click", value_per_click), _arr("cpc", cpc)
    if not (c.size == v.size == k.size):
        raise ValueError("clicks, value_per_click and cpc must have the same length")
    e = float(elasticity)
    if not 0 < e <= 1:
        raise ValueError(f"elasticity must be in (0, 1], got {elasticity}")
    lo, hi = (float(b) for b in bounds)
    if not (0 < lo <= 1 <= hi and np.isfinite(hi)):
        raise ValueError(f"bounds must satisfy 0 < low <= 1 <= high, got {bounds}")
    if objective not in {"profit", "value"}:
        raise ValueError("objective must be 'profit' or 'value'")
    if objective == "value" and budget is None:
        raise ValueError("the value objective needs a budget")
    active = (c > 0) & (k > 0)

    def mult(mu: float) -> np.ndarray:
        m = np.full(c.size, lo)
        m[active] = e * v[active] / (mu * (1 + e) * k[active])
        return np.clip(m, lo, hi)

    def spend(m: np.ndarray) -> float:
        return float(np.sum(c * k * m ** (1 + e)))

    mu_min = 1.0 if objective == "profit" else 1e-12
    mu = mu_min
    m = mult(mu)
    if budget is not None:
        b = float(budget)
        if not np.isfinite(b) or b < 0:
            raise ValueError("budget must be a non-negative number")
        floor = spend(np.full(c.size, lo))
        if b < floor * (1 - 1e-12):
            raise ValueError(
                f"budget {b:,.2f} is below the spend at the lowest multiplier ({floor:,.2f}); "
                "raise the budget or lower the minimum multiplier"
            )
        if spend(m) > b:
            lo_mu, hi_mu = mu_min, max(2.0 * mu_min, 1.0)
            while spend(mult(hi_mu)) > b and hi_mu < 1e12:
                hi_mu *= 2.0
            for _ in range(200):
                mid = np.sqrt(lo_mu * hi_mu) if objective == "value" else 0.5 * (lo_mu + hi_mu)
                if spend(mult(mid)) > b:
                    lo_mu = mid
                else:
                    hi_mu = mid
            mu = hi_mu
            m = mult(mu)
    lam = mu - 1.0 if objective == "profit" else float("nan")
    opt = response(c, v, k, m, elasticity=e)
    base = response(c, v, k, np.ones(c.size), elasticity=e)
    frame = opt.assign(multiplier=m, base_spend=base["spend"], base_profit=base["profit"])
    return {
        "multiplier": m,
        "mu": mu,
        "lambda": lam,
        "frame": frame,
        "spend": float(opt["spend"].sum()),
        "profit": float(opt["profit"].sum()),
        "value": float(opt["value"].sum()),
        "base_value": float(base["value"].sum()),
        "base_spend": float(base["spend"].sum()),
        "base_profit": float(base["profit"].sum()),
    }
