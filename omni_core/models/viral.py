"""Viral growth: K-factor, referral cascades as a Galton-Watson branching process, extinction.

A referral cascade is modelled as a Galton-Watson branching process: generation 0 are the seed
users, and every user of generation ``g`` independently brings ``xi`` converted users into
generation ``g + 1``. The offspring count ``xi`` is negative binomial with mean ``k`` (the viral
coefficient, K-factor) and dispersion ``r`` (variance ``k + k^2 / r``; ``r = inf`` is Poisson).
Small ``r`` means "superspreader" heterogeneity: most users invite nobody, a few invite many
(Lloyd-Smith, Schreiber, Kopp & Getz 2005, *Nature* 438, 355-359).

References
----------
- Harris, T. E. (1963). *The Theory of Branching Processes*. Springer (ch. I).
- Athreya, K. B. & Ney, P. E. (1972). *Branching Processes*. Springer (ch. I.3-I.5).
- Lloyd-Smith, J. O. et al. (2005). Superspreading and the effect of individual variation on
  disease emergence. *Nature* 438, 355-359 (negative-binomial offspring, extinction).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

__all__ = [
    "expected_generation_sizes",
    "expected_second_degree_conversion",
    "extinction_probability",
    "k_factor",
    "second_degree_conversion",
    "simulate_cascade",
]

ArrayLike = Any
_POP_LIMIT = 1e15  # beyond this a generation size can no longer be drawn exactly


def _generator(rng: np.random.Generator | int) -> np.random.Generator:
    """Return a ``Generator``: pass one through or seed one from an int; refuse unseeded None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, bool) or not isinstance(rng, int | np.integer):
        raise ValueError("rng must be a seeded numpy.random.Generator or an int seed")
    return np.random.default_rng(int(rng))


