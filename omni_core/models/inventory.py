"""Stock policy: safety stock, reorder point, replenishment, channel allocation with
reservations, and the oversell risk of platforms that sync stock with a delay.

Formulas
--------
- Safety stock for a cycle service level ``alpha`` (probability of no stock-out in a
  replenishment cycle) with daily forecast-error standard deviation ``sigma_d``, lead time ``L``
  days, lead-time standard deviation ``sigma_L`` and mean daily demand ``d``:

  .. math:: SS = z_\\alpha \\sqrt{L\\,\\sigma_d^2 + d^2\\,\\sigma_L^2},\\qquad z_\\alpha = \\Phi^{-1}(\\alpha)

  (Silver, Pyke & Thomas 2017, *Inventory and Production Management in Supply Chains* 4th ed.,
  section 6.7; with ``sigma_L = 0`` it is the textbook ``z sigma_d sqrt(L)``).
- Reorder point ``ROP = D_L + SS`` with ``D_L`` the forecast demand over the lead time, and the
  order-up-to level of a periodic review ``(R, S)`` system ``S = ROP + D_R`` (forecast demand over
  the review period ``R``); suggested order = ``max(0, S - position)`` when the inventory position
  (on hand + on order - backlog) is at or below ROP (Silver, Pyke & Thomas 2017, ch. 6).
- Days of cover = on hand / mean forecast daily demand.
- Channel allocation by the largest-remainder (Hamilton) method: quotas ``A w_c / sum(w)`` rounded
  down, the remaining units to the largest remainders, so integer allocations sum exactly to the
  available-to-promise stock ``A`` and never exceed it (Balinski & Young 2001, *Fair
  Representation* 2nd ed., ch. 2).
- Oversell with a sync delay ``delta``: platforms that show a shared pool of ``S`` units learn of
  each other's sales only at the next sync, so within a window the pool oversells when total sales
  ``N ~ Poisson(Lambda delta)`` exceed ``S`` (sales as a Poisson process at the peak rate
  ``Lambda = sum_c lambda_c``). ``P = 1 - F(S)``, expected oversold units
  ``E[(N - S)^+] = Lambda delta - S + sum_{k<S} (S - k) p_k``, split by platform in proportion
  ``lambda_c / Lambda`` (Poisson thinning; Ross 2014, *Introduction to Probability Models* 11th
  ed., 5.3). The buffer that caps the risk at ``eps`` is the smallest ``B`` with
  ``P(N > B) <= eps``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats

__all__ = [
    "PromoHold",
    "Reservation",
    "StockLedger",
    "allocate",
    "days_of_cover",
    "oversell_risk",
    "reorder_point",
    "replenishment",
    "safety_stock",
    "simulate_reservations",
    "sync_buffer",
]


def _service_z(service_level: float) -> float:
    if not 0.5 <= float(service_level) < 1.0:
        raise ValueError(f"service level must be in [0.5, 1), got {service_level}")
    return float(special.ndtri(float(service_level)))


def safety_stock(
    sigma_d: Any,
    lead_time: Any,
    service_level: float = 0.95,
    *,
    mean_demand: Any = 0.0,
    sigma_lead_time: Any = 0.0,
) -> np.ndarray:
    """Safety stock ``z sqrt(L sigma_d^2 + d^2 sigma_L^2)`` (module docstring); broadcasts."""
    sd = np.asarray(sigma_d, dtype=float)
    lt = np.asarray(lead_time, dtype=float)
    d = np.asarray(mean_demand, dtype=float)
    slt = np.asarray(sigma_lead_time, dtype=float)
    if np.any(sd < 0) or np.any(lt < 0) or np.any(d < 0) or np.any(slt < 0):
        raise ValueError("sigma_d, lead_time, mean_demand and sigma_lead_time must be >= 0")
    return _service_z(service_level) * np.sqrt(lt * sd**2 + d**2 * slt**2)


def reorder_point(lead_time_demand: Any, safety: Any) -> np.ndarray:
    """Reorder point = forecast demand over the lead time + safety stock."""
    return np.asarray(lead_time_demand, dtype=float) + np.asarray(safety, dtype=float)


def replenishment(
    on_hand: Any, on_order: Any, backlog: Any, rop: Any, review_demand: Any
) -> dict[str, np.ndarray]:
    """Suggested order quantities of an (R, S) review: ``S - position`` when position <= ROP.

    Returns ``position``, ``order_up_to`` (= ROP + review-period demand), ``order_qty`` (whole
    units, rounded up) and ``reorder`` (bool).
    """
    position = (
        np.asarray(on_hand, dtype=float)
        + np.asarray(on_order, dtype=float)
        - np.asarray(backlog, dtype=float)
    )
    rop = np.asarray(rop, dtype=float)
    up_to = rop + np.asarray(review_demand, dtype=float)
    reorder = position <= rop
    qty = np.where(reorder, np.ceil(np.maximum(up_to - position, 0.0)), 0.0)
    return {"position": position, "order_up_to": up_to, "order_qty": qty, "reorder": reorder}


def days_of_cover(on_hand: Any, daily_demand: Any) -> np.ndarray:
    """On hand / mean daily forecast (inf when no demand is expected)."""
    oh = np.asarray(on_hand, dtype=float)
    d = np.asarray(daily_demand, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 0, oh / np.where(d > 0, d, 1.0), np.inf)


def allocate(available: int, weights: Any) -> np.ndarray:
    """Integer split of ``available`` units by weights (largest remainder; sums to ``available``).

    Ties among remainders go to the lower index. All-zero weights split evenly.
    """
    a = int(available)
    if a < 0:
        raise ValueError("available must be >= 0")
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or len(w) == 0:
        raise ValueError("weights must be a non-empty 1-d array")
    if np.any(w < 0) or np.any(~np.isfinite(w)):
        raise ValueError("weights must be finite and >= 0")
    if w.sum() == 0:
        w = np.ones_like(w)
    quota = a * w / w.sum()
    base = np.floor(quota).astype(np.int64)
    left = a - int(base.sum())
    order = np.lexsort((np.arange(len(w)), -(quota - base)))
    base[order[:left]] += 1
    return base


@dataclass
class Reservation:
    """Units held for a pre-sale deposit or a flash sale until paid, released or expired."""

    rid: int
    kind: str  # "presale" | "flash"
    channel: str
    qty: int  # units still held
    expires: float  # time (any unit, e.g. hours) after which unpaid units return to stock
    granted: int = 0  # units granted when reserved
    consumed: int = 0  # units turned into sales
    released: int = 0  # units returned to free stock
    status: str = "held"  # held | closed


@dataclass
class StockLedger:
    """Available-to-promise stock of one SKU shared by channels, with reservations.

    Invariants (checked by :meth:`check`): ``0 <= reserved <= on_hand``; free stock
    ``atp = on_hand - reserved >= 0``; channel quotas sum to ``atp``; every unit is on hand or
    sold (``start + received = on_hand + sold``). A reservation never grants more than the free
    stock at that moment; releases and expiries put the held units back into free stock.
    """

    on_hand: int
    channels: tuple[str, ...]
    weights: tuple[float, ...]
    received: int = 0
    sold: int = 0
    start: int = field(init=False)
    reservations: dict[int, Reservation] = field(default_factory=dict)
    _next: int = 1

    def __post_init__(self) -> None:
        if self.on_hand < 0:
            raise ValueError("on_hand must be >= 0")
        if len(self.channels) != len(self.weights) or not self.channels:
            raise ValueError("one weight per channel is needed")
        self.start = int(self.on_hand)

    # ------------------------------------------------------------------ state
    @property
    def reserved(self) -> int:
        """Units held by open reservations."""
        return sum(r.qty for r in self.reservations.values() if r.status == "held")

    @property
    def atp(self) -> int:
        """Available to promise: on hand minus held reservations."""
        return self.on_hand - self.reserved

    def quotas(self) -> dict[str, int]:
        """Per-channel promise of the free stock (largest remainder by weight)."""
        return dict(zip(self.channels, allocate(self.atp, self.weights).tolist(), strict=True))

    def check(self) -> None:
        """Raise AssertionError if an invariant is broken."""
        assert 0 <= self.reserved <= self.on_hand, "reservations exceed stock"
        assert self.atp >= 0
        assert sum(self.quotas().values()) == self.atp, "quotas promise more than stock"
        assert self.start + self.received == self.on_hand + self.sold, "units not conserved"
        for r in self.reservations.values():
            assert r.granted == r.qty + r.consumed + r.released, f"reservation {r.rid} leaks"

    # ------------------------------------------------------------------ operations
    def receive(self, qty: int) -> None:
        """Goods receipt: more units on hand."""
        if qty < 0:
            raise ValueError("qty must be >= 0")
        self.on_hand += int(qty)
        self.received += int(qty)

    def sell(self, channel: str, qty: int) -> int:
        """Sell from the channel's quota of free stock; returns units sold (never oversells)."""
        if channel not in self.channels:
            raise ValueError(f"unknown channel {channel!r}")
        n = min(max(int(qty), 0), self.quotas()[channel])
        self.on_hand -= n
        self.sold += n
        return n

    def reserve(self, kind: str, channel: str, qty: int, expires: float) -> Reservation:
        """Hold up to ``qty`` free units (granted = min(qty, atp)) until ``expires``."""
        if kind not in {"presale", "flash"}:
            raise ValueError("kind must be presale or flash")
        n = min(max(int(qty), 0), self.atp)
        r = Reservation(self._next, kind, channel, n, float(expires), granted=n)
        self.reservations[r.rid] = r
        self._next += 1
        return r

    def consume(self, rid: int, qty: int) -> int:
        """Turn held units into sales (deposit balance paid, flash order paid)."""
        r = self.reservations[rid]
        if r.status != "held":
            return 0
        n = min(max(int(qty), 0), r.qty)
        r.qty -= n
        r.consumed += n
        self.on_hand -= n
        self.sold += n
        if r.qty == 0:
            r.status = "closed"
        return n

    def release(self, rid: int) -> int:
        """Return a reservation's held units to free stock; returns units released."""
        r = self.reservations[rid]
        if r.status != "held":
            return 0
        n = r.qty
        r.released += n
        r.qty = 0
        r.status = "closed"
        return n

    def expire(self, now: float) -> int:
        """Release every held reservation whose time is up; returns units released."""
        return sum(
            self.release(r.rid)
            for r in list(self.reservations.values())
            if r.status == "held" and r.expires <= now
        )

    def snapshot(self) -> dict[str, int]:
        """Current numbers (on hand, reserved by kind, free, sold, received)."""
        held = [r for r in self.reservations.values() if r.status == "held"]
        return {
            "on_hand": self.on_hand,
            "reserved_presale": sum(r.qty for r in held if r.kind == "presale"),
            "reserved_flash": sum(r.qty for r in held if r.kind == "flash"),
            "atp": self.atp,
            "sold": self.sold,
            "received": self.received,
        }


