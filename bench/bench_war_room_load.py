"""Load test: N concurrent headless viewers on the war-room board; server CPU vs viewers.

Starts the app on a small world (loopback only) and keeps N kiosk viewers on the board for a fixed
time, then prints per N: server CPU seconds per wall second (from /proc), board refreshes per
viewer (the fragment's runs), the slowest viewer's count, refresh latency and errors. The board's
data is computed once per tick in the shared engine and its figures once per tick for all
viewers, so server CPU should grow sub-linearly with viewers.

"missed": protocol viewers, requests sent in the window that got no finished fragment run (10 s
of grace for the last ones); Chromium viewers, refreshes short of one per ``run_every``.

Two kinds of viewer (``--client``):

- ``protocol``: a headless client of Streamlit's own websocket protocol (what the browser's
  frontend does: open the session, run the page, and request the fragment's rerun every
  ``run_every`` as the server's ``auto_rerun`` message asks), counting finished fragment runs and
  exception elements. It draws nothing, so it measures the server: on this 2-core machine twenty
  Chromium renderers redrawing five plotly charts every 2 s starve the CPU themselves;
- ``chromium``: N pages of headless Chromium (one browser), counting the runs the page shows.

Usage: ``python bench/bench_war_room_load.py [--viewers 1,5,20] [--seconds 120]
[--client protocol,chromium]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_app

ROOT = Path(__file__).resolve().parent.parent
REFRESH_S = 2.0  # the board fragment's run_every (pages/war_room.py)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Viewer:
    """What one protocol viewer saw."""

    runs: int = 0  # fragment runs finished
    errors: int = 0  # exception elements and failed runs
    latency: list[float] = field(default_factory=list)  # request -> fragment run finished, s
    sent: list[float] = field(default_factory=list)
    fragment: str | None = None


async def _protocol_viewer(base: str, v: Viewer, stop: asyncio.Event, hold: asyncio.Event) -> None:
    """One headless viewer speaking Streamlit's websocket protocol (as the frontend does)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    done = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_FRAGMENT_RUN_SUCCESSFULLY")

    def rerun(fragment: str | None = None) -> bytes:
        m = BackMsg()
        m.rerun_script.query_string = "kiosk=1"
        if fragment:
            m.rerun_script.fragment_id = fragment
            m.rerun_script.is_auto_rerun = True
        return m.SerializeToString()

    async def timer(ws, interval: float, fragment: str) -> None:
        # setInterval in the frontend: a request every interval, whether or not a run is going
        t0 = time.monotonic()
        k = 1
        while not stop.is_set():
            await asyncio.sleep(max(0.0, t0 + k * interval - time.monotonic()))
            k += 1
            if hold.is_set():  # the measuring window is over: let the last runs finish
                continue
            v.sent.append(time.monotonic())
            await ws.send(rerun(fragment))

    ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(ws_url, subprotocols=["streamlit"], origin=base,
                                  max_size=None) as ws:  # fmt: skip
        await ws.send(rerun())
        task = None
        try:
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
                except TimeoutError:
                    continue
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                kind = msg.WhichOneof("type")
                if kind == "auto_rerun" and task is None:
                    v.fragment = msg.auto_rerun.fragment_id
                    task = asyncio.create_task(timer(ws, msg.auto_rerun.interval, v.fragment))
                elif kind == "script_finished" and msg.script_finished == done:
                    v.runs += 1
                    if v.sent:
                        v.latency.append(time.monotonic() - v.sent[-1])
                elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    v.errors += msg.delta.new_element.WhichOneof("type") == "exception"
        finally:
            if task is not None:
                task.cancel()


def _protocol_round(base: str, n: int, seconds: int, pid: int) -> tuple:
    async def main() -> tuple:
        stop, hold = asyncio.Event(), asyncio.Event()
        viewers = [Viewer() for _ in range(n)]
        tasks = [asyncio.create_task(_protocol_viewer(base, v, stop, hold)) for v in viewers]
        deadline = time.monotonic() + 120
        while any(v.runs == 0 for v in viewers) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)  # every viewer has the page and its first fragment run
        runs0 = [v.runs for v in viewers]
        sent0 = [len(v.sent) for v in viewers]
        lat0 = [len(v.latency) for v in viewers]
        c0, t0 = cpu_seconds(pid), time.monotonic()
        await asyncio.sleep(seconds)
        c1, t1 = cpu_seconds(pid), time.monotonic()
        hold.set()  # no new requests; give the ones in flight up to 10 s to finish
        sent = [len(v.sent) - s0 for v, s0 in zip(viewers, sent0, strict=True)]
        grace = time.monotonic() + 10
        while time.monotonic() < grace and any(
            v.runs - r0 < s for v, r0, s in zip(viewers, runs0, sent, strict=True)
        ):
            await asyncio.sleep(0.1)
        runs = [v.runs - r for v, r in zip(viewers, runs0, strict=True)]
        missed = sum(max(0, s - r) for s, r in zip(sent, runs, strict=True))
        lat = [x for v, k in zip(viewers, lat0, strict=True) for x in v.latency[k:]]
        stop.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        errors = sum(v.errors for v in viewers) + sum(isinstance(r, BaseException) for r in results)
        return (c1 - c0) / (t1 - t0), sent, runs, missed, errors, lat

    return asyncio.run(main())


