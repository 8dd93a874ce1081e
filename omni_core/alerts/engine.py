"""The alert engine: pending period, hysteresis, cooldown, deduplication, ack/resolve, notify.

States: ``firing`` → ``acknowledged`` (an operator took it) → ``resolved`` (automatically after
``resolve_after`` calm evaluations, or by an operator). One active alert per (rule, group):
repeated breaches update it instead of firing again (deduplication); after resolving, the same
rule and group stay quiet for ``cooldown`` minutes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from omni_core.alerts.notify import Notifier
from omni_core.alerts.rules import (
    MANUAL_RULES,
    STOCK_RULES,
    Rule,
    evaluate,
    evaluate_sequential,
    severity,
)
from omni_core.reference import CARRIERS


@dataclass
class Alert:
    """One alert with its evidence and playbook."""

    id: int
    rule_id: str
    name_zh: str
    name_en: str
    dim: str
    key: str
    severity: str
    state: str
    fired_at: dt.datetime
    observed: float
    expected: float
    z: float
    effect: float
    message_zh: str
    message_en: str
    playbook_zh: str
    playbook_en: str
    drilldown: list[dict[str, Any]] = field(default_factory=list)
    acked_at: dt.datetime | None = None
    acked_by: str | None = None
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None
    deadlines: dict[str, str] = field(default_factory=dict)
    carriers: list[dict[str, Any]] = field(default_factory=list)
    incident: str | None = None

    @property
    def active(self) -> bool:
        return self.state != "resolved"

    def payload(self) -> dict[str, Any]:
        """Notifier payload (JSON) with a one-line text for chat robots."""
        d = asdict(self)
        d["text"] = (
            f"【{self.severity.upper()}】{self.name_zh} {self.dim}={self.key}: {self.message_zh}\n"
            f"> {self.playbook_zh}"
        )
        return d


@dataclass
class _State:
    breaches: int = 0
    calm: int = 0
    active: int | None = None
    cooldown_until: dt.datetime | None = None


class AlertEngine:
    """Evaluates rules each minute and keeps the alert list (thread-safe)."""

    def __init__(
        self,
        rules: list[Rule],
        group_keys: list[tuple[str, str]],
        *,
        notifier: Notifier | None = None,
        on_change: Callable[[Alert], None] | None = None,
        first_id: int = 1,
    ) -> None:
        self.rules = list(rules)
        self.group_keys = group_keys
        self.group_dims = np.array([g[0] for g in group_keys])
        self.notifier = notifier or Notifier()
        self.on_change = on_change
        self.alerts: dict[int, Alert] = {}
        self._states: dict[tuple[str, int], _State] = {}
        self._next = first_id
        self._lock = threading.RLock()
        self.evaluations = 0

    # ------------------------------------------------------------------ evaluation
    def evaluate(
        self,
        now: dt.datetime,
        observed: Callable[..., Callable[[str], np.ndarray]],
        expected: Callable[[int], Callable[[str], np.ndarray]],
        variance: Callable[..., np.ndarray],
        cohorts: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    ) -> list[Alert]:
        """Run every enabled rule at minute ``now``; returns alerts fired now.

        ``observed(window, lag=0)`` / ``expected(window)`` return accessors metric -> per-group
        sums (``lag`` shifts the window back, for ratio denominators). ``cohorts()`` returns the
        funnel-step evidence (parents, children, expected share) of the sequential rules; without
        it, funnel rules fall back to their window tests.
        """
        fired: list[Alert] = []
        evidence = None
        with self._lock:
            self.evaluations += 1
            for rule in self.rules:
                if not rule.enabled:
                    continue
                ev = None
                if rule.steps and cohorts is not None:
                    if evidence is None:
                        evidence = cohorts()
                    ev = evaluate_sequential(rule, *evidence, self.group_dims)
                for w in () if ev is not None else (rule.window, *rule.long_windows):
                    # fire on the most extreme window
                    lagged = (
                        observed(w, rule.lag, rule.metric)
                        if rule.denominator and rule.lag
                        else None
                    )
                    e = evaluate(rule, observed(w), expected(w), variance, self.group_dims,
                                 lagged=lagged, window=w)  # fmt: skip
                    if ev is None:
                        ev = e
                        continue
                    better = e.breach & (~ev.breach | (np.abs(e.z) > np.abs(ev.z)))
                    for f in ("observed", "expected", "z", "effect"):
                        getattr(ev, f)[better] = getattr(e, f)[better]
                    ev.breach |= e.breach
                    ev.calm &= e.calm
                for g in np.flatnonzero(ev.breach | ~ev.calm | self._has_state(rule.id)):
                    st = self._states.setdefault((rule.id, int(g)), _State())
                    if ev.breach[g]:
                        st.breaches += 1
                        st.calm = 0
                    elif ev.calm[g]:
                        st.breaches = 0
                        st.calm += 1
                    else:  # between resolve_z and z: hysteresis band, nothing changes
                        st.calm = 0
                    if st.active is not None:
                        a = self.alerts[st.active]
                        if ev.breach[g]:
                            a.observed, a.expected = float(ev.observed[g]), float(ev.expected[g])
                            a.z, a.effect = float(ev.z[g]), float(ev.effect[g])
                        if st.calm >= rule.resolve_after:
                            self._resolve(a, now, "auto")
                            st.active = None
                            st.cooldown_until = now + dt.timedelta(minutes=rule.cooldown)
                        continue
                    if st.cooldown_until is not None and now < st.cooldown_until:
                        continue
                    if st.breaches >= rule.pending:
                        a = self._fire_metric(rule, int(g), ev, now)
                        st.active = a.id
                        fired.append(a)
        return fired

    def _has_state(self, rule_id: str) -> np.ndarray:
        mask = np.zeros(len(self.group_keys), bool)
        for (rid, g), st in self._states.items():
            if rid == rule_id and (st.active is not None or st.breaches):
                mask[g] = True
        return mask

    def _fire_metric(self, rule: Rule, g: int, ev: Any, now: dt.datetime) -> Alert:
        dim, key = self.group_keys[g]
        eff = float(ev.effect[g])
        what_zh = {"drop": "低于", "spike": "高于"}[rule.direction]
        what_en = {"drop": "below", "spike": "above"}[rule.direction]
        unit = f"{rule.metric}/{rule.denominator}" if rule.denominator else rule.metric
        minutes = rule.window if ev.minutes is None else int(ev.minutes[g])
        if ev.minutes is not None:  # funnel rule: children of the cohorts since the change
            unit = "+".join({"cart": "carts", "order": "orders", "pay": "pays"}[s]
                            for s in rule.steps)  # fmt: skip
        msg_zh = (f"{minutes}分钟内 {unit} 实际 {ev.observed[g]:.1f}，{what_zh}预期 "
                  f"{ev.expected[g]:.1f}（{eff:+.0%}，z={ev.z[g]:.1f}）")  # fmt: skip
        msg_en = (f"{unit} over {minutes} min: {ev.observed[g]:.1f} observed, {what_en} the "
                  f"expected {ev.expected[g]:.1f} ({eff:+.0%}, z={ev.z[g]:.1f})")  # fmt: skip
        drill = []
        if dim == "total":
            # Which channel / province / category drives it: largest shortfall (or excess).
            sign = -1 if rule.direction == "drop" else 1
            gap = sign * (ev.observed - ev.expected)
            for d in ("channel", "province", "category"):
                idx = np.flatnonzero((self.group_dims == d) & (ev.expected > 0))
                if len(idx) == 0:
                    continue
                top = idx[np.argsort(-gap[idx])[:3]]
                drill += [
                    {"dim": d, "key": self.group_keys[i][1], "observed": float(ev.observed[i]),
                     "expected": float(ev.expected[i]), "effect": float(ev.effect[i])}
                    for i in top if gap[i] > 0
                ]  # fmt: skip
        a = Alert(
            id=self._take_id(), rule_id=rule.id, name_zh=rule.name_zh, name_en=rule.name_en,
            dim=dim, key=key, severity=severity(eff, dim), state="firing", fired_at=now,
            observed=float(ev.observed[g]), expected=float(ev.expected[g]), z=float(ev.z[g]),
            effect=eff, message_zh=msg_zh, message_en=msg_en, playbook_zh=rule.playbook_zh,
            playbook_en=rule.playbook_en, drilldown=drill,
        )  # fmt: skip
        self._emit(a, notify=rule.notify)
        return a

    # ------------------------------------------------------------------ other alerts
    def raise_alert(
        self,
        rule_id: str,
        dim: str,
        key: str,
        now: dt.datetime,
        *,
        observed: float = 0.0,
        expected: float = 0.0,
        message_zh: str = "",
        message_en: str = "",
        cooldown: int = 30,
    ) -> Alert | None:
        """Fire a stock or manual playbook alert (deduplicated, with cooldown)."""
        with self._lock:
            st = self._states.setdefault((rule_id, hash((dim, key))), _State())
            if st.active is not None and self.alerts[st.active].active:
                return None
            if st.cooldown_until is not None and now < st.cooldown_until:
                return None
            name_zh, name_en, pb_zh, pb_en = {**STOCK_RULES, **MANUAL_RULES}[rule_id]
            a = Alert(
                id=self._take_id(), rule_id=rule_id, name_zh=name_zh, name_en=name_en, dim=dim,
                key=key, severity="critical", state="firing", fired_at=now, observed=observed,
                expected=expected, z=float("nan"), effect=float("nan"), message_zh=message_zh,
                message_en=message_en, playbook_zh=pb_zh, playbook_en=pb_en,
            )  # fmt: skip
            if rule_id == "pr_crisis":
                a.deadlines = {
                    "respond": (now + dt.timedelta(hours=1)).isoformat(),
                    "plan": (now + dt.timedelta(hours=4)).isoformat(),
                    "close": (now + dt.timedelta(hours=24)).isoformat(),
                }
            if rule_id == "logistics":
                a.carriers = backup_carriers(exclude=key)
            st.active = a.id
            st.cooldown_until = now + dt.timedelta(minutes=cooldown)
            self._emit(a)
            return a

    def clear_condition(self, rule_id: str, dim: str, key: str, now: dt.datetime) -> None:
        """The condition behind a stock alert is gone: resolve it automatically."""
        with self._lock:
            st = self._states.get((rule_id, hash((dim, key))))
            if st and st.active is not None:
                self._resolve(self.alerts[st.active], now, "auto")
                st.active = None

    # ------------------------------------------------------------------ operators
    def ack(self, alert_id: int, user: str, now: dt.datetime) -> Alert:
        """Acknowledge a firing alert."""
        with self._lock:
            a = self._get(alert_id)
            if a.state == "firing":
                a.state, a.acked_at, a.acked_by = "acknowledged", now, user
                self._changed(a)
            return a

    def resolve(self, alert_id: int, user: str, now: dt.datetime) -> Alert:
        """Resolve an alert by hand (the rule may fire again after its cooldown)."""
        with self._lock:
            a = self._get(alert_id)
            if a.active:
                self._resolve(a, now, user)
                for st in self._states.values():
                    if st.active == alert_id:
                        st.active = None
                        st.breaches = 0
                        st.cooldown_until = now + dt.timedelta(minutes=self._cooldown(a.rule_id))
            return a

    def active_alerts(self) -> list[Alert]:
        """Firing and acknowledged alerts, most severe and newest first."""
        with self._lock:
            order = {"critical": 0, "major": 1, "minor": 2}
            act = [a for a in self.alerts.values() if a.active]
            return sorted(act, key=lambda a: (order.get(a.severity, 3), -a.fired_at.timestamp()))

    def history(self) -> list[Alert]:
        """Every alert, newest first."""
        with self._lock:
            return sorted(self.alerts.values(), key=lambda a: (a.fired_at, a.id), reverse=True)

    # ------------------------------------------------------------------ internals
    def _cooldown(self, rule_id: str) -> int:
        for r in self.rules:
            if r.id == rule_id:
                return r.cooldown
        return 30

    def _get(self, alert_id: int) -> Alert:
        try:
            return self.alerts[int(alert_id)]
        except (KeyError, ValueError, TypeError):
            raise ValueError(f"no alert with id {alert_id!r}") from None

    def _take_id(self) -> int:
        i = self._next
        self._next += 1
        return i

    def _resolve(self, a: Alert, now: dt.datetime, by: str) -> None:
        a.state, a.resolved_at, a.resolved_by = "resolved", now, by
        self._changed(a)

    def _emit(self, a: Alert, notify: bool = True) -> None:
        self.alerts[a.id] = a
        self._changed(a)
        if notify:
            self.notifier.send(a.payload())

    def _changed(self, a: Alert) -> None:
        if self.on_change is not None:
            self.on_change(a)


def backup_carriers(exclude: str | None = None, n: int = 3) -> list[dict[str, Any]]:
    """The doc's logistics contingency: 3 backup domestic carriers ranked by days then cost."""
    cands = [c for c in CARRIERS if c[5] == "domestic" and c[0] != exclude]
    cands.sort(key=lambda c: (c[4], c[3]))
    return [{"carrier": c[0], "name_zh": c[1], "name_en": c[2], "cost": c[3], "days": c[4]}
            for c in cands[:n]]  # fmt: skip
