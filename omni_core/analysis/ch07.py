"""Chapter 07 membership and loyalty: tiers and migrations, the points economy, high-value churn
warning with its offer budget, and customer lifetime value (BG/NBD + Gamma-Gamma) beside the
document's simple LTV. Tiers, churn and CLV need only orders; points need the points ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from omni_core.metrics import loyalty as lm
from omni_core.metrics.core import rfm
from omni_core.metrics.coverage import missing_by_section
from omni_core.metrics.social import buyer_counts
from omni_core.models import clv
from omni_core.models.tiers import TIERS, evaluate_periods, migration_matrix
from omni_core.reference import TIER_THRESHOLDS
from omni_core.warehouse import Warehouse

NEEDS = {
    "tiers": ("orders",),
    "points": ("points_ledger", "orders"),
    "clv": ("orders",),
}
TITLES = {
    "tiers": ("会员等级与升降级", "Member tiers and migrations"),
    "points": ("积分经济", "Points economy"),
    "clv": ("客户终身价值与流失预警", "Customer lifetime value and churn warning"),
}
DOC = {
    "black_diamond": 50_000.0,  # yuan a year
    "point_value": 0.01,  # yuan per point
    "share_vs_purchase": 0.30,  # share points raised to 30% of purchase points
    "retire_rate": 0.05,  # retire gifts redeemed below 5%
    "heavy_per_month": 500.0,  # heavy redeemers: > 500 points a month
    "hoarder_per_year": 100.0,  # hoarders: < 100 points a year
    "roi": 3.0,  # core gifts' ROI >= 1:3
    "inactive_days": 90,  # 3 months without purchase
    "offer_multiple": 3.0,  # win-back cost up to 3x a normal user's
}


def _ts(x: Any) -> dt.datetime:
    return pd.Timestamp(x).to_pydatetime()


def overview(wh: Warehouse, dataset: str) -> dict[str, Any]:
    """What the dataset supports, its span (first and last payment) and AOV."""
    missing = missing_by_section(wh.table_names(dataset), NEEDS)
    out: dict[str, Any] = {"missing": missing}
    if "orders" in wh.table_names(dataset):
        b = wh.query(buyer_counts(wh.tables(dataset))).iloc[0]
        if b["orders"]:
            out["first_ts"], out["last_ts"] = (
                pd.Timestamp(b["first_ts"]),
                pd.Timestamp(b["last_ts"]),
            )
            out["span_days"] = max((out["last_ts"] - out["first_ts"]).total_seconds() / 86400, 1.0)
            out["aov"] = float(b["gmv"]) / int(b["orders"])
            out["orders"], out["buyers"] = int(b["orders"]), int(b["buyers"])
    return out


# ------------------------------------------------------------------ tiers
def tiers(
    wh: Warehouse,
    dataset: str,
    *,
    period_days: int = 15,
    window_days: int = 60,
    max_downgrade: int | None = 1,
    min_orders: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Tier of every member at each period end from rolling spend and orders; migrations.

    Evaluation dates every ``period_days`` from the first payment (the last one at the end of the
    data). Spend is annualised over the part of the window inside the data (``x 365 / days``).
    Members: ``users.is_member`` when the users table exists, else buyers with a member order.
    With a window covering the whole span and no downgrade cap the last evaluation reproduces the
    simulator's ``users.member_tier`` (``agreement``).
    """
    if not 1 <= int(period_days) <= 365:
        raise ValueError("period_days must be between 1 and 365")
    if not 1 <= int(window_days) <= 730:
        raise ValueError("window_days must be between 1 and 730")
    info = overview(wh, dataset)
    if "first_ts" not in info:
        raise ValueError("no paid orders in this dataset")
    t = wh.tables(dataset)
    start, end = info["first_ts"].floor("D"), info["last_ts"].floor("D") + pd.Timedelta(days=1)
    snaps = list(pd.date_range(start + pd.Timedelta(days=period_days), end, freq=f"{period_days}D"))
    if not snaps or snaps[-1] < end:
        snaps.append(end)
    spend = wh.query(lm.window_spend(t, [_ts(s) for s in snaps], window_days))
    has_users = "users" in wh.table_names(dataset)
    mem = wh.query(lm.members(t) if has_users else lm.order_members(t))
    if mem.empty:
        raise ValueError("no loyalty members in this dataset")
    grid = pd.MultiIndex.from_product([pd.to_datetime(snaps), mem["user_id"]],
                                      names=["snapshot", "user_id"])  # fmt: skip
    spend["snapshot"] = pd.to_datetime(spend["snapshot"])
    h = spend.set_index(["snapshot", "user_id"]).reindex(grid, fill_value=0).reset_index()
    covered = np.minimum(window_days, (h["snapshot"] - start).dt.total_seconds() / 86400)
    h["annual_spend"] = h["spend"] * 365.0 / np.maximum(covered, 1.0)
    h["period"] = h["snapshot"]
    ev = evaluate_periods(h, max_downgrade=max_downgrade, min_orders=min_orders)
    sizes = ev.groupby(["snapshot", "tier"]).size().unstack(fill_value=0)
    sizes = sizes.reindex(columns=list(TIERS), fill_value=0).reset_index()
    last = ev[ev["snapshot"] == ev["snapshot"].max()]
    out: dict[str, Any] = {"sizes": sizes, "migration": migration_matrix(ev), "last": last,
                           "snapshots": snaps, "members": int(len(mem))}  # fmt: skip
    if "member_tier" in mem.columns:
        world = mem.set_index("user_id")["member_tier"]
        q = last.set_index("user_id")["qualified"]
        out["agreement"] = float((q == world.reindex(q.index)).mean())
    up = ev.sort_values(["user_id", "snapshot"]).groupby("user_id")["tier_idx"].diff()
    out["upgrades"], out["downgrades"] = int((up > 0).sum()), int((up < 0).sum())
    return out