def _nonneg(name: str, value: ArrayLike) -> np.ndarray:
    """Finite, non-negative float array (0-d or 1-d), non-empty."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a scalar or one-dimensional")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative")
    return arr


def _is_rate(conversions: ArrayLike, arr: np.ndarray) -> bool:
    """Whether ``conversions`` is to be read as conversion rate(s) rather than count(s)."""
    dtype = np.asarray(conversions).dtype
    if not np.issubdtype(dtype, np.floating):
        return False
    return bool(np.all(arr < 1.0) and np.any(arr != np.round(arr)))


def k_factor(invites: ArrayLike, conversions: ArrayLike, original_users: ArrayLike) -> float:
    """Viral coefficient ``K = invites x conversion rate / original users``.

    .. math:: K = \\frac{\\sum_i \\text{invites}_i \\cdot c_i}{\\sum_j \\text{original\\_users}_j}

    where ``c_i`` is the invite conversion rate (product brief's definition; K > 1 means each
    cohort recruits a larger one and growth is self-propagating, good referral campaigns reach
    1.2-1.5). Arrays (e.g. per channel) are summed.

    How ``conversions`` is read (exact rule):

    - **Rate**: if it is a float (Python float or floating-dtype array) whose values all lie in
      ``[0, 1)`` and at least one value is not integer-valued (e.g. ``0.25``), it is the
      conversion rate of each entry's invites: ``K = sum(invites * rate) / sum(original_users)``.
    - **Count** otherwise (ints, or integer-valued floats such as ``3.0`` or ``0.0``): the number of
      invitees who converted, so the rate is ``conversions / invites`` and
      ``K = sum(conversions) / sum(original_users)``. A count must not exceed its invites.
      (Counts 0 and rates 0.0 give the same K, so the ambiguity of zeros is harmless.)

    Raises ValueError for negative or non-finite inputs, a non-integer value >= 1 (neither a rate
    nor a count), counts above invites, shape mismatches, or ``sum(original_users) <= 0``.
    """
    inv = _nonneg("invites", invites)
    conv = _nonneg("conversions", conversions)
    users = _nonneg("original_users", original_users)
    if users.sum() <= 0:
        raise ValueError("original_users must be positive")
    if inv.ndim == 1 and conv.ndim == 1 and inv.shape != conv.shape:
        raise ValueError(f"length mismatch: invites={inv.shape[0]}, conversions={conv.shape[0]}")
    if _is_rate(conversions, conv):
        inv_b, rate_b = np.broadcast_arrays(inv, conv)
        return float(np.sum(inv_b * rate_b) / users.sum())
    if np.any(conv != np.round(conv)):
        raise ValueError(
            "conversions must be either counts (integers) or rates in [0, 1); got a "
            "non-integer value >= 1"
        )
    if inv.ndim == conv.ndim:  # matching entries: check each one
        too_many = bool(np.any(conv > inv))
    else:  # one total against per-entry values: check the totals
        too_many = bool(conv.sum() > inv.sum())
    if too_many:
        raise ValueError("conversions (a count) cannot exceed invites")
    return float(conv.sum() / users.sum())


def _check_offspring(k: float, dispersion: float) -> tuple[float, float]:
    """Validate mean ``k >= 0`` and dispersion ``r > 0`` (``inf`` allowed for Poisson)."""
    k = float(k)
    r = float(dispersion)
    if not np.isfinite(k) or k < 0:
        raise ValueError("k must be a finite non-negative number")
    if np.isnan(r) or r <= 0:
        raise ValueError("dispersion must be positive (use numpy.inf for Poisson offspring)")
    return k, r


def simulate_cascade(
    seed_users: int,
    k: float,
    dispersion: float,
    generations: int,
    rng: np.random.Generator | int,
    *,
    max_population: float | None = None,
    n_runs: int = 1,
) -> np.ndarray | pd.DataFrame:
    """Simulate a referral cascade as a Galton-Watson process with negative-binomial offspring.

    ``Z_0 = seed_users`` and ``Z_{g+1} = sum_{i=1}^{Z_g} xi_i`` with i.i.d.
    ``xi ~ NegBin(mean k, dispersion r)``: ``P(xi = j) = C(j+r-1, j) (r/(r+k))^r (k/(r+k))^j``,
    ``E xi = k``, ``Var xi = k + k^2/r``; ``r = inf`` gives ``Poisson(k)``. The sum is drawn
    exactly in one step per generation because a sum of ``Z`` i.i.d. NegBin(r, p) variables is
    NegBin(Z r, p) (and a sum of Poissons is Poisson). ``E[Z_g] = seed k^g``
    (``expected_generation_sizes``; Harris 1963, ch. I).

    Parameters
    ----------
    seed_users
        Generation-0 size (non-negative integer).
    k, dispersion
        Offspring mean and negative-binomial dispersion ``r`` (``numpy.inf`` = Poisson).
    generations
        Number of generations after the seed.
    rng
        Seeded ``numpy.random.Generator`` (or an int seed).
    max_population
        Optional market-saturation cap on the *cumulative* number of users (seed included): a
        generation is truncated so the cumulative total never exceeds it, after which growth
        stops. This biases extinction statistics; leave None to study the pure process.
    n_runs
        Number of independent cascades.

    Returns
    -------
    ndarray or DataFrame
        For ``n_runs == 1`` an int array of length ``generations + 1`` (new users per generation,
        generation 0 = seed). For ``n_runs > 1`` a DataFrame with one row per run (index ``run``)
        and one column per generation ``0..generations``.
    """
    k, r = _check_offspring(k, dispersion)
    if int(seed_users) != seed_users or seed_users < 0:
        raise ValueError("seed_users must be a non-negative integer")
    if int(generations) != generations or generations < 0:
        raise ValueError("generations must be a non-negative integer")
    if int(n_runs) != n_runs or n_runs < 1:
        raise ValueError("n_runs must be a positive integer")
    if max_population is not None and (np.isnan(max_population) or max_population < seed_users):
        raise ValueError("max_population must be >= seed_users")
    gen = _generator(rng)
    runs, n_gen = int(n_runs), int(generations)
    sizes = np.zeros((runs, n_gen + 1), dtype=np.int64)
    sizes[:, 0] = int(seed_users)
    total = sizes[:, 0].astype(float)
    current = sizes[:, 0].copy()
    p_success = r / (r + k) if np.isfinite(r) else 1.0
    for g in range(1, n_gen + 1):
        active = current > 0
        nxt = np.zeros(runs, dtype=np.int64)
        if k > 0 and active.any():
            if float(current.max()) * max(k, 1.0) > _POP_LIMIT:
                raise ValueError(
                    "cascade exceeds 1e15 users; lower k/generations or set max_population"
                )
            if np.isfinite(r):
                nxt[active] = gen.negative_binomial(current[active] * r, p_success)
            else:
                nxt[active] = gen.poisson(current[active] * k)
        if max_population is not None:
            room = np.maximum(np.floor(max_population - total), 0).astype(np.int64)
            nxt = np.minimum(nxt, room)
        sizes[:, g] = nxt
        total += nxt
        current = nxt
    if runs == 1:
        return sizes[0]
    frame = pd.DataFrame(sizes, columns=list(range(n_gen + 1)))
    frame.index.name = "run"
    frame.columns.name = "generation"
    return frame


def expected_generation_sizes(seed_users: float, k: float, generations: int) -> np.ndarray:
    """Closed-form expected cascade sizes ``E[Z_g] = seed_users * k^g`` for ``g = 0..generations``.

    Follows from ``E[Z_{g+1} | Z_g] = k Z_g`` (Harris 1963, ch. I); independent of the offspring
    dispersion.
    """
    if not np.isfinite(seed_users) or seed_users < 0:
        raise ValueError("seed_users must be non-negative")
    if not np.isfinite(k) or k < 0:
        raise ValueError("k must be a finite non-negative number")
    if int(generations) != generations or generations < 0:
        raise ValueError("generations must be a non-negative integer")
    return float(seed_users) * float(k) ** np.arange(int(generations) + 1, dtype=float)


def extinction_probability(k: float, dispersion: float, *, seed_users: int = 1) -> float:
    """Probability that a referral cascade eventually dies out.

    Galton-Watson extinction theorem (Harris 1963, ch. I, section 6; Athreya & Ney 1972, I.5): the
    extinction probability from one seed is the smallest root ``q`` in ``[0, 1]`` of
    ``q = G(q)``, with the offspring probability generating function

    .. math::

        G(s) = \\left(1 + \\frac{k}{r}(1 - s)\\right)^{-r}
        \\quad (\\text{Poisson, } r = \\infty:\\ G(s) = e^{k(s-1)}).

    ``q = 1`` when ``k <= 1`` (the critical/subcritical case, no zero-offspring corner case is
    possible here because ``P(xi = 0) > 0``). For ``k > 1`` the root is found with Brent's method
    on ``u = 1 - q`` using ``f(u) = (1 - G(1 - u)) / u - 1`` (evaluated with ``expm1``/``log1p``
    so that ``k`` close to 1 stays accurate). With ``seed_users`` independent seeds the cascade
    dies out with probability ``q ** seed_users``.
    """
    k, r = _check_offspring(k, dispersion)
    if int(seed_users) != seed_users or seed_users < 0:
        raise ValueError("seed_users must be a non-negative integer")
    if k <= 1.0:
        return 1.0

    def one_minus_g(u: float) -> float:
        """``1 - G(1 - u)`` computed without cancellation."""
        if np.isfinite(r):
            return -float(np.expm1(-r * np.log1p(k * u / r)))
        return -float(np.expm1(-k * u))

    def f(u: float) -> float:
        return one_minus_g(u) / u - 1.0

    u_lo = 1e-300
    if f(u_lo) <= 0:  # k numerically indistinguishable from 1
        return 1.0
    u = optimize.brentq(f, u_lo, 1.0, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
    q = 1.0 - u
    return float(q ** int(seed_users))


def second_degree_conversion(
    converted_invitees: ArrayLike, converted_invitees_with_conversion: ArrayLike
) -> float:
    """Share of converted invitees who themselves brought at least one converted invitee.

    .. math::

        \\text{second-degree conversion} =
        \\frac{\\#\\{\\text{invited users who converted and then referred} \\ge 1
        \\text{ converted user}\\}}{\\#\\{\\text{invited users who converted}\\}}

    i.e. among first-degree referral users (generation 1), the fraction that produced at least one
    generation-2 user. It measures whether the referral loop keeps going beyond the first hop;
    the product brief targets >= 15%. Arrays (e.g. per campaign) are summed. Raises ValueError if
    the numerator exceeds the denominator, on negatives, or if there are no converted invitees.
    """
    first = _nonneg("converted_invitees", converted_invitees)
    second = _nonneg("converted_invitees_with_conversion", converted_invitees_with_conversion)
    first_b, second_b = np.broadcast_arrays(first, second)
    if np.any(second_b > first_b):
        raise ValueError("converted_invitees_with_conversion cannot exceed converted_invitees")
    if first_b.sum() <= 0:
        raise ValueError("converted_invitees must be positive")
    return float(second_b.sum() / first_b.sum())


def expected_second_degree_conversion(k: float, dispersion: float) -> float:
    """Model-implied second-degree conversion: ``P(xi >= 1) = 1 - G(0)``.

    Under the negative-binomial offspring model a converted invitee brings at least one converted
    user with probability ``1 - (1 + k/r)^(-r)`` (``1 - exp(-k)`` for Poisson), the population
    counterpart of ``second_degree_conversion``. Strong over-dispersion (small ``r``) lowers it
    at a fixed ``k``.
    """
    k, r = _check_offspring(k, dispersion)
    if np.isfinite(r):
        return -float(np.expm1(-r * np.log1p(k / r)))
    return -float(np.expm1(-k))
