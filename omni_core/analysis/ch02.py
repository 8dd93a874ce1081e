"""Chapter 02 (电商平台流量生态解析): the platform traffic ecosystem of one dataset.

``analyse`` returns: per-platform traffic and cost (sessions, UV, CTR, conversion, dwell, CPC,
CPM, cost per new buyer), a daily trend, search-led vs recommendation-led traffic and its
conversion, the public -> private flow (first purchase channel -> WeCom community -> repurchase) as
Sankey links with join rates, the touchpoint chain "search ad -> landing page -> live room ->
private community", and the lifecycle split (where buyers are acquired vs where they repurchase).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from omni_core.analysis.ch01 import channel_table, need
from omni_core.metrics import channels as mc
from omni_core.warehouse import Warehouse

TREND_METRICS = ("sessions", "uv", "gmv", "spend", "cpc", "conversion")
SOURCE_GROUP = {"search": "search", "recommend": "recommend", "short_video": "recommend",
                "live": "recommend", "note": "recommend"}  # fmt: skip


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return num.astype(float) / den.astype(float).where(den > 0)


def _safe(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def analyse(wh: Warehouse, dataset: str, *, chain_days: int = 7) -> dict[str, Any]:
    """Everything the chapter 02 page shows (see the module docstring)."""
    have = set(wh.table_names(dataset))
    t = wh.tables(dataset)
    out: dict[str, Any] = {"missing": []}
    ch, note = channel_table(wh, dataset, have)
    if note:
        out["missing"].append(note)
    chans = wh.query(ch)[["channel_id", "name_zh", "name_en", "channel_type", "lead"]]
    chans = chans.rename(columns={"channel_id": "channel"})
    notes = [
        need(
            have, ("events",), "流量、点击率、停留时长与转化", "traffic, CTR, dwell and conversion"
        ),
        need(have, ("ad_spend",), "CPC、CPM 与新客成本", "CPC, CPM and cost per new buyer"),
        need(have, ("orders",), "GMV、买家与新客", "GMV, buyers and new buyers"),
    ]
    out["missing"] += [n for n in notes if n]
    parts = [chans.set_index("channel")]
    daily = []
    if "events" in have:
        parts.append(wh.query(mc.traffic_by_channel(t)).set_index("channel"))
        daily.append(wh.query(mc.traffic_by_channel(t, bucket="day")))
        out["sources"] = source_split(wh.query(mc.source_mix(t)), chans)
    if "ad_spend" in have:
        parts.append(wh.query(mc.ads_by_channel(t)).set_index("channel"))
        daily.append(wh.query(mc.ads_by_channel(t, bucket="day")))
    if "orders" in have:
        parts.append(wh.query(mc.sales_by_channel(t)).set_index("channel"))
        daily.append(wh.query(mc.sales_by_channel(t, bucket="day")))
        out["lifecycle"] = lifecycle_split(wh.query(mc.lifecycle_orders(t)), chans)
    if len(parts) > 1:
        out["platforms"] = platform_metrics(pd.concat(parts, axis=1).reset_index())
        out["trend"] = trend_metrics(daily)
    n = need(have, ("orders", "users"), "公域→私域流转", "the public-to-private flow")
    if n:
        out["missing"].append(n)
    else:
        out["flow"] = flow_summary(wh.query(mc.private_flow(t)))
    out["kpis"] = headline(out.get("platforms"), out.get("flow"), have)
    n = need(have, ("events", "users"), "触点链路漏斗", "the touchpoint chain")
    if n:
        out["missing"].append(n)
    else:
        out["chain"] = chain_steps(wh.query(mc.touch_chain(t, within_days=chain_days)))
    return out


def headline(
    plat: pd.DataFrame | None, flow: dict | None, have: set[str]
) -> dict[str, float | None]:
    """Page KPIs; None where the dataset lacks the table behind a figure."""
    out: dict[str, float | None] = dict.fromkeys(
        ("sessions", "spend", "cpc", "cost_per_new_buyer", "join_rate")
    )
    if plat is not None and "events" in have:
        out["sessions"] = float(plat["sessions"].sum())
    if plat is not None and "ad_spend" in have:
        paid = plat[plat["spend"].fillna(0) > 0]
        spend = float(paid["spend"].sum())
        out["spend"] = spend
        out["cpc"] = _safe(spend, paid["ad_clicks"].sum()) if len(paid) else None
        if "orders" in have and len(paid):
            out["cost_per_new_buyer"] = _safe(spend, paid["new_buyers"].sum())
    if flow:
        out["join_rate"] = float(flow["join_rate"])
    return {k: (None if v is None or v != v else v) for k, v in out.items()}


def platform_metrics(df: pd.DataFrame) -> pd.DataFrame:
    """Derived per-platform rates from the joined traffic, ad and sales counts."""
    d = df.copy()
    for c in ("sessions", "clicks", "visits", "uv", "spend", "impressions", "ad_clicks", "gmv",
              "orders", "buyers", "new_buyers"):  # fmt: skip
        if c not in d:
            d[c] = np.nan
    d = d[d["sessions"].fillna(0) + d["orders"].fillna(0) > 0].copy()
    d["ctr"] = _ratio(d["clicks"], d["sessions"])
    d["conversion"] = _ratio(d["buyers"], d["uv"])
    d["cpc"] = _ratio(d["spend"], d["ad_clicks"])
    d["cpm"] = _ratio(d["spend"], d["impressions"]) * 1000
    d["ad_ctr"] = _ratio(d["ad_clicks"], d["impressions"])
    d["cost_per_new_buyer"] = _ratio(d["spend"], d["new_buyers"])
    if "dwell_s" not in d:
        d["dwell_s"] = np.nan
    return d.sort_values("sessions", ascending=False, ignore_index=True)


def trend_metrics(daily: list[pd.DataFrame]) -> pd.DataFrame:
    """Daily per-channel traffic, spend and sales joined, with CPC and conversion."""
    if not daily:
        return pd.DataFrame()
    frames = [f.set_index(["bucket", "channel"]) for f in daily]
    d = pd.concat(frames, axis=1).reset_index()
    for c in ("sessions", "uv", "gmv", "spend", "ad_clicks", "buyers"):
        if c not in d:
            d[c] = np.nan
    d["cpc"] = _ratio(d["spend"], d["ad_clicks"])
    d["conversion"] = _ratio(d["buyers"], d["uv"])
    return d.sort_values(["bucket", "channel"], ignore_index=True)


def source_split(mix: pd.DataFrame, chans: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Search-led vs recommendation-led traffic: session shares and conversion per lead type.

    ``by_channel``: share of each channel's sessions by source group (search / recommend /
    other). ``conversion``: cart rate (carts / visits) and pay rate (paying / visits) per channel
    type and source.
    """
    m = mix.merge(chans[["channel", "channel_type"]], on="channel", how="left")
    m["channel_type"] = m["channel_type"].fillna("unknown")
    m["group"] = m["source"].map(SOURCE_GROUP).fillna("other")
    g = m.groupby(["channel", "group"], as_index=False)["sessions"].sum()
    g["share"] = g["sessions"] / g.groupby("channel")["sessions"].transform("sum")
    c = m.groupby(["channel_type", "source"], as_index=False)[["sessions", "visits", "carts",
                                                              "paying"]].sum()  # fmt: skip
    c["cart_rate"] = _ratio(c["carts"], c["visits"])
    c["pay_rate"] = _ratio(c["paying"], c["visits"])
    return {"by_channel": g, "conversion": c}


