"""Chapter 04: every analysis equals an independent pandas computation; the page renders."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pandas as pd
import pytest

from omni_core.analysis import ch04
from omni_core.reference import FUNNEL_STAGES
from omni_core.warehouse import Warehouse

from .apputil import run_page, texts


@pytest.fixture(scope="module")
def overview(wh):
    return ch04.overview(wh, "world")


def _paid(tables):
    o = tables["orders"]
    return o[o["pay_ts"].notna()]


def test_live_streams_equal_pandas_and_the_worlds_totals(overview, tables):
    got = overview["streams"].set_index("live_id")
    ev = tables["events"][tables["events"]["live_id"].notna()]
    expo = ev[ev["event_type"] == "exposure"]
    paid = _paid(tables)
    paid = paid[paid["live_id"].notna()]
    ls = tables["live_sessions"].set_index("live_id")
    exp = pd.DataFrame(index=ls.index)
    exp["views"] = expo.groupby("live_id").size().reindex(ls.index).fillna(0)
    exp["viewers"] = expo.groupby("live_id")["user_id"].nunique().reindex(ls.index).fillna(0)
    exp["gmv"] = paid.groupby("live_id")["amount"].sum().reindex(ls.index).fillna(0)
    exp["buyers"] = paid.groupby("live_id")["user_id"].nunique().reindex(ls.index).fillna(0)
    for c in ("views", "viewers", "gmv", "buyers"):
        np.testing.assert_allclose(got[c].to_numpy(float), exp[c].to_numpy(float), err_msg=c)
    # the simulator's own live_sessions totals agree too
    np.testing.assert_allclose(got["views"], ls["views"])
    np.testing.assert_allclose(got["gmv"], ls["gmv"], atol=0.01)
    gpm = np.where(exp["views"] > 0, exp["gmv"] * 1000 / exp["views"].where(exp["views"] > 0), 0)
    np.testing.assert_allclose(got["gpm"].fillna(0), gpm)


def test_tier_summary_equals_pandas(overview, tables):
    ls = tables["live_sessions"]
    exp = ls.groupby("tier")[["views", "viewers", "orders", "gmv"]].sum()
    got = overview["tiers"].set_index("tier")
    assert set(got.index) == set(exp.index) == {"brand", "influencer", "amateur"}
    for c in ("views", "viewers", "orders"):
        assert (got[c] == exp.loc[got.index, c]).all(), c
    np.testing.assert_allclose(got["gmv"], exp.loc[got.index, "gmv"], atol=0.05)
    np.testing.assert_allclose(got["gpm"], got["gmv"] * 1000 / got["views"])
    assert got["gmv_share"].sum() == pytest.approx(1.0)


def test_minute_funnel_equals_pandas_cohorts(wh, tables):
    res = ch04.live_funnel(wh, "world", tier="brand", bucket_minutes=5)
    ev = tables["events"][tables["events"]["live_id"].notna()]
    ls = tables["live_sessions"].set_index("live_id")
    g = ev.groupby("session_id")
    s = pd.DataFrame({"entry": g["ts"].min(), "live_id": g["live_id"].first()})
    for st in FUNNEL_STAGES:
        s[st] = (ev["event_type"] == st).groupby(ev["session_id"]).any().astype(int)
    s = s[s["live_id"].map(ls["tier"]) == "brand"]
    start = s["live_id"].map(ls["start_ts"])
    s["minute"] = ((s["entry"] - start).dt.total_seconds() // 60).astype(int)
    s["bucket"] = s["minute"] // 5 * 5
    exp = s.groupby("bucket")[list(FUNNEL_STAGES)].sum()
    got = res["minutes"].set_index("minute")
    assert (got.index == exp.index).all()
    for st in FUNNEL_STAGES:
        assert (got[st] == exp[st]).all(), st
    first = s[s["minute"] < 30][list(FUNNEL_STAGES)].sum()
    f = res["funnel"][res["funnel"]["window"] == "first"].set_index("stage")["sessions"]
    assert (f[list(FUNNEL_STAGES)].to_numpy() == first.to_numpy()).all()
    assert res["test"]["p_b"] == pytest.approx(first["pay"] / first["exposure"])


def test_kol_performance_and_pyramid_equal_pandas(overview, tables):
    kols = overview["kols"].set_index("kol_id")
    ev = tables["events"][tables["events"]["kol_id"].notna()]
    reach = ev[ev["event_type"] == "exposure"].groupby("kol_id")["user_id"].nunique()
    paid = _paid(tables)
    gmv = paid[paid["kol_id"].notna()].groupby("kol_id")["amount"].sum()
    np.testing.assert_allclose(kols["reach"], reach.reindex(kols.index).fillna(0))
    np.testing.assert_allclose(kols["gmv"], gmv.reindex(kols.index).fillna(0), atol=1e-6)
    pyr = overview["pyramid"].set_index("tier")
    counts = tables["kols"]["tier"].value_counts()
    for tier in ("head", "mid", "tail"):
        assert pyr.loc[tier, "accounts"] == counts[tier]
    assert pyr["share"].sum() == pytest.approx(1.0)
    assert pyr["doc_share"].tolist() == [0.01, 0.20, 0.79]


def test_scorecard_is_the_weighted_geometric_mean(overview):
    kols = overview["kols"]
    res = ch04.kol_scorecard(kols, weights={"influence": 1, "fit": 2, "conversion": 1})
    card = res["card"]
    assert "brand" not in set(card["tier"])
    a, b = res["prior"]["a"], res["prior"]["b"]
    np.testing.assert_allclose(card["conversion_shrunk"], (card["buyers"] + a) /
                               (card["reach"] + a + b))  # fmt: skip
    # independent percentile ranks of the pool
    infl = np.log1p(card["followers"].astype(float)).rank(method="average") / len(card)
    conv = card["conversion_shrunk"].rank(method="average") / len(card)
    fit = card["fit"].clip(lower=0.01)
    exp = 100 * (infl.clip(lower=0.01) * fit**2 * conv.clip(lower=0.01)) ** 0.25
    np.testing.assert_allclose(card["score"], exp, rtol=1e-9)
    assert card["rank"].tolist() == list(range(1, len(card) + 1))
    assert card["score"].is_monotonic_decreasing
    only_fit = ch04.kol_scorecard(kols, weights={"influence": 0, "fit": 1, "conversion": 0})
    np.testing.assert_allclose(only_fit["card"]["score"], 100 * only_fit["card"]["fit"].clip(0.01))
    # the retire list applies the stated rules
    r = ch04.kol_scorecard(kols, weights={"influence": 1, "fit": 1, "conversion": 1},
                           retire_quantile=0.2, min_fit=0.5)  # fmt: skip
    low_fit = r["card"][r["card"]["fit"] < 0.5]
    assert set(low_fit["handle"]) <= set(r["retire"]["handle"])
    assert (r["retire"]["reasons"].map(len) > 0).all()
    with pytest.raises(ValueError):
        ch04.kol_scorecard(kols, weights={"influence": 0, "fit": 0, "conversion": 0})
    with pytest.raises(ValueError):
        ch04.kol_scorecard(kols, weights={"influence": 1, "fit": 1, "conversion": 1},
                           retire_quantile=1.5)  # fmt: skip


def test_ugc_pieces_equal_pandas(wh, tables):
    res = ch04.ugc_pipeline(wh, "world", channel="xiaohongshu", min_sessions=2, distribute=["A"])
    ev = tables["events"]
    kols = tables["kols"].set_index("kol_id")
    ev = ev[ev["kol_id"].notna() & ev["live_id"].isna() & ev["source"].isin(["note", "short_video"])
            & (ev["channel_id"] == "xiaohongshu")]  # fmt: skip
    ev = ev[ev["kol_id"].map(kols["tier"]) == "tail"]
    g = ev.groupby("session_id")
    s = pd.DataFrame({"kol_id": g["kol_id"].first(), "entry": g["ts"].min(),
                      "pay": (ev["event_type"] == "pay").groupby(ev["session_id"]).any()})  # fmt: skip
    s["week"] = s["entry"].dt.floor("D") - pd.to_timedelta(s["entry"].dt.day_of_week, unit="D")
    exp = s.groupby(["kol_id", "week"]).agg(sessions=("pay", "size"), pays=("pay", "sum"))
    got = res["pieces"].set_index(["kol_id", "day"]).sort_index()
    assert len(got) == len(exp)
    assert (got["sessions"].to_numpy() == exp["sessions"].to_numpy()).all()
    assert (got["pays"].to_numpy() == exp["pays"].to_numpy()).all()
    f = res["funnel"].set_index("stage")
    assert f.loc["collected", "pieces"] == len(exp)
    assert f.loc["graded", "pieces"] == (exp["sessions"] >= 2).sum()
    assert f.loc["distributed", "pieces"] == (res["pieces"]["grade"] == "A").sum()
    assert f["pieces"].is_monotonic_decreasing
    with pytest.raises(ValueError):
        ch04.ugc_pipeline(wh, "world", distribute=[])
    with pytest.raises(ValueError):
        ch04.live_funnel(wh, "world", bucket_minutes=0)


def test_an_orders_only_dataset_lists_what_cannot_be_computed(tables):
    w = Warehouse("duckdb://:memory:")
    try:
        w.write_tables({"orders": tables["orders"]}, "imported")
        res = ch04.overview(w, "imported")
    finally:
        w.close()
    assert set(res["missing"]) == {"live", "kol", "ugc"}
    assert "streams" not in res and "kols" not in res


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
    ("lang", "title"), [("zh", "内容营销创新玩法"), ("en", "Content marketing")]
)
def test_page_renders(lang, title):
    _import_ui_like_a_served_app()
    at = run_page("ch04_content.py", lang)
    assert not at.exception, at.exception
    assert title in texts(at)
    assert len(at.metric) >= 6
    assert not at.error


def test_one_streams_board_equals_pandas(wh, overview, tables):
    top = ch04.top_streams(overview["streams"], tier="brand")
    assert (top["tier"] == "brand").all() and top["gmv"].is_monotonic_decreasing
    live = int(top["live_id"].iloc[0])
    res = ch04.live_funnel(wh, "world", live_id=live, bucket_minutes=60)
    ev = tables["events"]
    ev = ev[ev["live_id"] == live]
    pays = ev[ev["event_type"] == "pay"]["session_id"].nunique()
    assert res["minutes"]["exposure"].sum() == ev["session_id"].nunique()
    assert res["minutes"]["pay"].sum() == pays
    o = tables["orders"]
    gmv = o[(o["live_id"] == live) & o["pay_ts"].notna()]["amount"].sum()
    assert res["minutes"]["gmv"].sum() == pytest.approx(gmv)
