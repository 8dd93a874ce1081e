"""Property test: any order export the importer accepts becomes a dataset that keeps the world's
invariants (ARCHITECTURE.md), checked against a plain pandas reading of the same rows.

Random exports mix repeated order ids, cancellation documents (``C`` prefix), negative
quantities, guest rows, rows without a product code, zero prices and exact duplicate rows.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omni_core.ingest import IngestError, import_files
from omni_core.warehouse import Warehouse

T0 = dt.datetime(2024, 11, 10, 20, 0)
HEADER = ["InvoiceNo", "InvoiceDate", "CustomerID", "StockCode", "Quantity", "UnitPrice"]

row = st.tuples(
    st.integers(1, 12),  # order number
    st.sampled_from([False, False, False, True]),  # a cancellation document?
    st.integers(0, 72 * 60),  # minutes after T0
    st.sampled_from(["", "17850", "13047", "u_小王", "12583"]),
    st.sampled_from(["", "85123A", "71053", "22752"]),
    st.integers(-3, 6).filter(bool),  # quantity 0 is rejected as unreadable: not drawn
    st.sampled_from([0.0, 0.42, 2.55, 19.9, 120.0]),
)


def _rows(draw_rows: list[tuple]) -> list[list[str]]:
    out = []
    for n, cancel, minute, cust, sku, qty, price in draw_rows:
        oid = f"{'C' if cancel else ''}{536000 + n}"
        ts = (T0 + dt.timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:%S")
        out.append([oid, ts, cust, sku, str(qty), f"{price:.2f}"])
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.lists(row, min_size=1, max_size=40),
    dup=st.lists(st.integers(0, 39), max_size=5),
)
def test_imported_dataset_keeps_the_invariants(tmp_path_factory, base, dup) -> None:
    rows = _rows(base)
    rows += [rows[i] for i in dup if i < len(rows)]  # exact duplicates, appended
    text = "\n".join(",".join(r) for r in [HEADER, *rows]) + "\n"
    path = tmp_path_factory.mktemp("inv") / "export.csv"
    path.write_text(text, encoding="utf-8")

    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    d = raw[~raw.duplicated()]
    qty = d["Quantity"].astype(int)
    amount = qty * d["UnitPrice"].astype(float)
    prefixed = d["InvoiceNo"].str.startswith("C")
    if prefixed.sum() > 0.5 * len(d):  # then 'C' is the id format, not a cancel mark (warned)
        prefixed[:] = False
    reversal = prefixed | (qty < 0)
    sale = d[~reversal]

    wh = Warehouse("duckdb://:memory:")
    try:
        if sale.empty:  # nothing but reversals: refused, and nothing written
            with pytest.raises(IngestError, match="no order could be built"):
                import_files(wh, path, name="x")
            assert wh.datasets() == []
            return
        r = import_files(wh, path, name="x")
        c = r.counts
        # No row is lost: read = loaded + rejected, and the only rejects are the duplicates.
        assert c["rows_read"] == len(raw)
        assert c["rows_rejected"] == c["duplicates"] == int(raw.duplicated().sum())
        assert c["rows_loaded"] == len(d)

        keys = wh.sql("SELECT source_id, id FROM x.import_keys WHERE entity = 'order'")
        oid = dict(zip(keys["source_id"], keys["id"], strict=True))  # source id -> warehouse id
        sale_oid = sale["InvoiceNo"].map(oid)
        assert sale_oid.notna().all()
        orders = wh.sql("SELECT * FROM x.orders")
        lines = wh.sql("SELECT * FROM x.order_lines")
        rev = wh.sql("SELECT * FROM x.import_reversals")
        assert len(lines) == len(sale) and len(rev) == int(reversal.sum())
        assert sorted(orders["order_id"]) == sorted(sale_oid.unique())
        # Orders reconcile: amount = sum of its lines, GMV counted once.
        by_order = lines.groupby("order_id")["line_amount"].sum()
        o = orders.set_index("order_id")
        assert np.allclose(o["amount"].sort_index(), by_order.sort_index(), atol=1e-9)
        assert o["amount"].sum() == pytest.approx(float(amount[~reversal].sum()), abs=1e-6)
        # An order's time is its earliest line; guests are their own anonymous buyer.
        first = pd.to_datetime(sale["InvoiceDate"]).groupby(sale_oid).min()
        assert (o["order_ts"].sort_index() == first.sort_index()).all()
        guest = sale.groupby(sale_oid)["CustomerID"].agg(lambda s: (s == "").all())
        assert (o.loc[guest[guest].index, "user_id"] == -guest[guest].index.to_numpy()).all()
        assert (o.loc[guest[~guest].index, "user_id"] > 0).all()

        # Reversals link only to loaded orders of the same customer, never to a later one.
        linked = rev[rev["order_id"].notna()].astype({"order_id": "int64"})
        if len(linked):
            j = linked.merge(o, left_on="order_id", right_index=True, suffixes=("", "_o"))
            assert len(j) == len(linked)
            other_doc = j["source_order_id"].map(oid) != j["order_id"]
            assert (j.loc[other_doc, "ts"] >= j.loc[other_doc, "order_ts"]).all()
            assert (j.loc[other_doc, "user_id"] == j.loc[other_doc, "user_id_o"]).all()
        # Refunds never exceed their order; each refers to a loaded order.
        if "returns" in wh.table_names("x"):
            ret = wh.sql("SELECT * FROM x.returns")
            assert ret["order_id"].isin(o.index).all()
            assert (ret["refund_amount"] >= 0).all()
            per = ret.groupby("order_id")["refund_amount"].sum()
            assert (per <= o.loc[per.index, "amount"] + 1e-9).all()
            assert r.amounts["refunds"] == pytest.approx(float(ret["refund_amount"].sum()))
    finally:
        wh.close()
