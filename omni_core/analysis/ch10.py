"""Chapter 10 (跨境出海营销布局): market board, landed cost, payments, logistics, compliance.

Measured on the dataset: demand, AOV, price sensitivity, seasonality, payment (order -> pay)
rates and delivery days of the overseas markets. Reference (illustrative, editable): tax, duty,
FX, payment mixes, logistics rates, compliance items (``omni_core.crossborder_reference``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from omni_core.crossborder_reference import (
    ACFTA_MARKETS,
    CATEGORY_IDS,
    COMPLIANCE,
    COMPLIANCE_AREAS,
    LOCAL_EXAMPLES,
    MARKET_BY_CODE,
    MARKETS,
    METHOD_BY_KEY,
    PAYMENT_MIX,
)
from omni_core.metrics import crossborder as cb
from omni_core.models.landed_cost import LandedCostInputs, compare_incoterms
from omni_core.models.logistics import choose_logistics
from omni_core.models.payments import coverage_curve, payment_success
from omni_core.warehouse import Warehouse

PROMO_DEPTH = 0.10  # a day counts as a promo day when the dataset-wide discount depth >= 10%


def market_board(wh: Warehouse, dataset: str) -> dict[str, Any]:
    """Per-country board (measured) plus weekly seasonality and what could not be computed."""
    names = set(wh.table_names(dataset))
    missing: list[str] = []
    if "orders" not in names:
        return {"board": pd.DataFrame(), "weekly": pd.DataFrame(), "delivery": pd.DataFrame(),
                "missing": ["orders"], "n_orders": 0}  # fmt: skip
    t = wh.tables(dataset)
    summ = wh.query(cb.market_summary(t))
    if summ.empty:
        return {"board": pd.DataFrame(), "weekly": pd.DataFrame(), "delivery": pd.DataFrame(),
                "missing": missing, "n_orders": 0}  # fmt: skip
    by_c = summ.groupby("country")
    board = by_c[["placed", "orders", "gmv", "gross", "discount", "coupon_orders"]].sum()
    # Buyers per country: a buyer may use several channels; per-channel distinct counts are an
    # upper bound, so count them again at country grain.
    board["buyers"] = wh.query(cb.market_buyers(t)).set_index("country")["buyers"]
    top = summ.sort_values(["country", "gmv", "channel"], ascending=[True, False, True])
    board["main_channel"] = top.groupby("country")["channel"].first()
    board["aov"] = board["gmv"] / board["orders"].where(board["orders"] > 0)
    board["pay_rate"] = board["orders"] / board["placed"].where(board["placed"] > 0)
    board["coupon_share"] = board["coupon_orders"] / board["orders"].where(board["orders"] > 0)
    board["discount_depth"] = board["discount"] / board["gross"].where(board["gross"] > 0)
    board["gmv_share"] = board["gmv"] / board["gmv"].sum()
    if "events" in names:
        uv = wh.query(cb.market_traffic(t)).set_index("country")["uv"]
        board["uv"] = uv.reindex(board.index)
        board["conversion"] = board["buyers"] / board["uv"].where(board["uv"] > 0)
    else:
        board["uv"] = np.nan
        board["conversion"] = np.nan
        missing.append("events")
    daily = wh.query(cb.market_daily(t))
    depth = wh.query(cb.daily_discount_depth(t))
    board["promo_lift"] = _promo_lift(daily, depth).reindex(board.index)
    weekly = wh.query(cb.market_weekly(t))
    if not weekly.empty:
        mean_w = weekly.groupby("country")["gmv"].transform("mean")
        weekly["index"] = weekly["gmv"] / mean_w
        cv = weekly.groupby("country")["gmv"].agg(lambda s: s.std(ddof=0) / s.mean())
        board["seasonality_cv"] = cv.reindex(board.index)
        peak = weekly.sort_values(["country", "gmv", "week"], ascending=[True, False, True])
        board["peak_week"] = peak.groupby("country")["week"].first()
    board = board.reset_index()
    board["name_zh"] = board["country"].map(lambda c: _name(c, "zh"))
    board["name_en"] = board["country"].map(lambda c: _name(c, "en"))
    board["region"] = board["country"].map(
        lambda c: MARKET_BY_CODE[c].region if c in MARKET_BY_CODE else "other"
    )
    delivery = wh.query(cb.delivery_by_carrier(t))
    return {
        "board": board.sort_values("gmv", ascending=False, ignore_index=True),
        "weekly": weekly,
        "delivery": delivery,
        "missing": missing,
        "n_orders": int(board["orders"].sum()),
    }


def _name(code: str, lang: str) -> str:
    m = MARKET_BY_CODE.get(code)
    return code if m is None else (m.name_zh if lang == "zh" else m.name_en)


def _promo_lift(daily: pd.DataFrame, depth: pd.DataFrame) -> pd.Series:
    """Orders per day on promo days (discount depth >= 10%) / on other days, per country."""
    if daily.empty or depth.empty:
        return pd.Series(dtype=float)
    promo = depth.set_index("day")["depth"] >= PROMO_DEPTH
    if promo.all() or not promo.any():
        return pd.Series(dtype=float)
    grid = daily.pivot_table(index="day", columns="country", values="orders", aggfunc="sum")
    grid = grid.reindex(promo.index).fillna(0.0)
    on = grid[promo.to_numpy()].mean()
    off = grid[~promo.to_numpy()].mean()
    return on / off.where(off > 0)


def market_defaults(country: str, category: str) -> dict[str, Any]:
    """Reference defaults of a market for the calculator (illustrative; see the reference module)."""
    if country not in MARKET_BY_CODE:
        raise ValueError(f"unknown market {country!r}")
    if category not in CATEGORY_IDS:
        raise ValueError(f"unknown category {category!r}")
    m = MARKET_BY_CODE[country]
    return {
        "currency": m.currency,
        "fx_cny": m.fx_cny,
        "vat_rate": m.vat_rate,
        "vat_name": m.vat_name,
        "duty_rate": m.duty[category],
        "duty_de_minimis": m.duty_de_minimis,
        "vat_de_minimis": m.vat_de_minimis,
        "valuation": m.valuation,
    }


def landed(inputs: LandedCostInputs) -> dict[str, Any]:
    """DDP vs DDU table plus the waterfall parts of what the buyer pays under each."""
    table = compare_incoterms(inputs)
    parts = []
    for r in table.itertuples():
        ddp = r.incoterm == "DDP"
        parts += [
            {"incoterm": r.incoterm, "part": "goods_shipping", "value": r.buyer_checkout - r.seller_taxes},
            {"incoterm": r.incoterm, "part": "taxes_checkout", "value": r.seller_taxes},
            {"incoterm": r.incoterm, "part": "taxes_door", "value": 0.0 if ddp else r.duty + r.vat},
            {"incoterm": r.incoterm, "part": "door_fee",
             "value": 0.0 if ddp else r.buyer_at_door - r.duty - r.vat},
        ]  # fmt: skip
    ddp, ddu = table.iloc[0], table.iloc[1]
    gain = ddp["profit_per_1000_visitors"] - ddu["profit_per_1000_visitors"]
    return {"table": table, "parts": pd.DataFrame(parts), "ddp_gain_per_1000": gain}


def payments(
    country: str,
    offered: Iterable[str],
    current: Iterable[str],
    fallback: float,
) -> dict[str, Any]:
    """Coverage and success of the offered vs current method sets; the greedy coverage curve."""
    if country not in PAYMENT_MIX:
        raise ValueError(f"unknown market {country!r}")
    mix = PAYMENT_MIX[country]
    succ = {k: m[3] for k, m in METHOD_BY_KEY.items()}
    new = payment_success(mix, offered, succ, fallback)
    old = payment_success(mix, current, succ, fallback)
    uplift = new["success"] / old["success"] - 1.0 if old["success"] > 0 else float("nan")
    curve = coverage_curve(mix, succ, fallback)
    card_only = payment_success(mix, ["card"], succ, fallback)["success"]
    mix_df = pd.DataFrame(
        [{"method": k, "share": v, "success": succ[k], "offered": k in set(offered)}
         for k, v in sorted(mix.items(), key=lambda kv: -kv[1])]
    )  # fmt: skip
    return {"new": new, "current": old, "uplift": uplift, "curve": curve, "mix": mix_df,
            "card_only": card_only,
            "examples": LOCAL_EXAMPLES.get(country, "")}  # fmt: skip


def measured_logistics(wh: Warehouse, dataset: str, delivery: pd.DataFrame) -> dict:
    """Last-mile cost (carriers table) and mean delivery days (orders) of FBA / overseas warehouse."""
    out: dict[str, dict[str, float]] = {}
    cost: dict[str, float] = {}
    if "carriers" in set(wh.table_names(dataset)):
        car = wh.query(wh.tables(dataset).carriers)
        cost = dict(zip(car["carrier"], car["cost_per_parcel"], strict=True))
    for key in ("fba", "overseas_wh"):
        d = delivery[delivery["carrier"] == key] if not delivery.empty else delivery
        if d is not None and len(d) and d["delivered"].sum() > 0:
            days = float(np.average(d["mean_days"], weights=d["delivered"]))
            out[key] = {"days": days}
            if key in cost:
                out[key]["last_mile"] = float(cost[key])
    return out


def logistics(country: str, weight_kg: float, unit_cost: float, max_days: float,
              months_cover: float, measured: dict) -> pd.DataFrame:  # fmt: skip
    """Options for a market with the measured days/costs where the dataset has them."""
    return choose_logistics(country, weight_kg, unit_cost, max_days=max_days,
                            months_cover=months_cover, measured=measured)  # fmt: skip


def compliance(country: str, category: str, lang: str = "zh") -> pd.DataFrame:
    """Checklist items that apply to a market and category (illustrative, not legal advice)."""
    if country not in MARKET_BY_CODE:
        raise ValueError(f"unknown market {country!r}")
    rows = []
    for market, area, req, cats, src in COMPLIANCE:
        if market == "*" and country not in ACFTA_MARKETS:
            continue
        if market not in ("*", country):
            continue
        if cats != "*" and category not in cats.split(","):
            continue
        area_label = COMPLIANCE_AREAS[area][0 if lang == "zh" else 1]
        rows.append({"area": area_label, "requirement": req, "source": src, "done": False})
    return pd.DataFrame(rows, columns=["area", "requirement", "source", "done"])


def readiness(checklist: pd.DataFrame) -> float:
    """Share of checklist items marked done (1.0 for an empty list)."""
    if checklist.empty:
        return 1.0
    return float(checklist["done"].fillna(False).astype(bool).mean())


def market_options() -> list[str]:
    """Market codes in the reference order."""
    return [m.country for m in MARKETS]


def landed_fields(country: str, category: str) -> list[dict[str, Any]]:
    """The calculator's inputs with bounds and market defaults (percentages in %, money in CNY)."""
    d = market_defaults(country, category)
    cur = d["currency"]
    price_local = round(300.0 / d["fx_cny"], 2)
    return [
        {"key": "price_local", "zh": f"售价（{cur}，不含税）", "en": f"Price ({cur}, ex tax)",
         "min": 0.0, "max": 1e9, "value": price_local, "step": max(0.01, round(price_local / 20, 2))},
        {"key": "unit_cost", "zh": "商品成本（元）", "en": "Unit cost (CNY)", "min": 0.0, "max": 1e6,
         "value": 120.0, "step": 5.0},
        {"key": "freight", "zh": "国际运费（元）", "en": "Int'l freight (CNY)", "min": 0.0,
         "max": 1e5, "value": 40.0, "step": 1.0},
        {"key": "insurance", "zh": "保险（元）", "en": "Insurance (CNY)", "min": 0.0, "max": 1e5,
         "value": 3.0, "step": 1.0},
        {"key": "duty_pct", "zh": "关税率 %", "en": "Duty rate %", "min": 0.0, "max": 300.0,
         "value": 100 * d["duty_rate"], "step": 0.5},
        {"key": "vat_pct", "zh": f"{d['vat_name']} %", "en": f"{d['vat_name']} %", "min": 0.0,
         "max": 50.0, "value": 100 * d["vat_rate"], "step": 0.5},
        {"key": "fx_cny", "zh": f"汇率（元/{cur}）", "en": f"FX (CNY per {cur})", "min": 1e-6,
         "max": 1e4, "value": d["fx_cny"], "step": d["fx_cny"] / 100, "format": "%.5f"},
        {"key": "duty_de_minimis", "zh": f"关税起征点（{cur}）", "en": f"Duty de minimis ({cur})",
         "min": 0.0, "max": 1e9, "value": d["duty_de_minimis"], "step": 1.0},
        {"key": "vat_de_minimis", "zh": f"增值税起征点（{cur}）", "en": f"VAT de minimis ({cur})",
         "min": 0.0, "max": 1e9, "value": d["vat_de_minimis"], "step": 1.0},
        {"key": "payment_pct", "zh": "支付手续费 %", "en": "Payment fee %", "min": 0.0, "max": 20.0,
         "value": 3.0, "step": 0.1},
        {"key": "fx_spread_pct", "zh": "换汇成本 %", "en": "FX spread %", "min": 0.0, "max": 10.0,
         "value": 1.0, "step": 0.1},
        {"key": "clearance_fee", "zh": "DDU 到门清关费（元）", "en": "DDU clearance fee (CNY)",
         "min": 0.0, "max": 1e4, "value": 15.0, "step": 1.0},
        {"key": "conversion_pct", "zh": "DDU 基准转化率 %", "en": "DDU base conversion %",
         "min": 0.01, "max": 100.0, "value": 2.0, "step": 0.1},
        {"key": "uplift_pct", "zh": "DDP 转化提升 %（文档 25）", "en": "DDP conversion uplift % (doc 25)",
         "min": 0.0, "max": 200.0, "value": 25.0, "step": 1.0},
        {"key": "refusal_pct", "zh": "DDU 拒收率 %", "en": "DDU refusal rate %", "min": 0.0,
         "max": 100.0, "value": 5.0, "step": 0.5},
    ]  # fmt: skip


