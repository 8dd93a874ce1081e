"""Tests for omni_core.models.budget: the KKT allocation is the global optimum (brute force and
SLSQP agree), never breaks bounds or the budget (hypothesis), and beats the equal split on the
world."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omni_core.analysis import ch12
from omni_core.models import budget as bm
from omni_core.models import scenario as sm


def _hill_objective(v: np.ndarray, k: np.ndarray, cost: float = 0.0) -> bm.Objective:
    """Separable f_c(b) = v_c b / (b + k_c) - cost b (concave)."""

    def value(b: np.ndarray) -> np.ndarray:
        return v * b / (b + k) - cost * b

    def grad(b: np.ndarray) -> np.ndarray:
        return v * k / (b + k) ** 2 - cost

    return bm.Objective(value, grad, True)


def test_kkt_is_the_global_optimum_against_brute_force() -> None:
    obj = _hill_objective(np.array([100.0, 60.0, 30.0]), np.array([50.0, 10.0, 5.0]))
    total, lo, hi = 120.0, np.array([0.0, 10.0, 0.0]), np.array([100.0, 80.0, 20.0])
    best = -np.inf
    for x0, x1 in itertools.product(np.arange(0, 100.5, 0.5), repeat=2):
        x2 = total - x0 - x1
        b = np.array([x0, x1, x2])
        if np.all(b >= lo - 1e-9) and np.all(b <= hi + 1e-9):
            best = max(best, obj.total(b))
    got = bm.allocate(obj, total, lo, hi)
    assert got.exact and got.method == "kkt"
    assert got.value >= best - 1e-6
    assert got.value == pytest.approx(best, rel=1e-3)
    # KKT conditions: equal marginal returns inside the bounds, lower ones at their lower bound
    g = obj.grad(got.budgets)
    inner = (got.budgets > lo + 1e-6) & (got.budgets < hi - 1e-6)
    np.testing.assert_allclose(g[inner], got.multiplier, rtol=1e-5)
    assert np.all(g[got.budgets <= lo + 1e-6] <= got.multiplier + 1e-9)
    assert np.all(g[got.budgets >= hi - 1e-6] >= got.multiplier - 1e-9)


def test_kkt_and_slsqp_agree() -> None:
    rng = np.random.default_rng(3)
    for _ in range(10):
        n = int(rng.integers(2, 8))
        obj = _hill_objective(rng.uniform(10, 200, n), rng.uniform(1, 80, n))
        lo = rng.uniform(0, 10, n)
        hi = lo + rng.uniform(5, 100, n)
        total = float(rng.uniform(lo.sum(), hi.sum()))
        a = bm.allocate(obj, total, lo, hi, method="kkt")
        b = bm.allocate(obj, total, lo, hi, method="slsqp")
        assert a.value == pytest.approx(b.value, rel=1e-6, abs=1e-6)
        assert a.value >= b.value - 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 8), seed=st.integers(0, 10_000), frac=st.floats(0, 1),
    method=st.sampled_from(["kkt", "slsqp"]), concave=st.booleans(),
)  # fmt: skip
def test_never_breaks_bounds_or_budget(
    n: int, seed: int, frac: float, method: str, concave: bool
) -> None:
    rng = np.random.default_rng(seed)
    lo = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0, 1e5, n))
    hi = lo + np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0, 1e6, n))
    total = float(lo.sum() + frac * (hi.sum() - lo.sum()))
    obj = _hill_objective(rng.uniform(1, 1e6, n), rng.uniform(1, 1e5, n))
    if not concave:  # a convex bump makes the objective non-concave: solved by SLSQP, flagged
        base = obj
        obj = bm.Objective(
            lambda b: base.value(b) + 1e-6 * b**2, lambda b: base.grad(b) + 2e-6 * b, False
        )
    a = bm.allocate(obj, total, lo, hi, method=method)
    tol = 1e-7 * max(1.0, total)
    assert np.all(a.budgets >= lo - tol) and np.all(a.budgets <= hi + tol)
    assert a.budgets.sum() == pytest.approx(total, rel=1e-9, abs=1e-6)
    assert a.exact if (concave and method == "kkt") else (a.exact == concave)
    eq = bm.equal_split(total, lo, hi)
    assert obj.total(a.budgets) >= obj.total(eq) - 1e-6 * max(1.0, abs(obj.total(eq)))


def test_equal_split_and_infeasible_bounds() -> None:
    np.testing.assert_allclose(bm.equal_split(90.0, np.zeros(3), np.full(3, 100.0)), 30.0)
    got = bm.equal_split(90.0, np.array([0.0, 0.0, 50.0]), np.array([10.0, 100.0, 100.0]))
    np.testing.assert_allclose(got, [10.0, 30.0, 50.0])  # clip(tau) with tau = 30
    obj = _hill_objective(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="outside"):
        bm.allocate(obj, 500.0, np.zeros(2), np.full(2, 100.0))
    with pytest.raises(ValueError, match="outside"):
        bm.allocate(obj, 5.0, np.full(2, 10.0), np.full(2, 100.0))
    with pytest.raises(ValueError, match="lower <= upper"):
        bm.allocate(obj, 5.0, np.array([3.0, 0.0]), np.array([1.0, 9.0]))
    with pytest.raises(ValueError, match="method"):
        bm.allocate(obj, 5.0, np.zeros(2), np.full(2, 9.0), method="greedy")


# ------------------------------------------------------------------ on the world


@pytest.fixture(scope="module")
def world_scenario(wh):
    calib = ch12.calibrate(wh, "world")
    return calib, ch12.starting_scenario(calib, "double11").with_(n_sims=0)


@pytest.mark.parametrize("objective", ["gmv", "margin"])
def test_optimizer_beats_equal_split_on_the_world(world_scenario, objective: str) -> None:
    calib, sc = world_scenario
    plan = sm.prepare(sc, calib)
    obj, idx = bm.scenario_objective(plan, objective)
    assert obj.is_concave
    total = sc.total_budget
    lo, hi = np.zeros(len(idx)), np.full(len(idx), total)
    best = bm.allocate(obj, total, lo, hi)
    eq = bm.equal_split(total, lo, hi)
    now = sm.budget_vector(plan)[idx]
    assert best.value > obj.total(eq) and best.value >= obj.total(now) - 1e-6
    assert np.all(best.budgets >= -1e-9) and best.budgets.sum() == pytest.approx(total)
    slsqp = bm.allocate(obj, total, lo, hi, method="slsqp")
    assert best.value >= slsqp.value - 1e-6 * abs(best.value)
    # the objective is exactly the scenario's GMV (or margin) from ads: re-simulating agrees
    if objective == "gmv":
        chans = [plan.channels[i] for i in idx]
        r_best = sm.simulate(
            sm.prepare(sc.with_budgets(dict(zip(chans, best.budgets, strict=True))), calib)
        )
        r_eq = sm.simulate(sm.prepare(sc.with_budgets(dict(zip(chans, eq, strict=True))), calib))
        assert r_best.kpis["gmv"] - r_eq.kpis["gmv"] == pytest.approx(
            best.value - obj.total(eq), rel=1e-6
        )


def test_optimize_respects_the_scenario_bounds(world_scenario) -> None:
    calib, sc = world_scenario
    out = ch12.optimize(calib, sc, "gmv", "en")
    b = out["scenario"].budget_of()
    total = sc.total_budget
    for c, lo, hi in sc.bounds:
        assert lo * total - 1 <= b[c] <= hi * total + 1
    assert sum(b.values()) == pytest.approx(total, abs=len(b))
    assert out["objective_opt"] >= out["objective_now"] - 1e-6
    assert out["objective_opt"] >= out["objective_equal"] - 1e-6
    with pytest.raises(sm.ScenarioError, match="infeasible"):
        ch12.optimize(calib, sc.with_(bounds=tuple((c, 0.5, 0.9) for c, _, _ in sc.bounds)), "gmv")
