"""Chapter 06 search and feed: keywords, intent and long tail, dayparting, match types, brand
defense, the experiments workbench (tests, power, A/B/n, peeking, Taguchi) and page-speed targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from omni_core.metrics import search as sm
from omni_core.metrics.core import kpis
from omni_core.metrics.coverage import missing_by_section
from omni_core.metrics.social import gross_margin
from omni_core.models import experiments as ex
from omni_core.models.dayparting import optimal_bid_multipliers, response
from omni_core.warehouse import Warehouse

NEEDS = {
    "keywords": ("events", "orders", "keywords"),
    "dayparting": ("ad_spend", "orders"),
    "brand": ("ad_spend", "orders", "campaigns"),
    "creatives": ("events", "creatives", "campaigns"),
}
TITLES = {
    "keywords": ("关键词、意图与长尾", "Keywords, intent and long tail"),
    "dayparting": ("分时调价", "Dayparting"),
    "brand": ("品牌词防御", "Brand-term defense"),
    "creatives": ("创意 A/B/n（数据）", "Creative A/B/n from data"),
}
DOC = {
    "peak_hours": (19, 20),  # 19:00-21:00 bid +30% (doc example)
    "peak_multiplier": 1.3,
    "long_tail_cpc_cut": (0.15, 0.20),  # long-tail words lower CPC 15-20%
    "first_screen_s": 1.5,  # mobile first screen within 1.5 s
}
INTENTS = ("navigational", "informational", "transactional")
MATCH_TYPES = ("exact", "phrase", "broad")
ARRAYS = ("L4", "L8", "L9", "L16", "L18")
DEFAULT_MARGIN = 0.35


def _div(a: Any, b: Any) -> Any:
    """Ratio with NaN where the denominator is 0."""
    if isinstance(b, pd.Series):
        return a / b.where(b > 0)
    return a / b if b else float("nan")


def overview(wh: Warehouse, dataset: str) -> dict[str, Any]:
    """Keyword table and summaries, brand defense, creative stats, margin and paid channels."""
    names = wh.table_names(dataset)
    missing = missing_by_section(names, NEEDS)
    t = wh.tables(dataset)
    out: dict[str, Any] = {"missing": missing, "margin": DEFAULT_MARGIN, "margin_source": "default"}
    if {"orders", "order_lines", "skus"} <= set(names):
        gm = wh.query(gross_margin(t)).iloc[0]
        if gm["amount"]:
            out["margin"], out["margin_source"] = 1 - gm["cost"] / gm["amount"], "data"
    if "keywords" not in missing:
        kw = keyword_table(wh.query(sm.keyword_stats(t)))
        out["keywords"] = kw
        out["intents"] = summary(kw, "intent", INTENTS, out["margin"])
        out["match_types"] = summary(kw, "match_type", MATCH_TYPES, out["margin"])
        out["long_tail"] = long_tail(kw)
    if "dayparting" not in missing:
        a = t.ad_spend
        out["paid_channels"] = sorted(wh.query(a.select("channel_id").distinct())["channel_id"])
    if "brand" not in missing:
        camp = wh.query(kpis(t, by=["campaign"]))
        dims = wh.query(t.campaigns.select("campaign_id", "name", "channel_id", "event"))
        out["brand"] = brand_defense(out.get("keywords"), camp, dims, out["margin"])
    if "creatives" not in missing:
        out["creatives"] = wh.query(sm.creative_stats(t))
    return out


def keyword_table(kw: pd.DataFrame) -> pd.DataFrame:
    """Keyword stats with CTR, post-click conversion, estimated spend (clicks x CPC) and ROAS."""
    k = kw.copy()
    k["long_tail"] = k["words"] >= 3
    k["ctr"] = _div(k["clicks"], k["sessions"])
    k["cvr"] = _div(k["pays"], k["clicks"])
    k["est_spend"] = k["clicks"] * k["cpc"]
    k["roas"] = _div(k["gmv"], k["est_spend"])
    return k


def summary(kw: pd.DataFrame, by: str, order: Sequence[str], margin: float) -> pd.DataFrame:
    """Per group (intent or match type): keywords, traffic, CPC, conversion, ROAS, break-even CPC.

    Break-even CPC = margin x GMV per click: the highest price per click that still pays for
    itself; ``bid_room`` = break-even CPC / average CPC (above 1: room to bid up).
    """
    g = kw.groupby(by).agg(keywords=("keyword_id", "size"), sessions=("sessions", "sum"),
                           clicks=("clicks", "sum"), pays=("pays", "sum"), gmv=("gmv", "sum"),
                           est_spend=("est_spend", "sum"))  # fmt: skip
    g = g.reindex([x for x in order if x in g.index])
    g["ctr"] = _div(g["clicks"], g["sessions"])
    g["cpc"] = _div(g["est_spend"], g["clicks"])
    g["cvr"] = _div(g["pays"], g["clicks"])
    g["roas"] = _div(g["gmv"], g["est_spend"])
    g["breakeven_cpc"] = margin * _div(g["gmv"], g["clicks"])
    g["bid_room"] = _div(g["breakeven_cpc"], g["cpc"])
    g["gmv_share"] = g["gmv"] / g["gmv"].sum() if g["gmv"].sum() else np.nan
    return g.reset_index()


def long_tail(kw: pd.DataFrame) -> dict[str, float]:
    """Long-tail (>= 3 words) share of keywords, sessions and GMV; its CPC against head terms."""
    lt = kw["long_tail"]
    head_cpc = _div((kw.loc[~lt, "cpc"] * kw.loc[~lt, "clicks"]).sum(), kw.loc[~lt, "clicks"].sum())
    tail_cpc = _div((kw.loc[lt, "cpc"] * kw.loc[lt, "clicks"]).sum(), kw.loc[lt, "clicks"].sum())
    return {
        "keyword_share": float(lt.mean()) if len(kw) else float("nan"),
        "session_share": _div(kw.loc[lt, "sessions"].sum(), kw["sessions"].sum()),
        "gmv_share": _div(kw.loc[lt, "gmv"].sum(), kw["gmv"].sum()),
        "head_cpc": head_cpc,
        "tail_cpc": tail_cpc,
        "cpc_change": _div(tail_cpc, head_cpc) - 1,
        "tail_cvr": _div(kw.loc[lt, "pays"].sum(), kw.loc[lt, "clicks"].sum()),
        "head_cvr": _div(kw.loc[~lt, "pays"].sum(), kw.loc[~lt, "clicks"].sum()),
    }


def brand_defense(
    kw: pd.DataFrame | None,
    campaign_kpis: pd.DataFrame,
    campaigns: pd.DataFrame,
    margin: float = DEFAULT_MARGIN,
) -> dict[str, Any]:
    """Brand terms vs generic terms, and the brand-zone (``brand_search``) campaigns' ROAS."""
    c = campaign_kpis.merge(campaigns, left_on="campaign", right_on="campaign_id", how="inner")
    bz = c[c["event"] == "brand_search"]
    out: dict[str, Any] = {
        "brand_campaign_spend": float(bz["spend"].sum()),
        "brand_campaign_gmv": float(bz["attributed_gmv"].sum()),
        "brand_campaign_roas": _div(bz["attributed_gmv"].sum(), bz["spend"].sum()),
        "all_campaign_roas": _div(c["attributed_gmv"].sum(), c["spend"].sum()),
        "brand_spend_share": _div(bz["spend"].sum(), c["spend"].sum()),
        "campaigns": bz[["name", "channel_id", "spend", "attributed_gmv", "roas"]].reset_index(
            drop=True
        ),
    }
    if kw is not None:
        out["terms"] = summary(kw.assign(term=np.where(kw["is_brand"], "brand", "generic")),
                               "term", ("brand", "generic"), margin)  # fmt: skip
    return out


