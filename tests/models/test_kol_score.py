"""KOL scorecard: the beta-binomial prior and shrinkage recover a simulated truth."""

from __future__ import annotations

import numpy as np
import pytest

from omni_core.models.kol_score import (
    composite_score,
    fit_beta_prior,
    percentile_score,
    retire_reasons,
    shrink_rates,
)


def test_beta_prior_recovers_simulated_parameters_and_shrinkage_beats_raw_rates():
    rng = np.random.default_rng(11)
    a, b = 3.0, 57.0  # mean 5%, strength 60
    p = rng.beta(a, b, 600)
    n = rng.integers(20, 400, 600)
    s = rng.binomial(n, p)
    prior = fit_beta_prior(s, n)
    assert prior["method"] == "mle"
    assert prior["mean"] == pytest.approx(a / (a + b), rel=0.08)
    assert prior["strength"] == pytest.approx(a + b, rel=0.45)
    post = shrink_rates(s, n, prior)
    raw = s / n
    assert np.mean((post - p) ** 2) < 0.8 * np.mean((raw - p) ** 2)
    # posterior means lie between the raw rate and the prior mean
    lo, hi = np.minimum(raw, prior["mean"]), np.maximum(raw, prior["mean"])
    assert np.all((post >= lo - 1e-12) & (post <= hi + 1e-12))


def test_degenerate_pools_fall_back_to_a_weak_pooled_prior():
    prior = fit_beta_prior([0, 0, 0], [10, 5, 0])
    assert prior["method"] == "pooled" and prior["strength"] == 2.0
    assert 0 < prior["mean"] < 0.1
    with pytest.raises(ValueError):
        fit_beta_prior([3], [2])
    with pytest.raises(ValueError):
        fit_beta_prior([], [])


def test_composite_is_a_weighted_geometric_mean():
    s = {"influence": [1.0, 0.25], "fit": [0.5, 1.0], "conversion": [0.5, 1.0]}
    eq = composite_score(s, {"influence": 1, "fit": 1, "conversion": 1})
    np.testing.assert_allclose(eq, [(1 * 0.5 * 0.5) ** (1 / 3), 0.25 ** (1 / 3)])
    only_fit = composite_score(s, {"influence": 0, "fit": 2, "conversion": 0})
    np.testing.assert_allclose(only_fit, [0.5, 1.0])
    with pytest.raises(ValueError):
        composite_score(s, {"influence": 0, "fit": 0, "conversion": 0})
    with pytest.raises(ValueError):
        composite_score(s, {"influence": 1, "fit": 1})
    with pytest.raises(ValueError):
        composite_score({"a": [1.5]}, {"a": 1})


def test_percentiles_and_retire_reasons():
    np.testing.assert_allclose(percentile_score([10, 30, 20, 20]), [0.25, 1.0, 0.625, 0.625])
    reasons = retire_reasons(
        [0.2, 0.8, 0.9], [0.9, 0.3, 0.9], [0.05, 0.05, 0.001], [100, 10, 5000], [50, 100, 0],
        [10, 20, 0], score_cutoff=0.3, min_fit=0.4, min_conversion=0.01,
    )  # fmt: skip
    assert reasons == [["low_score"], ["low_fit", "gmv_below_fee"], ["low_conversion", "no_reach"]]
