"""Funnel-step cohorts of the live stream: the evidence of the sequential conversion tests.

A step links a parent event to its child in the same session: ``cart`` (page view -> add to
cart), ``order`` (cart -> order) and ``pay`` (order -> payment). For each of the last ``minutes``
minutes and every group (total, channel, province, category) the tracker counts the parents of
that minute and how many of them have produced their child so far. A cohort of age ``a`` minutes
(its minute ended ``a`` minutes ago) has produced a share ``F(a)`` of its eventual children, where
``F`` is the distribution of the parent-to-child delay in whole minutes learned from history
(:func:`omni_core.metrics.live.step_lags`), so under the baseline its child count is
``Binomial(n, rho * F(a))`` with ``rho`` the step's conversion (sessions are independent).

Only parents seen by the live stream are tracked: sessions that began in the history never
produce live children, so they are not counted as missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from omni_core.live.rollup import Groups

STEPS = ("cart", "order", "pay")
STEP_METRICS = {
    "cart": ("visits", "carts"),
    "order": ("carts", "orders"),
    "pay": ("orders", "pays"),
}
MAX_LAG = 20  # minutes of delay distribution kept (the rest counts as "by then")


class Cohorts:
    """Ring buffer of per-minute parent and child counts (see module docstring)."""

    def __init__(self, groups: Groups, minutes: int = 64) -> None:
        self.groups = groups
        self.minutes = minutes
        shape = (minutes, groups.n, len(STEPS))
        self.parents = np.zeros(shape)
        self.children = np.zeros(shape)
        self.slot_minute = np.full(minutes, -1, dtype=np.int64)
        # F(a): share of a step's children seen by age a, per step and group (default: at once).
        self.cdf = np.ones((len(STEPS), groups.n, MAX_LAG + 1))

    def fit_delays(self, lags: pd.DataFrame, prior: float = 20.0) -> None:
        """Delay distributions from ``step_lags`` rows (step, channel_id, lag, n).

        Channel groups get their channel's distribution shrunk towards the pooled one with
        ``prior`` pseudo-observations; the other groups get the pooled distribution.
        """
        if lags.empty:
            return
        off = self.groups.offset("channel")
        for si, step in enumerate(STEPS):
            f = lags[lags["step"] == step]
            if f.empty:
                continue
            lag = np.clip(f["lag"].to_numpy(int), 0, MAX_LAG)
            n = f["n"].to_numpy(float)
            pooled = np.bincount(lag, weights=n, minlength=MAX_LAG + 1)
            pooled_pmf = pooled / max(pooled.sum(), 1.0)
            self.cdf[si, :, :] = np.cumsum(pooled_pmf)
            for ci, ch in enumerate(self.groups.channels):
                sel = (f["channel_id"] == ch).to_numpy()
                cnt = np.bincount(lag[sel], weights=n[sel], minlength=MAX_LAG + 1)
                pmf = (cnt + prior * pooled_pmf) / (cnt.sum() + prior)
                self.cdf[si, off + ci, :] = np.cumsum(pmf)
        self.cdf = np.clip(self.cdf, 0.0, 1.0)

    def add(
        self,
        step: str,
        kind: str,
        minute: np.ndarray,
        channel: np.ndarray | None = None,
        province: np.ndarray | None = None,
        category: np.ndarray | None = None,
    ) -> None:
        """Count parents (``kind="parent"``, at their own minute) or children (at the parent's).

        ``minute`` is the absolute minute index of each row; group codes are -1 when unknown.
        Rows older than the ring are dropped.
        """
        if len(minute) == 0:
            return
        arr = self.parents if kind == "parent" else self.children
        si = STEPS.index(step)
        minute = np.asarray(minute, dtype=np.int64)
        slot = minute % self.minutes
        if kind == "parent":  # a newer minute takes over its slot
            for m in np.unique(minute):
                s = m % self.minutes
                if self.slot_minute[s] < m:
                    self.parents[s] = 0.0
                    self.children[s] = 0.0
                    self.slot_minute[s] = m
        ok = self.slot_minute[slot] == minute
        g = self.groups
        np.add.at(arr[:, 0, si], slot[ok], 1.0)
        for codes, dim in ((channel, "channel"), (province, "province"), (category, "category")):
            if codes is None:
                continue
            c = np.asarray(codes)
            sel = ok & (c >= 0)
            np.add.at(arr[:, :, si], (slot[sel], g.offset(dim) + c[sel]), 1.0)

    def window(self, end_minute: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Parents, children and F(age) of the ``width`` cohorts before ``end_minute``.

        Arrays of shape (width, groups, steps), oldest cohort first; the cohort of minute ``m``
        has age ``end_minute - 1 - m``.
        """
        width = min(width, self.minutes)
        mins = np.arange(end_minute - width, end_minute, dtype=np.int64)
        slot = mins % self.minutes
        have = (self.slot_minute[slot] == mins)[:, None, None]
        n = np.where(have, self.parents[slot], 0.0)
        c = np.where(have, self.children[slot], 0.0)
        age = np.minimum(end_minute - 1 - mins, MAX_LAG)
        f = np.transpose(self.cdf[:, :, age], (2, 1, 0))
        return n, c, f


def warmup_ramp(cdf: np.ndarray) -> np.ndarray:
    """Share of each funnel count a stream started ``age`` minutes ago already carries.

    A live stream starts with no sessions in flight (the history's were cut at its end), so for
    its first minutes carts, orders and payments fall short of the steady rate: a payment at age
    ``a`` needs its session to have started within ``a`` minutes. With the step delays
    (visit→cart, cart→order, order→pay; ``cdf`` of shape (steps, groups, lags)) the share is the
    CDF of their sum, the convolution of the three delay distributions: returns an array
    (3, groups, MAX_LAG + 1) for carts, orders and payments (1 beyond the last lag).
    """
    pmf = np.diff(cdf, axis=2, prepend=0.0)
    pmf[:, :, -1] += 1.0 - cdf[:, :, -1]  # mass beyond MAX_LAG sits at the last lag
    out = np.empty_like(cdf)
    acc = pmf[0]
    out[0] = np.cumsum(acc, axis=1)
    for k in (1, 2):
        conv = np.array([np.convolve(acc[g], pmf[k, g])[: MAX_LAG + 1] for g in range(len(acc))])
        acc = conv
        out[k] = np.cumsum(acc, axis=1)
    return np.clip(out, 0.0, 1.0)
