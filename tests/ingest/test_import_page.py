"""The Data page's import section in streamlit.testing: upload, preview, mapping, import, report;
a bad file shows the error and changes nothing. Both languages."""

from __future__ import annotations

import pytest

from omni_core.ingest import fields
from tests.apputil import run_page

from .conftest import CHINESE_HEADER, RETAIL, write_chinese

pytestmark = pytest.mark.usefixtures("app_warehouse")


def _labels(at) -> list[str]:
    return [s.label for s in at.selectbox]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_upload_map_and_import(lang, tmp_path):
    at = run_page("data.py", lang)
    assert not at.exception, at.exception
    assert len(at.file_uploader) == 3
    data = write_chinese(tmp_path / "tmall.csv", "gbk").read_bytes()
    at.file_uploader[0].set_value(("tmall.csv", data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    order_id = next(s for s in at.selectbox if s.key == "map_orders_order_id")
    assert order_id.value == "订单号"
    assert next(s for s in at.selectbox if s.key == "map_orders_channel").value == "渠道"
    assert set(CHINESE_HEADER) <= set(order_id.options)
    assert any(c.value.startswith("CSV · gb18030 · comma") for c in at.caption)
    name = next(t for t in at.text_input if t.key == "imp_name")
    assert name.value == "tmall"
    name.set_value(f"tmall_{lang}")
    # Override one suggestion: do not use the province column.
    next(s for s in at.selectbox if s.key == "map_orders_province").set_value("—")
    next(b for b in at.button if b.key == "imp_go").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(f"tmall_{lang}" in s.value for s in at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Orders" if lang == "en" else "订单"] == "5"
    assert metrics["Rows read" if lang == "en" else "读取行数"] == "6"
    assert at.session_state["dataset"] == f"tmall_{lang}"
    assert any(
        ("No traffic events" if lang == "en" else "没有流量事件") in i.value for i in at.info
    )


def test_rejected_rows_and_bad_files(tmp_path):
    at = run_page("data.py", "en")
    rows = RETAIL.read_text(encoding="utf-8").splitlines()[:400]
    rows += rows[1:3]  # two exact duplicates
    at.file_uploader[0].set_value(("dups.csv", "\n".join(rows).encode(), "text/csv"))
    at.run()
    next(b for b in at.button if b.key == "imp_go").click()
    at.run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rejected"] == "2"
    frames = [d.value for d in at.dataframe]
    assert any("exact duplicate of an earlier row" in f.to_string() for f in frames)

    at.file_uploader[0].set_value(
        ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/csv")
    )
    at.run()
    assert not at.exception
    assert any("is a PNG image, not a table" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "imp_go"]


@pytest.mark.parametrize(("lang", "title", "head"), [
    ("zh", "导入字段说明（必填与可选列）", "| 字段 | 必填 |"),
    ("en", "Import schema (required and optional columns)", "| field | required |"),
])  # fmt: skip
def test_import_tab_documents_the_schema(lang, title, head):
    at = run_page("data.py", lang)
    box = next(e for e in at.expander if e.label == title)
    text = "\n".join(m.value for m in box.markdown)
    assert head in text
    for f in fields("orders") + fields("events"):
        assert f"`{f.name}`" in text
