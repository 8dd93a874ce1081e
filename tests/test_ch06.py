"""Chapter 06: every analysis equals an independent pandas computation; the page renders."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from omni_core.analysis import ch06
from omni_core.warehouse import Warehouse

from .apputil import run_page, texts


@pytest.fixture(scope="module")
def overview(wh):
    return ch06.overview(wh, "world")


def _session_keywords(tables):
    ev = tables["events"]
    ev = ev[ev["keyword_id"].notna()]
    g = ev.groupby("session_id")
    s = pd.DataFrame({"keyword_id": g["keyword_id"].first().astype(int),
                      "click": (ev["event_type"] == "click").groupby(ev["session_id"]).any(),
                      "pay": (ev["event_type"] == "pay").groupby(ev["session_id"]).any()})  # fmt: skip
    o = tables["orders"]
    gmv = o[o["pay_ts"].notna()].groupby("session_id")["amount"].sum()
    s["gmv"] = gmv.reindex(s.index).fillna(0.0)
    return s


def test_keyword_stats_equal_pandas(overview, tables):
    s = _session_keywords(tables)
    exp = s.groupby("keyword_id").agg(sessions=("click", "size"), clicks=("click", "sum"),
                                      pays=("pay", "sum"), gmv=("gmv", "sum"))  # fmt: skip
    got = overview["keywords"].set_index("keyword_id")
    exp = exp.reindex(got.index).fillna(0)
    for c in ("sessions", "clicks", "pays"):
        assert (got[c].to_numpy() == exp[c].to_numpy()).all(), c
    np.testing.assert_allclose(got["gmv"], exp["gmv"], atol=1e-6)
    kw = tables["keywords"].set_index("keyword_id")
    np.testing.assert_allclose(got["est_spend"], got["clicks"] * kw.loc[got.index, "cpc"])
    assert (got["long_tail"] == (kw.loc[got.index, "words"] >= 3)).all()


def test_intent_match_and_long_tail_summaries_equal_pandas(overview):
    kw = overview["keywords"]
    m = overview["margin"]
    for key, frame in (("intent", overview["intents"]), ("match_type", overview["match_types"])):
        g = kw.groupby(key)[["clicks", "pays", "gmv", "est_spend"]].sum()
        got = frame.set_index(key)
        np.testing.assert_allclose(
            got["cvr"], g.loc[got.index, "pays"] / g.loc[got.index, "clicks"]
        )
        np.testing.assert_allclose(
            got["cpc"], g.loc[got.index, "est_spend"] / g.loc[got.index, "clicks"]
        )
        np.testing.assert_allclose(
            got["breakeven_cpc"], m * g.loc[got.index, "gmv"] / g.loc[got.index, "clicks"]
        )
        np.testing.assert_allclose(got["bid_room"], got["breakeven_cpc"] / got["cpc"])
    lt = overview["long_tail"]
    tail = kw["words"] >= 3
    assert lt["keyword_share"] == pytest.approx(tail.mean())
    assert lt["gmv_share"] == pytest.approx(kw.loc[tail, "gmv"].sum() / kw["gmv"].sum())
    head_cpc = (kw.loc[~tail, "cpc"] * kw.loc[~tail, "clicks"]).sum() / kw.loc[
        ~tail, "clicks"
    ].sum()
    assert lt["head_cpc"] == pytest.approx(head_cpc)


def test_dayparting_inputs_equal_pandas_and_respect_the_budget(wh, tables, overview):
    res = ch06.dayparting(wh, "world", channels=["tmall", "jd"], margin=0.3, budget_ratio=0.9,
                          prior_clicks=0.0, objective="value")  # fmt: skip
    a = tables["ad_spend"]
    a = a[a["channel_id"].isin(["tmall", "jd"])]
    by = a.groupby(a["ts_hour"].dt.hour)[["clicks", "spend"]].sum()
    o = tables["orders"]
    p = o[o["pay_ts"].notna() & o["campaign_id"].notna() & o["channel_id"].isin(["tmall", "jd"])]
    gmv = p.groupby(p["pay_ts"].dt.hour)["amount"].sum()
    h = res["hours"].set_index("hour")
    np.testing.assert_allclose(h.loc[by.index, "clicks"], by["clicks"])
    np.testing.assert_allclose(h.loc[by.index, "spend"], by["spend"], atol=1e-6)
    np.testing.assert_allclose(h.loc[gmv.index, "gmv"], gmv, atol=1e-6)
    np.testing.assert_allclose(h.loc[by.index, "gmv_per_click"],
                               gmv.reindex(by.index).fillna(0) / by["clicks"])  # fmt: skip
    days = a["ts_hour"].dt.floor("D").nunique()
    assert res["days"] == days
    assert res["budget"] == pytest.approx(0.9 * a["spend"].sum() / days)
    plans = res["plans"].set_index("plan")
    assert plans.loc["optimal", "spend"] <= res["budget"] * (1 + 1e-9)
    assert plans.loc["optimal", "gmv"] >= plans.loc["current", "gmv"] * 0.9 - 1e-9
    assert (h.loc[[19, 20], "doc_multiplier"] == 1.3).all() and h[
        "doc_multiplier"
    ].sum() == 22 + 2.6
    with pytest.raises(ValueError):
        ch06.dayparting(wh, "world", budget_ratio=0.0)


def test_brand_defense_and_creatives_equal_pandas(overview, tables):
    camp = tables["campaigns"]
    bz = camp.loc[camp["event"] == "brand_search", "campaign_id"]
    a = tables["ad_spend"]
    assert overview["brand"]["brand_campaign_spend"] == pytest.approx(
        a.loc[a["campaign_id"].isin(bz), "spend"].sum())  # fmt: skip
    cr = overview["creatives"].set_index("creative_id")
    ev = tables["events"][tables["events"]["creative_id"].notna()]
    expo = ev[ev["event_type"] == "exposure"].groupby("creative_id")["session_id"].nunique()
    clk = ev[ev["event_type"] == "click"].groupby("creative_id")["session_id"].nunique()
    np.testing.assert_allclose(cr["exposures"], expo.reindex(cr.index).fillna(0))
    np.testing.assert_allclose(cr["clicks"], clk.reindex(cr.index).fillna(0))
    cid = int(overview["creatives"].groupby("campaign_id")["exposures"].sum().idxmax())
    res = ch06.creative_test(overview["creatives"], cid)
    v = res["variants"]
    assert len(res["comparisons"]) == len(v) - 1 and res["control"] == v["variant"].iloc[0]
    np.testing.assert_allclose(res["comparisons"]["rate"], (v["clicks"] / v["exposures"]).iloc[1:])


def test_workbench_matches_published_values_and_scipy():
    r = ch06.two_proportion(10000, 300, 10000, 360, alpha=0.05)
    chi2 = stats.chi2_contingency([[300, 9700], [360, 9640]], correction=False)[0]
    assert r["z"] ** 2 == pytest.approx(chi2)
    w = ch06.welch(250.0, 120.0, 800, 262.0, 130.0, 820, alpha=0.05)
    ref = stats.ttest_ind_from_stats(262.0, 130.0, 820, 250.0, 120.0, 800, equal_var=False)
    assert w["t"] == pytest.approx(ref.statistic) and w["p_value"] == pytest.approx(ref.pvalue)
    assert ch06.power_plan(0.5, 0.25, power=0.9, relative=False)["n"] == 77  # R power.prop.test
    pk = ch06.peeking(5, 0.05)
    assert pk["false_positive_rate"] == pytest.approx(0.1417, abs=5e-4)  # AMR 1969, table 2
    np.testing.assert_allclose(pk["frame"]["obrien_fleming"], [4.877, 3.357, 2.680, 2.290, 2.031],
                               atol=2e-3)  # fmt: skip
    ab = ch06.ab_n(ch06.abn_example(), correction="bonferroni")
    assert (ab["comparisons"]["p_adjusted"] >= ab["comparisons"]["p_value"]).all()
    with pytest.raises(ValueError):
        ch06.ab_n(pd.DataFrame({"variant": ["A", "A"], "trials": [10, 10], "successes": [1, 2]}))
    with pytest.raises(ValueError):
        ch06.ab_n(pd.DataFrame({"variant": ["A", "B"], "trials": [10, 10], "successes": [1, 20]}))
    with pytest.raises(ValueError):
        ch06.two_proportion(100, 120, 100, 10)


def test_taguchi_recovers_the_planted_effects_and_validates_input():
    d = ch06.taguchi_design("L9", 4, "en")
    eff = ch06.taguchi_effects(d)
    planted = {0: 0.5, 1: 0.3, 2: 0.4, 3: 0.0}
    for j, delta in planted.items():
        assert eff["delta"].iloc[j] == pytest.approx(delta, abs=1e-9)
    assert eff.index[0] == "Image style" and eff["best_level"].iloc[0] == 2
    bad = d.copy()
    bad.loc[1, ch06.RESPONSE] = np.nan
    with pytest.raises(ValueError):
        ch06.taguchi_effects(bad)
    with pytest.raises(ValueError):
        ch06.taguchi_design("L4", 5)
    speed = ch06.page_speed([1.2, 3.0, None, None, 0.05])
    assert speed["pass"].tolist() == [True, False, None, None, True]
    with pytest.raises(ValueError):
        ch06.page_speed(["fast", None, None, None, None])


def test_an_orders_only_dataset_lists_what_cannot_be_computed(tables):
    w = Warehouse("duckdb://:memory:")
    try:
        w.write_tables({"orders": tables["orders"]}, "imported")
        res = ch06.overview(w, "imported")
    finally:
        w.close()
    assert set(res["missing"]) == {"keywords", "dayparting", "brand", "creatives"}
    assert res["margin_source"] == "default"


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
    ("lang", "title"), [("zh", "搜索引擎与信息流优化"), ("en", "Search & feed ads")]
)
def test_page_renders(lang, title):
    _import_ui_like_a_served_app()
    at = run_page("ch06_search.py", lang)
    assert not at.exception, at.exception
    assert title in texts(at)
    assert len(at.tabs) == 7
    assert not at.error
    # a bad control value shows a clear error instead of crashing
    at.number_input[1].set_value(20000).run()  # conversions A above its sample size
    assert not at.exception
    assert at.error
