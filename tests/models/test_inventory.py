"""Tests for omni_core.models.inventory: safety stock, replenishment, allocation, oversell."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from omni_core.models import inventory as inv


def test_safety_stock_matches_a_hand_computed_case() -> None:
    # z(0.95) = 1.6448536; sigma_d = 4 units/day, L = 9 days: SS = 1.6448536 * 4 * 3
    assert inv.safety_stock(4.0, 9.0, 0.95) == pytest.approx(19.7382, abs=1e-4)
    # with lead-time variability: d = 50/day, sigma_L = 1 day, sigma_d = 10, L = 4:
    # SS = z sqrt(4 * 100 + 50^2 * 1) = 1.6448536 * sqrt(2900) = 88.5781
    ss = inv.safety_stock(10.0, 4.0, 0.95, mean_demand=50.0, sigma_lead_time=1.0)
    assert ss == pytest.approx(88.5781, abs=1e-4)
    # z(0.99) = 2.3263479
    assert inv.safety_stock(1.0, 1.0, 0.99) == pytest.approx(2.3263479, abs=1e-6)
    with pytest.raises(ValueError):
        inv.safety_stock(1.0, 1.0, 1.0)
    with pytest.raises(ValueError):
        inv.safety_stock(-1.0, 1.0)


def test_reorder_point_and_replenishment() -> None:
    rop = inv.reorder_point(30.0, 19.74)
    assert rop == pytest.approx(49.74)
    rep = inv.replenishment([40, 60], [5, 0], [2, 0], [rop, rop], [70.0, 70.0])
    assert rep["position"].tolist() == [43.0, 60.0]
    assert rep["reorder"].tolist() == [True, False]
    assert rep["order_qty"].tolist() == [np.ceil(49.74 + 70 - 43), 0.0]
    assert inv.days_of_cover([10, 5], [2.0, 0.0]).tolist() == [5.0, np.inf]


def test_allocate_is_exact_and_fair() -> None:
    assert inv.allocate(10, [1, 1, 1]).tolist() == [4, 3, 3]
    assert inv.allocate(7, [0.5, 0.3, 0.2]).tolist() == [4, 2, 1]  # 3.5, 2.1, 1.4
    assert inv.allocate(0, [1, 2]).tolist() == [0, 0]
    assert inv.allocate(5, [0, 0]).tolist() == [3, 2]
    with pytest.raises(ValueError):
        inv.allocate(-1, [1])


@given(st.integers(0, 10_000), st.lists(st.floats(0, 1e6), min_size=1, max_size=12))
def test_allocate_never_promises_more_than_stock(available: int, weights: list[float]) -> None:
    a = inv.allocate(available, weights)
    assert a.sum() == available and (a >= 0).all()
    w = np.asarray(weights)
    if w.sum() > 0:
        assert np.all(np.abs(a - available * w / w.sum()) < 1.0 + 1e-9)  # quota property


CHANNELS = ("tmall", "jd", "douyin")
OPS = st.one_of(
    st.tuples(st.just("receive"), st.integers(0, 50)),
    st.tuples(st.just("sell"), st.sampled_from(CHANNELS), st.integers(0, 80)),
    st.tuples(st.just("reserve"), st.sampled_from(["presale", "flash"]),
              st.sampled_from(CHANNELS), st.integers(0, 120), st.integers(0, 20)),
    st.tuples(st.just("consume"), st.integers(0, 30), st.integers(0, 60)),
    st.tuples(st.just("release"), st.integers(0, 30)),
    st.tuples(st.just("expire"), st.integers(0, 20)),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 300), st.lists(st.floats(0.1, 10), min_size=3, max_size=3),
       st.lists(OPS, max_size=40))  # fmt: skip
def test_ledger_never_promises_more_than_stock_and_releases(on_hand, weights, ops) -> None:
    led = inv.StockLedger(on_hand, CHANNELS, tuple(weights))
    for op in ops:
        before = led.snapshot()
        rids = sorted(led.reservations)
        if op[0] == "receive":
            led.receive(op[1])
        elif op[0] == "sell":
            quota = led.quotas()[op[1]]
            sold = led.sell(op[1], op[2])
            assert sold == min(op[2], quota)
        elif op[0] == "reserve":
            r = led.reserve(op[1], op[2], op[3], op[4])
            assert r.granted == min(op[3], before["atp"])  # never more than free stock
        elif op[0] == "consume" and rids:
            led.consume(rids[op[1] % len(rids)], op[2])
            assert led.atp == before["atp"]  # paying a hold does not touch free stock
        elif op[0] == "release" and rids:
            r = led.reservations[rids[op[1] % len(rids)]]
            held = r.qty if r.status == "held" else 0
            assert led.release(r.rid) == held
            assert led.atp == before["atp"] + held  # released units are free again
            assert r.qty == 0 and r.status == "closed"
        elif op[0] == "expire":
            freed = led.expire(op[1])
            assert led.atp == before["atp"] + freed
            assert all(r.status == "closed" for r in led.reservations.values()
                       if r.expires <= op[1])  # fmt: skip
        led.check()
        assert sum(led.quotas().values()) + led.reserved <= led.on_hand


def test_simulated_promo_keeps_invariants_and_releases_unpaid_holds() -> None:
    holds = [
        inv.PromoHold("presale", "tmall", 60, 0, 24, 25, 0.8),
        inv.PromoHold("flash", "douyin", 30, 44, 44.5, 45, 0.5),
    ]
    rows = inv.simulate_reservations(
        200, CHANNELS, (3.0, 2.0, 1.0), np.full((48, 3), 0.5), holds, np.random.default_rng(0)
    )
    released = sum(r["released"] for r in rows)
    assert released == (60 - 48) + (30 - 15)  # unpaid shares of both holds come back
    assert rows[-1]["reserved_presale"] == 0 and rows[-1]["reserved_flash"] == 0
    assert all(r["on_hand"] >= 0 and r["atp"] >= 0 for r in rows)
    assert rows[-1]["sold"] + rows[-1]["on_hand"] == 200


def test_oversell_risk_matches_its_definition() -> None:
    rates, stock, delay = np.array([0.6, 0.3, 0.1]), 3, 4.0  # Lambda * delta = 4
    risk = inv.oversell_risk(rates, stock, delay)
    assert risk["p_oversell"] == pytest.approx(stats.poisson.sf(3, 4.0))
    k = np.arange(0, 200)
    brute = float(np.sum(np.maximum(k - stock, 0) * stats.poisson.pmf(k, 4.0)))
    assert risk["expected_oversold"] == pytest.approx(brute, rel=1e-9)
    assert risk["oversold_by_channel"] == pytest.approx(brute * rates)
    b = inv.sync_buffer(1.0, 4.0, 0.01)
    assert stats.poisson.sf(b, 4.0) <= 0.01 < stats.poisson.sf(b - 1, 4.0)
    assert inv.oversell_risk(rates, 0, 0.0)["p_oversell"] == 0.0