def dayparting(
    wh: Warehouse,
    dataset: str,
    *,
    channels: Sequence[str] | None = None,
    objective: str = "profit",
    margin: float = DEFAULT_MARGIN,
    budget_ratio: float = 1.0,
    elasticity: float = 0.6,
    bounds: tuple[float, float] = (0.5, 2.0),
    prior_clicks: float = 200.0,
) -> dict[str, Any]:
    """Hourly conversion value vs CPC, and the bid multiplier per hour under a daily budget.

    Per hour of an average day: clicks and spend from ``ad_spend``, CPC = spend / clicks, GMV per
    click = attributed GMV / clicks credibility-weighted towards the all-day mean,
    ``(gmv_h + K gmv/clicks) / (clicks_h + K)`` with ``K = prior_clicks`` (Buhlmann credibility),
    so thin night hours do not swing on a few orders. ``objective="value"`` maximises GMV within the budget;
    ``"profit"`` maximises margin x GMV - spend (``omni_core.models.dayparting``). The daily
    budget is ``budget_ratio`` x today's average daily spend. Plans compared: today's bids (x1),
    the document's rule (19-21 h x1.3) and the optimum.
    """
    if not 0 < margin < 1:
        raise ValueError("margin must be within (0, 1)")
    if not 0.1 <= budget_ratio <= 5:
        raise ValueError("budget ratio must be within [0.1, 5]")
    h = wh.query(sm.hourly_paid(wh.tables(dataset), channels=channels))
    if h.empty or h["clicks"].sum() == 0:
        raise ValueError("no paid clicks for the chosen channels")
    days = float(h["days"].iloc[0])
    h = h.set_index("hour").reindex(range(24), fill_value=0.0).reset_index()
    clicks, spend = h["clicks"] / days, h["spend"] / days
    h["cpc"] = _div(h["spend"], h["clicks"]).fillna(0.0)
    if not 0 <= prior_clicks <= 1e6:
        raise ValueError("prior_clicks must be within [0, 1e6]")
    mean_v = h["gmv"].sum() / h["clicks"].sum()
    h["raw_gmv_per_click"] = _div(h["gmv"], h["clicks"])
    h["gmv_per_click"] = _div(h["gmv"] + prior_clicks * mean_v, h["clicks"] + prior_clicks).fillna(
        0.0
    )
    h["value_per_click"] = h["gmv_per_click"] * (margin if objective == "profit" else 1.0)
    budget = budget_ratio * float(spend.sum())
    res = optimal_bid_multipliers(clicks, h["value_per_click"], h["cpc"], budget=budget,
                                  elasticity=elasticity, bounds=bounds, objective=objective)  # fmt: skip
    doc_m = np.where(h["hour"].isin(DOC["peak_hours"]), DOC["peak_multiplier"], 1.0)
    h["multiplier"] = res["multiplier"]
    h["doc_multiplier"] = doc_m
    rows = []
    for plan, m in (("current", np.ones(24)), ("doc", doc_m), ("optimal", res["multiplier"])):
        r = response(clicks, h["gmv_per_click"], h["cpc"], m, elasticity=elasticity)
        gmv, sp = float(r["value"].sum()), float(r["spend"].sum())
        rows.append({"plan": plan, "clicks": float(r["clicks"].sum()), "spend": sp, "gmv": gmv,
                     "roas": _div(gmv, sp), "profit": margin * gmv - sp})  # fmt: skip
        if plan == "optimal":
            h["opt_spend"] = r["spend"].to_numpy()
    plans = pd.DataFrame(rows)
    plans["within_budget"] = plans["spend"] <= budget * (1 + 1e-9)
    return {"hours": h, "plans": plans, "budget": budget, "mu": res["mu"], "days": days}


