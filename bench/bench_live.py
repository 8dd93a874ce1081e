"""Benchmark: war-room board refresh vs history size, and tick cost at the Double 11 peak.

- board refresh: ``build_snapshot`` (everything the board shows) on worlds with about 1M and 10M
  events of history, median of many refreshes, and their ratio (target: flat, ratio <= 1.3);
- tick cost: median wall time of one simulated minute at the Double 11 midnight peak
  (target: <= 200 ms per simulated minute, i.e. a x60 clock keeps up).

Usage: ``python bench/bench_live.py [--sizes 1e6,1e7] [--repeat 30]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from omni_core.datasets import write_world
from omni_core.live.board import build_snapshot
from omni_core.live.engine import LiveEngine
from omni_core.warehouse import Warehouse
from omni_core.world import WorldParams, build_world

EVENTS_PER_USER_DAY = 0.52  # measured: events per user per day around Double 11


def main(sizes: list[float], repeat: int) -> None:
    rows = []
    for size in sizes:
        days = 30
        users = int(size / (EVENTS_PER_USER_DAY * days))
        params = WorldParams(seed=5, users=users, days=days, start=dt.date(2025, 10, 12))
        world = build_world(params)
        wh = Warehouse("duckdb://:memory:")
        write_world(wh, world)
        n_events = world.n_events
        del world  # the engine holds what it needs; the frames would only weigh on the GC
        gc.collect()
        eng = LiveEngine(wh, persist=False)
        ticks = []
        for _ in range(10):  # the first ten minutes of Nov 11: the peak
            t = time.perf_counter()
            eng.step(1)
            ticks.append(time.perf_counter() - t)
        refresh = []
        for _ in range(repeat):
            t = time.perf_counter()
            build_snapshot(eng)
            refresh.append(time.perf_counter() - t)
        rows.append((n_events, statistics.median(refresh), statistics.median(ticks)))
        print(f"{n_events:>12,} events  board refresh median {statistics.median(refresh) * 1e3:7.1f} ms"
              f"  tick at Nov 11 00:00-00:10 median {statistics.median(ticks) * 1e3:7.1f} ms")  # fmt: skip
        wh.close()
    if len(rows) > 1:
        print(f"refresh ratio largest/smallest history: {rows[-1][1] / rows[0][1]:.2f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,1e7")
    ap.add_argument("--repeat", type=int, default=30)
    a = ap.parse_args()
    main([float(x) for x in a.sizes.split(",")], a.repeat)
