"""Chapter 05 social viral growth: group buys, share coupons, community layers, K and cascades, LTV.

``overview`` reads the warehouse once; the parameterised parts (group-buy economics, community
layers, cascade simulation, LTV) are separate functions so a page can cache them per control.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from omni_core.metrics import social as sm
from omni_core.metrics.coverage import missing_by_section
from omni_core.models import viral
from omni_core.models.clv import ltv_cac_ratio, simple_ltv
from omni_core.models.community import LAYERS, assign_layers, transition_matrix
from omni_core.models.experiments import two_proportion_test
from omni_core.models.offspring import fit_negative_binomial
from omni_core.warehouse import Warehouse

NEEDS = {
    "viral": ("shares", "orders"),
    "group": ("shares", "orders", "order_lines", "skus"),
    "community": ("users", "events", "orders", "shares"),
}
TITLES = {
    "viral": ("裂变与病毒系数 K", "Referrals and the viral coefficient K"),
    "group": ("阶梯拼团", "Tiered group buying"),
    "community": ("社群分层 SOP", "Community layers and SOPs"),
}
DOC = {
    "coupon_lift": 0.40,  # share-coupon flash sale: conversion +40%
    "activation_hours": 6.0,  # new members activated within 6 h on average
    "monthly_interaction": 0.35,  # community monthly interaction rate
    "koc_share": 0.10,  # KOC = top 10% active members
    "koc_commission": 0.15,  # +15% commission
    "koc_arpu_multiple": 3.0,  # KOC ARPU x3
    "silent_days": 30,  # silent after 30 days without interaction
    "recall_lift_pp": 0.25,  # recall +25 percentage points
    "k_self": 1.0,  # K > 1 self-propagating
    "k_good": (1.2, 1.5),  # good campaigns
    "ltv_cac": 3.0,  # LTV / CAC >= 3
    "second_degree": 0.15,  # second-degree conversion >= 15%
}
GROUP_SIZES = {"group_buy_2": 2, "group_buy_5": 5}


def overview(wh: Warehouse, dataset: str) -> dict[str, Any]:
    """Share funnel, group-buy groups, coupon effect, K and its dispersion, second degree, basics."""
    missing = missing_by_section(wh.table_names(dataset), NEEDS)
    t = wh.tables(dataset)
    out: dict[str, Any] = {"missing": missing}
    if "orders" in wh.table_names(dataset):
        b = wh.query(sm.buyer_counts(t)).iloc[0]
        span = (b["last_ts"] - b["first_ts"]).total_seconds() / 86400 if b["orders"] else 0.0
        out["basics"] = {"orders": int(b["orders"]), "buyers": int(b["buyers"]),
                         "gmv": float(b["gmv"] or 0.0), "span_days": max(float(span), 1.0)}  # fmt: skip
    if "users" in wh.table_names(dataset) and "basics" in out:
        out["basics"]["users"] = int(wh.query(t.users.count()))
    if "viral" in missing:
        return out
    funnel = wh.query(sm.share_funnel(t))
    if funnel.empty or "basics" not in out:
        out["missing"] = {**missing, "viral": ["shares"]}
        return out
    out["funnel"] = funnel
    out["mechanics"] = mechanic_summary(funnel)
    out["coupon"] = coupon_effect(funnel)
    hist = wh.query(sm.offspring_histogram(t, generation=1))
    out["offspring"] = hist
    out["k"] = viral_coefficients(funnel, hist, out["basics"]["buyers"])
    sd = wh.query(sm.second_degree(t)).iloc[0]
    out["second_degree"] = {
        "converted_invitees": int(sd["converted_invitees"]),
        "with_conversion": int(sd["with_conversion"]),
        "rate": viral.second_degree_conversion(sd["converted_invitees"], sd["with_conversion"])
        if sd["converted_invitees"] > 0
        else float("nan"),
    }
    if "group" not in missing:
        out["groups"] = wh.query(sm.group_buy_groups(t))
        gm = wh.query(sm.gross_margin(t)).iloc[0]
        out["gross_margin"] = 1.0 - float(gm["cost"]) / float(gm["amount"]) if gm["amount"] else 0.0
    if "ad_spend" in wh.table_names(dataset):
        pa = wh.query(sm.paid_acquisition(t)).iloc[0]
        out["paid_cac"] = float(pa["spend"]) / pa["paid_buyers"] if pa["paid_buyers"] else None
    return out


def mechanic_summary(funnel: pd.DataFrame) -> pd.DataFrame:
    """Per mechanic (first generation): invites, click rate, conversion per click and per invite."""
    f = funnel[funnel["generation"] == 1]
    g = f.groupby("mechanic")[["invites", "clicked", "converted", "shares", "sharers"]].sum()
    g["click_rate"] = g["clicked"] / g["invites"].where(g["invites"] > 0)
    g["conv_per_click"] = g["converted"] / g["clicked"].where(g["clicked"] > 0)
    g["conv_per_invite"] = g["converted"] / g["invites"].where(g["invites"] > 0)
    return g.reset_index()


def coupon_effect(funnel: pd.DataFrame) -> dict[str, Any] | None:
    """Share-coupon flash sale vs the plain invite: conversion per click, test and lift (doc +40%)."""
    m = mechanic_summary(funnel).set_index("mechanic")
    if not {"share_coupon", "invite"} <= set(m.index):
        return None
    a, b = m.loc["invite"], m.loc["share_coupon"]
    if a["clicked"] == 0 or b["clicked"] == 0:
        return None
    res = two_proportion_test(int(a["converted"]), int(a["clicked"]), int(b["converted"]),
                              int(b["clicked"]))  # fmt: skip
    return {**res, "doc_lift": DOC["coupon_lift"]}


def viral_coefficients(
    funnel: pd.DataFrame, offspring: pd.DataFrame, buyers: int
) -> dict[str, Any]:
    """K = invites x conversion / original users, over sharers and over all buyers, and dispersion.

    ``k_sharers`` divides by the first-generation sharers (the campaign's original users);
    ``k_buyers`` by every paying buyer (sharing is voluntary, so non-sharers count as zero). The
    negative-binomial dispersion is fitted on converted invitees per sharer.
    """
    f = funnel[funnel["generation"] == 1]
    invites = float(f["invites"].sum())
    rate = float(f["converted"].sum()) / invites if invites else 0.0
    sharers = int(offspring["sharers"].sum())
    out: dict[str, Any] = {"invites": invites, "conversion": rate, "sharers": sharers,
                           "buyers": int(buyers)}  # fmt: skip
    out["k_sharers"] = viral.k_factor(invites, rate, sharers) if sharers else float("nan")
    out["k_buyers"] = viral.k_factor(invites, rate, buyers) if buyers else float("nan")
    if sharers:
        fit = fit_negative_binomial(offspring["offspring"], offspring["sharers"])
        out["dispersion"] = fit["dispersion"]
        out["variance"] = fit["variance"]
    else:
        out["dispersion"], out["variance"] = float("inf"), float("nan")
    by = f.groupby("mechanic")[["invites", "converted", "sharers"]].sum()
    by["k"] = by["converted"] / by["sharers"].where(by["sharers"] > 0)
    out["by_mechanic"] = by.reset_index()
    return out


def group_buy_tiers(
    groups: pd.DataFrame,
    *,
    aov: float,
    gross_margin: float,
    discounts: Mapping[str, float],
) -> pd.DataFrame:
    """Completion rate and margin per group-buy tier.

    A ``group_buy_<n>`` group completes with ``n - 1`` converted invitees. Margin of a completed
    group = ``n x AOV x (gross margin - tier discount)`` (the leader and the members each place an
    order of the average value at the group price); expected margin per launched group =
    completion rate x that. ``discounts`` per mechanic are the operator's inputs.
    """
    if aov <= 0:
        raise ValueError("AOV must be positive")
    if not -1 < gross_margin < 1:
        raise ValueError("gross margin must be within (-1, 1)")
    rows = []
    for mech, size in GROUP_SIZES.items():
        d = float(discounts.get(mech, 0.0))
        if not 0 <= d < 1:
            raise ValueError(f"discount of {mech} must be within [0, 1)")
        g = groups[groups["mechanic"] == mech]
        done = g["converted"] >= size - 1
        n = len(g)
        rate = float(done.mean()) if n else float("nan")
        per_group = size * aov * (gross_margin - d)
        rows.append({"mechanic": mech, "size": size, "groups": n, "completed": int(done.sum()),
                     "completion_rate": rate, "avg_converted": float(g["converted"].mean())
                     if n else float("nan"), "discount": d, "margin_per_group": per_group,
                     "margin_per_launch": rate * per_group if n else float("nan"),
                     "margin_total": float(done.sum()) * per_group})  # fmt: skip
    return pd.DataFrame(rows)


def cascade(
    k: float,
    dispersion: float,
    *,
    seeds: int,
    generations: int = 10,
    runs: int = 300,
    market: float | None = None,
    seed: int = 7,
) -> dict[str, Any]:
    """Branching-process cascades with the given K and dispersion (``viral.simulate_cascade``).

    Returns per generation the mean, 10th/90th percentiles of new users, the share of runs still
    alive and the closed-form mean ``seeds x K^g``; the extinction probability; for K > 1 the
    probability of self-propagation (``1 - q^seeds``); with a market cap, the median generation
    at which the cascade saturates.
    """
    if not 0 <= k <= 5:
        raise ValueError("K must be within [0, 5]")
    if not (dispersion > 0):
        raise ValueError("dispersion must be positive (inf = Poisson)")
    if not 1 <= seeds <= 1_000_000 or not 1 <= generations <= 30 or not 10 <= runs <= 5000:
        raise ValueError("seeds 1-1,000,000, generations 1-30 and runs 10-5,000")
    if market is not None and market < seeds:
        raise ValueError("the market cap must be at least the number of seed users")
    sims = viral.simulate_cascade(int(seeds), k, dispersion, int(generations), seed,
                                  max_population=market, n_runs=int(runs))  # fmt: skip
    arr = sims.to_numpy()
    gens = np.arange(arr.shape[1])
    frame = pd.DataFrame({
        "generation": gens, "mean": arr.mean(0), "p10": np.percentile(arr, 10, axis=0),
        "p90": np.percentile(arr, 90, axis=0), "alive": (arr > 0).mean(0),
        "expected": viral.expected_generation_sizes(seeds, k, int(generations)),
        "cumulative": arr.cumsum(1).mean(0),
    })  # fmt: skip
    q = viral.extinction_probability(k, dispersion, seed_users=int(seeds))
    out: dict[str, Any] = {"frame": frame, "extinction": q, "self_propagating": 1.0 - q}
    last_alive = np.where(arr > 0, gens[None, :], -1).max(1)
    out["median_last_generation"] = float(np.median(last_alive))
    if k < 1 and k > 0:
        out["expected_total"] = seeds / (1 - k)
        out["generations_to_fade"] = (
            int(np.ceil(np.log(1.0 / seeds) / np.log(k))) if seeds > 1 else 1
        )
    else:
        out["expected_total"] = float("inf") if k >= 1 else float(seeds)
        out["generations_to_fade"] = None
    if market is not None:
        cum = arr.cumsum(1)
        hit = np.where(cum >= market, gens[None, :], arr.shape[1])
        first = hit.min(1)
        sat = first < arr.shape[1]
        out["saturation_share"] = float(sat.mean())
        out["saturation_generation"] = float(np.median(first[sat])) if sat.any() else None
    return out


def referral_ltv(
    *, aov: float, repeat_purchases: float, referred_users: float, cac: float
) -> dict[str, float]:
    """The document's LTV = AOV x repeat purchases x referred users, and LTV / CAC (doc >= 3)."""
    ltv = float(simple_ltv(aov, repeat_purchases, referred_users))
    return {"ltv": ltv, "cac": float(cac), "ratio": float(ltv_cac_ratio(ltv, cac)),
            "doc_ratio": DOC["ltv_cac"]}  # fmt: skip


def community(
    wh: Warehouse,
    dataset: str,
    *,
    period_days: int = 7,
    new_days: float = 7.0,
    silent_days: float = 30.0,
    koc_share: float = 0.10,
    coupon_value: float = 50.0,
    aov: float | None = None,
) -> dict[str, Any]:
    """Community layers at every ``period_days`` snapshot, transitions and SOP outcomes vs the doc.

    Outcomes: activation (hours from joining to the first community purchase; share within 6 h),
    monthly interaction rate (members with an interaction in the last 30 days at the last
    snapshot), KOC vs active ARPU over the window and the +15% commission on KOC-referred GMV,
    silent-member recall (silent at a snapshot, interacting by the next; the doc's SOP targets +25
    points) and the coupon budget for the current silent layer. With ``aov`` the KOC commission
    budget is 15% x the GMV of their referred converts (converts x AOV).
    """
    if not 1 <= int(period_days) <= 30:
        raise ValueError("period_days must be between 1 and 30")
    if not 0 < coupon_value <= 10_000:
        raise ValueError("coupon value must be within (0, 10,000]")
    t = wh.tables(dataset)
    members = wh.query(sm.community_members(t))
    if members.empty:
        raise ValueError("no private-community members in this dataset")
    daily = wh.query(sm.community_daily(t))
    daily = daily[daily["user_id"].isin(members["user_id"])]
    first = wh.query(sm.community_first_purchase(t))
    start = members["join_ts"].min().floor("D")
    end = max(daily["ts"].max() + pd.Timedelta(days=1), members["join_ts"].max()).ceil("D")
    snaps = list(pd.date_range(start + pd.Timedelta(days=period_days), end, freq=f"{period_days}D"))
    if not snaps or snaps[-1] < end:
        snaps.append(end)
    layers = assign_layers(members, daily, snaps, new_days=new_days, silent_days=silent_days,
                           koc_share=koc_share)  # fmt: skip
    sizes = layers.groupby(["snapshot", "layer"]).size().unstack(fill_value=0)
    sizes = sizes.reindex(columns=list(LAYERS), fill_value=0).reset_index()
    trans = transition_matrix(layers)
    last = layers[layers["snapshot"] == snaps[-1]]
    hours = (first["first_pay_ts"] - first["join_ts"]).dt.total_seconds() / 3600
    win = daily[daily["ts"] >= snaps[-1] - pd.Timedelta(days=silent_days)]
    per = win.groupby("user_id")[["gmv", "referred"]].sum()
    lay = last.set_index("user_id")["layer"]
    arpu = per["gmv"].reindex(lay.index).fillna(0).groupby(lay).mean()
    koc_ref = float(per["referred"].reindex(lay[lay == "koc"].index).fillna(0).sum())
    recall = _recall(layers)
    outcomes = {
        "activation_median_h": float(hours.median()) if hours.notna().any() else float("nan"),
        "activated_6h": float((hours <= DOC["activation_hours"]).sum() / len(first)),
        "activated_ever": float(hours.notna().mean()),
        "monthly_interaction": float((last["interactions"] > 0).mean()),
        "koc_arpu": float(arpu.get("koc", np.nan)),
        "active_arpu": float(arpu.get("active", np.nan)),
        "koc_referred": koc_ref,
        "koc_commission": koc_ref * aov * DOC["koc_commission"] if aov else float("nan"),
        "recall_rate": recall,
        "recall_target": recall + DOC["recall_lift_pp"] if recall == recall else float("nan"),
        "silent_now": int((last["layer"] == "silent").sum()),
        "coupon_budget": float((last["layer"] == "silent").sum() * coupon_value),
    }
    outcomes["koc_multiple"] = (outcomes["koc_arpu"] / outcomes["active_arpu"]
                                if outcomes["active_arpu"] else float("nan"))  # fmt: skip
    return {"sizes": sizes, "transitions": trans, "outcomes": outcomes, "layers": last,
            "snapshots": snaps, "hours_to_first": hours.dropna()}  # fmt: skip


def _recall(layers: pd.DataFrame) -> float:
    """Share of members silent at a snapshot who interact (active or KOC) at the next one."""
    m = transition_matrix(layers)
    silent = m.loc["silent"]
    total = silent.sum()
    return float((silent["active"] + silent["koc"]) / total) if total else float("nan")
