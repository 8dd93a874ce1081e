"""Lifetime model: known truth recovered from simulated histories; likelihood checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

from omni_core.models.lifetime import fit_lifetime, loglik, simulate_histories


@pytest.mark.parametrize(("r", "alpha", "mu"), [(0.8, 1.3, 1 / 240), (2.0, 4.0, 1 / 45)])
def test_parameters_are_recovered(r, alpha, mu):
    d = simulate_histories(15_000, r, alpha, mu, 60.0, np.random.default_rng(11))
    f = fit_lifetime(d["x"], d["t_x"], d["T"])
    assert f["lifetime_low"] < 1 / mu < f["lifetime_high"], f
    assert f["r"] == pytest.approx(r, rel=0.1)
    assert f["alpha"] == pytest.approx(alpha, rel=0.12)


def test_loglik_matches_direct_numerical_integration():
    """L = G(T) e^{-mu T} + mu * int_{t_x}^{T} e^{-mu tau} G(tau) dtau, G from the gamma mixture."""
    r, a, mu = 0.9, 1.5, 0.01
    x = np.array([0, 3, 25, 7])
    t_x = np.array([0.0, 12.5, 40.0, 59.0])
    T = np.array([60.0, 50.0, 41.0, 59.0])
    got = loglik(r, a, mu, x, t_x, T)

    def G(s: float, k: int) -> float:
        return np.exp(special.gammaln(r + k) - special.gammaln(r) + r * np.log(a)) / (a + s) ** (
            r + k
        )

    for i in range(len(x)):
        k = int(x[i])
        alive = G(T[i], k) * np.exp(-mu * T[i])
        dead = mu * integrate.quad(lambda s, k=k: np.exp(-mu * s) * G(s, k), t_x[i], T[i])[0]
        assert got[i] == pytest.approx(np.log(alive + dead), rel=1e-6)


def test_ci_covers_the_truth_at_about_the_nominal_rate():
    rng = np.random.default_rng(5)
    hits = 0
    for _ in range(20):
        d = simulate_histories(1000, 1.0, 2.0, 1 / 60, 60.0, rng)
        f = fit_lifetime(d["x"], d["t_x"], d["T"], level=0.9)
        hits += f["lifetime_low"] < 60 < f["lifetime_high"]
    # Binomial(20, 0.9): P(hits <= 14) ~ 1 %.
    assert hits >= 15
    assert stats.binom.cdf(14, 20, 0.9) < 0.015


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="same length"):
        fit_lifetime([1, 2], [0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="0 <= t_x <= T"):
        fit_lifetime([1], [5.0], [2.0])
    with pytest.raises(ValueError, match="non-negative integers"):
        fit_lifetime([1.5], [0.5], [2.0])
    with pytest.raises(ValueError, match="no visit"):
        fit_lifetime([], [], [])
    with pytest.raises(ValueError, match="Generator"):
        simulate_histories(10, 1, 1, 0.1, 10, rng=3)
