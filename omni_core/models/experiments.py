"""A/B-test statistics, sequential-peeking boundaries and Taguchi orthogonal-array experiments.

Covers the two-proportion z test and Welch's t test, power and sample size, multiple-variant
comparisons with Bonferroni/Holm/Benjamini-Hochberg corrections, the type I error inflation of
peeking with O'Brien-Fleming/Pocock group-sequential boundaries, and main-effects analysis of
Taguchi orthogonal arrays.

Conventions: group ``a`` is the control and ``b`` the treatment; every difference is
``b - a`` (treatment minus control) and tests are two-sided unless stated otherwise.

References
----------
- Fleiss, J. L., Levin, B. & Paik, M. C. (2003). *Statistical Methods for Rates and
  Proportions*, 3rd ed. Wiley (two-sample z test and sample size, chapter 4).
- Welch, B. L. (1947). The generalization of "Student's" problem when several different
  population variances are involved. *Biometrika* 34, 28-35.
- Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scand. J. Stat.* 6.
- Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B* 57.
- Armitage, P., McPherson, C. K. & Rowe, B. C. (1969). Repeated significance tests on
  accumulating data. *JRSS A* 132, 235-244.
- Pocock, S. J. (1977). Group sequential methods in the design and analysis of clinical trials.
  *Biometrika* 64, 191-199.
- O'Brien, P. C. & Fleming, T. R. (1979). A multiple testing procedure for clinical trials.
  *Biometrics* 35, 549-556.
- Lan, K. K. G. & DeMets, D. L. (1983). Discrete sequential boundaries for clinical trials.
  *Biometrika* 70, 659-663.
- Jennison, C. & Turnbull, B. W. (2000). *Group Sequential Methods with Applications to
  Clinical Trials*. Chapman & Hall (chapter 19: numerical computation).
- Taguchi, G. (1987). *System of Experimental Design*. UNIPUB/ASI; the arrays are identical to
  NIST/SEMATECH Dataplot's L4, L8, L9, L16 and (expanded) L18 files.
- Phadke, M. S. (1989). *Quality Engineering Using Robust Design*. Prentice Hall (ch. 5, S/N).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

__all__ = [
    "ab_n_test",
    "adjust_p_values",
    "main_effects",
    "obrien_fleming_boundaries",
    "orthogonal_array",
    "peeking_false_positive_rate",
    "peeking_warning",
    "pocock_boundaries",
    "power_two_proportions",
    "sample_size_two_proportions",
    "sequential_rejection_probability",
    "two_proportion_test",
    "welch_t_test",
    "welch_t_test_from_stats",
]

ArrayLike = Any


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _generator(rng: np.random.Generator | int) -> np.random.Generator:
    """Return a ``Generator``: pass one through or seed one from an int; refuse unseeded None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, bool) or not isinstance(rng, int | np.integer):
        raise ValueError("rng must be a seeded numpy.random.Generator or an int seed")
    return np.random.default_rng(int(rng))


def _check_alpha(alpha: float, name: str = "alpha") -> float:
    """Validate a probability strictly between 0 and 1."""
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"{name} must be in (0, 1), got {alpha}")
    return alpha


def _count(name: str, value: Any) -> int:
    """Validate a non-negative integer count (integer-valued floats are accepted)."""
    v = float(value)
    if not np.isfinite(v) or v < 0 or v != round(v):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(round(v))


def _z_crit(alpha: float) -> float:
    """Two-sided normal critical value ``z_{1 - alpha/2}``."""
    return float(special.ndtri(1.0 - alpha / 2.0))


