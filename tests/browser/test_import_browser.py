"""Headless Chromium: upload a Chinese GBK export on the Data page, check the mapping, import it,
see the report (and a screenshot of it in tests/_artifacts)."""

from __future__ import annotations

import pytest

from tests.ingest.conftest import write_chinese

from .conftest import settle, shot

pytestmark = pytest.mark.browser


def test_import_a_file_in_the_browser(server, browser, tmp_path):
    path = write_chinese(tmp_path / "tmall_export.csv", "gbk")
    page = browser.new_page(viewport={"width": 1600, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/data?lang=en")
    settle(page)
    page.get_by_role("tab", name="Import data").click()
    settle(page)
    file_input = page.locator('[data-testid="stFileUploader"] input[type="file"]').first
    file_input.wait_for(state="attached", timeout=60_000)
    file_input.set_input_files(str(path))
    page.get_by_text("Preview and column mapping").first.wait_for(timeout=60_000)
    settle(page)
    assert page.get_by_text("CSV · gb18030 · comma").count() >= 1
    order_box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Order ID (order_id)")
    shot(page, "data_import_mapping_en")
    html = order_box.first.inner_html()
    assert "订单号" in html
    name = page.get_by_label("Dataset name", exact=True)
    name.fill("tmall_browser")
    name.press("Enter")
    settle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Imported dataset tmall_browser").first.wait_for(timeout=60_000)
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
    assert any("Orders" in m and "5" in m for m in metrics)
    assert page.get_by_text("No traffic events").count() >= 1
    shot(page, "data_import_en")
    page.get_by_text("All counts").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(shot(page, "data_import_en").with_name("data_import_report_en.png")))
    assert "tmall_browser" in page.locator('[data-testid="stSidebar"]').inner_html()
    assert errors == []
    page.close()