# ------------------------------------------------------------------ experiments workbench
def two_proportion(n_a: int, x_a: int, n_b: int, x_b: int, *, alpha: float = 0.05) -> dict:
    """Two-sided pooled z test of conversion B vs A with the Wald CI of the difference."""
    return ex.two_proportion_test(x_a, n_a, x_b, n_b, alpha=alpha)


def welch(
    mean_a: float, sd_a: float, n_a: int, mean_b: float, sd_b: float, n_b: int, *, alpha: float
) -> dict:
    """Welch's t test of mean B vs A (e.g. order value) from summary statistics, with its CI."""
    return ex.welch_t_test_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b, alpha=alpha)


def creative_test(
    creatives: pd.DataFrame, campaign_id: int, *, correction: str = "holm", alpha: float = 0.05
) -> dict[str, Any]:
    """A/B/n test of one campaign's creatives on click-through (clicks / exposures) from the data.

    The first variant is the control. ``truth`` carries the simulator's click multiplier of each
    creative (``sim_ctr_lift``) for comparison on simulated datasets.
    """
    c = creatives[creatives["campaign_id"] == campaign_id].sort_values("variant")
    if len(c) < 2:
        raise ValueError("the campaign needs at least two creatives")
    if (c["exposures"] <= 0).any():
        raise ValueError("every creative needs exposures in the data")
    res = ex.ab_n_test(c["clicks"].to_numpy(), c["exposures"].to_numpy(), correction=correction,
                       alpha=alpha, names=c["variant"].tolist())  # fmt: skip
    res["variants"] = c.assign(ctr=c["clicks"] / c["exposures"]).reset_index(drop=True)
    return res