def inputs_from(values: dict[str, float], country: str) -> LandedCostInputs:
    """Calculator values (as entered) -> validated model inputs (raises ValueError)."""
    fx = float(values["fx_cny"])
    if not fx > 0:
        raise ValueError("FX rate must be > 0")
    x = LandedCostInputs(
        goods_value=float(values["price_local"]) * fx,
        unit_cost=float(values["unit_cost"]),
        freight=float(values["freight"]),
        insurance=float(values["insurance"]),
        duty_rate=float(values["duty_pct"]) / 100,
        vat_rate=float(values["vat_pct"]) / 100,
        payment_fee_rate=float(values["payment_pct"]) / 100,
        fx_spread=float(values["fx_spread_pct"]) / 100,
        fx_cny=fx,
        duty_de_minimis=float(values["duty_de_minimis"]),
        vat_de_minimis=float(values["vat_de_minimis"]),
        valuation=MARKET_BY_CODE[country].valuation,
        clearance_fee=float(values["clearance_fee"]),
        base_conversion=float(values["conversion_pct"]) / 100,
        ddp_uplift=float(values["uplift_pct"]) / 100,
        ddu_refusal=float(values["refusal_pct"]) / 100,
    )
    if x.base_conversion * (1 + x.ddp_uplift) > 1:
        raise ValueError("DDP conversion = base x (1 + uplift) would exceed 100%")
    return x


