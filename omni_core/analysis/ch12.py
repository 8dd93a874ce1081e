"""Chapter 12 — the annual campaign calendar and the promo scenario planner.

Orchestration for ``pages/ch12_calendar.py``: calibrate the scenario model on a dataset through
the planning metrics, build the year's calendar, turn form input into a validated ``Scenario``,
run it, compare saved scenarios, optimise the budget, and backtest the model on the history.
Everything returns small frames/dicts; labels come in the page's language.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from omni_core.metrics import planning as pm
from omni_core.models import budget as bm
from omni_core.models import scenario as sm
from omni_core.models.scenario import Calibration, Mechanics, Phase, Scenario, ScenarioError
from omni_core.warehouse import Warehouse
from omni_core.world.behaviour import Behaviour
from omni_core.world.params import WorldParams

__all__ = [
    "MECHANIC_FIELDS",
    "annual_calendar",
    "backtest",
    "calibrate",
    "compare",
    "error_text",
    "form_frames",
    "optimize",
    "run",
    "scenario_from_form",
    "starting_scenario",
]

SOURCE_LABEL = {
    "data": ("数据校准", "calibrated from data"),
    "behaviour": ("行为模型", "behaviour model"),
    "literature": ("文献", "literature"),
    "assumption": ("假设", "assumption"),
    "doc": ("文档", "document"),
}


def _l(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def error_text(err: Exception, lang: str) -> str:
    """The message of a (bilingual) scenario error in the page's language."""
    if isinstance(err, ScenarioError):
        return err.en if lang == "en" else err.zh
    return str(err)


# ---------------------------------------------------------------- calibration
def calibrate(wh: Warehouse, dataset: str) -> Calibration:
    """Fit the scenario model on a dataset with whatever tables it has (orders at least)."""
    if not dataset or not wh.has_dataset(dataset):
        raise ScenarioError(
            "仓库中还没有数据集：请先在数据中心加载或导入",
            "no dataset in the warehouse yet: load or import one on the Data page",
        )
    have = set(wh.table_names(dataset))
    if "orders" not in have:
        raise ScenarioError(
            "数据集没有订单表：无法规划", "the dataset has no orders table to plan on"
        )
    t = wh.tables(dataset)
    sales = wh.query(pm.daily_sales(t))
    visits = wh.query(pm.daily_visits(t)) if "events" in have else None
    spend = wh.query(pm.daily_spend(t)) if "ad_spend" in have else None
    extras: dict[str, float | None] = {}
    ov = wh.query(pm.order_value_stats(t)).iloc[0]
    extras["basket_sigma"] = _num(ov["log_sd"]) if _num(ov["n"]) and ov["n"] >= 30 else None
    if "order_lines" in have:
        bs = wh.query(pm.basket_stats(t, with_cost="skus" in have)).iloc[0]
        if _num(bs["orders"]):
            extras["units_per_order"] = float(bs["units"]) / float(bs["orders"])
            if "skus" in have and _num(bs["line_value"]) and _num(bs["cost"]):
                extras["cogs_ratio"] = float(bs["cost"]) / float(bs["line_value"])
    if "returns" in have:
        rf = wh.query(pm.refund_totals(t)).iloc[0]
        if _num(rf["gmv"]):
            extras["refund_rate"] = (_num(rf["refunded"]) or 0.0) / float(rf["gmv"]) or None
    if "carriers" in have:
        pc = wh.query(pm.parcel_cost(t)).iloc[0]
        if _num(pc["orders"]):
            extras["parcel_cost"] = float(pc["cost"]) / float(pc["orders"])
    if "campaigns" in have:
        cr = wh.query(pm.campaign_roas_target(t)).iloc[0]
        if _num(cr["budget"]):
            extras["target_roas"] = float(cr["weighted"]) / float(cr["budget"])
    names = wh.query(t.channels) if "channels" in have else None
    return sm.fit_calibration(sales, visits, spend, extras, names)


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and v != 0 else None


# ---------------------------------------------------------------- annual calendar
MONTHLY_THEMES: dict[int, tuple[str, str]] = {
    1: ("年货节", "New Year"), 2: ("开学季·情人节", "Valentine's & school"),
    3: ("女王节·春上新", "Queen's Day"), 4: ("春季焕新", "Spring refresh"),
    5: ("618 预热", "618 warm-up"), 6: ("618 年中大促", "618 mid-year"),
    7: ("暑期清凉", "Summer"), 8: ("七夕·开学季", "Qixi & school"),
    9: ("99 大促·中秋", "99 sale & Mid-autumn"), 10: ("国庆·双11 种草", "Golden Week, D11 seeding"),
    11: ("双11 收割", "D11 harvest"), 12: ("双12·年终盛典", "D12 & year-end"),
}  # fmt: skip
# Category of each month's super category day (third Saturday; a planning convention).
CATEGORY_ROTATION = {1: "food", 2: "personal_care", 3: "beauty", 4: "apparel", 5: "home",
                     6: "electronics", 7: "sports", 8: "baby", 9: "electronics", 10: "apparel",
                     11: "beauty", 12: "food"}  # fmt: skip