# ------------------------------------------------------------------ points
def points(
    wh: Warehouse,
    dataset: str,
    *,
    point_value: float = DOC["point_value"],
    roi_window_days: float = 30.0,
    retire_rate: float = DOC["retire_rate"],
    heavy_per_month: float = DOC["heavy_per_month"],
    hoarder_per_year: float = DOC["hoarder_per_year"],
) -> dict[str, Any]:
    """Points economy: issued / redeemed / expired, liability, channel penetration, gifts, ROI.

    Gift redemption rate = the gift's share of all redemptions; gifts below ``retire_rate`` are
    retire candidates (gifts never redeemed are absent: the dataset has no gift catalogue).
    Redeemer segments by redeemed points per month over each member's time in the ledger:
    heavy > ``heavy_per_month``, hoarders annualise below ``hoarder_per_year`` while holding a
    balance. ROI = redeemers' GMV within ``roi_window_days`` after a redemption / points cost
    (attribution, not a causal uplift).
    """
    if not 0 < point_value <= 1:
        raise ValueError("point value must be within (0, 1] yuan")
    if not 1 <= roi_window_days <= 365:
        raise ValueError("ROI window must be 1-365 days")
    if not 0 <= retire_rate < 1:
        raise ValueError("retire rate must be within [0, 1)")
    t = wh.tables(dataset)
    kinds = wh.query(lm.points_by_kind(t))
    if kinds.empty:
        raise ValueError("the points ledger is empty")
    per_kind = kinds.groupby("kind")["points"].sum()
    issued = float(per_kind[per_kind.index.str.startswith("earn")].sum())
    redeemed = 0.0 - float(per_kind.get("redeem", 0.0))
    expired = 0.0 - float(per_kind.get("expire", 0.0))
    outstanding = issued - redeemed - expired
    mp = wh.query(lm.member_points(t))
    earn = kinds[kinds["kind"].str.startswith("earn")]
    earners = wh.query(lm.earners_by_kind(t)).set_index("kind")
    pen = earn.groupby("kind").agg(points=("points", "sum"), movements=("movements", "sum"))
    pen["points_share"] = pen["points"] / pen["points"].sum()
    pen["members"] = earners["members"].reindex(pen.index).fillna(0).astype(int)
    pen["penetration"] = pen["members"] / float(earners["all_members"].iloc[0])
    pen = pen.reset_index()
    share_vs_purchase = float(per_kind.get("earn_share", 0.0)) / float(
        per_kind.get("earn_purchase", np.nan)
    )
    gifts = wh.query(lm.redemption_gmv(t, window_days=roi_window_days))
    gifts["rate"] = gifts["redemptions"] / gifts["redemptions"].sum() if len(gifts) else np.nan
    gifts["cost"] = gifts["points"] * point_value
    gifts["roi"] = gifts["gmv_after"] / gifts["cost"].where(gifts["cost"] > 0)
    gifts["retire"] = gifts["rate"] < retire_rate
    span = wh.query(lm.ledger_span(t)).iloc[0]
    end = pd.Timestamp(span["last_ts"])
    months = np.maximum((end - pd.to_datetime(mp["first_ts"])).dt.total_seconds() / (86400 * 30.44),
                        1.0)  # fmt: skip
    mp["per_month"] = mp["redeemed"] / months
    mp["per_year"] = mp["per_month"] * 12
    mp["segment"] = np.where(mp["per_month"] > heavy_per_month, "heavy",
                             np.where((mp["per_year"] < hoarder_per_year) & (mp["balance"] > 0),
                                      "hoarder", "regular"))  # fmt: skip
    seg = mp.groupby("segment").agg(members=("user_id", "size"), balance=("balance", "sum"),
                                    redeemed=("redeemed", "sum"))  # fmt: skip
    seg = seg.reindex(["heavy", "regular", "hoarder"], fill_value=0).reset_index()
    cost = redeemed * point_value
    return {
        "economy": {
            "issued": issued,
            "redeemed": redeemed,
            "expired": expired,
            "outstanding": outstanding,
            "liability": outstanding * point_value,
            "redemption_rate": redeemed / issued if issued else float("nan"),
            "members": int(len(mp)),
        },  # fmt: skip
        "penetration": pen,
        "share_vs_purchase": share_vs_purchase,
        "gifts": gifts,
        "segments": seg,
        "roi": float(gifts["gmv_after"].sum()) / cost if cost else float("nan"),
        "cost": cost,
        "point_value": point_value,
    }