WELCH_EXAMPLE = (("mean A", 250.0), ("sd A", 120.0), ("n A", 800), ("mean B", 262.0),
                 ("sd B", 130.0), ("n B", 820))  # fmt: skip


def abn_example() -> pd.DataFrame:
    """Starting rows of the A/B/n editor (visitors and conversions per variant)."""
    return pd.DataFrame({"variant": ["A", "B", "C"], "trials": [5000] * 3,
                         "successes": [150, 185, 160]})  # fmt: skip


def campaign_names(creatives: pd.DataFrame) -> pd.Series:
    """Campaign name by campaign id, for campaigns with at least two creatives."""
    n = creatives.groupby("campaign_id")["creative_id"].transform("size")
    c = creatives[n >= 2].drop_duplicates("campaign_id")
    return c.set_index("campaign_id")["campaign"]


def ab_n(
    variants: pd.DataFrame, *, correction: str = "holm", alpha: float = 0.05
) -> dict[str, Any]:
    """A/B/n with multiple-comparison correction on entered variants (first row = control).

    ``variants`` has ``variant`` (name), ``trials`` (visitors) and ``successes`` (conversions).
    """
    if not {"variant", "trials", "successes"} <= set(variants.columns):
        raise ValueError("variants need the columns variant, trials, successes")
    names = variants["variant"].fillna("")
    successes = pd.to_numeric(variants["successes"], errors="coerce")
    trials = pd.to_numeric(variants["trials"], errors="coerce")
    clean = [str(n).strip() for n in names]
    if any(not n for n in clean) or len(set(clean)) != len(clean):
        raise ValueError("variant names must be non-empty and unique")
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.isnan(s).any() or np.isnan(n).any():
        raise ValueError("every variant needs conversions and visitors")
    return ex.ab_n_test(s, n, correction=correction, alpha=alpha, names=clean)


def power_plan(
    baseline: float, mde: float, *, alpha: float = 0.05, power: float = 0.8, relative: bool = True
) -> dict[str, Any]:
    """Sample size per group and the power curve around it (pooled two-proportion z test)."""
    n = ex.sample_size_two_proportions(baseline, mde, alpha=alpha, power=power, relative=relative)
    grid = np.unique(np.linspace(max(10, n * 0.1), n * 2.5, 60).round().astype(int))
    curve = pd.DataFrame({
        "n": grid,
        "power": [ex.power_two_proportions(baseline, mde, float(g), alpha=alpha,
                                           relative=relative) for g in grid],
    })  # fmt: skip
    return {"n": n, "total": 2 * n, "curve": curve}


def peeking(n_looks: int, alpha: float = 0.05) -> dict[str, Any]:
    """Type I error of checking ``n_looks`` times, and O'Brien-Fleming / Pocock boundaries."""
    if not 1 <= int(n_looks) <= 20:
        raise ValueError("n_looks must be between 1 and 20")
    k = int(n_looks)
    if not 0 < alpha < 0.5:
        raise ValueError("alpha must be within (0, 0.5)")
    naive = np.full(k, float(special.ndtri(1 - alpha / 2)))
    fpr = ex.sequential_rejection_probability(naive)
    frame = pd.DataFrame({
        "look": np.arange(1, k + 1), "naive": naive,
        "obrien_fleming": ex.obrien_fleming_boundaries(k, alpha),
        "pocock": ex.pocock_boundaries(k, alpha),
    })  # fmt: skip
    return {"false_positive_rate": fpr, "warning": ex.peeking_warning(k, alpha), "frame": frame}


ARRAY_FACTORS = {
    "zh": ("图片风格", "文案长度", "CTA 按钮颜色", "价格露出", "模特", "背景", "字体", "卖点",
           "标签", "视频开头", "配乐", "字幕", "促销角标", "Logo 位置", "画幅"),
    "en": ("Image style", "Copy length", "CTA colour", "Price shown", "Model", "Background",
           "Font", "Selling point", "Badge", "Video opening", "Music", "Subtitles",
           "Promo sticker", "Logo position", "Aspect ratio"),
}  # fmt: skip
# Planted effects of the example responses (CTR in %): factor index -> effect per level 1..3.
EXAMPLE_EFFECTS = {0: (0.0, 0.5, 0.2), 1: (0.0, -0.3, -0.1), 2: (0.0, 0.2, 0.4)}
EXAMPLE_BASE_CTR = 2.0
RESPONSE = "CTR (%)"


