"""Tests for omni_core.models.viral: K-factor, cascade simulation and extinction probability."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from omni_core.models import viral

# ------------------------------------------------------------------ K-factor


def test_k_factor_counts_and_rates_agree() -> None:
    # 1,000 invites, 150 of them converted, from 100 original users: K = 1.5
    assert viral.k_factor(1000, 150, 100) == pytest.approx(1.5)
    assert viral.k_factor(1000, 0.15, 100) == pytest.approx(1.5)
    assert viral.k_factor(1000, 150.0, 100) == pytest.approx(1.5)  # integer-valued float = count
    assert viral.k_factor(1000, 0, 100) == 0.0
    assert viral.k_factor(1000, 0.0, 100) == 0.0


def test_k_factor_arrays_are_summed() -> None:
    # per channel: invites, converted invitees; original users per channel
    assert viral.k_factor([500, 300], [100, 20], [60, 20]) == pytest.approx(120 / 80)
    # per-channel rates weight the invites
    assert viral.k_factor([500, 300], [0.2, 0.1], 80) == pytest.approx((100 + 30) / 80)
    # a total count against per-channel invites is checked on totals
    assert viral.k_factor([500, 300], 120, 80) == pytest.approx(1.5)
    assert viral.k_factor(np.array([400, 400]), np.array([0.25, 0.0]), 100) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "invites,conversions,users,match",
    [
        (100, 150, 10, "cannot exceed"),
        ([100, 10], [50, 20], 10, "cannot exceed"),
        (100, 1.5, 10, "counts"),
        (-1, 0, 10, "non-negative"),
        (100, -0.1, 10, "non-negative"),
        (100, 10, 0, "original_users must be positive"),
        (100, 10, -5, "non-negative"),
        ([100, 200], [10, 20, 30], 10, "length mismatch"),
        (100, float("nan"), 10, "finite"),
    ],
)
def test_k_factor_errors(invites, conversions, users, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        viral.k_factor(invites, conversions, users)


# ------------------------------------------------------------------ simulation vs closed form


@pytest.mark.parametrize("k,dispersion", [(1.3, 0.8), (0.9, np.inf), (1.1, 5.0)])
def test_simulated_generation_means_match_closed_form(k: float, dispersion: float) -> None:
    seed, gens, runs = 10, 10, 20_000
    sims = viral.simulate_cascade(seed, k, dispersion, gens, np.random.default_rng(42), n_runs=runs)
    assert isinstance(sims, pd.DataFrame) and sims.shape == (runs, gens + 1)
    expected = viral.expected_generation_sizes(seed, k, gens)
    np.testing.assert_allclose(expected, seed * k ** np.arange(gens + 1))
    # Var Z_g from the Galton-Watson variance recursion: V_{g+1} = k^2 V_g + s2 E[Z_g]
    s2 = k + (k * k / dispersion if np.isfinite(dispersion) else 0.0)
    var = np.zeros(gens + 1)
    for g in range(gens):
        var[g + 1] = k * k * var[g] + s2 * expected[g]
    se = np.sqrt(var / runs)
    z = (sims.mean().to_numpy() - expected)[1:] / se[1:]
    assert np.all(np.abs(z) < 4.5), z
    assert (sims[0] == seed).all()


def test_single_run_returns_array_and_is_reproducible() -> None:
    a = viral.simulate_cascade(5, 1.2, 1.0, 8, np.random.default_rng(7))
    b = viral.simulate_cascade(5, 1.2, 1.0, 8, 7)
    assert isinstance(a, np.ndarray) and a.shape == (9,) and a[0] == 5
    np.testing.assert_array_equal(a, b)
    # an extinct cascade stays extinct
    died = viral.simulate_cascade(1, 0.5, np.inf, 30, 0, n_runs=200).to_numpy()
    for row in died:
        zero = np.flatnonzero(row == 0)
        if zero.size:
            assert np.all(row[zero[0] :] == 0)


def test_max_population_caps_cumulative_users() -> None:
    sims = viral.simulate_cascade(5, 2.0, np.inf, 12, 3, max_population=500, n_runs=50)
    assert (sims.sum(axis=1) <= 500).all()
    assert (sims.sum(axis=1) == 500).mean() > 0.5


def test_zero_k_and_zero_seed() -> None:
    np.testing.assert_array_equal(viral.simulate_cascade(4, 0.0, 1.0, 3, 0), [4, 0, 0, 0])
    np.testing.assert_array_equal(viral.simulate_cascade(0, 2.0, 1.0, 3, 0), [0, 0, 0, 0])


# ------------------------------------------------------------------ extinction


def test_extinction_probability_closed_forms() -> None:
    # geometric offspring (r = 1) with mean k: G(s) = 1 / (1 + k (1 - s)) -> q = 1 / k
    for k in (1.5, 2.0, 4.0):
        assert viral.extinction_probability(k, 1.0) == pytest.approx(1 / k, rel=1e-12)
    # Poisson k = 2: q = exp(2 (q - 1)) -> q = -W(-2 e^-2) / 2 = 0.2031878700...
    q = viral.extinction_probability(2.0, np.inf)
    assert q == pytest.approx(0.20318787, abs=1e-8)
    assert q == pytest.approx(math.exp(2 * (q - 1)), abs=1e-14)
    for k, r in ((1.3, 0.5), (3.0, 0.1), (1.05, 10.0)):
        q = viral.extinction_probability(k, r)
        assert 0 < q < 1
        assert q == pytest.approx((1 + k * (1 - q) / r) ** (-r), abs=1e-13)
    assert viral.extinction_probability(0.8, 2.0) == 1.0
    assert viral.extinction_probability(1.0, np.inf) == 1.0
    assert viral.extinction_probability(0.0, 1.0) == 1.0
    # near-critical: q ~ 1 - 2 (k - 1) / Var(xi) for Poisson
    assert 1 - viral.extinction_probability(1 + 1e-6, np.inf) == pytest.approx(2e-6, rel=1e-5)
    assert viral.extinction_probability(2.0, 1.0, seed_users=3) == pytest.approx(0.125)


@pytest.mark.parametrize("k,dispersion", [(1.5, 0.5), (1.4, np.inf), (2.0, 2.0)])
def test_extinction_probability_matches_simulation(k: float, dispersion: float) -> None:
    runs = 20_000
    sims = viral.simulate_cascade(1, k, dispersion, 40, np.random.default_rng(5), n_runs=runs)
    extinct = float((sims[40] == 0).mean())
    q = viral.extinction_probability(k, dispersion)
    assert abs(extinct - q) < 4 * math.sqrt(q * (1 - q) / runs)


# ------------------------------------------------------------------ second-degree conversion


def test_second_degree_conversion() -> None:
    assert viral.second_degree_conversion(200, 34) == pytest.approx(0.17)
    assert viral.second_degree_conversion([100, 100], [10, 20]) == pytest.approx(0.15)
    with pytest.raises(ValueError):
        viral.second_degree_conversion(10, 11)
    with pytest.raises(ValueError):
        viral.second_degree_conversion(0, 0)
    # model counterpart equals the simulated share of generation-1 users with >= 1 offspring
    k, r = 1.3, 0.8
    p_model = viral.expected_second_degree_conversion(k, r)
    assert p_model == pytest.approx(1 - (1 + k / r) ** (-r))
    draws = np.random.default_rng(0).negative_binomial(r, r / (r + k), 200_000)
    assert abs((draws > 0).mean() - p_model) < 4 * math.sqrt(p_model * (1 - p_model) / 200_000)
    assert viral.expected_second_degree_conversion(1.0, np.inf) == pytest.approx(1 - math.exp(-1))


def test_simulation_errors() -> None:
    with pytest.raises(ValueError):
        viral.simulate_cascade(-1, 1.0, 1.0, 3, 0)
    with pytest.raises(ValueError):
        viral.simulate_cascade(1, -1.0, 1.0, 3, 0)
    with pytest.raises(ValueError):
        viral.simulate_cascade(1, 1.0, 0.0, 3, 0)
    with pytest.raises(ValueError):
        viral.simulate_cascade(1, 1.0, 1.0, 2.5, 0)
    with pytest.raises(ValueError):
        viral.simulate_cascade(10, 1.0, 1.0, 3, 0, max_population=5)
    with pytest.raises(ValueError):
        viral.extinction_probability(1.5, -1.0)
    with pytest.raises(ValueError, match="seeded"):
        viral.simulate_cascade(1, 1.0, 1.0, 3, None)
    with pytest.raises(ValueError, match="1e15"):
        viral.simulate_cascade(1000, 30.0, np.inf, 12, 0)