# ------------------------------------------------------------------ CLV and churn
DEGENERATE_AB = 1e4  # a + b beyond this: dropout probability not identified by the data
PENALIZER = 0.01


def clv_table(
    wh: Warehouse,
    dataset: str,
    *,
    horizon_days: int = 365,
    annual_discount: float = 0.10,
) -> dict[str, Any]:
    """BG/NBD + Gamma-Gamma CLV per customer from ``metrics.rfm`` (orders only), and simple LTV.

    Time unit days; ``frequency`` repeat purchase days, ``recency_days``, ``T_days``; spend model
    on ``avg_value`` (mean order value) of repeat customers. CLV is discounted monthly (30-day
    steps) at the annual rate. When the window is too short to identify dropout heterogeneity
    (``a + b`` runs off to infinity) the fit is repeated with a small L2 penalty
    (``bgnbd_method`` says which). The document's LTV = AOV x purchases over the horizon
    (annualised from the data) x 1 (no referral multiplier) is given beside it.
    """
    if not 30 <= int(horizon_days) <= 3650:
        raise ValueError("horizon must be 30-3,650 days")
    if not 0 <= annual_discount <= 1:
        raise ValueError("annual discount rate must be within [0, 1]")
    r = wh.query(rfm(wh.tables(dataset)))
    if r.empty:
        raise ValueError("no paid orders in this dataset")
    # ``frequency`` counts distinct purchase days: a second order on the first day leaves
    # frequency 0, whose BG/NBD recency is 0 by definition (the metric's is a few hours).
    r["recency_days"] = r["recency_days"].where(r["frequency"] > 0, 0.0)
    bg = clv.fit_bgnbd(r["frequency"], r["recency_days"], r["T_days"])
    method = "mle"
    if bg["a"] + bg["b"] > DEGENERATE_AB:
        # The data carry no information on dropout heterogeneity (short window): the MLE runs off
        # to a, b -> infinity, where the closed form and its quadrature fallback both break down.
        # Refit with the L2 penalty of ``lifetimes`` (penalizer_coef 0.01, its suggested range).
        bg = clv.fit_bgnbd(r["frequency"], r["recency_days"], r["T_days"], penalizer=PENALIZER)
        method = f"penalized ({PENALIZER:g})"
    rep = r[r["frequency"] > 0]
    gg = clv.fit_gamma_gamma(rep["frequency"], rep["avg_value"])
    if gg["q"] <= 1:
        raise ValueError("the spend model has q <= 1 (no finite mean spend); CLV is undefined")
    step_rate = (1 + annual_discount) ** (30 / 365) - 1
    money = np.where(r["frequency"] > 0, r["avg_value"], 0.0)
    r["p_alive"] = clv.prob_alive(bg, r["frequency"], r["recency_days"], r["T_days"])
    r["expected_purchases"] = clv.expected_purchases(bg, horizon_days, r["frequency"],
                                                     r["recency_days"], r["T_days"])  # fmt: skip
    r["expected_spend"] = clv.expected_spend(gg, r["frequency"], money)
    r["clv"] = clv.customer_lifetime_value(bg, gg, r["frequency"], r["recency_days"], r["T_days"],
                                           money, horizon=horizon_days, discount_rate=step_rate,
                                           step=30.0)  # fmt: skip
    if not np.isfinite(r[["p_alive", "expected_purchases", "clv"]].to_numpy()).all():
        raise ValueError("the fitted BG/NBD parameters give non-finite values; CLV is undefined")
    span = max(float(r["T_days"].max()), 1.0)
    aov = float(r["monetary"].sum() / r["orders"].sum())
    per_year = float(r["orders"].mean()) * 365.0 / span
    simple = float(clv.simple_ltv(aov, per_year * horizon_days / 365.0, 1.0))
    return {"customers": r, "bgnbd": bg, "bgnbd_method": method, "gamma_gamma": gg, "aov": aov,
            "purchases_per_year": per_year, "simple_ltv": simple,
            "mean_clv": float(r["clv"].mean()), "horizon_days": int(horizon_days)}  # fmt: skip


