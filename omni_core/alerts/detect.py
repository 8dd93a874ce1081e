"""Streaming anomaly detection for live KPI series (GMV per minute, orders, conversion rate, ...).

Method
------
Every point is scored against a one-step-ahead forecast built only from earlier points:

* **Baseline** -- an additive level + seasonal-profile model updated online, i.e. additive
  Holt-Winters exponential smoothing (Holt 1957; Winters 1960; Hyndman & Athanasopoulos,
  *Forecasting: Principles and Practice*, 3rd ed., 2021, ch. 8.3) in its robust form: the
  one-step residual is Huber-clipped before it updates the level and the profile (Huber 1964;
  Gelper, Fried & Croux, "Robust forecasting with exponential and Holt-Winters smoothing",
  *J. Forecasting* 29, 2010), so spikes and dips do not poison the baseline. The seasonal
  profile is a circular piecewise-linear function of the phase (at most ``season_bins`` knots,
  updated by stochastic gradient), which keeps it smooth on minute data. It is initialised at
  the end of the warm-up from per-knot medians, like the robust seasonal decompositions STL
  (Cleveland et al., *J. Official Statistics* 6, 1990) and RobustSTL (Wen et al., AAAI 2019).
* **Scale** -- a robust, phase-dependent scale: an EWMA of the clipped absolute residual per
  knot (the daily peak may be noisier than the night) times a fast global ratio, converted to a
  standard deviation with sqrt(pi/2) (the mean absolute deviation of a normal variable).
* **Transform** -- a strictly positive warm-up whose max is at least twice its min (GMV, traffic,
  CPU) is modelled on the log scale, i.e. multiplicative Holt-Winters (Hyndman & Athanasopoulos
  ch. 3.1 and 8.3): a +30 % shift then moves the night and the evening peak alike.
* **Point score** -- ``z = (x - expected) / sigma`` in robust sigmas. Its tail is calibrated
  online by peaks over threshold (Pickands, *Ann. Statist.* 3, 1975; Balkema & de Haan 1974;
  the streaming form SPOT of Siffer et al., "Anomaly detection in streams with extreme value
  theory", KDD 2017): runs-declustered exceedances of ``|z| > 2.5`` (Coles, *An Introduction to
  Statistical Modeling of Extreme Values*, 2001, sec. 5.3) fit an exponential tail (GPD with
  shape 0), whose ``tail_prob`` quantile raises the effective threshold above ``threshold`` on
  heavy-tailed series (at most to twice it). The point part of the score is
  ``|z| * threshold / effective_threshold``, so ``score >= threshold`` means an alarm on every
  series; the band is ``expected +/- effective_threshold * sigma`` (mapped back through the
  transform).
* **Sustained changes** -- two-sided tabular CUSUM on the clipped z (Page, "Continuous
  inspection schemes", *Biometrika* 41, 1954; Montgomery, *Introduction to Statistical Quality
  Control*, ch. 9) and a CUSUM on ``|z|`` for variance bursts. They lift the score of small but
  persistent shifts; when the level CUSUM signals, the level is re-estimated from the run that
  triggered it and the CUSUMs restart (Basseville & Nikiforov, *Detection of Abrupt Changes*,
  1993), so the detector adapts instead of firing long after a shift. The recursion is the one
  the war room's funnel rules use (:mod:`omni_core.alerts.sequential`, there on log-likelihood
  ratios of counts); with the defaults ``k = 1``, ``h = 8`` its in-control average run length on
  N(0, 1) scores is about 4.6e7 points (Siegmund's approximation,
  :func:`omni_core.alerts.sequential.gaussian_arl0`), so sustained shifts, not noise, lift it.
* **Season** -- ``season="auto"`` takes the candidates implied by the timestamp spacing (a day,
  a week, a year of points) plus the strongest autocorrelation peak of the warm-up prefix, and
  keeps the candidate that forecasts the last warm-up cycle best out of sample, if any beats a
  flat baseline. Only the warm-up prefix is used, so the choice is itself causal.

The score rises at the first anomalous point (early detection is what the Numenta Anomaly
Benchmark rewards: Lavin & Ahmad, "Evaluating real-time anomaly detection algorithms -- the
Numenta Anomaly Benchmark", IEEE ICMLA 2015; Ahmad et al., *Neurocomputing* 262, 2017).

Every output depends only on the current and earlier points: results on a prefix equal the
results on the full series for those points, and :func:`detect_anomalies` is exactly
:class:`StreamingDetector` fed one point at a time (both run the same code).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from omni_core.alerts.sequential import page_update

__all__ = ["StreamingDetector", "detect_anomalies", "evaluate"]

Direction = Literal["both", "up", "down"]

_NS_PER_DAY = 86_400 * 10**9
_SQRT_HALF_PI = math.sqrt(math.pi / 2.0)  # sigma / E|x| for a normal variable
_MAD_TO_SIGMA = 1.482602218505602  # sigma / MAD for a normal variable
_IQR_TO_SIGMA = 1.3489795003921634  # IQR / sigma for a normal variable
_REL_FLOOR = 1e-3  # sigma is never below this fraction of |level| (constant series)
_CUSUM_CLIP = 3.0  # z is clipped to +/- this before entering the level CUSUM
_VAR_K = 1.25  # reference value of the |z| CUSUM (E|z| = 0.80 under the null)
_VAR_CLIP = 4.0  # |z| is clipped to this before entering the |z| CUSUM
_VAR_H_FACTOR = 0.75  # decision interval of the |z| CUSUM = this * cusum_h
_SCALE_CLIP = 3.0  # absolute residuals are clipped to this many sigmas before a scale update
_G_MIN, _G_MAX = 0.5, 20.0  # bounds of the fast global scale ratio
_SHRINK_N0 = 8.0  # pseudo-count shrinking each knot's initial scale to the global one
# peaks-over-threshold tail calibration of |z| (Pickands 1975; Siffer et al. KDD 2017)
_EVT_U = 2.5  # peaks are |z| above this
_EVT_PU0 = math.erfc(_EVT_U / math.sqrt(2.0))  # P(|Z| > u) for a standard normal
_EVT_M10 = math.exp(-0.5 * _EVT_U**2) / math.sqrt(2 * math.pi) / (0.5 * _EVT_PU0) - _EVT_U
_EVT_PRIOR_PEAKS = 50.0  # weight of the normal prior, in peaks
_EVT_PEAK_WINDOW = 500.0  # the mean excess is an EWMA over about this many peaks
_EVT_PU_WINDOW = 20_000.0  # the exceedance rate is an EWMA over about this many points
_EVT_YCAP = 4.0  # excesses are capped (anomalies must not inflate the tail)
_EVT_MAX_FACTOR = 2.0  # the calibrated threshold never exceeds this * threshold
_COLUMNS = ("expected", "lower", "upper", "score", "z", "is_anomaly", "warmup")


def _floor(level: float, min_scale: float) -> float:
    return min_scale + _REL_FLOOR * abs(level)


def _robust_mean_abs(r: np.ndarray) -> float:
    """Mean absolute value of ``r`` winsorised at 3 MAD-sigmas (plain mean if the MAD is 0)."""
    if r.size == 0:
        return 0.0
    a = np.abs(r - np.median(r))
    s = _MAD_TO_SIGMA * float(np.median(a))
    if s > 0.0:
        return float(np.mean(np.minimum(a, 3.0 * s)))
    return float(np.mean(a))


def _circular_fill(values: np.ndarray, have: np.ndarray) -> np.ndarray:
    """Fill the knots without data by circular linear interpolation between knots with data."""
    nb = values.size
    if have.all():
        return values
    if not have.any():
        return np.zeros(nb)
    idx = np.flatnonzero(have)
    xp = np.concatenate([idx - nb, idx, idx + nb]).astype(float)
    fp = np.concatenate([values[idx]] * 3)
    return np.interp(np.arange(nb, dtype=float), xp, fp)


def _knots(t_ns: np.ndarray, t0: int, dt: float, period: float, nb: int):
    """Lower knot, upper knot and weight of the upper knot for each timestamp."""
    cyc = ((t_ns - t0).astype(np.float64) / dt) / period
    pos = (cyc - np.floor(cyc)) * nb
    lo = np.floor(pos)
    w1 = pos - lo
    lo = lo.astype(np.int64) % nb
    return lo, (lo + 1) % nb, w1


def _acf(x: np.ndarray, max_lag: int) -> np.ndarray:
    n = x.size
    y = x - x.mean()
    f = np.fft.rfft(y, 2 * n)
    ac = np.fft.irfft(f * np.conj(f))[: max_lag + 1]
    return ac / ac[0] if ac[0] > 0 else np.zeros(max_lag + 1)


def _holdout_error(t_ns: np.ndarray, x: np.ndarray, dt: float, period: float, nb: int) -> float:
    """Out-of-sample error of a per-knot median profile fitted before the last cycle."""
    pos = (t_ns - t_ns[0]).astype(np.float64) / dt
    test = pos > pos[-1] - period
    train = ~test
    near = np.rint(((pos / period) % 1.0) * nb).astype(np.int64) % nb
    prof = np.zeros(nb)
    have = np.zeros(nb, dtype=bool)
    xt = x[train]
    lvl = np.median(xt)
    order = np.argsort(near[train], kind="stable")
    keys, starts = np.unique(near[train][order], return_index=True)
    for key, chunk in zip(keys, np.split((xt - lvl)[order], starts[1:]), strict=True):
        prof[key] = np.median(chunk)
        have[key] = True
    prof = _circular_fill(prof, have)
    seas = x[test] - prof[near[test]]
    err_s = seas - np.median(seas)
    err_f = x[test] - np.median(x[test])
    s = _MAD_TO_SIGMA * float(np.median(np.abs(err_f)))
    cap = 6.0 * s if s > 0 else np.inf
    mse_s = float(np.mean(np.minimum(err_s**2, cap**2)))
    mse_f = float(np.mean(np.minimum(err_f**2, cap**2)))
    return mse_s / mse_f if mse_f > 0 else (0.0 if mse_s == 0 else np.inf)


class StreamingDetector:
    """Stateful streaming anomaly detector for one KPI; call :meth:`update` once per tick.

    Method
    ------
    Robust Holt-Winters baseline with Huber-clipped updates (Gelper, Fried & Croux 2010;
    Hyndman & Athanasopoulos 2021, ch. 8.3), on the log scale for wide positive series,
    phase-dependent robust EWMA scale, point z-score with a peaks-over-threshold tail
    calibration (Siffer et al. 2017), plus two-sided CUSUMs (Page 1954) that restart on
    sustained shifts (Basseville & Nikiforov 1993). See the module docstring for details.

    Parameters
    ----------
    season : "auto", int, float or None, default "auto"
        Seasonal period in points. ``"auto"`` chooses at the end of the warm-up among one day, one
        week or one year of points (from the median timestamp spacing) and the strongest
        autocorrelation peak of the warm-up prefix, by out-of-sample error on the last warm-up
        cycle; ``None`` or 0 disables seasonality.
    warmup : "auto" or int, default "auto"
        Number of valid points seen before alarms may fire; the baseline is initialised from them.
        ``"auto"`` is two days of points for spacings from 1 minute to 8 hours (2880 at 1 min, 576
        at 5 min, 48 at 1 h), ``max(20, 2 * season)`` for an explicit season, 21 for daily data
        (three weeks) and 30 otherwise. During warm-up the score is a robust z against the running
        median and interquartile range of the earlier points and ``is_anomaly`` is False.
    threshold : float, default 4.0
        Alarm threshold in robust sigmas (``is_anomaly`` when ``score >= threshold``); the lower
        bound of the tail-calibrated threshold that sets the band.
    min_consecutive : int, default 1
        Points in a row that must score at least ``threshold`` before ``is_anomaly`` is raised.
    direction : {"both", "up", "down"}, default "both"
        Which deviations count: "up" ignores drops, "down" ignores rises (and both ignore the
        variance CUSUM, which is two-sided).
    alpha : "auto" or float, default "auto"
        Level smoothing rate per point: ``2 / (w + 1)`` with ``w = max(8, season / 24)`` points
        (one hour on minute data with a daily season) or ``w = 16`` without a season.
    gamma : float, default 0.2
        Seasonal-profile smoothing rate per cycle (each knot moves by about ``gamma`` of its
        error per cycle); the per-knot scale uses ``gamma / 2``.
    beta : float, default 0.02
        Smoothing rate per point of the fast global scale ratio.
    huber : float, default 2.5
        Residuals are clipped to ``+/- huber * sigma`` before they update the baseline.
    cusum_k : float, default 1.0
        CUSUM reference value (allowance) in sigmas: shifts larger than about ``2 * cusum_k``
        accumulate.
    cusum_h : float or None, default 8.0
        CUSUM decision interval in sigmas; the score includes ``threshold * S / cusum_h``. None
        disables both CUSUMs (and re-levelling).
    relevel_window : int, default 8
        When the level CUSUM signals, the shift is accepted: the level is reset to the median of
        the deseasonalised points of the run (at most the last ``relevel_window``) and the
        CUSUMs restart, so a level shift raises a short burst of alarms, not an endless one.
    season_bins : int, default 288
        Maximum number of knots of the seasonal profile (5-minute knots for a daily season).
    seasonal_scale : bool, default True
        Whether the scale has its own seasonal profile (noisier peaks, quiet nights).
    min_scale : float, default 1e-9
        Absolute floor of sigma; sigma is also at least ``1e-3 * |level|`` (0.001 on the log
        scale), so a constant series never divides by zero.
    transform : {"auto", "log", None}, default "auto"
        ``"auto"`` models on the log scale when every warm-up value is positive and the largest
        is at least twice the smallest; later values <= 0 are floored at 1e-3 times the warm-up
        median. ``"log"`` forces it (if the warm-up has positive values), None never.
    tail_prob : float or None, default 1e-4
        Per-point exceedance probability of the tail-calibrated threshold; None disables the
        calibration (the threshold is then exactly ``threshold``).
    """

    def __init__(
        self,
        *,
        season: int | float | str | None = "auto",
        warmup: int | str = "auto",
        threshold: float = 4.0,
        min_consecutive: int = 1,
        direction: Direction = "both",
        alpha: float | str = "auto",
        gamma: float = 0.2,
        beta: float = 0.02,
        huber: float = 2.5,
        cusum_k: float = 1.0,
        cusum_h: float | None = 8.0,
        relevel_window: int = 8,
        season_bins: int = 288,
        seasonal_scale: bool = True,
        min_scale: float = 1e-9,
        transform: str | None = "auto",
        tail_prob: float | None = 1e-4,
    ) -> None:
        if direction not in ("both", "up", "down"):
            raise ValueError(f"direction must be 'both', 'up' or 'down', not {direction!r}")
        if not (season is None or season == "auto" or _is_number(season)):
            raise ValueError(f"season must be 'auto', a number of points or None, not {season!r}")
        if _is_number(season) and not (season == 0 or season >= 2):
            raise ValueError(f"season must be 0 or at least 2 points, not {season!r}")
        if not (warmup == "auto" or (_is_int(warmup) and warmup >= 2)):
            raise ValueError(f"warmup must be 'auto' or an integer >= 2, not {warmup!r}")
        if not (alpha == "auto" or (_is_number(alpha) and 0 < alpha <= 1)):
            raise ValueError(f"alpha must be 'auto' or in (0, 1], not {alpha!r}")
        for name, value in (("gamma", gamma), ("beta", beta)):
            if not (_is_number(value) and 0 <= value <= 1):
                raise ValueError(f"{name} must be in [0, 1], not {value!r}")
        for name, value in (("threshold", threshold), ("huber", huber), ("cusum_k", cusum_k)):
            if not (_is_number(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, not {value!r}")
        if cusum_h is not None and not (_is_number(cusum_h) and cusum_h > 0):
            raise ValueError(f"cusum_h must be a positive number or None, not {cusum_h!r}")
        for name, value in (
            ("min_consecutive", min_consecutive),
            ("relevel_window", relevel_window),
            ("season_bins", season_bins),
        ):
            if not (_is_int(value) and value >= 1):
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        if tail_prob is not None and not (_is_number(tail_prob) and 0 < tail_prob < 0.01):
            raise ValueError(f"tail_prob must be in (0, 0.01) or None, not {tail_prob!r}")
        if transform not in ("auto", "log", None):
            raise ValueError(f"transform must be 'auto', 'log' or None, not {transform!r}")
        if not (_is_number(min_scale) and min_scale >= 0):
            raise ValueError(f"min_scale must be >= 0, not {min_scale!r}")

        self.params: dict[str, Any] = {
            "season": season,
            "warmup": warmup,
            "threshold": float(threshold),
            "min_consecutive": int(min_consecutive),
            "direction": direction,
            "alpha": alpha,
            "gamma": float(gamma),
            "beta": float(beta),
            "huber": float(huber),
            "cusum_k": float(cusum_k),
            "cusum_h": None if cusum_h is None else float(cusum_h),
            "relevel_window": int(relevel_window),
            "season_bins": int(season_bins),
            "seasonal_scale": bool(seasonal_scale),
            "min_scale": float(min_scale),
            "transform": transform,
            "tail_prob": None if tail_prob is None else float(tail_prob),
        }
        self._dir = {"both": 0, "up": 1, "down": -1}[direction]
        # warm-up buffers (dropped once the model is initialised)
        self._wt: list[int] = []
        self._wx: list[float] = []
        self._wv: list[float] = []  # valid warm-up values, sorted
        self._warmup_n: int | None = int(warmup) if warmup != "auto" else None
        self._last_t: int | None = None
        self.n_seen = 0
        self.ready = False
        # fitted quantities, set by _initialise
        self.season_: float | None = None
        self.dt_: float | None = None
        self.log_: bool = False

    # ------------------------------------------------------------------ public API

    @classmethod
    def from_history(cls, series: pd.Series, **params: Any) -> StreamingDetector:
        """Build a detector and feed it a history series (same checks as detect_anomalies)."""
        det = cls(**params)
        det.process(series)
        return det

    def update(self, t: Any, x: float | None) -> dict[str, Any]:
        """Score one new observation ``x`` at timestamp ``t`` and update the state.

        Returns a dict with ``timestamp``, ``value``, ``expected``, ``lower``, ``upper``,
        ``score``, ``z``, ``is_anomaly`` and ``warmup``. A missing value (None/NaN/inf) gets a
        NaN score, ``is_anomaly=False`` and leaves the state unchanged.
        """
        ts = pd.Timestamp(t)
        if ts is pd.NaT or pd.isna(ts):
            raise ValueError("timestamp must not be NaT")
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        t_ns = np.array([ts.as_unit("ns").value], dtype=np.int64)
        xv = np.nan if x is None else float(x)
        out = self._process_arrays(t_ns, np.array([xv], dtype=np.float64))
        row: dict[str, Any] = {"timestamp": pd.Timestamp(t), "value": xv}
        for col in _COLUMNS:
            v = out[col][0]
            row[col] = bool(v) if col in ("is_anomaly", "warmup") else float(v)
        return row

    def process(self, series: pd.Series) -> pd.DataFrame:
        """Feed a whole series (continuing from the current state) and return one row per point."""
        t_ns, x = _validate(series)
        out = self._process_arrays(t_ns, x)
        return pd.DataFrame(out, index=series.index, columns=list(_COLUMNS))

    @property
    def effective_threshold(self) -> float:
        """Current tail-calibrated threshold in robust sigmas (``threshold`` during warm-up)."""
        return self._thr_eff if self.ready else self.params["threshold"]

    # ------------------------------------------------------------------ internals

    def _process_arrays(self, t_ns: np.ndarray, x: np.ndarray) -> dict[str, np.ndarray]:
        n = x.size
        if n and self._last_t is not None and t_ns[0] < self._last_t:
            raise ValueError("timestamps must be non-decreasing")
        x = np.where(np.isfinite(x), x, np.nan)
        out = {c: np.full(n, np.nan) for c in _COLUMNS[:5]}
        out["is_anomaly"] = np.zeros(n, dtype=bool)
        out["warmup"] = np.zeros(n, dtype=bool)
        i = 0
        while i < n and not self.ready:
            self._warm_step(int(t_ns[i]), float(x[i]), out, i)
            i += 1
        if i < n:
            self._run(t_ns[i:], x[i:], out, i)
        if n:
            self._last_t = int(t_ns[-1])
            self.n_seen += n
        return out

    def _score(self, z: float, sp: float, sn: float, sv: float) -> float:
        """Directional score from the point z and the CUSUM statistics (already in sigma units)."""
        if self._dir == 0:
            return max(abs(z), sp, sn, sv)
        if self._dir > 0:
            return max(z, sp)
        return max(-z, sn)

    def _warm_step(self, t: int, x: float, out: dict[str, np.ndarray], i: int) -> None:
        p = self.params
        out["warmup"][i] = True
        self._wt.append(t)
        self._wx.append(x)
        srt = self._wv
        nv = len(srt)
        if nv:
            med = _quantile_sorted(srt, 0.5)
            sig = (_quantile_sorted(srt, 0.75) - _quantile_sorted(srt, 0.25)) / _IQR_TO_SIGMA
            sig = max(sig, _floor(med, p["min_scale"]))
            out["expected"][i] = med
            out["lower"][i] = med - p["threshold"] * sig
            out["upper"][i] = med + p["threshold"] * sig
        if x == x:
            if nv:
                z = (x - med) / sig
            else:
                z = 0.0
                out["expected"][i] = out["lower"][i] = out["upper"][i] = x
            out["z"][i] = z
            out["score"][i] = self._score(z, 0.0, 0.0, 0.0)
            bisect.insort(srt, x)
            nv += 1
        if self._warmup_n is None and len(self._wt) >= 5:
            self._warmup_n = self._auto_warmup(self._median_dt())
        if self._warmup_n is not None and nv >= self._warmup_n:
            self._initialise()

    def _median_dt(self) -> float | None:
        d = np.diff(np.asarray(self._wt, dtype=np.int64))
        d = d[d > 0]
        return float(np.median(d)) if d.size else None

    def _auto_warmup(self, dt: float | None) -> int:
        season = self.params["season"]
        if _is_number(season):
            return max(20, math.ceil(2 * season)) if season else 30
        if dt is None:
            return 30
        ppd = _NS_PER_DAY / dt
        if 3 <= ppd <= 1440 * 1.0001:
            return max(20, math.ceil(2 * ppd))
        if 0.9 <= ppd < 3:
            return 21
        return 30

    def _choose_season(self, t: np.ndarray, x: np.ndarray, dt: float | None) -> float | None:
        season = self.params["season"]
        if season is None or dt is None:
            return None
        if _is_number(season):
            return float(season) if season else None
        n = x.size
        span = (t[-1] - t[0]) / dt + 1.0
        cands: list[float] = []
        ppd = _NS_PER_DAY / dt
        for per in (ppd, 7 * ppd, 365.25 * ppd):
            if 3 <= per <= 1440 * 1.0001:
                cands.append(per)
        # autocorrelation peak of the warm-up (time-regular grid, gaps interpolated, detrended)
        grid_n = int(round(span))
        if n >= 12 and grid_n <= 4 * n + 16:
            pos = (t - t[0]) / dt
            g = np.interp(np.arange(grid_n, dtype=float), pos, x)
            g = g - np.polyval(np.polyfit(np.arange(grid_n), g, 1), np.arange(grid_n))
            max_lag = grid_n // 2
            if max_lag >= 4:
                ac = _acf(g, max_lag)
                lags = np.arange(3, max_lag + 1)
                peaks = lags[
                    (ac[lags] > ac[lags - 1]) & (ac[lags] >= ac[np.minimum(lags + 1, max_lag)])
                ]
                if peaks.size:
                    best = int(peaks[np.argmax(ac[peaks])])
                    if ac[best] > 0.3 and not any(abs(best - c) <= 0.05 * c for c in cands):
                        cands.append(float(best))
        best_per, best_err = None, 0.8  # must beat the flat baseline by 20 % (squared error)
        fallback = None
        for per in cands:
            if span >= 2 * per:
                nb = max(1, min(int(round(per)), self.params["season_bins"]))
                err = _holdout_error(t, x, dt, per, nb)
                if err < best_err:
                    best_per, best_err = per, err
            elif per == cands[0] and per == ppd and span >= per:
                fallback = per
        return best_per if best_per is not None else fallback

    def _initialise(self) -> None:
        p = self.params
        t_all = np.asarray(self._wt, dtype=np.int64)
        x_all = np.asarray(self._wx, dtype=np.float64)
        ok = np.isfinite(x_all)
        t, x = t_all[ok], x_all[ok]
        tr = p["transform"]
        pos_x = x[x > 0]
        self.log_ = bool(
            pos_x.size
            and (tr == "log" or (tr == "auto" and pos_x.size == x.size and x.max() >= 2 * x.min()))
        )
        if self.log_:
            self._eps = 1e-3 * float(np.median(pos_x))
            x = np.log(np.maximum(x, self._eps))
        else:
            self._eps = 0.0
        dt = self._median_dt()
        per = self._choose_season(t, x, dt)
        self.dt_, self.season_ = dt, per
        self._t0 = int(t_all[0])
        if per is not None:
            nb = max(1, min(int(round(per)), p["season_bins"]))
            pts_per_knot = per / nb
            lo, hi, w1 = _knots(t, self._t0, dt, per, nb)
            near = np.where(w1 < 0.5, lo, hi)
            lvl0 = float(np.median(x))
            prof = np.zeros(nb)
            have = np.zeros(nb, dtype=bool)
            for k in np.unique(near):
                prof[k] = np.median(x[near == k] - lvl0)
                have[k] = True
            prof = _circular_fill(prof, have)
            prof -= prof.mean()
            e = x - ((1.0 - w1) * prof[lo] + w1 * prof[hi])
            tail = max(10, int(round(per / 4)))
            self._gamma_pt = p["gamma"] / pts_per_knot
            self._gamma_s_pt = 0.5 * p["gamma"] / pts_per_knot
            w_level = max(8.0, per / 24.0)
        else:
            nb = 1
            prof = np.zeros(1)
            near = np.zeros(x.size, dtype=np.int64)
            e = x
            tail = max(10, x.size // 2)
            self._gamma_pt = 0.0
            self._gamma_s_pt = 0.01
            w_level = 16.0
        self._nb = nb
        self._nbs = nb if p["seasonal_scale"] else 1
        r = e - np.median(e)
        glob = _robust_mean_abs(r)
        sb = np.full(self._nbs, glob)
        if self._nbs > 1:
            cap = 3.0 * glob * _SQRT_HALF_PI if glob > 0 else np.inf
            a = np.minimum(np.abs(r), cap)
            cnt = np.bincount(near, minlength=nb).astype(float)
            tot = np.bincount(near, weights=a, minlength=nb)
            sb = (tot + _SHRINK_N0 * glob) / (cnt + _SHRINK_N0)
        self._alpha = 2.0 / (w_level + 1.0) if p["alpha"] == "auto" else float(p["alpha"])
        self._P = [float(v) for v in prof]
        self._SB = [float(v) for v in sb]
        self._level = float(np.median(e[-tail:]))
        self._g = 1.0
        self._sp = self._sn = self._sv = 0.0
        self._runp = self._runn = 0
        self._gp0 = self._gn0 = 1.0
        self._ring = [math.nan] * p["relevel_window"]
        self._ring_i = 0
        self._consec = 0
        self._pu, self._m1 = _EVT_PU0, _EVT_M10  # normal-tail prior
        self._npk = _EVT_PRIOR_PEAKS
        self._thr_eff = p["threshold"]
        self._cmax = 0.0  # maximum |z| of the current run of exceedances (0: not in a run)
        self.ready = True
        self._wt, self._wx, self._wv = [], [], []

    def _run(self, t_ns: np.ndarray, x: np.ndarray, out: dict[str, np.ndarray], off: int) -> None:
        """Main loop: the same code serves one tick (update) and a whole series (process)."""
        p = self.params
        n = x.size
        if self.season_ is not None:
            lo, hi, w1 = _knots(t_ns, self._t0, self.dt_, self.season_, self._nb)
            lo_l, hi_l, w_l = lo.tolist(), hi.tolist(), w1.tolist()
        else:
            lo_l = hi_l = [0] * n
            w_l = [0.0] * n
        if self._nbs > 1:
            slo_l, shi_l, sw_l = lo_l, hi_l, w_l
        else:
            slo_l = shi_l = [0] * n
            sw_l = [0.0] * n
        xl = x.tolist()
        exp_o, low_o, up_o = [math.nan] * n, [math.nan] * n, [math.nan] * n
        sc_o, z_o = [math.nan] * n, [math.nan] * n
        fl_o = [False] * n

        thr = p["threshold"]
        minc = p["min_consecutive"]
        alpha, gam, gams, beta = self._alpha, self._gamma_pt, self._gamma_s_pt, p["beta"]
        hub = p["huber"]
        k = p["cusum_k"]
        use_cusum = p["cusum_h"] is not None
        h = p["cusum_h"] if use_cusum else 1.0
        hv = _VAR_H_FACTOR * h
        c_lvl, c_var = thr / h, thr / hv  # CUSUM statistic -> score units
        use_log, eps = self.log_, self._eps
        # sigma floor: relative to |level| on the raw scale, 0.1 % (absolute) on the log scale
        f_abs = p["min_scale"] + (_REL_FLOOR if use_log else 0.0)
        f_rel = 0.0 if use_log else _REL_FLOOR
        d = self._dir
        nring = p["relevel_window"]
        k_sig = _SQRT_HALF_PI
        seasonal = self.season_ is not None
        use_evt = p["tail_prob"] is not None
        log_inv_q = -math.log(p["tail_prob"]) if use_evt else 0.0
        thr_max = _EVT_MAX_FACTOR * thr
        pu, npk, m1, thr_eff, cmax = self._pu, self._npk, self._m1, self._thr_eff, self._cmax
        rate_pu = 1.0 / _EVT_PU_WINDOW
        P, SB, ring = self._P, self._SB, self._ring
        level, g = self._level, self._g
        sp, sn, sv, runp, runn = self._sp, self._sn, self._sv, self._runp, self._runn
        gp0, gn0, ring_i, consec = self._gp0, self._gn0, self._ring_i, self._consec

        for i in range(n):
            j0 = lo_l[i]
            j1 = hi_l[i]
            v1 = w_l[i]
            v0 = 1.0 - v1
            prof = v0 * P[j0] + v1 * P[j1]
            s0 = slo_l[i]
            s1 = shi_l[i]
            u1 = sw_l[i]
            u0 = 1.0 - u1
            sbi = u0 * SB[s0] + u1 * SB[s1]
            expected = level + prof
            sig = k_sig * sbi * g
            floor = f_abs + f_rel * abs(level)
            floored = sig < floor
            if floored:
                sig = floor
            band = thr_eff * sig
            if use_log:
                exp_o[i] = math.exp(expected)
                low_o[i] = math.exp(expected - band)
                up_o[i] = math.exp(expected + band)
            else:
                exp_o[i] = expected
                low_o[i] = expected - band
                up_o[i] = expected + band
            xi = xl[i]
            if xi != xi:  # missing: no score, no update
                continue
            if use_log:
                xi = math.log(xi if xi > eps else eps)
            r = xi - expected
            z = r / sig
            z_o[i] = z
            az = -z if z < 0 else z
            # CUSUMs (in sigma units)
            if use_cusum:
                zc = _CUSUM_CLIP if z > _CUSUM_CLIP else (-_CUSUM_CLIP if z < -_CUSUM_CLIP else z)
                if sp == 0.0:
                    gp0 = g
                sp, runp = page_update(sp, runp, zc - k)
                if sn == 0.0:
                    gn0 = g
                sn, runn = page_update(sn, runn, -zc - k)
                sv, _ = page_update(sv, 0, (az if az < _VAR_CLIP else _VAR_CLIP) - _VAR_K)
                csp, csn, csv = c_lvl * sp, c_lvl * sn, c_var * sv
            else:
                csp = csn = csv = 0.0
            # point score, calibrated by the tail threshold (equal to |z| for light tails)
            cal = thr / thr_eff
            if d == 0:
                score = max(az * cal, csp, csn, csv)
            elif d > 0:
                score = max(z * cal, csp)
            else:
                score = max(-z * cal, csn)
            sc_o[i] = score
            if score >= thr:
                consec += 1
                fl_o[i] = consec >= minc
            else:
                consec = 0
            # peaks-over-threshold tail model of |z| (exponential tail, i.e. GPD with xi = 0),
            # runs-declustered: each run of exceedances contributes its maximum only
            if use_evt:
                if az > _EVT_U:
                    if az > cmax:
                        cmax = az
                    pu -= rate_pu * pu
                elif cmax > 0.0:
                    y = cmax - _EVT_U
                    if y > _EVT_YCAP:
                        y = _EVT_YCAP
                    npk += 1.0
                    rk = 1.0 / npk if npk < _EVT_PEAK_WINDOW else 1.0 / _EVT_PEAK_WINDOW
                    m1 += rk * (y - m1)
                    pu += rate_pu * (1.0 - pu)
                    cmax = 0.0
                    zq = _EVT_U + m1 * (math.log(pu) + log_inv_q)
                    thr_eff = thr if zq < thr else (zq if zq < thr_max else thr_max)
                else:
                    pu -= rate_pu * pu
            # robust (Huber-clipped) baseline update
            c = hub * sig
            psi = c if r > c else (-c if r < -c else r)
            level += alpha * psi
            if seasonal:
                P[j0] += gam * v0 * psi
                P[j1] += gam * v1 * psi
            # scale update: per-knot EWMA of the clipped |r| and fast global ratio
            a = -r if r < 0 else r
            cap = _SCALE_CLIP * sig
            if a > cap:
                a = cap
            if u1 == 0.0:
                SB[s0] += gams * (a - sbi)
            else:
                SB[s0] += gams * u0 * (a - sbi)
                SB[s1] += gams * u1 * (a - sbi)
            if not floored and sbi > 0.0:
                g += beta * (a / sbi - g)
                if g < _G_MIN:
                    g = _G_MIN
                elif g > _G_MAX:
                    g = _G_MAX
            # re-levelling after a sustained shift
            ring[ring_i] = xi - prof
            ring_i = ring_i + 1 if ring_i + 1 < nring else 0
            if use_cusum and (sp >= h or sn >= h):
                # CUSUM signal: accept the new level (median of the run's deseasonalised values)
                # unless the EWMA level has already moved there, and restart the CUSUMs
                m_run = runp if sp >= h else runn
                med = _median(ring if m_run >= nring else _last(ring, ring_i, m_run))
                if (sp >= h and med > level) or (sn >= h and med < level):
                    level = med
                g = gp0 if sp >= h else gn0
                sp = sn = sv = 0.0
                runp = runn = 0

        self._level, self._g = level, g
        self._sp, self._sn, self._sv, self._runp, self._runn = sp, sn, sv, runp, runn
        self._gp0, self._gn0, self._ring_i, self._consec = gp0, gn0, ring_i, consec
        self._pu, self._npk, self._m1, self._thr_eff, self._cmax = pu, npk, m1, thr_eff, cmax
        sl = slice(off, off + n)
        out["expected"][sl] = exp_o
        out["lower"][sl] = low_o
        out["upper"][sl] = up_o
        out["score"][sl] = sc_o
        out["z"][sl] = z_o
        out["is_anomaly"][sl] = fl_o


def _quantile_sorted(s: list[float], q: float) -> float:
    """Quantile of a sorted non-empty list (linear interpolation, numpy's default rule)."""
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = lo + 1 if lo + 1 < len(s) else lo
    return s[lo] + (pos - lo) * (s[hi] - s[lo])


def _last(ring: list[float], nxt: int, m: int) -> list[float]:
    """The ``m`` most recent entries of a ring buffer whose next write position is ``nxt``."""
    if m <= nxt:
        return ring[nxt - m : nxt]
    return ring[nxt - m :] + ring[:nxt]


def _median(values: Sequence[float]) -> float:
    s = sorted(values)
    m = len(s)
    return s[m // 2] if m % 2 else 0.5 * (s[m // 2 - 1] + s[m // 2])


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def _validate(series: Any) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(series, pd.Series):
        raise TypeError(f"series must be a pandas Series, not {type(series).__name__}")
    idx = series.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise TypeError(
            f"series must be indexed by timestamps (DatetimeIndex), not {type(idx).__name__}"
        )
    if idx.hasnans:
        raise ValueError("series index must not contain NaT")
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    t_ns = idx.as_unit("ns").asi8.astype(np.int64, copy=False)
    if t_ns.size > 1 and np.any(np.diff(t_ns) < 0):
        raise ValueError("series index must be sorted (non-decreasing timestamps)")
    try:
        x = series.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"series values must be numeric, not {series.dtype}") from exc
    return t_ns, x


def detect_anomalies(series: pd.Series, **params: Any) -> pd.DataFrame:
    """Flag anomalies in a KPI series causally, as a live detector would have flagged them.

    Method
    ------
    Robust Holt-Winters baseline (Huber-clipped updates: Gelper, Fried & Croux 2010; Hyndman &
    Athanasopoulos, *Forecasting: Principles and Practice*, 2021, ch. 8.3), multiplicative (log
    scale) for wide positive series, with a seasonal profile initialised by per-phase medians
    (as in STL, Cleveland et al. 1990), a phase-dependent robust EWMA scale, a point z-score
    whose threshold is tail-calibrated by peaks over threshold (Siffer et al., KDD 2017) and
    two-sided CUSUMs (Page 1954) that restart after sustained shifts (Basseville & Nikiforov
    1993). Identical to feeding :class:`StreamingDetector` one point at a time; see it for the
    parameters and defaults.

    Parameters
    ----------
    series : pd.Series
        Numeric values indexed by a sorted ``DatetimeIndex`` at a regular spacing (minutes to
        days). NaN/None/inf are missing: NaN score, ``is_anomaly`` False, state unchanged.
    **params
        Keyword parameters of :class:`StreamingDetector` (``season``, ``warmup``, ``threshold``,
        ``min_consecutive``, ``direction``, ``alpha``, ``gamma``, ``beta``, ``huber``,
        ``cusum_k``, ``cusum_h``, ``relevel_window``, ``season_bins``, ``seasonal_scale``,
        ``min_scale``, ``transform``, ``tail_prob``).

    Returns
    -------
    pd.DataFrame
        Same index as ``series``; columns ``expected``, ``lower``, ``upper`` (the band),
        ``score`` (calibrated robust sigmas, higher is more anomalous; alarm at ``threshold``),
        ``z`` (signed one-step residual in robust sigmas, on the log scale if transformed),
        ``is_anomaly`` (bool) and ``warmup`` (bool).

    Raises
    ------
    TypeError
        If ``series`` is not a Series, its index is not a DatetimeIndex or its values are not
        numeric.
    ValueError
        For an unsorted index, NaT timestamps or an invalid parameter (e.g. ``direction``).
    """
    det = StreamingDetector(**params)
    return det.process(series)


def evaluate(labels: Any, flags: Any, window: int) -> dict[str, float]:
    """Event-window precision, recall and F1 of alarm flags against anomaly labels.

    Method
    ------
    Each run of consecutive true labels is one event; it is detected when a flag falls in
    ``[start, end + window]`` (the event window of the Numenta Anomaly Benchmark, Lavin & Ahmad
    2015, made one-sided so that only timely alarms count). Each run of consecutive flags is one
    alarm; it is a false alarm when it touches no event window. Precision = true alarms /
    alarms, recall = detected events / events.
    """
    lab = np.asarray(labels, dtype=bool)
    flg = np.asarray(flags, dtype=bool)
    if lab.shape != flg.shape or lab.ndim != 1:
        raise ValueError("labels and flags must be 1-d and of the same length")
    n = lab.size
    in_win = np.zeros(n, dtype=bool)
    starts, ends = _runs(lab)
    delays: list[int] = []
    detected = 0
    for s, e in zip(starts, ends, strict=True):
        stop = min(n, e + window + 1)
        in_win[s:stop] = True
        hit = np.flatnonzero(flg[s:stop])
        if hit.size:
            detected += 1
            delays.append(int(hit[0]))
    a_starts, a_ends = _runs(flg)
    true_alarms = sum(bool(in_win[s : e + 1].any()) for s, e in zip(a_starts, a_ends, strict=True))
    n_alarms = len(a_starts)
    precision = true_alarms / n_alarms if n_alarms else 1.0
    recall = detected / len(starts) if len(starts) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "events": float(len(starts)),
        "detected": float(detected),
        "alarms": float(n_alarms),
        "false_alarms": float(n_alarms - true_alarms),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "mean_delay": float(np.mean(delays)) if delays else math.nan,
    }


def _runs(mask: np.ndarray) -> tuple[list[int], list[int]]:
    """Start and end (inclusive) indices of the runs of True in a boolean array."""
    if mask.size == 0:
        return [], []
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.flatnonzero(d == 1).tolist(), (np.flatnonzero(d == -1) - 1).tolist()
