"""Headless Chromium: every chapter page renders with no exception.

Chinese (the presentation language): every tab is opened, checked and photographed. English: one
chapter's first screen is checked for its translated title (every tab of every page in both
languages is already rendered by the app tests in ``tests/test_chXX.py``). Chapter 12 has its own scenario test.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import settle, shot

pytestmark = pytest.mark.browser

# url, zh title, en title, minimum number of charts on the first screen, minimum tabs
CHAPTERS = [
    ("ch01", "全域营销概念与行业趋势", "Omni-channel concepts", 6, 0),
    ("ch02", "电商平台流量生态解析", "Platform traffic ecosystem", 7, 0),
    ("ch03", "用户画像与精准触达", "Profiles & precise reach", 1, 0),
    ("ch04", "内容营销创新玩法", "Content marketing", 6, 0),
    ("ch05", "社交电商裂变增长体系", "Social viral growth", 7, 0),
    ("ch06", "搜索引擎与信息流优化", "Search & feed ads", 4, 0),
    ("ch07", "会员体系与忠诚度计划", "Membership & loyalty", 5, 0),
    ("ch08", "全渠道库存与履约协同", "Inventory & fulfilment", 1, 4),
    ("ch09", "数据中台与营销自动化", "Data platform & automation", 1, 4),
    ("ch10", "跨境出海营销布局", "Cross-border marketing", 1, 0),
    ("ch11", "元宇宙与Web3.0营销探索", "Metaverse & Web3", 1, 0),
    ("ch13", "营销团队组织能力建设", "Team capability", 1, 0),
    ("ch14", "创新技术应用前瞻", "Technology outlook", 1, 0),
]
EN_CHECKED = "ch01"


@pytest.fixture(scope="module")
def warm(server, browser):
    """Open the root once so the server has run ``st.navigation`` before the deep links."""
    page = browser.new_page()
    page.goto(server)
    page.wait_for_selector('[data-testid="stSidebarNav"] a', timeout=120_000)
    page.close()
    return server


def _open(page, url: str, title: str) -> None:
    """Go to a deep link and wait for the page's own heading."""
    heading = page.locator("h2", has_text=title)
    for _ in range(2):
        page.goto(url)
        page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
        try:
            heading.first.wait_for(timeout=60_000)
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


def _no_exception(page, where: str) -> None:
    exc = page.locator('[data-testid="stException"]')
    assert exc.count() == 0, f"{where}: {exc.first.inner_text()[:500]}"


@pytest.mark.parametrize(("url", "zh", "en", "charts", "min_tabs"), CHAPTERS)
def test_chapter_renders(warm, browser, url, zh, en, charts, min_tabs):
    page = browser.new_page(viewport={"width": 1600, "height": 3000})
    page.set_default_timeout(180_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _open(page, f"{warm}/{url}?lang=zh", zh)
    settle(page, 180)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=60_000)
    settle(page, 180)
    _no_exception(page, url)
    _dismiss_dialogs(page)
    assert page.locator(".js-plotly-plot").count() >= charts
    assert page.locator('[data-testid="stMetric"]').count() >= 1
    shot(page, f"{url}_zh", docs=True)
    tabs = page.locator('[data-testid="stTab"]')
    assert tabs.count() >= min_tabs
    for i in range(1, tabs.count()):
        # A tab switch is client-side (no rerun): wait for its panel and its charts to draw.
        tabs.nth(i).click()
        page.locator('[role="tabpanel"]:visible').first.wait_for()
        page.wait_for_timeout(300)
        _no_exception(page, f"{url} tab {i}")
        shot(page, f"{url}_zh_tab{i}")
    if url != EN_CHECKED:
        assert errors == []
        page.close()
        return
    # English (one chapter: the language switch in a real browser; every page's English is
    # rendered by its app test): the translated first screen.
    page.set_viewport_size({"width": 1600, "height": 1200})
    _open(page, f"{warm}/{url}?lang=en", en)
    settle(page, 180)
    _no_exception(page, f"{url} (en)")
    assert page.locator("h2", has_text=zh).count() == 0
    shot(page, f"{url}_en")
    assert errors == []
    page.close()
