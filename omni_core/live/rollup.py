"""Incremental per-minute rollups by channel, province and category (the board reads these).

A day is a dense array ``(1440 minutes, groups, metrics)``; group 0 is the total, then one group
per channel, per province/country and per category. Ticks add their rows with ``np.add.at``; the
board and the alert rules read slices, so a refresh costs the same however long the history is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

METRICS = (
    "exposures", "clicks", "visits", "carts", "orders", "pays", "gmv", "gmv_sq",
    "attributed_gmv", "spend", "refunds", "refund_amount",
)  # fmt: skip
M = {m: i for i, m in enumerate(METRICS)}
EVENT_METRIC = {"exposure": "exposures", "click": "clicks", "page_view": "visits", "cart": "carts",
                "order": "orders"}  # fmt: skip
MINUTES = 1440


@dataclass(frozen=True)
class Groups:
    """The group index: total, channels, provinces (incl. countries), categories."""

    channels: list[str]
    geo: list[str]
    categories: list[str]

    @property
    def keys(self) -> list[tuple[str, str]]:
        return (
            [("total", "total")]
            + [("channel", c) for c in self.channels]
            + [("province", p) for p in self.geo]
            + [("category", c) for c in self.categories]
        )

    @property
    def n(self) -> int:
        return 1 + len(self.channels) + len(self.geo) + len(self.categories)

    def offset(self, dim: str) -> int:
        """First group index of a dimension."""
        return {
            "total": 0,
            "channel": 1,
            "province": 1 + len(self.channels),
            "category": 1 + len(self.channels) + len(self.geo),
        }[dim]

    def index(self, dim: str, value: str) -> int:
        """Group index of (dimension, value)."""
        if dim == "total":
            return 0
        seq = {"channel": self.channels, "province": self.geo, "category": self.categories}[dim]
        return self.offset(dim) + seq.index(value)

    def slice(self, dim: str) -> slice:
        """Group indices of one dimension."""
        n = {"total": 1, "channel": len(self.channels), "province": len(self.geo),
             "category": len(self.categories)}[dim]  # fmt: skip
        o = self.offset(dim)
        return slice(o, o + n)


class Rollup:
    """Per-minute metric arrays for a window of days (older days are dropped)."""

    def __init__(self, groups: Groups, keep_days: int = 15) -> None:
        self.groups = groups
        self.keep_days = keep_days
        self.days: dict[dt.date, np.ndarray] = {}

    def day(self, d: dt.date) -> np.ndarray:
        """The (1440, groups, metrics) array of a day, created empty if missing."""
        arr = self.days.get(d)
        if arr is None:
            arr = np.zeros((MINUTES, self.groups.n, len(METRICS)), dtype=np.float64)
            self.days[d] = arr
            for old in sorted(self.days)[: max(0, len(self.days) - self.keep_days)]:
                del self.days[old]
        return arr

    def add(
        self,
        ts: np.ndarray,
        metric: str,
        values: np.ndarray,
        channel: np.ndarray | None = None,
        province: np.ndarray | None = None,
        category: np.ndarray | None = None,
    ) -> None:
        """Add ``values`` at timestamps ``ts`` to the total and the given group codes (-1 = none)."""
        if len(ts) == 0:
            return
        ts = pd.DatetimeIndex(ts)
        dates = ts.normalize()
        minute = (ts.hour * 60 + ts.minute).to_numpy()
        mi = M[metric]
        g = self.groups
        for d in np.unique(dates):
            sel = np.asarray(dates == d)
            arr = self.day(pd.Timestamp(d).date())
            mm = minute[sel]
            v = values[sel]
            np.add.at(arr[:, 0, mi], mm, v)
            for codes, dim in (
                (channel, "channel"),
                (province, "province"),
                (category, "category"),
            ):
                if codes is None:
                    continue
                c = codes[sel]
                ok = c >= 0
                np.add.at(arr[:, :, mi], (mm[ok], g.offset(dim) + c[ok]), v[ok])

    def window(self, end: dt.datetime, minutes: int) -> np.ndarray:
        """Sum over the ``minutes`` minutes ending at ``end`` (exclusive): (groups, metrics)."""
        out = np.zeros((self.groups.n, len(METRICS)))
        start = end - dt.timedelta(minutes=minutes)
        t = start
        while t < end:
            d = t.date()
            day_end = dt.datetime.combine(d + dt.timedelta(days=1), dt.time())
            stop = min(end, day_end)
            arr = self.days.get(d)
            if arr is not None:
                a = t.hour * 60 + t.minute
                b = a + int((stop - t).total_seconds() // 60)
                out += arr[a:b].sum(axis=0)
            t = stop
        return out

    def series(self, d: dt.date, upto: int, group: int, metric: str) -> np.ndarray:
        """Per-minute values of one group and metric for a day up to minute ``upto``."""
        arr = self.days.get(d)
        if arr is None:
            return np.zeros(upto)
        return arr[:upto, group, M[metric]].copy()


class FirstSeen:
    """Distinct users per day by the minute each was first seen (UV and buyers "so far today").

    Per day a set of the users seen and a histogram of first-seen minutes, so the count of
    distinct users before minute ``m`` is a sum over at most 1440 bins: a board refresh costs the
    same however many users the day has.
    """

    def __init__(self) -> None:
        self._seen: dict[dt.date, set[int]] = {}
        self._first: dict[dt.date, np.ndarray] = {}

    def add(self, day: dt.date, users: np.ndarray, minutes: np.ndarray) -> None:
        """Record ``users`` seen on ``day`` at ``minutes`` (minute of the day; any order)."""
        if len(users) == 0:
            return
        users = np.asarray(users, dtype=np.int64)
        minutes = np.asarray(minutes, dtype=np.int64)
        order = np.lexsort((minutes, users))  # per user its earliest minute first
        u, m = users[order], minutes[order]
        first = np.ones(len(u), bool)
        first[1:] = u[1:] != u[:-1]
        u, m = u[first], m[first]
        seen = self._seen.setdefault(day, set())
        hist = self._first.setdefault(day, np.zeros(MINUTES, np.int64))
        new = np.fromiter((x not in seen for x in u.tolist()), bool, len(u))
        if new.any():
            seen.update(u[new].tolist())
            np.add.at(hist, m[new], 1)

    def add_times(self, ts: np.ndarray, users: np.ndarray) -> None:
        """Record users seen at timestamps ``ts`` (split by day)."""
        if len(ts) == 0:
            return
        t = pd.DatetimeIndex(ts)
        day = t.normalize()
        key = day.asi8
        minute = (t.hour * 60 + t.minute).to_numpy()
        users = np.asarray(users)
        uniq, first = np.unique(key, return_index=True)
        for k, i in zip(uniq, first, strict=True):
            sel = key == k if len(uniq) > 1 else slice(None)
            self.add(day[i].date(), users[sel], minute[sel])

    def count(self, day: dt.date, before_minute: int = MINUTES) -> int:
        """Distinct users of ``day`` first seen before ``before_minute``."""
        hist = self._first.get(day)
        return 0 if hist is None else int(hist[: max(before_minute, 0)].sum())

    def users(self, day: dt.date) -> set[int]:
        """The users seen on ``day`` (a copy)."""
        return set(self._seen.get(day, ()))

    def drop_before(self, day: dt.date) -> None:
        """Forget the days before ``day``."""
        for d in [d for d in self._seen if d < day]:
            del self._seen[d], self._first[d]

    @property
    def days(self) -> list[dt.date]:
        return sorted(self._seen)