def annual_calendar(year: int, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The year as the behaviour model sees it plus the planning conventions (doc ch.12).

    ``days``: one row per date with ``factor`` (mean session intensity, an ordinary weekday ~1),
    event/phase, monthly theme, category day, Tuesday/Thursday flash day, member day (the 8th).
    ``bars``: timeline rows (events' phases, monthly themes). ``phases``: the event phases with
    their multipliers.
    """
    from omni_core.reference import CATEGORIES

    if not 2000 <= int(year) <= 2100:
        raise ScenarioError("年份需在 2000–2100", "year must be within 2000-2100")
    start = dt.date(year, 1, 1)
    n = (dt.date(year + 1, 1, 1) - start).days
    model = Behaviour(WorldParams())
    tab = model.day_table(start, n)
    factor = model.minute_intensity(start, n).reshape(n, -1).mean(1)
    cat_name = {c[0]: (c[1], c[2]) for c in CATEGORIES}
    rows = []
    for i, d in enumerate(tab.dates):
        cat_day = d == sm.next_category_day(d - dt.timedelta(days=1))
        cat = cat_name[CATEGORY_ROTATION[d.month]] if cat_day else None
        flash = d.weekday() in sm.FLASH_WEEKDAYS
        tags = [tab.phase[i]] if tab.phase[i] else []
        tags += [_l(("品类日：", "category day: "), lang) + _l(cat, lang)] if cat else []
        tags += [_l(("周二/周四秒杀", "Tue/Thu flash sale"), lang)] if flash else []
        rows.append({
            "date": pd.Timestamp(d), "week": int((d - start).days + start.weekday()) // 7,
            "weekday": d.weekday(), "factor": float(factor[i]), "event": tab.event[i],
            "phase": tab.phase[i], "theme": _l(MONTHLY_THEMES[d.month], lang),
            "category_day": _l(cat, lang) if cat else "", "flash": flash,
            "member_day": d.day == 8,
            "label": f"{d:%m-%d} {_l(('周' + '一二三四五六日'[d.weekday()], d.strftime('%a')), lang)} · "
            + _l(MONTHLY_THEMES[d.month], lang)
            + ("<br>" + " · ".join(tags) if tags else ""),
        })  # fmt: skip
    days = pd.DataFrame(rows)
    bars = []
    for m in range(1, 13):
        s = dt.date(year, m, 1)
        e = dt.date(year + (m == 12), m % 12 + 1, 1)
        bars.append({"row": _l(("月度主题", "Monthly theme"), lang), "label": _l(MONTHLY_THEMES[m], lang),
                     "start": pd.Timestamp(s), "end": pd.Timestamp(e), "kind": "theme"})  # fmt: skip
    phases = []
    from omni_core.world.params import DEFAULT_CALENDAR

    for p in DEFAULT_CALENDAR:
        s, e = dt.date(year, *p.start), dt.date(year, *p.end)
        ev = sm.EVENTS.get(p.event, (p.event, p.event))
        bars.append({"row": _l(ev, lang), "label": p.name, "start": pd.Timestamp(s),
                     "end": pd.Timestamp(e + dt.timedelta(days=1)), "kind": sm.phase_kind(p)})  # fmt: skip
        phases.append({
            _l(("活动", "Event"), lang): _l(ev, lang), _l(("阶段", "Phase"), lang): p.name,
            _l(("开始", "Start"), lang): s, _l(("结束", "End"), lang): e,
            _l(("流量×", "Traffic ×"), lang): p.traffic,
            _l(("转化×", "Conversion ×"), lang): round(p.cart * p.order, 2),
            _l(("平台折扣", "Platform discount"), lang): f"{p.discount:.0%}",
        })  # fmt: skip
    return {"days": days, "bars": pd.DataFrame(bars), "phases": pd.DataFrame(phases)}


# ---------------------------------------------------------------- starting points and forms
def _pooled_aov(calib: Calibration) -> float:
    ch = calib.channels
    w = ch["orders_hist"].clip(lower=0)
    return (
        float((ch["aov_gross"] * w).sum() / w.sum())
        if w.sum() > 0
        else float(ch["aov_gross"].mean())
    )


def default_mechanics(calib: Calibration, event: str) -> Mechanics:
    """The doc's mechanics scaled to the dataset's basket: deposit ~15% of AOV inflated 1:2
    ("pay 100 get 200") for 30% of pre-sale demand, a threshold near 80% of AOV with 1/6 off
    ("300-50"), Tue/Thu flash sales 30% off on 10% of baskets, 10% big-promotion coupons used by
    half the orders on the main days (planning conventions)."""
    aov = _pooled_aov(calib)
    dep = max(10.0, round(0.15 * aov, -1))
    thr = max(50.0, round(0.8 * aov / 50) * 50)
    common = dict(threshold=thr, threshold_off=round(thr / 6 / 5) * 5, flash_depth=0.3,
                  flash_share=0.1, coupon_rate=0.10, coupon_coverage=0.5)  # fmt: skip
    if event == "double11":
        return Mechanics(deposit=dep, deposit_value=2 * dep, presale_share=0.3, **common)
    if event == "category_day":
        return Mechanics(flash_depth=0.3, flash_share=0.15, coupon_rate=0.08, coupon_coverage=0.4)
    return Mechanics(**common)


def bau_budgets(calib: Calibration, sc: Scenario) -> dict[str, float]:
    """Business-as-usual budgets: the run-rate daily spend scaled by each day's market size."""
    plan = sm.prepare(sc.with_(budgets=()), calib)
    return {c: round(float(calib.channels.at[c, "spend"] * plan.market.sum()), -2)
            for c in calib.paid_channels}  # fmt: skip


def starting_scenario(
    calib: Calibration, event: str, *, name: str | None = None, lang: str = "zh"
) -> Scenario:
    """A complete default scenario for the event's next occurrence after the history: phases from
    the behaviour model's calendar, default mechanics, business-as-usual budgets with bounds at
    half and double each channel's share, stock = expected demand +10%, target = expected GMV +10%
    (rounded)."""
    after = dt.date.fromisoformat(calib.history["end"])
    sc = sm.template(event, after, name=name, lang=lang)
    sc = sc.with_(mechanics=default_mechanics(calib, event))
    budgets = bau_budgets(calib, sc)
    tot = sum(budgets.values()) or 1.0
    bounds = tuple(
        (c, round(b / tot / 2, 3), min(1.0, round(2 * b / tot, 3))) for c, b in budgets.items()
    )
    sc = sc.with_(budgets=tuple(budgets.items()), bounds=bounds)
    res = sm.simulate(sm.prepare(sc.with_(n_sims=0), calib))
    units = res.daily["demand_orders"].sum() * calib.scalars["units_per_order"]
    return sc.with_(
        stock_units=float(_round2(units * 1.10)), target_gmv=float(_round2(res.kpis["gmv"] * 1.10))
    )


def _round2(x: float) -> float:
    """Round to two significant figures."""
    if x <= 0:
        return 0.0
    return float(round(x, -int(math.floor(math.log10(x))) + 1))


SCENARIO_FIELDS: list[dict[str, Any]] = [
    {"key": "name", "zh": "情景名称", "en": "Scenario name", "kind": "text"},
    {"key": "budget", "zh": "总预算 ¥", "en": "Total budget ¥", "kind": "number", "min": 0.0, "max": 1e10, "step": 10000.0, "fmt": "%.0f"},
    {"key": "target_gmv", "zh": "目标 GMV ¥", "en": "Target GMV ¥", "kind": "number", "min": 0.0, "max": 1e12, "step": 100000.0, "fmt": "%.0f"},
    {"key": "stock_units", "zh": "期初库存 件（0=不限）", "en": "Stock units (0 = unlimited)", "kind": "number", "min": 0.0, "max": 1e9, "step": 1000.0, "fmt": "%.0f"},
    {"key": "restock_units", "zh": "补货 件", "en": "Restock units", "kind": "number", "min": 0.0, "max": 1e9, "step": 1000.0, "fmt": "%.0f"},
    {"key": "restock_date", "zh": "补货到货日", "en": "Restock arrives", "kind": "date"},
    {"key": "growth", "zh": "基线增长 %", "en": "Baseline growth %", "kind": "number", "min": -90.0, "max": 500.0, "step": 5.0, "fmt": "%.0f"},
    {"key": "target_roas", "zh": "目标 ROAS", "en": "Target ROAS", "kind": "number", "min": 0.0, "max": 100.0, "step": 0.5, "fmt": "%.1f"},
    {"key": "seed", "zh": "随机种子", "en": "Seed", "kind": "int", "min": 0, "max": 2**31 - 1, "step": 1, "fmt": "%d"},
]  # fmt: skip
MECHANIC_FIELDS: list[dict[str, Any]] = [
    {"key": "deposit", "zh": "定金 ¥", "en": "Deposit ¥", "min": 0.0, "max": 1e5, "step": 10.0, "scale": 1},
    {"key": "deposit_value", "zh": "膨胀抵扣 ¥", "en": "Deposit worth ¥", "min": 0.0, "max": 1e5, "step": 10.0, "scale": 1},
    {"key": "presale_share", "zh": "预售占比 %", "en": "Pre-sale share %", "min": 0.0, "max": 100.0, "step": 5.0, "scale": 100},
    {"key": "threshold", "zh": "跨店满 ¥", "en": "Cross-store: every ¥", "min": 0.0, "max": 1e6, "step": 10.0, "scale": 1},
    {"key": "threshold_off", "zh": "减 ¥", "en": "… ¥ off", "min": 0.0, "max": 1e6, "step": 5.0, "scale": 1},
    {"key": "flash_depth", "zh": "秒杀折扣 %", "en": "Flash discount %", "min": 0.0, "max": 90.0, "step": 5.0, "scale": 100},
    {"key": "flash_share", "zh": "秒杀覆盖 %", "en": "Flash coverage %", "min": 0.0, "max": 100.0, "step": 5.0, "scale": 100},
    {"key": "coupon_rate", "zh": "券面额 %", "en": "Coupon value %", "min": 0.0, "max": 50.0, "step": 1.0, "scale": 100},
    {"key": "coupon_coverage", "zh": "用券订单 %", "en": "Orders with coupon %", "min": 0.0, "max": 100.0, "step": 5.0, "scale": 100},
]  # fmt: skip


def form_values(sc: Scenario) -> dict[str, Any]:
    """Widget values (display units) of a scenario for the form."""
    out: dict[str, Any] = {
        "name": sc.name, "budget": sc.total_budget, "target_gmv": sc.target_gmv,
        "stock_units": sc.stock_units, "restock_units": sc.restock_units,
        "restock_date": sc.restock_date or sc.start, "growth": 100 * sc.growth,
        "target_roas": sc.target_roas, "seed": sc.seed,
    }  # fmt: skip
    for f in MECHANIC_FIELDS:
        out[f["key"]] = float(getattr(sc.mechanics, f["key"])) * f["scale"]
    return out


def form_frames(calib: Calibration, sc: Scenario, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The phase table and the channel-mix table the form edits."""
    phases = pd.DataFrame([
        {"name": p.name, "kind": _l(sm.PHASE_KINDS[p.kind], lang), "start": p.start, "end": p.end,
         "traffic": p.traffic} for p in sc.phases
    ])  # fmt: skip
    budgets = sc.budget_of()
    tot = sc.total_budget or 1.0
    bounds = {c: (lo, hi) for c, lo, hi in sc.bounds}
    ch = calib.channels
    rows = []
    for c in calib.paid_channels:
        lo, hi = bounds.get(c, (0.0, 1.0))
        rows.append({"channel": ch.at[c, _l(("name_zh", "name_en"), lang)],
                     "share": round(100 * budgets.get(c, 0.0) / tot, 1),
                     "min": round(100 * lo, 1), "max": round(100 * hi, 1)})  # fmt: skip
    return phases, pd.DataFrame(rows)


def kind_options(lang: str) -> list[str]:
    """Labels of the phase kinds (the form's select column)."""
    return [_l(v, lang) for v in sm.PHASE_KINDS.values()]


def scenario_from_form(
    calib: Calibration,
    base: Scenario,
    values: Mapping[str, Any],
    phases: pd.DataFrame,
    mix: pd.DataFrame,
) -> Scenario:
    """Build and validate a scenario from the form (display units -> model units)."""
    kind_of = {lab: k for k, pair in sm.PHASE_KINDS.items() for lab in (*pair, k)}
    rows = []
    for i, r in enumerate(phases.to_dict("records"), start=1):
        if all(_blank(r.get(k)) for k in ("name", "kind", "start", "end", "traffic")):
            continue
        if any(_blank(r.get(k)) for k in ("name", "kind", "start", "end", "traffic")):
            raise ScenarioError(f"第 {i} 个阶段未填写完整", f"phase row {i} is incomplete")
        if r["kind"] not in kind_of:
            raise ScenarioError(f"第 {i} 个阶段类型未知", f"phase row {i}: unknown kind")
        rows.append(Phase(str(r["name"]).strip(), kind_of[r["kind"]], _date(r["start"]),
                          _date(r["end"]), float(r["traffic"])))  # fmt: skip
    ch = calib.channels
    label_to_id = {ch.at[c, col]: c for c in ch.index for col in ("name_zh", "name_en")}
    label_to_id.update({c: c for c in ch.index})
    shares, bounds = {}, []
    for r in mix.to_dict("records"):
        c = label_to_id.get(r.get("channel"))
        if c is None:
            continue
        vals = [
            float(r.get(k)) if not _blank(r.get(k)) else float("nan")
            for k in ("share", "min", "max")
        ]
        if any(not math.isfinite(v) or v < 0 or v > 100 for v in vals):
            raise ScenarioError(f"{r.get('channel')}: 占比与上下限需在 0–100%",
                                f"{r.get('channel')}: share and bounds must be within 0-100%")  # fmt: skip
        shares[c] = vals[0]
        bounds.append((c, vals[1] / 100, vals[2] / 100))
    budget = float(values["budget"])
    tot = sum(shares.values())
    if budget > 0 and tot <= 0:
        raise ScenarioError(
            "预算大于 0 时渠道占比不能全为 0", "with a budget, channel shares cannot all be 0"
        )
    budgets = tuple((c, budget * s / tot if tot > 0 else 0.0) for c, s in shares.items())
    mech = Mechanics(**{f["key"]: float(values[f["key"]]) / f["scale"] for f in MECHANIC_FIELDS})
    restock = float(values.get("restock_units") or 0.0)
    sc = base.with_(
        name=str(values["name"]), phases=tuple(rows), mechanics=mech, budgets=budgets,
        bounds=tuple(bounds), stock_units=float(values["stock_units"]), restock_units=restock,
        restock_date=_date(values["restock_date"]) if restock > 0 else None,
        target_gmv=float(values["target_gmv"]), growth=float(values["growth"]) / 100,
        target_roas=float(values["target_roas"]), seed=int(values["seed"]),
    )  # fmt: skip
    if sc.restock_date is not None and not sc.start <= sc.restock_date <= sc.end:
        raise ScenarioError(
            "补货到货日需在活动窗口内", "the restock date must fall within the window"
        )
    return sc


def _blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, float) and math.isnan(v))
        or (isinstance(v, str) and not v.strip())
        or v is pd.NaT
    )


def _date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, pd.Timestamp):
        return v.date()
    try:
        return dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        raise ScenarioError(f"无法识别的日期 {v!r}", f"unreadable date {v!r}") from None