def churn_warning(
    customers: pd.DataFrame,
    *,
    inactive_days: float,
    top_share: float = 0.2,
    offer_cost: float = 30.0,
    multiple: float = DOC["offer_multiple"],
) -> dict[str, Any]:
    """High-value customers (top ``top_share`` by spend) without a purchase for ``inactive_days``.

    Each gets a win-back offer costing ``offer_cost x multiple`` (doc: up to 3x a normal user's);
    the budget is set against their expected CLV and P(alive).
    """
    if not 1 <= inactive_days <= 730:
        raise ValueError("inactive days must be 1-730")
    if not 0 < top_share <= 1:
        raise ValueError("high-value share must be within (0, 1]")
    if not 0 < offer_cost <= 10_000:
        raise ValueError("offer cost must be within (0, 10,000]")
    if not 1 <= multiple <= DOC["offer_multiple"]:
        raise ValueError("the offer multiple must be between 1 and 3 (doc: up to 3x)")
    c = customers
    cut = float(c["monetary"].quantile(1 - top_share))
    high = c[c["monetary"] >= cut]
    flagged = high[high["days_since_last"] >= inactive_days].sort_values("clv", ascending=False)
    budget = len(flagged) * offer_cost * multiple
    at_stake = float(flagged["clv"].sum())
    return {"flagged": flagged.reset_index(drop=True), "high_value": int(len(high)),
            "threshold": cut, "budget": budget, "clv_at_stake": at_stake,
            "budget_share": budget / at_stake if at_stake else float("nan"),
            "max_inactive": float(c["days_since_last"].max())}  # fmt: skip


def default_inactive_days(span_days: float) -> int:
    """The doc's 90 days when the data span allows, else half the span (at least 7 days)."""
    return int(DOC["inactive_days"]) if span_days >= 2 * DOC["inactive_days"] else max(
        7, int(span_days // 2))  # fmt: skip


TIER_THRESHOLD_TABLE = pd.DataFrame(
    {"tier": list(TIERS), "annual_spend": [0.0, *TIER_THRESHOLDS.values()]}
)
