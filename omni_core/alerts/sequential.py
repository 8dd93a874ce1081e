"""Sequential change detection shared by the war room's rules and the streaming detector.

Both accumulate evidence over time with Page's CUSUM (Page, "Continuous inspection schemes",
*Biometrika* 41, 1954): ``S_t = max(0, S_{t-1} + x_t)``, an alarm when ``S_t >= h``.

- The streaming detector (:mod:`omni_core.alerts.detect`) feeds it clipped robust z-scores minus a
  reference value ``k`` (the classical tabular CUSUM, Montgomery, *Introduction to Statistical
  Quality Control*, ch. 9); :func:`gaussian_arl0` gives its in-control average run length.
- The alert rules (:mod:`omni_core.alerts.rules`) feed it log-likelihood ratios of funnel-step
  counts (:func:`binomial_llr`: ``k`` of ``n`` visits added to cart, carts ordered, orders paid)
  against the baseline's rate, and use the window-limited form :func:`window_cusum` (Lai,
  "Sequential changepoint detection in quality control and dynamical systems", *JRSS B* 57,
  1995), which is stateless: it is recomputed from the last ``W`` observations.

Threshold of a likelihood-ratio CUSUM (:func:`llr_threshold`). Under the null the likelihood
ratio accumulated since any start point is a non-negative martingale with mean 1, so by Ville's
maximal inequality it ever reaches ``e^h`` with probability at most ``e^-h``; a union over the
start points (one per minute) and the monitored streams bounds the expected number of false
alarms per day by ``streams * minutes * e^-h`` (equivalently ``ARL0 >= e^h``, Lorden, *Ann. Math.
Statist.* 42, 1971). Hence ``h = ln(streams * minutes / F)`` for at most ``F`` false alarms a day.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["binomial_llr", "gaussian_arl0", "llr_threshold", "page_update", "window_cusum"]


def page_update(s: float, run: int, x: float) -> tuple[float, int]:
    """One step of Page's CUSUM ``S = max(0, S + x)`` with the length of the current run."""
    s += x
    if s <= 0.0:
        return 0.0, 0
    return s, run + 1


def binomial_llr(k: np.ndarray, n: np.ndarray, p0: np.ndarray, shift: float) -> np.ndarray:
    """Log-likelihood ratio of ``k`` successes in ``n`` trials: H1 ``p = (1 - shift) p0`` vs H0 ``p0``.

    ``l = k ln(1 - d) + (n - k) ln((1 - (1 - d) p0) / (1 - p0))`` with ``d = shift`` (a relative drop;
    negative for a rise), the increment of the Bernoulli CUSUM (Reynolds & Stoumbos, "A CUSUM
    chart for monitoring a proportion when inspecting continuously", *J. Quality Technology* 31,
    1999). Zero where ``n = 0`` or ``p0 = 0``; ``k`` is clipped to ``[0, n]``.
    """
    k = np.asarray(k, float)
    n = np.asarray(n, float)
    p0 = np.clip(np.asarray(p0, float), 0.0, 0.999)
    p1 = np.clip((1.0 - shift) * p0, 0.0, 0.999)
    k = np.clip(k, 0.0, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = k * math.log(1.0 - shift) + (n - k) * (np.log1p(-p1) - np.log1p(-p0))
    return np.where((n > 0) & (p0 > 0), out, 0.0)


def window_cusum(increments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Window-limited CUSUM over the last axis (oldest first).

    ``S = max(0, max_{1 <= w <= W} sum of the last w increments)`` (Lai 1995): equal to Page's
    recursion started ``W`` steps ago, hence never above it. Returns ``S`` and the maximising
    ``w`` (the run length: when the change began), 0 where ``S = 0``.
    """
    x = np.asarray(increments, float)
    suffix = np.cumsum(x[..., ::-1], axis=-1)  # sums of the last 1, 2, ..., W increments
    best = np.argmax(suffix, axis=-1)
    s = np.take_along_axis(suffix, best[..., None], axis=-1)[..., 0]
    pos = s > 0
    return np.where(pos, s, 0.0), np.where(pos, best + 1, 0)


def llr_threshold(false_alarms_per_day: float, streams: int, points_per_day: int = 1440) -> float:
    """Decision interval ``h = ln(streams * points_per_day / F)`` (see the module docstring)."""
    if false_alarms_per_day <= 0 or streams < 1 or points_per_day < 1:
        raise ValueError("false_alarms_per_day must be positive, streams and points at least 1")
    return math.log(streams * points_per_day / false_alarms_per_day)


def gaussian_arl0(k: float, h: float) -> float:
    """In-control ARL of a one-sided CUSUM of N(0, 1) scores with reference ``k`` and interval ``h``.

    Siegmund's approximation (Siegmund, *Sequential Analysis*, 1985, ch. X.2):
    ``ARL0 = (exp(2 k b) - 2 k b - 1) / (2 k^2)`` with ``b = h + 1.166``.
    """
    if k <= 0 or h <= 0:
        raise ValueError("k and h must be positive")
    b = h + 1.166
    return (math.exp(2 * k * b) - 2 * k * b - 1) / (2 * k * k)
