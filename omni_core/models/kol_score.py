"""KOL/KOC scorecard: influence x fit x conversion with empirical-Bayes conversion rates.

The source document (ch.4) asks for a three-dimensional scorecard "影响力×契合度×转化力" and a
regularly refreshed roster that retires under-performing partners. Three pieces:

1. **Conversion** of an account is ``buyers / reach``; small accounts have few trials, so the raw
   rate is shrunk towards the pool with a beta-binomial empirical-Bayes prior fitted by maximum
   likelihood: ``p_i ~ Beta(a, b)``, ``s_i | p_i ~ Binomial(n_i, p_i)``, marginal
   ``P(s_i) = C(n_i, s_i) B(s_i + a, n_i - s_i + b) / B(a, b)``; posterior mean
   ``(s_i + a) / (n_i + a + b)`` (Efron & Morris 1975; Efron 2010, *Large-Scale Inference*, ch. 1;
   Griffin & Krutchkoff 1971 for the beta-binomial empirical Bayes estimator).
2. Each dimension becomes a score in ``(0, 1]``: influence and conversion as mid-rank percentiles
   within the pool (robust to the heavy-tailed follower counts), fit as given (0-1).
3. The composite is the weighted geometric mean ``S = prod_d s_d^(w_d / sum w)``, the
   multiplicative form of the document's formula with user weights (a weight of 0 drops a
   dimension; equal weights give the plain cube root of the product).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

__all__ = [
    "RETIRE_REASONS",
    "composite_score",
    "fit_beta_prior",
    "percentile_score",
    "retire_reasons",
    "shrink_rates",
]

_FLOOR = 0.01  # a sub-score is never exactly 0 (the geometric mean would ignore the others)
RETIRE_REASONS = ("low_score", "low_fit", "low_conversion", "gmv_below_fee", "no_reach")


def _counts(successes: Any, trials: Any) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(successes, dtype=float).ravel()
    n = np.asarray(trials, dtype=float).ravel()
    if s.shape != n.shape:
        raise ValueError(f"length mismatch: successes={s.size}, trials={n.size}")
    if s.size == 0:
        raise ValueError("no accounts to score")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(n))):
        raise ValueError("successes and trials must be finite")
    if np.any(s < 0) or np.any(s > n):
        raise ValueError("successes must lie in [0, trials]")
    return s, n


def fit_beta_prior(successes: Any, trials: Any) -> dict[str, float]:
    """Maximum-likelihood beta-binomial prior ``Beta(a, b)`` of per-account conversion rates.

    Maximises ``sum_i [lnB(s_i + a, n_i - s_i + b) - lnB(a, b)]`` over ``log a, log b`` (the
    binomial coefficients do not depend on the parameters). Accounts with ``n_i = 0`` carry no
    information and are ignored. Degenerate pools (no success at all, or every trial a success)
    have no finite MLE; then a weak prior with the pooled rate and strength ``a + b = 2`` is
    returned (``method = "pooled"``).

    Returns ``a``, ``b``, ``mean = a / (a + b)``, ``strength = a + b`` and ``method``.
    """
    s, n = _counts(successes, trials)
    use = n > 0
    s, n = s[use], n[use]
    total_s, total_n = float(s.sum()), float(n.sum())
    if total_n == 0 or total_s == 0 or total_s == total_n or s.size < 2:
        rate = (total_s + 0.5) / (total_n + 1.0)
        return {"a": 2 * rate, "b": 2 * (1 - rate), "mean": rate, "strength": 2.0,
                "method": "pooled"}  # fmt: skip

    def nll(u: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = np.exp(u)
        f = -float(np.sum(special.betaln(s + a, n - s + b) - special.betaln(a, b)))
        common = special.digamma(a + b) - special.digamma(n + a + b)
        ga = np.sum(special.digamma(s + a) - special.digamma(a) + common)
        gb = np.sum(special.digamma(n - s + b) - special.digamma(b) + common)
        return f, -np.array([ga * a, gb * b])

    rate = total_s / total_n
    best = None
    for strength in (2.0, 20.0, 200.0):
        u0 = np.log([rate * strength, (1 - rate) * strength])
        res = optimize.minimize(nll, u0, jac=True, method="L-BFGS-B", bounds=[(-9.0, 14.0)] * 2)
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    a, b = (float(v) for v in np.exp(best.x))
    return {"a": a, "b": b, "mean": a / (a + b), "strength": a + b, "method": "mle"}


def shrink_rates(
    successes: Any, trials: Any, prior: Mapping[str, float] | None = None
) -> np.ndarray:
    """Posterior-mean conversion ``(s_i + a) / (n_i + a + b)`` under the fitted (or given) prior."""
    s, n = _counts(successes, trials)
    pr = prior if prior is not None else fit_beta_prior(s, n)
    a, b = float(pr["a"]), float(pr["b"])
    if not (a > 0 and b > 0):
        raise ValueError("prior parameters a and b must be positive")
    return (s + a) / (n + a + b)


def percentile_score(values: Any) -> np.ndarray:
    """Mid-rank percentile of each value in ``(0, 1]`` (ties share their average rank)."""
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0:
        return v
    if not np.all(np.isfinite(v)):
        raise ValueError("values must be finite")
    ranks = pd.Series(v).rank(method="average").to_numpy()
    return np.maximum(ranks / v.size, _FLOOR)


def composite_score(scores: Mapping[str, Any], weights: Mapping[str, float]) -> np.ndarray:
    """Weighted geometric mean ``prod_d s_d^(w_d / sum(w))`` of sub-scores in ``(0, 1]``.

    ``scores`` maps a dimension to its array; ``weights`` maps the same dimensions to
    non-negative weights with a positive sum. Sub-scores are floored at 0.01.
    """
    if set(scores) != set(weights):
        raise ValueError(f"weights {sorted(weights)} must name the dimensions {sorted(scores)}")
    w = {k: float(v) for k, v in weights.items()}
    if any(not np.isfinite(v) or v < 0 for v in w.values()):
        raise ValueError("weights must be non-negative numbers")
    total = sum(w.values())
    if total <= 0:
        raise ValueError("at least one weight must be positive")
    arrays = {k: np.asarray(v, dtype=float).ravel() for k, v in scores.items()}
    sizes = {a.size for a in arrays.values()}
    if len(sizes) != 1:
        raise ValueError("all sub-scores must have the same length")
    log = np.zeros(sizes.pop())
    for k, arr in arrays.items():
        if np.any(~np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
            raise ValueError(f"sub-score {k!r} must lie in [0, 1]")
        log += w[k] / total * np.log(np.maximum(arr, _FLOOR))
    return np.exp(log)


def retire_reasons(
    score: Any,
    fit: Any,
    conversion: Any,
    gmv: Any,
    fee: Any,
    reach: Any,
    *,
    score_cutoff: float,
    min_fit: float,
    min_conversion: float,
) -> list[list[str]]:
    """Reasons (codes of ``RETIRE_REASONS``) each account fails; an empty list keeps it.

    ``low_score``: composite below ``score_cutoff``; ``low_fit``: fit below ``min_fit``;
    ``low_conversion``: shrunk conversion below ``min_conversion``; ``gmv_below_fee``: attributed
    GMV over the window below ``fee`` (the post fee times the return required; 0 switches the
    rule off for that account); ``no_reach``: nobody reached.
    """
    arrs = [np.asarray(x, dtype=float).ravel() for x in (score, fit, conversion, gmv, fee, reach)]
    if len({a.size for a in arrs}) != 1:
        raise ValueError("all inputs must have the same length")
    sc, ft, cv, gm, fe, rc = arrs
    flags = {
        "low_score": sc < score_cutoff,
        "low_fit": ft < min_fit,
        "low_conversion": cv < min_conversion,
        "gmv_below_fee": (fe > 0) & (gm < fe),
        "no_reach": rc <= 0,
    }
    return [[k for k in RETIRE_REASONS if flags[k][i]] for i in range(sc.size)]
