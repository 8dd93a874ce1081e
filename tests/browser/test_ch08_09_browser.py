"""Headless Chromium: the chapter 08 and 09 screens render every tab with no exception."""

from __future__ import annotations

import pytest

from .conftest import settle, shot

pytestmark = pytest.mark.browser

PAGES = [
    ("ch08", "zh", "全渠道库存与履约协同"),
    ("ch08", "en", "Inventory & fulfilment"),
    ("ch09", "zh", "数据中台与营销自动化"),
    ("ch09", "en", "Data platform & automation"),
]


@pytest.fixture(scope="module")
def warm(server, browser):
    """Open the root once so the server has run ``st.navigation`` before the deep links."""
    page = browser.new_page()
    page.goto(server)
    settle(page, 120)
    page.close()
    return server


@pytest.mark.parametrize(("url", "lang", "title"), PAGES)
def test_chapter_page_renders_every_tab(warm, browser, url, lang, title):
    server = warm
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/{url}?lang={lang}")
    settle(page, 240)
    page.wait_for_selector('[data-testid="stTab"]', timeout=240_000)
    settle(page, 120)
    page.get_by_text(title, exact=False).first.wait_for(timeout=60_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=60_000)
    tabs = page.locator('[data-testid="stTab"]')
    n = tabs.count()
    assert n >= 4
    for i in range(n):
        tabs.nth(i).click()
        settle(page, 120)
        assert page.locator('[data-testid="stException"]').count() == 0, f"tab {i}"
        shot(page, f"{url}_{lang}_tab{i}")
    assert page.locator('[data-testid="stMetric"]').count() >= 3
    assert errors == []
    page.close()
