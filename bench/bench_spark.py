"""Benchmark: the metric query set on DuckDB and on local Spark, side by side (same world, same Ibis).

Prints, for a world of about ``--events`` events (60 days, ~31 events per user): the time to write
the world into each engine, then for each metric of ``omni_core.metrics.METRICS`` the median of
``--repeat`` runs on DuckDB and on Spark (after one untimed warm-up run), the ratio Spark / DuckDB
and whether both returned the same number of rows. Informational, never asserted: one machine
favours DuckDB (no shuffles, no JVM); Spark's point is the path to a cluster.

Usage: ``python bench/bench_spark.py [--events 1e7] [--repeat 3] [--master local[2]]``
(needs ``pip install -e ".[spark]"`` and Java 17).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from omni_core.datasets import write_world
from omni_core.metrics import METRICS
from omni_core.warehouse import Warehouse
from omni_core.world import WorldParams, build_world

EVENTS_PER_USER = 31.0  # on 60-day worlds with the default parameters (bench_world_metrics)


def median_time(fn, repeat: int) -> float:
    """Median wall time of ``repeat`` calls after one untimed warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(events: float, repeat: int, master: str, memory: str, partitions: int) -> None:
    """Build the world, write it to both engines, time every metric on each."""
    users = max(100, int(events / EVENTS_PER_USER))
    t0 = time.perf_counter()
    world = build_world(WorldParams(seed=1, users=users, days=60))
    print(f"world: {users:,} users, {world.n_events:,} events, "
          f"{len(world.tables['orders']):,} orders, built in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        duck = Warehouse(f"duckdb:///{tmp}/bench.duckdb")
        conf = {
            "spark.sql.catalogImplementation": "in-memory",
            "spark.sql.warehouse.dir": f"{tmp}/spark-warehouse",
            "spark.driver.memory": memory,
            "spark.sql.shuffle.partitions": str(partitions),
        }
        t = time.perf_counter()
        spark = Warehouse(f"pyspark://{master}?{urlencode(conf)}")
        up = time.perf_counter() - t
        t = time.perf_counter()
        write_world(duck, world)
        w_duck = time.perf_counter() - t
        t = time.perf_counter()
        write_world(spark, world)
        w_spark = time.perf_counter() - t
        print(f"Spark {master} started in {up:.1f} s; world written: DuckDB {w_duck:.1f} s, "
              f"Spark {w_spark:.1f} s\n")  # fmt: skip
        print(f"metric query set at {world.n_events:,} events (median of {repeat}, warm)")
        print(f"  {'metric':<22} {'duckdb ms':>10} {'spark ms':>10} {'spark/duckdb':>13} "
              f"{'rows':>9}  same rows")  # fmt: skip
        tot_d = tot_s = 0.0
        td, ts = duck.tables(), spark.tables()
        for name, build in METRICS.items():
            ed, es = build(td), build(ts)
            d = median_time(lambda e=ed: duck.query(e), repeat)
            s = median_time(lambda e=es: spark.query(e), repeat)
            nd, ns = len(duck.query(ed)), len(spark.query(es))
            tot_d, tot_s = tot_d + d, tot_s + s
            print(f"  {name:<22} {d * 1e3:>10.1f} {s * 1e3:>10.1f} {s / d:>13.1f} {nd:>9,}"
                  f"  {'yes' if nd == ns else f'NO ({ns:,} on Spark)'}")  # fmt: skip
        print(f"  {'total':<22} {tot_d * 1e3:>10.1f} {tot_s * 1e3:>10.1f} {tot_s / tot_d:>13.1f}")
        duck.close()
        spark.backend.disconnect()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=float, default=1e7, help="approximate number of events")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--master", default="local[2]", help="Spark master (local[N])")
    ap.add_argument("--driver-memory", default="8g")
    ap.add_argument("--shuffle-partitions", type=int, default=4)
    a = ap.parse_args()
    run(a.events, a.repeat, a.master, a.driver_memory, a.shuffle_partitions)