def oversell_risk(rates_per_min: Any, stock: int, delay_min: float) -> dict[str, Any]:
    """Oversell probability and expected oversold units per sync window (module docstring)."""
    lam = np.asarray(rates_per_min, dtype=float)
    if np.any(lam < 0) or delay_min < 0 or stock < 0:
        raise ValueError("rates, delay and stock must be >= 0")
    mu = float(lam.sum() * delay_min)
    s = int(stock)
    p = float(stats.poisson.sf(s, mu)) if mu > 0 else 0.0
    k = np.arange(s)
    short = float(np.sum((s - k) * stats.poisson.pmf(k, mu))) if s > 0 else 0.0
    expected = max(mu - s + short, 0.0)
    share = lam / lam.sum() if lam.sum() > 0 else np.zeros_like(lam)
    return {
        "p_oversell": p,
        "expected_sales": mu,
        "expected_oversold": expected,
        "oversold_by_channel": expected * share,
    }


def sync_buffer(total_rate_per_min: float, delay_min: float, eps: float = 0.01) -> int:
    """Smallest buffer ``B`` with ``P(Poisson(rate * delay) > B) <= eps``."""
    if not 0 < eps < 1:
        raise ValueError("eps must be in (0, 1)")
    mu = float(total_rate_per_min) * float(delay_min)
    if mu < 0:
        raise ValueError("rate and delay must be >= 0")
    return int(stats.poisson.ppf(1.0 - eps, mu)) if mu > 0 else 0


