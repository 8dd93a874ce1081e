"""Chapter 08: analyses against plain pandas on the small world, the forecast backtest, the page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omni_core.analysis import ch08
from omni_core.warehouse import Warehouse

from .apputil import run_page, texts


@pytest.fixture(scope="module")
def panel(wh):
    return ch08.demand_panel(wh, "world")


def test_demand_panel_matches_pandas(tables, panel) -> None:
    o, ln = tables["orders"], tables["order_lines"]
    paid = o[o["pay_ts"].notna()].merge(ln, on="order_id")
    want = paid.groupby(["sku_id", "location_id"])["qty"].sum()
    got = panel["y"].sum(axis=1)
    assert got.to_dict() == {k: float(v) for k, v in want.items()}
    assert len(panel["dates"]) == 60
    nov11 = panel["dates"].index(pd.Timestamp("2025-11-11").date())
    assert panel["promo"][nov11] == panel["promo"].max() > 4  # Double 11 is the biggest day


def test_forecast_beats_seasonal_naive_on_the_world_backtest(panel) -> None:
    bt = ch08.backtest_summary(panel, level=0.8)
    tab = bt["table"].set_index("level")
    print("\nbacktest on the small world (model vs seasonal naive):")
    print(tab[["wape", "naive_wape", "mape", "naive_mape", "bias", "points"]].round(3).to_string())
    print("coverage:", {k: round(v, 3) for k, v in bt["coverage"].items()})
    assert (tab["wape"] < tab["naive_wape"]).all()
    assert (tab["mape"] < tab["naive_mape"]).all()
    cov = bt["coverage"]
    # discrete counts: an 80% interval holds >= 80% of the predictive mass; coverage must match it
    assert cov["sku_location"] == pytest.approx(cov["sku_location_content"], abs=0.03)
    assert cov["location"] == pytest.approx(cov["location_content"], abs=0.08)
    assert cov["location"] >= 0.75


def test_stock_view_matches_pandas(wh, tables) -> None:
    sv = ch08.stock_view(wh, "world")
    s = tables["inventory_snapshots"]
    assert sv["accuracy"] == pytest.approx((s["on_hand"] == s["counted"]).mean())
    assert sv["stockout_rate"] == pytest.approx((s["on_hand"] == 0).mean())
    last = s[s["date"] == s["date"].max()]
    assert sv["units"] == last["on_hand"].sum()
    assert sv["by_location"]["on_hand"].sum() == last["on_hand"].sum()


def test_replenishment_plan_follows_the_formulas(wh, panel) -> None:
    plan = ch08.replenishment_plan(wh, "world", panel, service_level=0.95, review_days=7)
    from scipy.special import ndtri

    ss = ndtri(0.95) * plan["sigma_d"] * np.sqrt(plan["lead_days"])
    assert np.all(plan["safety_stock"] == np.ceil(ss - 1e-9))
    assert np.all(plan["reorder_point"] >= plan["safety_stock"])
    pos = plan["on_hand"] + plan["on_order"] - plan["backlog"]
    assert np.all(plan.loc[plan["reorder"], "order_qty"] >= 0)
    assert np.all(pos[plan["reorder"]] <= plan.loc[plan["reorder"], "reorder_point"])
    high = ch08.replenishment_plan(wh, "world", panel, service_level=0.99, review_days=7)
    assert high["safety_stock"].sum() > plan["safety_stock"].sum()


def test_routing_returns_and_allocation_sections(wh, tables) -> None:
    rv = ch08.routing_view(wh, "world", target_days=2.2, max_share=0.5)
    o = tables["orders"]
    dom = o[
        o["delivered_ts"].notna() & o["carrier"].isin(["sf", "jdl", "zto", "yto", "yunda", "ems"])
    ]
    assert rv["current"]["parcels"] == len(dom)
    assert rv["planned"]["mean_days"] <= 2.2 + 1e-6
    assert rv["saving_same_days"] >= 0
    rt = ch08.returns_view(wh, "world", instant_max_amount=200.0)
    r = tables["returns"]
    assert rt["returns"] == len(r)
    assert int(rt["matrix"].to_numpy().sum()) == len(r)
    hours = (r["refund_ts"] - r["request_ts"]).dt.total_seconds() / 3600
    assert rt["refund"]["median_h"] == pytest.approx(hours.median(), rel=1e-3)
    lv = rt["levers"].set_index("lever")["reverse_cost"]
    assert lv["status_quo"] == pytest.approx(r["reverse_cost"].sum())
    assert lv["returnless"] <= lv["economy_carrier"] <= lv["status_quo"]
    sku = int(ch08.sku_choices(wh, "world")["sku_id"].iloc[0])
    al = ch08.allocation_scenario(wh, "world", sku_id=sku, stock=120, demand_scale=3.0)
    sim = al["sim"]
    assert (sim["atp"] >= 0).all() and (sim["on_hand"] >= 0).all()
    assert (sim["sold"] + sim["on_hand"] == 120).all()
    with pytest.raises(ValueError):
        ch08.allocation_scenario(wh, "world", sku_id=sku, stock=0)


def test_orders_only_dataset_says_what_cannot_be_computed(small_world) -> None:
    w = Warehouse("duckdb://:memory:")
    w.write_tables({"orders": small_world.tables["orders"]}, "imported", meta={"kind": "import"})
    miss = ch08.missing(w, "imported")
    assert miss["stock"] == ["inventory_snapshots", "locations", "skus"]
    assert miss["forecast"] == ["order_lines", "skus"]
    assert "inventory_snapshots" in ch08.missing_note(miss["stock"], "en")
    w.close()


@pytest.fixture(scope="module")
def _ui_imported():
    """Import ``ui`` outside a legacy pages-directory run (its deep-link guard stops such runs)."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    import ui  # noqa: F401


@pytest.mark.usefixtures("app_warehouse", "_ui_imported")
@pytest.mark.parametrize(("lang", "title", "label"), [
    ("zh", "全渠道库存与履约协同", "库存准确率（账实相符）"),
    ("en", "Inventory & fulfilment", "Stock accuracy (book = count)"),
])  # fmt: skip
def test_page_renders_in_both_languages(lang, title, label) -> None:
    at = run_page("ch08_inventory.py", lang)
    assert not at.exception, at.exception
    assert title in texts(at)
    labels = [m.label for m in at.metric]
    assert label in labels and len(labels) >= 12
    assert not at.error
