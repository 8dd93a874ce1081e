"""Referral offspring counts: maximum-likelihood negative-binomial mean and dispersion.

How many converted invitees each sharer brings is over-dispersed (most bring none, a few bring
many). With ``X ~ NegBin(mean mu, dispersion r)``:

    P(X = x) = Gamma(x + r) / (Gamma(r) x!) (r / (r + mu))^r (mu / (r + mu))^x,
    Var X = mu + mu^2 / r   (r -> infinity: Poisson).

The MLE of ``mu`` is the sample mean for any ``r``; ``r`` maximises the profile log-likelihood
``l(r) = sum_x w_x [lnG(x + r) - lnG(r) - ln x! + r ln(r / (r + mu)) + x ln(mu / (r + mu))]``
(Lloyd-Smith 2007, "Maximum likelihood estimation of the negative binomial dispersion parameter
for highly overdispersed data", *PLoS ONE* 2(2): e180). When the sample variance does not exceed
the mean the likelihood increases towards the Poisson limit and ``r = inf`` is returned. These
``mu`` and ``r`` are what ``omni_core.models.viral.simulate_cascade`` takes as ``k`` and
``dispersion``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize, special

__all__ = ["fit_negative_binomial"]

_R_MAX = 1e6


def _loglik(r: float, x: np.ndarray, w: np.ndarray, mu: float) -> float:
    if mu == 0:
        return 0.0
    return float(
        np.sum(
            w
            * (
                special.gammaln(x + r)
                - special.gammaln(r)
                - special.gammaln(x + 1)
                + r * np.log(r / (r + mu))
                + x * np.log(mu / (r + mu))
            )
        )
    )


def fit_negative_binomial(counts: Any, weights: Any = None) -> dict[str, float]:
    """MLE of the negative-binomial mean and dispersion of non-negative integer counts.

    ``counts`` are the observed values (e.g. converted invitees per sharer, zeros included);
    ``weights`` optional multiplicities (a histogram: values with their frequencies).
    Returns ``mean``, ``dispersion`` (``inf`` = Poisson), ``variance`` (sample), ``n`` and
    ``loglik``.
    """
    x = np.asarray(counts, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("counts is empty")
    if not np.all(np.isfinite(x)) or np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("counts must be non-negative integers")
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.shape != x.shape or np.any(~np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be non-negative, finite, of the counts' length, sum > 0")
    n = float(w.sum())
    mu = float(np.sum(w * x) / n)
    var = float(np.sum(w * (x - mu) ** 2) / max(n - 1.0, 1.0))
    if mu == 0 or var <= mu:
        poisson = (
            float(np.sum(w * (x * np.log(mu) - mu - special.gammaln(x + 1)))) if mu > 0 else 0.0
        )
        return {"mean": mu, "dispersion": float("inf"), "variance": var, "n": n,
                "loglik": poisson}  # fmt: skip
    res = optimize.minimize_scalar(
        lambda u: -_loglik(float(np.exp(u)), x, w, mu),
        bounds=(np.log(1e-4), np.log(_R_MAX)),
        method="bounded",
        options={"xatol": 1e-8},
    )
    r = float(np.exp(res.x))
    if r >= _R_MAX * 0.999:
        r = float("inf")
    ll = (
        _loglik(r, x, w, mu)
        if np.isfinite(r)
        else float(np.sum(w * (x * np.log(mu) - mu - special.gammaln(x + 1))))
    )
    return {"mean": mu, "dispersion": r, "variance": var, "n": n, "loglik": ll}
