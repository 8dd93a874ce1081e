"""Budget allocation across channels: maximise a separable concave return under a fixed total
and per-channel bounds.

Problem
-------
.. math:: \\max_b \\sum_c f_c(b_c) \\quad \\text{s.t.} \\quad \\sum_c b_c = B,\\;
          l_c \\le b_c \\le u_c,

where ``f_c`` is channel ``c``'s event return (GMV or contribution) as a function of its budget.
In the scenario model ``f_c(b) = sum_t v_{c,t} E_t H((carry_{c,t} + b k_{c,t}) / E_t)`` with a
concave Hill curve ``H`` (shape <= 1), non-negative adstock weights ``k`` and per-visit values
``v``; each term is a concave function of an affine map of ``b``, so ``f_c`` is concave whenever
every ``v_{c,t} >= 0`` (``is_concave`` checks it).

Exact method (``method="kkt"``) and why it is exact
---------------------------------------------------
The constraints are linear, so the KKT conditions are necessary; for concave ``f_c`` they are also
sufficient (Boyd & Vandenberghe 2004, sec. 5.5.3). With multiplier ``nu`` on the budget they read,
per channel,

- ``f_c'(b_c) = nu`` if ``l_c < b_c < u_c``; ``f_c'(l_c) <= nu`` if ``b_c = l_c``;
  ``f_c'(u_c) >= nu`` if ``b_c = u_c``,

i.e. ``b_c(nu) = argmax_{l_c <= b <= u_c} f_c(b) - nu b``: equal marginal returns across interior
channels (the greedy "next yuan to the best marginal return" rule in the limit of small steps;
Ibaraki & Katoh 1988, ch. 2; Everett 1963). Because ``f_c'`` is non-increasing, each ``b_c(nu)``
is non-increasing in ``nu`` and so is ``S(nu) = sum_c b_c(nu)``; ``S`` runs from ``sum u`` (small
``nu``) to ``sum l`` (large ``nu``), so whenever ``sum l <= B <= sum u`` a bisection on ``nu``
reaches ``S(nu*) = B`` (an inner bisection solves ``f_c'(b) = nu``). Any point meeting the
conditions is a global maximum, so the answer is optimal up to the bisection tolerance.

Cross-check (``method="slsqp"``): scipy's SLSQP (Kraft 1988) on the same objective with its
gradient; on a concave problem it converges to the same maximum. If some ``v < 0`` (a negative
margin on some days) the problem may not be concave: ``allocate`` then runs SLSQP from several
starts, keeps the best, and reports ``exact = False``.

References
----------
- Everett, H. (1963). Generalized Lagrange multiplier method for solving problems of optimum
  allocation of resources. *Operations Research* 11(3), 399-417.
- Ibaraki, T. & Katoh, N. (1988). *Resource Allocation Problems: Algorithmic Approaches*. MIT Press.
- Kraft, D. (1988). A software package for sequential quadratic programming. DFVLR-FB 88-28.
- Boyd, S. & Vandenberghe, L. (2004). *Convex Optimization*. Cambridge University Press.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

__all__ = ["Allocation", "Objective", "allocate", "equal_split", "scenario_objective"]

Vec = np.ndarray


@dataclass(frozen=True)
class Objective:
    """A separable objective: ``value(b)`` and ``grad(b)`` return per-channel ``f_c(b_c)`` and
    ``f_c'(b_c)`` (arrays shaped like ``b``); ``is_concave`` says whether concavity is known."""

    value: Callable[[Vec], Vec]
    grad: Callable[[Vec], Vec]
    is_concave: bool = True

    def total(self, b: Vec) -> float:
        return float(np.sum(self.value(np.asarray(b, dtype=float))))


@dataclass(frozen=True)
class Allocation:
    """An allocation: budgets, objective value, the method used, whether it is a proven global
    optimum, and the shadow price ``multiplier`` (return of the next yuan of total budget)."""

    budgets: Vec
    value: float
    method: str
    exact: bool
    multiplier: float


def _check(total: float, lower: Vec, upper: Vec) -> tuple[Vec, Vec]:
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    if lo.shape != hi.shape or lo.ndim != 1 or lo.size == 0:
        raise ValueError("lower and upper must be non-empty vectors of the same length")
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.isfinite(total)):
        raise ValueError("budget and bounds must be finite")
    if np.any(lo < 0) or np.any(hi < lo):
        raise ValueError("bounds must satisfy 0 <= lower <= upper for every channel")
    tol = 1e-9 * max(1.0, abs(total))
    if total < lo.sum() - tol or total > hi.sum() + tol:
        raise ValueError(
            f"the total budget {total:,.0f} is outside [sum of minimums {lo.sum():,.0f}, "
            f"sum of maximums {hi.sum():,.0f}]"
        )
    return lo, hi


def equal_split(total: float, lower: Vec, upper: Vec) -> Vec:
    """The equal split within bounds: ``b_c = clip(tau, l_c, u_c)`` with ``sum b = B``."""
    lo, hi = _check(total, lower, upper)
    a, b = 0.0, float(hi.max())
    for _ in range(200):
        tau = (a + b) / 2
        if np.clip(tau, lo, hi).sum() < total:
            a = tau
        else:
            b = tau
    out = np.clip((a + b) / 2, lo, hi)
    return _fix_sum(out, total, lo, hi)


