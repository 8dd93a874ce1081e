"""The live engine: advances a simulated world minute by minute and keeps the war room's state.

One engine per server process and dataset, shared by every viewer. Each tick simulates the
minute ``[t, t+1)`` with the same behaviour model that built the history (the population is
rebuilt from the dataset's parameters and seed), applies active incidents, appends the events,
orders, lines and refunds that became visible to the warehouse in one transaction, updates the
per-minute rollups and the funnel-step cohorts, evaluates the alert rules and rebuilds the board
snapshot once. Events of a session that fall after the minute (a payment 30 s later) wait in a
buffer, so the stream has neither gaps nor overlaps with the history. Funnel incidents
(conversion drops, payment failures) act on the funnel steps taken while they are active, also
those of sessions already under way: each buffered cart, order or payment falling in the tick is
kept with the incident's probability when it is released. Catch-up after idle time is done in
bulk windows of up to an hour and bounded by ``max_catchup_minutes``: beyond it the clock is held,
not replayed.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from omni_core.alerts.baseline import Baseline, Plan
from omni_core.alerts.engine import Alert, AlertEngine
from omni_core.alerts.notify import Notifier
from omni_core.alerts.rules import DEFAULT_RULES, Rule
from omni_core.alerts.store import AlertStore
from omni_core.live.clock import SimClock
from omni_core.live.cohorts import MAX_LAG, Cohorts, warmup_ramp
from omni_core.live.incidents import Effects, Incident, effects
from omni_core.live.rollup import EVENT_METRIC, METRICS, FirstSeen, Groups, M, Rollup
from omni_core.metrics import live as lm
from omni_core.metrics.core import time_range
from omni_core.reference import CATEGORIES
from omni_core.warehouse import Warehouse
from omni_core.world.behaviour import MINUTES_PER_DAY, Behaviour
from omni_core.world.params import WorldParams
from omni_core.world.population import build_population
from omni_core.world.simulate import (
    STAGE_CLICK,
    STAGE_PAY,
    US_PER_MIN,
    Sessions,
    WorldContext,
    events_frame,
    orders_frames,
    simulate_sessions,
    walk_funnel,
)

FAR_US = 10**18
LIVE_HORIZON_DAYS = 62
# Metrics that trail a session's start by its funnel steps: carts, orders, payments (warm-up).
_RAMPED = (("carts",), ("orders",), ("pays", "gmv", "gmv_sq", "attributed_gmv"))


class LiveError(RuntimeError):
    """The dataset cannot be run live (e.g. an import without a behaviour model)."""


class LiveEngine:
    """See the module docstring. Thread-safe: ``advance`` holds a lock."""

    def __init__(
        self,
        wh: Warehouse,
        dataset: str = "world",
        *,
        speed: float = 60.0,
        rules: list[Rule] | None = None,
        notifier: Notifier | None = None,
        history_days: int = 14,
        max_catchup_minutes: int = 360,
        wall: Callable[[], float] = time.monotonic,
        persist: bool = True,
        live_seed: int = 0,
    ) -> None:
        meta = wh.meta(dataset)
        if "params" not in meta:
            raise LiveError(
                f"dataset {dataset!r} has no simulation parameters (kind={meta.get('kind')!r}): "
                "the live stream needs a simulated world"
            )
        self.wh = wh
        self.dataset = dataset
        self.persist = persist
        self.params = WorldParams.from_dict(meta["params"])
        self.max_catchup = max_catchup_minutes
        self.live_seed = int(live_seed)
        self._lock = threading.RLock()
        p = self.params
        rng = np.random.default_rng(p.seed)
        model = Behaviour(p)
        days = model.day_table(p.start, p.days + LIVE_HORIZON_DAYS)
        pop = build_population(p, model, rng)
        self.ctx = WorldContext(model, pop, days)
        self.world_start = dt.datetime.combine(p.start, dt.time())
        self.channel_ids = model.channel_ids
        self.geo = self.ctx.geo
        self.categories = [c[0] for c in CATEGORIES]
        self.groups = Groups(self.channel_ids, self.geo, self.categories)
        # Minutes from a visit to its cart (~62% of the dwell time) and to its order (+1.5 min).
        self.group_lag = {"carts": np.zeros(self.groups.n, dtype=int)}
        self.group_lag["orders"] = np.zeros(self.groups.n, dtype=int)
        for i, ch in enumerate(model.channels):
            self.group_lag["carts"][1 + i] = int(np.ceil(0.62 * ch.dwell_mean_s / 60))
            self.group_lag["orders"][1 + i] = int(np.ceil(0.62 * ch.dwell_mean_s / 60 + 1.5))
        t = wh.tables(dataset)
        self._load_dimensions(t)
        tr = wh.query(time_range(t)).iloc[0]
        last = pd.Timestamp(tr["last_ts"]).to_pydatetime()
        end = dt.datetime.combine(p.end, dt.time())
        self.t = max(end, (last + dt.timedelta(minutes=1)).replace(second=0, microsecond=0))
        self.history_start = self.t - dt.timedelta(days=history_days)
        self.rollup = Rollup(self.groups, keep_days=history_days + 2)
        self._seed_rollup(t)
        self.baseline = Baseline(self.rollup, Plan(p), self._complete_days())
        self.cohorts = Cohorts(self.groups)
        lags = wh.query(lm.step_lags(t, self.t - dt.timedelta(days=2), self.t))
        self.cohorts.fit_delays(lags)
        # The stream starts with no sessions in flight: expected funnel counts ramp up.
        self.live_start = self.t
        self.ramp = warmup_ramp(self.cohorts.cdf)
        self.store = AlertStore(wh, dataset) if persist else None
        rules = (
            rules
            if rules is not None
            else (self.store.rules() if self.store else list(DEFAULT_RULES))
        )
        self.notifier = notifier or Notifier()
        self.alerts = AlertEngine(
            rules, self.groups.keys, notifier=self.notifier,
            on_change=self.store.save if self.store else None,
            first_id=self.store.next_id() if self.store else 1,
        )  # fmt: skip
        self.incidents: list[Incident] = []
        self.clock = SimClock(self.t, speed, wall=wall)
        self._pending_events: list[pd.DataFrame] = []
        self._pending_orders: list[tuple[pd.DataFrame, pd.DataFrame]] = []
        self._hour_spend: dict[tuple[int, dt.datetime], list[float]] = {}
        self.ticks = 0
        self.tick_seconds: list[float] = []
        self.last_orders = pd.DataFrame()
        self.snapshot: dict[str, Any] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._rebuild_snapshot()

    # ------------------------------------------------------------------ setup
    def _load_dimensions(self, t: Any) -> None:
        wh = self.wh
        u = wh.query(t.users.select("user_id", "name", "city_id", "private_join_ts"))
        u = u.sort_values("user_id")
        self.user_name = u["name"].fillna("").astype(str).to_numpy()
        city = wh.query(t.cities.select("city_id", "name_zh", "name_en"))
        cmap = dict(zip(city["city_id"], city["name_zh"], strict=True))
        self.user_city = np.array([cmap.get(c, "海外") if pd.notna(c) else "海外" for c in u["city_id"]],
                                  dtype=object)  # fmt: skip
        join = pd.to_datetime(u["private_join_ts"])
        self.join_min = ((join - self.world_start).dt.total_seconds() / 60).to_numpy(dtype=float)
        ids = wh.query(
            t.events.agg(s=t.events.session_id.max()).cross_join(
                t.orders.agg(o=t.orders.order_id.max())
            ).cross_join(t.returns.agg(r=t.returns.return_id.max()))
        ).iloc[0]  # fmt: skip
        # An empty table's max is None on DuckDB and NaN on Spark.
        self.next_session, self.next_order, self.next_return = (
            1 if pd.isna(ids[k]) else int(ids[k]) + 1 for k in ("s", "o", "r")
        )
        sk = wh.query(t.skus.select("sku_id", "name", "category_id", "is_hot", "price"))
        self.sku_name = sk.set_index("sku_id")["name"]
        hot = sk[sk["is_hot"]].sort_values("price", ascending=False)
        self.hot_skus = hot["sku_id"].to_numpy()[:12]
        snaps = t.inventory_snapshots
        last_day = snaps.date.max().as_scalar()
        st = wh.query(
            snaps.filter(snaps.date == last_day, snaps.sku_id.isin([int(x) for x in self.hot_skus]))
            .group_by("sku_id")
            .agg(on_hand=snaps.on_hand.sum(), ss=snaps.safety_stock.sum(), rop=snaps.reorder_point.sum())
        ).set_index("sku_id")  # fmt: skip
        self.stock = {
            int(s): {
                "on_hand": float(st["on_hand"].get(s, 0)), "ss": float(st["ss"].get(s, 0)),
                "rop": float(st["rop"].get(s, 0)), "on_order": 0.0, "arrive": None,
                "sold_today": 0.0, "sold_recent": [],
            }
            for s in self.hot_skus
        }  # fmt: skip
        ln, o = t.order_lines, t.orders
        paid = o.filter(o.pay_ts.notnull())
        n_paid = self.wh.query(paid.count().name("n").as_table()).iloc[0, 0]
        units = self.wh.query(
            ln.join(paid, ln.order_id == paid.order_id)
            .filter(ln.sku_id.isin([int(x) for x in self.hot_skus]))
            .group_by(ln.sku_id).agg(q=ln.qty.sum())
        ).set_index("sku_id")["q"]  # fmt: skip
        for s_id, st_ in self.stock.items():
            st_["units_per_order"] = float(units.get(s_id, 0.0)) / max(float(n_paid), 1.0)
        recent = o.filter(o.delivered_ts.notnull()).order_by(ibis_desc(o.delivered_ts)).limit(5000)
        self.refund_pool = wh.query(recent.select("order_id", "user_id", "channel_id", "amount"))
        r = t.returns
        n_ref = wh.query(r.filter(r.refund_ts.notnull()).count().name("n").as_table()).iloc[0, 0]
        self.refund_rate = float(n_ref) / max(self.params.days * MINUTES_PER_DAY, 1)

    def _seed_rollup(self, t: Any) -> None:
        """History of the last days into the rollups (one pass of minute-grain aggregates)."""
        s, e = self.history_start, self.t
        ch = {c: i for i, c in enumerate(self.channel_ids)}
        geo = {g: i for i, g in enumerate(self.geo)}
        cat = {c: i for i, c in enumerate(self.categories)}
        ev = self.wh.query(lm.events_by_minute(t, s, e))
        for etype, metric in EVENT_METRIC.items():
            f = ev[ev["event_type"] == etype]
            self.rollup.add(
                f["minute"].to_numpy(), metric, f["n"].to_numpy(float),
                _codes(f["channel_id"], ch), _codes(f["province"], geo), _codes(f["category_id"], cat),
            )  # fmt: skip
        po = self.wh.query(lm.paid_orders_by_minute(t, s, e))
        for metric in ("pays", "gmv", "gmv_sq", "attributed_gmv"):
            self.rollup.add(po["minute"].to_numpy(), metric, po[metric].to_numpy(float),
                            _codes(po["channel_id"], ch), _codes(po["province"], geo))  # fmt: skip
        pc = self.wh.query(lm.paid_gmv_by_minute_category(t, s, e))
        off = self.groups.offset("category")
        for metric in ("gmv", "pays"):
            self._add_groups_only(pc["minute"].to_numpy(), metric, pc[metric].to_numpy(float),
                                  off + _codes(pc["category_id"], cat))  # fmt: skip
        sp = self.wh.query(lm.spend_by_hour(t, s, e))
        if len(sp):
            mins = np.repeat(sp["ts_hour"].to_numpy(), 60) + np.tile(
                np.arange(60) * np.timedelta64(60, "s"), len(sp)
            )
            vals = np.repeat(sp["spend"].to_numpy(float) / 60, 60)
            self.rollup.add(mins, "spend", vals, np.repeat(_codes(sp["channel_id"], ch), 60))
        rf = self.wh.query(lm.refunds_by_minute(t, s, e))
        self.rollup.add(rf["minute"].to_numpy(), "refunds", rf["refunds"].to_numpy(float),
                        _codes(rf["channel_id"], ch))  # fmt: skip
        self.rollup.add(rf["minute"].to_numpy(), "refund_amount",
                        rf["refund_amount"].to_numpy(float), _codes(rf["channel_id"], ch))  # fmt: skip
        self.visitors = FirstSeen()
        self.buyers = FirstSeen()
        y = dt.datetime.combine(self.t.date() - dt.timedelta(days=1), dt.time())
        for frame, store in ((lm.first_visits(t, y, e), self.visitors),
                             (lm.first_payments(t, y, e), self.buyers)):  # fmt: skip
            f = self.wh.query(frame)
            store.add_times(f["first"].to_numpy(), f["user_id"].to_numpy())

    def _add_groups_only(
        self, ts: np.ndarray, metric: str, vals: np.ndarray, groups: np.ndarray
    ) -> None:
        from omni_core.live.rollup import M

        if len(ts) == 0:
            return
        idx = pd.DatetimeIndex(ts)
        for d in np.unique(idx.normalize()):
            sel = np.asarray(idx.normalize() == d)
            arr = self.rollup.day(pd.Timestamp(d).date())
            mm = (idx.hour * 60 + idx.minute).to_numpy()[sel]
            ok = groups[sel] >= 0
            np.add.at(arr[:, :, M[metric]], (mm[ok], groups[sel][ok]), vals[sel][ok])

    def _complete_days(self) -> list[dt.date]:
        start = self.history_start.date() + dt.timedelta(days=1)
        return [d for d in sorted(self.rollup.days) if start <= d < self.t.date()]

    # ------------------------------------------------------------------ control
    def inject(self, kind: str, target: str | None, magnitude: float, duration_min: float | None = None,
               start: dt.datetime | None = None) -> Incident:  # fmt: skip
        """Inject an incident now (or at ``start``)."""
        with self._lock:
            inc = Incident(kind, Incident.parse_target(kind, target), magnitude,
                           start or self.t, duration_min)  # fmt: skip
            if inc.dimension == "channel" and inc.value not in self.channel_ids:
                raise ValueError(
                    f"unknown channel {inc.value!r}; choose from {', '.join(self.channel_ids)}"
                )
            if inc.dimension == "province" and inc.value not in self.geo:
                raise ValueError(f"unknown province {inc.value!r}")
            if inc.dimension == "sku" and int(inc.value) not in self.stock:
                raise ValueError(f"sku {inc.value} is not a tracked hot SKU: {sorted(self.stock)}")
            self.incidents.append(inc)
            return inc

    def clear_incidents(self) -> None:
        """End every incident now."""
        with self._lock:
            for inc in self.incidents:
                if inc.active(self.t):
                    inc.duration_min = max((self.t - inc.start).total_seconds() / 60, 0.0)

    def declare(self, rule_id: str, key: str, note: str = "") -> Alert | None:
        """A manual playbook alert (PR crisis, logistics disruption of a carrier)."""
        with self._lock:
            dim = "carrier" if rule_id == "logistics" else "brand"
            a = self.alerts.raise_alert(rule_id, dim, key, self.t, message_zh=note, message_en=note)
            self._rebuild_snapshot()
            return a

    def set_rules(self, rules: list[Rule]) -> None:
        """Replace the rule set (persisted)."""
        with self._lock:
            self.alerts.rules = list(rules)
            if self.store:
                self.store.save_rules(rules)

    # ------------------------------------------------------------------ running
    def start(self, interval: float = 1.0) -> None:
        """Advance in a daemon thread every ``interval`` wall seconds."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.advance()
                except Exception:
                    import logging

                    logging.getLogger("omni.live").exception("tick failed")

        self._thread = threading.Thread(target=loop, name="omni-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread and write what the warehouse still queues (Spark)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)
        if self.persist:
            with self._lock:
                self.wh.flush()

    def advance(self, until: dt.datetime | None = None) -> int:
        """Simulate up to ``until`` (default: the clock's now); returns minutes simulated."""
        with self._lock:
            target = (until or self.clock.now()).replace(second=0, microsecond=0)
            gap = int((target - self.t).total_seconds() // 60)
            if gap <= 0:
                return 0
            if gap > self.max_catchup:
                target = self.t + dt.timedelta(minutes=self.max_catchup)
                self.clock.hold_at(target)
                gap = self.max_catchup
            done = 0
            while done < gap:
                # The last minutes run tick by tick (alerts need them); older ones in bulk.
                step = 1 if gap - done <= 30 else min(60, gap - done - 30)
                self._tick(step, evaluate=(step == 1))
                done += step
            self._rebuild_snapshot()
            return done

    def step(self, minutes: int = 1) -> None:
        """Advance exactly ``minutes`` simulated minutes (drills and tests)."""
        with self._lock:
            for _ in range(minutes):
                self._tick(1, evaluate=True)
            self.clock.hold_at(self.t)
            self._rebuild_snapshot()

    def _tick(self, minutes: int, evaluate: bool) -> None:
        t_start = time.perf_counter()
        t0 = self.t
        t1 = t0 + dt.timedelta(minutes=minutes)
        if t1.date() != t0.date() and t1.time() != dt.time():
            # never straddle midnight: split so "today" rollups and daily state stay exact
            split = int((dt.datetime.combine(t1.date(), dt.time()) - t0).total_seconds() // 60)
            self._tick(split, evaluate)
            self._tick(minutes - split, evaluate)
            return
        m0 = (t0 - self.world_start).total_seconds() / 60
        m1 = m0 + minutes
        rng = np.random.default_rng([self.params.seed, 7919, self.live_seed, int(m0)])
        eff = effects(self.incidents, t0, self.channel_ids, self.geo)
        for sku, stt in self.stock.items():  # stock-outs block ordering
            if stt["on_hand"] <= 0:
                eff.blocked_skus.add(int(sku) - 1)
        for inc in self.incidents:
            if inc.kind == "stockout" and inc.active(t0):
                self.stock[int(inc.value)]["on_hand"] = 0.0
        s = self._sessions(m0, m1, eff, rng)
        sid = np.arange(self.next_session, self.next_session + len(s), dtype=np.int64)
        self.next_session += len(s)
        start = pd.Timestamp(self.world_start)
        ev = events_frame(self.ctx, s, sid, start, FAR_US)
        ev["_parent_min"] = _parent_minutes(s, ev, sid)
        orders, lines = orders_frames(self.ctx, s, sid, start, FAR_US, rng, self.next_order)
        self.next_order += len(orders)
        orders["delivered_ts"] = pd.NaT  # in transit: not known yet at this clock
        orders["carrier"] = orders["carrier"].where(orders["status"] == "paid", None)
        self._pending_events.append(ev)
        self._pending_orders.append((orders, lines))
        self._funnel_incidents(eff, t1, rng)
        out_ev, out_o, out_l = self._release(t1)
        refunds = self._refunds(t0, t1, minutes, eff.refund_mult, rng)
        spend = self._spend(out_ev, rng)
        if self.persist:
            frames = {"events": out_ev.drop(columns="_parent_min", errors="ignore"),
                      "orders": out_o, "order_lines": out_l}  # fmt: skip
            if len(refunds):
                frames["returns"] = refunds
            self.wh.append(self.dataset, {k: v for k, v in frames.items() if len(v)})
            self._flush_spend(t1)
        self._update_rollup(out_ev, out_o, out_l, refunds, spend)
        self._update_stock(out_o, out_l, t0, t1)
        if len(out_o):
            paid = out_o[out_o["status"] == "paid"]
            self.last_orders = (
                pd.concat([self.last_orders, paid]).tail(50)
                if len(self.last_orders)
                else paid.tail(50)
            )
        if t1.date() != t0.date() or t1.time() == dt.time():
            self._day_rollover(t1)
        self.t = t1
        self.ticks += 1
        if evaluate:
            self._evaluate(t1)
        self.tick_seconds.append(time.perf_counter() - t_start)
        self.tick_seconds = self.tick_seconds[-500:]

    def _sessions(self, m0: float, m1: float, eff: Any, rng: np.random.Generator) -> Sessions:
        pop = self.ctx.pop
        boost = max(1.0, float(eff.channel_traffic.max()))
        n = len(pop.rate)
        users = np.arange(n)
        a = np.maximum(pop.alive_from, m0)
        b = np.minimum(pop.alive_to, m1)
        parts = [simulate_sessions(self.ctx, users, pop.rate * boost, a, b, rng)]
        if "wecom" in self.channel_ids:
            j = np.flatnonzero(np.isfinite(self.join_min) & (self.join_min < m1))
            if len(j):
                parts.append(simulate_sessions(
                    self.ctx, j, pop.rate[j] * self.params.private_session_ratio * boost,
                    np.maximum(self.join_min[j], m0), np.minimum(pop.alive_to[j], m1), rng,
                    fixed_channel=self.channel_ids.index("wecom"),
                ))  # fmt: skip
        s = Sessions.concat(parts)
        keep = rng.random(len(s)) < eff.channel_traffic[s.channel] / boost
        s = s.take(np.flatnonzero(keep))
        s = s.take(np.lexsort((s.user, s.t_us)))
        # Funnel incidents act when the step is taken (_funnel_incidents), not at session start.
        mult = np.ones((len(s), 5))
        if eff.blocked_skus:
            mult[np.isin(s.sku, list(eff.blocked_skus)), 3] = 0.0
        s = walk_funnel(self.ctx, s, rng, stage_mult=mult)
        s.live = np.full(len(s), -1, dtype=np.int32)
        s.kol = np.full(len(s), -1, dtype=np.int32)
        return s

    def _funnel_incidents(self, eff: Effects, t1: dt.datetime, rng: np.random.Generator) -> None:
        """Thin the buffered carts, orders and payments due before ``t1`` by the active incidents.

        A step of a targeted session taken in this tick succeeds with the incident's stage
        multiplier (``1 - magnitude``); a lost cart or order ends the session there (its later
        events and its order are dropped), a lost payment leaves the order unpaid.
        """
        if not (eff.stage_channel != 1).any() and not eff.stage_province:
            return
        if not self._pending_events:
            return
        ev = pd.concat(self._pending_events, ignore_index=True)
        cut = np.datetime64(t1, "us")
        due = ev["ts"].to_numpy() < cut
        kind = _kinds(ev["event_type"])
        ch = _codes(ev["channel_id"], {c: i for i, c in enumerate(self.channel_ids)})
        geo = _codes(ev["province"], {g: i for i, g in enumerate(self.geo)})
        sess = ev["session_id"].to_numpy()
        ended: set[int] = set()  # sessions that lost their cart or order
        unpaid: set[int] = set()  # sessions whose payment failed
        for stage, etype in ((2, "cart"), (3, "order"), (4, "pay")):
            rows = np.flatnonzero(due & (kind == etype) & ~np.isin(sess, list(ended)))
            if len(rows) == 0:
                continue
            mult = np.where(ch[rows] >= 0, eff.stage_channel[np.maximum(ch[rows], 0), stage], 1.0)
            for p, f in eff.stage_province.items():
                mult = np.where(geo[rows] == p, mult * f[stage], mult)
            lost = sess[rows[rng.random(len(rows)) >= mult]]
            (unpaid if etype == "pay" else ended).update(int(x) for x in lost)
        if not ended and not unpaid:
            return
        gone = np.isin(sess, list(ended)) & np.isin(kind, ["cart", "order", "pay"])
        gone |= np.isin(sess, list(unpaid)) & (kind == "pay")
        self._pending_events = [ev[~gone]]
        keep = []
        for o, ln in self._pending_orders:
            drop = o["session_id"].isin(ended).to_numpy()
            o = o[~drop].copy()
            ln = ln[ln["order_id"].isin(o["order_id"])]
            fail = o["session_id"].isin(unpaid).to_numpy()
            if fail.any():
                o.loc[fail, "status"] = "unpaid"
                o.loc[fail, "pay_ts"] = pd.NaT
                o.loc[fail, "carrier"] = None
            keep.append((o, ln))
        self._pending_orders = keep

    def _release(self, t1: dt.datetime) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Split the buffers at ``t1``: what became visible (sorted) and what still waits."""
        cut = np.datetime64(t1, "us")
        ev = pd.concat(self._pending_events, ignore_index=True) if self._pending_events else None
        if ev is not None and len(ev):
            ts = ev["ts"].to_numpy()
            now = ts < cut
            order = np.lexsort((ev["session_id"].to_numpy(), ts))  # stable: time, then session
            out_ev = ev.take(order[now[order]]).reset_index(drop=True)
            self._pending_events = [ev.take(np.flatnonzero(~now))]
        else:
            out_ev = pd.DataFrame()
            self._pending_events = []
        if not self._pending_orders:
            return out_ev, pd.DataFrame(), pd.DataFrame()
        o = pd.concat([x[0] for x in self._pending_orders], ignore_index=True)
        ln = pd.concat([x[1] for x in self._pending_orders], ignore_index=True)
        rel = o["pay_ts"].where(o["status"] == "paid", o["order_ts"]).to_numpy()
        now = rel < cut
        line_now = np.isin(ln["order_id"].to_numpy(), o["order_id"].to_numpy()[now])
        out_o, out_l = o[now].reset_index(drop=True), ln[line_now].reset_index(drop=True)
        self._pending_orders = [(o[~now], ln[~line_now])] if (~now).any() else []
        return out_ev, out_o, out_l

    def _refunds(self, t0: dt.datetime, t1: dt.datetime, minutes: int, mult: float,
                 rng: np.random.Generator) -> pd.DataFrame:  # fmt: skip
        # Base refund requests at the history's rate; a refund surge of magnitude m adds requests
        # worth m% of the paid orders expected in the window (a quality or delivery incident).
        extra = 0.0
        if mult > 1:
            pays = float(self.baseline.expected(t1, minutes)[0, METRICS.index("pays")])
            extra = (mult - 1) * 0.01 * pays
        k = int(rng.poisson(self.refund_rate * minutes + extra))
        if k == 0 or self.refund_pool.empty:
            return pd.DataFrame()
        pick = self.refund_pool.iloc[rng.integers(0, len(self.refund_pool), k)]
        ts = np.datetime64(t0, "us") + (rng.uniform(0, minutes * 60, k) * 1e6).astype(
            "timedelta64[us]"
        )
        df = pd.DataFrame({
            "return_id": np.arange(self.next_return, self.next_return + k, dtype=np.int64),
            "order_id": pick["order_id"].to_numpy(), "user_id": pick["user_id"].to_numpy(),
            "channel_id": pick["channel_id"].astype(str).to_numpy(),
            "request_ts": ts, "refund_ts": ts, "reason": "quality", "grade": "C",
            "refund_amount": pick["amount"].to_numpy(), "reverse_cost": 8.0,
        })  # fmt: skip
        self.next_return += k
        return df

    def _spend(self, ev: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        if ev.empty:
            return pd.DataFrame(columns=["ts", "channel_id", "campaign_id", "spend"])
        c = ev[(ev["event_type"] == "click") & ev["campaign_id"].notna()]
        if c.empty:
            return pd.DataFrame(columns=["ts", "channel_id", "campaign_id", "spend"])
        cpc = self.ctx.model.rates["cpc"]
        ch = pd.Categorical(c["channel_id"].astype(str), categories=self.channel_ids).codes
        spend = cpc[ch] * rng.lognormal(-0.011, 0.15, len(c))
        out = pd.DataFrame({"ts": c["ts"].to_numpy(), "channel_id": c["channel_id"].astype(str).to_numpy(),
                            "campaign_id": c["campaign_id"].to_numpy(), "spend": spend})  # fmt: skip
        for (camp, hour), g in out.groupby([out["campaign_id"], out["ts"].dt.floor("h")]):
            acc = self._hour_spend.setdefault((int(camp), hour.to_pydatetime()), [0.0, 0.0])
            acc[0] += float(g["spend"].sum())
            acc[1] += len(g)
        return out

    def _flush_spend(self, t1: dt.datetime) -> None:
        done = [k for k in self._hour_spend if k[1] + dt.timedelta(hours=1) <= t1]
        if not done:
            return
        camp_ch = dict(zip(self.ctx.pop.tables["campaigns"]["campaign_id"],
                           self.ctx.pop.tables["campaigns"]["channel_id"], strict=True))  # fmt: skip
        rows = []
        for camp, hour in done:
            spend, clicks = self._hour_spend.pop((camp, hour))
            ch = camp_ch.get(camp, "")
            ctr = next((c.ad_ctr for c in self.ctx.model.channels if c.channel_id == ch), 0.01)
            rows.append(
                (hour, camp, ch, int(round(clicks / max(ctr, 1e-6))), int(clicks), round(spend, 2))
            )
        df = pd.DataFrame(
            rows, columns=["ts_hour", "campaign_id", "channel_id", "impressions", "clicks", "spend"]
        )
        self.wh.append(self.dataset, {"ad_spend": df})

    def _update_rollup(self, ev: pd.DataFrame, o: pd.DataFrame, ln: pd.DataFrame,
                       refunds: pd.DataFrame, spend: pd.DataFrame) -> None:  # fmt: skip
        ch = {c: i for i, c in enumerate(self.channel_ids)}
        geo = {g: i for i, g in enumerate(self.geo)}
        sku_cat = self.ctx.sku_cat
        if len(ev):
            # column arrays once (boolean frame indexing per event type is slow on pandas 3)
            kind = _kinds(ev["event_type"])
            ts = ev["ts"].to_numpy()
            codes = (_codes(ev["channel_id"], ch), _codes(ev["province"], geo),
                     sku_cat[ev["sku_id"].to_numpy() - 1].astype(int))  # fmt: skip
            for etype, metric in EVENT_METRIC.items():
                sel = kind == etype
                if sel.any():
                    self.rollup.add(ts[sel], metric, np.ones(int(sel.sum())),
                                    *(c[sel] for c in codes))  # fmt: skip
            pv = kind == "page_view"
            self.visitors.add_times(ts[pv], ev["user_id"].to_numpy()[pv])
            parent = ev["_parent_min"].to_numpy() if "_parent_min" in ev else None
            self._update_cohorts(kind, self._minute_index(ts), parent, codes)
        if len(o):
            p = o[o["status"] == "paid"]
            if len(p):
                amt = p["amount"].to_numpy(float)
                att = np.where(p["campaign_id"].notna(), amt, 0.0)
                for metric, vals in (("pays", np.ones(len(p))), ("gmv", amt), ("gmv_sq", amt**2),
                                     ("attributed_gmv", att)):  # fmt: skip
                    self.rollup.add(p["pay_ts"].to_numpy(), metric, vals,
                                    _codes(p["channel_id"], ch), _codes(p["province"], geo))  # fmt: skip
                pl = ln.merge(p[["order_id", "pay_ts", "amount", "gross_amount"]], on="order_id")
                share = np.where(pl["gross_amount"] > 0, pl["amount"] / pl["gross_amount"], 0.0)
                cats = self.groups.offset("category") + sku_cat[pl["sku_id"].to_numpy() - 1].astype(
                    int
                )
                self._add_groups_only(
                    pl["pay_ts"].to_numpy(), "gmv", pl["line_amount"].to_numpy() * share, cats
                )
                first = pl.drop_duplicates(["order_id", "sku_id"]).drop_duplicates("order_id")
                self._add_groups_only(first["pay_ts"].to_numpy(), "pays", np.ones(len(first)),
                                      self.groups.offset("category") + sku_cat[first["sku_id"].to_numpy() - 1])  # fmt: skip
                self.buyers.add_times(p["pay_ts"].to_numpy(), p["user_id"].to_numpy())
                self.cohorts.add("pay", "child", self._minute_index(p["order_ts"]),
                                 _codes(p["channel_id"], ch), _codes(p["province"], geo))  # fmt: skip
        if len(refunds):
            self.rollup.add(refunds["refund_ts"].to_numpy(), "refunds", np.ones(len(refunds)),
                            _codes(refunds["channel_id"], ch))  # fmt: skip
            self.rollup.add(refunds["refund_ts"].to_numpy(), "refund_amount",
                            refunds["refund_amount"].to_numpy(float), _codes(refunds["channel_id"], ch))  # fmt: skip
        if len(spend):
            self.rollup.add(spend["ts"].to_numpy(), "spend", spend["spend"].to_numpy(float),
                            _codes(spend["channel_id"], ch))  # fmt: skip

    def _minute_index(self, ts: Any) -> np.ndarray:
        """Minutes since the world's start (the cohorts' clock)."""
        us = pd.DatetimeIndex(ts).as_unit("us").asi8
        return (us - np.datetime64(self.world_start, "us").astype(np.int64)) // US_PER_MIN

    def _update_cohorts(self, kind: np.ndarray, minute: np.ndarray, parent: np.ndarray | None,
                        codes: tuple[np.ndarray, ...]) -> None:  # fmt: skip
        """Parents at their own minute, children at their parent's (visit->cart->order->pay)."""
        for etype, parent_of, child_of in (("page_view", "cart", None), ("cart", "order", "cart"),
                                           ("order", "pay", "order")):  # fmt: skip
            sel = kind == etype
            if not sel.any():
                continue
            c = [x[sel] for x in codes]
            # payments carry no category: the pay step is counted by channel and province only
            self.cohorts.add(parent_of, "parent", minute[sel],
                             *(c if parent_of != "pay" else (*c[:2], None)))  # fmt: skip
            if child_of is not None and parent is not None:
                pm = parent[sel]
                ok = pm >= 0
                self.cohorts.add(child_of, "child", pm[ok], *(x[ok] for x in c))

    def _update_stock(
        self, o: pd.DataFrame, ln: pd.DataFrame, t0: dt.datetime, t1: dt.datetime
    ) -> None:
        blocked_inc = {
            int(i.value) for i in self.incidents if i.kind == "stockout" and i.active(t0)
        }
        sold = pd.Series(dtype=float)
        if len(o):
            paid = ln[ln["order_id"].isin(o.loc[o["status"] == "paid", "order_id"])]
            sold = paid.groupby("sku_id")["qty"].sum()
        for sku, st in self.stock.items():
            q = float(sold.get(sku, 0.0))
            st["on_hand"] = max(0.0, st["on_hand"] - q)
            st["sold_today"] += q
            st["sold_recent"] = (st["sold_recent"] + [q])[-60:]
            if sku in blocked_inc:
                st["on_hand"] = 0.0
                continue
            if st["arrive"] is not None and t1 >= st["arrive"]:
                st["on_hand"] += st["on_order"]
                st["on_order"], st["arrive"] = 0.0, None
            if (
                st["on_hand"] + st["on_order"] < st["rop"]
                and st["arrive"] is None
                and st["rop"] > 0
            ):
                st["on_order"] = max(st["rop"] * 2 - st["on_hand"], 1.0)
                st["arrive"] = t1 + dt.timedelta(days=2)

    def _day_rollover(self, t1: dt.datetime) -> None:
        for st in self.stock.values():
            st["sold_today"] = 0.0
        for store in (self.visitors, self.buyers):
            store.drop_before(t1.date() - dt.timedelta(days=1))
        self.baseline.fit(self._complete_days_until(t1.date()), 1)

    def _complete_days_until(self, today: dt.date) -> list[dt.date]:
        return [d for d in sorted(self.rollup.days) if d < today][-7:]

    def _evaluate(self, t1: dt.datetime) -> None:
        cache_o: dict[tuple[int, int], np.ndarray] = {}
        cache_e: dict[int, np.ndarray] = {}
        mi = {m: i for i, m in enumerate(METRICS)}

        def window(w: int, lag: int) -> np.ndarray:
            key = (w, lag)
            if key not in cache_o:
                cache_o[key] = self.rollup.window(t1 - dt.timedelta(minutes=lag), w)
            return cache_o[key]

        def observed(
            w: int, lag: int = 0, numerator: str = "orders"
        ) -> Callable[[str], np.ndarray]:
            if lag == 0:
                arr = window(w, 0)
            else:  # per-group lag: a channel's orders trail its visits by about its dwell time
                lags = np.maximum(self.group_lag.get(numerator, self.group_lag["orders"]), lag)
                arr = np.empty_like(window(w, 0))
                for lg in np.unique(lags):
                    sel = lags == lg
                    arr[sel] = window(w, int(lg))[sel]
            return lambda m: arr[:, mi[m]]

        def expected(w: int) -> Callable[[str], np.ndarray]:
            if w not in cache_e:
                cache_e[w] = self._warmup(t1, w, self.baseline.expected(t1, w))
            return lambda m: cache_e[w][:, mi[m]]

        def variance(e: np.ndarray, metric: str, exp: Callable[[str], np.ndarray]) -> np.ndarray:
            return self.baseline.variance(e, metric, exp("pays"))

        def cohorts() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            width = max([r.seq_window for r in self.alerts.rules if r.steps] or [1])
            end = int((t1 - self.world_start).total_seconds() // 60)
            n, c, f = self.cohorts.window(end, width)
            return n, c, self.baseline.step_conversion(t1, width) * f

        self.alerts.evaluate(t1, observed, expected, variance, cohorts)
        self._stock_alerts(t1)

    def _warmup(self, t1: dt.datetime, w: int, exp: np.ndarray) -> np.ndarray:
        """Scale the expected window sums ending at ``t1`` by the stream's warm-up ramp.

        Minutes before the stream started are history (complete); a minute at age ``a`` carries
        ``ramp[a]`` of its carts, orders and payments (see ``cohorts.warmup_ramp``). The factor
        is the ramp averaged over the window's minutes, per group.
        """
        age_end = int((t1 - self.live_start).total_seconds() // 60)
        if age_end <= 0 or age_end - w > MAX_LAG:
            return exp
        ages = np.arange(age_end - w, age_end)
        out = exp.copy()
        for k, metrics in enumerate(_RAMPED):
            r = np.where((ages < 0) | (ages > MAX_LAG), 1.0,
                         self.ramp[k][:, np.clip(ages, 0, MAX_LAG)])  # fmt: skip
            factor = r.mean(axis=1)
            for m in metrics:
                out[:, M[m]] = exp[:, M[m]] * factor
        return out

    def _stock_alerts(self, t1: dt.datetime) -> None:
        upto = t1.hour * 60 + t1.minute
        exp_pays = float(self.baseline.curve(t1.date(), 0, "pays")[:upto].sum()) if upto else 0.0
        for sku, st in self.stock.items():
            name = str(self.sku_name.get(sku, sku))
            recent = sum(st["sold_recent"][-30:])
            if st["on_hand"] <= 0:
                self.alerts.raise_alert("stock_out", "sku", str(sku), t1, observed=0.0,
                                        expected=st["ss"],
                                        message_zh=f"{name} 库存为 0（近30分钟售出 {recent:.0f}）",
                                        message_en=f"{name} is out of stock ({recent:.0f} sold in 30 min)")  # fmt: skip
            else:
                self.alerts.clear_condition("stock_out", "sku", str(sku), t1)
            rate_h = sum(st["sold_recent"]) / max(len(st["sold_recent"]), 1) * 60
            cover_h = st["on_hand"] / rate_h if rate_h > 0 else float("inf")
            # Plan: the SKU's historical units per paid order x today's expected paid orders so far.
            plan = st["units_per_order"] * exp_pays
            # ... and significantly so: units are over-dispersed (several per order), var ~ 2 x mean.
            z = (st["sold_today"] - plan) / np.sqrt(2.0 * max(plan, 1.0))
            if (
                st["sold_today"] > max(1.3 * plan, 10)
                and z > 4
                and cover_h < 12
                and st["on_hand"] > 0
            ):
                self.alerts.raise_alert("circuit_breaker", "sku", str(sku), t1,
                                        observed=st["sold_today"], expected=plan,
                                        message_zh=f"{name} 今日售出 {st['sold_today']:.0f}，超计划 "
                                                   f"{st['sold_today'] / plan - 1:.0%}，剩余可售 {cover_h:.1f} 小时",
                                        message_en=f"{name}: {st['sold_today']:.0f} sold today, "
                                                   f"{st['sold_today'] / plan - 1:.0%} above plan; "
                                                   f"{cover_h:.1f} h of cover left")  # fmt: skip

    # ------------------------------------------------------------------ board
    def _rebuild_snapshot(self) -> None:
        from omni_core.live.board import build_snapshot

        self.snapshot = build_snapshot(self)


_PARENT_STAGE = {"cart": 2, "order": 4}  # stage_us column of the parent: page view, cart


def _parent_minutes(s: Sessions, ev: pd.DataFrame, sid: np.ndarray) -> np.ndarray:
    """Minute (since the world's start) of each cart's page view and each order's cart; -1 else."""
    out = np.full(len(ev), -1, dtype=np.int64)
    if len(ev) == 0:
        return out
    kind = _kinds(ev["event_type"])
    row = ev["session_id"].to_numpy() - sid[0]
    for etype, col in _PARENT_STAGE.items():
        sel = kind == etype
        out[sel] = s.stage_us[row[sel], col] // US_PER_MIN
    return out


def _kinds(values: pd.Series) -> np.ndarray:
    """Event types as a numpy array of str (from the categorical's codes when it is one)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = np.asarray(values.cat.categories, dtype=object)
        return np.append(cats, None)[values.cat.codes.to_numpy()]
    return values.astype(str).to_numpy(dtype=object)


def _codes(values: pd.Series, mapping: dict[str, int]) -> np.ndarray:
    """Codes of ``values`` in the vocabulary ``mapping`` (-1 when unknown)."""
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype) and list(dtype.categories) == list(mapping):
        return values.cat.codes.to_numpy().astype(np.int64)  # same vocabulary: the codes as is
    return pd.Index(list(mapping)).get_indexer(pd.Index(values)).astype(np.int64)


def ibis_desc(col: Any) -> Any:
    """Descending sort key (kept here to avoid importing ibis at module top twice)."""
    import ibis

    return ibis.desc(col)


__all__ = ["STAGE_CLICK", "STAGE_PAY", "US_PER_MIN", "LiveEngine", "LiveError"]