def flow_summary(flow: pd.DataFrame) -> dict[str, Any]:
    """Sankey links (first channel -> community -> after) and join rates per first channel.

    Links: ``first channel -> joined / not joined`` and ``joined -> private repurchase / public
    repurchase / none``, ``not joined -> repurchase / none``. ``rates`` per first channel and
    live flag: buyers, joiners, join rate, and the repurchase rate of joiners vs non-joiners.
    """
    f = flow.copy()
    f["community"] = np.where(f["joined"], "joined", "not_joined")
    f["outcome"] = np.where(
        f["joined"], f["after"].map({"private": "private_repurchase",
                                     "public": "public_repurchase", "none": "no_repurchase"}),
        np.where(f["after"] == "none", "no_repurchase_nj", "repurchase_nj"),
    )  # fmt: skip
    a = f.groupby(["first_channel", "community"], as_index=False)["buyers"].sum()
    a = a.rename(columns={"first_channel": "source", "community": "target"})
    b = f.groupby(["community", "outcome"], as_index=False)["buyers"].sum()
    b = b.rename(columns={"community": "source", "outcome": "target"})
    links = pd.concat([a, b], ignore_index=True).rename(columns={"buyers": "value"})
    f["joined_buyers"] = f["buyers"] * f["joined"].astype(int)
    f["rep_buyers"] = f["buyers"] * (f["after"] != "none").astype(int)
    r = f.groupby(["first_channel", "live"], as_index=False)[["buyers", "joined_buyers"]].sum()
    r = r.rename(columns={"joined_buyers": "joined"})
    r["join_rate"] = _ratio(r["joined"], r["buyers"])
    rep = f.groupby("joined")[["rep_buyers", "buyers"]].sum()
    rep_rate = {bool(k): _safe(v["rep_buyers"], v["buyers"]) for k, v in rep.iterrows()}
    private_rep = f.loc[f["joined"] & (f["after"] == "private"), "buyers"].sum()
    joiners = f.loc[f["joined"], "buyers"].sum()
    return {
        "links": links,
        "rates": r,
        "join_rate": joiners / f["buyers"].sum() if f["buyers"].sum() else np.nan,
        "repurchase_joined": rep_rate.get(True, np.nan),
        "repurchase_not_joined": rep_rate.get(False, np.nan),
        "private_share_of_joiner_repurchase": private_rep / joiners if joiners else np.nan,
    }


