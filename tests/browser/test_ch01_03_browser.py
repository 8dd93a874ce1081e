"""Headless Chromium: chapters 01-03 render in both languages with no exception (every tab)."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import settle, shot

pytestmark = pytest.mark.browser

PAGES = [
    ("ch01", "zh", "全域营销概念与行业趋势", 6),
    ("ch01", "en", "Omni-channel concepts", 6),
    ("ch02", "zh", "电商平台流量生态解析", 7),
    ("ch02", "en", "Platform traffic ecosystem", 7),
    ("ch03", "zh", "用户画像与精准触达", 1),
    ("ch03", "en", "Profiles & precise reach", 1),
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


@pytest.mark.parametrize(("url", "lang", "title", "charts"), PAGES)
def test_page_renders(server, browser, url, lang, title, charts):
    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _open(page, f"{server}/{url}?lang={lang}", title)
    settle(page, 180)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=60_000)
    settle(page, 180)
    # A fresh server answers the very first deep link with a "Page not found" notice before
    # navigation is registered (reported as a shared ui issue); close it for the screenshots.
    if page.get_by_text("Page not found").count():
        page.keyboard.press("Escape")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(".js-plotly-plot").count() >= charts
    tabs = page.locator('[data-testid="stTab"]')
    if tabs.count():
        for i in range(tabs.count()):
            tabs.nth(i).click()
            settle(page, 180)
            assert page.locator('[data-testid="stException"]').count() == 0, f"tab {i}"
            shot(page, f"{url}_{lang}_tab{i}", docs=(lang == "zh" and i == 0))
    else:
        shot(page, f"{url}_{lang}", docs=(lang == "zh"))
    assert errors == []
    page.close()
