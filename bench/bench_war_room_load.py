"""Load test: N concurrent headless viewers on the war-room board; server CPU vs viewers.

Starts the app on a small world (loopback only), opens N kiosk pages in headless Chromium for a
fixed time, then prints per N: server CPU seconds per wall second (from /proc), refreshes seen per
viewer (the GMV counter's fragment runs), errors. The board's data is computed once per tick in
the shared engine, so server CPU should grow sub-linearly with viewers.

Usage: ``python bench/bench_war_room_load.py [--viewers 1,5,20] [--seconds 120]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port

ROOT = Path(__file__).resolve().parent.parent
REFRESH_S = 2.0  # the board fragment's run_every (pages/war_room.py)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(viewers: list[int], seconds: int) -> None:
    import subprocess
    import urllib.request

    from playwright.sync_api import sync_playwright

    from omni_core.datasets import write_world
    from omni_core.warehouse import Warehouse
    from omni_core.world import WorldParams, build_world

    tmp = tempfile.mkdtemp()
    path = f"{tmp}/load.duckdb"
    wh = Warehouse(f"duckdb:///{path}")
    write_world(wh, build_world(WorldParams(seed=3, users=5000, days=30)))
    wh.close()
    expected = seconds / REFRESH_S
    print(
        f"board refresh every {REFRESH_S:g} s: {expected:.0f} refreshes per viewer expected in "
        f"{seconds} s"
    )
    print(f"{'viewers':>8} {'server CPU s/s':>15} {'CPU/viewer':>11} {'refreshes/viewer':>17} "
          f"{'min':>5} {'errors':>7}")  # fmt: skip
    for n in viewers:
        port = _free_port()
        env = dict(os.environ, OMNI_WAREHOUSE=f"duckdb:///{path}", OMNI_LIVE_SPEED="60")
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                                 "--server.port", str(port), "--server.headless", "true",
                                 "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        errors = 0
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages, page_errors = [], []
            for _ in range(n):
                pg = b.new_page(viewport={"width": 1280, "height": 720})
                pg.on("pageerror", lambda e, sink=page_errors: sink.append(str(e)))
                pg.goto(f"{base}/?kiosk=1")
                pages.append(pg)
            for pg in pages:
                pg.wait_for_selector(".wr-runs", timeout=120_000, state="attached")
            start_runs = [
                int(pg.locator(".wr-runs").first.text_content().split("|")[1]) for pg in pages
            ]
            c0, t0 = cpu_seconds(proc.pid), time.time()
            time.sleep(seconds)
            c1, t1 = cpu_seconds(proc.pid), time.time()
            runs = []
            for pg, s0 in zip(pages, start_runs, strict=True):
                try:
                    runs.append(int(pg.locator(".wr-runs").first.text_content().split("|")[1]) - s0)
                    errors += pg.locator('[data-testid="stException"]').count()
                except Exception:
                    errors += 1
            b.close()
        errors += len(page_errors)
        proc.terminate()
        proc.wait(10)
        cpu = (c1 - c0) / (t1 - t0)
        print(f"{n:>8} {cpu:>15.2f} {cpu / n:>11.3f} {sum(runs) / max(len(runs), 1):>17.1f} "
              f"{min(runs, default=0):>5} {errors:>7}", flush=True)  # fmt: skip


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--viewers", default="1,5,20")
    ap.add_argument("--seconds", type=int, default=120)
    a = ap.parse_args()
    run([int(x) for x in a.viewers.split(",")], a.seconds)
