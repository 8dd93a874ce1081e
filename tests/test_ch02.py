"""Chapter 02: traffic metrics equal plain pandas, configured channel truths are recovered."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from omni_core.analysis import ch02
from omni_core.datasets import write_world
from omni_core.metrics import channels as mc
from omni_core.reference import CHANNEL_BY_ID, SOURCE_CONVERSION
from omni_core.warehouse import Warehouse
from omni_core.world import WorldParams, build_world

from .apputil import run_page, texts


def _sessions_at(e: pd.DataFrame, stage: str, keys: list[str]) -> pd.Series:
    return e[e["event_type"] == stage].groupby(keys, observed=True)["session_id"].nunique()


def test_traffic_by_channel_equals_pandas(wh, tables):
    got = wh.query(mc.traffic_by_channel(wh.tables())).set_index("channel")
    e = tables["events"].copy()
    e["channel_id"] = e["channel_id"].astype(str)
    for col, stage in [("sessions", "exposure"), ("clicks", "click"), ("visits", "page_view"),
                       ("carts", "cart"), ("paying", "pay")]:  # fmt: skip
        exp = _sessions_at(e, stage, ["channel_id"])
        assert (got.loc[exp.index, col].to_numpy() == exp.to_numpy()).all(), col
    pv = e[e["event_type"] == "page_view"]
    uv = pv.groupby("channel_id")["user_id"].nunique()
    dwell = pv.groupby("channel_id")["dwell_s"].mean()
    assert (got.loc[uv.index, "uv"].to_numpy() == uv.to_numpy()).all()
    np.testing.assert_allclose(got.loc[dwell.index, "dwell_s"], dwell.astype(float), rtol=1e-9)
    daily = wh.query(mc.traffic_by_channel(wh.tables(), bucket="day"))
    assert daily["sessions"].sum() == got["sessions"].sum()


def test_ads_and_sales_by_channel_equal_pandas(wh, tables):
    got = wh.query(mc.ads_by_channel(wh.tables())).set_index("channel")
    exp = tables["ad_spend"].groupby("channel_id")[["spend", "impressions", "clicks"]].sum()
    np.testing.assert_allclose(got.loc[exp.index, "spend"], exp["spend"], rtol=1e-9)
    assert (got.loc[exp.index, "ad_clicks"].to_numpy() == exp["clicks"].to_numpy()).all()
    sales = wh.query(mc.sales_by_channel(wh.tables())).set_index("channel")
    p = tables["orders"][tables["orders"]["pay_ts"].notna()].copy()
    p["channel_id"] = p["channel_id"].astype(str)
    first = p.sort_values(["user_id", "pay_ts", "order_id"]).drop_duplicates("user_id")
    new = first["channel_id"].value_counts()
    assert (sales.loc[new.index, "new_buyers"].to_numpy() == new.to_numpy()).all()
    assert sales["new_buyers"].sum() == p["user_id"].nunique()
    gmv = p.groupby("channel_id")["amount"].sum()
    np.testing.assert_allclose(sales.loc[gmv.index, "gmv"], gmv, rtol=1e-9)


def test_platform_trend_and_source_frames_equal_pandas(wh, tables):
    res = ch02.analyse(wh, "world")
    plat = res["platforms"].set_index("channel")
    a = tables["ad_spend"].groupby("channel_id")[["spend", "clicks", "impressions"]].sum()
    np.testing.assert_allclose(plat.loc[a.index, "cpc"], a["spend"] / a["clicks"], rtol=1e-9)
    np.testing.assert_allclose(plat.loc[a.index, "cpm"], 1000 * a["spend"] / a["impressions"])
    e = tables["events"].copy()
    e["channel_id"] = e["channel_id"].astype(str)
    p = tables["orders"][tables["orders"]["pay_ts"].notna()].copy()
    p["channel_id"] = p["channel_id"].astype(str)
    uv = e[e["event_type"] == "page_view"].groupby("channel_id")["user_id"].nunique()
    conv = p.groupby("channel_id")["user_id"].nunique() / uv
    np.testing.assert_allclose(plat.loc[conv.index, "conversion"], conv, rtol=1e-9)
    first = p.sort_values(["user_id", "pay_ts", "order_id"]).drop_duplicates("user_id")
    cpn = a["spend"] / first["channel_id"].value_counts().reindex(a.index)
    np.testing.assert_allclose(plat.loc[a.index, "cost_per_new_buyer"], cpn, rtol=1e-9)
    trend = res["trend"]
    day = p.assign(day=p["pay_ts"].dt.floor("D")).groupby(["day", "channel_id"])["amount"].sum()
    got = trend.set_index(["bucket", "channel"])["gmv"].dropna()
    got.index = got.index.set_levels(pd.to_datetime(got.index.levels[0]), level=0)
    np.testing.assert_allclose(got.loc[day.index], day, rtol=1e-9)
    conv_src = res["sources"]["conversion"].set_index(["channel_type", "source"])
    e = e.merge(tables["channels"][["channel_id", "channel_type"]], on="channel_id")
    e["source"] = e["source"].astype(str)
    st = e.groupby(["channel_type", "source", "event_type"], observed=True)["session_id"].nunique()
    st = st.unstack("event_type")
    np.testing.assert_allclose(conv_src.loc[st.index, "cart_rate"], st["cart"] / st["page_view"])


def test_source_mix_and_lifecycle_equal_pandas(wh, tables):
    e = tables["events"].copy()
    e["channel_id"] = e["channel_id"].astype(str)
    e["source"] = e["source"].astype(str)
    got = wh.query(mc.source_mix(wh.tables())).set_index(["channel", "source"])
    exp = _sessions_at(e, "cart", ["channel_id", "source"])
    assert (got.loc[exp.index, "carts"].to_numpy() == exp.to_numpy()).all()
    life = wh.query(mc.lifecycle_orders(wh.tables()))
    p = tables["orders"][tables["orders"]["pay_ts"].notna()].copy()
    p = p.sort_values(["user_id", "pay_ts", "order_id"])
    p["stage"] = np.where(p.groupby("user_id").cumcount() == 0, "first", "repeat")
    p["channel_id"] = p["channel_id"].astype(str)
    exp = p.groupby(["channel_id", "stage"]).size()
    got = life.set_index(["channel", "stage"])["orders"]
    assert (got.loc[exp.index].to_numpy() == exp.to_numpy()).all()
    res = ch02.lifecycle_split(life, tables["channels"].rename(columns={"channel_id": "channel"}))
    dom = res["by_domain"].set_index("domain")
    assert dom.loc["private", "first"] == 0  # the community only opens after a first purchase
    assert dom.loc["private", "repeat_share"] > 0.05


def _flow_pd(tables: dict) -> pd.DataFrame:
    p = tables["orders"][tables["orders"]["pay_ts"].notna()].copy()
    p["channel_id"] = p["channel_id"].astype(str)
    p = p.sort_values(["user_id", "pay_ts", "order_id"])
    first = p.drop_duplicates("user_id").set_index("user_id")
    join = tables["users"].set_index("user_id")["private_join_ts"]
    rows = []
    for uid, f in first.iterrows():
        j = join.get(uid)
        joined = bool(pd.notna(j) and j >= f["pay_ts"])
        later = p[(p["user_id"] == uid) & (p["order_id"] != f["order_id"])]
        later = later[(later["pay_ts"] > f["pay_ts"]) | ((later["pay_ts"] == f["pay_ts"]) &
                                                        (later["order_id"] > f["order_id"]))]  # fmt: skip
        priv = joined and ((later["channel_id"] == "wecom") & (later["pay_ts"] >= j)).any()
        after = "private" if priv else ("public" if len(later) else "none")
        rows.append((f["channel_id"], str(f["source"]) == "live", joined, after))
    d = pd.DataFrame(rows, columns=["first_channel", "live", "joined", "after"])
    return d.groupby(list(d.columns)).size().rename("buyers")


def test_private_flow_equals_pandas(wh, tables):
    got = wh.query(mc.private_flow(wh.tables()))
    got = got.set_index(["first_channel", "live", "joined", "after"])["buyers"]
    exp = _flow_pd(tables)
    assert len(got) == len(exp)
    assert (got.loc[exp.index].to_numpy() == exp.to_numpy()).all()
    res = ch02.flow_summary(got.reset_index())
    assert res["links"]["value"].sum() == 2 * exp.sum()  # two layers of the Sankey


@pytest.mark.parametrize("days", [7, 30])
def test_touch_chain_equals_pandas(wh, tables, days):
    got = wh.query(mc.touch_chain(wh.tables(), within_days=days)).set_index("step")["users"]
    e = tables["events"]
    src = e["source"].astype(str)
    span = pd.Timedelta(days=days)
    ad = e[(e["event_type"] == "click") & (src == "search") & e["campaign_id"].notna()]
    t1 = ad.groupby("user_id")["ts"].min()
    lp = e[(e["event_type"] == "page_view") & (src == "search") & e["campaign_id"].notna()]
    lp = lp.join(t1.rename("t1"), on="user_id", how="inner")
    t2 = lp[lp["ts"].between(lp["t1"], lp["t1"] + span)].groupby("user_id")["ts"].min()
    lv = e[src == "live"].join(t2.rename("t2"), on="user_id", how="inner")
    t3 = lv[lv["ts"].between(lv["t2"], lv["t2"] + span)].groupby("user_id")["ts"].min()
    pj = tables["users"].set_index("user_id")["private_join_ts"].reindex(t3.index)
    exp = [len(t1), len(t2), len(t3), int(((pj >= t3) & (pj <= t3 + span)).sum())]
    assert got.tolist() == exp
    steps = ch02.chain_steps(got.reset_index())
    assert steps["overall_rate"].iloc[-1] == pytest.approx(exp[3] / exp[0])
    with pytest.raises(ValueError, match="within_days"):
        mc.touch_chain(wh.tables(), within_days=0)


@pytest.fixture(scope="module")
def medium():
    """A 12,000-user world for recovering configured channel parameters."""
    w = Warehouse("duckdb://:memory:")
    p = WorldParams(seed=5, start=dt.date(2025, 10, 1), days=60, users=12_000)
    write_world(w, build_world(p))
    yield w
    w.close()


def _within(k: float, n: float, p: float, sigmas: float = 4.0) -> bool:
    return abs(k / n - p) <= sigmas * np.sqrt(p * (1 - p) / n)


@pytest.fixture(scope="module")
def medium_res(medium):
    return ch02.analyse(medium, "world")


def test_configured_cpc_ctr_and_join_rates_are_recovered(medium_res):
    res = medium_res
    plat = res["platforms"].set_index("channel")
    paid = plat[plat["spend"] > 0]
    assert res["kpis"]["cpc"] == pytest.approx(paid["spend"].sum() / paid["ad_clicks"].sum())
    for ch in ("tmall", "jd", "douyin", "kuaishou", "xiaohongshu", "amazon"):
        c = CHANNEL_BY_ID[ch]
        # Spend = ad clicks x CPC x lognormal noise with mean 1 (per hour and campaign).
        assert plat.loc[ch, "cpc"] == pytest.approx(c.cpc, rel=0.05), ch
        assert plat.loc[ch, "ad_ctr"] == pytest.approx(c.ad_ctr, rel=0.1), ch
    rates = res["flow"]["rates"].set_index(["first_channel", "live"])
    for ch in ("tmall", "jd", "douyin", "offline"):
        r = rates.loc[(ch, False)]
        assert _within(r["joined"], r["buyers"], CHANNEL_BY_ID[ch].private_join, 4.5), ch
    r = rates.loc[("douyin", True)]
    assert _within(r["joined"], r["buyers"], min(0.15 * 1.8, 0.9), 4.5)
    assert res["flow"]["repurchase_joined"] > res["flow"]["repurchase_not_joined"]


def test_shelf_search_converts_better_than_recommend(medium_res):
    conv = medium_res["sources"]["conversion"]
    c = conv.set_index(["channel_type", "source"])["cart_rate"]
    truth = SOURCE_CONVERSION["shelf"]["search"] / SOURCE_CONVERSION["shelf"]["recommend"]
    assert c["shelf", "search"] / c["shelf", "recommend"] == pytest.approx(truth, rel=0.2)
    assert c["interest", "live"] > c["interest", "search"]


def test_orders_only_dataset_says_what_is_missing(tables):
    w = Warehouse("duckdb://:memory:")
    w.write_tables({"orders": tables["orders"]}, "imp")
    res = ch02.analyse(w, "imp")
    text = " ".join(en for _, en in res["missing"])
    for word in ("events", "ad_spend", "users"):
        assert word in text
    assert "chain" not in res and "flow" not in res and "sources" not in res
    assert res["platforms"]["orders"].sum() == tables["orders"]["pay_ts"].notna().sum()
    assert res["platforms"]["cpc"].isna().all()
    assert res["kpis"]["spend"] is None and res["kpis"]["sessions"] is None
    w.close()


@pytest.mark.usefixtures("app_warehouse")
@pytest.mark.parametrize(("lang", "title"), [("zh", "流量生态"), ("en", "traffic ecosystem")])
def test_page_renders(lang, title):
    at = run_page("ch02_traffic.py", lang)
    assert not at.exception, at.exception
    assert title in texts(at)
    assert len(at.metric) == 5 and not at.error
    assert len(at.get("plotly_chart")) >= 7
    at.selectbox[0].set_value("gmv").run()
    assert not at.exception