@dataclass(frozen=True)
class PromoHold:
    """A planned reservation: pre-sale deposits or a flash-sale lock on one channel.

    ``start``/``expires`` are hours on the scenario clock; ``pay_rate`` is the share of held
    units that get paid (deposit balance or flash order) at ``pay_hour``; the rest is released
    when the hold expires.
    """

    kind: str
    channel: str
    qty: int
    start: float
    pay_hour: float
    expires: float
    pay_rate: float

    def __post_init__(self) -> None:
        if not self.start <= self.pay_hour <= self.expires:
            raise ValueError("a hold must start <= pay hour <= expiry")
        if not 0 <= self.pay_rate <= 1 or self.qty < 0:
            raise ValueError("pay_rate must be in [0, 1] and qty >= 0")


def simulate_reservations(
    on_hand: int,
    channels: tuple[str, ...],
    weights: tuple[float, ...],
    demand: np.ndarray,
    holds: list[PromoHold],
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Run an hourly promo on a :class:`StockLedger`: holds, payments, releases, channel sales.

    ``demand`` is the expected units per hour and channel (hours x channels); each hour, in order:
    holds that start are reserved, due payments consume, expired holds are released, then
    Poisson demand sells from the channels' quotas of free stock (unmet demand is lost, never
    oversold). Returns one row per hour with the ledger's numbers; the invariants are checked
    every hour.
    """
    demand = np.asarray(demand, dtype=float)
    if demand.ndim != 2 or demand.shape[1] != len(channels):
        raise ValueError("demand must be hours x channels")
    led = StockLedger(int(on_hand), tuple(channels), tuple(weights))
    ids: dict[int, int] = {}
    paid: set[int] = set()
    rows = []
    for h in range(demand.shape[0]):
        granted = released = consumed = 0
        for i, hold in enumerate(holds):
            if i not in ids and hold.start <= h:
                r = led.reserve(hold.kind, hold.channel, hold.qty, hold.expires)
                ids[i] = r.rid
                granted += r.granted
            if i in ids and i not in paid and hold.pay_hour <= h:
                r = led.reservations[ids[i]]
                consumed += led.consume(r.rid, int(round(r.granted * hold.pay_rate)))
                paid.add(i)
        released += led.expire(h)
        want = rng.poisson(demand[h])
        sold = [led.sell(c, int(q)) for c, q in zip(channels, want, strict=True)]
        led.check()
        rows.append(
            {
                "hour": h,
                **led.snapshot(),
                "reserved_now": granted,
                "paid_holds": consumed,
                "released": released,
                "demand": int(want.sum()),
                "sold_free": int(sum(sold)),
                "lost": int(want.sum() - sum(sold)),
            }
        )
    return rows
