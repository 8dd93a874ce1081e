"""World parameters and the promo calendar, validated with clear errors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from typing import Any

from omni_core.reference import CHANNEL_BY_ID


@dataclass(frozen=True)
class PromoPhase:
    """One phase of a promotion: a date range (month/day, any year) and its multipliers.

    ``traffic`` multiplies session intensity, ``cart`` and ``order`` the stage conversion
    probabilities, ``discount`` is the platform-wide discount rate on that day, and
    ``hour_peaks`` multiplies the intensity of given hours (the Double 11 00:00 spike).
    """

    event: str
    name: str
    start: tuple[int, int]
    end: tuple[int, int]
    traffic: float = 1.0
    cart: float = 1.0
    order: float = 1.0
    discount: float = 0.0
    hour_peaks: tuple[tuple[int, float], ...] = ()

    def covers(self, day: dt.date) -> bool:
        """Whether the phase covers a calendar day (ranges do not wrap over a year end)."""
        md = (day.month, day.day)
        return self.start <= md <= self.end


# Default calendar (doc ch.12: Double 11 = October seeding + November harvest; 618 = opening ->
# category days -> carnival day; New Year festival; member day on the 8th). Multipliers are the
# simulation's defaults, chosen to give a Nov 11 GMV of roughly 4-5x an ordinary day.
DEFAULT_CALENDAR: tuple[PromoPhase, ...] = (
    PromoPhase("newyear", "年货节", (1, 5), (1, 20), traffic=1.25, order=1.10, discount=0.08),
    PromoPhase("618", "618 开门红", (5, 31), (6, 3), traffic=1.6, order=1.2, discount=0.12),
    PromoPhase("618", "618 品类日", (6, 4), (6, 17), traffic=1.25, cart=1.2, order=1.0,
               discount=0.08),
    PromoPhase("618", "618 狂欢日", (6, 18), (6, 18), traffic=2.6, order=1.5, discount=0.18,
               hour_peaks=((0, 3.0), (20, 1.4), (21, 1.4))),
    PromoPhase("double11", "双11 种草期", (10, 20), (10, 31), traffic=1.25, cart=1.4, order=0.75,
               discount=0.05),
    PromoPhase("double11", "双11 第一波", (11, 1), (11, 3), traffic=1.8, order=1.25,
               discount=0.15, hour_peaks=((20, 2.0), (21, 1.6))),
    PromoPhase("double11", "双11 返场蓄水", (11, 4), (11, 10), traffic=1.3, cart=1.2, order=0.95,
               discount=0.08),
    PromoPhase("double11", "双11 狂欢日", (11, 11), (11, 11), traffic=3.0, order=1.6,
               discount=0.20, hour_peaks=((0, 5.0), (1, 2.5), (20, 1.3), (21, 1.3))),
    PromoPhase("double11", "双11 返场", (11, 12), (11, 13), traffic=1.15, order=1.05,
               discount=0.08),
    PromoPhase("double12", "双12 年终盛典", (12, 12), (12, 12), traffic=1.8, order=1.3,
               discount=0.12, hour_peaks=((0, 2.5), (20, 1.3), (21, 1.3))),
)  # fmt: skip

# Relative session intensity by hour of day (Chinese e-commerce: night trough, evening peak).
HOUR_PROFILE: tuple[float, ...] = (
    0.55, 0.30, 0.16, 0.10, 0.08, 0.09, 0.18, 0.40, 0.65, 0.85, 1.00, 1.00,
    1.05, 0.95, 0.95, 0.95, 0.95, 0.95, 1.00, 1.20, 1.45, 1.55, 1.35, 0.95,
)  # fmt: skip
WEEKDAY_PROFILE: tuple[float, ...] = (0.96, 0.97, 0.97, 0.98, 1.00, 1.07, 1.05)  # Mon..Sun


@dataclass(frozen=True)
class WorldParams:
    """Everything that shapes a world; same parameters and seed -> identical tables.

    Size is set by ``users`` and ``days``; the number of events follows from
    ``sessions_per_user_day`` (about 1.3 events per session with the default funnel rates).
    """

    seed: int = 7
    start: dt.date = dt.date(2025, 10, 1)
    days: int = 60
    users: int = 10_000
    skus: int = 120
    kols: int = 200
    stores: int = 10
    channels: tuple[str, ...] = tuple(CHANNEL_BY_ID)
    sessions_per_user_day: float = 0.6  # mean over users, on an ordinary day
    activity_shape: float = 0.8  # gamma shape of user activity heterogeneity
    mean_lifetime_days: float = 240.0  # exponential customer lifetime (Pareto/NBD style)
    member_share: float = 0.25
    member_aov_lift: float = 0.40  # doc ch.1: member AOV +40%
    member_lifetime_bonus_days: float = 70.0  # doc ch.1: member retention +2.3 months
    new_user_share: float = 0.30  # users first seen during the window
    overseas_share: float = 0.06  # users buying through cross-border channels
    private_session_ratio: float = 0.6  # WeCom sessions per day relative to public activity
    live_join_boost: float = 1.8  # live-stream buyers join the private domain more often
    calendar: tuple[PromoPhase, ...] = DEFAULT_CALENDAR
    hour_profile: tuple[float, ...] = HOUR_PROFILE
    weekday_profile: tuple[float, ...] = WEEKDAY_PROFILE
    channel_overrides: dict[str, dict[str, float]] = field(default_factory=dict)
    # 种草 -> 拔草: a session on channel c multiplies P(cart) of the same user's sessions on
    # *other* channels in the next ``halo_days`` by (1 + seeding_halo[c]) (cross-channel
    # influence that last-touch attribution cannot see; off by default).
    seeding_halo: dict[str, float] = field(default_factory=dict)
    halo_days: float = 7.0

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def end(self) -> dt.date:
        """First day after the world (exclusive)."""
        return self.start + dt.timedelta(days=self.days)

    def with_(self, **changes: Any) -> WorldParams:
        """A copy with some parameters changed (validated)."""
        return replace(self, **changes)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WorldParams:
        """Rebuild parameters saved by ``to_dict`` (the calendar by event names)."""
        kw: dict[str, Any] = {}
        names = {f.name for f in fields(cls)}
        for k, v in d.items():
            if k not in names:
                continue
            if k == "start":
                kw[k] = dt.date.fromisoformat(v)
            elif k == "calendar":
                kw[k] = tuple(p for p in DEFAULT_CALENDAR if p.event in set(v))
            elif k in ("channels", "hour_profile", "weekday_profile"):
                kw[k] = tuple(v)
            else:
                kw[k] = v
        return cls(**kw)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary of the scalar parameters (the calendar by name)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "calendar":
                out[f.name] = sorted({p.event for p in v})
            elif isinstance(v, dt.date):
                out[f.name] = v.isoformat()
            elif isinstance(v, tuple):
                out[f.name] = list(v)
            else:
                out[f.name] = v
        return out


def _validate(p: WorldParams) -> None:
    def positive_int(name: str, value: Any, minimum: int = 1) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")

    positive_int("seed", p.seed, 0)
    positive_int("days", p.days)
    positive_int("users", p.users, 10)
    positive_int("skus", p.skus, 8)
    positive_int("kols", p.kols, 10)
    positive_int("stores", p.stores, 1)
    if not isinstance(p.start, dt.date):
        raise ValueError(f"start must be a datetime.date, got {p.start!r}")
    if p.days > 3 * 366:
        raise ValueError(f"days must be at most {3 * 366}, got {p.days}")
    unknown = [c for c in p.channels if c not in CHANNEL_BY_ID]
    if unknown:
        raise ValueError(f"unknown channel(s) {unknown}; known: {', '.join(CHANNEL_BY_ID)}")
    if not any(CHANNEL_BY_ID[c].share > 0 for c in p.channels):
        raise ValueError(
            "channels must include at least one public-domain channel (the private domain "
            "only grows from public buyers)"
        )
    for name in (
        "sessions_per_user_day",
        "activity_shape",
        "mean_lifetime_days",
    ):
        v = getattr(p, name)
        if not isinstance(v, int | float) or not v > 0:
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    for name in ("member_share", "new_user_share", "overseas_share"):
        v = getattr(p, name)
        if not isinstance(v, int | float) or not 0 <= v <= 1:
            raise ValueError(f"{name} must be within [0, 1], got {v!r}")
    for name in ("member_aov_lift", "member_lifetime_bonus_days", "private_session_ratio"):
        v = getattr(p, name)
        if not isinstance(v, int | float) or v < 0:
            raise ValueError(f"{name} must be >= 0, got {v!r}")
    if len(p.hour_profile) != 24 or min(p.hour_profile) <= 0:
        raise ValueError("hour_profile must have 24 positive values")
    if len(p.weekday_profile) != 7 or min(p.weekday_profile) <= 0:
        raise ValueError("weekday_profile must have 7 positive values")
    for ch, over in p.channel_overrides.items():
        if ch not in CHANNEL_BY_ID:
            raise ValueError(f"channel_overrides: unknown channel {ch!r}")
        for k, v in over.items():
            if k not in {"p_click", "p_visit", "p_cart", "p_order", "p_pay", "share", "cpc"}:
                raise ValueError(f"channel_overrides[{ch!r}]: unknown rate {k!r}")
            if not 0 <= v <= (1 if k.startswith("p_") else 1e6):
                raise ValueError(f"channel_overrides[{ch!r}][{k!r}] out of range: {v!r}")
    if not isinstance(p.seeding_halo, dict):
        raise ValueError(f"seeding_halo must be a dict channel -> lift, got {p.seeding_halo!r}")
    for ch, v in p.seeding_halo.items():
        if ch not in p.channels:
            raise ValueError(f"seeding_halo: unknown channel {ch!r}")
        if not isinstance(v, int | float) or not 0 <= v <= 10:
            raise ValueError(f"seeding_halo[{ch!r}] must be within [0, 10], got {v!r}")
    if not isinstance(p.halo_days, int | float) or not p.halo_days > 0:
        raise ValueError(f"halo_days must be a positive number, got {p.halo_days!r}")
    for ph in p.calendar:
        for k in ("traffic", "cart", "order"):
            if getattr(ph, k) <= 0:
                raise ValueError(f"calendar phase {ph.name!r}: {k} must be positive")
        if not 0 <= ph.discount < 1:
            raise ValueError(f"calendar phase {ph.name!r}: discount must be within [0, 1)")