def _fix_sum(b: Vec, total: float, lo: Vec, hi: Vec) -> Vec:
    """Spread a rounding residual over the channels with room, so ``sum b == total``."""
    b = np.clip(b, lo, hi)
    for _ in range(5):
        r = total - b.sum()
        if abs(r) <= 1e-9 * max(1.0, total):
            break
        room = (hi - b) if r > 0 else (b - lo)
        if room.sum() <= 0:
            break
        b = np.clip(b + r * room / room.sum(), lo, hi)
    return b


def _kkt(obj: Objective, total: float, lo: Vec, hi: Vec) -> tuple[Vec, float]:
    """Bisection on the multiplier with an inner bisection per channel (module docstring)."""

    def response(nu: float) -> Vec:
        a, b = lo.copy(), hi.copy()
        g_lo, g_hi = obj.grad(lo), obj.grad(hi)
        for _ in range(48):
            mid = (a + b) / 2
            up = obj.grad(mid) > nu
            a = np.where(up, mid, a)
            b = np.where(up, b, mid)
        out = (a + b) / 2
        out = np.where(g_lo <= nu, lo, out)
        return np.where(g_hi >= nu, hi, out)

    g_lo, g_hi = obj.grad(lo), obj.grad(hi)
    nu_a = float(min(g_hi.min(), g_lo.min())) - 1.0
    nu_b = float(max(g_hi.max(), g_lo.max())) + 1.0
    for _ in range(64):
        nu = (nu_a + nu_b) / 2
        if response(nu).sum() > total:
            nu_a = nu
        else:
            nu_b = nu
    nu = (nu_a + nu_b) / 2
    return _fix_sum(response(nu), total, lo, hi), nu


def _slsqp(obj: Objective, total: float, lo: Vec, hi: Vec, start: Vec) -> Vec:
    """SLSQP on budget shares (scaled so the solver sees numbers of order one)."""
    scale = max(total, 1.0)
    f0 = max(abs(obj.total(start)), 1.0)

    def fun(z: Vec) -> float:
        return -obj.total(z * scale) / f0

    def jac(z: Vec) -> Vec:
        return -obj.grad(z * scale) * scale / f0

    res = optimize.minimize(
        fun, start / scale, jac=jac, method="SLSQP",
        bounds=list(zip(lo / scale, hi / scale, strict=True)),
        constraints=[{"type": "eq", "fun": lambda z: z.sum() - total / scale,
                      "jac": lambda z: np.ones_like(z)}],
        options={"maxiter": 500, "ftol": 1e-12},
    )  # fmt: skip
    return _fix_sum(np.asarray(res.x) * scale, total, lo, hi)


def allocate(
    obj: Objective, total: float, lower: Vec, upper: Vec, *, method: str = "kkt"
) -> Allocation:
    """Maximise ``sum_c f_c(b_c)`` with ``sum b = total`` and ``lower <= b <= upper``.

    ``method``: ``"kkt"`` (exact for concave objectives, module docstring) or ``"slsqp"``.
    A non-concave objective is solved by SLSQP from several starts (``exact=False``).
    """
    lo, hi = _check(total, lower, upper)
    if method not in ("kkt", "slsqp"):
        raise ValueError(f"method must be 'kkt' or 'slsqp', got {method!r}")
    eq = equal_split(total, lo, hi)
    if obj.is_concave and method == "kkt":
        b, nu = _kkt(obj, total, lo, hi)
        return Allocation(b, obj.total(b), "kkt", True, nu)
    starts = [eq]
    if not obj.is_concave:
        b_kkt, _ = _kkt(obj, total, lo, hi)
        starts += [b_kkt, _fix_sum(lo + (hi - lo) * 0.5, total, lo, hi)]
    cands = [_slsqp(obj, total, lo, hi, s) for s in starts] + starts
    best = max(cands, key=obj.total)
    g = obj.grad(best)
    inner = (best > lo + 1e-6 * max(total, 1)) & (best < hi - 1e-6 * max(total, 1))
    nu = float(np.median(g[inner])) if inner.any() else float(np.median(g))
    return Allocation(best, obj.total(best), "slsqp", obj.is_concave, nu)


def scenario_objective(plan, objective: str = "gmv") -> tuple[Objective, np.ndarray]:
    """The scenario model's per-channel return of the paid channels (``omni_core.models.
    scenario``): GMV or contribution (margin after the channel's own spend). Returns the
    objective over the paid channels and their indices in the plan."""
    from omni_core.models.scenario import paid_visits, paid_visits_grad

    if objective not in ("gmv", "margin"):
        raise ValueError(f"objective must be 'gmv' or 'margin', got {objective!r}")
    idx = np.flatnonzero(plan.paid_ok)
    u = plan.value_gmv if objective == "gmv" else plan.value_margin
    C = len(plan.channels)
    cost = 0.0 if objective == "gmv" else 1.0

    def full(b: Vec) -> Vec:
        out = np.zeros(C)
        out[idx] = b
        return out

    def value(b: Vec) -> Vec:
        return (u * paid_visits(plan, full(b))).sum(1)[idx] - cost * b

    def grad(b: Vec) -> Vec:
        return (u * paid_visits_grad(plan, full(b))).sum(1)[idx] - cost

    concave = bool(np.all(u[idx] >= 0)) and plan.shape <= 1
    return Objective(value, grad, concave), idx
