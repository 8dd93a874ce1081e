"""Cross-border logistics chooser: cost per order vs delivery days of each fulfilment option.

Cost per order of option ``o`` for a parcel of ``w`` kg and unit cost ``c``:

.. math::

    \\text{direct mail:}\\; C_o &= z\\,(a_o + b_o w) \\\\
    \\text{stocked abroad:}\\; C_o &= H w + L_o + k_o + T\\,(S_o + c\\,\\rho)

with zone factor ``z`` (1 for US/EU/UK/JP, lower for South-East Asia), fixed ``a_o`` and per-kg
``b_o`` rate, head-haul ``H`` per kg (consolidated sea/air to the warehouse), last-mile ``L_o``,
pick & pack ``k_o``, months of stock cover ``T``, storage ``S_o`` per unit-month and monthly cost
of capital ``rho`` on the stock held. The chooser keeps options available in the market with
``days <= max_days`` and recommends the cheapest (ties: fewer days). The document's benchmark
(doc ch.10): overseas warehouses bring delivery to 5-7 days.

Sources: total-landed-cost logistics (Chopra & Meindl, *Supply Chain Management*, 7th ed., ch. 14
on transportation and ch. 12 on cycle/inventory holding cost); rate defaults in
``omni_core.crossborder_reference`` (illustrative list prices); last-mile cost and delivery days of
FBA and the overseas warehouse are measured on the dataset when available.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from omni_core.crossborder_reference import (
    AMAZON_MARKETS,
    HEAD_HAUL_PER_KG,
    LOGISTICS_OPTIONS,
    MARKET_BY_CODE,
    PICK_PACK,
    SEA_ZONE_FACTOR,
    STORAGE_PER_UNIT_MONTH,
)

__all__ = ["DOC_DAYS", "choose_logistics"]

DOC_DAYS = (5.0, 7.0)  # doc ch.10: overseas-warehouse delivery in 5-7 days


def choose_logistics(
    country: str,
    weight_kg: float,
    unit_cost: float,
    *,
    max_days: float = 7.0,
    months_cover: float = 2.0,
    capital_rate: float = 0.01,
    measured: Mapping[str, Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """Options with cost per order, days, availability and the recommendation (module formula).

    ``measured`` optionally maps an option key ('fba', 'overseas_wh') to ``{"last_mile": CNY,
    "days": mean days}`` measured on the dataset; otherwise reference defaults are used.
    """
    if country not in MARKET_BY_CODE:
        raise ValueError(f"unknown market {country!r}")
    if not 0 < weight_kg <= 70:
        raise ValueError(f"weight must be within (0, 70] kg, got {weight_kg!r}")
    if not unit_cost >= 0:
        raise ValueError(f"unit cost must be >= 0, got {unit_cost!r}")
    if not 0 < months_cover <= 24:
        raise ValueError(f"months of stock cover must be within (0, 24], got {months_cover!r}")
    if not 0 <= capital_rate <= 0.2:
        raise ValueError(f"monthly capital rate must be within [0, 0.2], got {capital_rate!r}")
    if not max_days > 0:
        raise ValueError(f"max days must be > 0, got {max_days!r}")
    measured = measured or {}
    zone = SEA_ZONE_FACTOR if MARKET_BY_CODE[country].region == "sea" else 1.0
    rows = []
    for key, zh, en, fixed, per_kg, days, stocked, serves in LOGISTICS_OPTIONS:
        available = serves == "all" or country in AMAZON_MARKETS
        source = "reference"
        if stocked:
            m = measured.get(key, {})
            last_mile = float(m.get("last_mile", 28.0 if key == "overseas_wh" else 32.0))
            days = float(m.get("days", days))
            source = "measured" if m else "reference"
            head = HEAD_HAUL_PER_KG * weight_kg
            hold = months_cover * (STORAGE_PER_UNIT_MONTH[key] + unit_cost * capital_rate)
            cost = head + last_mile * zone + PICK_PACK[key] + hold
            parts = {"head_haul": head, "last_mile": last_mile * zone,
                     "pick_pack": PICK_PACK[key], "holding": hold}  # fmt: skip
        else:
            cost = zone * (fixed + per_kg * weight_kg)
            parts = {"head_haul": 0.0, "last_mile": cost, "pick_pack": 0.0, "holding": 0.0}
        rows.append({"option": key, "name_zh": zh, "name_en": en, "cost": cost, "days": days,
                     "available": available, "feasible": available and days <= max_days,
                     "days_source": source, **parts})  # fmt: skip
    out = pd.DataFrame(rows)
    feas = out[out["feasible"]].sort_values(["cost", "days", "option"])
    out["recommended"] = False
    if len(feas):
        out.loc[feas.index[0], "recommended"] = True
    return out
