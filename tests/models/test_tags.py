"""Tag rules: a known preferred category and known spending tiers are recovered exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omni_core.models.tags import engagement, preferred_category, spending_power

CATS = ["apparel", "beauty", "food", "home"]


def test_preferred_category_recovers_the_planted_favourite():
    rng = np.random.default_rng(3)
    n = 3000
    fav = rng.integers(0, len(CATS), n)
    rows = []
    for k, cat in enumerate(CATS):
        rate = np.where(fav == k, 4.0, 1.0)  # the favourite is browsed 4x as often
        rows.append(pd.DataFrame({
            "user_id": np.arange(n), "category_id": cat, "views": rng.poisson(2 * rate),
            "clicks": rng.poisson(rate), "favorites": rng.poisson(0.2 * rate),
            "carts": rng.poisson(0.3 * rate),
        }))  # fmt: skip
    got = preferred_category(pd.concat(rows), min_score=0)
    acc = (got["category_id"].to_numpy() == np.array(CATS)[fav[got["user_id"]]]).mean()
    assert acc > 0.9
    assert got["share"].between(0, 1).all()


def test_preferred_category_weights_ties_and_threshold():
    d = pd.DataFrame({
        "user_id": [1, 1, 2, 2, 3],
        "category_id": ["food", "beauty", "home", "apparel", "food"],
        "views": [6, 0, 1, 1, 1], "clicks": [0, 0, 0, 0, 0],
        "favorites": [0, 0, 0, 0, 0], "carts": [0, 1, 0, 0, 0],
    })  # fmt: skip
    got = preferred_category(d, min_score=2).set_index("user_id")
    assert got.loc[1, "category_id"] == "food"  # 6 views x1 beat 1 cart x5
    assert 3 not in got.index  # score 1 < 2
    assert 2 not in got.index
    got = preferred_category(d, min_score=1).set_index("user_id")
    assert got.loc[2, "category_id"] == "apparel"  # tie broken by name
    w = {"views": 1.0, "clicks": 1.0, "favorites": 3.0, "carts": 7.0}
    assert preferred_category(d, weights=w).set_index("user_id").loc[1, "category_id"] == "beauty"


def test_spending_power_tiers():
    spend = pd.DataFrame({
        "orders": [0, 1, 2, 4, 1, 3, 2, 1, 1, 5],
        "gmv": [0, 100, 200, 5000, 80, 300, 3000, 50, 60, 9000],
        "coupon_orders": [0, 1, 0, 0, 0, 2, 1, 0, 0, 1],
    })  # fmt: skip
    tier = spending_power(spend, hnw_quantile=0.75, coupon_share=0.5)
    assert tier[0] == "no_purchase"
    assert (
        tier[1] == "price_sensitive"
        and tier[5] == "price_sensitive"
        and tier[6] == "price_sensitive"
    )
    # Buyers' GMV 75th percentile = 2,400 (of 100..9,000): 5,000 and 9,000 are high value.
    assert tier[3] == "high_value" and tier[9] == "high_value"
    assert tier[2] == "regular" and tier[7] == "regular"
    with pytest.raises(ValueError, match="hnw_quantile"):
        spending_power(spend, hnw_quantile=1.5)


def test_engagement_cuts():
    e = engagement(pd.Series([0, 1, 3, 9, 10, np.nan]))
    assert e.tolist() == ["inactive", "low", "medium", "medium", "high", "inactive"]
    with pytest.raises(ValueError, match="cuts"):
        engagement(pd.Series([1]), cuts=(5, 2))
