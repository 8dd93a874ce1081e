"""Benchmark: war-room board refresh vs history size, and tick cost at the Double 11 peak.

- board refresh: ``build_snapshot`` (everything the board shows) on worlds with about 1M and 10M
  events of history, median of many refreshes, and their ratio (target: flat, ratio <= 1.3);
- tick cost: median wall time of one simulated minute at the Double 11 midnight peak
  (target: <= 200 ms per simulated minute, i.e. a x60 clock keeps up).

Usage: ``python bench/bench_live.py [--sizes 1e6,1e7] [--repeat 30] [--rounds 7]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from omni_core.datasets import write_world
from omni_core.live.board import build_snapshot
from omni_core.live.engine import LiveEngine
from omni_core.warehouse import Warehouse
from omni_core.world import WorldParams, build_world

EVENTS_PER_USER_DAY = 0.52  # measured: events per user per day around Double 11


def child(size: float) -> None:
    """Hold one history size's engine; answer ``refresh K`` with the median of K refreshes."""
    days = 30
    users = int(size / (EVENTS_PER_USER_DAY * days))
    params = WorldParams(seed=5, users=users, days=days, start=dt.date(2025, 10, 12))
    world = build_world(params)
    tmp = tempfile.mkdtemp()
    wh = Warehouse(f"duckdb:///{tmp}/live.duckdb")  # a file, as `omni load-demo` writes
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
    print(json.dumps({"events": n_events, "tick": statistics.median(ticks)}), flush=True)
    for line in sys.stdin:
        k = int(line.split()[1]) if line.startswith("refresh") else 0
        if k <= 0:
            break
        refresh = []
        for _ in range(k):
            t = time.perf_counter()
            build_snapshot(eng)
            refresh.append(time.perf_counter() - t)
        print(json.dumps(statistics.median(refresh)), flush=True)
    wh.close()
    shutil.rmtree(tmp, ignore_errors=True)


def main(sizes: list[float], repeat: int, rounds: int) -> None:
    # One process per size (a larger world does not inherit a smaller one's heap), all alive at
    # once; refreshes are measured in alternating rounds so that load and clock drift on the
    # shared machine hit every size alike, and the ratio is the median of per-round ratios.
    procs, heads = [], []
    for size in sizes:  # one at a time: a world builds while no other size measures its ticks
        p = subprocess.Popen([sys.executable, __file__, "--child", str(size)], text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
        procs.append(p)
        heads.append(json.loads(p.stdout.readline()))
    per_round: list[list[float]] = []
    for _ in range(rounds):
        row = []
        for p in procs:
            p.stdin.write(f"refresh {repeat}\n")
            p.stdin.flush()
            row.append(json.loads(p.stdout.readline()))
        per_round.append(row)
    for p in procs:
        p.stdin.write("quit\n")
        p.stdin.flush()
        p.wait()
    for i, h in enumerate(heads):
        med = statistics.median(r[i] for r in per_round)
        print(f"{h['events']:>12,} events  board refresh median {med * 1e3:7.1f} ms"
              f"  tick at Nov 11 00:00-00:10 median {h['tick'] * 1e3:7.1f} ms")  # fmt: skip
    if len(sizes) > 1:
        ratios = [r[-1] / r[0] for r in per_round]
        print(f"refresh ratio largest/smallest history: {statistics.median(ratios):.2f} (median of "
              f"{rounds} alternating rounds of {repeat}: "
              + ", ".join(f"{x:.2f}" for x in ratios) + ")")  # fmt: skip


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,1e7")
    ap.add_argument("--repeat", type=int, default=30, help="refreshes per round")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child)
    else:
        main([float(x) for x in a.sizes.split(",")], a.repeat, a.rounds)
