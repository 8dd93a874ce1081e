"""The simulator: determinism, invariants of a world, and clear errors on bad parameters."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd
import pytest

from omni_core.reference import FUNNEL_STAGES
from omni_core.schema import TABLES
from omni_core.world import WorldParams, build_world


def _digest(df: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(df, index=False).values.tobytes()).hexdigest()


def test_every_schema_table_is_generated_with_its_columns(tables):
    for spec in TABLES:
        assert spec.name in tables, spec.name
        assert list(tables[spec.name].columns) == spec.names
        if spec.kind == "fact" and spec.name not in ("shares",):
            assert len(tables[spec.name]) > 0, spec.name


def test_same_seed_gives_identical_tables_and_other_seed_differs():
    p = WorldParams(seed=11, days=10, users=300)
    a, b = build_world(p), build_world(p)
    c = build_world(p.with_(seed=12))
    for name in a.tables:
        assert _digest(a.tables[name]) == _digest(b.tables[name]), name
    assert _digest(a.tables["events"]) != _digest(c.tables["events"])
    assert _digest(a.tables["orders"]) != _digest(c.tables["orders"])


def test_session_events_are_in_stage_order(tables):
    e = tables["events"]
    stage = e["event_type"].astype(str).map({s: i for i, s in enumerate(FUNNEL_STAGES)})
    f = e.assign(stage=stage)[stage.notna()]
    # Within a session: stages are emitted in order, each at most once, without gaps.
    g = f.sort_values(["session_id", "ts"]).groupby("session_id")["stage"]
    first = g.transform("first")
    assert (first == 0).all(), "every session starts with an exposure"
    diffs = g.diff().dropna()
    assert (diffs == 1).all(), "stages advance one step at a time in time order"
    # Counts per channel: exposure >= click >= visit >= cart >= order >= pay.
    counts = f.groupby(["channel_id", "stage"], observed=True).size().unstack(fill_value=0)
    assert (counts.diff(axis=1).iloc[:, 1:] <= 0).all().all()
    # Favorites only after a page view in the same session.
    fav = e[e["event_type"] == "favorite"]
    pv = e[e["event_type"] == "page_view"].set_index("session_id")["ts"]
    assert (fav["ts"].to_numpy() >= pv.reindex(fav["session_id"]).to_numpy()).all()


def test_orders_reconcile(tables):
    o, ln, ev = tables["orders"], tables["order_lines"], tables["events"]
    gross = ln.groupby("order_id")["line_amount"].sum()
    assert np.allclose(gross.reindex(o["order_id"]).to_numpy(), o["gross_amount"], atol=0.011)
    assert np.allclose(o["amount"], o["gross_amount"] - o["discount"], atol=0.011)
    assert np.allclose(ln["line_amount"], (ln["qty"] * ln["unit_price"]).round(2), atol=0.011)
    assert o["order_id"].is_unique
    # Paid iff a pay event exists in the order's session; every order has a page view before it.
    pays = set(ev.loc[ev["event_type"] == "pay", "session_id"])
    assert set(o.loc[o["status"] == "paid", "session_id"]) == pays
    visits = ev[ev["event_type"] == "page_view"].set_index("session_id")["ts"]
    assert (visits.reindex(o["session_id"]).to_numpy() < o["order_ts"].to_numpy()).all()
    paid = o[o["status"] == "paid"]
    assert (paid["pay_ts"] > paid["order_ts"]).all()
    assert o.loc[o["status"] == "unpaid", "pay_ts"].isna().all()


def test_refunds_and_returns(tables):
    o = tables["orders"].set_index("order_id")
    r = tables["returns"]
    assert len(r) > 0
    assert (r["refund_amount"] <= o.loc[r["order_id"], "amount"].to_numpy() + 1e-9).all()
    delivered = o.loc[r["order_id"], "delivered_ts"].to_numpy()
    assert not pd.isna(delivered).any(), "returns refer to delivered orders"
    assert (r["request_ts"].to_numpy() > delivered).all()
    done = r["refund_ts"].notna()
    assert (r.loc[done, "refund_ts"] > r.loc[done, "request_ts"]).all()
    assert set(r["reason"]) <= {"size", "quality", "not_as_described", "no_reason_7d", "damaged",
                                "wrong_item", "price_protect"}  # fmt: skip
    assert set(r["grade"]) <= set("ABCDE")


def test_spend_reconciles_and_roas_is_defined(tables):
    a = tables["ad_spend"]
    assert (a["spend"] >= 0).all() and (a["impressions"] >= a["clicks"]).all()
    assert (a["ts_hour"] == a["ts_hour"].dt.floor("h")).all()
    daily = a.groupby([a["ts_hour"].dt.date, "campaign_id"])["spend"].sum()
    assert np.isclose(daily.sum(), a["spend"].sum())
    # Paid clicks in the events match the clicks billed per campaign.
    e = tables["events"]
    clicks = (
        e[(e["event_type"] == "click") & e["campaign_id"].notna()].groupby("campaign_id").size()
    )
    billed = a.groupby("campaign_id")["clicks"].sum()
    assert (clicks.reindex(billed.index).fillna(0).astype(int) == billed).all()


def test_stock_never_negative_and_books_reconcile(tables):
    s = tables["inventory_snapshots"].sort_values(["sku_id", "location_id", "date"])
    m = tables["inventory_movements"]
    assert (s["on_hand"] >= 0).all() and (s["counted"] >= 0).all() and (s["backlog"] >= 0).all()
    net = m.groupby(["sku_id", "location_id", "date"])["qty"].sum()
    key = pd.MultiIndex.from_frame(s[["sku_id", "location_id", "date"]])
    s = s.assign(net=net.reindex(key).fillna(0).to_numpy())
    prev = s.groupby(["sku_id", "location_id"])["on_hand"].shift()
    ok = prev.notna()
    assert (s.loc[ok, "on_hand"] == prev[ok] + s.loc[ok, "net"]).all()
    opening = s.loc[~ok, "on_hand"] - s.loc[~ok, "net"]
    assert (opening >= 0).all()
    accuracy = (s["on_hand"] == s["counted"]).mean()
    assert 0.99 < accuracy < 1.0


def test_time_is_inside_the_window(tables, small_world):
    p = small_world.params
    end = pd.Timestamp(p.end)
    for name, col in [("events", "ts"), ("orders", "order_ts"), ("orders", "pay_ts"),
                      ("returns", "request_ts"), ("returns", "refund_ts"), ("shares", "ts"),
                      ("points_ledger", "ts"), ("orders", "delivered_ts")]:  # fmt: skip
        ts = tables[name][col].dropna()
        assert (ts < end).all(), (name, col)
    assert tables["events"]["ts"].min() >= pd.Timestamp(p.start)
    assert tables["events"]["ts"].is_monotonic_increasing


def test_identities_are_recorded_with_their_noise(tables):
    r = tables["identity_records"]
    assert r["platform_uid"].is_unique
    assert r.groupby("platform_uid")["user_id"].nunique().max() == 1
    assert {"phone_typo", "email_typo", "shared_device", "missing_phone"} <= set(r["noise"])
    # A recorded phone typo differs from the person's clean phone in exactly one digit.
    clean = r[(r["noise"] == "none") & r["phone"].notna()].groupby("user_id")["phone"].first()
    typo = r[r["noise"] == "phone_typo"]
    pairs = typo.join(clean.rename("clean"), on="user_id").dropna(subset=["clean"])
    assert len(pairs) > 0
    diff = [
        sum(a != b for a, b in zip(x, y, strict=True))
        for x, y in zip(pairs["phone"], pairs["clean"], strict=True)
    ]
    assert set(diff) == {1}


def test_points_never_overdraw(tables):
    led = tables["points_ledger"].sort_values(
        ["user_id", "ts", "points"], ascending=[True, True, False]
    )
    assert (led.groupby("user_id")["points"].cumsum() >= 0).all()
    assert set(led["kind"]) <= {"earn_purchase", "earn_share", "earn_signin", "redeem", "expire"}


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"users": -5}, "users"),
        ({"days": 0}, "days"),
        ({"channels": ("tmall", "taobao_live")}, "channel"),
        ({"channels": ("wecom",)}, "public-domain channel"),
        ({"channels": ()}, "channel"),
        ({"sessions_per_user_day": 0}, "sessions_per_user_day"),
        ({"member_share": 1.5}, "member_share"),
        ({"start": "2025-10-01"}, "start"),
        ({"channel_overrides": {"jd": {"p_cart": 2.0}}}, "p_cart"),
    ],
)
def test_bad_parameters_raise_a_clear_value_error(change, word):
    with pytest.raises(ValueError, match=word):
        WorldParams(**change)


def test_a_world_without_promo_days_is_flat_and_one_channel_world_works():
    for chans in [("jd",), ("offline", "amazon"), ("xiaohongshu", "wecom")]:
        p = WorldParams(users=300, days=3, start=dt.date(2025, 3, 3), channels=chans)
        w = build_world(p)
        assert set(w.tables["events"]["channel_id"].astype(str)) <= set(chans)
        assert len(w.tables["orders"]) > 0