def taguchi_design(name: str, n_factors: int, lang: str = "zh") -> pd.DataFrame:
    """The orthogonal array ``name`` with its first ``n_factors`` columns named after creative
    elements, and an example CTR (%) with planted effects of the first three factors (replace it
    with measured values)."""
    arr = ex.orthogonal_array(name)
    if not 1 <= int(n_factors) <= arr.shape[1]:
        raise ValueError(f"{name} holds 1 to {arr.shape[1]} factors")
    design = arr.iloc[:, : int(n_factors)].copy()
    design.columns = list(ARRAY_FACTORS["en" if lang == "en" else "zh"][: int(n_factors)])
    y = np.full(len(design), EXAMPLE_BASE_CTR)
    for j, eff in EXAMPLE_EFFECTS.items():
        if j < design.shape[1]:
            y += np.asarray(eff)[design.iloc[:, j].to_numpy() - 1]
    design[RESPONSE] = np.round(y, 3)
    design.index.name = "试验" if lang != "en" else "Run"
    return design


def taguchi_effects(edited: pd.DataFrame, *, larger_is_better: bool = True) -> pd.DataFrame:
    """Main effects of an edited design (factor columns + the ``CTR (%)`` response), validated."""
    if RESPONSE not in edited.columns or edited.shape[1] < 2:
        raise ValueError(f"the design needs factor columns and a {RESPONSE!r} response column")
    y = pd.to_numeric(edited[RESPONSE], errors="coerce")
    if y.isna().any():
        raise ValueError("every run needs a numeric response (CTR %)")
    if (y <= 0).any() and larger_is_better:
        raise ValueError("responses must be positive")
    return ex.main_effects(edited.drop(columns=RESPONSE), y.to_numpy(),
                           larger_is_better=larger_is_better)  # fmt: skip


PAGE_SPEED = (  # metric, target, unit, source
    ("mobile_first_screen", 1.5, "s", "document ch.6"),
    ("lcp", 2.5, "s", "Google Core Web Vitals (good)"),
    ("inp", 200.0, "ms", "Google Core Web Vitals (good; replaced FID in 2024)"),
    ("fid", 100.0, "ms", "Google Core Web Vitals (good; named in the doc)"),
    ("cls", 0.1, "", "Google Core Web Vitals (good)"),
)


def array_width(name: str) -> int:
    """Number of columns (factors it can hold) of a Taguchi orthogonal array."""
    return int(ex.orthogonal_array(name).shape[1])


def page_speed(measured: Any = None) -> pd.DataFrame:
    """Page-speed targets (doc: mobile first screen <= 1.5 s; Core Web Vitals) and a pass check.

    ``measured``: a mapping metric -> value, or a sequence of values in the order of
    ``PAGE_SPEED`` (e.g. the edited column of the table); missing values are left unchecked.
    """
    if measured is not None and not isinstance(measured, dict):
        vals = list(measured)
        if len(vals) != len(PAGE_SPEED):
            raise ValueError(f"expected {len(PAGE_SPEED)} measured values")
        nums = pd.to_numeric(pd.Series(vals, dtype=object), errors="coerce")
        if (nums.isna() & pd.Series(vals, dtype=object).notna()).any():
            raise ValueError("measured values must be numbers")
        measured = {row[0]: (None if pd.isna(v) else float(v))
                    for row, v in zip(PAGE_SPEED, nums, strict=True)}  # fmt: skip
    rows = []
    for metric, target, unit, source in PAGE_SPEED:
        m = (measured or {}).get(metric)
        if m is not None and (not np.isfinite(m) or m < 0):
            raise ValueError(f"measured {metric} must be a non-negative number")
        ok = None if m is None else bool(m <= target)
        rows.append({"metric": metric, "target": target, "unit": unit, "source": source,
                     "measured": m, "pass": ok})  # fmt: skip
    out = pd.DataFrame(rows)
    out["measured"] = out["measured"].astype(float)
    return out
