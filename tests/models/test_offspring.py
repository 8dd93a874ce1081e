"""Negative-binomial offspring fit: recovers a simulated dispersion; Poisson gives infinity."""

from __future__ import annotations

import numpy as np
import pytest

from omni_core.models.offspring import fit_negative_binomial


def test_recovers_mean_and_dispersion_of_simulated_counts():
    rng = np.random.default_rng(21)
    mu, r = 0.8, 0.5
    x = rng.negative_binomial(r, r / (r + mu), 6000)
    fit = fit_negative_binomial(x)
    assert fit["mean"] == pytest.approx(mu, abs=4 * np.sqrt((mu + mu**2 / r) / len(x)))
    assert fit["dispersion"] == pytest.approx(r, rel=0.15)
    # the same data as a histogram gives the same estimate
    vals, freq = np.unique(x, return_counts=True)
    hist = fit_negative_binomial(vals, freq)
    assert hist["dispersion"] == pytest.approx(fit["dispersion"], rel=1e-6)


def test_equidispersed_counts_give_a_poisson_fit_and_bad_input_fails():
    rng = np.random.default_rng(2)
    fit = fit_negative_binomial(rng.poisson(1.3, 4000))
    assert fit["dispersion"] > 20  # mu / r within sampling noise of 0
    assert fit_negative_binomial([0, 0, 0])["dispersion"] == float("inf")
    with pytest.raises(ValueError):
        fit_negative_binomial([1.5, 2])
    with pytest.raises(ValueError):
        fit_negative_binomial([])
