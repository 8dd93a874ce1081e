"""Technology radar and simple, data-linked ROI estimates of five technologies.

Every estimate is annualised from the dataset window of ``D`` days (x 365 / D) and returns
``benefit``, ``cost``, ``net = benefit - cost``, ``ROI = net / cost`` and the payback in months
``12 cost / benefit``. ``m`` is the gross margin measured on the dataset (1 - cost of goods / paid
GMV). Formulas:

- **AIGC creatives** — more variants per campaign, the best one kept after testing. With creative
  click-rate multipliers lognormal(0, sigma) (sigma measured across the dataset's creatives, after
  removing binomial noise), the expected best of ``n`` is
  ``E_n = int exp(sigma z) n phi(z) Phi(z)^(n-1) dz``; CTR uplift ``= eta (E_new / E_now - 1)``
  (``eta`` = share of the gap a test captures); with later funnel rates unchanged, paid-traffic
  GMV scales with clicks: benefit ``= m G_paid u + savings on design``.
- **Digital-human hosts** take the 00:00-06:00 brand live shift: benefit ``= H (c_h - c_d) -
  (1 - rho) m G_night`` (hours ``H`` and night GMV measured, host costs and conversion retention
  ``rho`` assumed).
- **AR try-on** on apparel and beauty: benefit ``= m G_cat u_conv + r R (k_rev + k_handle)`` with
  ``R`` size / not-as-described returns measured, ``r`` the reduction, ``k_rev`` measured reverse
  cost per return.
- **AI customer service**: benefit ``= N q a (c_h - c_ai) + m G u`` (orders ``N`` measured,
  contacts per order ``q``, automation rate ``a``).
- **Predictive replenishment**: benefit ``= r l V m`` with ``V`` the value of demand that waited
  for stock (backlog x price, measured on the inventory tables), ``l`` the share of it lost and
  ``r`` the reduction of stock-outs.

Sources: order-statistic expectation (David & Nagaraja 2003, *Order Statistics*, ch. 3); funnel
decomposition GMV = traffic x CTR x downstream conversion x AOV (standard e-commerce identity);
ROI and payback as in Phillips (2003), *Return on Investment in Training and Performance
Improvement Programs*. Assumption defaults are illustrative (vendor case studies vary widely) and
editable in the UI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import integrate, stats

__all__ = ["ASSUMPTIONS", "TECHS", "Tech", "assumptions_frame", "expected_best", "roi_table"]


@dataclass(frozen=True)
class Tech:
    """A radar entry: quadrant, ring (adopt/trial/assess/hold), impact 1-5, ROI key or note."""

    key: str
    name_zh: str
    name_en: str
    quadrant: str  # content | commerce | service | supply
    ring: str
    impact: int
    roi: bool
    note_zh: str
    note_en: str


TECHS: tuple[Tech, ...] = (
    Tech("aigc", "AIGC 创意生成", "AIGC creatives", "content", "adopt", 5, True,
         "批量生成素材变体，A/B 选优", "Many creative variants, best kept by A/B tests"),
    Tech("digital_human", "数字人主播", "Digital-human hosts", "content", "trial", 4, True,
         "夜间时段自播", "Overnight brand self-broadcast"),
    Tech("ar_tryon", "AR 虚拟试穿/试妆", "AR try-on", "commerce", "trial", 3, True,
         "降低尺码/不符退货", "Fewer size / not-as-described returns"),
    Tech("ai_service", "AI 智能客服", "AI customer service", "service", "adopt", 4, True,
         "自动应答，7×24", "Automated answers, 24/7"),
    Tech("replenishment", "预测式补货", "Predictive replenishment", "supply", "trial", 4, True,
         "减少缺货损失", "Fewer lost sales from stock-outs"),
    Tech("ai_agent", "AI 导购助手", "AI shopping assistant", "commerce", "assess", 4, False,
         "对话式导购，待验证", "Conversational shopping, to be validated"),
    Tech("traceability", "区块链溯源", "Blockchain traceability", "supply", "assess", 3, False,
         "见第 11 章账本", "See the chapter 11 ledger"),
    Tech("collectibles", "数字藏品", "Digital collectibles", "content", "assess", 2, False,
         "见第 11 章发售模拟", "See the chapter 11 drop simulator"),
    Tech("vision_store", "门店视觉识别", "In-store computer vision", "supply", "assess", 2, False,
         "客流与货架识别", "Footfall and shelf recognition"),
    Tech("metaverse_store", "元宇宙虚拟店", "Metaverse store", "commerce", "hold", 2, False,
         "流量小，品牌曝光为主", "Small traffic, mostly brand exposure"),
    Tech("voice", "语音购物", "Voice commerce", "service", "hold", 1, False,
         "国内场景有限", "Limited use cases so far"),
)  # fmt: skip
TECH_BY_KEY = {t.key: t for t in TECHS}

# key, tech, Chinese, English, default, min, max, unit
ASSUMPTIONS: tuple[tuple[str, str, str, str, float, float, float, str], ...] = (
    ("aigc_n_now", "aigc", "现有每活动素材数", "Creatives per campaign now", 3, 1, 50, "#"),
    ("aigc_n_new", "aigc", "AIGC 后每活动素材数", "Creatives per campaign with AIGC", 12, 1, 200, "#"),
    ("aigc_eta", "aigc", "测试捕获的选优比例", "Share of best-of-n gap captured", 0.6, 0, 1, "ratio"),
    ("aigc_savings", "aigc", "设计外包节省（元/年）", "Design outsourcing saved (CNY/yr)", 120_000, 0, 1e8, "CNY"),
    ("aigc_cost", "aigc", "AIGC 工具与人力（元/年）", "AIGC tools + staff (CNY/yr)", 300_000, 1, 1e9, "CNY"),
    ("dh_human_hour", "digital_human", "真人主播成本（元/小时）", "Human host cost (CNY/h)", 150, 0, 1e5, "CNY"),
    ("dh_digital_hour", "digital_human", "数字人成本（元/小时）", "Digital host cost (CNY/h)", 20, 0, 1e5, "CNY"),
    ("dh_retention", "digital_human", "数字人转化保持率", "Conversion retained by digital host", 0.8, 0, 1.5, "ratio"),
    ("dh_fixed", "digital_human", "数字人形象与系统（元/年）", "Avatar + system (CNY/yr)", 80_000, 1, 1e9, "CNY"),
    ("ar_conv_uplift", "ar_tryon", "试穿品类转化提升", "Conversion uplift (categories)", 0.05, 0, 1, "ratio"),
    ("ar_return_cut", "ar_tryon", "尺码/不符退货减少", "Cut in size / not-as-described returns", 0.25, 0, 1, "ratio"),
    ("ar_handling", "ar_tryon", "每单退货处理成本（元）", "Handling cost per return (CNY)", 15, 0, 1e4, "CNY"),
    ("ar_cost", "ar_tryon", "AR 服务费（元/年）", "AR service (CNY/yr)", 200_000, 1, 1e9, "CNY"),
    ("cs_contacts", "ai_service", "每单咨询次数", "Service contacts per order", 0.35, 0, 20, "#"),
    ("cs_automation", "ai_service", "自动解决率", "Automation rate", 0.6, 0, 1, "ratio"),
    ("cs_human", "ai_service", "人工每次成本（元）", "Human cost per contact (CNY)", 5, 0, 1e4, "CNY"),
    ("cs_ai", "ai_service", "AI 每次成本（元）", "AI cost per contact (CNY)", 0.5, 0, 1e4, "CNY"),
    ("cs_gmv_uplift", "ai_service", "7×24 应答 GMV 提升", "GMV uplift from 24/7 answers", 0.003, 0, 0.2, "ratio"),
    ("cs_cost", "ai_service", "平台费（元/年）", "Platform fee (CNY/yr)", 100_000, 1, 1e9, "CNY"),
    ("rp_lost_share", "replenishment", "缺货等待需求中流失比例", "Share of waiting demand lost", 0.5, 0, 1, "ratio"),
    ("rp_cut", "replenishment", "缺货减少比例", "Cut in stock-outs", 0.4, 0, 1, "ratio"),
    ("rp_cost", "replenishment", "预测系统（元/年）", "Forecasting system (CNY/yr)", 150_000, 1, 1e9, "CNY"),
)  # fmt: skip


def assumptions_frame(lang: str = "zh") -> pd.DataFrame:
    """The editable assumptions with their bounds (label in a language)."""
    i = 3 if lang == "en" else 2
    return pd.DataFrame(
        [{"key": a[0], "tech": a[1], "assumption": a[i], "value": float(a[4]), "min": a[5],
          "max": a[6], "unit": a[7]} for a in ASSUMPTIONS]
    )  # fmt: skip


def _values(frame: pd.DataFrame) -> dict[str, float]:
    """Validated ``key -> value`` from an (edited) assumptions frame."""
    bounds = {a[0]: (a[5], a[6], a[2], a[3]) for a in ASSUMPTIONS}
    vals = dict(zip(frame["key"], pd.to_numeric(frame["value"], errors="coerce"), strict=True))
    errors = []
    for k, (lo, hi, zh, en) in bounds.items():
        v = vals.get(k)
        if v is None or v != v or not lo <= v <= hi:
            errors.append(f"{en} / {zh}: {v!r} not within [{lo:g}, {hi:g}]")
    if errors:
        raise ValueError("; ".join(errors))
    if vals["aigc_n_new"] < vals["aigc_n_now"]:
        raise ValueError("creatives with AIGC must be >= creatives now")
    return {k: float(v) for k, v in vals.items()}


def expected_best(n: int, sigma: float) -> float:
    """E[max of n iid lognormal(0, sigma)] = int exp(sigma z) n phi(z) Phi(z)^(n-1) dz."""
    if n < 1:
        raise ValueError("n must be >= 1")
    if sigma < 0:
        raise ValueError("sigma must be >= 0")

    def f(z: float) -> float:
        return float(np.exp(sigma * z) * n * stats.norm.pdf(z) * stats.norm.cdf(z) ** (n - 1))

    return float(integrate.quad(f, -10, 10, limit=200)[0])


def roi_table(measured: dict[str, float | None], assumptions: pd.DataFrame) -> pd.DataFrame:
    """Annual benefit, cost, net, ROI and payback of the five technologies (module formulas).

    ``measured`` keys: days, margin, gmv, orders, paid_gmv, ctr_sigma, night_hours, night_gmv,
    cat_gmv, cat_returns, reverse_cost_per_return, backlog_value. A technology whose measured
    inputs are missing (None) is returned with ``computable = False``.
    """
    a = _values(assumptions)
    d = measured.get("days")
    if not d or d <= 0:
        raise ValueError("the dataset window has no days")
    year = 365.0 / d
    m = measured.get("margin")

    def ok(*keys: str) -> bool:
        return all(measured.get(k) is not None and measured.get(k) == measured.get(k) for k in keys)

    rows = []
    if ok("paid_gmv", "ctr_sigma", "margin"):
        e_now = expected_best(int(round(a["aigc_n_now"])), measured["ctr_sigma"])
        e_new = expected_best(int(round(a["aigc_n_new"])), measured["ctr_sigma"])
        u = a["aigc_eta"] * (e_new / e_now - 1)
        ben = m * measured["paid_gmv"] * u * year + a["aigc_savings"]
        rows.append(_row("aigc", ben, a["aigc_cost"], f"CTR +{100 * u:.1f}%"))
    else:
        rows.append(_row("aigc", None, a["aigc_cost"], "needs events + creatives"))
    if ok("night_hours", "night_gmv", "margin"):
        h = measured["night_hours"] * year
        ben = h * (a["dh_human_hour"] - a["dh_digital_hour"]) - (1 - a["dh_retention"]) * m * (
            measured["night_gmv"] * year
        )
        cost = a["dh_fixed"]
        rows.append(_row("digital_human", ben, cost, f"{h:,.0f} h/yr"))
    else:
        rows.append(_row("digital_human", None, a["dh_fixed"], "needs live_sessions"))
    if ok("cat_gmv", "cat_returns", "reverse_cost_per_return", "margin"):
        avoided = a["ar_return_cut"] * measured["cat_returns"] * year
        ben = m * measured["cat_gmv"] * year * a["ar_conv_uplift"] + avoided * (
            measured["reverse_cost_per_return"] + a["ar_handling"]
        )
        rows.append(_row("ar_tryon", ben, a["ar_cost"], f"{avoided:,.0f} returns avoided/yr"))
    else:
        rows.append(_row("ar_tryon", None, a["ar_cost"], "needs order lines + returns"))
    if ok("orders", "gmv"):
        auto = measured["orders"] * year * a["cs_contacts"] * a["cs_automation"]
        ben = (
            auto * (a["cs_human"] - a["cs_ai"])
            + (m or 0.0) * measured["gmv"] * year * a["cs_gmv_uplift"]
        )
        rows.append(_row("ai_service", ben, a["cs_cost"], f"{auto:,.0f} contacts automated/yr"))
    else:
        rows.append(_row("ai_service", None, a["cs_cost"], "needs orders"))
    if ok("backlog_value", "margin"):
        ben = a["rp_cut"] * a["rp_lost_share"] * measured["backlog_value"] * year * m
        rows.append(_row("replenishment", ben, a["rp_cost"], "stock-outs from inventory"))
    else:
        rows.append(_row("replenishment", None, a["rp_cost"], "needs inventory snapshots"))
    return pd.DataFrame(rows)


def _row(key: str, benefit: float | None, cost: float, driver: str) -> dict[str, object]:
    if benefit is None:
        return {"key": key, "benefit": np.nan, "cost": cost, "net": np.nan, "roi": np.nan,
                "payback_months": np.nan, "computable": False, "driver": driver}  # fmt: skip
    net = benefit - cost
    payback = 12 * cost / benefit if benefit > 0 else np.inf
    return {"key": key, "benefit": benefit, "cost": cost, "net": net, "roi": net / cost,
            "payback_months": payback, "computable": True, "driver": driver}  # fmt: skip