def method_names(lang: str) -> dict[str, str]:
    """Payment method labels in a language."""
    return {k: (m[1] if lang == "zh" else m[2]) for k, m in METHOD_BY_KEY.items()}


# Page texts (zh, en): kept here so the page stays a thin layout.
TEXT: dict[str, tuple[str, str]] = {
    "caption": (
        "海外市场看板（实测于数据集的跨境渠道）；到岸成本、本地支付、物流与合规使用参考数据"
        "（示意默认值，可编辑）。",
        "Overseas market board (measured on the dataset's cross-border channels); landed cost, "
        "local payment, logistics and compliance use reference data (illustrative defaults, "
        "editable).",
    ),
    "tab_board": ("市场看板", "Market board"),
    "tab_landed": ("到岸成本 DDP/DDU", "Landed cost DDP/DDU"),
    "tab_pay": ("本地支付", "Local payment"),
    "tab_log": ("物流选择", "Logistics"),
    "tab_comp": ("合规清单", "Compliance"),
    "no_orders": (
        "该数据集没有跨境订单（跨境渠道或海外国家代码）：看板无法计算；计算器使用参考数据。",
        "This dataset has no cross-border orders (cross-border channels or overseas country "
        "codes): the board cannot be computed; the calculators use reference data.",
    ),
    "no_events": (
        "数据集没有事件表：各市场访客 UV 与转化率无法计算。",
        "The dataset has no events table: UV and conversion per market cannot be computed.",
    ),
    "bubbles": (
        "市场：价格敏感度 × 客单价（气泡 = GMV）",
        "Markets: price sensitivity × AOV (bubble = GMV)",
    ),
    "heatmap": (
        "季节性：周 GMV 指数（1 = 该国平均周）",
        "Seasonality: weekly GMV index (1 = the country's average week)",
    ),
    "board_note": (
        "实测：{n} 笔跨境已付订单。价格敏感度 = 用券订单占比；大促日倍数 = 全站折扣深度 ≥10% "
        "的日子日均订单 ÷ 其他日子（流量与价格效应合计）；时间为北京时间。",
        "Measured: {n} paid cross-border orders. Price sensitivity = coupon-use share; promo-day "
        "lift = orders per day on days with dataset-wide discount depth ≥ 10% ÷ other days "
        "(traffic and price effects together); times are Beijing time.",
    ),
    "market": ("市场（计算器）", "Market (calculators)"),
    "category": ("品类", "Category"),
    "doc_ddp": (
        "文档：DDP（完税交货）转化率 +25%。税率、起征点、汇率为示意默认值，请按实际 HS 编码核对。",
        "doc: DDP (delivered duty paid) lifts conversion by 25%. Tax rates, de minimis and FX are "
        "illustrative defaults: check them for the actual HS code.",
    ),
    "invalid": ("输入无效", "Invalid input"),
    "ddp_margin": ("DDP 每件利润", "DDP margin / unit"),
    "ddu_margin": ("DDU 每件利润", "DDU margin / unit"),
    "taxes": ("关税 + 增值税", "Duty + VAT"),
    "ddp_gain": ("DDP 每千访客多赚", "DDP gain / 1,000 visitors"),
    "buyer_pays": ("买家支付构成（元/件）", "What the buyer pays (yuan/unit)"),
    "profit": ("每千访客期望利润", "Expected profit per 1,000 visitors"),
    "landed_note": (
        "计价基础 {v}；增值税基数 = CIF + 关税；DDU 拒收损失 = 往返运费 + 保险 + 支付与换汇费用。",
        "Valuation basis {v}; VAT base = CIF + duty; DDU refusal loss = freight both ways + "
        "insurance + payment and FX fees.",
    ),
    "doc_pay": (
        "文档：接入本地支付方式，支付成功率 +40%。支付方式结构与成功率为示意参考值"
        "（Worldpay GPR 2024 取整）。",
        "doc: local payment methods raise payment success by 40%. Method mixes and success rates "
        "are illustrative (rounded from Worldpay GPR 2024).",
    ),
    "offered": ("计划提供的支付方式", "Methods to offer"),
    "current": ("当前支付方式", "Current methods"),
    "fallback": ("未覆盖买家改用其他方式的意愿", "Fallback willingness"),
    "coverage": ("覆盖率", "Coverage"),
    "success": ("支付成功率（计划）", "Payment success (planned)"),
    "uplift": ("相对当前提升", "Uplift vs current"),
    "measured_pay": ("实测 下单→支付（平台）", "Measured order→pay (marketplace)"),
    "pay_curve": (
        "逐个接入本地支付方式：覆盖率与成功率",
        "Adding local methods one by one: coverage and success",
    ),
    "pay_note": (
        "本地方式示例：{x}。实测值来自平台结账（平台已接入本地方式），仅作对照。",
        "Local examples: {x}. The measured rate is the marketplaces' own checkout (already "
        "local), shown for context.",
    ),
    "doc_log": (
        "文档：海外仓使时效缩短到 5–7 天。FBA/海外仓的送达天数与末端费用实测于数据集，直邮为参考值。",
        "doc: overseas warehouses bring delivery to 5–7 days. FBA / warehouse days and last-mile "
        "cost are measured on the dataset; direct mail uses reference rates.",
    ),
    "weight": ("包裹重量 kg", "Parcel weight kg"),
    "unit_cost": ("商品成本（元）", "Unit cost (CNY)"),
    "max_days": ("最长可接受天数", "Max acceptable days"),
    "cover": ("备货月数", "Months of stock cover"),
    "no_option": (
        "没有满足时效要求的可用方案：请放宽天数。",
        "No available option meets the delivery limit: relax the days.",
    ),
    "log_chart": ("每单成本 vs 送达天数", "Cost per order vs delivery days"),
    "comp_note": (
        "示意清单，非法律意见：上市前请与当地合规顾问核对。勾选已完成项。",
        "Illustrative checklist, not legal advice: review with local counsel before launch. "
        "Tick what is done.",
    ),
    "readiness": ("上市准备度", "Launch readiness"),
    "gmv": ("跨境 GMV", "Cross-border GMV"),
    "orders": ("已支付订单", "Paid orders"),
    "markets": ("市场数", "Markets"),
    "top": ("最大市场", "Top market"),
}

