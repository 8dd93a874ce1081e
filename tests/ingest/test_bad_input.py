"""Bad input never corrupts or half-loads: each bad file gets an error naming the problem and
where it is, and every dataset of the warehouse is exactly as before."""

from __future__ import annotations

import struct
import zlib

import pytest

from omni_core.ingest import IngestError, Mapping, import_files
from omni_core.warehouse import Warehouse

from .conftest import RETAIL, snapshot, write_chinese

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))  # fmt: skip


def _import_fails(wh: Warehouse, path, **kw) -> IngestError:
    before = snapshot(wh)
    names = wh.datasets()
    with pytest.raises(IngestError) as info:
        import_files(wh, path, **kw)
    assert wh.datasets() == names
    assert snapshot(wh) == before
    return info.value


def test_truncated_file(file_wh, tmp_path):
    data = RETAIL.read_bytes()
    cut = data[: data.index(b"\n", 200_000) + 25]  # stops in the middle of a line
    path = tmp_path / "retail_cut.csv"
    path.write_bytes(cut)
    e = _import_fails(file_wh, path)
    assert "truncated" in str(e)
    assert e.line == cut.count(b"\n") + 1
    assert f"line {e.line:,}" in str(e)
    assert "expected 8 fields" in str(e)


def test_truncated_inside_a_quoted_value(file_wh, tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text(HEADER + '536365,85123A,"WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850,UK\n'
                    '536366,71053,"WHITE METAL', encoding="utf-8")  # fmt: skip
    e = _import_fails(file_wh, path)
    assert "truncated" in str(e) or "number of fields" in str(e)
    assert e.line is not None


def test_wrong_encoding(file_wh, tmp_path):
    path = write_chinese(tmp_path / "gbk.csv", "gbk")
    e = _import_fails(file_wh, path, mapping=Mapping("orders", {}, {"encoding": "utf-8"}))
    assert "not valid utf-8" in str(e)
    assert e.line == 1
    assert "gb18030" in str(e)  # says which encoding the file reads as


def test_encoding_breaks_far_into_the_file(file_wh, tmp_path):
    data = RETAIL.read_bytes()
    at = data.index(b"\n", 1_000_000) + 1  # past the sample the encoding is detected from
    line = data[:at].count(b"\n") + 1
    path = tmp_path / "mixed.csv"
    path.write_bytes(data[:at] + b"536999,22222,CAF\xc9 AU LAIT,1,2010-12-09 10:00:00,1.0,,France\n"
                     + data[at:])  # fmt: skip
    e = _import_fails(file_wh, path)
    assert "not valid utf-8" in str(e)
    assert e.line == line


def test_required_column_missing(file_wh, tmp_path):
    path = tmp_path / "no_date.csv"
    lines = RETAIL.read_text(encoding="utf-8").splitlines()[:50]
    path.write_text("\n".join(",".join(r.split(",")[:4] + r.split(",")[5:]) for r in lines),
                    encoding="utf-8")  # fmt: skip
    e = _import_fails(file_wh, path)
    assert "required column missing: order_ts" in str(e)
    assert "InvoiceNo" in str(e)  # lists the columns the file has


def test_mapping_names_a_column_the_file_lacks(file_wh):
    m = Mapping(
        "orders", {"order_id": "InvoiceNo", "order_ts": "OrderDate", "unit_price": "UnitPrice"}
    )
    e = _import_fails(file_wh, RETAIL, mapping=m)
    assert "'OrderDate'" in str(e) and e.column == "OrderDate"


def test_unparsable_dates(file_wh, tmp_path):
    path = tmp_path / "bad_dates.csv"
    path.write_text(HEADER + "".join(f"{536365 + i},85123A,HEART,6,sometime in december,2.55,17850,UK\n"
                                     for i in range(20)), encoding="utf-8")  # fmt: skip
    e = _import_fails(file_wh, path)
    assert e.column == "InvoiceDate" and e.row == 1
    assert "sometime in december" in str(e)
    assert "2024-11-11" in str(e)  # shows what a date should look like


def test_some_bad_dates_over_the_limit(file_wh, tmp_path):
    rows = [f"{536365 + i},85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,UK\n" for i in range(300)]
    for i in (150, 200, 250, 299):
        rows[i] = f"{536365 + i},85123A,HEART,6,2010-13-45 08:26:00,2.55,17850,UK\n"
    path = tmp_path / "some_bad.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    e = _import_fails(file_wh, path)
    assert "4 of 300 rows" in str(e) and e.row == 151 and e.column == "InvoiceDate"
    assert "2010-13-45" in str(e)
    # Within a tolerance the readable rows load and the others are reported, not lost.
    m = Mapping("orders", {"order_id": "InvoiceNo", "order_ts": "InvoiceDate", "quantity": "Quantity",
                           "unit_price": "UnitPrice", "customer_id": "CustomerID"},
                {"max_reject_rate": 0.05})  # fmt: skip
    r = import_files(file_wh, path, mapping=m, name="some_bad")
    assert r.counts["rows_loaded"] == 296 and r.counts["rows_rejected"] == 4
    bad = r.rejected[0]
    assert bad["reason"] == "bad_value" and bad["field"] == "order_ts" and bad["count"] == 4
    assert [x["row"] for x in bad["examples"]] == [151, 201, 251, 300]
    rej = file_wh.sql("SELECT row, reason, field FROM some_bad.import_rejects ORDER BY row")
    assert rej["row"].tolist() == [151, 201, 251, 300]


def test_empty_file(file_wh, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    e = _import_fails(file_wh, path)
    assert "empty (0 bytes)" in str(e) and "empty.csv" in str(e)


def test_header_only(file_wh, tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(HEADER, encoding="utf-8")
    e = _import_fails(file_wh, path)
    assert "no data rows" in str(e)


def test_not_a_table(file_wh, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(_png())
    e = _import_fails(file_wh, path)
    assert "is a PNG image, not a table" in str(e)
    path = tmp_path / "notes.csv"
    path.write_text("Dear team, the November numbers look great.\n", encoding="utf-8")
    e = _import_fails(file_wh, path)
    assert "table" in str(e) or "required column missing" in str(e)


def test_existing_dataset_is_not_overwritten(file_wh):
    e = _import_fails(file_wh, RETAIL, name="world")
    assert "already exists" in str(e)


def test_a_failure_while_writing_leaves_nothing_behind(file_wh, monkeypatch):
    from omni_core.warehouse import Warehouse as W

    calls = {"n": 0}
    real = W._create_and_load

    def flaky(con, dataset, name, df):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk full (simulated)")
        return real(con, dataset, name, df)

    monkeypatch.setattr(W, "_create_and_load", staticmethod(flaky))
    before = snapshot(file_wh)
    with pytest.raises(OSError, match="disk full"):
        import_files(file_wh, RETAIL, name="half")
    assert "half" not in file_wh.datasets()
    assert snapshot(file_wh) == before
