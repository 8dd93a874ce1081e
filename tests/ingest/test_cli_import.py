"""``omni import``: the same report as the Data page, as text or JSON; mapping files in and out;
clear failures with exit code 1 and the warehouse unchanged."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from omni_core.cli import app
from omni_core.warehouse import Warehouse

from .conftest import RETAIL, write_chinese

runner = CliRunner()


def test_import_prints_the_report_and_saves_the_mapping(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    saved = tmp_path / "retail.json"
    r = runner.invoke(app, ["import", str(RETAIL), "--warehouse", url, "--name", "retail",
                            "--save-mapping", str(saved)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "42,481 read" in r.stdout and "500 rejected (500 exact duplicates)" in r.stdout
    assert "exact duplicate of an earlier row" in r.stdout
    assert "No traffic events" in r.stdout and "No ad spend" in r.stdout
    mapping = json.loads(saved.read_text(encoding="utf-8"))
    assert mapping["columns"]["order_id"] == "InvoiceNo"
    # Re-import with the saved mapping under a new name, as JSON.
    r = runner.invoke(app, ["import", str(RETAIL), "--warehouse", url, "--name", "retail2",
                            "--mapping", str(saved), "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["dataset"] == "retail2"
    assert report["counts"]["rows_loaded"] == 41_981
    assert report["mappings"]["orders"]["columns"] == mapping["columns"]
    wh = Warehouse(url)
    assert {"retail", "retail2"} <= set(wh.datasets())
    wh.close()


def test_import_with_events_and_default_name(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    orders = write_chinese(tmp_path / "Tmall Orders 2024-11.csv", "gbk")
    events = tmp_path / "ev.csv"
    events.write_text(
        "user id,timestamp,event\ntb_小王,2024-11-11 00:01:00,view\n", encoding="utf-8"
    )
    r = runner.invoke(app, ["import", str(orders), "--events", str(events), "--warehouse", url])
    assert r.exit_code == 0, r.output
    assert "dataset 'tmall_orders_2024_11'" in r.stdout
    assert "events: 1 in 1 sessions of 1 visitors" in r.stdout
    r = runner.invoke(app, ["import", str(orders), "--warehouse", url, "--json"])
    assert json.loads(r.stdout)["dataset"] == "tmall_orders_2024_11_2"  # never overwrites


def test_failures_exit_1_with_the_reason(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    r = runner.invoke(app, ["import", str(empty), "--warehouse", url])
    assert r.exit_code == 1
    assert "import failed: empty.csv: the file is empty (0 bytes)" in r.output
    r = runner.invoke(app, ["import", str(empty), "--warehouse", url, "--json"])
    assert r.exit_code == 1
    body = json.loads(r.stdout)
    assert body["file"] == "empty.csv" and "0 bytes" in body["problem"]
    r = runner.invoke(app, ["import", str(RETAIL), "--warehouse", url, "--name", "Bad Name"])
    assert r.exit_code == 1 and "dataset name" in r.output
    r = runner.invoke(app, ["import", str(RETAIL), "--warehouse", url, "--mapping",
                            str(tmp_path / "missing.json")])  # fmt: skip
    assert r.exit_code == 1 and "mapping file not found" in r.output
    wh = Warehouse(url)
    assert wh.datasets() == []
    wh.close()
