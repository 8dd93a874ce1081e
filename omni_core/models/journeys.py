"""Behaviour-triggered journeys: steps with waits and branches, channel choice, a per-user
frequency cap across channels, quiet hours, and a random holdout to measure incrementality.

Engine (discrete-event, in time order):

1. every trigger (e.g. a cart abandoned, an order left unpaid) schedules its journey's steps at
   ``trigger time + wait``; a step has a branch condition (all / high value / not high value) and
   an action (coupon, SMS, service call) whose channel is chosen per user (the coupon goes to
   WeCom for private-domain users, to app push otherwise);
2. a step due in quiet hours (``[quiet_start, quiet_end)``, local time) is deferred to
   ``quiet_end``;
3. a step is skipped when the user has converted (paid) since the trigger: the journey's exit;
4. the frequency cap: a message is sent only if the user received fewer than ``cap`` messages in
   the preceding ``window_h`` hours across all channels and journeys (rolling window, checked at
   send time); otherwise it is suppressed;
5. users are randomised once into a holdout (share ``holdout``, no messages) and a treatment group.

Responses: the world's history has no messages, so a message's effect is simulated: a sent
message converts a not-yet-converted trigger with probability ``uplift[action]`` (independent
draws). Organic conversions are the world's own: a paid order within ``conversion_h`` hours of
the trigger. Each user's two potential outcomes (treated / not treated) are simulated with common
random numbers, so the true average effect on the triggered users is known exactly.

Incrementality: the difference of user conversion rates, treatment minus holdout, with the
unpooled Wald interval of a two-sample comparison of proportions (Fleiss, Levin & Paik 2003, 4.2;
``omni_core.models.experiments.two_proportion_test``); randomisation is by user, so the unit of
analysis is the user (Kohavi, Tang & Xu 2020, *Trustworthy Online Controlled Experiments*, ch. 14).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from omni_core.models.experiments import two_proportion_test

__all__ = [
    "DEFAULT_JOURNEYS",
    "FrequencyCap",
    "Journey",
    "Policy",
    "Step",
    "apply_frequency_cap",
    "defer_quiet_hours",
    "simulate",
]

ACTIONS = ("coupon", "sms", "call")
CHANNEL_COST = {"push": 0.0, "wecom": 0.0, "sms": 0.05, "call": 3.0}  # yuan per message


@dataclass(frozen=True)
class Step:
    """One step: after ``wait_h`` hours, if the branch ``when`` holds, do ``action``."""

    wait_h: float
    action: str  # coupon | sms | call
    when: str = "all"  # all | high_value | not_high_value

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}; choose from {ACTIONS}")
        if self.when not in {"all", "high_value", "not_high_value"}:
            raise ValueError(f"unknown branch {self.when!r}")
        if self.wait_h < 0:
            raise ValueError("waits must be >= 0")


@dataclass(frozen=True)
class Journey:
    """A trigger kind and its steps."""

    name: str
    trigger: str  # cart_abandon | unpaid_order
    steps: tuple[Step, ...]


DEFAULT_JOURNEYS: tuple[Journey, ...] = (
    Journey("cart_recovery", "cart_abandon", (
        Step(1.0, "coupon", "not_high_value"),  # cart abandoned for 1 h -> coupon
        Step(1.0, "call", "high_value"),  # high value -> service call
        Step(24.0, "sms"),  # still no purchase after 24 h -> SMS
    )),
    Journey("unpaid_order", "unpaid_order", (Step(24.0, "sms"),)),
)  # fmt: skip


@dataclass(frozen=True)
class Policy:
    """Contact rules and the response assumptions of a simulation."""

    cap: int = 2
    window_h: float = 24.0
    quiet_start: int = 22
    quiet_end: int = 8
    holdout: float = 0.1
    conversion_h: float = 72.0
    high_value: float = 500.0  # trigger value (yuan) at or above which the user is high value
    uplift: dict[str, float] = field(
        default_factory=lambda: {"coupon": 0.04, "sms": 0.015, "call": 0.08}
    )
    coupon_cost: float = 10.0  # yuan per coupon redeemed (conversion after a coupon)

    def __post_init__(self) -> None:
        if self.cap < 1 or self.window_h <= 0:
            raise ValueError("the frequency cap needs cap >= 1 and a positive window")
        if not (0 <= self.quiet_start <= 23 and 0 <= self.quiet_end <= 23):
            raise ValueError("quiet hours must be hours 0-23")
        if not 0 < self.holdout < 1:
            raise ValueError("holdout share must be in (0, 1)")
        if any(not 0 <= v <= 1 for v in self.uplift.values()):
            raise ValueError("uplifts are probabilities within [0, 1]")


class FrequencyCap:
    """Rolling-window cap: at most ``cap`` messages per user in any ``window`` (same units)."""

    def __init__(self, cap: int, window: float) -> None:
        self.cap = int(cap)
        self.window = float(window)
        self._sent: dict[object, deque] = defaultdict(deque)

    def allow(self, user: object, t: float) -> bool:
        """Record and allow a message at ``t`` (non-decreasing per user) if under the cap."""
        q = self._sent[user]
        while q and q[0] <= t - self.window:
            q.popleft()
        if len(q) >= self.cap:
            return False
        q.append(t)
        return True


def apply_frequency_cap(
    users: Sequence[object], times: Sequence[float], cap: int, window: float
) -> np.ndarray:
    """Which messages get sent (bool per message) when processed in time order under the cap."""
    times = np.asarray(times, dtype=float)
    order = np.argsort(times, kind="stable")
    fc = FrequencyCap(cap, window)
    sent = np.zeros(len(times), dtype=bool)
    users = list(users)
    for i in order:
        sent[i] = fc.allow(users[i], float(times[i]))
    return sent


def defer_quiet_hours(ts: pd.Series, quiet_start: int, quiet_end: int) -> pd.Series:
    """Move times that fall in quiet hours to the end of the quiet period (same or next day)."""
    if quiet_start == quiet_end:
        return ts
    h = ts.dt.hour
    wraps = quiet_start > quiet_end
    quiet = (
        ((h >= quiet_start) | (h < quiet_end)) if wraps else ((h >= quiet_start) & (h < quiet_end))
    )
    day = ts.dt.normalize()
    next_day = wraps & (h >= quiet_start)
    end = (
        day + pd.to_timedelta(quiet_end, unit="h") + pd.to_timedelta(next_day.astype(int), unit="D")
    )
    return ts.where(~quiet, end)


def _organic(triggers: pd.DataFrame, pays: pd.DataFrame, horizon_h: float) -> pd.Series:
    """First paid order of the trigger's user after the trigger, within ``horizon_h`` (else NaT)."""
    t = triggers[["trigger_id", "user_id", "ts"]].sort_values("ts")
    p = pays[["user_id", "pay_ts"]].sort_values("pay_ts")
    m = pd.merge_asof(
        t, p, left_on="ts", right_on="pay_ts", by="user_id", direction="forward",
        allow_exact_matches=False, tolerance=pd.Timedelta(hours=horizon_h),
    )  # fmt: skip
    return m.set_index("trigger_id")["pay_ts"].reindex(triggers["trigger_id"])


