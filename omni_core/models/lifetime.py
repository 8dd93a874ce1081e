r"""Customer lifetime from visit histories: gamma-Poisson activity with an exponential lifetime.

Each customer visits as a Poisson process with rate :math:`\lambda` while alive and stays alive
for an exponential time with rate :math:`\mu` (mean lifetime :math:`1/\mu`); :math:`\lambda`
varies across customers as Gamma(:math:`r`, :math:`\alpha`) (shape, rate) and :math:`\mu` is
common to the group. This is the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987) with a
homogeneous dropout rate (the limit of its gamma-distributed :math:`\mu` with zero variance).

With ``x`` repeat visits after the first, the last at ``t_x`` and the observation ending at
``T`` (both measured from the first visit), the individual likelihood is (Fader & Hardie 2005,
eq. 1, "A note on deriving the Pareto/NBD model and related expressions")

.. math::

    L(\lambda, \mu \mid x, t_x, T) = \lambda^x e^{-(\lambda+\mu)T}
        + \mu \lambda^x \int_{t_x}^{T} e^{-(\lambda+\mu)\tau}\, d\tau ,

and integrating :math:`\lambda` over its gamma distribution, with
:math:`G(s) = \frac{\Gamma(r+x)}{\Gamma(r)} \frac{\alpha^r}{(\alpha+s)^{r+x}}`,

.. math::

    L(r, \alpha, \mu \mid x, t_x, T) = G(T)\, e^{-\mu T}
        + \mu \int_{t_x}^{T} e^{-\mu\tau}\, G(\tau)\, d\tau .

The integral is evaluated by Gauss-Legendre quadrature in :math:`z = \log(\alpha + \tau)`, which
makes the steep factor :math:`(\alpha+\tau)^{-(r+x)}` smooth. Parameters are fitted by maximum
likelihood on the log scale (L-BFGS-B); the confidence interval of the mean lifetime comes from
the observed information (numerical Hessian) of :math:`\log \mu`.

Because the exponential lifetime is memoryless, customers first seen during the window and
customers already alive before it are treated alike: the clock starts at the first observed
visit. The model assumes a steady visit rate; promotion peaks inside the window make its quieter
tail look like churn and shorten the fitted lifetimes (measured on the simulated world:
about -8 % for both groups, the member / non-member ratio unaffected).

References
----------
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are they
and what will they do next? *Management Science* 33(1), 1-24.
Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
expressions. http://brucehardie.com/notes/009/
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize, special

__all__ = ["fit_lifetime", "loglik", "simulate_histories"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(8)


def _check(x: Any, t_x: Any, T: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrs = [np.asarray(v, dtype=float).ravel() for v in (x, t_x, T)]
    x, t_x, T = arrs
    if not (len(x) == len(t_x) == len(T)):
        raise ValueError("x, t_x and T must have the same length")
    if len(x) == 0:
        raise ValueError("no visit histories to fit")
    if not all(np.isfinite(a).all() for a in arrs):
        raise ValueError("x, t_x and T must be finite")
    if (x < 0).any() or (x != np.round(x)).any():
        raise ValueError("x (repeat visits) must be non-negative integers")
    if (t_x < 0).any() or (T < t_x - 1e-9).any():
        raise ValueError("need 0 <= t_x <= T for every customer")
    return x, t_x, np.maximum(T, t_x)


def loglik(r: float, alpha: float, mu: float, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Per-customer log-likelihood :math:`\\log L(r, \\alpha, \\mu \\mid x, t_x, T)`."""
    x, t_x, T = _check(x, t_x, T)
    return _loglik(np.log([r, alpha, mu]), x, t_x, T)


