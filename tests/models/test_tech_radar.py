"""Technology ROI: order-statistic expectation and ROI formulas against direct computation."""

from __future__ import annotations

import numpy as np
import pytest

from omni_core.models.tech_radar import assumptions_frame, expected_best, roi_table

MEASURED = {"days": 73.0, "margin": 0.3, "gmv": 1e6, "orders": 4000.0, "paid_gmv": 4e5,
            "ctr_sigma": 0.2, "night_hours": 600.0, "night_gmv": 2e4, "cat_gmv": 3e5,
            "cat_returns": 100.0, "reverse_cost_per_return": 12.0, "backlog_value": 5e4}  # fmt: skip


def test_expected_best_matches_monte_carlo():
    rng = np.random.default_rng(5)
    draws = np.exp(0.2 * rng.standard_normal((200_000, 5))).max(axis=1).mean()
    assert expected_best(5, 0.2) == pytest.approx(draws, rel=2e-3)
    assert expected_best(1, 0.2) == pytest.approx(np.exp(0.02), rel=1e-6)


def test_roi_formulas_by_hand():
    a = assumptions_frame()
    r = roi_table(MEASURED, a).set_index("key")
    year = 365 / 73  # = 5
    # AI service: 4000 x 5 x 0.35 x 0.6 = 4200 contacts x (5 - 0.5) = 18900
    #             + 0.3 x 1e6 x 5 x 0.003 = 4500 -> 23400; cost 100000.
    assert r.loc["ai_service", "benefit"] == pytest.approx(23400)
    assert r.loc["ai_service", "roi"] == pytest.approx(23400 / 100000 - 1)
    # Replenishment: 0.4 x 0.5 x 5e4 x 5 x 0.3 = 15000.
    assert r.loc["replenishment", "benefit"] == pytest.approx(15000)
    # Digital human: 600 x 5 x (150 - 20) - 0.2 x 0.3 x 2e4 x 5 = 390000 - 6000.
    assert r.loc["digital_human", "benefit"] == pytest.approx(384000)
    # AIGC: 0.3 x 4e5 x 5 x 0.6 x (E12 / E3 - 1) + 120000.
    u = 0.6 * (expected_best(12, 0.2) / expected_best(3, 0.2) - 1)
    assert r.loc["aigc", "benefit"] == pytest.approx(0.3 * 4e5 * year * u + 120000)
    assert r["computable"].all()


def test_missing_measures_and_bad_assumptions():
    m = {**MEASURED, "ctr_sigma": None, "backlog_value": None}
    r = roi_table(m, assumptions_frame()).set_index("key")
    assert not r.loc["aigc", "computable"] and not r.loc["replenishment", "computable"]
    a = assumptions_frame()
    a.loc[a["key"] == "cs_automation", "value"] = 1.5
    with pytest.raises(ValueError, match="Automation rate"):
        roi_table(MEASURED, a)