# --------------------------------------------------------------------------------------------
# two-sample tests
# --------------------------------------------------------------------------------------------
def two_proportion_test(
    successes_a: int, n_a: int, successes_b: int, n_b: int, *, alpha: float = 0.05
) -> dict[str, float | bool]:
    """Two-sided two-sample z test for proportions with a Wald interval for ``p_b - p_a``.

    Fleiss, Levin & Paik (2003, section 4.2): with ``p = (s_a + s_b) / (n_a + n_b)``,

    .. math::

        z = \\frac{\\hat p_b - \\hat p_a}{\\sqrt{p(1-p)(1/n_a + 1/n_b)}},\\qquad
        p\\text{-value} = 2\\,\\Phi(-|z|)

    (pooled standard error under H0; ``z**2`` equals Pearson's chi-square of the 2x2 table
    without continuity correction, ``scipy.stats.chi2_contingency(..., correction=False)``, and
    ``z`` equals ``statsmodels`` ``proportions_ztest``). The confidence interval is the unpooled
    Wald interval

    .. math::

        (\\hat p_b - \\hat p_a) \\pm z_{1-\\alpha/2}
        \\sqrt{\\hat p_a(1-\\hat p_a)/n_a + \\hat p_b(1-\\hat p_b)/n_b}.

    If both groups are all-failures or all-successes the pooled SE is 0: then ``z = 0`` and
    ``p_value = 1``. ``lift = diff / p_a`` (relative uplift; NaN when ``p_a = 0``).

    Returns
    -------
    dict
        ``p_a``, ``p_b``, ``diff``, ``lift``, ``z``, ``p_value``, ``ci_low``, ``ci_high``,
        ``se_pooled``, ``se_unpooled``, ``alpha`` and ``significant`` (``p_value < alpha``).
    """
    alpha = _check_alpha(alpha)
    s_a, m_a = _count("successes_a", successes_a), _count("n_a", n_a)
    s_b, m_b = _count("successes_b", successes_b), _count("n_b", n_b)
    if m_a == 0 or m_b == 0:
        raise ValueError("n_a and n_b must be positive")
    if s_a > m_a or s_b > m_b:
        raise ValueError("successes cannot exceed the number of trials")
    p_a, p_b = s_a / m_a, s_b / m_b
    diff = p_b - p_a
    pooled = (s_a + s_b) / (m_a + m_b)
    se_pooled = float(np.sqrt(pooled * (1.0 - pooled) * (1.0 / m_a + 1.0 / m_b)))
    if se_pooled > 0:
        z = diff / se_pooled
        p_value = float(2.0 * special.ndtr(-abs(z)))
    else:
        z, p_value = 0.0, 1.0
    se_unpooled = float(np.sqrt(p_a * (1.0 - p_a) / m_a + p_b * (1.0 - p_b) / m_b))
    half = _z_crit(alpha) * se_unpooled
    return {
        "p_a": p_a,
        "p_b": p_b,
        "diff": diff,
        "lift": diff / p_a if p_a > 0 else float("nan"),
        "z": float(z),
        "p_value": p_value,
        "ci_low": diff - half,
        "ci_high": diff + half,
        "se_pooled": se_pooled,
        "se_unpooled": se_unpooled,
        "alpha": alpha,
        "significant": bool(p_value < alpha),
    }


def welch_t_test_from_stats(
    mean_a: float,
    std_a: float,
    n_a: int,
    mean_b: float,
    std_b: float,
    n_b: int,
    *,
    alpha: float = 0.05,
) -> dict[str, float | bool]:
    """Welch's unequal-variance t test for ``mean_b - mean_a`` from summary statistics.

    Welch (1947); Welch-Satterthwaite degrees of freedom. With ``v_i = s_i^2 / n_i`` (``s`` the
    sample standard deviation, ddof = 1):

    .. math::

        t = \\frac{\\bar y_b - \\bar y_a}{\\sqrt{v_a + v_b}},\\qquad
        \\nu = \\frac{(v_a + v_b)^2}{v_a^2/(n_a-1) + v_b^2/(n_b-1)},

    two-sided ``p = 2 P(T_nu > |t|)`` and CI ``diff +/- t_{nu,1-alpha/2} sqrt(v_a + v_b)``. Equals
    ``scipy.stats.ttest_ind_from_stats(..., equal_var=False)`` with the groups given as (b, a).
    """
    alpha = _check_alpha(alpha)
    n_a_i, n_b_i = _count("n_a", n_a), _count("n_b", n_b)
    if n_a_i < 2 or n_b_i < 2:
        raise ValueError("each group needs at least 2 observations")
    for name, v in (("mean_a", mean_a), ("mean_b", mean_b), ("std_a", std_a), ("std_b", std_b)):
        if not np.isfinite(v):
            raise ValueError(f"{name} must be finite")
    if std_a < 0 or std_b < 0:
        raise ValueError("standard deviations must be non-negative")
    v_a, v_b = std_a**2 / n_a_i, std_b**2 / n_b_i
    se = float(np.sqrt(v_a + v_b))
    if se == 0:
        raise ValueError("both groups have zero variance: the t statistic is undefined")
    diff = float(mean_b - mean_a)
    t = diff / se
    df = (v_a + v_b) ** 2 / (v_a**2 / (n_a_i - 1) + v_b**2 / (n_b_i - 1))
    p_value = float(2.0 * stats.t.sf(abs(t), df))
    half = float(stats.t.ppf(1.0 - alpha / 2.0, df)) * se
    return {
        "mean_a": float(mean_a),
        "mean_b": float(mean_b),
        "diff": diff,
        "lift": diff / mean_a if mean_a != 0 else float("nan"),
        "t": float(t),
        "df": float(df),
        "p_value": p_value,
        "ci_low": diff - half,
        "ci_high": diff + half,
        "se": se,
        "alpha": alpha,
        "significant": bool(p_value < alpha),
    }


