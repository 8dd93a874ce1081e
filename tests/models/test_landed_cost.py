"""Landed cost DDP vs DDU against hand-computed cases (arithmetic written out)."""

from __future__ import annotations

import pytest

from omni_core.models.landed_cost import LandedCostInputs, compare_incoterms, landed_cost

# Germany, apparel: goods 300, cost 120, freight 40, insurance 5 (CNY), duty 12%, VAT 19%,
# payment fee 3%, FX spread 1%, 8 CNY/EUR, duty de minimis EUR 150, VAT from the first euro, CIF.
DE = LandedCostInputs(goods_value=300, unit_cost=120, freight=40, insurance=5, duty_rate=0.12,
                      vat_rate=0.19, payment_fee_rate=0.03, fx_spread=0.01, fx_cny=8.0,
                      duty_de_minimis=150, vat_de_minimis=0, valuation="CIF", clearance_fee=15,
                      base_conversion=0.02, ddp_uplift=0.25, ddu_refusal=0.05)  # fmt: skip


def test_ddp_below_duty_de_minimis():
    r = landed_cost(DE, "DDP")
    # CIF = 300 + 40 + 5 = 345 CNY = 43.125 EUR <= 150 -> no duty.
    assert r["customs_value"] == pytest.approx(345.0)
    assert r["customs_value_local"] == pytest.approx(43.125)
    assert r["duty"] == 0.0
    # VAT = 19% x (345 + 0) = 65.55.
    assert r["vat"] == pytest.approx(65.55)
    # Buyer pays at checkout 300 + 40 (shipping) + 65.55 = 405.55, nothing at the door.
    assert r["buyer_checkout"] == pytest.approx(405.55)
    assert r["buyer_at_door"] == 0.0
    # Fees: 3% x 405.55 = 12.1665; FX 1% x 405.55 = 4.0555.
    assert r["payment_fee"] == pytest.approx(12.1665)
    assert r["fx_cost"] == pytest.approx(4.0555)
    # Margin = 405.55 - 12.1665 - 4.0555 - 65.55 - 120 - 40 - 5 = 158.778.
    assert r["margin"] == pytest.approx(158.778)
    # Conversion 2% x 1.25 = 2.5%; profit / 1000 visitors = 1000 x 0.025 x 158.778 = 3969.45.
    assert r["conversion"] == pytest.approx(0.025)
    assert r["profit_per_1000_visitors"] == pytest.approx(3969.45)


def test_ddu_below_duty_de_minimis():
    r = landed_cost(DE, "DDU")
    # Checkout 300 + 40 = 340; at the door VAT 65.55 + clearance 15 = 80.55.
    assert r["buyer_checkout"] == pytest.approx(340.0)
    assert r["buyer_at_door"] == pytest.approx(80.55)
    assert r["buyer_total"] == pytest.approx(420.55)
    # Fees on 340: 10.2 + 3.4; margin = 340 - 10.2 - 3.4 - 120 - 40 - 5 = 161.4.
    assert r["margin"] == pytest.approx(161.4)
    # Refused parcels (5%) lose 2 x 40 + 5 + 10.2 + 3.4 = 98.6.
    assert r["refusal_loss"] == pytest.approx(98.6)
    # Per order: 0.95 x 161.4 - 0.05 x 98.6 = 153.33 - 4.93 = 148.4; x 1000 x 2% = 2968.
    assert r["profit_per_order"] == pytest.approx(148.4)
    assert r["profit_per_1000_visitors"] == pytest.approx(2968.0)


def test_above_duty_de_minimis_both_incoterms():
    x = LandedCostInputs(**{**DE.__dict__, "goods_value": 1500.0})
    ddp, ddu = landed_cost(x, "DDP"), landed_cost(x, "DDU")
    # CIF = 1545 CNY = 193.125 EUR > 150 -> duty 12% x 1545 = 185.4.
    assert ddp["duty"] == pytest.approx(185.4)
    # VAT = 19% x (1545 + 185.4) = 328.776.
    assert ddp["vat"] == pytest.approx(328.776)
    # DDP checkout = 1500 + 40 + 185.4 + 328.776 = 2054.176.
    assert ddp["buyer_checkout"] == pytest.approx(2054.176)
    # DDU door = 185.4 + 328.776 + 15 = 529.176.
    assert ddu["buyer_at_door"] == pytest.approx(529.176)
    # DDP margin = 2054.176 x (1 - 0.04) - 514.176 - 165 = 1292.83296.
    assert ddp["margin"] == pytest.approx(2054.176 * 0.96 - 514.176 - 165)


def test_fob_valuation_excludes_freight_from_duty():
    x = LandedCostInputs(goods_value=700, unit_cost=300, freight=50, insurance=0, duty_rate=0.16,
                         vat_rate=0.075, fx_cny=7.0, valuation="FOB")  # fmt: skip
    r = landed_cost(x, "DDP")
    # FOB customs value = 700 (freight excluded); duty 16% = 112; VAT base CIF + duty = 862.
    assert r["customs_value"] == pytest.approx(700)
    assert r["duty"] == pytest.approx(112)
    assert r["vat"] == pytest.approx(0.075 * 862)


def test_compare_and_validation():
    t = compare_incoterms(DE)
    assert list(t["incoterm"]) == ["DDP", "DDU"]
    with pytest.raises(ValueError, match="incoterm"):
        landed_cost(DE, "EXW")
    with pytest.raises(ValueError, match="fraction"):
        landed_cost(LandedCostInputs(goods_value=1, unit_cost=1, freight=1, vat_rate=19), "DDP")
    with pytest.raises(ValueError, match="fx_cny"):
        landed_cost(LandedCostInputs(goods_value=1, unit_cost=1, freight=1, fx_cny=0), "DDP")
    with pytest.raises(ValueError, match="goods_value"):
        landed_cost(LandedCostInputs(goods_value=-1, unit_cost=1, freight=1), "DDP")