def _loglik(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, a, mu = np.exp(theta)
    k = r + x
    base = special.gammaln(k) - special.gammaln(r) + r * np.log(a)
    log_alive = base - k * np.log(a + T) - mu * T
    lo, hi = np.log(a + t_x), np.log(a + T)
    half = (hi - lo) / 2.0
    z = (lo + half)[:, None] + half[:, None] * _NODES[None, :]
    tau = np.exp(z) - a
    # d tau = e^z dz, so the integrand in z is exp(-mu tau + (1 - k) z).
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = -mu * tau + (1.0 - k)[:, None] * z + np.log(_WEIGHTS)[None, :]
        terms = terms + np.log(half)[:, None]
        m = terms.max(axis=1)
        safe = np.where(np.isfinite(m), m, 0.0)
        log_int = safe + np.log(np.exp(terms - safe[:, None]).sum(axis=1))
    log_int = np.where(half > 0, log_int, -np.inf)
    log_dead = base + np.log(mu) + log_int
    return np.logaddexp(log_alive, log_dead)


def fit_lifetime(x: Any, t_x: Any, T: Any, *, level: float = 0.95) -> dict[str, float]:
    """Maximum-likelihood ``r``, ``alpha``, ``mu`` and the mean lifetime ``1/mu`` with its CI.

    ``x``: repeat visits, ``t_x``: time of the last visit, ``T``: observation length, both from
    the first visit (any time unit; ``alpha`` and ``mu`` are per that unit). Returns ``r``,
    ``alpha``, ``mu``, ``lifetime`` (= 1/mu), ``lifetime_low``/``lifetime_high`` (Wald interval
    on log mu at ``level``), ``se_log_mu``, ``loglik`` and ``n``.
    """
    x, t_x, T = _check(x, t_x, T)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    span = float(np.mean(T)) or 1.0
    rate = (float(np.mean(x)) + 1.0) / span

    def nll(theta: np.ndarray) -> float:
        if np.any(np.abs(theta) > 30):
            return 1e300
        return -float(_loglik(theta, x, t_x, T).sum())

    best = None
    for start_mu in (1.0 / span, 0.05 / span):  # the second start only if the first fails
        res = optimize.minimize(nll, np.log([1.0, 1.0 / rate, start_mu]), method="L-BFGS-B")
        if best is None or res.fun < best.fun:
            best = res
        if best.success:
            break
    theta = best.x
    r, a, mu = np.exp(theta)
    se = _se_log_mu(nll, theta)
    zc = float(special.ndtri(0.5 + level / 2.0))
    return {
        "r": float(r),
        "alpha": float(a),
        "mu": float(mu),
        "lifetime": float(1.0 / mu),
        "lifetime_low": float(np.exp(-theta[2] - zc * se)) if np.isfinite(se) else np.nan,
        "lifetime_high": float(np.exp(-theta[2] + zc * se)) if np.isfinite(se) else np.nan,
        "se_log_mu": float(se),
        "loglik": float(-best.fun),
        "n": int(len(x)),
    }


def _se_log_mu(nll: Any, theta: np.ndarray, h: float = 1e-3) -> float:
    """Standard error of log mu from the numerical Hessian of the negative log-likelihood."""
    n = len(theta)
    H = np.zeros((n, n))
    eye = np.eye(n) * h
    for i in range(n):
        for j in range(i, n):
            v = (
                nll(theta + eye[i] + eye[j])
                - nll(theta + eye[i] - eye[j])
                - nll(theta - eye[i] + eye[j])
                + nll(theta - eye[i] - eye[j])
            ) / (4 * h * h)
            H[i, j] = H[j, i] = v
    try:
        cov = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        return float("nan")
    var = cov[2, 2]
    return float(np.sqrt(var)) if var > 0 else float("nan")


def simulate_histories(
    n: int, r: float, alpha: float, mu: float, T: float, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Draw ``x``, ``t_x``, ``T`` of ``n`` customers first seen at time 0 (for known-truth tests).

    lambda ~ Gamma(r, rate alpha), lifetime ~ Exponential(mu), visits Poisson(lambda) while alive
    and before ``T``.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a seeded numpy.random.Generator")
    lam = rng.gamma(r, 1.0 / alpha, n)
    death = rng.exponential(1.0 / mu, n)
    end = np.minimum(death, T)
    x = rng.poisson(lam * end)
    # Given x events in [0, end], their times are uniform; the last one is end * U^(1/x).
    t_x = np.where(x > 0, end * rng.random(n) ** (1.0 / np.maximum(x, 1)), 0.0)
    return {"x": x.astype(float), "t_x": t_x, "T": np.full(n, float(T))}
