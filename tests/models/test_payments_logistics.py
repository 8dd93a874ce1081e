"""Payment success by offered methods and the logistics chooser, by hand."""

from __future__ import annotations

import pytest

from omni_core.models.logistics import choose_logistics
from omni_core.models.payments import coverage_curve, payment_success

MIX = {"card": 0.5, "wallet": 0.3, "cod": 0.2}
SUCC = {"card": 0.8, "wallet": 0.9, "cod": 0.85}


def test_payment_success_by_hand():
    r = payment_success(MIX, ["card"], SUCC, fallback=0.5)
    # 0.5 x 0.8 + (1 - 0.5) x 0.5 x 0.8 = 0.4 + 0.2 = 0.6
    assert r["coverage"] == pytest.approx(0.5) and r["success"] == pytest.approx(0.6)
    full = payment_success(MIX, ["card", "wallet", "cod"], SUCC, fallback=0.5)
    # 0.4 + 0.27 + 0.17 = 0.84 -> +40% over cards only (the doc's figure, by construction here)
    assert full["success"] == pytest.approx(0.84)
    assert full["success"] / r["success"] - 1 == pytest.approx(0.4)
    curve = coverage_curve(MIX, SUCC, fallback=0.5)
    assert list(curve["added"]) == ["card", "wallet", "cod"]
    assert curve["success"].is_monotonic_increasing
    with pytest.raises(ValueError, match="at least one"):
        payment_success(MIX, [], SUCC)


def test_logistics_chooser_by_hand():
    out = choose_logistics("US", 0.5, 100.0, max_days=7, months_cover=2, capital_rate=0.01,
                           measured={"fba": {"last_mile": 32.0, "days": 5.5}})  # fmt: skip
    o = out.set_index("option")
    # Postal: 18 + 75 x 0.5 = 55.5 (15 days, too slow); express: 55 + 110 x 0.5 = 110.
    assert o.loc["postal", "cost"] == pytest.approx(55.5) and not o.loc["postal", "feasible"]
    assert o.loc["express", "cost"] == pytest.approx(110.0)
    # FBA: head-haul 14 x 0.5 = 7 + last mile 32 + storage 2 x (4 + 100 x 1%) = 10 -> 49.
    assert o.loc["fba", "cost"] == pytest.approx(49.0) and o.loc["fba", "days"] == 5.5
    # Overseas warehouse: 7 + 28 + 6 + 2 x (2.5 + 1) = 48 -> cheapest feasible.
    assert o.loc["overseas_wh", "cost"] == pytest.approx(48.0)
    assert o.loc["overseas_wh", "recommended"]
    sea = choose_logistics("ID", 0.5, 100.0).set_index("option")
    assert not sea.loc["fba", "available"]
    with pytest.raises(ValueError, match="weight"):
        choose_logistics("US", 0, 100.0)
