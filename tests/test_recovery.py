"""Known truth in, the same truth out: the world's behaviour parameters are recoverable."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from omni_core.reference import CHANNEL_BY_ID
from omni_core.world import WorldParams, build_world
from omni_core.world.behaviour import Behaviour
from omni_core.world.population import build_population

P = WorldParams(seed=5, start=dt.date(2025, 10, 1), days=60, users=12_000)


@pytest.fixture(scope="module")
def world():
    return build_world(P)


@pytest.fixture(scope="module")
def flat_world():
    """The same world without any promo calendar (the counterfactual of Double 11)."""
    return build_world(P.with_(calendar=()))


def _ordinary_days(params: WorldParams) -> set[dt.date]:
    table = Behaviour(params).day_table(params.start, params.days)
    return {d for d, ph in zip(table.dates, table.phase, strict=True) if not ph} - {
        params.end - dt.timedelta(days=1)
    }


def _stage_sessions(events: pd.DataFrame) -> pd.DataFrame:
    """One row per session: channel, day, organic flag and which stages it reached."""
    e = events
    wide = pd.crosstab(e["session_id"], e["event_type"].astype(str)).astype(bool)
    first = e.drop_duplicates("session_id").set_index("session_id")
    wide["channel"] = first["channel_id"].astype(str)
    wide["day"] = first["ts"].dt.date
    wide["organic"] = first["creative_id"].isna()
    return wide


def _within(observed_k: int, n: int, p: float, sigmas: float = 4.0) -> bool:
    se = np.sqrt(p * (1 - p) / n)
    return abs(observed_k / n - p) <= sigmas * se + 1e-12


def test_per_channel_stage_rates_are_recovered(world):
    s = _stage_sessions(world.tables["events"])
    s = s[s["day"].isin(_ordinary_days(P))]
    rates = world.truth["channel_rates"]
    checked = 0
    for ch in ["tmall", "jd", "douyin", "kuaishou", "xiaohongshu", "offline", "wecom"]:
        c = s[s["channel"] == ch]
        org = c[c["organic"]]
        steps = [
            ("p_click", org["exposure"], org["click"]),
            ("p_visit", c["click"], c["page_view"]),
            ("p_cart", c["page_view"], c["cart"]),
            ("p_order", c["cart"], c["order"]),
            ("p_pay", c["order"], c["pay"]),
        ]
        for name, base, nxt in steps:
            n = int(base.sum())
            if n < 150:
                continue
            k = int((base & nxt).sum())
            assert _within(k, n, rates[name][ch]), (ch, name, k / n, rates[name][ch], n)
            checked += 1
    assert checked >= 30


def test_double11_traffic_and_conversion_uplift_is_recovered(world, flat_world):
    day = dt.date(2025, 11, 11)
    model = Behaviour(P)
    lam = model.minute_intensity(P.start, P.days).reshape(P.days, -1)
    flat = Behaviour(P.with_(calendar=())).minute_intensity(P.start, P.days).reshape(P.days, -1)
    i = (day - P.start).days
    expected_traffic = lam[i].sum() / flat[i].sum()  # 3.0 x the hour peaks

    def public_sessions(w):
        e = w.tables["events"]
        e = e[(e["event_type"] == "exposure") & (e["channel_id"] != "wecom")]
        return (e["ts"].dt.date == day).sum()

    ratio = public_sessions(world) / public_sessions(flat_world)
    assert ratio == pytest.approx(expected_traffic, rel=0.05)
    assert expected_traffic > 3.0

    def order_rate(w):
        s = _stage_sessions(w.tables["events"])
        s = s[(s["day"] == day) & (s["channel"] != "wecom")]
        return s["order"].sum() / s["cart"].sum()

    assert order_rate(world) / order_rate(flat_world) == pytest.approx(1.6, rel=0.08)
    # The midnight opening: 00:00-00:10 on Nov 11 is far above the same minutes of Nov 10.
    e = world.tables["events"]
    ex = e[e["event_type"] == "exposure"]["ts"]
    first10 = ((ex >= "2025-11-11 00:00") & (ex < "2025-11-11 00:10")).sum()
    before = ((ex >= "2025-11-10 00:00") & (ex < "2025-11-10 00:10")).sum()
    assert first10 > 5 * before


def test_private_domain_join_rate_and_repurchase_lift(world):
    o = world.tables["orders"]
    u = world.tables["users"].set_index("user_id")
    paid = o[o["status"] == "paid"].sort_values(["user_id", "pay_ts", "order_id"])
    first = paid.drop_duplicates("user_id")
    first = first[first["pay_ts"] < pd.Timestamp(P.end) - pd.Timedelta(days=3)]
    joined = u.loc[first["user_id"], "private_join_ts"].notna().to_numpy()
    first = first.assign(joined=joined, live=first["live_id"].notna())
    for ch in ["tmall", "jd", "douyin", "offline"]:
        c = first[(first["channel_id"] == ch) & ~first["live"]]
        p = CHANNEL_BY_ID[ch].private_join
        assert _within(int(c["joined"].sum()), len(c), p), (ch, c["joined"].mean(), p, len(c))
    live = first[first["live"] & (first["channel_id"] == "douyin")]
    boosted = min(CHANNEL_BY_ID["douyin"].private_join * P.live_join_boost, 0.9)
    assert _within(int(live["joined"].sum()), len(live), boosted)
    # Joiners repurchase more within 30 days than other first-time buyers.
    early = first[first["pay_ts"] < pd.Timestamp(P.end) - pd.Timedelta(days=30)]
    nxt = paid.groupby("user_id")["pay_ts"].apply(list)

    def repurchased(row):
        times = nxt[row.user_id]
        return any(row.pay_ts < t <= row.pay_ts + pd.Timedelta(days=30) for t in times)

    rep = early.apply(repurchased, axis=1)
    j, nj = rep[early["joined"]].mean(), rep[~early["joined"]].mean()
    assert j > 1.3 * nj, (j, nj)


def test_member_basket_lift_is_recovered(world):
    o = world.tables["orders"][["order_id", "is_member"]]
    ln = world.tables["order_lines"].merge(o, on="order_id")
    q = ln.groupby("is_member")["qty"].mean()
    assert q[True] / q[False] == pytest.approx(1 + P.member_aov_lift, rel=0.05)


def test_kol_pyramid_matches_the_document_shares():
    p = WorldParams(kols=5000, users=200, days=2)
    pop = build_population(p, Behaviour(p), np.random.default_rng(1))
    k = pop.tables["kols"]
    k = k[k["tier"] != "brand"]
    shares = k["tier"].value_counts(normalize=True)
    for tier, target in [("head", 0.01), ("mid", 0.20), ("tail", 0.79)]:
        assert _within(int(shares[tier] * len(k)), len(k), target), (tier, shares[tier])


def test_shelf_converts_best_on_search_and_interest_on_live(world):
    e = world.tables["events"]
    first = e.drop_duplicates("session_id").set_index("session_id")
    s = _stage_sessions(e).assign(source=first["source"].astype(str))
    cvr = s[s["page_view"]].groupby(["channel", "source"])["cart"].mean()
    assert cvr["tmall", "search"] > cvr["tmall", "recommend"]
    assert cvr["douyin", "live"] > cvr["douyin", "search"]
