"""Chapter 14 (创新技术应用前瞻): technology radar with ROI estimates tied to measured numbers.

Measured on the dataset: margin, GMV, paid-traffic GMV, creative CTR dispersion, overnight brand
live hours and GMV, apparel/beauty returns, stock-outs. Assumptions: editable table in the page.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from omni_core.metrics import tech as mt
from omni_core.models.tech_radar import TECH_BY_KEY, TECHS, roi_table
from omni_core.warehouse import Warehouse

AR_CATEGORIES = ["apparel", "beauty"]
AR_REASONS = ["size", "not_as_described"]
NIGHT_SHIFT_HOURS = (0,)  # brand shifts starting at 00:00 (00:00-06:00)


def ctr_sigma(ctr: pd.DataFrame) -> float | None:
    """Spread (sigma of log) of creative CTR multipliers within campaigns, binomial noise removed.

    ``var(log(ctr_i / mean_campaign))`` minus the mean sampling variance ``(1 - p) / (n p)``
    (delta method), over creatives with at least 200 exposures and one click.
    """
    c = ctr[(ctr["exposures"] >= 200) & (ctr["clicks"] > 0)].copy()
    if c["campaign_id"].nunique() < 2 or len(c) < 6:
        return None
    c["p"] = c["clicks"] / c["exposures"]
    c["lr"] = np.log(c["p"]) - np.log(c.groupby("campaign_id")["p"].transform("mean"))
    k = c.groupby("campaign_id")["p"].transform("size")
    c = c[k >= 2]
    lr = c["lr"] - c.groupby("campaign_id")["lr"].transform("mean")
    k = c.groupby("campaign_id")["p"].transform("size")
    var = float((lr**2 * k / (k - 1)).mean())
    noise = float(((1 - c["p"]) / (c["exposures"] * c["p"])).mean())
    return float(np.sqrt(max(var - noise, 0.0)))


def measure(wh: Warehouse, dataset: str) -> dict[str, Any]:
    """The measured inputs of the ROI estimates and which could not be measured (missing tables)."""
    names = set(wh.table_names(dataset))
    if "orders" not in names:
        raise ValueError("the dataset has no orders table")
    t = wh.tables(dataset)
    base = wh.query(mt.sales_base(t)).iloc[0]
    if pd.isna(base["first"]) or not base["orders"]:
        raise ValueError("the dataset has no paid orders")
    days = (base["last"] - base["first"]).total_seconds() / 86400.0
    out: dict[str, Any] = {"days": max(days, 1.0), "gmv": float(base["gmv"]),
                           "orders": float(base["orders"]), "paid_gmv": float(base["paid_gmv"])}  # fmt: skip
    missing: list[str] = []
    out["margin"] = None
    if {"order_lines", "skus"} <= names:
        gc = wh.query(mt.goods_cost(t)).iloc[0]
        out["margin"] = float(1 - gc["cost"] / base["gmv"]) if base["gmv"] > 0 else None
    else:
        missing.append("order_lines/skus")
    out["ctr_sigma"] = None
    if "events" in names:
        out["ctr_sigma"] = ctr_sigma(wh.query(mt.creative_ctr(t)))
    else:
        missing.append("events")
    out["night_hours"] = out["night_gmv"] = None
    if "live_sessions" in names:
        live = wh.query(mt.brand_live_by_shift(t))
        night = live[live["start_hour"].isin(NIGHT_SHIFT_HOURS)]
        if len(night):
            out["night_hours"] = float(night["hours"].sum())
            out["night_gmv"] = float(night["gmv"].sum())
    else:
        missing.append("live_sessions")
    for k in ("cat_gmv", "cat_returns", "reverse_cost_per_return"):
        out[k] = None
    if {"order_lines", "skus", "returns"} <= names:
        cr = wh.query(mt.category_returns(t, AR_CATEGORIES, AR_REASONS)).iloc[0]
        out["cat_gmv"] = float(cr["gmv"] or 0.0)
        out["cat_returns"] = float(cr["returns"] or 0)
        out["reverse_cost_per_return"] = (
            float(cr["reverse_cost"] / cr["returns"]) if cr["returns"] else 0.0
        )
    else:
        missing.append("returns")
    out["backlog_value"] = out["stockout_rate"] = None
    if {"inventory_snapshots", "skus"} <= names:
        so = wh.query(mt.stockouts(t)).iloc[0]
        out["backlog_value"] = float(so["backlog_value"] or 0.0)
        out["stockout_rate"] = (
            float(so["stockout_days"] / so["sku_days"]) if so["sku_days"] else None
        )
    else:
        missing.append("inventory_snapshots")
    return {"measured": out, "missing": missing}


def radar(measured: dict[str, Any], assumptions: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """All radar entries with their ROI (NaN where not estimated)."""
    roi = roi_table(measured, assumptions).set_index("key")
    rows = []
    for t in TECHS:
        r = roi.loc[t.key] if t.key in roi.index else None
        rows.append({"key": t.key, "name": t.name_en if lang == "en" else t.name_zh,
                     "quadrant": t.quadrant, "ring": t.ring, "impact": t.impact,
                     "note": t.note_en if lang == "en" else t.note_zh,
                     **({c: r[c] for c in ("benefit", "cost", "net", "roi", "payback_months",
                                           "computable", "driver")} if r is not None else
                        {"benefit": np.nan, "cost": np.nan, "net": np.nan, "roi": np.nan,
                         "payback_months": np.nan, "computable": False, "driver": ""})})  # fmt: skip
    return pd.DataFrame(rows)


def measured_table(measured: dict[str, Any], lang: str = "zh") -> pd.DataFrame:
    """The measured inputs as a two-column table for display."""
    zh = lang == "zh"
    labels = {
        "days": ("数据窗口（天）", "Window (days)"), "gmv": ("GMV", "GMV"),
        "orders": ("已付订单", "Paid orders"), "paid_gmv": ("付费流量 GMV", "Paid-traffic GMV"),
        "margin": ("毛利率", "Gross margin"), "ctr_sigma": ("素材 CTR 离散度 σ", "Creative CTR σ"),
        "night_hours": ("夜间自播时长（小时）", "Overnight live hours"),
        "night_gmv": ("夜间自播 GMV", "Overnight live GMV"),
        "cat_gmv": ("服饰+美妆 GMV", "Apparel + beauty GMV"),
        "cat_returns": ("尺码/不符退货数", "Size / not-as-described returns"),
        "reverse_cost_per_return": ("每单逆向物流成本", "Reverse cost per return"),
        "backlog_value": ("缺货等待需求金额", "Value of demand waiting for stock"),
        "stockout_rate": ("缺货 SKU-天占比", "Stock-out SKU-day share"),
    }  # fmt: skip
    return pd.DataFrame(
        [{"measure": v[0] if zh else v[1], "value": measured.get(k)} for k, v in labels.items()]
    )


def tech_name(key: str, lang: str) -> str:
    """Technology name in a language."""
    t = TECH_BY_KEY[key]
    return t.name_en if lang == "en" else t.name_zh


# Page texts (zh, en): kept here so the page stays a thin layout.
TEXT: dict[str, tuple[str, str]] = {
    "caption": (
        "技术雷达：阶段、预期影响与 ROI 估算。ROI 的基数实测于数据集（毛利、GMV、素材 CTR、夜间直播、"
        "退货、缺货），行为假设为示意值，可在下表修改。",
        "Technology radar: stage, expected impact and an ROI estimate. The ROI bases are measured "
        "on the dataset (margin, GMV, creative CTR, overnight live, returns, stock-outs); behaviour "
        "assumptions are illustrative and editable below.",
    ),
    "doc": (
        "文档第 14 章只有标题；本页把前沿技术与前面各章的模型连起来估算 ROI。",
        "The document's chapter 14 has a title only; this page ties the technologies to the models "
        "of the earlier chapters to estimate ROI.",
    ),
    "radar": ("技术雷达（气泡 = 预期影响）", "Technology radar (bubble = expected impact)"),
    "roi": ("年化收益 vs 成本", "Annual benefit vs cost"),
    "assumptions": ("假设（可编辑，超出范围会报错）", "Assumptions (editable, bounded)"),
    "measured": ("实测基数", "Measured bases"),
    "missing": (
        "数据集缺少：{x} —— 相关技术的 ROI 无法估算。",
        "The dataset lacks: {x} — the ROI of the related technologies cannot be estimated.",
    ),
    "invalid": ("假设无效", "Invalid assumptions"),
    "best": ("ROI 最高", "Best ROI"),
    "total_net": ("五项合计年净收益", "Net benefit of the five / yr"),
    "stockout": ("实测缺货率", "Measured stock-out rate"),
    "formulas": ("公式与来源", "Formulas and sources"),
}
