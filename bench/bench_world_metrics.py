"""Benchmark: world build + write, and the metric query set vs pandas and vs hand-written SQL.

Prints medians of several runs and ratios measured in the same run (never asserted in tests):

- build: ``build_world`` + transactional write of worlds of about 1M and 10M events;
- metrics: each metric of ``omni_core.metrics.METRICS`` through Ibis on DuckDB, against the
  same computation in pandas (``omni_core.metrics.pandas_ref``) on frames already in memory;
- overhead: Ibis expression vs the hand-written DuckDB SQL of the same query.

Usage: ``python bench/bench_world_metrics.py [--sizes 1e6,1e7] [--repeat 5] [--build-only]``;
``--build-only`` skips the metrics and repeats build + write ``--repeat`` times per size (wall and
CPU seconds; medians, and every run).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from omni_core.datasets import write_world
from omni_core.metrics import METRICS
from omni_core.metrics import pandas_ref as pdr
from omni_core.warehouse import Warehouse
from omni_core.world import WorldParams, build_world

EVENTS_PER_USER = 31.0  # measured on 60-day worlds with the default parameters

PANDAS = {
    "kpi_total": lambda t: pdr.kpis_pd(t),
    "kpi_by_channel_day": lambda t: pdr.kpis_pd(t, by=["channel"], bucket="day"),
    "kpi_by_province": lambda t: pdr.kpis_pd(t, by=["province"]),
    "kpi_by_category_day": lambda t: pdr.kpis_pd(t, by=["category"], bucket="day"),
    "kpi_by_campaign": lambda t: pdr.kpis_pd(t, by=["campaign"]),
    "kpi_by_hour": lambda t: pdr.kpis_pd(t, bucket="hour"),
    "funnel_by_channel": lambda t: pdr.funnel_pd(t),
    "rfm": lambda t: pdr.rfm_pd(t),
    "touch_events": lambda t: pdr.touch_events_pd(t),
}

HAND_SQL = {
    "funnel_by_channel": """
        SELECT channel_id AS channel, CAST(event_type AS VARCHAR) AS stage,
               count(DISTINCT user_id) AS users, count(DISTINCT session_id) AS sessions,
               count(*) AS events
        FROM world.events GROUP BY 1, 2 ORDER BY 1, 2""",
    "kpi_by_channel_day": """
        WITH s AS (SELECT date_trunc('day', pay_ts) b, channel_id c, sum(amount) gmv,
                          count(*) orders, count(DISTINCT user_id) buyers,
                          sum(CASE WHEN campaign_id IS NOT NULL THEN amount ELSE 0 END) att
                   FROM world.orders WHERE pay_ts IS NOT NULL GROUP BY 1, 2),
             v AS (SELECT date_trunc('day', ts) b, channel_id c, count(DISTINCT user_id) uv
                   FROM world.events WHERE event_type = 'page_view' GROUP BY 1, 2),
             r AS (SELECT date_trunc('day', o.pay_ts) b, o.channel_id c,
                          sum(r.refund_amount) refund
                   FROM world.orders o JOIN world.returns r USING (order_id)
                   WHERE o.pay_ts IS NOT NULL AND r.refund_ts IS NOT NULL GROUP BY 1, 2),
             a AS (SELECT date_trunc('day', ts_hour) b, channel_id c, sum(spend) spend
                   FROM world.ad_spend GROUP BY 1, 2),
             k AS (SELECT b, c FROM s UNION SELECT b, c FROM v UNION SELECT b, c FROM r
                   UNION SELECT b, c FROM a),
             j AS (SELECT k.b, k.c, coalesce(gmv, 0) gmv, coalesce(orders, 0) orders,
                          coalesce(buyers, 0) buyers, coalesce(att, 0) att, coalesce(uv, 0) uv,
                          coalesce(refund, 0) refund, coalesce(spend, 0) spend
                   FROM k LEFT JOIN s USING (b, c) LEFT JOIN v USING (b, c)
                   LEFT JOIN r USING (b, c) LEFT JOIN a USING (b, c))
        SELECT b AS bucket, c AS channel, gmv, orders, buyers, att AS attributed_gmv, uv,
               refund AS refund_amount, spend,
               CASE WHEN uv > 0 THEN buyers / uv END AS conversion,
               CASE WHEN orders > 0 THEN gmv / orders END AS aov,
               CASE WHEN gmv > 0 THEN refund / gmv END AS refund_rate,
               CASE WHEN spend > 0 THEN att / spend END AS roas
        FROM j ORDER BY 1, 2""",
    "rfm": """
        WITH p AS (SELECT user_id, amount, floor(epoch(pay_ts))::BIGINT e,
                          floor(epoch(date_trunc('day', pay_ts)))::BIGINT d, pay_ts::DATE AS pday
                   FROM world.orders WHERE pay_ts IS NOT NULL),
             m AS (SELECT max(e) AS now_e FROM p),
             g AS (SELECT user_id, count(*) orders, count(DISTINCT pday) purchase_days,
                          sum(amount) monetary, min(e) first_epoch, max(e) last_epoch,
                          min(d) first_day, max(d) last_day
                   FROM p GROUP BY user_id)
        SELECT g.*, purchase_days - 1 AS frequency, monetary / orders AS avg_value,
               (last_day - first_day) / 86400.0 AS recency_days,
               (now_e - first_day) / 86400.0 AS "T_days",
               (now_e - last_epoch) / 86400.0 AS days_since_last
        FROM g, m ORDER BY user_id""",
}


def _same(ibis_df, sql_df, name: str) -> None:
    """The hand-written SQL answers the same question: same columns, rows and values."""
    import numpy as np

    assert list(ibis_df.columns) == list(sql_df.columns), (name, ibis_df.columns, sql_df.columns)
    assert len(ibis_df) == len(sql_df), name
    for c in ibis_df.columns:
        a, b = ibis_df[c], sql_df[c]
        if a.dtype.kind in "fiu" or b.dtype.kind in "fiu":
            np.testing.assert_allclose(a.astype(float), b.astype(float), rtol=1e-9, err_msg=name)
        else:
            assert (a.astype(str).to_numpy() == b.astype(str).to_numpy()).all(), (name, c)


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def build_and_write(params: WorldParams, folder: str) -> tuple:
    """Build a world and write it to a fresh DuckDB file: (world, warehouse, wall s, CPU s)."""
    t0, c0 = time.perf_counter(), time.process_time()
    world = build_world(params)
    t1, c1 = time.perf_counter(), time.process_time()
    wh = Warehouse(f"duckdb:///{folder}/bench.duckdb")
    write_world(wh, world)
    t2, c2 = time.perf_counter(), time.process_time()
    return world, wh, (t1 - t0, t2 - t1), (c1 - c0, c2 - c1)


def run_build(sizes: list[float], repeat: int) -> None:
    """Build + write only, ``repeat`` times per size; medians of wall and CPU seconds."""
    print(f"{'size':>6} {'users':>8} {'events':>11} {'build s':>8} {'write s':>8} {'total s':>8}"
          f" {'build cpu':>10} {'write cpu':>10}   (medians of {repeat})")  # fmt: skip
    for size in sizes:
        users = int(size / EVENTS_PER_USER)
        params = WorldParams(seed=1, users=users, days=60)
        walls, cpus, n_events = [], [], 0
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp:
                world, wh, wall, cpu = build_and_write(params, tmp)
                n_events = world.n_events
                wh.close()
                del world, wh
            walls.append(wall)
            cpus.append(cpu)
            print(f"  run: build {wall[0]:.2f} s, write {wall[1]:.2f} s (cpu {cpu[0]:.2f} + "
                  f"{cpu[1]:.2f})", flush=True)  # fmt: skip
        b, w = (statistics.median(x[i] for x in walls) for i in (0, 1))
        bc, wc = (statistics.median(x[i] for x in cpus) for i in (0, 1))
        tot = statistics.median(x[0] + x[1] for x in walls)
        print(f"{size:>6.0e} {users:>8,} {n_events:>11,} {b:>8.2f} {w:>8.2f} {tot:>8.2f}"
              f" {bc:>10.2f} {wc:>10.2f}", flush=True)  # fmt: skip


def run(sizes: list[float], repeat: int) -> None:
    print(f"{'size':>6} {'users':>8} {'events':>11} {'build s':>8} {'write s':>8} {'total s':>8}")
    for size in sizes:
        users = int(size / EVENTS_PER_USER)
        params = WorldParams(seed=1, users=users, days=60)
        with tempfile.TemporaryDirectory() as tmp:
            world, wh, (tb, tw), _ = build_and_write(params, tmp)
            print(f"{size:>6.0e} {users:>8,} {world.n_events:>11,} {tb:>8.2f} {tw:>8.2f}"
                  f" {tb + tw:>8.2f}")  # fmt: skip
            t = wh.tables()
            print(f"\n  metric query set at {world.n_events:,} events (median of {repeat})")
            print(f"  {'metric':<22} {'ibis ms':>9} {'pandas ms':>10} {'pandas/ibis':>12}"
                  f" {'sql ms':>8} {'ibis/sql':>9}")  # fmt: skip
            for name, build in METRICS.items():
                expr = build(t)
                ib = median_time(lambda e=expr, w=wh: w.query(e), repeat)
                pd_t = median_time(
                    lambda n=name, tb=world.tables: PANDAS[n](tb), max(1, repeat // 2)
                )
                if name in HAND_SQL:
                    q = HAND_SQL[name]
                    sq = median_time(lambda q=q, w=wh: w.con.execute(q).df(), repeat)
                    extra = f"{sq * 1e3:>8.1f} {ib / sq:>9.2f}"
                    _same(wh.query(expr), wh.con.execute(q).df(), name)
                else:
                    extra = f"{'':>8} {'':>9}"
                print(
                    f"  {name:<22} {ib * 1e3:>9.1f} {pd_t * 1e3:>10.1f} {pd_t / ib:>12.1f} {extra}"
                )
            print()
            wh.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,1e7", help="comma-separated event counts")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--build-only", action="store_true", help="only build + write, --repeat times per size"
    )
    a = ap.parse_args()
    sizes = [float(x) for x in a.sizes.split(",")]
    if a.build_only:
        run_build(sizes, a.repeat)
    else:
        run(sizes, a.repeat)
