"""The behaviour model: session intensity over time and the per-channel funnel.

One model drives both the history (``build_world``) and the live stream, so a live minute is a
draw from the same process as a historical minute. Users generate sessions as an inhomogeneous
Poisson process with rate ``rate_u * lambda(t) / 1440`` per minute while alive, where
``lambda(t)`` = hour-of-day profile x day-of-week profile x promo traffic multiplier (x an hour
peak such as Double 11 00:00), normalised so an ordinary day integrates to 1440. Each session
then walks the funnel exposure -> click -> page view -> cart -> order -> pay with the channel's
conditional stage probabilities, modified by the traffic source, the creative, keyword intent and
the promo phase of the day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from omni_core.reference import CHANNEL_BY_ID, SOURCE_CONVERSION, SOURCES, Channel
from omni_core.world.params import WorldParams

MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class DayTable:
    """Per-day promo multipliers for a date range (arrays of length ``days``)."""

    dates: list[dt.date]
    traffic: np.ndarray
    cart: np.ndarray
    order: np.ndarray
    discount: np.ndarray
    phase: list[str]
    event: list[str]
    hour_peak: np.ndarray  # (days, 24)


class Behaviour:
    """Session intensity and funnel probabilities of a world (see module docstring)."""

    def __init__(self, params: WorldParams) -> None:
        self.params = params
        self.channels: list[Channel] = [CHANNEL_BY_ID[c] for c in params.channels]
        self.channel_ids = [c.channel_id for c in self.channels]
        self.n_channels = len(self.channels)
        hp = np.asarray(params.hour_profile, dtype=float)
        self.hour_profile = hp / hp.mean()
        wp = np.asarray(params.weekday_profile, dtype=float)
        self.weekday_profile = wp / wp.mean()
        rates = {k: [] for k in ("p_click", "p_visit", "p_cart", "p_order", "p_pay", "cpc")}
        for ch in self.channels:
            over = params.channel_overrides.get(ch.channel_id, {})
            for k in rates:
                rates[k].append(over.get(k, getattr(ch, k)))
        self.rates = {k: np.asarray(v, dtype=float) for k, v in rates.items()}
        # Source mix and source conversion multipliers, renormalised per channel so that the
        # mix-weighted mean multiplier is 1 (the channel's configured rate stays its mean).
        self.source_p = np.zeros((self.n_channels, len(SOURCES)))
        self.source_mult = np.ones((self.n_channels, len(SOURCES)))
        for i, ch in enumerate(self.channels):
            table = SOURCE_CONVERSION.get(ch.channel_type, {})
            for src, w in ch.sources:
                j = SOURCES.index(src)
                self.source_p[i, j] = w
                self.source_mult[i, j] = table.get(src, 1.0)
            self.source_p[i] /= self.source_p[i].sum()
            self.source_mult[i] /= (self.source_p[i] * self.source_mult[i]).sum()
        # Within-hour shape of a minute-level profile: linear interpolation between hour centres.
        minutes = np.arange(MINUTES_PER_DAY) + 0.5
        centres = np.arange(24) * 60 + 30.0
        ext_c = np.concatenate([centres - MINUTES_PER_DAY, centres, centres + MINUTES_PER_DAY])
        ext_v = np.tile(self.hour_profile, 3)
        prof = np.interp(minutes, ext_c, ext_v)
        self.minute_profile = prof / prof.mean()

    # ------------------------------------------------------------------ calendar
    def day_table(self, start: dt.date, days: int) -> DayTable:
        """Promo multipliers for ``days`` days from ``start`` (the first phase covering wins)."""
        dates = [start + dt.timedelta(days=i) for i in range(days)]
        traffic = np.ones(days)
        cart = np.ones(days)
        order = np.ones(days)
        discount = np.full(days, 0.03)
        peak = np.ones((days, 24))
        phase = [""] * days
        event = [""] * days
        for i, d in enumerate(dates):
            for ph in self.params.calendar:
                if ph.covers(d):
                    traffic[i], cart[i], order[i] = ph.traffic, ph.cart, ph.order
                    discount[i] = max(discount[i], ph.discount)
                    for h, m in ph.hour_peaks:
                        peak[i, h] = m
                    phase[i], event[i] = ph.name, ph.event
                    break
            if d.day == 8 and not phase[i]:  # member day on the 8th of every month (doc ch.12)
                traffic[i], order[i], phase[i], event[i] = 1.08, 1.10, "会员日", "member_day"
        return DayTable(dates, traffic, cart, order, discount, phase, event, peak)

    def minute_intensity(self, start: dt.date, days: int) -> np.ndarray:
        """Relative session intensity per minute (an ordinary day averages 1)."""
        table = self.day_table(start, days)
        out = np.empty((days, MINUTES_PER_DAY))
        hours = np.arange(MINUTES_PER_DAY) // 60
        within = (np.arange(MINUTES_PER_DAY) % 60 + 0.5) / 60.0
        for i, d in enumerate(table.dates):
            peak = table.hour_peak[i][hours]
            # A midnight opening is hottest in its first minutes: same hourly mean, decaying.
            if table.hour_peak[i][0] != 1.0:
                h0 = hours == 0
                p0 = table.hour_peak[i][0]
                peak[h0] = 1.0 + (p0 - 1.0) * 2.0 * (1.0 - within[h0])
            out[i] = self.minute_profile * peak * self.weekday_profile[d.weekday()]
            out[i] *= table.traffic[i]
        return out.ravel()

    def cumulative_intensity(self, start: dt.date, days: int) -> np.ndarray:
        """``C[m]`` = integral of the intensity over the first ``m`` minutes (length M+1)."""
        lam = self.minute_intensity(start, days)
        return np.concatenate([[0.0], np.cumsum(lam)])
