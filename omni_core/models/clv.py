"""Customer lifetime value: BG/NBD purchase model, Gamma-Gamma spend model and simple LTV maths.

All times (``recency``, ``T``, ``t``, ``horizon``) share one unit chosen by the caller (days,
weeks, ...); the fitted ``alpha`` is expressed in that unit.

Notation (Fader, Hardie & Lee 2005a): for each customer ``x`` = ``frequency`` is the number of
*repeat* purchases, ``t_x`` = ``recency`` is the time of the last purchase measured from the
first purchase (0 if ``x = 0``), and ``T`` is the customer's age (time from first purchase to the
end of the observation window), so ``0 <= t_x <= T``. ``monetary`` is the average value of the
repeat purchases (0 when ``x = 0``), the convention of the ``lifetimes`` package.

References
----------
- Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting Your Customers" the easy way:
  an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.
- Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: using iso-value curves for
  customer base analysis. *Journal of Marketing Research* 42(4), 415-430.
- Fader, P. S. & Hardie, B. G. S. (2008). Computing P(alive) using the BG/NBD model.
  http://brucehardie.com/notes/021/
- Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
  http://brucehardie.com/notes/025/
- Fader, P. S. & Hardie, B. G. S. (2013). Overcoming the BG/NBD model's #NUM! error problem.
  http://brucehardie.com/notes/027/
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special

__all__ = [
    "customer_lifetime_value",
    "expected_purchases",
    "expected_purchases_new",
    "expected_spend",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "ltv_cac_ratio",
    "prob_alive",
    "simple_ltv",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
]

ArrayLike = Any  # numpy array, list, tuple, pandas Series or scalar

_BG_KEYS = ("r", "alpha", "a", "b")
_GG_KEYS = ("p", "q", "gamma")
# |a - 1| below which the removable singularity of FHL eq. 9/10 at a = 1 is bridged (see _h_term).
_A_ONE_EPS = 1e-6
_A_ONE_STEP = 1e-4


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------
def _generator(rng: np.random.Generator | int) -> np.random.Generator:
    """Return a ``Generator``: pass one through or seed one from an int; refuse unseeded None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, bool) or not isinstance(rng, int | np.integer):
        raise ValueError("rng must be a seeded numpy.random.Generator or an int seed")
    return np.random.default_rng(int(rng))


def _to_array(name: str, value: ArrayLike) -> np.ndarray:
    """Return ``value`` as a float ndarray (0-d or 1-d); reject NaN/inf and negatives."""
    if isinstance(value, pd.DataFrame):
        raise ValueError(f"{name} must be one-dimensional, got a DataFrame")
    arr = np.asarray(value, dtype=float)
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a scalar or one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative")
    return arr


def _broadcast(**arrays: np.ndarray) -> list[np.ndarray]:
    """Broadcast scalars against 1-d arrays; 1-d arrays must all have the same length."""
    lengths = {name: a.shape[0] for name, a in arrays.items() if a.ndim == 1}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise ValueError(f"length mismatch: {detail}")
    return [np.asarray(a, dtype=float) for a in np.broadcast_arrays(*arrays.values())]


def _index_of(*values: ArrayLike) -> pd.Index | None:
    """Index of the first pandas Series among ``values`` (to label outputs), else None."""
    for v in values:
        if isinstance(v, pd.Series):
            return v.index
    return None


def _wrap(result: np.ndarray, index: pd.Index | None, name: str) -> Any:
    """Return a float for 0-d results, a Series if the input was one, else an ndarray."""
    if result.ndim == 0:
        return float(result)
    if index is not None and len(index) == result.shape[0]:
        return pd.Series(result, index=index, name=name)
    return result


