"""Headless Chromium: chapters 04-07 render in both languages with no exception (every tab)."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import settle, shot

pytestmark = pytest.mark.browser

PAGES = [
    ("ch04", "zh", "内容营销创新玩法", 6),
    ("ch04", "en", "Content marketing", 6),
    ("ch05", "zh", "社交电商裂变增长体系", 7),
    ("ch05", "en", "Social viral growth", 7),
    ("ch06", "zh", "搜索引擎与信息流优化", 4),
    ("ch06", "en", "Search & feed ads", 4),
    ("ch07", "zh", "会员体系与忠诚度计划", 5),
    ("ch07", "en", "Membership & loyalty", 5),
]


def _open(page, url: str, title: str) -> None:
    """Go to a deep link; a fresh server's very first deep link lands on the default page."""
    heading = page.locator("h2", has_text=title)
    for _ in range(2):
        page.goto(url)
        page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
        try:
            heading.first.wait_for(timeout=30_000)
            return
        except PlaywrightTimeout:
            continue
    heading.first.wait_for(timeout=60_000)


def _dismiss_dialogs(page) -> None:
    """Close a leftover modal (a fresh server's first deep link may show "Page not found")."""
    dialogs = page.locator('[role="dialog"]')
    if dialogs.count():
        page.keyboard.press("Escape")
        dialogs.first.wait_for(state="detached", timeout=10_000)


@pytest.mark.parametrize(("url", "lang", "title", "charts"), PAGES)
def test_page_renders(server, browser, url, lang, title, charts):
    # zh: a tall viewport so the screenshot holds every section of these long pages (Streamlit
    # scrolls inside its own container); en: the first screen is enough to check the labels
    page = browser.new_page(viewport={"width": 1600, "height": 3800 if lang == "zh" else 1400})
    page.set_default_timeout(180_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _open(page, f"{server}/{url}?lang={lang}", title)
    settle(page, 180)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=60_000)
    settle(page, 180)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(".js-plotly-plot").count() >= charts
    assert page.locator('[data-testid="stMetric"]').count() >= 3
    _dismiss_dialogs(page)
    shot(page, f"{url}_{lang}", docs=(lang == "zh"))
    tabs = page.locator('[data-testid="stTab"]')
    for i in range(1, tabs.count()):  # the experiments workbench of ch06
        tabs.nth(i).click()
        settle(page, 180)
        assert page.locator('[data-testid="stException"]').count() == 0, f"tab {i}"
        if lang == "zh" or i == tabs.count() - 1:
            shot(page, f"{url}_{lang}_tab{i}")
    assert errors == []
    page.close()
