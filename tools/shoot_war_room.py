"""Take the README's war-room screenshot (docs/war_room.png) on the bundled demo world.

Serves the app on a fresh copy of the demo world with an accelerated clock, opens the kiosk board
at 1920x1080 in headless Chromium, lets the clock run into the morning and saves the screenshot.

Usage: ``python tools/shoot_war_room.py [--speed 600] [--wait 75] [--lang zh]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_app  # noqa: E402


def main() -> None:
    """Serve, wait, shoot."""
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speed", type=float, default=600)
    ap.add_argument("--wait", type=float, default=75, help="wall seconds before the shot")
    ap.add_argument("--lang", default="zh")
    ap.add_argument("--out", default=str(ROOT / "docs" / "war_room.png"))
    a = ap.parse_args()
    data = tempfile.mkdtemp()
    env = dict(os.environ, OMNI_DATA_DIR=data, OMNI_LIVE_SPEED=str(a.speed))
    env.pop("OMNI_WAREHOUSE", None)
    subprocess.run([sys.executable, "-m", "omni_core.cli", "load-demo"], cwd=ROOT, env=env,
                   check=True)  # fmt: skip
    proc, base = start_app(env)
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = b.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(f"{base}/?kiosk=1&lang={a.lang}")
            page.wait_for_selector(".wr-big .v", timeout=120_000)
            time.sleep(a.wait)
            page.screenshot(path=a.out)
            b.close()
        print("saved", a.out)
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
