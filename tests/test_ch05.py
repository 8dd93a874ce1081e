"""Chapter 05: every analysis equals an independent pandas computation; the page renders."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pandas as pd
import pytest

from omni_core.analysis import ch05
from omni_core.models.offspring import fit_negative_binomial
from omni_core.models.viral import extinction_probability
from omni_core.warehouse import Warehouse

from .apputil import run_page, texts


@pytest.fixture(scope="module")
def overview(wh):
    return ch05.overview(wh, "world")


def test_mechanics_and_coupon_effect_equal_pandas(overview, tables):
    sh = tables["shares"]
    g1 = sh[sh["generation"] == 1]
    exp = g1.groupby("mechanic").agg(invites=("share_id", "size"), clicked=("clicked", "sum"),
                                     converted=("converted", "sum"))  # fmt: skip
    got = overview["mechanics"].set_index("mechanic")
    for c in ("invites", "clicked", "converted"):
        assert (got[c] == exp.loc[got.index, c]).all(), c
    cp = overview["coupon"]
    assert cp["p_b"] == pytest.approx(exp.loc["share_coupon", "converted"] /
                                      exp.loc["share_coupon", "clicked"])  # fmt: skip
    assert cp["p_a"] == pytest.approx(exp.loc["invite", "converted"] / exp.loc["invite", "clicked"])
    assert cp["doc_lift"] == 0.40


def test_k_factor_dispersion_and_second_degree_equal_pandas(overview, tables):
    sh = tables["shares"]
    g1 = sh[sh["generation"] == 1]
    o = tables["orders"]
    buyers = o.loc[o["pay_ts"].notna(), "user_id"].nunique()
    k = overview["k"]
    assert k["k_sharers"] == pytest.approx(g1["converted"].sum() / g1["sharer_id"].nunique())
    assert k["k_buyers"] == pytest.approx(g1["converted"].sum() / buyers)
    per = g1.groupby("sharer_id")["converted"].sum()
    fit = fit_negative_binomial(per.to_numpy())
    assert k["dispersion"] == pytest.approx(fit["dispersion"], rel=1e-6)
    conv1 = set(g1.loc[g1["converted"], "invitee_id"])
    g2 = sh[sh["generation"] == 2]
    onward = set(g2.groupby("sharer_id")["converted"].sum().loc[lambda s: s > 0].index)
    sd = overview["second_degree"]
    assert sd["converted_invitees"] == len(conv1)
    assert sd["with_conversion"] == len(conv1 & onward)
    assert sd["rate"] == pytest.approx(len(conv1 & onward) / len(conv1))


def test_group_buy_tiers_equal_pandas(overview, tables):
    sh = tables["shares"]
    gb = sh[sh["mechanic"].str.startswith("group_buy_")]
    per = gb.groupby(["group_id", "mechanic"])["converted"].sum().reset_index()
    aov, gm = 300.0, 0.35
    tiers = ch05.group_buy_tiers(overview["groups"], aov=aov, gross_margin=gm,
                                 discounts={"group_buy_2": 0.1, "group_buy_5": 0.2})  # fmt: skip
    t = tiers.set_index("mechanic")
    for mech, size, disc in (("group_buy_2", 2, 0.1), ("group_buy_5", 5, 0.2)):
        p = per[per["mechanic"] == mech]
        done = p["converted"] >= size - 1
        assert t.loc[mech, "groups"] == len(p)
        assert t.loc[mech, "completed"] == done.sum()
        assert t.loc[mech, "margin_per_group"] == pytest.approx(size * aov * (gm - disc))
        assert t.loc[mech, "margin_per_launch"] == pytest.approx(
            done.mean() * size * aov * (gm - disc)
        )
    with pytest.raises(ValueError):
        ch05.group_buy_tiers(overview["groups"], aov=aov, gross_margin=gm,
                             discounts={"group_buy_2": 1.5})  # fmt: skip
    # the gross margin is 1 - cost of goods / paid amount
    o = tables["orders"]
    paid = o[o["pay_ts"].notna()]
    ln = tables["order_lines"].merge(tables["skus"][["sku_id", "cost"]], on="sku_id")
    ln = ln[ln["order_id"].isin(paid["order_id"])]
    assert overview["gross_margin"] == pytest.approx(1 - (ln["qty"] * ln["cost"]).sum() /
                                                     paid["amount"].sum())  # fmt: skip


def test_cascade_matches_branching_theory():
    sub = ch05.cascade(0.5, 2.0, seeds=200, generations=6, runs=400, seed=1)
    f = sub["frame"]
    np.testing.assert_allclose(f["expected"], 200 * 0.5 ** np.arange(7))
    se = np.sqrt(200 * (0.5 + 0.25 / 2.0) * 0.5 ** np.arange(6) * (1 + 0.5) / 400)  # loose bound
    assert np.all(np.abs(f["mean"].to_numpy()[1:] - f["expected"].to_numpy()[1:]) < 6 * se + 0.5)
    assert sub["extinction"] == 1.0 and sub["expected_total"] == pytest.approx(400)
    sup = ch05.cascade(1.3, 0.8, seeds=5, generations=8, runs=300, seed=2, market=5000)
    q = extinction_probability(1.3, 0.8)
    assert sup["self_propagating"] == pytest.approx(1 - q**5)
    assert 0 <= sup["frame"]["alive"].iloc[-1] <= 1
    assert (sup["frame"]["cumulative"] <= 5000).all()
    with pytest.raises(ValueError):
        ch05.cascade(6.0, 1.0, seeds=10)
    with pytest.raises(ValueError):
        ch05.cascade(1.2, 1.0, seeds=10, market=5)


def test_referral_ltv_is_the_documents_formula():
    r = ch05.referral_ltv(aov=200.0, repeat_purchases=3.0, referred_users=1.2, cac=48.0)
    assert r["ltv"] == pytest.approx(200 * 3 * 1.2)
    assert r["ratio"] == pytest.approx(720 / 48) and r["doc_ratio"] == 3.0
    with pytest.raises(ValueError):
        ch05.referral_ltv(aov=200.0, repeat_purchases=3.0, referred_users=1.0, cac=0.0)


def test_community_layers_and_activation_equal_pandas(wh, tables):
    res = ch05.community(wh, "world", period_days=7, aov=200.0)
    u = tables["users"]
    mem = u[u["private_join_ts"].notna()][["user_id", "private_join_ts"]]
    ev = tables["events"]
    ev = ev[(ev["channel_id"] == "wecom") & (ev["event_type"] != "exposure")]
    ev = ev[ev["user_id"].isin(mem["user_id"])]
    s = res["snapshots"][-1]
    day = ev["ts"].dt.floor("D")
    inter = ev[(day < s) & (day >= s - pd.Timedelta(days=30))].groupby("user_id").size()
    m = mem[mem["private_join_ts"] < s].set_index("user_id")
    n_new = int(((s - m["private_join_ts"]).dt.total_seconds() < 7 * 86400).sum())
    old = m[(s - m["private_join_ts"]).dt.total_seconds() >= 7 * 86400]
    act = inter.reindex(old.index).fillna(0)
    n_active_all = int((act > 0).sum())
    n_koc = int(np.ceil(0.10 * n_active_all - 1e-9))
    sizes = res["sizes"].iloc[-1]
    assert sizes["new"] == n_new
    assert sizes["silent"] == int((act == 0).sum())
    assert sizes["koc"] == n_koc and sizes["active"] == n_active_all - n_koc
    o = tables["orders"]
    w = o[o["pay_ts"].notna() & (o["channel_id"] == "wecom")].merge(mem, on="user_id")
    w = w[w["pay_ts"] >= w["private_join_ts"]]
    hours = w.groupby("user_id")["pay_ts"].min() - w.groupby("user_id")["private_join_ts"].first()
    hours = hours.dt.total_seconds() / 3600
    out = res["outcomes"]
    assert out["activation_median_h"] == pytest.approx(hours.median())
    assert out["activated_6h"] == pytest.approx((hours <= 6).sum() / len(mem))
    assert res["transitions"].to_numpy().sum() > 0
    assert out["koc_commission"] == pytest.approx(out["koc_referred"] * 200.0 * 0.15)
    with pytest.raises(ValueError):
        ch05.community(wh, "world", period_days=0)


def test_an_orders_only_dataset_lists_what_cannot_be_computed(tables):
    w = Warehouse("duckdb://:memory:")
    try:
        w.write_tables({"orders": tables["orders"]}, "imported")
        res = ch05.overview(w, "imported")
    finally:
        w.close()
    assert set(res["missing"]) == {"viral", "group", "community"}
    assert res["basics"]["orders"] == int(tables["orders"]["pay_ts"].notna().sum())


def _import_ui_like_a_served_app() -> None:
    """Import ``ui`` as a server that has already run ``st.navigation`` would have it.

    ``ui/__init__`` stops a run whose pages-directory flag is still set (the first deep link on a
    fresh server); ``AppTest`` resets that flag before every run, so without this the import is
    stopped on every run and no page renders in app tests.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if "ui" not in sys.modules:
        flag = PagesManager.uses_pages_directory
        PagesManager.uses_pages_directory = False
        importlib.import_module("ui")
        PagesManager.uses_pages_directory = flag


@pytest.mark.usefixtures("app_warehouse")
@pytest.mark.parametrize(
    ("lang", "title"), [("zh", "社交电商裂变增长体系"), ("en", "Social viral growth")]
)
def test_page_renders(lang, title):
    _import_ui_like_a_served_app()
    at = run_page("ch05_social.py", lang)
    assert not at.exception, at.exception
    assert title in texts(at)
    assert len(at.metric) >= 6
    assert not at.error
