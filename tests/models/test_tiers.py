"""Membership tiers: qualification, capped period-end downgrades and the migration matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omni_core.models.tiers import TIERS, evaluate_periods, migration_matrix, qualify


def test_qualify_uses_spend_and_frequency():
    spend = [0, 999, 1000, 6000, 25000, 60000, 60000]
    orders = [0, 3, 1, 2, 5, 9, 1]
    q = qualify(spend, orders, min_orders={"black_diamond": 2})
    assert [TIERS[i] for i in q] == ["normal", "normal", "silver", "gold", "diamond",
                                     "black_diamond", "diamond"]  # fmt: skip
    with pytest.raises(ValueError):
        qualify([1], [1], spend_thresholds={"silver": 10, "gold": 5, "diamond": 20,
                                            "black_diamond": 30})  # fmt: skip
    with pytest.raises(ValueError):
        qualify([-1], [0])


def test_downgrades_move_one_step_per_period_and_upgrades_are_immediate():
    # user 1 qualifies diamond, then nothing for three periods; user 2 climbs from normal to gold
    h = pd.DataFrame({
        "user_id": [1] * 4 + [2] * 4,
        "period": [1, 2, 3, 4] * 2,
        "annual_spend": [30000, 0, 0, 0, 0, 1200, 8000, 8000],
        "orders": [3, 0, 0, 0, 0, 1, 2, 2],
    })  # fmt: skip
    out = evaluate_periods(h, max_downgrade=1)
    assert out[out.user_id == 1]["tier"].tolist() == ["diamond", "gold", "silver", "normal"]
    assert out[out.user_id == 2]["tier"].tolist() == ["normal", "silver", "gold", "gold"]
    free = evaluate_periods(h, max_downgrade=None)
    assert free[free.user_id == 1]["tier"].tolist() == ["diamond", "normal", "normal", "normal"]
    m = migration_matrix(out)
    assert m.loc["diamond", "gold"] == 1 and m.loc["gold", "silver"] == 1
    assert m.loc["normal", "silver"] == 1 and m.loc["gold", "gold"] == 1
    assert m.to_numpy().sum() == 6  # 2 users x 3 transitions


def test_random_history_never_drops_more_than_the_cap():
    rng = np.random.default_rng(5)
    n, k = 300, 6
    h = pd.DataFrame({
        "user_id": np.repeat(np.arange(n), k), "period": np.tile(np.arange(k), n),
        "annual_spend": rng.choice([0, 500, 2000, 9000, 30000, 80000], n * k),
        "orders": rng.integers(0, 4, n * k),
    })  # fmt: skip
    out = evaluate_periods(h, max_downgrade=1).sort_values(["user_id", "period"])
    step = out.groupby("user_id")["tier_idx"].diff().dropna()
    assert step.min() >= -1
    q = qualify(out["annual_spend"], out["orders"])
    assert np.all(out["tier_idx"].to_numpy() >= q)