# ---------------------------------------------------------------- formatting
def money(x: float | None) -> str:
    """Yuan, compact (万 in Chinese, k/M in English is left to thousands separators)."""
    if x is None or not math.isfinite(x):
        return "—"
    return f"¥{x:,.0f}"


def pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{100 * x:.{digits}f}%"


def num(x: float | None) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:,.0f}"


RULE_LABEL = {k: (v[0], v[1]) for k, v in sm.ALERT_TEXT.items()}
ACTION_LABEL = {k: (v[2], v[3]) for k, v in sm.ALERT_TEXT.items()}
SEVERITY = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}
CAUSE = {"stockout": ("缺货", "stock-out"), "demand": ("需求/折扣", "demand/discount"),
         "plan": ("快于计划", "ahead of plan"), "stock": ("库存耗尽", "stock exhausted")}  # fmt: skip


# ---------------------------------------------------------------- running
def run(calib: Calibration, sc: Scenario, lang: str = "zh") -> dict[str, Any]:
    """Simulate a scenario; frames for charts plus display tables and KPI tiles."""
    res = sm.simulate(sm.prepare(sc, calib))
    k, risk = res.kpis, res.risk
    att = k["attainment"]
    conv_vs = (
        k["conversion"] / k["base_conversion"] - 1 if k["base_conversion"] > 0 else float("nan")
    )
    tiles1 = [
        ("GMV" + (_l(("（达标概率 ", " (P(target) = "), lang) + pct(risk["target_prob"], 0) + _l(("）", ")"), lang)
                  if risk and math.isfinite(risk.get("target_prob", float("nan"))) else ""),
         money(k["gmv"]), f"{100 * (att - 1):+.0f}% vs " + _l(("目标", "target"), lang) if math.isfinite(att) else None),
        (_l(("订单", "Orders"), lang), num(k["orders"]), None),
        (_l(("访问", "Visits"), lang), num(k["visits"]), None),
        (_l(("UV 转化率", "UV conversion"), lang), pct(k["conversion"], 2),
         f"{100 * conv_vs:+.0f}% vs " + _l(("日常", "BAU"), lang) if math.isfinite(conv_vs) else None),
        (_l(("客单价", "AOV"), lang), money(k["aov"]), None),
    ]  # fmt: skip
    stock_txt, stock_lab = "—", _l(("首次缺货", "First stock-out"), lang)
    if sc.stock_units > 0:
        stock_txt = (f"{k['stockout_at']:%m-%d %H:00}" if k["stockout_at"] is not None
                     else _l(("不缺货", "none"), lang))  # fmt: skip
        if risk:
            stock_lab += (
                _l(("（缺货概率 ", " (P = "), lang)
                + pct(risk["stockout_prob"], 0)
                + _l(("）", ")"), lang)
            )
    tiles2 = [
        (_l(("广告花费", "Ad spend"), lang), money(k["spend"]), None),
        ("ROAS", f"{k['roas']:.2f}" if math.isfinite(k["roas"]) else "—", None),
        (_l(("贡献毛利（毛利率 ", "Contribution margin ("), lang) + pct(k["margin_rate"]) + _l(("）", ")"), lang),
         money(k["margin"]), None),
        (_l(("动销率", "Sell-through"), lang), pct(k["sell_through"], 0), None),
        (stock_lab, stock_txt, None),
    ]  # fmt: skip
    return {
        "result": res,
        "tiles": [tiles1, tiles2],
        "daily": res.daily,
        "hourly": res.hourly[res.hourly["peak"]].reset_index(drop=True),
        "all_hours": res.hourly,
        "base": k["base_conversion"],
        "alerts": alerts_table(res.alerts, lang),
        "channels": channel_table(res.channels, lang),
        "risk": risk,
        "kpis": k,
    }


