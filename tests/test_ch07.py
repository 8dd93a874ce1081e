"""Chapter 07: analyses equal independent pandas computations, CLV recovers a simulated truth from
orders alone, and the page renders."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pandas as pd
import pytest

from omni_core.analysis import ch07
from omni_core.schema import TABLE_BY_NAME
from omni_core.warehouse import Warehouse

from .apputil import app_on, run_page, texts

ALL_ZERO = {"silver": 0, "gold": 0, "diamond": 0, "black_diamond": 0}


def test_tiers_reproduce_the_worlds_member_tier_and_windows_equal_pandas(wh, tables):
    info = ch07.overview(wh, "world")
    span = int(np.ceil(info["span_days"])) + 1
    full = ch07.tiers(wh, "world", period_days=span, window_days=span, max_downgrade=None,
                      min_orders=ALL_ZERO)  # fmt: skip
    assert full["agreement"] == 1.0  # users.member_tier = tier of annualised spend (simulator)
    res = ch07.tiers(wh, "world", period_days=15, window_days=30, max_downgrade=1)
    last = res["last"].set_index("user_id")
    s = res["snapshots"][-1]
    o = tables["orders"]
    p = o[o["pay_ts"].notna() & (o["pay_ts"] >= s - pd.Timedelta(days=30)) & (o["pay_ts"] < s)]
    members = tables["users"].loc[tables["users"]["is_member"], "user_id"]
    spend = p.groupby("user_id")["amount"].sum().reindex(members).fillna(0)
    np.testing.assert_allclose(last.loc[members, "annual_spend"], spend * 365 / 30, rtol=1e-9)
    n_periods = len(res["snapshots"])
    assert res["migration"].to_numpy().sum() == len(members) * (n_periods - 1)
    steps = res["migration"].to_numpy()
    assert np.triu(steps, 0).sum() + np.diag(steps, -1).sum() == steps.sum()  # down <= 1 step
    assert (res["sizes"].drop(columns="snapshot").sum(axis=1) == len(members)).all()
    with pytest.raises(ValueError):
        ch07.tiers(wh, "world", period_days=0)


def test_points_economy_equals_pandas(wh, tables):
    res = ch07.points(wh, "world", roi_window_days=30)
    pl = tables["points_ledger"]
    e = res["economy"]
    issued = pl.loc[pl["kind"].str.startswith("earn"), "points"].sum()
    redeemed = -pl.loc[pl["kind"] == "redeem", "points"].sum()
    assert e["issued"] == issued and e["redeemed"] == redeemed
    assert e["liability"] == pytest.approx((issued - redeemed) * 0.01)
    r = pl[pl["kind"] == "redeem"]
    rate = r["gift_id"].value_counts() / len(r)
    g = res["gifts"].set_index("gift_id")
    np.testing.assert_allclose(g["rate"], rate.loc[g.index])
    assert set(g.index[g["retire"]]) == set(rate.index[rate < 0.05])
    # GMV within 30 days after each redemption, summed per gift
    o = tables["orders"]
    paid = o[o["pay_ts"].notna()][["user_id", "pay_ts", "amount"]]
    m = r.reset_index().merge(paid, on="user_id", how="left")
    ok = (m["pay_ts"] >= m["ts"]) & (m["pay_ts"] < m["ts"] + pd.Timedelta(days=30))
    after = m[ok].groupby("gift_id")["amount"].sum().reindex(g.index).fillna(0)
    np.testing.assert_allclose(g["gmv_after"], after, atol=1e-6)
    assert res["roi"] == pytest.approx(after.sum() / (redeemed * 0.01))
    share = pl.loc[pl["kind"] == "earn_share", "points"].sum()
    assert res["share_vs_purchase"] == pytest.approx(share / pl.loc[pl["kind"] == "earn_purchase",
                                                                     "points"].sum())  # fmt: skip
    seg = res["segments"].set_index("segment")
    assert seg["members"].sum() == pl["user_id"].nunique()
    with pytest.raises(ValueError):
        ch07.points(wh, "world", point_value=0.0)


def _bgnbd_orders(n: int, truth: dict, seed: int) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Orders of ``n`` customers simulated from BG/NBD (days) with Gamma order values."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-01")
    window = 240.0
    first = rng.uniform(0, window - 30, n)
    lam = rng.gamma(truth["r"], 1 / truth["alpha"], n)
    p = rng.beta(truth["a"], truth["b"], n)
    gaps = rng.exponential(1.0, (n, 80)) / lam[:, None]
    times = np.cumsum(gaps, axis=1)
    allowed = rng.geometric(p)  # repeat purchases before dropping out (FHL 2005)
    keep = (times < (window - first)[:, None]) & (np.arange(80)[None, :] < allowed[:, None])
    cust, k = np.nonzero(keep)
    t = np.concatenate([first, first[cust] + times[cust, k]])
    user = np.concatenate([np.arange(n), cust]) + 1
    ts = (start + pd.to_timedelta(t, unit="D")).astype("datetime64[us]")
    df = pd.DataFrame({c: None for c in TABLE_BY_NAME["orders"].names}, index=range(len(t)))
    df["order_id"] = np.arange(1, len(t) + 1)
    df["user_id"] = user
    df["order_ts"] = ts
    df["pay_ts"] = ts
    df["channel_id"] = "tmall"
    df["amount"] = np.round(rng.gamma(4.0, 50.0, len(t)), 2)
    df["gross_amount"] = df["amount"]
    df["status"] = "paid"
    df["is_member"] = False
    return df, start + pd.Timedelta(days=window)


def test_clv_recovers_a_simulated_truth_from_orders_alone():
    truth = {"r": 0.8, "alpha": 25.0, "a": 0.6, "b": 3.0}
    orders, _ = _bgnbd_orders(3000, truth, seed=5)
    w = Warehouse("duckdb://:memory:")
    try:
        w.write_tables({"orders": orders}, "imported")
        info = ch07.overview(w, "imported")
        assert set(info["missing"]) == {"points"}
        res = ch07.clv_table(w, "imported", horizon_days=180, annual_discount=0.0)
        tiers = ch07.tiers(w, "imported")  # orders-only members: none flagged -> clear error
    except ValueError as e:
        tiers = e
    finally:
        w.close()
    bg = res["bgnbd"]
    assert res["bgnbd_method"] == "mle"
    assert bg["r"] == pytest.approx(truth["r"], rel=0.25)
    assert bg["alpha"] == pytest.approx(truth["alpha"], rel=0.3)
    assert bg["a"] / (bg["a"] + bg["b"]) == pytest.approx(truth["a"] / (truth["a"] + truth["b"]),
                                                          rel=0.3)  # fmt: skip
    c = res["customers"]
    assert len(c) == 3000 and c["p_alive"].between(0, 1).all() and (c["clv"] >= 0).all()
    # undiscounted, the monthly sum telescopes to expected purchases x expected spend
    np.testing.assert_allclose(c["clv"], c["expected_purchases"] * c["expected_spend"], rtol=1e-6)
    # the document's simple LTV with pandas-computed inputs
    aov = orders["amount"].sum() / len(orders)
    per_year = orders.groupby("user_id").size().mean() * 365 / res["customers"]["T_days"].max()
    assert res["simple_ltv"] == pytest.approx(aov * per_year * 180 / 365, rel=1e-6)
    assert isinstance(tiers, ValueError) and "members" in str(tiers)


def test_churn_warning_equals_pandas(wh):
    res = ch07.clv_table(wh, "world", horizon_days=365)
    c = res["customers"]
    # a 60-day window does not identify dropout heterogeneity: the penalised refit keeps CLV finite
    assert (
        res["bgnbd_method"].startswith("penalized") or res["bgnbd"]["a"] + res["bgnbd"]["b"] < 1e4
    )
    assert np.isfinite(c["clv"]).all() and (c["clv"] >= 0).all()
    w = ch07.churn_warning(c, inactive_days=20, top_share=0.25, offer_cost=40, multiple=2.5)
    cut = c["monetary"].quantile(0.75)
    exp = c[(c["monetary"] >= cut) & (c["days_since_last"] >= 20)]
    assert set(w["flagged"]["user_id"]) == set(exp["user_id"])
    assert w["budget"] == pytest.approx(len(exp) * 40 * 2.5)
    assert w["clv_at_stake"] == pytest.approx(exp["clv"].sum())
    with pytest.raises(ValueError):
        ch07.churn_warning(c, inactive_days=20, multiple=4.0)  # doc: at most 3x
    assert ch07.default_inactive_days(60) == 30 and ch07.default_inactive_days(400) == 90


def _import_ui_like_a_served_app() -> None:
    """Import ``ui`` as a server that has already run ``st.navigation`` would have it (see
    ``tests/test_ch04.py``)."""
    from streamlit.runtime.pages_manager import PagesManager

    if "ui" not in sys.modules:
        flag = PagesManager.uses_pages_directory
        PagesManager.uses_pages_directory = False
        importlib.import_module("ui")
        PagesManager.uses_pages_directory = flag


@pytest.mark.usefixtures("app_warehouse")
@pytest.mark.parametrize(
    ("lang", "title"), [("zh", "会员体系与忠诚度计划"), ("en", "Membership & loyalty")]
)
def test_page_renders(lang, title):
    _import_ui_like_a_served_app()
    at = run_page("ch07_loyalty.py", lang)
    assert not at.exception, at.exception
    assert title in texts(at)
    assert len(at.metric) >= 10
    assert not at.error


@pytest.fixture
def orders_only_app(tables, tmp_path):
    """A file warehouse whose only dataset holds nothing but orders (an orders-only import)."""

    path = tmp_path / "orders_only.duckdb"
    w = Warehouse(f"duckdb:///{path}")
    w.write_tables({"orders": tables["orders"]}, "world", meta={"kind": "import"})
    w.close()
    with app_on(path):
        yield path


@pytest.mark.parametrize("page", ["ch04_content.py", "ch05_social.py", "ch06_search.py",
                                  "ch07_loyalty.py"])  # fmt: skip
def test_pages_say_what_an_orders_only_import_cannot_show(orders_only_app, page):
    _import_ui_like_a_served_app()
    at = run_page(page, "en")
    assert not at.exception, at.exception
    notes = "\n".join(i.value for i in at.info)
    assert "cannot be computed" in notes and "`" in notes
    if page == "ch07_loyalty.py":  # tiers (members flagged on orders) and CLV need only orders
        assert "points_ledger" in notes
        assert any("CLV" in m.label for m in at.metric)