def _chromium_round(base: str, n: int, seconds: int, pid: int) -> tuple:
    from playwright.sync_api import sync_playwright

    errors = 0
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages, page_errors = [], []
        for _ in range(n):
            pg = b.new_page(viewport={"width": 1280, "height": 720})
            pg.on("pageerror", lambda e, sink=page_errors: sink.append(str(e)))
            pg.goto(f"{base}/?kiosk=1", timeout=180_000)  # 20 renderers load slowly on 2 cores
            pages.append(pg)
        for pg in pages:
            pg.wait_for_selector(".wr-runs", timeout=120_000, state="attached")
        start_runs = [
            int(pg.locator(".wr-runs").first.text_content().split("|")[1]) for pg in pages
        ]
        c0, t0 = cpu_seconds(pid), time.time()
        time.sleep(seconds)
        c1, t1 = cpu_seconds(pid), time.time()
        runs = []
        for pg, s0 in zip(pages, start_runs, strict=True):
            try:
                runs.append(int(pg.locator(".wr-runs").first.text_content().split("|")[1]) - s0)
                errors += pg.locator('[data-testid="stException"]').count()
            except Exception:
                errors += 1
        b.close()
    missed = sum(max(0, round(seconds / REFRESH_S) - r) for r in runs)  # against the timer's due
    return (c1 - c0) / (t1 - t0), None, runs, missed, errors + len(page_errors), []


def _serve(path: str) -> tuple[subprocess.Popen, str]:
    return start_app(dict(os.environ, OMNI_WAREHOUSE=f"duckdb:///{path}", OMNI_LIVE_SPEED="60"),
                     wait_s=60)  # fmt: skip


def run(viewers: list[int], seconds: int, clients: list[str]) -> None:
    from omni_core.datasets import write_world
    from omni_core.warehouse import Warehouse
    from omni_core.world import WorldParams, build_world

    tmp = tempfile.mkdtemp()
    path = f"{tmp}/load.duckdb"
    wh = Warehouse(f"duckdb:///{path}")
    write_world(wh, build_world(WorldParams(seed=3, users=5000, days=30)))
    wh.close()
    expected = seconds / REFRESH_S
    print(f"board refresh every {REFRESH_S:g} s: {expected:.0f} refreshes per viewer expected in "
          f"{seconds} s; a fresh server per round")  # fmt: skip
    for client in clients:
        print(f"\n{client} viewers")
        print(f"{'viewers':>8} {'server CPU s/s':>15} {'CPU/viewer':>11} {'requests/viewer':>16} "
              f"{'refreshes/viewer':>17} {'min':>5} {'missed':>7} {'latency p50/p95 ms':>19} "
              f"{'errors':>7}")  # fmt: skip
        base_cpu = None
        for n in viewers:
            proc, base = _serve(path)
            try:
                fn = _protocol_round if client == "protocol" else _chromium_round
                cpu, sent, runs, missed, errors, lat = fn(base, n, seconds, proc.pid)
            finally:
                proc.terminate()
                proc.wait(10)
            base_cpu = base_cpu or (cpu, n)
            lat_txt = (f"{statistics.median(lat) * 1e3:.0f}/"
                       f"{statistics.quantiles(lat, n=20)[-1] * 1e3:.0f}") if len(lat) > 1 else "—"  # fmt: skip
            req = f"{sum(sent) / len(sent):.1f}" if sent else "—"
            print(f"{n:>8} {cpu:>15.2f} {cpu / n:>11.3f} {req:>16} "
                  f"{sum(runs) / max(len(runs), 1):>17.1f} {min(runs, default=0):>5} {missed:>7} "
                  f"{lat_txt:>19} {errors:>7}", flush=True)  # fmt: skip
        print(f"  CPU growth from {base_cpu[1]} viewer(s): x{cpu / base_cpu[0]:.2f} for "
              f"x{n / base_cpu[1]:g} viewers")  # fmt: skip


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--viewers", default="1,5,20")
    ap.add_argument("--seconds", type=int, default=120)
    ap.add_argument("--client", default="protocol,chromium")
    a = ap.parse_args()
    run([int(x) for x in a.viewers.split(",")], a.seconds, a.client.split(","))
