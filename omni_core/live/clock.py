"""A simulation clock: real time or accelerated (x1 ... x600), with pause and resume."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

MAX_SPEED = 600.0


class SimClock:
    """Maps wall time to simulated time: ``sim = anchor_sim + (wall - anchor_wall) * speed``.

    Changing speed or pausing re-anchors, so simulated time never jumps. ``wall`` is injectable
    (tests pass a fake monotonic clock).
    """

    def __init__(
        self,
        start: dt.datetime,
        speed: float = 60.0,
        *,
        paused: bool = False,
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        self._anchor_sim = start
        self._anchor_wall = wall()
        self._speed = _check_speed(speed)
        self._paused = paused

    @property
    def speed(self) -> float:
        """Simulated seconds per wall second."""
        return self._speed

    @property
    def paused(self) -> bool:
        """Whether the clock is stopped."""
        return self._paused

    def now(self) -> dt.datetime:
        """Current simulated time."""
        with self._lock:
            return self._now_unlocked()

    def _now_unlocked(self) -> dt.datetime:
        if self._paused:
            return self._anchor_sim
        elapsed = (self._wall() - self._anchor_wall) * self._speed
        return self._anchor_sim + dt.timedelta(seconds=elapsed)

    def _reanchor(self, sim: dt.datetime | None = None) -> None:
        self._anchor_sim = self._now_unlocked() if sim is None else sim
        self._anchor_wall = self._wall()

    def set_speed(self, speed: float) -> None:
        """Change the acceleration (1 = real time)."""
        with self._lock:
            self._reanchor()
            self._speed = _check_speed(speed)

    def pause(self) -> None:
        """Stop simulated time."""
        with self._lock:
            self._reanchor()
            self._paused = True

    def resume(self) -> None:
        """Restart simulated time from where it stopped."""
        with self._lock:
            self._reanchor()
            self._paused = False

    def hold_at(self, sim: dt.datetime) -> None:
        """Set simulated now (used to bound catch-up: time past the bound is not replayed)."""
        with self._lock:
            self._reanchor(sim)


def _check_speed(speed: float) -> float:
    try:
        s = float(speed)
    except (TypeError, ValueError):
        raise ValueError(
            f"speed must be a number between 1 and {MAX_SPEED:g}, got {speed!r}"
        ) from None
    if not 1.0 <= s <= MAX_SPEED:
        raise ValueError(f"speed must be between 1 and {MAX_SPEED:g}, got {speed!r}")
    return s
