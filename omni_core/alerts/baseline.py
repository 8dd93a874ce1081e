"""Dynamic baselines: a seasonal minute-of-day profile learned from history, scaled to the recent
level and multiplied by the promo plan, with a variance model for the band.

For a metric ``m``, group ``g`` and minute ``t``::

    E[m, g, t] = level[m, g] * shape[m, minute_of_day(t)] * plan[m, t]

- ``plan`` is the known campaign plan: the promo calendar's traffic multiplier with its hour
  peaks (e.g. Double 11 00:00) and, for carts/orders/GMV, the planned conversion and discount
  effects (operators know their own calendar; the world simulator uses the same calendar);
- ``shape`` is learned from history: per hour of day, the plan-deflated total averaged over the
  history days and interpolated between hour centres to minutes (mean 1);
- ``level`` scales to the recent level: sum over the last ``level_days`` days of observed / sum of
  ``shape * plan`` (robust to growth and to the population changing).

Funnel-step conversions (visit -> cart, cart -> order, order -> pay) for the sequential tests:
``rho[g, step] = sum(children) / sum(parents * plan_ratio)`` over all the history days, where
``plan_ratio`` is the plan factor of the child over the parent's (the promo's cart or order
multiplier), so ``rho[g, step] * plan_ratio(t)`` (capped at 0.95 where the plan raises it) is the
expected conversion at minute ``t``. Each group's rate is shrunk towards the total's with a beta
prior worth 100 parents (empirical Bayes; Gelman et al., *Bayesian Data Analysis*, 3e, ch. 5.3), so
a small channel's few hundred history carts do not set its rate alone. Ratios
of whole days are used rather than ratios of the two minute-of-day shapes: the step conversion
does not follow the traffic's daily shape, and a ratio of two noisy hourly profiles would add
their noise to the tests.

The band uses a negative-binomial-like variance ``var = phi * E + (c * E)^2`` (Poisson noise plus
a relative model error ``c``); GMV uses the compound-Poisson variance ``E[pays] * E[a^2]``.
Sources: Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3e), ch. 3 (classical
multiplicative decomposition) and ch. 12.1 (complex seasonality); Cameron & Trivedi (2013),
*Regression Analysis of Count Data*, ch. 3 (NB2 variance).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from omni_core.live.cohorts import STEP_METRICS, STEPS
from omni_core.live.rollup import METRICS, MINUTES, M, Rollup
from omni_core.world.behaviour import Behaviour
from omni_core.world.params import WorldParams

TRAFFIC = {"exposures", "clicks", "visits", "spend"}
STEP_PRIOR = 100.0  # parents' worth of the total's step conversion in each group's estimate
STEP_CAP = 0.95  # highest step conversion a promo multiplier may extrapolate to
CONVERTING = {"orders", "pays", "gmv", "gmv_sq", "attributed_gmv"}
BASE_DISCOUNT = 0.03


class Plan:
    """Per-minute plan factors of the promo calendar relative to an ordinary day."""

    def __init__(self, params: WorldParams) -> None:
        self.with_cal = Behaviour(params)
        self.without = Behaviour(params.with_(calendar=()))
        self._cache: dict[tuple[dt.date, str], np.ndarray] = {}

    def factor(self, d: dt.date, metric: str) -> np.ndarray:
        """Plan factor of every minute of day ``d`` for a metric (length 1440)."""
        key = (d, metric)
        f = self._cache.get(key)
        if f is None:
            traffic = self.with_cal.minute_intensity(d, 1) / self.without.minute_intensity(d, 1)
            table = self.with_cal.day_table(d, 1)
            if metric in TRAFFIC:
                f = traffic
            elif metric == "carts":
                f = traffic * table.cart[0]
            elif metric in CONVERTING:
                f = traffic * table.cart[0] * table.order[0]
                if metric in ("gmv", "attributed_gmv"):
                    f = f * (1 - table.discount[0]) / (1 - BASE_DISCOUNT)
            else:  # refunds: no plan effect within the day
                f = np.ones(MINUTES)
            self._cache[key] = f
            if len(self._cache) > 400:
                self._cache.pop(next(iter(self._cache)))
        return f


class Baseline:
    """Expected per-minute values of every metric and group (see module docstring)."""

    def __init__(
        self,
        rollup: Rollup,
        plan: Plan,
        history_days: list[dt.date],
        *,
        level_days: int = 1,
        phi: float = 1.3,
        rel_error: float = 0.08,
    ) -> None:
        self.rollup = rollup
        self.plan = plan
        self.phi = phi
        self.rel_error = rel_error
        self.shape = np.ones((len(METRICS), MINUTES))
        self.level = np.zeros((rollup.groups.n, len(METRICS)))
        self.aov_sq = np.zeros(rollup.groups.n)
        self.step_rate = np.zeros((rollup.groups.n, len(STEPS)))
        self.fit(history_days, level_days)

    def fit(self, days: list[dt.date], level_days: int) -> None:
        """Learn the shape from ``days`` and the level from the last ``level_days`` of them."""
        days = [d for d in days if d in self.rollup.days]
        if not days:
            return
        centres = np.arange(24) * 60 + 30.0
        ext_c = np.concatenate([centres - MINUTES, centres, centres + MINUTES])
        minutes = np.arange(MINUTES) + 0.5
        for name, mi in M.items():
            hourly = np.zeros(24)
            for d in days:
                obs = self.rollup.days[d][:, 0, mi]
                defl = obs / np.maximum(self.plan.factor(d, name), 1e-9)
                hourly += defl.reshape(24, 60).sum(1)
            if hourly.sum() <= 0:
                continue
            prof = np.interp(minutes, ext_c, np.tile(hourly, 3))
            self.shape[mi] = prof / prof.mean()
        recent = days[-level_days:]
        for name, mi in M.items():
            denom = 0.0
            num = np.zeros(self.rollup.groups.n)
            for d in recent:
                denom += float((self.shape[mi] * self.plan.factor(d, name)).sum())
                num += self.rollup.days[d][:, :, mi].sum(0)
            self.level[:, mi] = num / max(denom, 1e-9)
        pays = self.level[:, M["pays"]]
        self.aov_sq = np.where(pays > 0, self.level[:, M["gmv_sq"]] / np.maximum(pays, 1e-12), 0)
        for si, step in enumerate(STEPS):
            parent, child = STEP_METRICS[step]
            num = np.zeros(self.rollup.groups.n)
            den = np.zeros(self.rollup.groups.n)
            for d in days:
                arr = self.rollup.days[d]
                num += arr[:, :, M[child]].sum(0)
                den += (arr[:, :, M[parent]] * self.plan_ratio(d, step)[:, None]).sum(0)
            # Empirical-Bayes shrinkage towards the total's rate (a beta prior worth STEP_PRIOR
            # parents): a channel with a few hundred carts in its history gets a stable rate.
            total = num[0] / max(den[0], 1e-9)
            rate = (num + STEP_PRIOR * total) / (den + STEP_PRIOR)
            self.step_rate[:, si] = np.clip(rate, 0.0, 1.0)

    def plan_ratio(self, d: dt.date, step: str) -> np.ndarray:
        """Plan factor of a step's child over its parent for every minute of day ``d``."""
        parent, child = STEP_METRICS[step]
        return self.plan.factor(d, child) / np.maximum(self.plan.factor(d, parent), 1e-12)

    def step_conversion(self, end: dt.datetime, minutes: int) -> np.ndarray:
        """Expected step conversions of the ``minutes`` minutes before ``end``: (minutes, groups, steps)."""
        out = np.empty((minutes, self.rollup.groups.n, len(STEPS)))
        for i in range(minutes):
            t = end - dt.timedelta(minutes=minutes - i)
            m = t.hour * 60 + t.minute
            ratio = np.asarray([self.plan_ratio(t.date(), step)[m] for step in STEPS])
            # a promo multiplier on a rate that is already high would overshoot 1: cap where the
            # plan extrapolates (history never showed such a rate), keep failures possible
            cap = np.where(ratio > 1.0, STEP_CAP, 0.995)
            out[i] = np.minimum(self.step_rate * ratio[None, :], cap[None, :])
        return out

    def expected(self, end: dt.datetime, minutes: int) -> np.ndarray:
        """Expected sums over the window ending at ``end``: (groups, metrics)."""
        out = np.zeros_like(self.level)
        start = end - dt.timedelta(minutes=minutes)
        t = start
        while t < end:
            d = t.date()
            stop = min(end, dt.datetime.combine(d + dt.timedelta(days=1), dt.time()))
            a = t.hour * 60 + t.minute
            b = a + int((stop - t).total_seconds() // 60)
            for name, mi in M.items():
                w = float((self.shape[mi, a:b] * self.plan.factor(d, name)[a:b]).sum())
                out[:, mi] += self.level[:, mi] * w
            t = stop
        return out

    def curve(self, d: dt.date, group: int, metric: str) -> np.ndarray:
        """Expected per-minute values of one group for a whole day (the board's curve)."""
        mi = M[metric]
        return self.level[group, mi] * self.shape[mi] * self.plan.factor(d, metric)

    def variance(
        self,
        expected: np.ndarray,
        metric: str,
        expected_pays: np.ndarray,
        aov_sq: np.ndarray | float | None = None,
    ) -> np.ndarray:
        """Variance of a window sum given its expectation (see module docstring).

        ``aov_sq`` defaults to the per-group E[amount^2] (arrays over groups).
        """
        if metric in ("gmv", "attributed_gmv"):
            noise = expected_pays * (self.aov_sq if aov_sq is None else aov_sq)
        else:
            noise = self.phi * expected
        return noise + (self.rel_error * expected) ** 2 + 1e-9

    def band(self, d: dt.date, group: int, metric: str, z: float = 3.0) -> tuple[np.ndarray, ...]:
        """Per-minute expected value with a ``z``-sigma band (lower clipped at 0)."""
        e = self.curve(d, group, metric)
        pays = self.curve(d, group, "pays")
        sd = np.sqrt(self.variance(e, metric, pays, self.aov_sq[group]))
        return e, np.maximum(e - z * sd, 0.0), e + z * sd
