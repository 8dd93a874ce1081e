"""Tests for omni_core.models.journeys: frequency cap, quiet hours, exits, incrementality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omni_core.models import journeys as jn


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.floats(0, 500, allow_nan=False)), max_size=80),
    st.integers(1, 4),
    st.floats(1, 100, allow_nan=False),
)
def test_frequency_cap_is_never_exceeded(msgs, cap, window) -> None:
    users = [m[0] for m in msgs]
    times = np.array([m[1] for m in msgs])
    sent = jn.apply_frequency_cap(users, times, cap, window)
    for u in set(users):
        t = np.sort(times[(np.array(users) == u) & sent])
        # any window (t_i - window, t_i] holds at most `cap` sent messages
        for i in range(len(t)):
            assert np.sum((t > t[i] - window) & (t <= t[i])) <= cap
    # a suppressed message would have broken the cap at its time
    for i in np.flatnonzero(~sent):
        u, t0 = users[i], times[i]
        prior = times[(np.array(users) == u) & sent]
        assert np.sum((prior > t0 - window) & (prior <= t0)) >= cap


def test_quiet_hours_defer_to_the_morning() -> None:
    ts = pd.Series(pd.to_datetime(["2025-11-10 21:59", "2025-11-10 22:30", "2025-11-11 03:00",
                                   "2025-11-11 08:00"]))  # fmt: skip
    out = jn.defer_quiet_hours(ts, 22, 8)
    assert out.tolist() == pd.to_datetime(["2025-11-10 21:59", "2025-11-11 08:00",
                                           "2025-11-11 08:00", "2025-11-11 08:00"]).tolist()  # fmt: skip
    day = jn.defer_quiet_hours(ts, 12, 14)
    assert day.tolist() == ts.tolist()


def _world(n_users: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cart abandons at random times; 20% of users buy organically within a day."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-11-01")
    ts = start + pd.to_timedelta(rng.uniform(0, 20 * 24, n_users), unit="h")
    trig = pd.DataFrame({"user_id": np.arange(n_users), "kind": "cart_abandon", "ts": ts,
                         "value": rng.choice([100.0, 800.0], n_users, p=[0.8, 0.2])})  # fmt: skip
    buy = rng.random(n_users) < 0.2
    pays = pd.DataFrame({"user_id": np.arange(n_users)[buy],
                         "pay_ts": ts[buy] + pd.to_timedelta(rng.uniform(0.1, 24, buy.sum()), unit="h")})  # fmt: skip
    return trig, pays


def test_exits_holdout_and_cap_in_a_simulation() -> None:
    trig, pays = _world(3000, 1)
    pol = jn.Policy(cap=1, holdout=0.2, uplift={"coupon": 0.05, "sms": 0.02, "call": 0.1})
    out = jn.simulate(trig, pays, [], pol, np.random.default_rng(2))
    m = out["messages"]
    assert (m.loc[m["holdout"], "status"] == "holdout").all()
    assert (m.loc[m["holdout"], "cost"] == 0).all()
    sent = m[m["status"] == "sent"]
    # organic buyers before the step's time are exited, never messaged
    first_pay = pays.groupby("user_id")["pay_ts"].min()
    late = sent["user_id"].map(first_pay)
    assert not (late.notna() & (late <= sent["send_ts"])).any()
    # cap 1 per 24 h: the 24-h SMS after a 1-h coupon is suppressed, never sent twice in a day
    per_user = sent.groupby("user_id")["send_ts"].agg(["min", "max", "size"])
    two = per_user[per_user["size"] > 1]
    assert ((two["max"] - two["min"]) >= pd.Timedelta(hours=24)).all()
    assert out["summary"]["suppressed_cap"] > 0
    assert set(sent["send_ts"].dt.hour) <= set(range(8, 22))  # quiet hours respected


def test_incrementality_recovers_a_known_uplift_within_its_interval() -> None:
    hits, n = 0, 20
    for seed in range(n):
        trig, pays = _world(3000, 100 + seed)
        pol = jn.Policy(cap=3, holdout=0.5, uplift={"coupon": 0.06, "sms": 0.03, "call": 0.12})
        s = jn.simulate(trig, pays, [], pol, np.random.default_rng(seed))["summary"]
        assert s["true_effect"] > 0.05  # the simulated truth is a real effect
        hits += s["ci_low"] <= s["true_effect"] <= s["ci_high"]
    print(f"\n95% intervals covering the simulated uplift: {hits}/{n}")
    assert hits >= 0.8 * n  # 95% nominal: P(fewer than 16 of 20) = 0.3% if calibrated


def test_no_uplift_means_no_effect() -> None:
    trig, pays = _world(4000, 7)
    pol = jn.Policy(holdout=0.5, uplift={"coupon": 0.0, "sms": 0.0, "call": 0.0})
    s = jn.simulate(trig, pays, [], pol, np.random.default_rng(3))["summary"]
    assert s["true_effect"] == 0.0
    assert s["ci_low"] <= 0.0 <= s["ci_high"]


def test_policy_and_step_validation() -> None:
    with pytest.raises(ValueError):
        jn.Policy(cap=0)
    with pytest.raises(ValueError):
        jn.Policy(holdout=0.0)
    with pytest.raises(ValueError):
        jn.Step(1.0, "fax")
