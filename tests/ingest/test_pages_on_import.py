"""Every page renders on imported exports: no exception, and each page either shows its
analysis or says what the data cannot support.

Two exports: the UK retailer's real orders (no events, English), and a Chinese platform-style
export of a simulated world's orders with its event log (channels and categories by their Chinese
names, no ad spend, no campaigns)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from omni_core.ingest import import_files
from omni_core.warehouse import Warehouse
from tests.apputil import app_on, run_page

from .conftest import RETAIL

PAGES = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "pages").glob("*.py"))


def _platform_export(tables: dict, folder: Path) -> tuple[Path, Path]:
    """The world's paid and unpaid orders as a Chinese order-line export, and its events."""
    o, ln, sk = tables["orders"], tables["order_lines"], tables["skus"]
    ch = tables["channels"].set_index("channel_id")["name_zh"]
    cat = tables["categories"].set_index("category_id")["name_zh"]
    j = ln.merge(o, on="order_id").merge(sk[["sku_id", "name", "category_id"]], on="sku_id")
    orders = pd.DataFrame({
        "订单编号": j["order_id"], "下单时间": j["order_ts"], "付款时间": j["pay_ts"],
        "买家会员名": "u" + j["user_id"].astype(str), "商品编码": j["sku_id"],
        "商品名称": j["name"], "购买数量": j["qty"], "商品单价": j["unit_price"],
        "渠道": j["channel_id"].map(ch), "省份": j["province"], "类目": j["category_id"].map(cat),
    })  # fmt: skip
    e = tables["events"]
    events = pd.DataFrame({
        "用户id": "u" + e["user_id"].astype(str), "事件时间": e["ts"], "事件类型": e["event_type"],
        "会话id": e["session_id"], "渠道": e["channel_id"].map(ch), "商品编码": e["sku_id"],
        "设备": e["device_type"], "流量来源": e["source"],
    })  # fmt: skip
    op, ep = folder / "订单导出.csv", folder / "行为日志.csv"
    orders.to_csv(op, index=False, encoding="utf-8-sig")
    events.to_csv(ep, index=False, encoding="utf-8-sig")
    return op, ep


@pytest.fixture(scope="module")
def imported_app(tmp_path_factory, tables):
    """The app pointed at a warehouse holding the two imports (datasets retail and platform)."""

    folder = tmp_path_factory.mktemp("imported_app")
    path = folder / "w.duckdb"
    w = Warehouse(f"duckdb:///{path}")
    import_files(w, RETAIL, name="retail")
    orders, events = _platform_export(tables, folder)
    report = import_files(w, orders, events=events, name="platform")
    assert {"events", "channels", "categories"} <= set(report.capabilities)
    w.close()
    with app_on(path):
        yield


# Pages that must show no error on an import, and why.
NO_ERROR = {
    ("retail", "ch13_team.py"),  # Dec 2010 has full weeks although the shop shut on Saturdays
    ("platform", "ch03_profiles.py"),  # the lookalike seeds from the import's own categories
}


@pytest.mark.usefixtures("imported_app")
@pytest.mark.parametrize(("dataset", "lang"), [("retail", "en"), ("platform", "zh")])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_an_import(page, dataset, lang):
    at = run_page(page, lang, dataset=dataset)
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["dataset"] == dataset
    if (dataset, page) in NO_ERROR:
        assert not at.error, [e.value for e in at.error]