def chain_steps(chain: pd.DataFrame) -> pd.DataFrame:
    """The touchpoint chain with step-to-step and overall conversion."""
    d = chain.sort_values("step", ignore_index=True)
    d["step_rate"] = _ratio(d["users"], d["users"].shift(1))
    d["overall_rate"] = _ratio(d["users"], pd.Series(d["users"].iloc[0], index=d.index))
    d["name"] = ["search_ad", "landing_page", "live_room", "private_community"][: len(d)]
    return d


def lifecycle_split(life: pd.DataFrame, chans: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Where buyers are acquired (first paid order) vs where they repurchase, per channel.

    ``by_channel``: first and repeat orders per channel and each channel's share of all first
    orders and of all repeat orders. ``by_domain``: the same by public vs private domain.
    """
    p = life.pivot_table(index="channel", columns="stage", values="orders", fill_value=0)
    p = p.reindex(columns=["first", "repeat"], fill_value=0).reset_index()
    p["first_share"] = p["first"] / max(p["first"].sum(), 1)
    p["repeat_share"] = p["repeat"] / max(p["repeat"].sum(), 1)
    p["repeat_ratio"] = _ratio(p["repeat"], p["first"] + p["repeat"])
    p = p.merge(chans[["channel", "channel_type"]], on="channel", how="left")
    p["domain"] = np.where(p["channel_type"] == "private", "private", "public")
    dom = p.groupby("domain", as_index=False)[["first", "repeat"]].sum()
    dom["first_share"] = dom["first"] / max(dom["first"].sum(), 1)
    dom["repeat_share"] = dom["repeat"] / max(dom["repeat"].sum(), 1)
    return {"by_channel": p.sort_values("first", ascending=False, ignore_index=True),
            "by_domain": dom}  # fmt: skip
