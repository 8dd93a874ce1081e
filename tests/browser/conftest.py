"""Browser harness: a real Streamlit server on a free port and headless Debian Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from omni_core.datasets import write_world
from omni_core.warehouse import Warehouse
from omni_core.world import WorldParams, build_world

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "_artifacts"
CHROMIUM = os.environ.get("OMNI_CHROMIUM", "/usr/bin/chromium")
OPERATOR_PASSWORD = "drill-pass"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]  # fmt: skip


def _need_chromium() -> None:
    """Skip without Chromium, except where OMNI_REQUIRE_BROWSER=1 (CI): there it is a failure."""
    if Path(CHROMIUM).exists():
        return
    msg = f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
    if os.environ.get("OMNI_REQUIRE_BROWSER") == "1":
        pytest.fail(msg)
    pytest.skip(msg)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        return urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False


def start_app(
    env: dict[str, str],
    out: Any = subprocess.DEVNULL,
    extra: list[str] | None = None,
    wait_s: float = 60,
) -> tuple[subprocess.Popen, str]:
    """Serve app.py on a free loopback port with ``env``; returns the process and base URL once
    the health endpoint answers (or ``wait_s`` passed: callers check ``_healthy``)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         *(extra or [])],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + wait_s
    while time.time() < deadline and proc.poll() is None and not _healthy(base):
        time.sleep(0.3)
    return proc, base


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[str]:
    """Serve the app on a small world; yields the base URL."""
    _need_chromium()
    path = tmp_path_factory.mktemp("browser") / "wh.duckdb"
    wh = Warehouse(f"duckdb:///{path}")
    write_world(wh, build_world(WorldParams(seed=8, users=1500, days=60)))
    wh.close()
    env = dict(os.environ, OMNI_WAREHOUSE=f"duckdb:///{path}", OMNI_LIVE_SPEED="600",
               OMNI_OPERATOR_PASSWORD=OPERATOR_PASSWORD)  # fmt: skip
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w")
    proc, base = start_app(env, log, ["--server.fileWatcherType", "none"])
    if proc.poll() is not None or not _healthy(base):
        proc.kill()
        pytest.fail("streamlit did not become healthy in 60 s")
    yield base
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    _need_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def settle(page, timeout_s: float = 60.0) -> None:
    """Wait in real time until Streamlit's status widget (running...) is gone.

    A page with a live fragment (the war room refreshes every 2 s) may never be idle for long
    on a loaded machine: after ``timeout_s`` this returns anyway and the caller's explicit waits
    for its own elements decide.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    deadline = time.time() + timeout_s
    time.sleep(1.0)
    while time.time() < deadline:
        if page.locator('[data-testid="stStatusWidget"]').count() == 0:
            time.sleep(0.5)
            if page.locator('[data-testid="stStatusWidget"]').count() == 0:
                return
        time.sleep(0.25)


def shot(page, name: str, docs: bool = False) -> Path:
    """Screenshot into tests/_artifacts (and into docs/ when asked and OMNI_UPDATE_DOCS=1)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("OMNI_UPDATE_DOCS") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copy(path, ROOT / "docs" / f"{name}.png")
    return path
