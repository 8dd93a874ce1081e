"""The live engine: continuity with history, rollups, false alarms, alert lifecycle, notifier."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import time

import numpy as np
import pytest

from omni_core.alerts.notify import Notifier
from omni_core.live.clock import SimClock
from omni_core.live.engine import LiveEngine
from omni_core.live.rollup import M


def test_clock_speed_pause_resume():
    now = [0.0]
    c = SimClock(dt.datetime(2025, 11, 11), 60, wall=lambda: now[0])
    now[0] = 10
    assert c.now() == dt.datetime(2025, 11, 11, 0, 10)
    c.pause()
    now[0] = 100
    assert c.now() == dt.datetime(2025, 11, 11, 0, 10)
    c.resume()
    c.set_speed(600)
    now[0] = 101
    assert c.now() == dt.datetime(2025, 11, 11, 0, 20)
    with pytest.raises(ValueError, match="speed"):
        c.set_speed(0)


def test_24_clean_hours_across_the_double11_midnight_spike_raise_at_most_2_alerts(clean_wh):
    eng = LiveEngine(clean_wh, persist=False)
    assert eng.t == dt.datetime(2025, 11, 11)
    eng.step(24 * 60)
    fired = [(a.rule_id, a.dim, a.key, a.fired_at) for a in eng.alerts.history()]
    print("false alerts in 24 clean hours:", fired)
    assert len(fired) <= 2  # the issue's bound (the funnel rules' own budget is 0.2 a day)
    # The midnight spike is real and in the data: the first 10 minutes of Nov 11 carry several
    # times the GMV of the same minutes of Nov 10.
    today = eng.rollup.days[dt.date(2025, 11, 11)][:10, 0, M["gmv"]].sum()
    yday = eng.rollup.days[dt.date(2025, 11, 10)][:10, 0, M["gmv"]].sum()
    assert today > 3 * yday


def test_stream_continues_history_without_gap_or_overlap(clean_wh):
    eng = LiveEngine(clean_wh, persist=True, dataset="world")
    before = clean_wh.row_counts()
    last = clean_wh.sql("SELECT max(ts) m, max(session_id) s FROM world.events").iloc[0]
    eng.step(15)
    new = clean_wh.sql(f"SELECT * FROM world.events WHERE session_id > {int(last['s'])}")
    assert len(new) > 0
    assert new["ts"].min() >= dt.datetime(2025, 11, 11) > last["m"]
    assert new["ts"].max() < eng.t
    assert clean_wh.row_counts()["events"] == before["events"] + len(new)
    # Rollups equal the appended facts.
    gmv = clean_wh.sql(
        "SELECT sum(amount) FROM world.orders WHERE pay_ts >= TIMESTAMP '2025-11-11'"
    ).iloc[0, 0]
    assert eng.rollup.days[dt.date(2025, 11, 11)][:, 0, M["gmv"]].sum() == pytest.approx(gmv)
    # Funnel cohorts: every live visit, cart and order is a parent once, every live cart, order
    # and payment a child once (all their parents are live: history sessions never resume).
    day = eng.rollup.days[dt.date(2025, 11, 11)][:15, 0]
    n, c, _ = eng.cohorts.window(int((eng.t - eng.world_start).total_seconds() // 60), 15)
    for si, (parent, child) in enumerate((("visits", "carts"), ("carts", "orders"),
                                          ("orders", "pays"))):  # fmt: skip
        assert n[:, 0, si].sum() == day[:, M[parent]].sum() > 0
        assert c[:, 0, si].sum() == day[:, M[child]].sum() > 0
    # A second engine on the same warehouse resumes where the first stopped: no duplicated ticks.
    eng2 = LiveEngine(clean_wh, persist=False, dataset="world")
    assert eng2.t == eng.t


def test_ack_resolve_and_cooldown(drill_wh):
    eng = LiveEngine(drill_wh, persist=False)
    eng.step(2)
    a = eng.declare("pr_crisis", "brand", "差评扩散")
    assert a is not None and a.state == "firing" and "respond" in a.deadlines
    assert eng.declare("pr_crisis", "brand") is None  # deduplicated while active
    eng.alerts.ack(a.id, "ops1", eng.t)
    assert eng.alerts.alerts[a.id].state == "acknowledged"
    eng.alerts.resolve(a.id, "ops1", eng.t)
    assert eng.alerts.alerts[a.id].state == "resolved"
    assert eng.declare("pr_crisis", "brand") is None  # cooldown
    lg = eng.declare("logistics", "zto")
    assert [c["carrier"] for c in lg.carriers] and "zto" not in [c["carrier"] for c in lg.carriers]
    assert len(lg.carriers) == 3
    with pytest.raises(ValueError, match="no alert"):
        eng.alerts.ack(99999, "x", eng.t)


def test_metric_alert_resolves_after_the_incident_ends(drill_wh):
    eng = LiveEngine(drill_wh, persist=False)
    eng.step(5)
    eng.inject("channel_outage", "jd", 1.0, duration_min=6)
    eng.step(8)
    hit = [a for a in eng.alerts.history() if a.rule_id == "traffic_drop" and a.key == "jd"]
    assert hit
    eng.step(40)
    assert eng.alerts.alerts[hit[0].id].state == "resolved"


class _Hook(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        n = int(self.headers["Content-Length"])
        _Hook.received.append(json.loads(self.rfile.read(n)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_is_called_and_a_dead_webhook_does_not_stall_ticks(drill_wh):
    srv = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        n = Notifier(f"http://127.0.0.1:{srv.server_port}/hook", timeout=2)
        eng = LiveEngine(drill_wh, persist=False, notifier=n)
        eng.step(1)
        eng.declare("pr_crisis", "brand", "test")
        n.flush()
        time.sleep(0.3)
        assert any(p.get("rule_id") == "pr_crisis" for p in _Hook.received)
    finally:
        srv.shutdown()
    dead = Notifier("http://127.0.0.1:9/never", timeout=2, retries=3, backoff=1.0)
    eng = LiveEngine(drill_wh, persist=False, notifier=dead)
    eng.step(1)
    t = time.perf_counter()
    for _ in range(5):
        eng.declare("logistics", "sf", "x")
        eng.alerts.resolve(max(eng.alerts.alerts), "t", eng.t)
        eng.step(1)
    assert time.perf_counter() - t < 20  # ticks went on; the dead webhook retries in its thread
    assert np.isfinite(eng.snapshot["kpi"]["gmv"])
    with pytest.raises(ValueError, match="http"):
        Notifier("ftp://x")


def test_warmup_ramp_is_the_cdf_of_the_summed_step_delays():
    """Deterministic delays 2, 1, 1 min: carts from age 2, orders from 3, payments from 4."""
    from omni_core.live.cohorts import MAX_LAG, warmup_ramp

    cdf = np.zeros((3, 2, MAX_LAG + 1))
    for k, lag in enumerate((2, 1, 1)):
        cdf[k, :, lag:] = 1.0
    r = warmup_ramp(cdf)
    for k, first in enumerate((2, 3, 4)):
        assert (r[k, :, :first] == 0).all() and (r[k, :, first:] == 1).all()
    # Two equally likely cart delays (0 or 2) and no other delay: payments ramp 1/2 then 1.
    cdf = np.ones((3, 1, MAX_LAG + 1))
    cdf[0, 0, :2] = 0.5
    r = warmup_ramp(cdf)
    assert r[2, 0, :4].tolist() == [0.5, 0.5, 1.0, 1.0]


def test_expected_funnel_counts_ramp_up_after_the_stream_starts(clean_wh):
    """Right after the start the expected payments are discounted by the ramp, later not."""
    eng = LiveEngine(clean_wh, persist=False)
    raw = eng.baseline.expected(eng.t + dt.timedelta(minutes=3), 3)
    adj = eng._warmup(eng.t + dt.timedelta(minutes=3), 3, raw)
    pays, visits = M["pays"], M["visits"]
    assert (adj[:, visits] == raw[:, visits]).all()
    assert adj[0, pays] < 0.9 * raw[0, pays]
    late = eng.t + dt.timedelta(minutes=60)
    raw = eng.baseline.expected(late, 10)
    assert (eng._warmup(late, 10, raw) == raw).all()


def test_first_seen_counts_distinct_users_by_their_first_minute():
    """``FirstSeen.count`` equals a brute-force distinct count over batches in any order."""
    from omni_core.live.rollup import FirstSeen

    rng = np.random.default_rng(2)
    fs = FirstSeen()
    day = dt.date(2025, 11, 11)
    start = np.datetime64("2025-11-11T00:00", "us")
    seen: dict[int, int] = {}
    for _ in range(12):  # batches, each with repeats and users already seen
        users = rng.integers(0, 400, 150)
        minute = rng.integers(0, 1440, 150)
        ts = start + (minute * 60_000_000 + rng.integers(0, 60_000_000, 150)).astype(
            "timedelta64[us]"
        )
        fs.add_times(ts, users)
        seen.update(dict.fromkeys(users.tolist(), 0))
    # Out of time order only the totals are defined (a later batch never moves a user's first
    # minute back: the stream only goes forward).
    assert fs.count(day) == len(seen) == len(fs.users(day))
    for upto in (0, 1, 300, 720, 1439, 1440):
        assert 0 <= fs.count(day, upto) <= fs.count(day)
    # In time order (how ticks arrive) the first minute is exact.
    fs2 = FirstSeen()
    users = rng.integers(0, 300, 2000)
    minute = np.sort(rng.integers(0, 1440, 2000))
    for chunk in np.array_split(np.arange(2000), 40):
        fs2.add(day, users[chunk], minute[chunk])
    first = {}
    for u, m in zip(users.tolist(), minute.tolist(), strict=True):
        first.setdefault(u, m)
    for upto in (0, 5, 300, 901, 1440):
        assert fs2.count(day, upto) == sum(m < upto for m in first.values())
    fs2.drop_before(day + dt.timedelta(days=1))
    assert fs2.count(day) == 0 and fs2.days == []
