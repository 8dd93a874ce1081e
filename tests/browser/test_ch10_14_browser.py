"""Headless Chromium: chapters 10, 11, 13 and 14 render with no exception, in both languages."""

from __future__ import annotations

import pytest

from .conftest import settle, shot

pytestmark = pytest.mark.browser

# url path, Chinese title, English title, tab index to open as a second screenshot (or None)
PAGES = [
    ("ch10", "跨境出海营销布局", "Cross-border marketing", 1),
    ("ch11", "元宇宙与Web3.0营销探索", "Metaverse & Web3", 1),
    ("ch13", "营销团队组织能力建设", "Team capability", 2),
    ("ch14", "创新技术应用前瞻", "Technology outlook", None),
]


def _open(page, server: str, url: str) -> None:
    """Open a page through the sidebar navigation (as a user does)."""
    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{url}"]').first
    if not link.is_visible():  # the sidebar shows 10 pages, then "View more"
        page.locator('[data-testid="stSidebarNavViewButton"]').first.click(force=True)
    link.click(force=True)
    settle(page)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_render_in_chromium(server, browser, lang):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/?lang={lang}")
    # The landing page is the live war room (refreshes itself): wait for the navigation only.
    page.wait_for_selector('[data-testid="stSidebarNav"] a', timeout=60_000)
    for url, zh, en, tab in PAGES:
        _open(page, server, url)
        title = zh if lang == "zh" else en
        page.locator('[data-testid="stMarkdown"] h2').filter(has_text=title).first.wait_for(
            timeout=30_000
        )
        page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=30_000)
        page.wait_for_selector('[data-testid="stMetricValue"]', timeout=30_000)
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, url
        shot(page, f"{url}_{lang}", docs=False)
        if tab is not None:
            page.get_by_role("tab").nth(tab).click(force=True)
            settle(page)
            assert page.locator('[data-testid="stException"]').count() == 0, url
            shot(page, f"{url}_{lang}_tab{tab}")
    assert errors == []
    page.close()