def welch_t_test(a: ArrayLike, b: ArrayLike, *, alpha: float = 0.05) -> dict[str, float | bool]:
    """Welch's unequal-variance t test for ``mean(b) - mean(a)`` on raw observations.

    Same formulas as ``welch_t_test_from_stats`` (Welch 1947) with sample means and sample
    standard deviations (ddof = 1). ``t`` equals ``scipy.stats.ttest_ind(b, a, equal_var=False)``
    (note the order: the statistic is treatment minus control). NaNs are rejected.
    """
    xa = np.asarray(a, dtype=float).ravel()
    xb = np.asarray(b, dtype=float).ravel()
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(xb))):
        raise ValueError("observations must be finite (no NaN/inf)")
    if xa.size < 2 or xb.size < 2:
        raise ValueError("each group needs at least 2 observations")
    return welch_t_test_from_stats(
        float(xa.mean()),
        float(xa.std(ddof=1)),
        xa.size,
        float(xb.mean()),
        float(xb.std(ddof=1)),
        xb.size,
        alpha=alpha,
    )


# --------------------------------------------------------------------------------------------
# power and sample size
# --------------------------------------------------------------------------------------------
def _two_prop_setup(
    p_a: float, mde: float, alpha: float, ratio: float, relative: bool
) -> tuple[float, float, float, float]:
    """Return ``(p_b, delta, sd_null, sd_alt)`` per unit of ``1/sqrt(n_a)`` (see sample size)."""
    _check_alpha(alpha)
    if not 0.0 < p_a < 1.0:
        raise ValueError("p_a must be in (0, 1)")
    if not np.isfinite(mde) or mde == 0:
        raise ValueError("mde must be a non-zero finite number")
    if not np.isfinite(ratio) or ratio <= 0:
        raise ValueError("ratio (n_b / n_a) must be positive")
    p_b = p_a * (1.0 + mde) if relative else p_a + mde
    if not 0.0 < p_b < 1.0:
        raise ValueError(f"the alternative rate p_b = {p_b:.6g} must be in (0, 1)")
    k = float(ratio)
    p_bar = (p_a + k * p_b) / (1.0 + k)
    sd_null = float(np.sqrt(p_bar * (1.0 - p_bar) * (1.0 + 1.0 / k)))
    sd_alt = float(np.sqrt(p_a * (1.0 - p_a) + p_b * (1.0 - p_b) / k))
    return p_b, p_b - p_a, sd_null, sd_alt


def power_two_proportions(
    p_a: float,
    mde: float,
    n_a: float,
    *,
    alpha: float = 0.05,
    ratio: float = 1.0,
    relative: bool = False,
) -> float:
    """Power of the two-sided pooled two-proportion z test (``two_proportion_test``).

    Fleiss, Levin & Paik (2003, section 4.2), normal approximation with the pooled variance
    under H0 and the unpooled variance under H1. With ``k = n_b / n_a``,
    ``p_b = p_a + mde`` (or ``p_a (1 + mde)`` if ``relative``),
    ``pbar = (p_a + k p_b) / (1 + k)``, ``s0 = sqrt(pbar (1-pbar) (1 + 1/k))`` and
    ``s1 = sqrt(p_a (1-p_a) + p_b (1-p_b) / k)``:

    .. math::

        1 - \\beta = \\Phi\\left(\\frac{|\\Delta|\\sqrt{n_a} - z_{1-\\alpha/2} s_0}{s_1}\\right)
                   + \\Phi\\left(\\frac{-|\\Delta|\\sqrt{n_a} - z_{1-\\alpha/2} s_0}{s_1}\\right)

    (the second, far-tail term is usually negligible). For ``k = 1`` this is R's
    ``power.prop.test`` (``strict = TRUE``) and ``statsmodels`` ``power_proportions_2indep``.
    Note: ``statsmodels`` ``NormalIndPower`` with Cohen's ``h`` is a different (arcsine) formula.
    """
    p_b, delta, sd_null, sd_alt = _two_prop_setup(p_a, mde, alpha, ratio, relative)
    if not np.isfinite(n_a) or n_a <= 0:
        raise ValueError("n_a must be positive")
    crit = _z_crit(alpha) * sd_null
    shift = abs(delta) * np.sqrt(n_a)
    return float(special.ndtr((shift - crit) / sd_alt) + special.ndtr((-shift - crit) / sd_alt))


def sample_size_two_proportions(
    p_a: float,
    mde: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    relative: bool = False,
) -> int:
    """Control-group sample size for the two-sided pooled two-proportion z test.

    Classic formula without continuity correction (Fleiss, Levin & Paik 2003, section 4.2;
    same as R ``power.prop.test`` and ``statsmodels.stats.proportion.
    samplesize_proportions_2indep_onetail``):

    .. math::

        n_a = \\left\\lceil \\frac{\\left(z_{1-\\alpha/2}\\, s_0 + z_{1-\\beta}\\, s_1\\right)^2}
              {\\Delta^2} \\right\\rceil,\\qquad n_b = \\lceil k\\, n_a \\rceil

    with ``s0``, ``s1``, ``Delta = p_b - p_a`` and ``k = ratio = n_b / n_a`` as in
    ``power_two_proportions``. ``mde`` is absolute (percentage points as a fraction) unless
    ``relative=True`` (then ``p_b = p_a (1 + mde)``). Returns the control size ``n_a``; for
    ``ratio = 1`` it is the per-group size. ``power_two_proportions(..., n_a)`` is then
    ``>= power`` (the far tail is ignored in the closed form, which only adds power).
    Published check: ``p_a=0.5, mde=0.25, power=0.9`` gives 76.7 -> 77 (R documentation).
    """
    _check_alpha(power, "power")
    _, delta, sd_null, sd_alt = _two_prop_setup(p_a, mde, alpha, ratio, relative)
    if power <= alpha / 2.0:
        raise ValueError("power must exceed alpha / 2")
    z_b = float(special.ndtri(power))
    n = ((_z_crit(alpha) * sd_null + z_b * sd_alt) / delta) ** 2
    return int(np.ceil(n - 1e-9))


