"""Landed cost of one cross-border B2C parcel under DDP and DDU, and its effect on profit.

Per unit, in CNY (thresholds in the market's currency, converted with ``fx_cny``):

.. math::

    CV &= g + [f + i]_{\\text{CIF}}                      \\quad\\text{(customs value; FOB: } g)\\\\
    D  &= \\tau_d \\, CV \\cdot \\mathbb{1}[CV / x > m_d]  \\quad\\text{(duty above de minimis } m_d)\\\\
    V  &= \\tau_v \\, (g + f + i + D) \\cdot \\mathbb{1}[CV / x > m_v]  \\quad\\text{(VAT / GST)}\\\\
    P_{\\text{checkout}} &= g + s + (D + V)\\,\\mathbb{1}[\\text{DDP}], \\qquad
    P_{\\text{door}} = (D + V + h)\\,\\mathbb{1}[\\text{DDU}]\\\\
    \\text{margin} &= P_{\\text{checkout}}(1 - r_p - r_{fx}) - (D + V)\\,\\mathbb{1}[\\text{DDP}]
                      - c - f - i

with goods price ``g`` (ex tax), unit cost ``c``, freight ``f``, insurance ``i``, shipping fee
charged ``s``, duty rate ``tau_d``, VAT rate ``tau_v``, carrier clearance fee ``h`` (collected at
the door under DDU), payment fee rate ``r_p`` and FX conversion spread ``r_fx``.

Conversion: DDU converts at the base rate ``p``; DDP at ``p (1 + u)`` with ``u`` = 25% by default
(doc ch.10: delivered-duty-paid pricing lifts conversion by 25%). A share ``q`` of DDU parcels is
refused at the door (surprise duties) and costs ``2 f + i + fees`` (outbound and return freight,
non-refundable payment fee; the goods come back). Expected profit per 1,000 visitors:
``1000 p (1+u) margin`` (DDP) and ``1000 p ((1-q) margin - q loss)`` (DDU).

Sources: Incoterms 2020 (ICC) for DDP / DAP (the former DDU) responsibilities; WTO Customs
Valuation Agreement art. 8.2 (CIF vs FOB basis); EU VAT Directive 2006/112/EC art. 85-86 (import
VAT base = customs value + duties + transport to destination). VAT base here is CIF + duty in every
market (a simplification for the US, where state sales tax is charged on the sale price).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

__all__ = ["DDP_CONVERSION_UPLIFT", "LandedCostInputs", "compare_incoterms", "landed_cost"]

DDP_CONVERSION_UPLIFT = 0.25  # doc ch.10


@dataclass(frozen=True)
class LandedCostInputs:
    """Inputs of one parcel (CNY unless said otherwise); validated by :func:`landed_cost`."""

    goods_value: float  # sale price of the goods, ex tax
    unit_cost: float  # cost of goods sold
    freight: float  # international freight cost to the buyer's country
    insurance: float = 0.0
    shipping_fee: float | None = None  # charged to the buyer (None = pass freight through)
    duty_rate: float = 0.0
    vat_rate: float = 0.0
    payment_fee_rate: float = 0.03
    fx_spread: float = 0.01
    fx_cny: float = 1.0  # CNY per unit of local currency
    duty_de_minimis: float = 0.0  # local currency
    vat_de_minimis: float = 0.0  # local currency
    valuation: str = "CIF"
    clearance_fee: float = 0.0  # DDU: carrier's disbursement / clearance fee paid by the buyer
    base_conversion: float = 0.02
    ddp_uplift: float = DDP_CONVERSION_UPLIFT
    ddu_refusal: float = 0.05


def _check(x: LandedCostInputs) -> None:
    nonneg = ("goods_value", "unit_cost", "freight", "insurance", "duty_rate", "vat_rate",
              "payment_fee_rate", "fx_spread", "duty_de_minimis", "vat_de_minimis",
              "clearance_fee", "ddp_uplift")  # fmt: skip
    for name in nonneg:
        v = getattr(x, name)
        if not isinstance(v, int | float) or v != v or v < 0:
            raise ValueError(f"{name} must be a number >= 0, got {v!r}")
    if x.shipping_fee is not None and (x.shipping_fee != x.shipping_fee or x.shipping_fee < 0):
        raise ValueError(f"shipping_fee must be >= 0, got {x.shipping_fee!r}")
    if not x.fx_cny > 0:
        raise ValueError(f"fx_cny must be > 0, got {x.fx_cny!r}")
    if x.valuation not in ("CIF", "FOB"):
        raise ValueError(f"valuation must be 'CIF' or 'FOB', got {x.valuation!r}")
    for name in ("duty_rate", "vat_rate"):
        if getattr(x, name) > 5:
            raise ValueError(f"{name} must be a fraction (e.g. 0.19), got {getattr(x, name)!r}")
    if x.payment_fee_rate + x.fx_spread >= 1:
        raise ValueError("payment fee + FX spread must be below 100%")
    if not 0 < x.base_conversion <= 1:
        raise ValueError(f"base_conversion must be within (0, 1], got {x.base_conversion!r}")
    if not 0 <= x.ddu_refusal <= 1:
        raise ValueError(f"ddu_refusal must be within [0, 1], got {x.ddu_refusal!r}")


def landed_cost(x: LandedCostInputs, incoterm: str) -> dict[str, float | str]:
    """Breakdown of one parcel under ``incoterm`` ('DDP' or 'DDU'); see the module formulas."""
    _check(x)
    if incoterm not in ("DDP", "DDU"):
        raise ValueError(f"incoterm must be 'DDP' or 'DDU', got {incoterm!r}")
    ddp = incoterm == "DDP"
    fee = x.freight if x.shipping_fee is None else x.shipping_fee
    cif = x.goods_value + x.freight + x.insurance
    cv = cif if x.valuation == "CIF" else x.goods_value
    cv_local = cv / x.fx_cny
    duty = x.duty_rate * cv if cv_local > x.duty_de_minimis else 0.0
    vat = x.vat_rate * (cif + duty) if cv_local > x.vat_de_minimis else 0.0
    taxes = duty + vat
    checkout = x.goods_value + fee + (taxes if ddp else 0.0)
    door = 0.0 if ddp else taxes + x.clearance_fee
    payment_fee = x.payment_fee_rate * checkout
    fx_cost = x.fx_spread * checkout
    seller_taxes = taxes if ddp else 0.0
    landed = x.unit_cost + x.freight + x.insurance + seller_taxes + payment_fee + fx_cost
    margin = checkout - landed
    if ddp:
        conversion = min(1.0, x.base_conversion * (1.0 + x.ddp_uplift))
        refusal, loss = 0.0, 0.0
        per_order = margin
    else:
        conversion = x.base_conversion
        refusal = x.ddu_refusal
        loss = 2 * x.freight + x.insurance + payment_fee + fx_cost
        per_order = (1 - refusal) * margin - refusal * loss
    return {
        "incoterm": incoterm,
        "customs_value": cv,
        "customs_value_local": cv_local,
        "duty": duty,
        "vat": vat,
        "buyer_checkout": checkout,
        "buyer_at_door": door,
        "buyer_total": checkout + door,
        "payment_fee": payment_fee,
        "fx_cost": fx_cost,
        "seller_taxes": seller_taxes,
        "landed_cost": landed,
        "margin": margin,
        "margin_rate": margin / checkout if checkout > 0 else float("nan"),
        "conversion": conversion,
        "refusal_rate": refusal,
        "refusal_loss": loss,
        "profit_per_order": per_order,
        "profit_per_1000_visitors": 1000 * conversion * per_order,
    }


def compare_incoterms(x: LandedCostInputs) -> pd.DataFrame:
    """Both incoterms side by side (one row each) plus the inputs used, for tables and charts."""
    rows = [landed_cost(x, "DDP"), landed_cost(x, "DDU")]
    out = pd.DataFrame(rows)
    out.attrs["inputs"] = asdict(x)
    return out
