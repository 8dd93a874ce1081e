"""Benchmark: importing a 1M-line order export vs a plain ``pandas.read_csv`` of the same file.

Builds (once) a CSV of about one million lines from the real retail export in ``tests/data``
(copies with shifted invoice numbers, so orders stay distinct and the duplicates and
cancellations stay realistic), then runs, interleaved and each in a fresh subprocess so the peak
memory (``ru_maxrss``) belongs to that run alone:

- ``pandas``: ``pandas.read_csv(path)`` (the baseline: parsing only, no validation or loading);
- ``import``: ``omni_core.ingest.import_files`` into a new DuckDB file warehouse: read, parse,
  validate, deduplicate, derive orders/buyers/SKUs/returns, and write in one transaction;
- ``import+progress``: the same with a progress callback (the streaming read the Data page uses);
- references for what the target leaves room for: ``pyarrow`` (``pyarrow.csv.read_csv``, the
  multi-threaded reader the import uses, no conversion beyond its own type inference) and
  ``duckdb_load`` (DuckDB's own bulk loader, ``CREATE TABLE AS SELECT * FROM read_csv(...)``
  into a new warehouse file and commit: no validation, no duplicates, no derivation).

Prints the median seconds, CPU seconds (user + system, all threads) and peak RSS of each, the
ratios to the baseline, and the time of each import step (from the progress callback). CPU seconds
say how much work a run did when other jobs share the machine and stretch the wall-clock times.
Never asserted in tests: the machine is shared.

Usage: ``python bench/bench_import.py [--lines 1000000] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SOURCE = ROOT / "tests" / "data" / "online_retail_2010-12.csv"
OUT = ROOT / "bench" / "out"


def make_csv(lines: int) -> Path:
    """A CSV of ``lines`` data lines from the retail export (cached in bench/out)."""
    path = OUT / f"retail_{lines}.csv"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    header, *rows = SOURCE.read_text(encoding="utf-8").splitlines()
    out = [header]
    k = 0
    while len(out) - 1 < lines:
        shift = 100_000 * k
        for r in rows:
            inv, rest = r.split(",", 1)
            cancel = inv.startswith("C")
            num = int(inv[1:] if cancel else inv) + shift
            out.append(f"{'C' if cancel else ''}{num},{rest}")
            if len(out) - 1 == lines:
                break
        k += 1
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def child(mode: str, path: str) -> None:
    """One measured run in this (fresh) process; prints JSON."""
    import pandas as pd

    from omni_core.ingest import import_files
    from omni_core.warehouse import Warehouse

    steps: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        wh = Warehouse(f"duckdb:///{tmp}/warehouse.duckdb") if "import" in mode else None
        cpu0 = _cpu()
        t0 = time.perf_counter()
        if mode == "pandas":
            rows = len(pd.read_csv(path))
        elif mode == "pyarrow":
            import pyarrow.csv as pacsv

            rows = pacsv.read_csv(path).num_rows
        elif mode == "duckdb_load":
            import duckdb

            con = duckdb.connect(f"{tmp}/load.duckdb")
            con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
            con.execute("CHECKPOINT")
            rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
            con.close()
        else:

            def progress(step: str, frac: float) -> None:
                if not steps or steps[-1][0] != step:
                    steps.append((step, time.perf_counter() - t0))

            if mode == "import+progress":
                report = import_files(wh, path, name="retail_1m", progress=progress)
            else:
                report = import_files(wh, path, name="retail_1m", progress=progress, stream=False)
            rows = report.counts["rows_read"]
        seconds = time.perf_counter() - t0
        cpu = _cpu() - cpu0
        if wh is not None:
            wh.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "seconds": seconds, "cpu": cpu, "rss_mb": rss_mb,
                      "rows": rows, "steps": steps}))  # fmt: skip


def _cpu() -> float:
    """User + system CPU seconds of this process so far (all threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(mode: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path)], check=True,
                         capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    path = make_csv(args.lines)
    size_mb = path.stat().st_size / 1e6
    print(f"file: {path.name}, {args.lines:,} lines, {size_mb:.0f} MB; {args.repeat} runs each")
    modes = ["pandas", "import", "import+progress", "pyarrow", "duckdb_load"]
    results: dict[str, list[dict]] = {m: [] for m in modes}
    for _ in range(args.repeat):
        for m in modes:  # interleaved, so load changes hit every mode alike
            results[m].append(run(m, path))
    med = {m: {k: statistics.median(r[k] for r in results[m]) for k in ("seconds", "cpu", "rss_mb")}
           for m in modes}  # fmt: skip
    base = med["pandas"]
    print(f"\n{'mode':<18}{'median s':>10}{'x pandas':>10}{'cpu s':>8}{'x pandas':>10}"
          f"{'peak RSS MB':>13}{'x pandas':>10}")  # fmt: skip
    for m in modes:
        sec, cpu, rss = med[m]["seconds"], med[m]["cpu"], med[m]["rss_mb"]
        print(f"{m:<18}{sec:>10.2f}{sec / base['seconds']:>10.2f}{cpu:>8.2f}"
              f"{cpu / base['cpu']:>10.2f}{rss:>13.0f}{rss / base['rss_mb']:>10.2f}")  # fmt: skip
    print("  (ratios of medians; per run, import / pandas of the same round: "
          + ", ".join(f"{i['seconds'] / p['seconds']:.2f}"
                      for i, p in zip(results["import"], results["pandas"], strict=True))
          + ")")  # fmt: skip
    print("\nimport steps (median seconds from the start):")
    steps = [r["steps"] for r in results["import"]]
    for i, (name, _) in enumerate(steps[0]):
        print(f"  {name:<38}{statistics.median(s[i][1] for s in steps):>8.2f}")


if __name__ == "__main__":
    main()