# --------------------------------------------------------------------------------------------
# multiple variants
# --------------------------------------------------------------------------------------------
def adjust_p_values(p_values: ArrayLike, method: str = "holm") -> np.ndarray:
    """Multiplicity-adjusted p-values (same semantics as ``statsmodels`` ``multipletests``).

    For ``m`` p-values sorted ascending ``p_(1) <= ... <= p_(m)``:

    - ``"bonferroni"``: ``min(1, m p_i)``.
    - ``"holm"`` (Holm 1979, step-down): ``p~_(i) = max_{j<=i} min(1, (m-j+1) p_(j))``.
    - ``"bh"`` / ``"fdr_bh"`` (Benjamini & Hochberg 1995, step-up FDR):
      ``p~_(i) = min_{j>=i} min(1, m p_(j) / j)``.
    - ``"none"``: unchanged.

    Rejecting where ``p~ < alpha`` controls the family-wise error (Bonferroni, Holm) or the false
    discovery rate (BH) at ``alpha``.
    """
    p = np.asarray(p_values, dtype=float).ravel()
    if p.size == 0:
        return p
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must be in [0, 1]")
    method = method.lower()
    m = p.size
    if method == "none":
        return p.copy()
    if method == "bonferroni":
        return np.minimum(1.0, p * m)
    order = np.argsort(p, kind="mergesort")
    ps = p[order]
    if method == "holm":
        adj = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * ps))
    elif method in ("bh", "fdr_bh", "benjamini-hochberg"):
        raw = ps * m / np.arange(1, m + 1)
        adj = np.minimum(1.0, np.minimum.accumulate(raw[::-1])[::-1])
    else:
        raise ValueError(f"unknown correction {method!r}; use 'bonferroni', 'holm', 'bh' or 'none'")
    out = np.empty(m)
    out[order] = adj
    return out