BOARD_COLUMNS: dict[str, tuple[str, str]] = {
    "country": ("国家", "Country"),
    "name": ("市场", "Market"),
    "main_channel": ("主渠道", "Main channel"),
    "gmv": ("GMV", "GMV"),
    "orders": ("订单", "Orders"),
    "buyers": ("买家", "Buyers"),
    "aov": ("客单价", "AOV"),
    "uv": ("UV", "UV"),
    "conversion": ("转化率", "Conversion"),
    "pay_rate": ("下单→支付", "Order→pay"),
    "coupon_share": ("用券占比", "Coupon share"),
    "discount_depth": ("折扣深度", "Discount depth"),
    "promo_lift": ("大促日倍数", "Promo-day lift"),
    "seasonality_cv": ("周波动 CV", "Weekly CV"),
}


def board_table(board: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The board with readable, rounded columns in a language."""
    df = board.assign(name=board["name_zh" if lang == "zh" else "name_en"])
    out = df[list(BOARD_COLUMNS)].copy()
    for c in ("conversion", "pay_rate", "coupon_share", "discount_depth"):
        out[c] = (100 * out[c]).round(1)
    out = out.round({"gmv": 0, "aov": 1, "promo_lift": 2, "seasonality_cv": 2})
    pct = {"conversion", "pay_rate", "coupon_share", "discount_depth"}
    names = {k: v[0 if lang == "zh" else 1] + (" %" if k in pct else "")
             for k, v in BOARD_COLUMNS.items()}  # fmt: skip
    return out.rename(columns=names)


def logistics_table(options: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Logistics options with readable columns in a language."""
    zh = lang == "zh"
    cols = {
        "name_zh" if zh else "name_en": "方案" if zh else "Option",
        "cost": "每单成本（元）" if zh else "Cost / order (CNY)",
        "days": "天数" if zh else "Days",
        "head_haul": "头程" if zh else "Head-haul",
        "last_mile": "尾程/直邮" if zh else "Last mile / mail",
        "pick_pack": "拣货包装" if zh else "Pick & pack",
        "holding": "仓储+资金" if zh else "Storage + capital",
        "available": "可用" if zh else "Available",
        "recommended": "推荐" if zh else "Recommended",
        "days_source": "天数来源" if zh else "Days source",
    }
    return options[list(cols)].round(2).rename(columns=cols)
