"""Chapter 04 content marketing: live board, three-tier live system, KOL pyramid and scorecard, UGC.

Each function returns small frames/dicts for one part of the page; sections whose tables are
missing from the dataset are listed in ``missing`` instead (imports may hold only orders).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from omni_core.metrics.content import (
    content_pieces,
    kol_performance,
    live_minute_funnel,
    live_stream_stats,
)
from omni_core.metrics.coverage import missing_by_section
from omni_core.models.experiments import two_proportion_test
from omni_core.models.kol_score import (
    composite_score,
    fit_beta_prior,
    percentile_score,
    retire_reasons,
)
from omni_core.models.ugc import grade_pieces, pipeline_funnel
from omni_core.reference import FUNNEL_STAGES
from omni_core.warehouse import Warehouse

NEEDS = {
    "live": ("events", "orders", "live_sessions"),
    "kol": ("events", "orders", "kols"),
    "ugc": ("events", "orders", "kols"),
}
TITLES = {
    "live": ("直播看板与三级直播体系", "Live-stream board and three-tier live system"),
    "kol": ("KOL/KOC 金字塔与评分卡", "KOL/KOC pyramid and scorecard"),
    "ugc": ("UGC 内容管线", "UGC pipeline"),
}
LIVE_TIERS = ("brand", "influencer", "amateur")
PYRAMID_DOC = {"head": 0.01, "mid": 0.20, "tail": 0.79}  # doc ch.4
FIRST_MINUTES = 30  # doc ch.4: optimise the funnel of the first 30 minutes on air


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def overview(wh: Warehouse, dataset: str) -> dict[str, Any]:
    """Live streams (per session and per tier), KOL performance and the pyramid."""
    missing = missing_by_section(wh.table_names(dataset), NEEDS)
    t = wh.tables(dataset)
    out: dict[str, Any] = {"missing": missing}
    if "live" not in missing:
        streams = wh.query(live_stream_stats(t))
        out["streams"] = streams
        out["tiers"] = tier_summary(streams)
        out["live_kpis"] = {
            "streams": int(len(streams)),
            "views": int(streams["views"].sum()),
            "gmv": float(streams["gmv"].sum()),
            "gpm": _ratio(streams["gmv"].sum() * 1000, streams["views"].sum()),
            "dwell_s": _ratio(
                (streams["dwell_s"].fillna(0) * streams["visits"]).sum(), streams["visits"].sum()
            ),  # fmt: skip
            "conversion": _ratio(streams["buyers"].sum(), streams["viewers"].sum()),
        }
        out["channels"] = sorted(streams["channel_id"].dropna().unique().tolist())
    if "kol" not in missing:
        kols = wh.query(kol_performance(t))
        out["kols"] = kols
        out["pyramid"] = pyramid(kols)
    return out


def tier_summary(streams: pd.DataFrame) -> pd.DataFrame:
    """Brand self-broadcast vs influencer specials vs amateur distribution, side by side."""
    g = streams.assign(_dw=streams["dwell_s"].fillna(0) * streams["visits"]).groupby("tier")
    s = g.agg(streams=("live_id", "size"), hours=("hours", "sum"), views=("views", "sum"),
              viewers=("viewers", "sum"), visits=("visits", "sum"), orders=("orders", "sum"),
              buyers=("buyers", "sum"), gmv=("gmv", "sum"), _dw=("_dw", "sum"))  # fmt: skip
    s = s.reindex([x for x in LIVE_TIERS if x in s.index] + [x for x in s.index
                                                              if x not in LIVE_TIERS])  # fmt: skip
    s["gpm"] = np.where(s["views"] > 0, s["gmv"] * 1000 / s["views"].where(s["views"] > 0), np.nan)
    s["dwell_s"] = s["_dw"] / s["visits"].where(s["visits"] > 0)
    s["conversion"] = s["buyers"] / s["viewers"].where(s["viewers"] > 0)
    s["gmv_per_hour"] = s["gmv"] / s["hours"].where(s["hours"] > 0)
    s["gmv_share"] = s["gmv"] / s["gmv"].sum() if s["gmv"].sum() > 0 else np.nan
    return s.drop(columns="_dw").reset_index()


def live_funnel(
    wh: Warehouse,
    dataset: str,
    *,
    tier: str | None = None,
    channel: str | None = None,
    live_id: int | None = None,
    bucket_minutes: int = 5,
    first_minutes: int = FIRST_MINUTES,
) -> dict[str, Any]:
    """Minute-by-minute entry cohorts and the first-``first_minutes`` funnel against the rest.

    Streams are filtered by tier, channel and (for one session's board) ``live_id``.
    ``minutes``: per bucket the sessions reaching each stage, GMV and conversion (pay / entered).
    ``funnel``: sessions per stage for the opening window and for the rest, with step rates.
    ``test``: two-proportion test of conversion (pay / exposure), opening window vs the rest.
    """
    if not 1 <= int(bucket_minutes) <= 60:
        raise ValueError("bucket_minutes must be between 1 and 60")
    if not 1 <= int(first_minutes) <= 360:
        raise ValueError("first_minutes must be between 1 and 360")
    if tier is not None and tier not in LIVE_TIERS:
        raise ValueError(f"tier must be one of {', '.join(LIVE_TIERS)}")
    t = wh.tables(dataset)
    per_min = wh.query(
        live_minute_funnel(t, tier=tier, channel=channel, live_id=live_id, bucket_minutes=1)
    )
    minutes = per_min.assign(minute=per_min["minute"] // bucket_minutes * bucket_minutes)
    minutes = minutes.groupby("minute", as_index=False)[[*FUNNEL_STAGES, "gmv"]].sum()
    minutes["conversion"] = minutes["pay"] / minutes["exposure"].where(minutes["exposure"] > 0)
    opening = per_min["minute"] < first_minutes
    rows = []
    for label, m in (("first", opening), ("rest", ~opening)):
        tot = per_min.loc[m, list(FUNNEL_STAGES)].sum()
        rows += [{"window": label, "stage": s, "sessions": int(tot[s])} for s in FUNNEL_STAGES]
    funnel = pd.DataFrame(rows)
    funnel["of_exposure"] = funnel["sessions"] / funnel.groupby("window")["sessions"].transform(
        "first"
    ).where(lambda x: x > 0)
    funnel["step_rate"] = funnel["sessions"] / funnel.groupby("window")["sessions"].shift(1).where(
        lambda x: x > 0
    )
    a = funnel[funnel["window"] == "rest"].set_index("stage")["sessions"]
    b = funnel[funnel["window"] == "first"].set_index("stage")["sessions"]
    test = None
    if a["exposure"] > 0 and b["exposure"] > 0:
        test = two_proportion_test(a["pay"], a["exposure"], b["pay"], b["exposure"])
    return {"minutes": minutes, "funnel": funnel, "test": test, "first_minutes": first_minutes}


def top_streams(
    streams: pd.DataFrame, *, tier: str | None = None, channel: str | None = None, n: int = 15
) -> pd.DataFrame:
    """The ``n`` streams with the highest GMV (ties by views, then live id) among the filtered."""
    s = streams
    if tier is not None:
        s = s[s["tier"] == tier]
    if channel is not None:
        s = s[s["channel_id"] == channel]
    s = s.sort_values(["gmv", "views", "live_id"], ascending=[False, False, True])
    return s.head(n).reset_index(drop=True)


def pyramid(kols: pd.DataFrame) -> pd.DataFrame:
    """Head / mid / tail accounts: count share against the document's 1% / 20% / 79%, reach, GMV."""
    k = kols[kols["tier"].isin(list(PYRAMID_DOC))]
    g = k.groupby("tier").agg(accounts=("kol_id", "size"), followers=("followers", "sum"),
                              reach=("reach", "sum"), buyers=("buyers", "sum"),
                              gmv=("gmv", "sum"), fee=("fee", "sum"))  # fmt: skip
    g = g.reindex(list(PYRAMID_DOC), fill_value=0)
    g["share"] = g["accounts"] / max(int(g["accounts"].sum()), 1)
    g["doc_share"] = pd.Series(PYRAMID_DOC)
    g["gmv_share"] = g["gmv"] / g["gmv"].sum() if g["gmv"].sum() > 0 else np.nan
    g["reach_share"] = g["reach"] / g["reach"].sum() if g["reach"].sum() > 0 else np.nan
    return g.reset_index()


def kol_scorecard(
    kols: pd.DataFrame,
    *,
    weights: Mapping[str, float],
    retire_quantile: float = 0.15,
    min_fit: float = 0.35,
    min_conversion_ratio: float = 0.5,
    min_roi: float = 0.0,
) -> dict[str, Any]:
    """Influence x fit x conversion scorecard of the partner accounts, ranking and retire list.

    ``weights`` for ``influence``, ``fit``, ``conversion``. Conversion is buyers / reach shrunk
    with the pool's beta-binomial prior. An account is retired when it fails any rule: score in
    the bottom ``retire_quantile`` of the pool, fit below ``min_fit``, shrunk conversion below
    ``min_conversion_ratio`` x the pool mean, attributed GMV below ``min_roi`` x one post fee
    (0 = rule off), or no reach.
    """
    if not 0 <= retire_quantile < 1:
        raise ValueError("retire_quantile must be within [0, 1)")
    if not 0 <= min_fit <= 1:
        raise ValueError("min_fit must be within [0, 1]")
    if not 0 <= min_conversion_ratio <= 2:
        raise ValueError("min_conversion_ratio must be within [0, 2]")
    if not 0 <= min_roi <= 100:
        raise ValueError("min_roi must be within [0, 100]")
    k = kols[kols["tier"] != "brand"].reset_index(drop=True)
    if k.empty:
        raise ValueError("no KOL/KOC accounts in this dataset")
    prior = fit_beta_prior(k["buyers"], k["reach"])
    conv = (k["buyers"] + prior["a"]) / (k["reach"] + prior["a"] + prior["b"])
    subs = {
        "influence": percentile_score(np.log1p(k["followers"].astype(float))),
        "fit": k["fit"].astype(float).clip(0, 1).to_numpy(),
        "conversion": percentile_score(conv),
    }
    score = composite_score(subs, dict(weights)) * 100
    card = k.assign(conversion=k["buyers"] / k["reach"].where(k["reach"] > 0),
                    conversion_shrunk=conv, influence_score=subs["influence"] * 100,
                    fit_score=subs["fit"] * 100, conversion_score=subs["conversion"] * 100,
                    score=score)  # fmt: skip
    card["rank"] = card["score"].rank(ascending=False, method="first").astype(int)
    cutoff = float(np.quantile(score, retire_quantile)) if retire_quantile > 0 else -np.inf
    card["reasons"] = retire_reasons(
        card["score"], card["fit"], conv, card["gmv"], card["fee"] * min_roi, card["reach"],
        score_cutoff=cutoff, min_fit=min_fit, min_conversion=min_conversion_ratio * prior["mean"],
    )  # fmt: skip
    card = card.sort_values("rank").reset_index(drop=True)
    retire = card[card["reasons"].map(len) > 0].reset_index(drop=True)
    return {"card": card, "retire": retire, "prior": prior, "score_cutoff": cutoff}


def ugc_pipeline(
    wh: Warehouse,
    dataset: str,
    *,
    channel: str | None = "xiaohongshu",
    tiers: Sequence[str] = ("tail",),
    period: str = "week",
    min_sessions: int = 3,
    distribute: Sequence[str] = ("A",),
) -> dict[str, Any]:
    """UGC proxy pipeline on KOC content pieces (account x day of note/short-video sessions).

    The world has no UGC table: a piece is one KOC (tail) account's non-live content in one
    ``period`` (day or week).
    Pieces are graded by engagement (``omni_core.models.ugc``), the chosen grades are the
    distributed set (an operator rule, not observed distribution), and tracking compares the
    post-click conversion (payments / clicks) of distributed pieces with the other graded ones —
    an observed difference, not a causal uplift.
    """
    if not 1 <= int(min_sessions) <= 100:
        raise ValueError("min_sessions must be between 1 and 100")
    pieces = wh.query(content_pieces(wh.tables(dataset), channel=channel, period=period))
    pieces = pieces[pieces["tier"].isin(list(tiers))].reset_index(drop=True)
    if pieces.empty:
        raise ValueError("no KOC content pieces for this channel in the dataset")
    graded = grade_pieces(pieces, min_sessions=int(min_sessions))
    funnel = pipeline_funnel(graded, list(distribute))
    by_grade = graded.assign(grade=graded["grade"].fillna("-")).groupby("grade").agg(
        pieces=("kol_id", "size"), sessions=("sessions", "sum"), clicks=("clicks", "sum"),
        pays=("pays", "sum"), gmv=("gmv", "sum"))  # fmt: skip
    by_grade["ctr"] = by_grade["clicks"] / by_grade["sessions"].where(by_grade["sessions"] > 0)
    by_grade["cvr"] = by_grade["pays"] / by_grade["clicks"].where(by_grade["clicks"] > 0)
    dist = graded["grade"].isin(list(distribute))
    other = graded["grade"].notna() & ~dist
    test = None
    # Post-click conversion (payments / clicks): grading ranks on click-through, so payments per
    # session would favour distributed pieces mechanically (every payment needs a click).
    if graded.loc[dist, "clicks"].sum() > 0 and graded.loc[other, "clicks"].sum() > 0:
        test = two_proportion_test(
            int(graded.loc[other, "pays"].sum()), int(graded.loc[other, "clicks"].sum()),
            int(graded.loc[dist, "pays"].sum()), int(graded.loc[dist, "clicks"].sum()),
        )  # fmt: skip
    return {"pieces": graded, "funnel": funnel, "by_grade": by_grade.reset_index(), "test": test}
