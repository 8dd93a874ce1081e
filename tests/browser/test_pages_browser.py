"""Headless Chromium: pages render with no exception, in both languages."""

from __future__ import annotations

import pytest

from .conftest import settle, shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "title"), [("zh", "数据中心"), ("en", "Data")])
def test_data_page_renders(server, browser, lang, title):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/data?lang={lang}")
    settle(page)
    page.get_by_text(title, exact=False).first.wait_for(timeout=30_000)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=30_000)
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stMetric"]').count() >= 3
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=30_000)
    shot(page, f"data_{lang}", docs=(lang == "zh"))
    assert errors == []
    page.close()