def simulate(
    triggers: pd.DataFrame,
    pays: pd.DataFrame,
    private_users: Sequence[object],
    policy: Policy,
    rng: np.random.Generator,
    journeys: Sequence[Journey] = DEFAULT_JOURNEYS,
) -> dict[str, object]:
    """Run the journeys over the triggers (module docstring); returns messages, users, summary.

    ``triggers``: ``user_id``, ``kind`` (the journey trigger), ``ts`` and ``value`` (yuan);
    ``pays``: every paid order's ``user_id`` and ``pay_ts``.
    """
    tr = triggers.reset_index(drop=True).copy()
    tr["trigger_id"] = np.arange(len(tr))
    tr["organic_ts"] = _organic(tr, pays, policy.conversion_h).to_numpy()
    users = np.unique(tr["user_id"].to_numpy())
    holdout = pd.Series(rng.random(len(users)) < policy.holdout, index=users)
    private = set(private_users)
    by_kind = {j.trigger: j for j in journeys}
    rows = []
    for kind, j in by_kind.items():
        sub = tr[tr["kind"] == kind]
        for k, st in enumerate(j.steps):
            hv = sub["value"] >= policy.high_value
            keep = {"all": np.ones(len(sub), bool), "high_value": hv.to_numpy(),
                    "not_high_value": ~hv.to_numpy()}[st.when]  # fmt: skip
            s = sub[keep]
            rows.append(pd.DataFrame({
                "trigger_id": s["trigger_id"].to_numpy(), "user_id": s["user_id"].to_numpy(),
                "journey": j.name, "step": k, "action": st.action,
                "due": s["ts"].to_numpy() + np.timedelta64(int(st.wait_h * 3600e6), "us"),
            }))  # fmt: skip
    msgs = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["trigger_id", "user_id", "journey", "step", "action", "due"])  # fmt: skip
    msgs["send_ts"] = defer_quiet_hours(pd.to_datetime(msgs["due"]), policy.quiet_start,
                                        policy.quiet_end)  # fmt: skip
    msgs["channel"] = np.where(
        msgs["action"] == "coupon",
        np.where(msgs["user_id"].isin(private), "wecom", "push"),
        msgs["action"],
    )
    msgs["u"] = rng.random(len(msgs))  # common random numbers for the response
    msgs = msgs.sort_values(["send_ts", "trigger_id", "step"], kind="stable").reset_index(drop=True)

    def secs(x: pd.Series) -> np.ndarray:
        v = (pd.to_datetime(x) - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy()
        return np.where(np.isnan(v), np.inf, v)

    organic = secs(tr["organic_ts"])  # indexed by trigger id
    trig_ts = secs(tr["ts"])
    limit = policy.conversion_h * 3600.0
    cap = FrequencyCap(policy.cap, policy.window_h * 3600.0)
    converted_at = np.full(len(tr), np.inf)  # trigger -> message-driven conversion time
    status = np.empty(len(msgs), dtype=object)
    success = np.zeros(len(msgs), dtype=bool)
    send = secs(msgs["send_ts"])
    p_hit = msgs["action"].map(policy.uplift).fillna(0.0).to_numpy()
    hit = msgs["u"].to_numpy() < p_hit
    tids = msgs["trigger_id"].to_numpy()
    for i, (tid, uid) in enumerate(zip(tids.tolist(), msgs["user_id"].tolist(), strict=True)):
        t = send[i]
        if t - trig_ts[tid] > limit:
            status[i] = "expired"
        elif organic[tid] <= t or converted_at[tid] <= t:
            status[i] = "exited"
        elif not cap.allow(uid, t):
            status[i] = "suppressed_cap"
        else:
            status[i] = "sent"
            if hit[i]:
                success[i] = True
                converted_at[tid] = t
    msgs["status"] = status
    msgs["converted"] = success
    msgs["holdout"] = msgs["user_id"].map(holdout).to_numpy()
    msgs["cost"] = np.where(msgs["status"] == "sent", msgs["channel"].map(CHANNEL_COST), 0.0)
    # Potential outcomes per user: Y0 organic, Y1 organic or a message-driven conversion.
    tr["y0"] = tr["organic_ts"].notna()
    tr["y1"] = tr["y0"] | np.isfinite(converted_at)
    per_user = tr.groupby("user_id").agg(y0=("y0", "any"), y1=("y1", "any"))
    per_user["holdout"] = holdout.reindex(per_user.index).to_numpy()
    per_user["observed"] = np.where(per_user["holdout"], per_user["y0"], per_user["y1"])
    log = msgs.assign(status=np.where(msgs["holdout"], "holdout", msgs["status"]))
    log.loc[log["holdout"], ["converted", "cost"]] = [False, 0.0]
    return {"messages": log, "users": per_user, "summary": _summary(log, per_user, policy)}


def _summary(log: pd.DataFrame, users: pd.DataFrame, policy: Policy) -> dict[str, float]:
    t = users[~users["holdout"]]
    h = users[users["holdout"]]
    test = two_proportion_test(int(h["observed"].sum()), len(h), int(t["observed"].sum()), len(t))
    sent = log["status"] == "sent"
    coupons = int((sent & (log["action"] == "coupon") & log["converted"]).sum())
    return {
        "triggered_users": int(len(users)),
        "treated_users": int(len(t)),
        "holdout_users": int(len(h)),
        "messages_sent": int(sent.sum()),
        "reach": int(log.loc[sent, "user_id"].nunique()),
        "suppressed_cap": int((log["status"] == "suppressed_cap").sum()),
        "exited": int((log["status"] == "exited").sum()),
        "conv_treated": test["p_b"],
        "conv_holdout": test["p_a"],
        "uplift": test["diff"],
        "ci_low": test["ci_low"],
        "ci_high": test["ci_high"],
        "p_value": test["p_value"],
        "true_effect": float((users["y1"] & ~users["y0"]).mean()),
        "incremental_users": float(test["diff"] * len(t)),
        "cost": float(log["cost"].sum() + coupons * policy.coupon_cost),
    }
