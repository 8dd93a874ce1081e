"""Daily demand forecast per SKU x location with weekly seasonality and promo days.

Model (a multiplicative count model with a promo-calendar regressor):

.. math::

    \\mathbb E[Y_{i,t}] = \\mu_{i,t} = L_i \\; s_{d(t)} \\; m_t^{\\beta} \\; e^{g (t - T)},\\qquad
    Y_{i,t} \\sim \\text{NegBin}(\\text{mean } \\mu_{i,t},\\ \\text{variance }
    \\mu_{i,t} + \\phi_i\\,\\mu_{i,t}^2)

- ``m_t`` is the promo calendar's planned demand multiplier of day ``t`` (traffic x cart x
  order multipliers x the day's hour peaks, see :func:`calendar_multiplier`): the promo plan is
  known in advance, so the forecast "knows" Double 11 before it happens.
- ``s_d`` (day of week), the elasticity ``beta`` and the daily growth ``g`` are shared by all
  series and estimated on the daily total by a recency-weighted (half-life 28 days), penalised
  Poisson regression ``log E[total_t] = c + g (t - T) + log s_d(t) + beta log m_t`` solved by
  Newton's method (Poisson GLM: McCullagh & Nelder 1989, *Generalized Linear Models* 2nd ed.,
  ch. 6; multiplicative seasonal decomposition: Hyndman & Athanasopoulos 2021, *Forecasting:
  Principles and Practice* 3rd ed., 3.4). Priors: ``log s_d ~ N(0, 0.2^2)``,
  ``beta ~ N(1, 0.25^2)`` (the plan's lift is believed until history contradicts it),
  ``g ~ N(0, 0.01^2)``.
- ``L_i`` is the series' level: an exponentially weighted Poisson rate (half-life ``h`` days)
  with a gamma prior at the series' full-history rate worth ``a`` pseudo-days, itself shrunk
  (``b`` pseudo-days) toward the independence rate of its SKU x location cell when the panel's
  groups are given (two-level gamma-Poisson posterior means; Gelman et al. 2013, *Bayesian Data
  Analysis* 3rd ed., sections 2.6 and 5.3)

  .. math::

      L_i = \\frac{\\sum_\\tau \\lambda^{T-\\tau} y_{i\\tau} + a\\, r_i}
                 {\\sum_\\tau \\lambda^{T-\\tau} f_\\tau + a},\\quad
      r_i = \\frac{\\sum_\\tau y_{i\\tau} + b\\, \\rho_i}{\\sum_\\tau f_\\tau + b},\\quad
      \\rho_i = \\frac{Y_{s(i)} Y_{l(i)}}{Y \\sum_\\tau f_\\tau},

  with ``lambda = 2^(-1/h)``, ``f_tau = s_d(tau) m_tau^beta e^{g (tau - T)}`` (``g``: shared daily
  growth) and ``Y_s``, ``Y_l``, ``Y`` the history totals of the series' SKU, location and all.
  The defaults (``h = a = 28``, ``b = 56``) were chosen on rolling backtests of simulated worlds.
  Pooling the shape across series and shrinking each level toward its cell keeps forecasts of
  intermittent SKU x location demand stable where per-series estimates would be mostly noise.
- ``phi_i`` (overdispersion) is a method-of-moments estimate on the out-of-sample errors of
  forecasts 1-7 days ahead over history, ``phi = sum((y - mu)^2 - mu) / sum(mu^2)`` (Cameron &
  Trivedi 2013, *Regression Analysis of Count Data* 2nd ed., 3.2), per series and shrunk toward
  the pooled value (prior worth ``sum(mu^2) = 30``), floored at ~0 (Poisson). Intervals are the
  negative-binomial quantiles; counts are discrete, so :func:`interval` also returns the
  probability each interval really holds.
- ``common_sd``: the part of the daily total's relative error not explained by independent
  series noise (a shared level/calendar error), used by :func:`sample_paths` for sums of series.

Baseline: seasonal naive ``y_hat_{t+h} = y_{t+h-7}`` (Hyndman & Athanasopoulos 2021, 5.2).
Accuracy: WAPE = sum|y - y_hat| / sum y; MAPE = mean |y - y_hat| / y over ``y > 0`` only
(undefined at zero; Hyndman & Koehler 2006, *Int. J. Forecasting* 22, 679-688).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "ForecastFit",
    "accuracy",
    "backtest",
    "calendar_multiplier",
    "fit",
    "interval",
    "nb_quantile",
    "predict",
    "sample_paths",
    "seasonal_naive",
    "shape_of",
]

SEASON = 7
PHI_FLOOR = 1e-6  # NegBin with this overdispersion is Poisson to 6 digits


@dataclass(frozen=True)
class ForecastFit:
    """A fitted model: per-series levels and the shared weekday/promo shape and dispersion."""

    level: np.ndarray  # (n_series,) units per day on an ordinary (factor 1) day
    weekday: np.ndarray  # (7,) multiplicative day-of-week factors (Mon..Sun), geometric mean 1
    beta: float  # elasticity of demand to the calendar multiplier
    growth: float  # shared daily log growth of demand
    phi: np.ndarray  # (n_series,) NB overdispersion (variance = mu + phi mu^2)
    common_sd: float  # sd of the multiplicative error shared by all series (aggregation)
    resid_sd: np.ndarray  # (n_series,) RMSE of one-step-ahead errors over history
    last_date: dt.date  # last day of history


def calendar_multiplier(
    traffic: Sequence[float],
    cart: Sequence[float],
    order: Sequence[float],
    hour_peak: np.ndarray,
    hour_profile: Sequence[float],
) -> np.ndarray:
    """Planned demand multiplier of each day from a promo calendar (1 on an ordinary day).

    ``m_t = traffic_t * cart_t * order_t * sum_h(p_h * peak_{t,h}) / sum_h(p_h)`` with ``p_h`` the
    hour-of-day session profile: sessions scale with traffic (and the hour peaks weighted by how
    busy those hours are), orders per session with the cart and order stage multipliers.
    """
    p = np.asarray(hour_profile, dtype=float)
    peak = np.asarray(hour_peak, dtype=float).reshape(-1, len(p))
    day_factor = (peak * p).sum(1) / p.sum()
    out = np.asarray(traffic, float) * np.asarray(cart, float) * np.asarray(order, float)
    out = out * day_factor
    if np.any(~np.isfinite(out)) or np.any(out <= 0):
        raise ValueError("calendar multipliers must be positive and finite")
    return out


def _check(y: np.ndarray, dates: Sequence[dt.date], promo: np.ndarray) -> None:
    if y.ndim != 2:
        raise ValueError("y must be a 2-d array (series x days)")
    if y.shape[1] != len(dates) or len(promo) < len(dates):
        raise ValueError("y, dates and promo must cover the same days")
    if y.shape[1] < 2 * SEASON:
        raise ValueError(f"need at least {2 * SEASON} days of history, got {y.shape[1]}")
    if np.any(y < 0) or np.any(~np.isfinite(y)):
        raise ValueError("demand must be finite and non-negative")


def shape_of(y: np.ndarray, dates: Sequence[dt.date], promo: np.ndarray) -> tuple:
    """The shared shape ``(weekday factors, beta, growth)`` of a panel, from its daily total."""
    y = np.asarray(y, dtype=float)
    promo = np.asarray(promo, dtype=float)[: len(dates)]
    _check(y, dates, promo)
    dow = np.array([d.weekday() for d in dates])
    return _shape(y.sum(0), dow, np.log(promo))


def _shape(
    total: np.ndarray,
    dow: np.ndarray,
    log_m: np.ndarray,
    *,
    halflife: float = 28.0,
    weekday_sd: float = 0.2,
    beta_prior: tuple[float, float] = (1.0, 0.25),
    growth_sd: float = 0.01,
) -> tuple[np.ndarray, float, float]:
    """Weekday factors, promo elasticity and daily growth from the daily total.

    Recency-weighted penalised Poisson regression (weights ``2^(-(T-1-t)/halflife)``)::

        log E[total_t] = c + g (t - T + 1) + log s_{d(t)} + beta log m_t

    with priors ``log s_d ~ N(0, weekday_sd^2)``, ``beta ~ N(beta_prior)``, ``g ~ N(0, growth_sd^2)``.
    """
    T = len(total)
    b0, bsd = beta_prior
    age = np.arange(T) - (T - 1.0)
    wt = 0.5 ** (-age / halflife)
    x = np.zeros((T, 10))
    x[:, 0] = 1.0
    x[:, 1] = age
    x[np.arange(T), 2 + dow] = 1.0
    x[:, 9] = log_m
    prior_mean = np.zeros(10)
    prior_mean[9] = b0
    prec = np.zeros(10)
    prec[1] = 1.0 / growth_sd**2
    prec[2:9] = 1.0 / weekday_sd**2
    prec[9] = 1.0 / bsd**2

    # Newton's method on the concave log posterior (penalised IRLS, McCullagh & Nelder 2.5).
    theta = prior_mean.copy()
    theta[0] = np.log(max(float(np.average(total, weights=wt)), 1e-9))
    for _ in range(50):
        mu = np.exp(np.clip(x @ theta, -50, 50))
        grad = x.T @ (wt * (total - mu)) - prec * (theta - prior_mean)
        hess = (x * (wt * mu)[:, None]).T @ x + np.diag(prec) + 1e-9 * np.eye(10)
        step = np.linalg.solve(hess, grad)
        theta = theta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    wk = theta[2:9] - theta[2:9].mean()
    return np.exp(wk), float(theta[9]), float(theta[1])


def fit(
    y: np.ndarray,
    dates: Sequence[dt.date],
    promo: np.ndarray,
    *,
    halflife: float = 28.0,
    prior_days: float = 28.0,
    group_prior_days: float = 56.0,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
    phi_prior: float = 30.0,
    horizon: int = 7,
    warmup: int = SEASON,
    shape: tuple | None = None,
) -> ForecastFit:
    """Fit the model of the module docstring on history ``y`` (series x days).

    ``promo`` holds the calendar multiplier of each history day (same length as ``dates``).
    ``shape`` (from :func:`shape_of` on a larger panel) fixes the shared weekday/promo/growth
    shape, e.g. to forecast an aggregate with the shape of the whole SKU x location panel.
    ``groups`` = (SKU codes, location codes) of the series turns on the cell prior ``rho``.
    """
    y = np.asarray(y, dtype=float)
    promo = np.asarray(promo, dtype=float)[: len(dates)]
    _check(y, dates, promo)
    if not halflife > 0 or prior_days < 0 or group_prior_days < 0:
        raise ValueError("halflife must be > 0 and the prior strengths >= 0")
    dow = np.array([d.weekday() for d in dates])
    log_m = np.log(promo)
    weekday, beta, growth = _shape(y.sum(0), dow, log_m) if shape is None else shape
    T = y.shape[1]
    f = weekday[dow] * promo**beta * np.exp(growth * (np.arange(T) - (T - 1.0)))
    lam = 0.5 ** (1.0 / halflife)
    tot = y.sum(1)
    if groups is None:
        rbar = tot / f.sum()
    else:
        sku, loc = (np.asarray(g, dtype=np.int64) for g in groups)
        if len(sku) != len(y) or len(loc) != len(y):
            raise ValueError("groups must give a SKU and a location code per series")
        cell = np.bincount(sku, tot)[sku] * np.bincount(loc, tot)[loc] / max(tot.sum(), 1e-12)
        rbar = (tot + group_prior_days * cell / f.sum()) / (f.sum() + group_prior_days)
    # Running exponentially weighted sums give every one-step-ahead level at once.
    num = np.zeros_like(y)
    den = np.zeros(T)
    acc_n = np.zeros(y.shape[0])
    acc_d = 0.0
    for t in range(T):
        acc_n = lam * acc_n + y[:, t]
        acc_d = lam * acc_d + f[t]
        num[:, t] = acc_n
        den[t] = acc_d
    levels = (num + prior_days * rbar[:, None]) / (den + prior_days)
    # Out-of-sample errors at horizons 1..H: forecast of day t made from the level at t - h.
    errs, mus = [], []
    for h in range(1, horizon + 1):
        lo = max(warmup, h)
        if lo >= T:
            break
        mu_h = levels[:, lo - h : T - h] * f[lo:]
        errs.append(y[:, lo:] - mu_h)
        mus.append(mu_h)
    if not errs:
        raise ValueError("history too short for the error estimates")
    e, mu = np.concatenate(errs, axis=1), np.concatenate(mus, axis=1)
    resid_sd = np.sqrt(np.mean(e**2, axis=1))
    d_i = np.sum(mu**2, axis=1)
    s_i = np.sum(e**2 - mu, axis=1)
    phi_pool = max(float(s_i.sum() / d_i.sum()), 0.0) if d_i.sum() > 0 else 0.0
    phi = np.maximum((s_i + phi_prior * phi_pool) / (d_i + phi_prior), PHI_FLOOR)
    # Shared error: relative error of the total beyond what independent NB noise explains.
    tot_mu = mu.sum(0)
    ok = tot_mu > 0
    rel = (e.sum(0)[ok]) / tot_mu[ok]
    indep = (tot_mu[ok] + (phi[:, None] * mu[:, ok] ** 2).sum(0)) / tot_mu[ok] ** 2
    common_var = max(float(np.mean(rel**2 - indep)), 0.0) if ok.any() else 0.0
    return ForecastFit(
        levels[:, -1], weekday, beta, growth, phi, float(np.sqrt(common_var)), resid_sd, dates[-1]
    )


def predict(model: ForecastFit, dates: Sequence[dt.date], promo: np.ndarray) -> np.ndarray:
    """Mean forecast (series x len(dates)) for future days with their calendar multipliers."""
    promo = np.asarray(promo, dtype=float)
    if len(promo) != len(dates) or np.any(promo <= 0):
        raise ValueError("promo must give one positive multiplier per forecast day")
    dow = np.array([d.weekday() for d in dates], dtype=int)
    ahead = np.array([(d - model.last_date).days for d in dates], dtype=float)
    if np.any(ahead < 1):
        raise ValueError("forecast dates must come after the last day of history")
    f = model.weekday[dow] * promo**model.beta * np.exp(model.growth * ahead)
    return model.level[:, None] * f[None, :]


def _nb(mean: np.ndarray, phi: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """scipy ``nbinom`` parameters (n, p) of NegBin(mean, variance mean + phi mean^2)."""
    n = 1.0 / np.maximum(np.asarray(phi, dtype=float), PHI_FLOOR)
    return n, n / (n + np.asarray(mean, dtype=float))


def nb_quantile(mean: np.ndarray, phi: np.ndarray | float, q: float) -> np.ndarray:
    """Quantile ``q`` of NegBin(mean, variance mean + phi mean^2); ``phi`` broadcasts."""
    n, p = _nb(mean, phi)
    return stats.nbinom.ppf(q, n, p)


def _nb_cdf(k: np.ndarray, mean: np.ndarray, phi: np.ndarray | float) -> np.ndarray:
    n, p = _nb(mean, phi)
    return stats.nbinom.cdf(k, n, p)


def interval(
    mean: np.ndarray, phi: np.ndarray | float, level: float = 0.8
) -> dict[str, np.ndarray]:
    """Central prediction interval ``[Q((1-level)/2), Q((1+level)/2)]`` and its exact content.

    Counts are discrete, so the interval holds at least ``level`` of the predictive mass;
    ``content`` = P(lo <= Y <= hi) is the probability it really holds (what coverage should match).
    """
    if not 0 < level < 1:
        raise ValueError("level must be in (0, 1)")
    lo = nb_quantile(mean, phi, (1 - level) / 2)
    hi = nb_quantile(mean, phi, (1 + level) / 2)
    content = _nb_cdf(hi, mean, phi) - _nb_cdf(lo - 1, mean, phi)
    return {"lo": lo, "hi": hi, "content": content}


def sample_paths(
    mean: np.ndarray,
    phi: np.ndarray | float,
    rng: np.random.Generator,
    n_samples: int = 1000,
    common_sd: float = 0.0,
) -> np.ndarray:
    """Draws (samples x series x days) from the predictive distribution, for sums of series.

    ``Y = Poisson(mu * G * C)`` with an idiosyncratic gamma ``G`` (mean 1, squared CV
    ``phi_i``) and one lognormal ``C`` (mean 1, log-sd ``common_sd``) per sample shared by every
    series and day, so sums carry the shared level/calendar error. ``phi_i`` is chosen so each
    series keeps its marginal overdispersion: ``(1 + phi_i) exp(common_sd^2) = 1 + phi``.
    """
    mean = np.asarray(mean, dtype=float)
    if mean.ndim != 2:
        raise ValueError("mean must be a 2-d array (series x days)")
    size = (n_samples, *mean.shape)
    phi = np.broadcast_to(np.asarray(phi, dtype=float).reshape(-1, 1), mean.shape)
    phi_i = np.maximum((1.0 + phi) / np.exp(common_sd**2) - 1.0, PHI_FLOOR)
    lam = rng.gamma(1.0 / phi_i, np.broadcast_to(mean * phi_i, size))
    if common_sd > 0:
        shock = rng.lognormal(-0.5 * common_sd**2, common_sd, (n_samples, 1, 1))
        lam = lam * shock
    return rng.poisson(lam)


def seasonal_naive(y: np.ndarray, horizon: int) -> np.ndarray:
    """Seasonal-naive forecast: the same weekday of the last observed week."""
    y = np.asarray(y, dtype=float)
    if y.shape[1] < SEASON:
        raise ValueError("seasonal naive needs at least one week of history")
    h = np.arange(horizon)
    return y[:, y.shape[1] - SEASON + (h % SEASON)]


def backtest(
    y: np.ndarray,
    dates: Sequence[dt.date],
    promo: np.ndarray,
    *,
    min_history: int = 28,
    horizon: int = 7,
    step: int = 1,
    level: float = 0.8,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Rolling-origin evaluation (Tashman 2000, *Int. J. Forecasting* 16, 437-450).

    For each origin ``o`` (every ``step`` days from ``min_history`` while ``o + horizon`` fits),
    fit on days ``[0, o)`` and forecast days ``o .. o + horizon - 1``. Returns one row per
    series, origin and horizon with actual, model mean, interval and the seasonal-naive value.
    """
    y = np.asarray(y, dtype=float)
    promo = np.asarray(promo, dtype=float)
    T = y.shape[1]
    if min_history < 2 * SEASON or min_history + horizon > T:
        raise ValueError(
            f"backtest needs min_history >= {2 * SEASON} and min_history + horizon <= {T} days"
        )
    frames = []
    n = y.shape[0]
    for o in range(min_history, T - horizon + 1, step):
        m = fit(y[:, :o], dates[:o], promo[:o], groups=groups)
        fd = dates[o : o + horizon]
        mean = predict(m, fd, promo[o : o + horizon])
        iv = interval(mean, m.phi[:, None], level)
        naive = seasonal_naive(y[:, :o], horizon)
        frames.append(
            pd.DataFrame(
                {
                    "series": np.repeat(np.arange(n), horizon),
                    "origin": dates[o],
                    "h": np.tile(np.arange(1, horizon + 1), n),
                    "date": np.tile(np.array(fd, dtype=object), n),
                    "actual": y[:, o : o + horizon].ravel(),
                    "forecast": mean.ravel(),
                    "lo": iv["lo"].ravel(),
                    "hi": iv["hi"].ravel(),
                    "content": iv["content"].ravel(),
                    "naive": naive.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def accuracy(frame: pd.DataFrame, actual: str = "actual", forecast: str = "forecast") -> dict:
    """WAPE, MAPE (over nonzero actuals), bias and the number of points of a forecast frame."""
    y = frame[actual].to_numpy(dtype=float)
    f = frame[forecast].to_numpy(dtype=float)
    tot = y.sum()
    nz = y > 0
    return {
        "wape": float(np.abs(y - f).sum() / tot) if tot > 0 else float("nan"),
        "mape": float(np.mean(np.abs(y[nz] - f[nz]) / y[nz])) if nz.any() else float("nan"),
        "bias": float((f - y).sum() / tot) if tot > 0 else float("nan"),
        "points": int(len(y)),
    }
