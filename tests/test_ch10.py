"""Chapter 10: market board vs plain pandas, calculators, orders-only import, page renders."""

from __future__ import annotations

import pandas as pd
import pytest

from omni_core.analysis import ch10
from omni_core.crossborder_reference import COUNTRIES
from omni_core.warehouse import Warehouse

from .apputil import run_page


@pytest.fixture(scope="module")
def orders_only(tables):
    w = Warehouse("duckdb://:memory:")
    w.write_tables({"orders": tables["orders"]}, "imp", meta={"kind": "import"})
    yield w
    w.close()


def _pandas_board(tables) -> pd.DataFrame:
    o = tables["orders"]
    o = o[o["channel_id"].astype(str).isin(["amazon", "shopee", "tiktok_shop"])
          | o["province"].isin(COUNTRIES)]  # fmt: skip
    p = o[o["pay_ts"].notna()]
    g = p.groupby("province").agg(gmv=("amount", "sum"), orders=("order_id", "size"),
                                  buyers=("user_id", "nunique"),
                                  coupon=("coupon_used", "mean"))  # fmt: skip
    g["pay_rate"] = g["orders"] / o.groupby("province").size()
    return g


def test_market_board_matches_pandas(wh, tables):
    res = ch10.market_board(wh, "world")
    board = res["board"].set_index("country")
    ref = _pandas_board(tables)
    assert set(board.index) == set(ref.index)
    for c in ref.index:
        assert board.loc[c, "gmv"] == pytest.approx(ref.loc[c, "gmv"])
        assert board.loc[c, "orders"] == ref.loc[c, "orders"]
        assert board.loc[c, "buyers"] == ref.loc[c, "buyers"]
        assert board.loc[c, "coupon_share"] == pytest.approx(ref.loc[c, "coupon"])
        assert board.loc[c, "pay_rate"] == pytest.approx(ref.loc[c, "pay_rate"])
    assert board["gmv_share"].sum() == pytest.approx(1.0)
    ev = tables["events"]
    uv = ev[(ev["event_type"] == "page_view") & ev["province"].isin(COUNTRIES)]
    uv = uv.groupby(uv["province"].astype(str))["user_id"].nunique()
    for c in uv.index.intersection(board.index):
        assert board.loc[c, "uv"] == uv[c]
    weekly = res["weekly"]
    assert weekly["gmv"].sum() == pytest.approx(ref["gmv"].sum())


def test_orders_only_import_says_what_is_missing(orders_only):
    res = ch10.market_board(orders_only, "imp")
    assert "events" in res["missing"]
    assert res["board"]["conversion"].isna().all() and res["board"]["gmv"].sum() > 0
    assert ch10.measured_logistics(orders_only, "imp", res["delivery"])  # days from orders
    assert "last_mile" not in ch10.measured_logistics(orders_only, "imp", res["delivery"])["fba"]


def test_calculators_and_checklist():
    fields = ch10.landed_fields("DE", "apparel")
    values = {f["key"]: f["value"] for f in fields}
    res = ch10.landed(ch10.inputs_from(values, "DE"))
    assert list(res["table"]["incoterm"]) == ["DDP", "DDU"]
    # What the buyer pays adds up: parts sum to buyer_total for each incoterm.
    tot = res["parts"].groupby("incoterm")["value"].sum()
    for r in res["table"].itertuples():
        assert tot[r.incoterm] == pytest.approx(r.buyer_total)
    with pytest.raises(ValueError, match="exceed"):
        ch10.inputs_from({**values, "conversion_pct": 90.0, "uplift_pct": 25.0}, "DE")
    pay = ch10.payments("ID", list(ch10.PAYMENT_MIX["ID"]), ["card"], 0.45)
    assert pay["uplift"] > 0.4  # cards-only is a poor fit for Indonesia
    cl = ch10.compliance("DE", "electronics", "en")
    assert any("CE marking" in r for r in cl["requirement"])
    assert any("GDPR" in r for r in cl["requirement"])
    assert ch10.readiness(cl.assign(done=True)) == 1.0
    assert any("Form E" in r for r in ch10.compliance("TH", "food")["requirement"])


@pytest.mark.usefixtures("app_warehouse")
@pytest.mark.parametrize(("lang", "title"), [("zh", "跨境出海营销布局"), ("en", "Cross-border")])
def test_page_renders(lang, title):
    at = run_page("ch10_crossborder.py", lang)
    assert not at.exception, at.exception
    assert any(title in m.value for m in at.markdown)
    assert len(at.metric) >= 10
    assert not at.error
