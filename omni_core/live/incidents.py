"""Incidents injected into the live stream for drills and demos, and their effect on behaviour."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import numpy as np

KINDS = {
    "channel_outage": ("渠道中断", "Channel outage", "channel"),
    "conversion_drop": ("转化下滑", "Conversion drop", "channel|province"),
    "traffic_spike": ("流量暴涨", "Traffic spike", "channel|total"),
    "stockout": ("爆品断货", "Stock-out", "sku"),
    "payment_failure": ("支付失败", "Payment failures", "channel|total"),
    "refund_surge": ("退款激增", "Refund surge", "total"),
}
_ids = itertools.count(1)


@dataclass
class Incident:
    """One injected incident: kind, target (``channel:tmall``, ``province:GD``, ``sku:12``,
    ``total``), magnitude (fraction lost for drops/outages/failures; extra multiple of traffic for
    spikes; for a refund surge, extra refund requests as a percentage of paid orders), start and
    optional duration in simulated minutes."""

    kind: str
    target: str
    magnitude: float
    start: dt.datetime
    duration_min: float | None = None
    id: int = field(default_factory=lambda: next(_ids))

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown incident kind {self.kind!r}; choose from {', '.join(KINDS)}")
        if self.target != "total" and ":" not in self.target:
            raise ValueError(
                f"target must be 'total' or 'dimension:value' (e.g. channel:tmall), got {self.target!r}"
            )
        dim = self.dimension
        allowed = KINDS[self.kind][2].split("|")
        if dim not in allowed:
            raise ValueError(f"{self.kind} targets {' or '.join(allowed)}, got {dim!r}")
        m = float(self.magnitude)
        if self.kind in ("traffic_spike", "refund_surge"):
            if not 0 < m <= 50:
                raise ValueError(
                    f"magnitude of {self.kind} is an extra multiple in (0, 50], got {m}"
                )
        elif not 0 < m <= 1:
            raise ValueError(f"magnitude of {self.kind} is a fraction in (0, 1], got {m}")
        self.magnitude = m

    @property
    def dimension(self) -> str:
        """``channel``, ``province``, ``sku`` or ``total``."""
        return "total" if self.target == "total" else self.target.split(":", 1)[0]

    @property
    def value(self) -> str | None:
        """The targeted channel/province/SKU."""
        return None if self.target == "total" else self.target.split(":", 1)[1]

    def active(self, t: dt.datetime) -> bool:
        """Whether the incident is under way at simulated time ``t``."""
        if t < self.start:
            return False
        return self.duration_min is None or t < self.start + dt.timedelta(minutes=self.duration_min)

    @staticmethod
    def parse_target(kind: str, target: str | None) -> str:
        """Accept ``tmall`` for a channel kind and ``12`` for a SKU: normalise to dim:value."""
        if target in (None, "", "total"):
            return "total"
        if ":" in target:
            return target
        first = KINDS.get(kind, ("", "", "total"))[2].split("|")[0]
        return f"{first}:{target}"


@dataclass
class Effects:
    """Behaviour modifiers of the incidents active in a tick."""

    channel_traffic: np.ndarray  # per channel multiplier of session intensity
    province_traffic: dict[int, float]
    # (channels, 5) multipliers of the click, visit, cart, order and pay steps; the engine applies
    # them when a step is taken (to sessions already under way too), not at session start
    stage_channel: np.ndarray
    stage_province: dict[int, np.ndarray]
    blocked_skus: set[int]  # sku indices that cannot be ordered
    refund_mult: float

    def any_traffic(self) -> bool:
        return bool((self.channel_traffic != 1).any() or self.province_traffic)


def effects(
    incidents: list[Incident], t: dt.datetime, channel_ids: list[str], geo: list[str]
) -> Effects:
    """Combine the active incidents into multipliers for the behaviour model."""
    nc = len(channel_ids)
    ch_traffic = np.ones(nc)
    prov_traffic: dict[int, float] = {}
    stage_ch = np.ones((nc, 5))
    stage_prov: dict[int, np.ndarray] = {}
    blocked: set[int] = set()
    refund = 1.0
    for inc in incidents:
        if not inc.active(t):
            continue
        m = inc.magnitude
        cidx = (
            channel_ids.index(inc.value)
            if inc.dimension == "channel" and inc.value in channel_ids
            else None
        )
        if inc.kind == "channel_outage" and cidx is not None:
            ch_traffic[cidx] *= 1 - m
        elif inc.kind == "traffic_spike":
            if cidx is not None:
                ch_traffic[cidx] *= 1 + m
            else:
                ch_traffic *= 1 + m
        elif inc.kind == "conversion_drop":
            factor = np.array([1, 1, 1 - m, 1 - m, 1])
            if cidx is not None:
                stage_ch[cidx] *= factor
            elif inc.dimension == "province" and inc.value in geo:
                p = geo.index(inc.value)
                stage_prov[p] = stage_prov.get(p, np.ones(5)) * factor
        elif inc.kind == "payment_failure":
            factor = np.array([1, 1, 1, 1, 1 - m])
            if cidx is not None:
                stage_ch[cidx] *= factor
            else:
                stage_ch *= factor
        elif inc.kind == "stockout":
            try:
                blocked.add(int(inc.value) - 1)
            except (TypeError, ValueError):
                pass
        elif inc.kind == "refund_surge":
            refund *= 1 + m
    return Effects(ch_traffic, prov_traffic, stage_ch, stage_prov, blocked, refund)
