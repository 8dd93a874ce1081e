"""Chapter 13 (营销团队组织能力建设): org layers, squads, biweekly OKRs, competency, efficiency.

Illustrative: the org (generated from the dataset's seed, editable). Measured: GMV, conversion,
AOV, ROAS of the OKR periods and the weekly GMV behind GMV per head.
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

import numpy as np
import pandas as pd

from omni_core.metrics import kpis
from omni_core.metrics import team as tm
from omni_core.models import okr
from omni_core.models.org import (
    DIMENSIONS,
    ROLES,
    SKILLS,
    competency,
    generate_org,
    squad_coverage,
    suggest_squad,
    validate_org,
)
from omni_core.warehouse import Warehouse

DOC_EFFICIENCY_UPLIFT = 0.40  # doc ch.13: people efficiency (GMV per head) +40%
FULL_KPI_TABLES = {"orders", "events", "returns", "ad_spend"}
KR_METRICS = ("gmv", "orders", "buyers", "aov", "conversion", "roas", "refund_rate")
ORDERS_ONLY_METRICS = ("gmv", "orders", "buyers", "aov")


def span(wh: Warehouse, dataset: str) -> tuple[dt.date, dt.date]:
    """First day and the day after the last paid order of the dataset."""
    s = wh.query(tm.pay_span(wh.tables(dataset))).iloc[0]
    if pd.isna(s["first"]):
        raise ValueError("the dataset has no paid orders")
    return s["first"].date(), s["last"].date() + dt.timedelta(days=1)


def dataset_seed(wh: Warehouse, dataset: str) -> int:
    """The world's seed from the dataset metadata, else a stable hash of the dataset name."""
    try:
        seed = wh.meta(dataset).get("params", {}).get("seed")
    except Exception:  # imports may carry no metadata table
        seed = None
    return int(seed) if isinstance(seed, int) else zlib.crc32(dataset.encode()) % (2**31)


def default_org(wh: Warehouse, dataset: str, legacy_layers: bool = False) -> pd.DataFrame:
    """The illustrative org of a dataset (deterministic from its seed and window)."""
    start, end = span(wh, dataset)
    return generate_org(dataset_seed(wh, dataset), start, (end - start).days,
                        legacy_layers=legacy_layers)  # fmt: skip


def org_check(org: pd.DataFrame, lang: str = "zh") -> dict[str, Any]:
    """Layer check plus the frame of the org chart (ids, parents, labels, layer)."""
    res = validate_org(org)
    ids = org["member_id"].astype(str).str.strip()
    role = org["role"].map(lambda r: ROLES[r][0 if lang == "zh" else 1])
    chart = pd.DataFrame({
        "id": ids, "parent": org["manager_id"].fillna("").astype(str).str.strip(),
        "label": org["name"].astype(str) + "<br>" + role, "layer": ids.map(res["depth"]),
    })  # fmt: skip
    res["chart"] = chart
    return res


def squad(org: pd.DataFrame, members: list[str], required: dict[str, int]) -> dict[str, Any]:
    """Coverage of a chosen squad and the greedy suggestion of the same size (at least 3)."""
    chosen = org[org["member_id"].isin(members)]
    cov = squad_coverage(chosen, required)
    size = max(3, len(members))
    suggestion = suggest_squad(org, required, min(size, len(org)))
    cov_s = squad_coverage(org[org["member_id"].isin(suggestion)], required)
    rows = [{"skill": s, "required": lvl, "best": cov["best"][s], "met": cov["met"][s]}
            for s, lvl in required.items()]  # fmt: skip
    return {"coverage": cov, "table": pd.DataFrame(rows), "suggestion": suggestion,
            "suggestion_coverage": cov_s}  # fmt: skip