def alerts_table(alerts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The playbook alerts in the page's language."""
    cols = [_l(x, lang) for x in [("级别", "Severity"), ("规则", "Rule"), ("开始", "From"),
                                   ("持续 h", "Hours"), ("指标", "Value"), ("原因", "Cause"),
                                   ("动作", "Action"), ("来源", "Source")]]  # fmt: skip
    rows = []
    for r in alerts.itertuples(index=False):
        if r.rule == "roas":
            val = f"ROAS {r.value:.2f} < {r.threshold:.2f}"
        elif r.rule == "stockout":
            val = _l(("缺口 ", "short "), lang) + f"{r.value:,.0f}" + _l((" 件", " units"), lang)
        else:
            val = f"{r.value:+.0%}" if r.rule == "sell_through" else f"-{r.value:.0%}"
        rows.append([_l(SEVERITY[r.severity], lang), _l(RULE_LABEL[r.rule], lang),
                     f"{pd.Timestamp(r.start):%m-%d %H:00}", int(r.hours), val,
                     _l(CAUSE.get(r.cause, (r.cause, r.cause)), lang), _l(ACTION_LABEL[r.rule], lang),
                     _l(SOURCE_LABEL.get(r.source, (r.source, r.source)), lang)])  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def channel_table(ch: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per-channel results for display (formatted; '—' where a channel buys no traffic)."""
    ch = ch.sort_values("gmv", ascending=False)
    ratio = lambda x: f"{x:.2f}" if math.isfinite(x) else "—"  # noqa: E731
    return pd.DataFrame({
        _l(("渠道", "Channel"), lang): ch[_l(("name_zh", "name_en"), lang)],
        _l(("预算", "Budget"), lang): [money(x) if p else "—" for x, p in zip(ch["budget"], ch["paid_ok"], strict=True)],
        _l(("访问", "Visits"), lang): ch["visits"].map(num), _l(("订单", "Orders"), lang): ch["orders"].map(num),
        "GMV": ch["gmv"].map(money), "ROAS": ch["roas"].map(ratio),
        _l(("边际 ROAS（下一元）", "Marginal ROAS (next ¥1)"), lang): ch["marginal_roas"].map(ratio),
        _l(("贡献毛利（扣广告）", "Margin after ads"), lang): ch["margin"].map(money),
    })  # fmt: skip


def provenance_table(calib: Calibration, lang: str) -> pd.DataFrame:
    """Which numbers are calibrated from data and which are assumptions."""
    p = calib.provenance
    return pd.DataFrame({
        _l(("参数", "Parameter"), lang): p["parameter"], _l(("取值", "Value"), lang): p["value"].astype(str),
        _l(("来源", "Source"), lang): [_l(SOURCE_LABEL[s], lang) for s in p["source"]],
        _l(("说明", "Note"), lang): p[_l(("note_zh", "note_en"), lang)],
    })  # fmt: skip


# ---------------------------------------------------------------- comparison
COMPARE_ROWS = [
    ("gmv", ("GMV", "GMV"), money), ("target_gmv", ("目标 GMV", "Target GMV"), money),
    ("attainment", ("达成率", "Attainment"), lambda x: pct(x, 0)),
    ("orders", ("订单", "Orders"), num), ("visits", ("访问", "Visits"), num),
    ("conversion", ("转化率", "Conversion"), lambda x: pct(x, 2)), ("aov", ("客单价", "AOV"), money),
    ("spend", ("广告花费", "Ad spend"), money), ("roas", ("ROAS", "ROAS"), lambda x: f"{x:.2f}"),
    ("margin", ("贡献毛利", "Margin"), money), ("margin_rate", ("毛利率", "Margin rate"), pct),
    ("sell_through", ("动销率", "Sell-through"), lambda x: pct(x, 0)),
    ("lost_gmv", ("缺货损失 GMV", "GMV lost to stock-outs"), money),
]  # fmt: skip


def compare(
    calib: Calibration, scenarios: Sequence[Scenario], lang: str = "zh"
) -> dict[str, pd.DataFrame]:
    """Side-by-side metrics (rows) of several scenarios (columns, the first is the reference),
    the change of each other scenario against the first, and their overlaid curves."""
    if len(scenarios) < 2:
        raise ScenarioError("请至少选择两个情景", "choose at least two scenarios")
    if len({sc.name for sc in scenarios}) < len(scenarios):
        raise ScenarioError("情景名称重复", "scenario names must differ")
    cols, curves, raw = {}, [], {}
    for sc in scenarios:
        res = sm.simulate(sm.prepare(sc, calib))
        k = res.kpis
        raw[sc.name] = [
            float(k[key]) if k.get(key) is not None else float("nan") for key, _, _ in COMPARE_ROWS
        ]
        col = [fmt(k[key]) if k.get(key) is not None and math.isfinite(float(k[key])) else "—"
               for key, _, fmt in COMPARE_ROWS]  # fmt: skip
        col.append(
            f"{money(res.risk.get('gmv_p10'))} – {money(res.risk.get('gmv_p90'))}"
            if res.risk
            else "—"
        )
        col.append(f"{k['stockout_at']:%m-%d %H:00}" if k["stockout_at"] is not None else "—")
        col.append(str(len(res.alerts)))
        col += [money(sc.total_budget), f"{sc.mechanics.deposit:.0f}→{sc.mechanics.deposit_value:.0f}",
                f"{sc.mechanics.threshold:.0f}-{sc.mechanics.threshold_off:.0f}",
                pct(sc.mechanics.flash_depth, 0), pct(sc.mechanics.coupon_rate, 0), num(sc.stock_units),
                f"{sc.start:%Y-%m-%d} → {sc.end:%m-%d}"]  # fmt: skip
        cols[sc.name] = col
        d = res.daily
        curves.append(pd.DataFrame({"scenario": sc.name, "date": d["date"], "day": np.arange(len(d)),
                                    "gmv": d["gmv"], "gmv_cum": d["gmv_cum"], "stock": d["stock_end"]}))  # fmt: skip
    index = [_l(lab, lang) for _, lab, _ in COMPARE_ROWS] + [
        _l(x, lang) for x in [("GMV P10–P90", "GMV P10–P90"), ("首次缺货", "First stock-out"),
                              ("预警数", "Alerts"), ("总预算", "Total budget"),
                              ("定金→抵扣", "Deposit → worth"), ("跨店满减", "Cross-store discount"),
                              ("秒杀折扣", "Flash discount"), ("券面额", "Coupon value"),
                              ("库存", "Stock"), ("窗口", "Window")]]  # fmt: skip
    first = scenarios[0].name
    for sc in scenarios[1:]:
        delta = []
        for x, ref, (key, _, _) in zip(raw[sc.name], raw[first], COMPARE_ROWS, strict=True):
            if not (math.isfinite(x) and math.isfinite(ref)) or key == "target_gmv":
                delta.append("")
            elif key in ("attainment", "conversion", "margin_rate", "sell_through"):
                delta.append(f"{100 * (x - ref):+.1f} pp")
            else:
                delta.append(f"{100 * (x / ref - 1):+.1f}%" if ref else "")
        cols[f"{sc.name} vs {first}"] = delta + [""] * (len(index) - len(delta))
    table = pd.DataFrame(cols, index=index)
    table.index.name = _l(("指标", "Metric"), lang)
    return {"table": table.reset_index(), "curves": pd.concat(curves, ignore_index=True)}


# ---------------------------------------------------------------- optimisation
def optimize(
    calib: Calibration, sc: Scenario, objective: str = "gmv", lang: str = "zh"
) -> dict[str, Any]:
    """Reallocate the scenario's total budget across paid channels (``omni_core.models.budget``)
    within its bounds, then re-simulate both allocations with stock."""
    plan = sm.prepare(sc, calib)
    obj, idx = bm.scenario_objective(plan, objective)
    if not len(idx):
        raise ScenarioError(
            "没有可重新分配预算的付费渠道：数据集中没有广告花费或付费流量，预算优化无从下手",
            "no paid channel to reallocate: the dataset has no ad spend or paid traffic, so the "
            "budget optimiser has nothing to move",
        )
    chans = [plan.channels[i] for i in idx]
    total = sc.total_budget
    bounds = {c: (lo, hi) for c, lo, hi in sc.bounds}
    lo = np.array([bounds.get(c, (0.0, 1.0))[0] for c in chans]) * total
    hi = np.array([bounds.get(c, (0.0, 1.0))[1] for c in chans]) * total
    try:
        alloc = bm.allocate(obj, total, lo, hi)
    except ValueError as e:
        raise ScenarioError(f"预算上下限不可行：{e}", f"infeasible budget bounds: {e}") from None
    cur = sm.budget_vector(plan)[idx]
    eq = bm.equal_split(total, lo, hi)
    new_sc = sc.with_budgets(dict(zip(chans, np.round(alloc.budgets, 0), strict=True)))
    before = sm.simulate(plan)
    after = sm.simulate(sm.prepare(new_sc, calib))
    ch = calib.channels
    name_col = _l(("name_zh", "name_en"), lang)
    table = pd.DataFrame({
        _l(("渠道", "Channel"), lang): [ch.at[c, name_col] for c in chans],
        _l(("当前预算", "Current"), lang): [money(x) for x in cur],
        _l(("优化后", "Optimised"), lang): [money(x) for x in alloc.budgets],
        _l(("变化", "Change"), lang): [f"{x:+,.0f}" for x in alloc.budgets - cur],
        _l(("下限", "Min"), lang): [money(x) for x in lo], _l(("上限", "Max"), lang): [money(x) for x in hi],
        _l(("边际回报(当前)", "Marginal return (now)"), lang): [f"{x:.2f}" for x in obj.grad(cur)],
        _l(("边际回报(优化)", "Marginal return (opt.)"), lang): [f"{x:.2f}" for x in obj.grad(alloc.budgets)],
    })  # fmt: skip
    # Response curves: the objective is separable, so one evaluation gives every channel's value.
    top = np.maximum(np.maximum(hi, 2 * cur), 1.0)
    grid = np.linspace(0, 1, 41)[:, None] * top[None, :]
    vals = np.array([obj.value(b) for b in grid])
    labels = [ch.at[c, name_col] for c in chans]
    curves = [{"channel": labels[j], "budget": grid[i, j], "value": vals[i, j]}
              for j in range(len(chans)) for i in range(len(grid))]  # fmt: skip
    marks = pd.DataFrame({"channel": [ch.at[c, name_col] for c in chans], "current": cur,
                          "current_value": obj.value(cur), "optimised": alloc.budgets,
                          "optimised_value": obj.value(alloc.budgets)})  # fmt: skip
    return {
        "table": table,
        "scenario": new_sc,
        "allocation": alloc,
        "curves": pd.DataFrame(curves),
        "marks": marks,
        "objective_now": obj.total(cur),
        "objective_opt": alloc.value,
        "objective_equal": obj.total(eq),
        "label": "GMV" if objective == "gmv" else _l(("贡献毛利", "Contribution margin"), lang),
        "before": before.kpis,
        "after": after.kpis,
    }


# ---------------------------------------------------------------- backtest
def backtest(calib: Calibration) -> dict[str, Any] | None:
    """Replay the history's calendar event with the calibrated model (the behaviour model's own
    discounts, the history's spend and trend) and compare daily GMV with what happened.
    ``None`` when the history holds no calendar phase."""
    d = calib.daily
    if d.empty or not (d["phase"] != "").any() or not (d["phase"] == "").any():
        return None
    from omni_core.world.params import DEFAULT_CALENDAR

    days = pd.to_datetime(d["day"]).dt.date.tolist()
    phases = []
    for p in DEFAULT_CALENDAR:
        for y in sorted({x.year for x in days}):
            s, e = dt.date(y, *p.start), dt.date(y, *p.end)
            if s >= days[0] and e <= days[-1]:
                phases.append((p, s, e))
    if not phases:
        return None
    event = max(
        {p.event for p, _, _ in phases},
        key=lambda ev: sum((e - s).days + 1 for p, s, e in phases if p.event == ev),
    )
    chosen = [(p, s, e) for p, s, e in phases if p.event == event]
    sc = Scenario(
        name="backtest",
        event=event if event in sm.EVENTS else "double11",
        phases=tuple(Phase(p.name, sm.phase_kind(p), s, e, p.traffic) for p, s, e in chosen),
        n_sims=0,
    ).validate()
    win = (pd.to_datetime(d["day"]).dt.date >= sc.start) & (
        pd.to_datetime(d["day"]).dt.date <= sc.end
    )
    t_idx = np.arange(len(d))[win.to_numpy()]
    slope = calib.history.get("slope_rel", 0.0)
    scale = np.maximum(1 + slope * (t_idx - (len(d) - 1)), 0.2)
    spend = (
        calib.spend_daily.reset_index(drop=True).loc[win.to_numpy()].sum(axis=0)
        if not calib.spend_daily.empty
        else pd.Series(dtype=float)
    )
    hist_budgets = tuple((c, float(spend.get(c, 0.0))) for c in calib.paid_channels)
    if not calib.history.get("has_spend"):
        hist_budgets = ()
    sc = sc.with_(budgets=hist_budgets)
    plan = sm.prepare(sc, calib, as_history=True, market_scale=scale)
    if not hist_budgets:
        b = {
            c: float(calib.channels.at[c, "spend"] * plan.market.sum()) for c in calib.paid_channels
        }
        plan = sm.prepare(
            sc.with_(budgets=tuple(b.items())), calib, as_history=True, market_scale=scale
        )
    res = sm.simulate(plan)
    actual = d.loc[win, "gmv"].to_numpy()
    pred = res.daily["gmv"].to_numpy()
    ok = actual > 0
    mape = float(np.mean(np.abs(pred[ok] / actual[ok] - 1))) if ok.any() else float("nan")
    frame = pd.DataFrame({
        "date": res.daily["date"], "actual": actual, "model": pred, "phase": res.daily["phase"],
        "actual_orders": d.loc[win, "orders"].to_numpy(), "model_orders": res.daily["orders"].to_numpy(),
    })  # fmt: skip
    return {
        "frame": frame,
        "mape": mape,
        "total_error": float(pred.sum() / actual.sum() - 1),
        "orders_error": float(frame["model_orders"].sum() / frame["actual_orders"].sum() - 1),
        "event": event,
    }


# ---------------------------------------------------------------- page helpers
def default_year(calib: Calibration | None) -> int:
    """The planning year: that of the next Double 11 after the history (next year without data)."""
    if calib is None:
        return dt.date.today().year + 1
    end = dt.date.fromisoformat(calib.history["end"])
    return end.year + (end >= dt.date(end.year, 11, 11))


def start_options(saved: Mapping[str, Scenario], lang: str) -> dict[str, str]:
    """Keys and labels of the "start from" choice: event templates, then saved scenarios."""
    out = {
        f"tpl:{e}": _l(("模板：", "Template: "), lang) + _l(lab, lang)
        for e, lab in sm.EVENTS.items()
    }
    out.update({f"saved:{n}": _l(("已保存：", "Saved: "), lang) + n for n in saved})
    return out


def start_scenario(
    calib: Calibration, key: str, saved: Mapping[str, Scenario], lang: str = "zh"
) -> Scenario:
    """The scenario a "start from" key stands for (a template is filled with defaults)."""
    if key.startswith("saved:") and key[6:] in saved:
        return saved[key[6:]]
    event = key[4:] if key.startswith("tpl:") and key[4:] in sm.EVENTS else "double11"
    return starting_scenario(calib, event, lang=lang)


def summary(kpis: Mapping[str, Any]) -> dict[str, float]:
    """Headline numbers stored with a saved scenario."""
    return {k: float(kpis[k]) for k in ("gmv", "orders", "spend", "roas", "margin") if k in kpis}


def copy_name(name: str, suffix: str) -> str:
    """A derived scenario name within the 60-character limit."""
    return (name[: 60 - len(suffix)] + suffix).strip()


def data_note(calib: Calibration, lang: str) -> str | None:
    """What the dataset could not calibrate (orders-only imports), or None."""
    h = calib.history
    missing = []
    if not h["has_traffic"]:
        missing.append(_l(("无事件表：访问量与转化率取行为模型默认值", "no events: visits and conversion "
                           "use the behaviour model's defaults"), lang))  # fmt: skip
    if not h["has_spend"]:
        missing.append(_l(("无广告花费：CPC 与日常花费取默认值", "no ad spend: CPC and everyday spend are "
                           "defaults"), lang))  # fmt: skip
    assumed = calib.provenance[calib.provenance["source"] == "assumption"]["parameter"]
    extra = [
        p
        for p in assumed
        if p in ("cogs_ratio", "units_per_order", "refund_rate", "parcel_cost", "target_roas")
    ]
    if extra:
        missing.append(
            _l(("缺少数据、使用默认值：", "not in the data, defaults used: "), lang)
            + ", ".join(extra)
        )
    return (
        "；".join(missing)
        if missing and lang != "en"
        else ("; ".join(missing) if missing else None)
    )


# ---------------------------------------------------------------- page text and column specs
TITLE = ("12 营销活动全年节奏规划", "12 Annual campaign calendar & scenario planner")
_TEXT: dict[str, tuple[str, str]] = {
    "caption": ("全年大促节奏，以及按数据校准的大促情景规划：机制、分渠道预算与库存，逐日（峰值日逐小时）模拟、保存并比较。",
                "The year's promo rhythm and a promo scenario planner calibrated on your data: mechanics, channel "
                "budgets and stock, simulated day by day (hour by hour on peak days), saved and compared."),
    "tabs": (":material/calendar_month: 年度日历|:material/calculate: 情景规划|:material/compare_arrows: 情景对比|:material/tune: 预算优化",
             ":material/calendar_month: Annual calendar|:material/calculate: Scenario planner|:material/compare_arrows: Compare|:material/tune: Budget optimizer"),
    "year": ("年份", "Year"),
    "doc_cal": ("文档：双11 = 10 月种草 + 11 月收割；618 = 开门红 → 品类日 → 狂欢日；年货节；品类日；月度主题；周二/周四秒杀；每月 8 日会员日。",
                "Doc: Double 11 = October seeding + November harvest; 618 = opening → category days → carnival day; "
                "New Year festival; category days; monthly themes; Tue/Thu flash sales; member day on the 8th."),
    "t_timeline": ("大促阶段与月度主题", "Event phases and monthly themes"),
    "t_heatmap": ("全年流量强度（行为模型；悬停查看主题、品类日、秒杀）", "Traffic intensity over the year (behaviour model; hover for themes, category days, flash sales)"),
    "note": ("数据集校准说明：", "Calibration note: "),
    "start": ("从模板或已保存情景开始", "Start from a template or a saved scenario"),
    "sec_scn": ("**情景与目标**", "**Scenario and targets**"),
    "sec_tab": ("**阶段**（可增删行）· **渠道预算占比与优化上下限 %**", "**Phases** (add or delete rows) · **channel mix and optimizer bounds %**"),
    "sec_mech": ("**促销机制**：定金膨胀（预售阶段）、跨店满减（售卖阶段）、周二/周四秒杀、优惠券",
                 "**Mechanics**: deposit inflation (pre-sale), cross-store discount (sale days), Tue/Thu flash sales, coupons"),
    "simulate": ("模拟", "Simulate"), "save": ("模拟并保存", "Simulate & save"),
    "results": ("模拟结果：", "Results: "),
    "t_gmv": ("日 GMV（定金尾款计入付款日，色块 = 阶段类型）与累计 vs 目标", "Daily GMV (deposit balances on the payment day; colour = phase kind) and cumulative vs target"),
    "t_stock": ("库存消耗与动销计划", "Stock depletion vs sell-through plan"),
    "t_peak": ("峰值日逐小时：GMV 与需求满足率", "Peak days hour by hour: GMV and demand fulfilled"),
    "t_conv": ("逐小时 UV 转化率（缺货时下跌）", "UV conversion hour by hour (drops when stock runs out)"),
    "alerts": ("**会触发的作战手册预警**", "**Playbook alerts that would fire**"),
    "no_alert": ("无预警", "No alert would fire"), "by_channel": ("**分渠道**", "**By channel**"),
    "assumptions": ("口径：哪些数字来自数据、哪些是假设；模型回放历史", "Which numbers are calibrated and which are assumed; model replay of history"),
    "replay": ("历史回放（同一模型、历史花费与折扣）：", "History replay (same model, history's spend and discounts): "),
    "compare": ("选择要比较的已保存情景", "Saved scenarios to compare"),
    "t_compare": ("情景叠加：日 GMV 与累计 GMV", "Scenarios overlaid: daily and cumulative GMV"),
    "need_two": ("保存至少两个情景后在此并排比较。", "Save at least two scenarios to compare them side by side."),
    "scenario": ("情景", "Scenario"), "copy_name": ("副本名称", "Copy name"), "copy": (" 副本", " copy"),
    "duplicate": ("复制", "Duplicate"), "delete": ("删除", "Delete"),
    "objective": ("优化目标", "Objective"), "gmv": ("最大化 GMV", "Maximise GMV"),
    "margin": ("最大化贡献毛利", "Maximise contribution margin"),
    "opt_caption": ("总预算不变，在各渠道上下限内重新分配：凹响应曲线（adstock + Hill）上的 KKT 精确解；库存在重新模拟中体现。",
                    "Same total budget reallocated within each channel's bounds: exact KKT solution on the concave "
                    "response curves (adstock + Hill); stock applies in the re-simulation."),
    "t_response": ("渠道响应曲线（边际递减；空心 = 当前，实心 = 优化）", "Channel response curves (diminishing returns; open = now, filled = optimised)"),
    "save_opt": ("保存优化方案为新情景", "Save the optimised plan as a new scenario"), "opt_suffix": (" · 优化", " · optimised"),
}  # fmt: skip


def page_text(lang: str) -> dict[str, str]:
    """Every label of the chapter-12 page in one language."""
    return {k: _l(v, lang) for k, v in _TEXT.items()}


def phase_columns(lang: str) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Column specs of the phase editor: ``key -> (st.column_config type, label, kwargs)``."""
    return {
        "name": ("TextColumn", _l(("阶段", "Phase"), lang), {"required": True}),
        "kind": ("SelectboxColumn", _l(("类型", "Kind"), lang), {"options": kind_options(lang), "required": True}),
        "start": ("DateColumn", _l(("开始", "Start"), lang), {"required": True}),
        "end": ("DateColumn", _l(("结束", "End"), lang), {"required": True}),
        "traffic": ("NumberColumn", _l(("流量×", "Traffic ×"), lang),
                    {"min_value": 0.2, "max_value": 10.0, "step": 0.05, "required": True}),
    }  # fmt: skip


def mix_columns(lang: str) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Column specs of the channel-mix editor."""
    pct_kw = {"min_value": 0.0, "max_value": 100.0, "step": 0.5, "format": "%.1f"}
    return {
        "channel": ("TextColumn", _l(("渠道", "Channel"), lang), {"disabled": True}),
        "share": ("NumberColumn", _l(("预算占比 %", "Share %"), lang), pct_kw),
        "min": ("NumberColumn", _l(("下限 %", "Min %"), lang), pct_kw),
        "max": ("NumberColumn", _l(("上限 %", "Max %"), lang), pct_kw),
    }


def optimizer_tiles(
    opt: Mapping[str, Any], objective: str, lang: str
) -> list[tuple[str, str, str | None]]:
    """KPI tiles of the optimizer tab: the optimizer's own objective (return of ad-bought traffic,
    before stock) now / optimised / equal split, then the full re-simulation with stock."""
    key = "gmv" if objective == "gmv" else "margin"
    now, best, eq = opt["objective_now"], opt["objective_opt"], opt["objective_equal"]
    b, a = opt["before"][key], opt["after"][key]
    obj = _l(("广告带来的", "Ad-driven "), lang) + opt["label"]

    def rel(x: float, ref: float) -> str | None:
        return (
            f"{100 * (x / abs(ref) - np.sign(ref)):+.1f}% vs " + _l(("当前", "now"), lang)
            if ref
            else None
        )

    return [
        (obj + _l(("：当前", ": now"), lang), money(now), None),
        (obj + _l(("：优化后", ": optimised"), lang), money(best), rel(best, now)),
        (obj + _l(("：平均分配", ": equal split"), lang), money(eq), rel(eq, now)),
        (_l(("重新模拟（含库存）", "Re-simulated with stock: "), lang) + opt["label"], money(a), rel(a, b)),
        (_l(("下一元预算的回报", "Return of the next ¥1"), lang), f"{opt['allocation'].multiplier:.2f}", None),
    ]  # fmt: skip


def form_fields(sc: Scenario, group: str, lang: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Widgets of a form group (``"scenario"`` or ``"mechanics"``) as ``(key, st widget name,
    label, kwargs)`` with bounded values in display units."""
    vals = form_values(sc)
    out = []
    for f in SCENARIO_FIELDS if group == "scenario" else MECHANIC_FIELDS:
        kind, lab, v = f.get("kind", "number"), _l((f["zh"], f["en"]), lang), vals[f["key"]]
        if kind == "text":
            out.append((f["key"], "text_input", lab, {"value": v, "max_chars": 60}))
        elif kind == "date":
            out.append((f["key"], "date_input", lab, {"value": v}))
        else:
            kw = {"min_value": f["min"], "max_value": f["max"], "value": v, "step": f["step"],
                  "format": f.get("fmt", "%.0f")}  # fmt: skip
            out.append((f["key"], "number_input", lab, kw))
    return out


def dispatch(calib: Calibration, fn: str, specs: Sequence[str], *args: Any) -> dict[str, Any]:
    """``run``/``optimize`` on the first scenario or ``compare`` on all (JSON specs), for one
    page-level cache."""
    scs = [Scenario.from_json(s) for s in specs]
    if fn == "compare":
        return compare(calib, scs, *args)
    if fn not in ("run", "optimize"):
        raise ValueError(f"unknown function {fn!r}")
    return (run if fn == "run" else optimize)(calib, scs[0], *args)


def current_scenario(
    session: MutableMapping[str, Any],
    calib: Calibration,
    pick: str,
    saved: Mapping[str, Scenario],
    lang: str = "zh",
) -> Scenario:
    """The scenario being edited, kept as JSON in ``session`` (a page's session state): reset to
    the chosen template/saved scenario when the choice or the dataset changes, or when the kept
    one no longer fits the dataset's channels."""
    base = (
        f"{pick}|{calib.history['start']}|{calib.history['end']}|{','.join(calib.channels.index)}"
    )
    if session.get("ch12_base") != base or "ch12_spec" not in session:
        session["ch12_base"] = base
        session["ch12_spec"] = start_scenario(calib, pick, saved, lang).to_json()
    try:
        return Scenario.from_json(session["ch12_spec"]).validate(list(calib.channels.index))
    except (ValueError, KeyError, TypeError):
        session["ch12_spec"] = start_scenario(calib, "tpl:double11", {}, lang).to_json()
        return Scenario.from_json(session["ch12_spec"])


def submit(
    session: MutableMapping[str, Any],
    wh: Warehouse,
    dataset: str,
    calib: Calibration,
    base: Scenario,
    form: tuple[Mapping[str, Any], pd.DataFrame, pd.DataFrame],
    save: bool,
    lang: str,
) -> tuple[Scenario, str, bool]:
    """Validate the form; on success make it the current scenario and, when asked, save it
    with its headline numbers. Returns (scenario, message, ok); the base scenario on error."""
    from omni_core import scenarios as store

    try:
        sc = scenario_from_form(calib, base, *form)
        session["ch12_spec"] = sc.to_json()
        if save:
            store.save(wh, dataset, sc, summary(run(calib, sc.with_(n_sims=0), lang)["kpis"]))
            return sc, _l(("已保存情景：", "Saved scenario: "), lang) + sc.name, True
        return sc, "", True
    except ValueError as e:
        return base, _l(("输入无效：", "Invalid input: "), lang) + error_text(e, lang), False
