"""Real-world formats: GBK and UTF-8-BOM files with Chinese headers, ¥ amounts and 年月日 dates,
tabs and semicolons, Excel and Parquet, statuses and refunds, a reusable mapping file, events."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from omni_core.ingest import Mapping, import_files, open_preview, suggest
from omni_core.metrics import funnel
from omni_core.warehouse import Warehouse

from .conftest import CHINESE_HEADER, CHINESE_ROWS, RETAIL, write_chinese

SUGGESTED = {
    "order_id": "订单号", "order_ts": "下单时间", "pay_ts": "付款时间", "customer_id": "买家ID",
    "sku_id": "商品编码", "sku_name": "商品名称", "quantity": "数量", "unit_price": "单价",
    "order_amount": "实付金额", "status": "订单状态", "channel": "渠道", "province": "省份",
}  # fmt: skip


@pytest.fixture
def wh():
    w = Warehouse("duckdb://:memory:")
    yield w
    w.close()


def _check_chinese(wh: Warehouse, name: str) -> None:
    orders = wh.sql(f"SELECT * FROM {name}.orders ORDER BY order_id").set_index("order_id")
    assert list(orders.index) == [2024111100001, 2024111100002, 2024111100003, 2024111200004,
                                  2024111200005]  # fmt: skip
    first = orders.loc[2024111100001]
    assert first["order_ts"] == pd.Timestamp("2024-11-11 00:05")
    assert first["pay_ts"] == pd.Timestamp("2024-11-11 00:06")
    assert first["gross_amount"] == pytest.approx(2 * 1299 + 99)  # lines: ￥1,299.00 × 2 + ￥99
    assert first["amount"] == pytest.approx(2398)  # the paid amount, counted once per order
    assert first["discount"] == pytest.approx(299)
    assert (first["channel_id"], first["province"]) == ("tmall", "GD")
    unpaid = orders.loc[2024111100002]
    assert unpaid["status"] == "unpaid" and pd.isna(unpaid["pay_ts"])
    assert orders.loc[2024111100003, "province"] == "ZJ"  # 浙江省杭州市
    assert orders.loc[2024111200005, "user_id"] == -2024111200005  # guest order
    assert orders.loc[2024111200005, "channel_id"] == "xiaohongshu"
    ret = wh.sql(f"SELECT * FROM {name}.returns")
    assert ret["order_id"].tolist() == [2024111100003]  # 退款成功
    assert ret["refund_amount"].tolist() == [pytest.approx(549)]
    users = wh.sql(f"SELECT * FROM {name}.users ORDER BY user_id")
    assert len(users) == 3  # 小王, 李雷, 韩梅梅 (non-numeric ids numbered 1..3)
    assert users["user_id"].tolist() == [1, 2, 3]
    keys = wh.sql(f"SELECT * FROM {name}.import_keys WHERE entity = 'customer' ORDER BY id")
    assert keys["source_id"].tolist() == ["tb_小王", "jd_李雷", "dy_韩梅梅"]
    ch = wh.sql(f"SELECT channel_id, channel_type FROM {name}.channels ORDER BY 1")
    assert dict(zip(ch.channel_id, ch.channel_type, strict=True)) == {
        "douyin": "interest", "jd": "shelf", "tmall": "shelf", "xiaohongshu": "seeding"}  # fmt: skip
    skus = wh.sql(f"SELECT name, price FROM {name}.skus ORDER BY sku_id")
    assert skus["name"].tolist() == ["保湿面霜 50ml", "洁面乳", "精华液 30ml"]


@pytest.mark.parametrize(("encoding", "delimiter"), [("gbk", ","), ("gb18030", "\t"),
                                                     ("utf-8-sig", ","), ("utf-8-sig", ";")])  # fmt: skip
def test_chinese_exports_in_gbk_and_utf8_bom(wh, tmp_path, encoding, delimiter):
    path = write_chinese(tmp_path / "订单导出.csv", encoding, delimiter)
    pv = open_preview(path)
    assert pv.info.columns == list(CHINESE_HEADER)
    assert pv.info.delimiter == delimiter
    assert pv.info.encoding == ("gb18030" if encoding.startswith("gb") else "utf-8")
    m = suggest(pv)
    assert m.columns == SUGGESTED
    r = import_files(wh, path, name="cn")
    assert r.counts["rows_read"] == 6 and r.counts["rows_rejected"] == 0
    assert r.counts["orders"] == 5 and r.counts["paid_orders"] == 4
    assert r.counts["customers"] == 3 and r.counts["guest_orders"] == 1
    assert r.currency == "CNY"
    assert set(r.capabilities) >= {"orders", "customers", "channels", "regions", "returns"}
    _check_chinese(wh, "cn")


def test_excel_and_parquet(wh, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "订单"
    sheet.append(["店铺订单报表 2024-11"])  # a title line above the header
    sheet.append([])
    sheet.append(list(CHINESE_HEADER))
    for r in CHINESE_ROWS:
        row = list(r)
        row[1] = dt.datetime.strptime(r[1], "%Y年%m月%d日 %H:%M")  # real Excel dates
        row[6] = int(r[6])
        row[0] = int(r[0])  # a long number cell
        sheet.append(row)
    xlsx = tmp_path / "orders.xlsx"
    book.save(xlsx)
    r = import_files(wh, xlsx, name="xl")
    assert r.sources[0]["format"] == "excel" and r.sources[0]["header_line"] == 3
    _check_chinese(wh, "xl")

    frame = pd.DataFrame(CHINESE_ROWS, columns=list(CHINESE_HEADER))
    frame["下单时间"] = pd.to_datetime(frame["下单时间"], format="%Y年%m月%d日 %H:%M")
    frame["数量"] = frame["数量"].astype(int)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, tmp_path / "orders.parquet")
    r = import_files(wh, tmp_path / "orders.parquet", name="pq")
    assert r.sources[0]["format"] == "parquet"
    _check_chinese(wh, "pq")


def test_mapping_file_round_trip(wh, tmp_path):
    pv = open_preview(RETAIL)
    m = suggest(pv)
    m.options["date_formats"] = {"order_ts": "%Y-%m-%d %H:%M:%S"}
    m.options["currency"] = "GBP"
    saved = m.save(tmp_path / "retail.json")
    again = Mapping.load(saved)
    assert again == m and again.to_dict() == m.to_dict()
    # An override: ignore the country column; the loaded mapping is used as given.
    del again.columns["province"]
    r = import_files(wh, RETAIL, mapping=again, name="retail_m")
    assert r.currency == "GBP"
    assert "regions" not in r.capabilities
    assert r.mappings["orders"]["columns"] == again.columns
    assert wh.meta("retail_m")["mapping"]["orders"]["options"]["currency"] == "GBP"
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "orders", "columns": {"order_no": "InvoiceNo"}}', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown orders field"):
        Mapping.load(bad)
    bad.write_text('{"kind": "orders", "columns": ', encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        Mapping.load(bad)


def test_english_export_with_other_formats(wh, tmp_path):
    path = tmp_path / "shop.csv"
    path.write_text(
        "Order Number;Created At;Customer Email;Lineitem SKU;Lineitem quantity;Lineitem price;Total\n"
        "#1001;11/28/2024 10:05 PM;a@x.com;TEE-1;2;$1.234,50;$2.469,00\n"
        "#1001;11/28/2024 10:05 PM;a@x.com;CAP-2;1;$10,00;\n"
        "#1002;11/29/2024 09:00 AM;b@x.com;TEE-1;1;$1.234,50;$1.234,50\n"
        "#1003;12/13/2024 11:30 AM;a@x.com;CAP-2;-1;$10,00;\n",
        encoding="utf-8",
    )
    m = suggest(open_preview(path))
    assert m.columns["order_id"] == "Order Number" and m.columns["order_ts"] == "Created At"
    assert m.columns["quantity"] == "Lineitem quantity"
    assert m.columns["order_amount"] == "Total"
    m.columns["customer_id"] = "Customer Email"
    r = import_files(wh, path, mapping=m, name="shop")
    o = wh.sql("SELECT * FROM shop.orders ORDER BY order_id")
    assert o["order_ts"].tolist() == [pd.Timestamp("2024-11-28 22:05"),
                                      pd.Timestamp("2024-11-29 09:00")]  # fmt: skip
    assert o["amount"].tolist() == [pytest.approx(2469.0), pytest.approx(1234.5)]
    assert o["gross_amount"].tolist() == [pytest.approx(2479.0), pytest.approx(1234.5)]
    assert r.counts["negative_quantity_lines"] == 1 and r.counts["returns"] == 1
    ret = wh.sql("SELECT order_id, refund_amount FROM shop.returns")
    assert ret["refund_amount"].tolist() == [pytest.approx(10.0)]
    assert r.currency == "USD"


def test_ambiguous_day_month_is_reported_and_overridable(wh, tmp_path):
    path = tmp_path / "eu.csv"
    rows = [f"A{i},0{i}/02/2024,u{i},9.5" for i in range(1, 6)]
    path.write_text("order id,date,customer,price\n" + "\n".join(rows) + "\n", encoding="utf-8")
    r = import_files(wh, path, name="amb")
    assert any("ambiguous" in w for w in r.warnings)
    assert wh.sql("SELECT min(order_ts) AS t FROM amb.orders").t[0] == pd.Timestamp("2024-01-02")
    m = suggest(open_preview(path))
    m.options["date_formats"] = {"order_ts": "%d/%m/%Y"}
    import_files(wh, path, mapping=m, name="amb2")
    assert wh.sql("SELECT min(order_ts) AS t FROM amb2.orders").t[0] == pd.Timestamp("2024-02-01")


def test_events_make_the_funnel_computable(wh, tmp_path):
    orders = write_chinese(tmp_path / "orders.csv", "utf-8")
    events = tmp_path / "events.csv"
    events.write_text(
        "用户ID,时间,行为,渠道,商品编码\n"
        "tb_小王,2024-11-10 23:50:00,曝光,天猫,SKU-001\n"
        "tb_小王,2024-11-10 23:51:00,点击,天猫,SKU-001\n"
        "tb_小王,2024-11-10 23:52:00,浏览,天猫,SKU-001\n"
        "tb_小王,2024-11-11 00:04:00,加购,天猫,SKU-001\n"
        "tb_小王,2024-11-11 00:06:00,支付,天猫,SKU-001\n"
        "visitor_9,2024-11-11 09:00:00,浏览,抖音,SKU-009\n"
        "visitor_9,2024-11-11 12:00:00,浏览,抖音,SKU-009\n"
        "visitor_9,2024-11-11 12:01:00,跳舞,抖音,SKU-009\n",
        encoding="utf-8",
    )
    r = import_files(wh, orders, events=events, name="withev",
                     events_mapping=Mapping("events", {}, {"max_reject_rate": 0.2}))  # fmt: skip
    assert "events" in r.capabilities
    assert not any("funnel" in d["en"] for d in r.limitations)
    assert r.counts["events"] == 7 and r.counts["event_rows_rejected"] == 1
    assert r.counts["sessions"] == 3  # visitor_9: 09:00 and 12:00 are > 30 min apart
    assert r.rejected[-1]["reason"] == "unknown_event_type"
    assert r.rejected[-1]["examples"][0]["value"] == "跳舞"
    users = wh.sql("SELECT user_id FROM withev.users")
    assert len(users) == 4  # three buyers and one visitor who never bought
    f = wh.query(funnel(wh.tables("withev")))
    tm = f[f["channel"] == "tmall"].set_index("stage")["users"]
    assert tm.to_dict() == {"exposure": 1, "click": 1, "page_view": 1, "cart": 1, "pay": 1}
    sku = wh.sql("SELECT count(*) AS n FROM withev.skus").n[0]
    assert sku == 4  # SKU-009 only seen in events


def test_refunds_never_exceed_their_order_and_long_ids_stay_exact(wh, tmp_path):
    """A refund column above the order, a return line in the same order and a second
    cancellation of an already cancelled product add up to more than their orders: each order's
    refunds are capped at its amount in time order, with a warning. 18-digit order ids (above
    2**53, where a float round trip would change them) stay exact."""
    big = 345_678_901_234_567_890
    rows = [
        "order_id,order_ts,customer_id,sku_id,quantity,unit_price,refund_amount",
        f"{big},2024-11-11 00:05,u1,A,2,100,250",  # refund column 250 > the order's 200
        f"{big},2024-11-11 09:00,u1,A,-1,100,",  # a return line within the order
        f"{big + 1},2024-11-11 10:00,u1,B,1,80,",
        f"C{big + 7},2024-11-12 10:00,u1,B,-1,80,",  # cancels B: links to order big + 1
        f"C{big + 8},2024-11-13 10:00,u1,B,-1,80,",  # B again: nothing left of that order
        f"C{big + 9},2024-11-13 11:00,u1,Z,-1,5,",  # product never bought here: unlinked
    ]
    path = tmp_path / "refunds.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = import_files(wh, path, name="r")
    assert report.ids_kept["order_id"]
    # In time order: order big's refund column (at its order time, 00:05) takes 200 of 250, and
    # its return line at 09:00 finds nothing left; order big + 1's first cancellation takes 80,
    # the second nothing. Refunds left at zero are dropped.
    ret = wh.sql("SELECT order_id, reason, refund_amount FROM r.returns ORDER BY return_id")
    assert ret["order_id"].tolist() == [big + 1, big]
    assert ret["reason"].tolist() == ["cancellation", "refund"]
    assert ret["refund_amount"].tolist() == [pytest.approx(80), pytest.approx(200)]
    rev = wh.sql("SELECT source_order_id, order_id FROM r.import_reversals ORDER BY row")
    assert rev["source_order_id"].tolist()[0] == str(big)
    assert rev["order_id"].tolist()[:3] == [big, big + 1, big + 1]
    assert pd.isna(rev["order_id"].iloc[3])
    c = report.counts
    assert (c["reversal_documents"], c["reversals_linked"], c["reversals_unlinked"]) == (4, 3, 1)
    assert c["reversal_lines_linked"] == 3
    assert c["refunds_capped"] == 3
    assert report.amounts["refund_over_order"] == pytest.approx(50 + 100 + 80)
    assert report.amounts["refunds"] == pytest.approx(280)
    assert any("capped" in w for w in report.warnings)
