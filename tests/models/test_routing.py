"""Tests for omni_core.models.routing: the routing LP on hand-solvable cases, returnless refunds."""

from __future__ import annotations

import pandas as pd
import pytest

from omni_core.models import routing as ro


def _lanes() -> pd.DataFrame:
    # Two regions; carrier "fast" (12 yuan, 1 day), "slow" (5 yuan, 3 days); 100 parcels each.
    return pd.DataFrame(
        {
            "region": ["N", "N", "S", "S"],
            "carrier": ["fast", "slow", "fast", "slow"],
            "parcels": [50, 50, 50, 50],
            "mean_days": [1.0, 3.0, 1.0, 3.0],
            "cost_per_parcel": [12.0, 5.0, 12.0, 5.0],
        }
    )


def test_lp_meets_the_days_target_at_least_cost() -> None:
    # mean days 2.0 <=> half the parcels fast: cost 0.5 * 12 + 0.5 * 5 = 8.5 per parcel.
    plan = ro.optimise_routing(_lanes(), target_days=2.0, max_share=1.0)
    v = plan["planned"]
    assert v.sum() == pytest.approx(200)
    assert (v * plan["mean_days"]).sum() / 200 == pytest.approx(2.0)
    assert (v * plan["cost_per_parcel"]).sum() / 200 == pytest.approx(8.5)
    # 2.5 days: a quarter fast -> 0.25 * 12 + 0.75 * 5 = 6.75
    plan = ro.optimise_routing(_lanes(), target_days=2.5, max_share=1.0)
    assert (plan["planned"] * plan["cost_per_parcel"]).sum() / 200 == pytest.approx(6.75)


def test_capacity_share_binds_and_infeasible_targets_raise() -> None:
    plan = ro.optimise_routing(_lanes(), target_days=3.0, max_share=0.6)
    assert plan.groupby("carrier")["planned"].sum()["slow"] == pytest.approx(120)
    with pytest.raises(ValueError, match="no routing"):
        ro.optimise_routing(_lanes(), target_days=0.9)


def test_frontier_is_monotone_and_backups_differ_from_primary() -> None:
    fr = ro.cost_frontier(_lanes(), max_share=1.0, points=6)
    assert fr["mean_days"].is_monotonic_increasing
    assert fr["cost_per_parcel"].is_monotonic_decreasing
    plan = ro.optimise_routing(_lanes(), target_days=3.0, max_share=1.0)  # all slow
    back = ro.backup_carriers(plan, slack_days=5.0)
    assert (back["primary"] == "slow").all() and (back["backup"] == "fast").all()


def test_returnless_policy_uses_expected_recovery() -> None:
    hist = pd.DataFrame({"reason": ["damaged"] * 4 + ["size"] * 4,
                         "grade": ["E", "E", "E", "C", "A", "A", "A", "B"]})  # fmt: skip
    pg = ro.grade_given_reason(hist, ("A", "B", "C", "D", "E"))
    assert pg.loc["damaged", "E"] == pytest.approx(0.75)
    r = pd.DataFrame({"reason": ["damaged", "size"], "grade": ["E", "A"],
                      "amount": [60.0, 60.0], "reverse_cost": [12.0, 12.0]})  # fmt: skip
    out = ro.returnless_policy(r, pg, {"A": 0.9, "B": 0.7, "C": 0.4, "D": 0.15, "E": 0.0})
    # damaged: E[R] = 60 * 0.25 * 0.4 = 6 < 12 -> returnless; size: 60 * (0.75*0.9 + 0.25*0.7)
    assert out["expected_recovery"].tolist() == pytest.approx([6.0, 51.0])
    assert out["returnless"].tolist() == [True, False]
    assert out["realised_recovery"].tolist() == pytest.approx([0.0, 54.0])
