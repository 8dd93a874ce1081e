"""Collectible drop: exact accounting with behaviour off; share rate recovered with it on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omni_core.models.collectibles import DropParams, simulate_drop

ORDERS = pd.DataFrame({"day": np.repeat(np.arange(10), 100),
                       "amount": np.tile(np.linspace(50, 500, 100), 10)})  # fmt: skip


def test_no_behaviour_means_no_uplift_and_exact_claims():
    p = DropParams(supply=250, threshold=300.0, share_rate=0.0, attraction=0.0, trade_up_prob=0.0)
    r = simulate_drop(ORDERS, p, np.random.default_rng(0))
    per_day = int((np.linspace(50, 500, 100) >= 300).sum())  # 45 qualifying orders a day
    assert r["totals"]["uplift"] == 0.0
    assert r["totals"]["claims"] == 250
    assert list(r["daily"]["claims"][:6]) == [per_day] * 5 + [250 - 5 * per_day]
    assert r["totals"]["sellout_day"] == pd.Timestamp(5)
    assert sum(r["totals"]["claims_by_rarity"].values()) == 250


def test_share_rate_is_recovered_and_uplift_positive():
    orders = pd.DataFrame({"day": np.repeat(np.arange(30), 400),
                           "amount": np.tile(np.linspace(50, 500, 400), 30)})  # fmt: skip
    p = DropParams(supply=5000, threshold=300.0, share_rate=0.23, rarity_share_mult=(1, 1, 1))
    r = simulate_drop(orders, p, np.random.default_rng(1))
    n = r["totals"]["claims"]
    se = np.sqrt(0.23 * 0.77 / n)
    assert abs(r["totals"]["share_rate"] - 0.23) < 4 * se
    assert r["totals"]["uplift"] > 0


def test_validation():
    with pytest.raises(ValueError, match="rarity"):
        simulate_drop(ORDERS, DropParams(rarity_shares=(0.5, 0.2, 0.2)), np.random.default_rng(0))
    with pytest.raises(ValueError, match="supply"):
        simulate_drop(ORDERS, DropParams(supply=0), np.random.default_rng(0))
    with pytest.raises(ValueError, match="no orders"):
        simulate_drop(ORDERS.iloc[:0], DropParams(), np.random.default_rng(0))