def ab_n_test(
    successes: ArrayLike,
    trials: ArrayLike,
    *,
    control: int = 0,
    correction: str = "holm",
    alpha: float = 0.05,
    names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Compare every variant's conversion rate with the control, with multiplicity correction.

    Each variant ``i`` is tested against the control with ``two_proportion_test`` (pooled z,
    Wald CI at level ``alpha``, unadjusted); the p-values are then adjusted with
    ``adjust_p_values`` (``correction`` in ``"holm"`` [default], ``"bonferroni"``, ``"bh"``,
    ``"none"``) and ``significant`` means adjusted p < ``alpha``. The overall test is Pearson's
    chi-square test of homogeneity of the ``k x 2`` table (no continuity correction):

    .. math::

        X^2 = \\sum_{i, j} \\frac{(O_{ij} - E_{ij})^2}{E_{ij}},\\quad
        E_{ij} = \\frac{R_i C_j}{N},\\quad X^2 \\sim \\chi^2_{k-1}\\ \\text{under } H_0.

    Returns
    -------
    dict
        ``comparisons`` (DataFrame, one row per non-control variant: variant, successes, trials,
        rate, diff, lift, z, p_value, p_adjusted, ci_low, ci_high, significant), ``chi2``,
        ``dof``, ``p_value`` (overall), ``control`` (name), ``correction`` and ``alpha``.
    """
    alpha = _check_alpha(alpha)
    if isinstance(successes, pd.Series) and names is None:
        names = [str(i) for i in successes.index]
    s = np.asarray(successes, dtype=float).ravel()
    n = np.asarray(trials, dtype=float).ravel()
    if s.size != n.size:
        raise ValueError(f"length mismatch: successes={s.size}, trials={n.size}")
    if s.size < 2:
        raise ValueError("need at least two variants (control + one treatment)")
    s_i = np.array([_count("successes", v) for v in s])
    n_i = np.array([_count("trials", v) for v in n])
    if np.any(n_i == 0):
        raise ValueError("every variant needs at least one trial")
    if np.any(s_i > n_i):
        raise ValueError("successes cannot exceed trials")
    labels = list(names) if names is not None else [f"variant_{i}" for i in range(s.size)]
    if len(labels) != s.size:
        raise ValueError("names must have one entry per variant")
    if not (isinstance(control, int | np.integer) and 0 <= control < s.size):
        raise ValueError(f"control must be an index in [0, {s.size - 1}]")
    rows = []
    for i in range(s.size):
        if i == control:
            continue
        res = two_proportion_test(s_i[control], n_i[control], s_i[i], n_i[i], alpha=alpha)
        rows.append(
            {
                "variant": labels[i],
                "successes": int(s_i[i]),
                "trials": int(n_i[i]),
                "rate": res["p_b"],
                "diff": res["diff"],
                "lift": res["lift"],
                "z": res["z"],
                "p_value": res["p_value"],
                "ci_low": res["ci_low"],
                "ci_high": res["ci_high"],
            }
        )
    table = pd.DataFrame(rows)
    table["p_adjusted"] = adjust_p_values(table["p_value"].to_numpy(), correction)
    table["significant"] = table["p_adjusted"] < alpha
    table = table[
        [
            "variant",
            "successes",
            "trials",
            "rate",
            "diff",
            "lift",
            "z",
            "p_value",
            "p_adjusted",
            "ci_low",
            "ci_high",
            "significant",
        ]
    ]
    observed = np.column_stack([s_i, n_i - s_i]).astype(float)
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0) / observed.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0)
    chi2 = float(cells.sum())
    dof = s.size - 1
    return {
        "comparisons": table,
        "chi2": chi2,
        "dof": dof,
        "p_value": float(stats.chi2.sf(chi2, dof)),
        "control": labels[control],
        "correction": correction,
        "alpha": alpha,
    }


# --------------------------------------------------------------------------------------------
# sequential testing
# --------------------------------------------------------------------------------------------
def peeking_false_positive_rate(
    n_looks: int,
    alpha: float = 0.05,
    n_sims: int = 20_000,
    rng: np.random.Generator | int = 0,
) -> float:
    """Monte Carlo type I error of re-testing an A/A experiment at ``n_looks`` equal-size looks.

    Under H0 the cumulative z statistic at look ``k`` of ``K`` equally spaced analyses is
    ``Z_k = S_k / sqrt(k)`` with ``S_k`` a Gaussian random walk (independent increments;
    Armitage, McPherson & Rowe 1969). The experiment "wins" if ``|Z_k| >= z_{1-alpha/2}`` at any
    look. Returns the simulated probability (e.g. about 0.142 for 5 looks at alpha = 0.05,
    AMR 1969 Table 2, versus the nominal 0.05). ``sequential_rejection_probability`` gives the
    exact value by numerical integration. ``rng`` is a ``Generator`` or an int seed (default 0).
    """
    alpha = _check_alpha(alpha)
    if int(n_looks) != n_looks or n_looks < 1:
        raise ValueError("n_looks must be a positive integer")
    if int(n_sims) != n_sims or n_sims < 1:
        raise ValueError("n_sims must be a positive integer")
    gen = _generator(rng)
    k = int(n_looks)
    crit = _z_crit(alpha)
    scale = 1.0 / np.sqrt(np.arange(1, k + 1))
    hits = 0
    chunk = max(1, 2_000_000 // k)
    remaining = int(n_sims)
    while remaining > 0:
        m = min(chunk, remaining)
        walk = np.cumsum(gen.standard_normal((m, k)), axis=1)
        hits += int(np.any(np.abs(walk * scale) >= crit, axis=1).sum())
        remaining -= m
    return hits / int(n_sims)


def _info_fractions(n_looks: int, information_fractions: ArrayLike | None) -> np.ndarray:
    """Validate increasing information fractions in (0, 1] ending at 1 (default equal spacing)."""
    if int(n_looks) != n_looks or n_looks < 1:
        raise ValueError("n_looks must be a positive integer")
    k = int(n_looks)
    if information_fractions is None:
        return np.arange(1, k + 1) / k
    t = np.asarray(information_fractions, dtype=float).ravel()
    if t.size != k:
        raise ValueError("information_fractions must have n_looks entries")
    if np.any(t <= 0) or np.any(np.diff(t) <= 0) or not np.isclose(t[-1], 1.0):
        raise ValueError("information_fractions must increase strictly and end at 1")
    return t


_MAX_INTERVALS = 2000


class _Recursion:
    """Sub-density of the H0 Brownian motion ``S(t)`` on the continuation region.

    Armitage, McPherson & Rowe (1969) recursion as in Jennison & Turnbull (2000, ch. 19):
    ``S_k = Z_k sqrt(t_k)`` has independent ``N(0, t_k - t_{k-1})`` increments; the density of
    paths that have not crossed ``|Z_j| >= c_j`` for ``j < k`` is propagated on a uniform grid
    with composite Simpson weights (grid step <= sd of the increment / 24, at most 2,000
    intervals per look, which is exact to ~1e-8 for up to ~200 equally spaced looks).
    """

    def __init__(self, t: np.ndarray) -> None:
        self.t = t
        steps = np.diff(np.concatenate([[0.0], t]))
        self.h_max = float(np.sqrt(steps.min())) / 24.0
        self.grid: np.ndarray | None = None  # S values
        self.dens: np.ndarray | None = None  # density * Simpson weight at grid points

    def exit_prob(self, k: int, c: float) -> float:
        """P(first crossing at look ``k``) for two-sided boundary ``c`` at look ``k``."""
        if not np.isfinite(c):
            return 0.0
        if k == 0:
            return float(2.0 * special.ndtr(-c))
        assert self.grid is not None and self.dens is not None
        sd = np.sqrt(self.t[k] - self.t[k - 1])
        b = c * np.sqrt(self.t[k])
        tail = special.ndtr((-b - self.grid) / sd) + special.ndtr((self.grid - b) / sd)
        return float(np.sum(self.dens * tail))

    def advance(self, k: int, c: float) -> None:
        """Condition on not crossing boundary ``c`` at look ``k`` and store the new density."""
        sd_t = np.sqrt(self.t[k])
        b = c * sd_t if np.isfinite(c) else 12.0 * sd_t
        m = int(np.ceil(2.0 * b / self.h_max))
        m = min(max(m + m % 2, 2), _MAX_INTERVALS)  # even number of intervals for Simpson
        grid = np.linspace(-b, b, m + 1)
        w = np.ones(m + 1)
        w[1:-1:2], w[2:-1:2] = 4.0, 2.0
        w *= (grid[1] - grid[0]) / 3.0
        if k == 0:
            f = np.exp(-0.5 * grid**2 / self.t[0]) / np.sqrt(2.0 * np.pi * self.t[0])
        else:
            assert self.grid is not None and self.dens is not None
            sd = np.sqrt(self.t[k] - self.t[k - 1])
            kern = np.exp(-0.5 * ((grid[:, None] - self.grid[None, :]) / sd) ** 2)
            f = (kern * self.dens[None, :]).sum(axis=1) / (sd * np.sqrt(2.0 * np.pi))
        self.grid, self.dens = grid, f * w


def sequential_rejection_probability(
    boundaries: ArrayLike, information_fractions: ArrayLike | None = None
) -> float:
    """Exact probability under H0 that ``|Z_k| >= c_k`` at some look (two-sided).

    Numerical integration of the Armitage-McPherson-Rowe (1969) recursion (Jennison & Turnbull
    2000, ch. 19; see ``_Recursion``). With constant ``c_k = z_{1-alpha/2}`` this is the exact
    type I error of naive peeking (0.0831, 0.1072, 0.1262, 0.1417 for 2-5 looks at 0.05; AMR
    1969 Table 2).
    """
    c = np.asarray(boundaries, dtype=float).ravel()
    if c.size == 0 or np.any(np.isnan(c)) or np.any(c <= 0):
        raise ValueError("boundaries must be positive (use inf to skip a look)")
    t = _info_fractions(c.size, information_fractions)
    rec = _Recursion(t)
    total = 0.0
    for k in range(c.size):
        total += rec.exit_prob(k, c[k])
        if k < c.size - 1:
            rec.advance(k, c[k])
    return float(total)


def _spending_boundaries(
    alpha: float, t: np.ndarray, spend: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Solve ``P_H0(first crossing at look k) = spend(t_k) - spend(t_{k-1})`` for each ``c_k``."""
    cum = spend(t)
    increments = np.diff(np.concatenate([[0.0], cum]))
    rec = _Recursion(t)
    out = np.empty(t.size)
    for k, target in enumerate(increments):
        if target <= 1e-15:
            out[k] = np.inf
        else:
            out[k] = optimize.brentq(
                lambda c, k=k, target=target: rec.exit_prob(k, c) - target,
                1e-6,
                40.0,
                xtol=1e-12,
                rtol=1e-12,
            )
        if k < t.size - 1:
            rec.advance(k, out[k])
    return out


def _classical_boundaries(alpha: float, t: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Find constant ``C`` so that boundaries ``C * shape`` have overall level ``alpha``."""
    c = optimize.brentq(
        lambda cc: sequential_rejection_probability(cc * shape, t) - alpha,
        0.5,
        20.0,
        xtol=1e-12,
    )
    return c * shape


def obrien_fleming_boundaries(
    n_looks: int,
    alpha: float = 0.05,
    *,
    information_fractions: ArrayLike | None = None,
    method: str = "spending",
) -> np.ndarray:
    """Two-sided O'Brien-Fleming-type critical values ``c_k`` (reject when ``|Z_k| >= c_k``).

    ``method="spending"`` (default): Lan & DeMets (1983) alpha-spending with the
    O'Brien-Fleming-type function applied to each tail at level ``alpha/2`` (the convention of
    Reboussin et al.'s ``ld98``/``ldbounds`` and ``gsDesign``), i.e. two-sided

    .. math:: \\alpha^*(t) = 2\\left[2 - 2\\Phi\\left(z_{1-\\alpha/4} / \\sqrt{t}\\right)\\right]

    and ``c_k`` solved so that ``P_H0(first crossing at look k) = alpha*(t_k) - alpha*(t_{k-1})``
    (5 equal looks, alpha=0.05: 4.877, 3.357, 2.680, 2.290, 2.031).
    ``method="classical"``: O'Brien & Fleming (1979), ``c_k = C / sqrt(t_k)`` with ``C`` giving
    overall level ``alpha`` (``C`` = 2.040 for 5 looks; Jennison & Turnbull 2000, Table 2.3).
    Use these instead of ``z_{1-alpha/2}`` when results are checked repeatedly.
    """
    alpha = _check_alpha(alpha)
    t = _info_fractions(n_looks, information_fractions)
    if method == "spending":
        z = _z_crit(alpha / 2.0)
        return _spending_boundaries(alpha, t, lambda tt: 4.0 * special.ndtr(-z / np.sqrt(tt)))
    if method == "classical":
        return _classical_boundaries(alpha, t, 1.0 / np.sqrt(t))
    raise ValueError("method must be 'spending' or 'classical'")


def pocock_boundaries(
    n_looks: int,
    alpha: float = 0.05,
    *,
    information_fractions: ArrayLike | None = None,
    method: str = "spending",
) -> np.ndarray:
    """Two-sided Pocock-type critical values ``c_k`` (reject when ``|Z_k| >= c_k``).

    ``method="spending"`` (default): Lan & DeMets (1983) Pocock-type spending function

    .. math:: \\alpha^*(t) = \\alpha \\ln\\left(1 + (e - 1) t\\right).

    ``method="classical"``: Pocock (1977), a constant ``c_k = C`` with overall level ``alpha``
    (``C`` = 2.178, 2.289, 2.361, 2.413 for 2-5 looks at 0.05; Jennison & Turnbull 2000,
    Table 2.1).
    """
    alpha = _check_alpha(alpha)
    t = _info_fractions(n_looks, information_fractions)
    if method == "spending":
        return _spending_boundaries(alpha, t, lambda tt: alpha * np.log1p((np.e - 1.0) * tt))
    if method == "classical":
        return _classical_boundaries(alpha, t, np.ones_like(t))
    raise ValueError("method must be 'spending' or 'classical'")


def peeking_warning(n_looks: int, alpha: float = 0.05) -> str | None:
    """Human-readable warning about checking an A/B test ``n_looks`` times (None if 1 look).

    Uses the exact repeated-testing error (``sequential_rejection_probability`` with constant
    ``z_{1-alpha/2}``) and suggests the Lan-DeMets O'Brien-Fleming boundary for the first and
    final looks.
    """
    alpha = _check_alpha(alpha)
    if int(n_looks) != n_looks or n_looks < 1:
        raise ValueError("n_looks must be a positive integer")
    if n_looks == 1:
        return None
    k = int(n_looks)
    actual = sequential_rejection_probability(np.full(k, _z_crit(alpha)))
    bounds = obrien_fleming_boundaries(k, alpha)
    return (
        f"Checking significance {k} times at alpha={alpha:g} inflates the false-positive rate "
        f"to {actual:.1%} (nominal {alpha:.0%}). Use a sequential boundary instead, e.g. "
        f"O'Brien-Fleming: |z| >= {bounds[0]:.2f} at the first look, {bounds[-1]:.2f} at the "
        "last."
    )


# --------------------------------------------------------------------------------------------
# Taguchi orthogonal arrays
# --------------------------------------------------------------------------------------------
_L4 = """
111
122
212
221
"""
_L8 = """
1111111
1112222
1221122
1222211
2121212
2122121
2211221
2212112
"""
_L9 = """
1111
1222
1333
2123
2231
2312
3132
3213
3321
"""
_L16 = """
111111111111111
111111122222222
111222211112222
111222222221111
122112211221122
122112222112211
122221111222211
122221122111122
212121212121212
212121221212121
212212112122121
212212121211212
221122112211221
221122121122112
221211212212112
221211221121221
"""
_L18 = """
11111111
11222222
11333333
12112233
12223311
12331122
13121323
13232131
13313212
21133221
21211332
21322113
22123132
22231213
22312321
23132312
23213123
23321231
"""
_ARRAYS = {"L4": _L4, "L8": _L8, "L9": _L9, "L16": _L16, "L18": _L18}


def orthogonal_array(name: str) -> pd.DataFrame:
    """Return a standard Taguchi orthogonal array as a DataFrame of 1-based levels.

    Tables as published by Taguchi (1987) and in the NIST/SEMATECH Dataplot design files;
    columns are named A, B, C, ... in Taguchi's column order, rows are runs (index 1..N):

    - ``"L4"``: L4(2^3), 4 runs x 3 two-level columns.
    - ``"L8"``: L8(2^7), 8 runs x 7 two-level columns.
    - ``"L9"``: L9(3^4), 9 runs x 4 three-level columns.
    - ``"L16"``: L16(2^15), 16 runs x 15 two-level columns.
    - ``"L18"``: L18(2^1 x 3^7), 18 runs, column A two-level, B-H three-level.

    Every array has strength 2: each level appears equally often in each column and every pair
    of columns contains every level combination equally often. Levels are 1-based as in the
    published tables (subtract 1 for 0-based coding).
    """
    key = str(name).strip().upper()
    if key not in _ARRAYS:
        raise ValueError(f"unknown orthogonal array {name!r}; valid: {', '.join(_ARRAYS)}")
    rows = [[int(ch) for ch in line] for line in _ARRAYS[key].split()]
    ncol = len(rows[0])
    columns = [chr(ord("A") + j) for j in range(ncol)]
    frame = pd.DataFrame(rows, columns=columns, index=pd.RangeIndex(1, len(rows) + 1, name="run"))
    return frame


def _sn_ratio(y: np.ndarray, larger_is_better: bool) -> np.ndarray:
    """Taguchi signal-to-noise ratio per row of replicates (Phadke 1989, ch. 5)."""
    if larger_is_better:
        if np.any(y == 0):
            raise ValueError("larger-is-better S/N needs non-zero responses")
        return -10.0 * np.log10(np.mean(1.0 / y**2, axis=1))
    return -10.0 * np.log10(np.mean(y**2, axis=1))


def main_effects(
    design: pd.DataFrame, response: ArrayLike, *, larger_is_better: bool = True
) -> pd.DataFrame:
    """Main-effects (marginal means) analysis of a designed experiment.

    For each factor (column of ``design``) and level ``l``, the level mean is
    ``ybar_l = mean(y_i : x_i = l)``; the effect range is ``delta = max_l ybar_l - min_l ybar_l``;
    factors are ranked by ``delta`` (1 = most influential) and ``best_level`` is the level with
    the highest mean (lowest if ``larger_is_better=False``). For a balanced orthogonal array the
    level means estimate the main effects free of other main effects (Taguchi 1987; Phadke 1989,
    ch. 3).

    If ``response`` is 2-D (runs x replicates), the run means are analysed as above and the
    Taguchi signal-to-noise ratio is analysed too (Phadke 1989, ch. 5):
    larger-is-better ``SN = -10 log10(mean(1 / y^2))``, smaller-is-better
    ``SN = -10 log10(mean(y^2))``; columns ``sn_<level>``, ``sn_delta``, ``sn_rank`` and
    ``best_level_sn`` (highest S/N) are added.

    Returns
    -------
    DataFrame
        Index: factor names. Columns ``mean_<level>`` for every level present, ``delta``,
        ``rank``, ``best_level`` (+ S/N columns with replicates).
    """
    if not isinstance(design, pd.DataFrame) or design.shape[1] == 0 or design.shape[0] == 0:
        raise ValueError("design must be a non-empty DataFrame (runs x factors)")
    y = np.asarray(response, dtype=float)
    if y.ndim not in (1, 2):
        raise ValueError("response must be 1-D (one per run) or 2-D (runs x replicates)")
    if y.shape[0] != design.shape[0]:
        raise ValueError(f"length mismatch: response={y.shape[0]}, runs={design.shape[0]}")
    if not np.all(np.isfinite(y)):
        raise ValueError("response must be finite")
    if design.isna().to_numpy().any():
        raise ValueError("design must not contain missing levels")
    replicated = y.ndim == 2 and y.shape[1] > 1
    y_mean = y.mean(axis=1) if y.ndim == 2 else y
    sn = _sn_ratio(y, larger_is_better) if replicated else None
    levels = sorted({lv for col in design.columns for lv in pd.unique(design[col])})
    records = []
    for col in design.columns:
        x = design[col].to_numpy()
        rec: dict[str, Any] = {"factor": col}
        means = {}
        sns = {}
        for lv in levels:
            mask = x == lv
            rec[f"mean_{lv}"] = float(y_mean[mask].mean()) if mask.any() else np.nan
            if mask.any():
                means[lv] = rec[f"mean_{lv}"]
            if sn is not None:
                rec[f"sn_{lv}"] = float(sn[mask].mean()) if mask.any() else np.nan
                if mask.any():
                    sns[lv] = rec[f"sn_{lv}"]
        rec["delta"] = max(means.values()) - min(means.values())
        pick = max if larger_is_better else min
        rec["best_level"] = pick(means, key=means.__getitem__)
        if sn is not None:
            rec["sn_delta"] = max(sns.values()) - min(sns.values())
            rec["best_level_sn"] = max(sns, key=sns.__getitem__)
        records.append(rec)
    out = pd.DataFrame(records).set_index("factor")
    out["rank"] = out["delta"].rank(ascending=False, method="min").astype(int)
    if sn is not None:
        out["sn_rank"] = out["sn_delta"].rank(ascending=False, method="min").astype(int)
    mean_cols = [f"mean_{lv}" for lv in levels]
    cols = [*mean_cols, "delta", "rank", "best_level"]
    if sn is not None:
        cols += [f"sn_{lv}" for lv in levels] + ["sn_delta", "sn_rank", "best_level_sn"]
    return out[cols]