def period_metrics(wh: Warehouse, dataset: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Measured KR metrics per biweekly period; the metric list depends on the tables present."""
    names = set(wh.table_names(dataset))
    start, end = span(wh, dataset)
    periods = okr.biweekly_periods(start, end)
    t = wh.tables(dataset)
    full = FULL_KPI_TABLES <= names
    rows = []
    for p in periods.itertuples():
        if full:
            r = wh.query(kpis(t, start=p.start, end=p.end)).iloc[0]
        else:
            r = wh.query(tm.sales_between(t, p.start, p.end)).iloc[0]
        rows.append({"period": p.period, "start": p.start, "end": p.end, "days": p.days,
                     **{m: float(r[m]) if m in r and pd.notna(r[m]) else np.nan
                        for m in KR_METRICS}})  # fmt: skip
    return pd.DataFrame(rows), KR_METRICS if full else ORDERS_ONLY_METRICS


def default_krs(periods: pd.DataFrame, metrics: tuple[str, ...]) -> pd.DataFrame:
    """Starter OKRs: baselines from the first period, stretch targets (editable in the UI)."""
    first = periods.iloc[0]
    spec = [("O1 全域 GMV 增长 / Grow omni-channel GMV", "gmv", 1.3, "per_day"),
            ("O1 全域 GMV 增长 / Grow omni-channel GMV", "buyers", 1.2, "per_day"),
            ("O2 提升转化与客单 / Lift conversion & AOV", "conversion", 1.15, "rate"),
            ("O2 提升转化与客单 / Lift conversion & AOV", "aov", 1.1, "rate"),
            ("O3 投放提效 / Efficient media", "roas", 1.2, "rate"),
            ("O3 投放提效 / Efficient media", "refund_rate", 0.8, "rate")]  # fmt: skip
    rows = []
    for obj, m, mult, kind in spec:
        if m not in metrics or pd.isna(first[m]):
            continue
        base = first[m] / first["days"] if kind == "per_day" else first[m]
        rows.append({"objective": obj, "metric": m, "per_day": kind == "per_day",
                     "baseline": round(float(base), 4), "target": round(float(base * mult), 4)})  # fmt: skip
    return pd.DataFrame(rows, columns=["objective", "metric", "per_day", "baseline", "target"])


def okr_review(periods: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    """Score every KR in every biweekly period (per-day KRs are divided by the period's days)."""
    if krs.empty:
        raise ValueError("add at least one key result")
    bad = sorted(set(krs["metric"]) - set(KR_METRICS))
    if bad:
        raise ValueError(f"unknown KR metric(s) {bad}; use {', '.join(KR_METRICS)}")
    rows = []
    for kr in krs.itertuples(index=False):
        if pd.isna(kr.baseline) or pd.isna(kr.target) or kr.baseline == kr.target:
            raise ValueError(f"KR {kr.metric}: baseline and target must be set and differ")
        for p in periods.itertuples(index=False):
            actual = getattr(p, kr.metric)
            if kr.per_day and actual == actual:
                actual = actual / p.days
            s = okr.score_kr(actual, kr.baseline, kr.target)
            rows.append({"objective": kr.objective, "metric": kr.metric, "period": p.period,
                         "start": p.start, "actual": actual, "baseline": kr.baseline,
                         "target": kr.target, "score": s, "grade": okr.grade(s)})  # fmt: skip
    return pd.DataFrame(rows)


def radar_frame(org: pd.DataFrame, member: str | None, lang: str = "zh") -> pd.DataFrame:
    """Skill levels of a member (or the team mean) next to the team mean, for the radar chart."""
    i = 1 if lang == "en" else 0
    team = org[list(SKILLS)].astype(float).mean()
    rows = [{"skill": v[1 + i], "dimension": DIMENSIONS[v[0]][i], "team": team[s]}
            for s, v in SKILLS.items()]  # fmt: skip
    out = pd.DataFrame(rows)
    if member is not None:
        m = org[org["member_id"] == member]
        if m.empty:
            raise ValueError(f"unknown member {member!r}")
        out["member"] = m[list(SKILLS)].astype(float).iloc[0].to_numpy()
    return out


def dimension_table(org: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Mean level per competency dimension by role."""
    c = competency(org).merge(org[["member_id", "role"]], on="member_id")
    g = c.groupby("role")[list(DIMENSIONS)].mean().round(2)
    i = 1 if lang == "en" else 0
    g.index = [ROLES[r][i] for r in g.index]
    return g.rename(columns={k: v[i] for k, v in DIMENSIONS.items()})


def efficiency(wh: Warehouse, dataset: str, org: pd.DataFrame) -> dict[str, Any]:
    """Weekly GMV per head (full weeks only) with the doc's +40% target over the first week.

    A week is full when all of it lies between the first and the last day with paid orders (a
    shop closed on Saturdays still has full weeks; the partial weeks at either end are left out).
    """
    w = wh.query(tm.weekly_gmv(wh.tables(dataset)))
    if w.empty:
        raise ValueError("the dataset has no paid orders")
    first, last = w["first"].min().normalize(), w["last"].max().normalize()
    w = w[(w["week"] >= first) & (w["week"] + pd.Timedelta(days=6) <= last)].reset_index(drop=True)
    if w.empty:
        raise ValueError(
            f"the dataset has no full week of paid orders ({first:%Y-%m-%d} to {last:%Y-%m-%d})"
        )
    joined = pd.to_datetime(org["start_date"]).to_numpy()
    week_end = (w["week"] + pd.Timedelta(days=7)).to_numpy()
    w["headcount"] = (joined[None, :] < week_end[:, None]).sum(axis=1)
    w["gmv_per_head"] = w["gmv"] / w["headcount"].where(w["headcount"] > 0)
    base = float(w["gmv_per_head"].iloc[0])
    return {"weekly": w, "baseline": base, "target": base * (1 + DOC_EFFICIENCY_UPLIFT),
            "best_gain": float(w["gmv_per_head"].max() / base - 1) if base > 0 else float("nan")}  # fmt: skip


def skill_names(lang: str) -> dict[str, str]:
    """Skill and KR-metric labels in a language."""
    i = 2 if lang == "en" else 1
    out = {s: v[i] for s, v in SKILLS.items()}
    zh = {"gmv": "日均 GMV", "orders": "订单", "buyers": "日均买家", "aov": "客单价",
          "conversion": "转化率", "roas": "ROAS", "refund_rate": "退款率"}  # fmt: skip
    en = {"gmv": "GMV / day", "orders": "Orders", "buyers": "Buyers / day", "aov": "AOV",
          "conversion": "Conversion", "roas": "ROAS", "refund_rate": "Refund rate"}  # fmt: skip
    out.update(en if lang == "en" else zh)
    return out


def role_options() -> list[str]:
    """Role keys accepted in the org table."""
    return list(ROLES)


# Page texts (zh, en): kept here so the page stays a thin layout.
TEXT: dict[str, tuple[str, str]] = {
    "caption": (
        "组织层级检查、作战小队技能覆盖、OKR 双周复盘、能力雷达与人效。组织为按数据集种子生成的示意数据"
        "（可编辑）；GMV、转化等为实测。",
        "Org layer check, squad skills coverage, biweekly OKR reviews, competency radar and people "
        "efficiency. The org is illustrative, generated from the dataset's seed (editable); GMV, "
        "conversion etc. are measured.",
    ),
    "tabs": (
        "组织架构|作战小队|OKR 双周复盘|能力模型|人效",
        "Org|Squad|OKR reviews|Competency|Efficiency",
    ),
    "no_orders": (
        "数据集没有已支付订单：本页无法计算。",
        "The dataset has no paid orders: nothing to compute.",
    ),
    "structure": ("组织结构", "Structure"),
    "flat": ("扁平化（示意）", "Flat (illustrative)"),
    "legacy": ("传统多层（示意）", "Traditional multi-layer (illustrative)"),
    "doc_layers": (
        "文档：组织层级不超过 3 层，小团队作战。",
        "doc: at most 3 organisational layers, small squads.",
    ),
    "edit_hint": (
        "编辑表格即可调整组织：manager_id 指向上级，最上层（无上级）只能有一人；技能 1–5 分。",
        "Edit the table to change the org: manager_id points to the manager, exactly one head has "
        "none; skills are scored 1–5.",
    ),
    "invalid_org": (
        "组织表无效，其余标签页使用默认组织",
        "Invalid org table; the other tabs use the default org",
    ),
    "layers": ("层级数", "Layers"),
    "members": ("人数", "Members"),
    "max_span": ("最大管理幅度", "Max span of control"),
    "layer_ok": ("符合 ≤3 层", "Within 3 layers"),
    "layer_bad": ("超过 3 层：{m}", "Deeper than 3 layers: {m}"),
    "tree": ("汇报关系（红色 = 超过 3 层）", "Reporting lines (red = beyond 3 layers)"),
    "doc_squad": (
        "文档：作战小队 = 运营 + 设计 + 投放。",
        "doc: campaign squad = operations + design + ads.",
    ),
    "squad_members": ("小队成员", "Squad members"),
    "required": ("所需技能（要求 ≥4 分）", "Required skills (level ≥ 4)"),
    "req_level": ("要求水平", "Required level"),
    "coverage": ("技能覆盖率", "Skills coverage"),
    "missing_roles": ("缺少角色", "Missing roles"),
    "none": ("无", "none"),
    "suggest": (
        "建议小队（贪心集合覆盖）：{m}，覆盖率 {c}",
        "Suggested squad (greedy set cover): {m}, coverage {c}",
    ),
    "cov_chart": ("小队技能 vs 要求", "Squad skills vs requirement"),
    "doc_okr": (
        "文档：OKR 双周复盘。基线取第一个双周期（实测），目标可编辑；得分 ≥0.7 绿、0.4–0.7 黄、<0.4 红。",
        "doc: biweekly OKR reviews. Baselines from the first two-week period (measured), targets "
        "editable; score ≥ 0.7 green, 0.4–0.7 amber, < 0.4 red.",
    ),
    "orders_only": (
        "数据集缺少事件/退货/投放表：转化率、ROAS、退款率类 KR 无法计算，仅保留订单类指标。",
        "The dataset lacks events/returns/ad spend: conversion, ROAS and refund-rate KRs cannot be "
        "computed; order-based metrics only.",
    ),
    "okr_grid": ("各 KR 双周得分", "KR scores by biweekly review"),
    "doc_comp": (
        "文档：能力模型 = 专业技能 + 商业思维 + 软技能。",
        "doc: competency model = professional skills + business thinking + soft skills.",
    ),
    "member": ("成员", "Member"),
    "team_mean": ("（仅团队平均）", "(team mean only)"),
    "radar": ("能力雷达", "Competency radar"),
    "doc_eff": (
        "文档：人效（人均 GMV）提升 40%。GMV 为实测，人数来自示意组织的入职日期。",
        "doc: people efficiency (GMV per head) +40%. GMV is measured; headcount comes from the "
        "illustrative org's start dates.",
    ),
    "eff_chart": ("周人均 GMV 与人数", "Weekly GMV per head and headcount"),
    "eff_base": ("首周人均 GMV", "First-week GMV per head"),
    "eff_target": ("+40% 目标", "+40% target"),
    "eff_best": ("最好一周 vs 首周", "Best week vs first"),
    "invalid": ("输入无效", "Invalid input"),
}


def role_name(role: str, lang: str) -> str:
    """Role title in a language (the key itself if unknown)."""
    return ROLES[role][1 if lang == "en" else 0] if role in ROLES else role
