"""Chapter 14: measured ROI bases vs pandas, orders-only import, page renders."""

from __future__ import annotations

import numpy as np
import pytest

from omni_core.analysis import ch14
from omni_core.models.tech_radar import assumptions_frame
from omni_core.warehouse import Warehouse

from .apputil import run_page


def test_measured_bases_match_pandas(wh, tables, small_world):
    m = ch14.measure(wh, "world")["measured"]
    o = tables["orders"]
    p = o[o["pay_ts"].notna()]
    assert m["gmv"] == pytest.approx(p["amount"].sum())
    assert m["paid_gmv"] == pytest.approx(p.loc[p["campaign_id"].notna(), "amount"].sum())
    ln = tables["order_lines"].merge(p[["order_id"]]).merge(tables["skus"], on="sku_id")
    assert m["margin"] == pytest.approx(1 - (ln["qty"] * ln["cost"]).sum() / p["amount"].sum())
    s = tables["inventory_snapshots"]
    assert m["stockout_rate"] == pytest.approx((s["backlog"] > 0).mean())
    # Creative CTR spread: the world draws creative lifts lognormal(0, 0.18); theme matching
    # adds a little, so the estimate should land near it.
    assert 0.05 < m["ctr_sigma"] < 0.35
    frame = ch14.radar(m, assumptions_frame())
    assert frame["computable"].sum() == 5
    assert np.isfinite(frame.loc[frame["computable"], "roi"]).all()


def test_orders_only_import(tables):
    w = Warehouse("duckdb://:memory:")
    w.write_tables({"orders": tables["orders"]}, "imp", meta={"kind": "import"})
    res = ch14.measure(w, "imp")
    assert {"events", "returns", "inventory_snapshots"} <= set(res["missing"])
    frame = ch14.radar(res["measured"], assumptions_frame())
    assert list(frame.loc[frame["computable"], "key"]) == ["ai_service"]
    w.close()


@pytest.mark.usefixtures("app_warehouse")
@pytest.mark.parametrize(
    ("lang", "title"), [("zh", "创新技术应用前瞻"), ("en", "Technology outlook")]
)
def test_page_renders(lang, title):
    at = run_page("ch14_tech.py", lang)
    assert not at.exception, at.exception
    assert any(title in m.value for m in at.markdown)
    assert not at.error
