"""Headless incident drills: inject an incident into the live stream and time its detection."""

from __future__ import annotations

import datetime as dt
from typing import Any

from omni_core.live.engine import LiveEngine
from omni_core.live.incidents import Incident

# The rule (and dimension) that should catch each incident kind first.
EXPECTED_RULE = {
    "channel_outage": ("traffic_drop", "channel"),
    "conversion_drop": ("conversion_drop", None),
    "traffic_spike": ("traffic_spike", None),
    "stockout": ("stock_out", "sku"),
    "payment_failure": ("payment_failure", None),
    "refund_surge": ("refund_surge", None),
}


def run_drill(
    engine: LiveEngine,
    kind: str,
    target: str | None,
    magnitude: float,
    *,
    warmup_minutes: int = 10,
    max_minutes: int = 30,
    speed: float = 60.0,
) -> dict[str, Any]:
    """Warm up, inject, then tick minute by minute until an alert matches (or ``max_minutes``).

    Returns the incident, the first alert after injection (any rule), the first matching alert,
    the detection delay in simulated minutes (and in wall seconds at ``speed``) and the alerts
    that fired during the clean warm-up (false alarms).
    """
    before = set(engine.alerts.alerts)
    engine.step(warmup_minutes)
    false_alarms = [a for i, a in engine.alerts.alerts.items() if i not in before]
    seen = set(engine.alerts.alerts)
    inc = engine.inject(kind, target, magnitude)
    rule, dim = EXPECTED_RULE[kind]
    first = matched = None
    for minute in range(1, max_minutes + 1):
        engine.step(1)
        new = [a for i, a in sorted(engine.alerts.alerts.items()) if i not in seen]
        seen |= {a.id for a in new}
        if new and first is None:
            first = (minute, new[0])
        hit = [a for a in new if a.rule_id == rule and _matches(a, inc, dim)]
        if hit:
            matched = (minute, hit[0])
            break
    engine.clear_incidents()

    def info(x: tuple[int, Any] | None) -> dict[str, Any] | None:
        if x is None:
            return None
        m, a = x
        return {"minute": m, "time": a.fired_at.isoformat(), "rule": a.rule_id, "dim": a.dim,
                "key": a.key, "severity": a.severity, "drilldown": a.drilldown[:3]}  # fmt: skip

    delay = matched[0] if matched else None
    return {
        "incident": {
            "kind": kind,
            "target": inc.target,
            "magnitude": magnitude,
            "start": inc.start.isoformat(),
        },  # fmt: skip
        "first_alert": info(first),
        "matched_alert": info(matched),
        "detected": matched is not None,
        "detection_delay_min": delay,
        "detection_delay_wall_s": None if delay is None else delay * 60.0 / speed,
        "speed": speed,
        "false_alarms_in_warmup": [(a.rule_id, a.dim, a.key) for a in false_alarms],
    }


def _matches(alert: Any, inc: Incident, dim: str | None) -> bool:
    """The alert points at the incident's target: its own dimension or a drill-down entry."""
    if inc.target == "total":
        return True
    want_dim, want = inc.dimension, str(inc.value)
    if dim is not None and alert.dim == dim:
        return str(alert.key) == want
    if alert.dim == want_dim and str(alert.key) == want:
        return True
    if alert.dim == "total":
        return any(d["dim"] == want_dim and str(d["key"]) == want for d in alert.drilldown)
    return False


def fast_forward(engine: LiveEngine, until: dt.datetime) -> None:
    """Advance the engine in bulk to ``until`` (alerts are evaluated only on its last minutes)."""
    while engine.t < until:
        engine.advance(until=until)
