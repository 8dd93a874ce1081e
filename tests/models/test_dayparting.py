"""Dayparting: the closed-form KKT multipliers equal independent numerical optima.

The checks avoid iterative solvers (busy BLAS threads make them slow on a shared machine): the
unconstrained optimum is separable and found hour by hour on a fine grid; the budgeted optimum is
checked by its stationarity condition and against many random feasible reallocations.
"""

from __future__ import annotations

import numpy as np
import pytest

from omni_core.models.dayparting import optimal_bid_multipliers, response

GRID = np.linspace(0.5, 2.0, 30001)


def _instance(seed):
    rng = np.random.default_rng(seed)
    c = rng.uniform(20, 200, 24)
    k = rng.uniform(2, 6, 24)
    v = k * rng.uniform(0.8, 4.0, 24)
    return c, v, k


def _profit(c, v, k, m, e):
    return float(np.sum(c * m**e * (v - k * m)))  # written out independently of ``response``


def _random_feasible(c, k, e, budget, rng, n=3000):
    """Random multiplier vectors in [0.5, 2] shrunk towards 0.5 (vectorised bisection) to spend
    at most the budget."""
    m = rng.uniform(0.5, 2.0, (n, len(c)))
    lo_s, hi_s = np.zeros(n), np.ones(n)
    for _ in range(50):
        mid = 0.5 * (lo_s + hi_s)
        mm = 0.5 + mid[:, None] * (m - 0.5)
        ok = np.sum(c * k * mm ** (1 + e), axis=1) <= budget
        lo_s = np.where(ok, mid, lo_s)
        hi_s = np.where(ok, hi_s, mid)
    return 0.5 + lo_s[:, None] * (m - 0.5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_profit_optimum_matches_grid_search_and_budget_is_binding(seed):
    c, v, k = _instance(seed)
    e = 0.6
    free = optimal_bid_multipliers(c, v, k, elasticity=e, bounds=(0.5, 2.0))
    assert free["lambda"] == 0
    np.testing.assert_allclose(free["multiplier"], np.clip(e * v / ((1 + e) * k), 0.5, 2.0))
    per_hour = c[:, None] * GRID[None, :] ** e * (v[:, None] - k[:, None] * GRID[None, :])
    best = GRID[per_hour.argmax(axis=1)]
    np.testing.assert_allclose(free["multiplier"], best, atol=1e-4)
    assert free["profit"] == pytest.approx(per_hour.max(axis=1).sum(), rel=1e-7)
    budget = 0.7 * free["spend"]
    tight = optimal_bid_multipliers(c, v, k, budget=budget, elasticity=e, bounds=(0.5, 2.0))
    assert tight["lambda"] > 0
    assert tight["spend"] == pytest.approx(budget, rel=1e-6)
    m = tight["multiplier"]
    inner = (m > 0.5 + 1e-9) & (m < 2.0 - 1e-9)
    marginal = c * (e * v * m ** (e - 1) - (1 + e) * k * m**e)  # d profit / d m
    dspend = (1 + e) * c * k * m**e  # d spend / d m
    np.testing.assert_allclose(marginal[inner] / dspend[inner], tight["lambda"], rtol=1e-6)
    rand = _random_feasible(c, k, e, budget, np.random.default_rng(seed))
    others = np.sum(c * rand**e * (v - k * rand), axis=1)
    assert tight["profit"] >= others.max() - 1e-9
    assert tight["profit"] == pytest.approx(_profit(c, v, k, m, e))


def test_value_objective_spends_the_budget_and_maximises_value():
    c, v, k = _instance(9)
    e = 0.6
    budget = float(np.sum(c * k))  # today's spend, reallocated
    res = optimal_bid_multipliers(c, v, k, budget=budget, elasticity=e, bounds=(0.5, 2.0),
                                  objective="value")  # fmt: skip
    assert res["spend"] == pytest.approx(budget, rel=1e-6)
    assert res["value"] >= res["base_value"]
    m = res["multiplier"]
    inner = (m > 0.5 + 1e-9) & (m < 2.0 - 1e-9)
    ratio = (e * v * m ** (e - 1)) / ((1 + e) * k * m**e)  # marginal value per marginal spend
    np.testing.assert_allclose(ratio[inner], ratio[inner][0], rtol=1e-6)
    rand = _random_feasible(c, k, e, budget, np.random.default_rng(9))
    assert res["value"] >= np.sum(c * rand**e * v, axis=1).max() - 1e-9
    with pytest.raises(ValueError):
        optimal_bid_multipliers(c, v, k, objective="value")


def test_budget_and_input_validation():
    c, v, k = [10, 10], [8, 2], [4, 4]
    with pytest.raises(ValueError, match="budget"):
        optimal_bid_multipliers(c, v, k, budget=1.0, bounds=(0.5, 2))
    with pytest.raises(ValueError):
        optimal_bid_multipliers(c, v, k, elasticity=1.5)
    with pytest.raises(ValueError):
        optimal_bid_multipliers(c, v, k, bounds=(1.2, 2))
    with pytest.raises(ValueError):
        optimal_bid_multipliers([1, 2], [1], [1, 2])
    with pytest.raises(ValueError):
        optimal_bid_multipliers(c, v, k, objective="roas")
    # an hour whose value is below its price gets the lowest multiplier
    res = optimal_bid_multipliers(c, v, k, elasticity=1.0, bounds=(0.5, 2))
    assert res["multiplier"][1] == 0.5 and res["multiplier"][0] == 1.0
    r = response(c, v, k, res["multiplier"], elasticity=1.0)
    assert r["profit"].sum() == pytest.approx(res["profit"])