def _check_rfm(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> list[np.ndarray]:
    """Validate a (frequency, recency, T) triple and return broadcast float arrays."""
    x = _to_array("frequency", frequency)
    t_x = _to_array("recency", recency)
    age = _to_array("T", T)
    x, t_x, age = _broadcast(frequency=x, recency=t_x, T=age)
    if np.any(x != np.round(x)):
        raise ValueError("frequency must be integer-valued (number of repeat purchases)")
    if np.any(t_x > age):
        raise ValueError("recency cannot exceed T (time of last purchase must be within the age)")
    if np.any((x == 0) & (t_x > 0)):
        raise ValueError("recency must be 0 for customers with frequency 0")
    return [x, t_x, age]


def _params(params: Mapping[str, float] | Sequence[float], keys: tuple[str, ...]) -> list[float]:
    """Extract positive finite model parameters from a mapping (extra keys ignored) or sequence."""
    if isinstance(params, Mapping):
        missing = [k for k in keys if k not in params]
        if missing:
            raise ValueError(f"params is missing {missing}; expected keys {list(keys)}")
        vals = [params[k] for k in keys]
    else:
        vals = list(params)
        if len(vals) != len(keys):
            raise ValueError(f"params must have {len(keys)} values {list(keys)}")
    out = [float(v) for v in vals]
    if not all(np.isfinite(v) and v > 0 for v in out):
        raise ValueError(f"parameters {dict(zip(keys, out, strict=True))} must be positive")
    return out


def _weights(weights: ArrayLike | None, n: int) -> np.ndarray:
    """Validate optional non-negative weights of length ``n`` (default: all ones)."""
    if weights is None:
        return np.ones(n)
    w = _to_array("weights", weights)
    w = np.broadcast_to(w, (n,)).astype(float) if w.ndim == 0 else w
    if w.shape[0] != n:
        raise ValueError(f"length mismatch: weights={w.shape[0]}, data={n}")
    if w.sum() <= 0:
        raise ValueError("weights must have a positive sum")
    return w


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product without BLAS (``np.dot`` may spin up OpenBLAS threads: slow when busy)."""
    return float(np.multiply(a, b).sum())


def _compress(columns: list[np.ndarray], w: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Collapse identical rows, summing their weights (exact; speeds up cohort-style data)."""
    stacked = np.column_stack(columns)
    keep = w > 0
    uniq, inverse = np.unique(stacked[keep], axis=0, return_inverse=True)
    w_u = np.bincount(inverse.ravel(), weights=w[keep], minlength=uniq.shape[0])
    return [uniq[:, j] for j in range(uniq.shape[1])], w_u


# --------------------------------------------------------------------------------------------
# BG/NBD
# --------------------------------------------------------------------------------------------
def _bgnbd_loglik_terms(
    theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood ``ln L_i`` (see ``fit_bgnbd``)."""
    r, alpha, a, b = theta
    pos = x > 0
    rx = r + x
    a1 = special.gammaln(rx) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x) - special.betaln(a, b)
    a3 = -rx * np.log(alpha + age)
    bx1 = np.where(pos, b + x - 1.0, 1.0)
    a4 = np.where(pos, np.log(a) - np.log(bx1) - rx * np.log(alpha + t_x), -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


def _bgnbd_objective(
    x: np.ndarray, t_x: np.ndarray, age: np.ndarray, w: np.ndarray, penalizer: float
) -> Any:
    """Build ``u -> (f, grad)`` for L-BFGS-B over ``u = log(r, alpha, a, b)``.

    ``ln L = A1 + A2 + ln(exp(A3) + [x>0] exp(A4))`` with
    ``A1 = lnG(r+x) - lnG(r) + r ln(alpha)``, ``A2 = lnB(a, b+x) - lnB(a, b)``,
    ``A3 = -(r+x) ln(alpha+T)``, ``A4 = ln(a) - ln(b+x-1) - (r+x) ln(alpha+t_x)``.
    Special functions of ``x`` are evaluated once per distinct frequency and gathered (exact).
    """
    w_total = float(w.sum())
    # lifetimes penalises alpha in time units where the oldest customer has age 1
    pen_scale = np.array([1.0, 1.0 / max(float(age.max()), 1e-300), 1.0, 1.0])
    x_u, inv = np.unique(x, return_inverse=True)
    inv = inv.ravel()
    n_u = x_u.shape[0]
    pos_u = x_u > 0
    pos = x > 0
    # customers with x > 0 are the only ones with the A4 term: work on that subset
    inv_p, t_x_p, w_p = inv[pos], t_x[pos], w[pos]
    wx = np.bincount(inv, weights=w, minlength=n_u)

    def objective(u: np.ndarray) -> tuple[float, np.ndarray]:
        theta = np.exp(u)
        r, alpha, a, b = theta
        rx_u = r + x_u
        bx1_u = np.where(pos_u, b + x_u - 1.0, 1.0)
        c4_u = np.log(a) - np.log(bx1_u)
        log_at = np.log(alpha + age)
        log_atx = np.log(alpha + t_x_p)
        rx_p = rx_u[inv_p]
        a3 = -rx_u[inv] * log_at
        d = c4_u[inv_p] - rx_p * log_atx - a3[pos]  # A4 - A3 on the x > 0 subset
        s = np.exp(-np.abs(d))
        mix_extra = np.maximum(d, 0.0) + np.log1p(s)  # ln(1 + exp(d))
        const = -special.gammaln(r) + r * np.log(alpha) - special.betaln(a, b)
        c1_u = special.gammaln(rx_u) + special.betaln(a, b + x_u)
        ll_sum = _dot(wx, c1_u) + _dot(w, a3) + _dot(w_p, mix_extra) + const * w_total
        pen_theta = theta * pen_scale
        f = -ll_sum / w_total + penalizer * _dot(pen_theta, pen_theta)
        if not np.isfinite(f):
            return 1e300, np.zeros(4)
        # posterior weights of the two likelihood branches (w3 + w4 = 1; w4 = 0 when x = 0)
        w4_p = np.where(d > 0, 1.0, s) / (1.0 + s)
        ww4 = w_p * w4_p
        inv_age = 1.0 / (alpha + age)
        psi_ab, psi_abx_u = special.digamma(a + b), special.digamma(a + b + x_u)
        w4x = np.bincount(inv_p, weights=ww4, minlength=n_u)
        # sum_i w_i w3_i g(T_i) = sum_i w_i g(T_i) - sum_{x>0} w_i w4_i g(T_i)
        log_at_p, inv_age_p = log_at[pos], inv_age[pos]
        d_r = (
            _dot(wx, special.digamma(rx_u))
            + w_total * (np.log(alpha) - special.digamma(r))
            - _dot(w, log_at)
            + _dot(ww4, log_at_p)
            - _dot(ww4, log_atx)
        )
        rxw = w * rx_u[inv]
        d_alpha = (
            w_total * r / alpha
            - _dot(rxw, inv_age)
            + _dot(ww4 * rx_p, inv_age_p)
            - _dot(ww4 * rx_p, 1.0 / (alpha + t_x_p))
        )
        d_a = _dot(wx, psi_ab - psi_abx_u) + w4x.sum() / a
        d_b = _dot(wx, special.digamma(b + x_u) - special.digamma(b) + psi_ab - psi_abx_u)
        d_b -= _dot(w4x, 1.0 / bx1_u)
        grad_ll = np.array([d_r, d_alpha, d_a, d_b])
        grad = -grad_ll / w_total * theta + 2.0 * penalizer * pen_theta * pen_theta
        return f, grad

    return objective


def fit_bgnbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    penalizer: float = 0.0,
) -> dict[str, float]:
    """Fit the BG/NBD model by maximum likelihood.

    Individual likelihood (Fader, Hardie & Lee 2005a, eq. 6), with ``B`` the beta function:

    .. math::

        L_i = \\frac{B(a, b+x)}{B(a, b)} \\frac{\\Gamma(r+x)\\,\\alpha^r}{\\Gamma(r)
              (\\alpha+T)^{r+x}}
            + \\delta_{x>0} \\frac{B(a+1, b+x-1)}{B(a, b)}
              \\frac{\\Gamma(r+x)\\,\\alpha^r}{\\Gamma(r)(\\alpha+t_x)^{r+x}}

    evaluated in log space (``gammaln``/``betaln``/``logaddexp``, as recommended by Fader &
    Hardie 2013, note 027, to avoid the #NUM! overflow). ``LL = sum_i w_i ln L_i`` is maximised
    over ``log(r, alpha, a, b)`` with L-BFGS-B and the analytic gradient, from several starts;
    the best optimum is returned. Identical customers are collapsed into weights first.

    Parameters
    ----------
    frequency, recency, T
        Repeat purchases ``x``, time of last purchase ``t_x`` and age ``T`` (same time unit).
    weights
        Optional non-negative multiplicity of each row (e.g. number of customers in a cohort cell).
    penalizer
        L2 penalty as in ``lifetimes`` (``penalizer_coef``): the minimised objective is
        ``-LL / sum(w) + penalizer * (r^2 + (alpha / max T)^2 + a^2 + b^2)`` (alpha measured in
        units of the oldest customer's age, so the penalty does not depend on the time unit).
        0 (default) gives the plain MLE.

    Returns
    -------
    dict
        ``r``, ``alpha``, ``a``, ``b`` and ``loglik`` (the un-penalised total log-likelihood
        ``LL`` at the optimum; -9582.4 for the CDNOW sample in FHL 2005a).

    Raises
    ------
    ValueError
        On negative/NaN values, non-integer frequency, ``recency > T``, ``recency > 0`` with
        ``frequency == 0``, length mismatches, empty input, or no repeat purchases at all.
    """
    x, t_x, age = _check_rfm(frequency, recency, T)
    x, t_x, age = (np.atleast_1d(v) for v in (x, t_x, age))
    w = _weights(weights, x.shape[0])
    if penalizer < 0 or not np.isfinite(penalizer):
        raise ValueError("penalizer must be a finite non-negative number")
    if not np.any((x > 0) & (w > 0)):
        raise ValueError(
            "no repeat purchases (all frequency 0): the BG/NBD model is not identified"
        )
    (x, t_x, age), w = _compress([x, t_x, age], w)
    objective = _bgnbd_objective(x, t_x, age, w, float(penalizer))

    # Starting values: alpha is a time scale, so anchor it on the observed purchase rate.
    rate = max(_dot(w, x) / _dot(w, np.maximum(age, 1e-12)), 1e-6)
    starts = [(1.0, 1.0, 1.0), (0.5, 0.5, 2.0), (2.0, 2.0, 5.0), (0.25, 1.0, 3.0)]
    best = None
    for r0, a0, b0 in starts:
        u0 = np.log([r0, r0 / rate, a0, b0])
        res = optimize.minimize(
            objective,
            u0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(u - 30.0, u + 30.0) for u in u0],
            options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10},
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    theta = np.exp(best.x)
    loglik = _dot(w, _bgnbd_loglik_terms(theta, x, t_x, age))
    out = {k: float(v) for k, v in zip(_BG_KEYS, theta, strict=True)}
    out["loglik"] = loglik
    return out


def _h_term(a: float, b: float, r: float, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Return ``[1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)] / (a-1)``, computed stably.

    Euler's transformation ``2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z)`` (Abramowitz &
    Stegun 15.3.3) turns the bracket into ``1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)``, whose
    hypergeometric factor stays bounded as ``z -> 1`` (it no longer overflows for large ``x``).
    ``scipy.special.hyp2f1`` evaluates it (it converges for ``0 <= z < 1``, which always holds
    here). The expression has a removable 0/0 singularity at ``a = 1``; for ``|a-1| < 1e-6`` it is
    evaluated by linear interpolation between ``a = 1 -/+ 1e-4`` (error O(1e-8) relative).
    """
    if abs(a - 1.0) < _A_ONE_EPS:
        lo = _h_term(1.0 - _A_ONE_STEP, b, r, x, z)
        hi = _h_term(1.0 + _A_ONE_STEP, b, r, x, z)
        frac = (a - (1.0 - _A_ONE_STEP)) / (2.0 * _A_ONE_STEP)
        return lo + frac * (hi - lo)
    hyp = special.hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
    log1mz = np.log1p(-z)
    # 1 - (1-z)^(a-1) * hyp  =  -expm1((a-1) ln(1-z)) - (1-z)^(a-1) (hyp - 1)
    bracket = -np.expm1((a - 1.0) * log1mz) - np.exp((a - 1.0) * log1mz) * (hyp - 1.0)
    return bracket / (a - 1.0)


_CONCENTRATED = 500.0  # a + b + x above which the Beta mixing weight is integrated in log space


def _expected_if_alive_quad(
    r: float, alpha: float, a: float, b: float, x: float, age: float, t: float
) -> float:
    """``E[Y(t) | alive at T, x]`` by adaptive quadrature over ``p ~ Beta(a, b + x)``.

    Given alive, the posterior is ``lambda ~ Gamma(r + x, alpha + T)`` independent of
    ``p ~ Beta(a, b + x)`` and ``E[Y(t) | lambda, p] = (1 - exp(-lambda p t)) / p`` (FHL 2005a,
    section 3), so ``E = E_p[(1 - (1 + p t / (alpha + T))^-(r + x)) / p]``. QUADPACK's QAWS rule
    handles the Beta weight's endpoint singularities (``scipy.integrate.quad(weight="alg")``).
    """
    tau = t / (alpha + age)
    n = r + x

    def f(p: float) -> float:
        return -np.expm1(-n * np.log1p(p * tau)) / p if p > 0 else n * tau

    bb = b + x
    if a + bb > _CONCENTRATED:
        # A very concentrated Beta: QAWS's weight p^(a-1) (1-p)^(b-1) underflows. Integrate
        # f x Beta pdf (in log space) over mean +/- 40 sd, where all but ~1e-300 of the mass is.
        mean = a / (a + bb)
        sd = np.sqrt(a * bb / ((a + bb) ** 2 * (a + bb + 1.0)))
        lo, hi = max(0.0, mean - 40.0 * sd), min(1.0, mean + 40.0 * sd)
        log_norm = special.betaln(a, bb)

        def g(p: float) -> float:
            if p <= 0.0 or p >= 1.0:
                return 0.0
            return f(p) * np.exp((a - 1.0) * np.log(p) + (bb - 1.0) * np.log1p(-p) - log_norm)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            val = integrate.quad(g, lo, hi, points=[mean], epsabs=0.0, epsrel=1e-10, limit=200)[0]
        return float(val)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        val = integrate.quad(
            f,
            0.0,
            1.0,
            weight="alg",
            wvar=(a - 1.0, b + x - 1.0),
            epsabs=0.0,
            epsrel=1e-10,
            limit=200,
        )[0]
    return float(val / np.exp(special.betaln(a, b + x)))


def _expected_if_alive(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: np.ndarray,
    age: np.ndarray,
    t: np.ndarray,
) -> np.ndarray:
    """``E[Y(t) | alive, x, T] = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(...)]``.

    The closed form (FHL 2005a eq. 10 numerator) is evaluated with ``_h_term``. ``hyp2f1`` can
    fail (NaN/inf) for large parameters with the argument near 1; any value that is non-finite or
    outside the exact bounds ``0 <= E <= (r+x) t / (alpha+T)`` is recomputed by quadrature
    (``_expected_if_alive_quad``), which agrees with the closed form to ~1e-12 where both work.
    """
    x, age, t = np.broadcast_arrays(x, age, t)
    z = t / (alpha + age + t)
    with np.errstate(all="ignore"):
        out = np.asarray((a + b + x - 1.0) * _h_term(a, b, r, x, z), dtype=float)
    upper = (r + x) * t / (alpha + age)
    bad = ~np.isfinite(out) | (out < -1e-12 * upper) | (out > upper * (1.0 + 1e-9))
    if np.any(bad):
        out = np.array(out, dtype=float, copy=True)
        flat_out = out.reshape(-1)
        for i in np.flatnonzero(bad.reshape(-1)):
            xi, ai, ti = x.reshape(-1)[i], age.reshape(-1)[i], t.reshape(-1)[i]
            flat_out[i] = _expected_if_alive_quad(r, alpha, a, b, xi, ai, ti)
    return np.clip(out, 0.0, None)


def prob_alive(
    params: Mapping[str, float] | Sequence[float],
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> Any:
    """Probability that a customer is still active ("alive") at ``T`` under the BG/NBD model.

    Fader, Hardie & Lee (2005a, eq. 10 denominator) and Fader & Hardie (2008, note 021):

    .. math::

        P(\\text{alive} \\mid x, t_x, T) = \\left[1 + \\delta_{x>0} \\frac{a}{b+x-1}
            \\left(\\frac{\\alpha+T}{\\alpha+t_x}\\right)^{r+x}\\right]^{-1}

    computed as ``expit(-log term)``. Convention: a customer with ``x = 0`` repeat purchases has
    P(alive) = 1 exactly, because in the BG/NBD model dropout can only happen immediately after a
    *repeat* purchase (FHL 2005a assumption iv as implemented by the likelihood), so someone who
    never re-purchased cannot have dropped out. This is the same convention as ``lifetimes``.

    Returns a float for scalar input, a Series if any input is a Series, else an ndarray.
    """
    r, alpha, a, b = _params(params, _BG_KEYS)
    x, t_x, age = _check_rfm(frequency, recency, T)
    log_term = (
        np.log(a)
        - np.log(b + np.maximum(x, 1.0) - 1.0)
        + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
    )
    p = np.where(x > 0, special.expit(-log_term), 1.0)
    return _wrap(np.asarray(p), _index_of(frequency, recency, T), "prob_alive")


def expected_purchases(
    params: Mapping[str, float] | Sequence[float],
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> Any:
    """Conditional expected number of repeat purchases in ``(T, T + t]`` given the history.

    Fader, Hardie & Lee (2005a, eq. 10):

    .. math::

        E[Y(t) \\mid x, t_x, T] = \\frac{a+b+x-1}{a-1}
            \\frac{1 - \\left(\\frac{\\alpha+T}{\\alpha+T+t}\\right)^{r+x}
                   {}_2F_1\\left(r+x, b+x; a+b+x-1; \\frac{t}{\\alpha+T+t}\\right)}
                  {1 + \\delta_{x>0} \\frac{a}{b+x-1}
                   \\left(\\frac{\\alpha+T}{\\alpha+t_x}\\right)^{r+x}}

    i.e. ``prob_alive * (a+b+x-1) * h`` with ``h`` the hypergeometric bracket over ``(a-1)``
    evaluated after Euler's transformation (see ``_h_term``; ``scipy.special.hyp2f1`` converges
    since the argument lies in ``[0, 1)``). Where ``hyp2f1`` breaks down (NaN/inf or a value
    outside the exact bounds, e.g. very large ``x`` with ``t >> alpha + T``) the same quantity is
    computed from its integral form ``E_p[(1 - (1 + p t/(alpha+T))^-(r+x)) / p]`` with
    ``p ~ Beta(a, b+x)`` by quadrature. ``t`` broadcasts against the customers.
    """
    r, alpha, a, b = _params(params, _BG_KEYS)
    x, t_x, age = _check_rfm(frequency, recency, T)
    horizon = _to_array("t", t)
    x, t_x, age, horizon = _broadcast(frequency=x, recency=t_x, T=age, t=horizon)
    alive = np.asarray(prob_alive((r, alpha, a, b), x, t_x, age))
    out = alive * _expected_if_alive(r, alpha, a, b, x, age, horizon)
    return _wrap(np.asarray(out), _index_of(frequency, recency, T, t), "expected_purchases")


def expected_purchases_new(params: Mapping[str, float] | Sequence[float], t: ArrayLike) -> Any:
    """Expected number of repeat purchases in ``(0, t]`` for a new (randomly chosen) customer.

    Fader, Hardie & Lee (2005a, eq. 9; the unconditional mean of X(t)):

    .. math::

        E[X(t)] = \\frac{a+b-1}{a-1}\\left[1 - \\left(\\frac{\\alpha}{\\alpha+t}\\right)^r
                  {}_2F_1\\left(r, b; a+b-1; \\frac{t}{\\alpha+t}\\right)\\right]

    evaluated with the same Euler-transformed, singularity-safe bracket (and quadrature
    fallback) as ``expected_purchases``.
    """
    r, alpha, a, b = _params(params, _BG_KEYS)
    horizon = _to_array("t", t)
    zeros = np.zeros_like(horizon)
    out = _expected_if_alive(r, alpha, a, b, zeros, zeros, horizon)
    return _wrap(np.asarray(out), _index_of(t), "expected_purchases")


def simulate_bgnbd(
    params: Mapping[str, float] | Sequence[float],
    n: int,
    T: ArrayLike,
    rng: np.random.Generator | int,
    *,
    t_holdout: float | None = None,
) -> pd.DataFrame:
    """Simulate ``n`` customers from the BG/NBD model (Fader, Hardie & Lee 2005a, assumptions i-v).

    Each customer draws ``lambda ~ Gamma(r, rate=alpha)`` and ``p ~ Beta(a, b)``; repeat purchases
    follow a Poisson process with rate ``lambda`` from the first purchase at time 0, and after
    each repeat purchase the customer drops out with probability ``p``. Equivalently (exact and
    vectorised): the number of purchases made before dropout is ``J ~ Geometric(p)`` on
    {1, 2, ...}, ``N ~ Poisson(lambda T)`` and ``x = min(J, N)``; given ``N`` the purchase times are
    uniform order statistics on ``[0, T]``, so ``t_x = T * Beta(x, N - x + 1)``.

    Parameters
    ----------
    params
        ``r``, ``alpha``, ``a``, ``b`` (mapping or sequence in that order).
    n
        Number of customers.
    T
        Age of each customer: scalar or array of length ``n``.
    rng
        A seeded ``numpy.random.Generator`` (or an int seed for one).
    t_holdout
        If given, also simulate the number of repeat purchases in ``(T, T + t_holdout]``
        (column ``frequency_holdout``) for validating forecasts.

    Returns
    -------
    DataFrame
        ``frequency``, ``recency``, ``T``, the latent ``lambda`` and ``p``, and ``alive`` (whether
        the customer has not dropped out by ``T``), plus ``frequency_holdout`` if requested.
    """
    r, alpha, a, b = _params(params, _BG_KEYS)
    if int(n) != n or n <= 0:
        raise ValueError("n must be a positive integer")
    n = int(n)
    gen = _generator(rng)
    age = _to_array("T", T)
    if age.ndim == 1 and age.shape[0] != n:
        raise ValueError(f"length mismatch: T={age.shape[0]}, n={n}")
    age = np.broadcast_to(age, (n,)).astype(float)
    lam = gen.gamma(shape=r, scale=1.0 / alpha, size=n)
    p = gen.beta(a, b, size=n)
    # numpy's geometric is on {1, 2, ...}; guard p -> 0 (would overflow the int64 draw).
    jumps = gen.geometric(np.maximum(p, 1e-15))
    n_cal = gen.poisson(lam * age)
    x = np.minimum(jumps, n_cal)
    t_x = np.zeros(n)
    has = x > 0
    t_x[has] = age[has] * gen.beta(x[has], n_cal[has] - x[has] + 1)
    out = pd.DataFrame(
        {
            "frequency": x.astype(np.int64),
            "recency": t_x,
            "T": age,
            "lambda": lam,
            "p": p,
            "alive": jumps > n_cal,
        }
    )
    if t_holdout is not None:
        if t_holdout < 0:
            raise ValueError("t_holdout must be non-negative")
        n_hold = gen.poisson(lam * float(t_holdout))
        out["frequency_holdout"] = (np.minimum(jumps, n_cal + n_hold) - x).astype(np.int64)
    return out


# --------------------------------------------------------------------------------------------
# Gamma-Gamma
# --------------------------------------------------------------------------------------------
def _check_spend(frequency: ArrayLike, monetary: ArrayLike) -> list[np.ndarray]:
    """Validate (frequency, monetary) and return broadcast float arrays."""
    x = _to_array("frequency", frequency)
    m = _to_array("monetary", monetary)
    x, m = _broadcast(frequency=x, monetary=m)
    if np.any(x != np.round(x)):
        raise ValueError("frequency must be integer-valued (number of repeat purchases)")
    return [x, m]


def _gg_loglik_terms(
    theta: np.ndarray, x: np.ndarray, m: np.ndarray, *, grad: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-customer Gamma-Gamma log density of the average spend and its gradient in (p, q, gamma).

    ln f = lnG(px+q) - lnG(px) - lnG(q) + q ln(gamma) + px ln(x) + (px-1) ln(m)
           - (px+q) ln(gamma + x m)
    """
    p, q, gam = theta
    px = p * x
    log_xm = np.log(gam + x * m)
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gam)
        + px * np.log(x)
        + (px - 1.0) * np.log(m)
        - (px + q) * log_xm
    )
    if not grad:
        return ll, None
    psi_pq = special.digamma(px + q)
    d_p = x * (psi_pq - special.digamma(px) + np.log(x) + np.log(m) - log_xm)
    d_q = psi_pq - special.digamma(q) + np.log(gam) - log_xm
    d_g = q / gam - (px + q) / (gam + x * m)
    return ll, np.vstack([d_p, d_q, d_g])


def fit_gamma_gamma(
    frequency: ArrayLike,
    monetary: ArrayLike,
    *,
    weights: ArrayLike | None = None,
) -> dict[str, float]:
    """Fit the Gamma-Gamma model of average transaction value by maximum likelihood.

    Model (Fader, Hardie & Lee 2005b; Fader & Hardie 2013, note 025): individual transaction
    values are ``Gamma(p, nu)`` and ``nu ~ Gamma(q, gamma)`` across customers, so the average
    ``m`` of ``x`` transactions has the marginal density derived in note 025:

    .. math::

        f(m \\mid p, q, \\gamma, x) = \\frac{\\Gamma(px+q)}{\\Gamma(px)\\Gamma(q)}
            \\frac{\\gamma^q\\, x^{px}\\, m^{px-1}}{(\\gamma + x m)^{px+q}}

    ``LL = sum_i w_i ln f_i`` over customers with ``frequency > 0`` (rows with frequency 0 carry
    no spend information and are dropped) is maximised over ``log(p, q, gamma)`` with L-BFGS-B and
    the analytic gradient. ``monetary`` is the mean value of the *repeat* transactions.

    Returns
    -------
    dict
        ``p``, ``q``, ``gamma`` and ``loglik`` (total LL of the full density above, Jacobian
        terms included; CDNOW published estimates: p=6.25, q=3.74, gamma=15.44).
    """
    x, m = _check_spend(frequency, monetary)
    x, m = np.atleast_1d(x), np.atleast_1d(m)
    w = _weights(weights, x.shape[0])
    use = (x > 0) & (w > 0)
    if not np.any(use):
        raise ValueError("no customers with frequency > 0 to fit the Gamma-Gamma model")
    if np.any(m[use] <= 0):
        raise ValueError("monetary must be positive for customers with frequency > 0")
    x, m, w = x[use], m[use], w[use]
    w_total = float(w.sum())

    def objective(u: np.ndarray) -> tuple[float, np.ndarray]:
        theta = np.exp(u)
        ll, g = _gg_loglik_terms(theta, x, m, grad=True)
        f = -_dot(w, ll) / w_total
        if not np.isfinite(f):
            return 1e300, np.zeros(3)
        return f, -(g * w).sum(axis=1) / w_total * theta

    # Method-of-moments-flavoured start: E[m] ~ p gamma / (q - 1).
    mean_m = _dot(w, m) / w_total
    best = None
    for p0, q0 in [(1.0, 2.0), (5.0, 4.0), (2.0, 10.0)]:
        u0 = np.log([p0, q0, mean_m * (q0 - 1.0) / p0])
        res = optimize.minimize(
            objective,
            u0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(u - 30.0, u + 30.0) for u in u0],
            options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10},
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    theta = np.exp(best.x)
    out = {k: float(v) for k, v in zip(_GG_KEYS, theta, strict=True)}
    out["loglik"] = _dot(w, _gg_loglik_terms(theta, x, m, grad=False)[0])
    return out


def expected_spend(
    gg_params: Mapping[str, float] | Sequence[float],
    frequency: ArrayLike,
    monetary: ArrayLike,
) -> Any:
    """Conditional expected average transaction value given ``x`` purchases averaging ``m``.

    Fader & Hardie (2013, note 025; FHL 2005b, spend sub-model):

    .. math::

        E[M \\mid p, q, \\gamma, m, x] = \\frac{p(\\gamma + x m)}{px + q - 1}
            = \\frac{q-1}{px+q-1}\\frac{p\\gamma}{q-1} + \\frac{px}{px+q-1} m

    a weighted average of the population mean ``p gamma / (q - 1)`` and the observed mean. For
    ``x = 0`` it is the population mean (``monetary`` is ignored). Requires ``q > 1`` for the
    population mean to exist; otherwise a ValueError is raised.
    """
    p, q, gam = _params(gg_params, _GG_KEYS)
    if q <= 1:
        raise ValueError("expected spend requires q > 1 (population mean p*gamma/(q-1))")
    x, m = _check_spend(frequency, monetary)
    out = p * (gam + x * m) / (p * x + q - 1.0)
    return _wrap(np.asarray(out), _index_of(frequency, monetary), "expected_spend")


def simulate_gamma_gamma(
    params: Mapping[str, float] | Sequence[float],
    frequency: ArrayLike,
    rng: np.random.Generator | int,
) -> np.ndarray:
    """Simulate each customer's average repeat-transaction value under the Gamma-Gamma model.

    For every customer ``nu ~ Gamma(q, rate=gamma)`` and, since the sum of ``x`` independent
    ``Gamma(p, rate=nu)`` values is ``Gamma(px, rate=nu)``, the average is drawn exactly as
    ``m ~ Gamma(px, rate=nu x)`` (Fader & Hardie 2013, note 025). Customers with ``x = 0`` get
    ``m = 0`` (the ``lifetimes`` convention).
    """
    p, q, gam = _params(params, _GG_KEYS)
    x = np.atleast_1d(_to_array("frequency", frequency))
    if np.any(x != np.round(x)):
        raise ValueError("frequency must be integer-valued (number of repeat purchases)")
    gen = _generator(rng)
    nu = gen.gamma(shape=q, scale=1.0 / gam, size=x.shape[0])
    out = np.zeros(x.shape[0])
    pos = x > 0
    out[pos] = gen.gamma(shape=p * x[pos], scale=1.0 / (nu[pos] * x[pos]))
    return out


# --------------------------------------------------------------------------------------------
# lifetime value
# --------------------------------------------------------------------------------------------
def customer_lifetime_value(
    bg_params: Mapping[str, float] | Sequence[float],
    gg_params: Mapping[str, float] | Sequence[float],
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary: ArrayLike,
    *,
    horizon: float,
    discount_rate: float,
    step: float = 1.0,
) -> Any:
    """Discounted expected value of each customer's purchases over the next ``horizon``.

    Discounted-cash-flow sum of BG/NBD expected purchases per period (FHL 2005a eq. 10) times
    the Gamma-Gamma expected spend, in discrete periods exactly as ``lifetimes``
    ``customer_lifetime_value`` (FHL 2005b use the continuous-discounting analogue, DERT):

    .. math::

        CLV = E[M \\mid x, m] \\sum_{k=1}^{K}
              \\frac{E[Y(t_k) \\mid x, t_x, T] - E[Y(t_{k-1}) \\mid x, t_x, T]}
                   {(1 + d)^{t_k / \\text{step}}},
        \\quad t_k = \\min(k\\,\\text{step}, \\text{horizon}),\\ K = \\lceil
        \\text{horizon}/\\text{step} \\rceil

    ``horizon`` and ``step`` are in the time unit of ``T``; ``discount_rate`` ``d`` is per
    ``step``. To reproduce ``lifetimes`` (``time`` months, data in weeks) use
    ``step=4.345, horizon=time * 4.345``.
    """
    if not np.isfinite(horizon) or horizon <= 0:
        raise ValueError("horizon must be positive")
    if not np.isfinite(step) or step <= 0:
        raise ValueError("step must be positive")
    if not np.isfinite(discount_rate) or discount_rate <= -1:
        raise ValueError("discount_rate must be > -1")
    spend = np.asarray(expected_spend(gg_params, frequency, monetary), dtype=float)
    n_steps = int(np.ceil(horizon / step - 1e-12))
    total: np.ndarray | float = 0.0
    previous: np.ndarray | float = 0.0
    for k in range(1, n_steps + 1):
        t_k = min(k * step, horizon)
        cumulative = np.asarray(expected_purchases(bg_params, t_k, frequency, recency, T))
        total = total + (cumulative - previous) / (1.0 + discount_rate) ** (t_k / step)
        previous = cumulative
    out = spend * np.asarray(total)
    return _wrap(np.asarray(out), _index_of(frequency, recency, T, monetary), "clv")


def simple_ltv(aov: ArrayLike, repeat_purchases: ArrayLike, referred_users: ArrayLike = 1.0) -> Any:
    """Back-of-the-envelope lifetime value: ``LTV = AOV x repeat purchases x referred users``.

    The product brief's heuristic formula (average order value times the expected number of
    purchases per customer times the number of users each customer brings, 1 = no referrals).
    Element-wise for arrays; a float for scalars.
    """
    values = _broadcast(
        aov=_to_array("aov", aov),
        repeat_purchases=_to_array("repeat_purchases", repeat_purchases),
        referred_users=_to_array("referred_users", referred_users),
    )
    out = values[0] * values[1] * values[2]
    return _wrap(np.asarray(out), _index_of(aov, repeat_purchases, referred_users), "ltv")


def ltv_cac_ratio(ltv: ArrayLike, cac: ArrayLike) -> Any:
    """Ratio of lifetime value to customer acquisition cost, ``LTV / CAC``.

    A common unit-economics health check (rule of thumb: > 3 healthy, < 1 loses money).
    ``cac`` must be strictly positive; ``ltv`` may be any finite number.
    """
    ltv_arr = np.asarray(ltv, dtype=float)
    cac_arr = np.asarray(cac, dtype=float)
    if ltv_arr.size == 0 or cac_arr.size == 0:
        raise ValueError("ltv and cac must be non-empty")
    if not (np.all(np.isfinite(ltv_arr)) and np.all(np.isfinite(cac_arr))):
        raise ValueError("ltv and cac must be finite")
    if np.any(cac_arr <= 0):
        raise ValueError("cac must be positive")
    if ltv_arr.ndim > 1 or cac_arr.ndim > 1:
        raise ValueError("ltv and cac must be scalars or one-dimensional")
    ltv_arr, cac_arr = _broadcast(ltv=ltv_arr, cac=cac_arr)
    return _wrap(np.asarray(ltv_arr / cac_arr), _index_of(ltv, cac), "ltv_cac_ratio")
