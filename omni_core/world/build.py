"""``build_world``: a deterministic omni-channel world from ``WorldParams``.

Order of construction (one ``np.random.default_rng(seed)`` threaded through every step, so the same
parameters give identical tables):

1. population: dimensions and latent user traits;
2. public-domain sessions of every user over their alive window, walked through the funnel;
3. the public -> private flow: first-time buyers join the WeCom community with the channel's join
   probability (boosted for live-stream buyers) and then get private-domain sessions;
4. live streams and KOL content attached to the sessions, then events, orders and order lines;
5. derived facts: ad spend, live-session totals, shares/invites, points, returns, inventory,
   identity records with recorded noise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from omni_core.arrays import lexsort2, sorted_unique
from omni_core.reference import (
    CARRIERS,
    CATEGORIES,
    CHANNEL_BY_ID,
    RETURN_GRADES,
    RETURN_REASONS,
    SOURCES,
    TIER_THRESHOLDS,
)
from omni_core.schema import TABLE_BY_NAME, TABLES
from omni_core.world.behaviour import MINUTES_PER_DAY, Behaviour
from omni_core.world.columns import (
    LSTR,
    arrow_strings,
    decode,
    digits,
    join,
    scatter,
    str_column,
    vocab,
)
from omni_core.world.params import WorldParams
from omni_core.world.population import build_population
from omni_core.world.simulate import (
    STAGE_CLICK,
    STAGE_PAY,
    US_PER_MIN,
    Sessions,
    WorldContext,
    _nullable,
    _to_ts,
    _within_group_index,
    events_frame,
    orders_frames,
    simulate_sessions,
    walk_funnel,
)

Progress = Callable[[str, float], None]


@dataclass
class World:
    """All tables of a world plus its parameters and the simulation truth used by tests."""

    params: WorldParams
    tables: dict[str, pd.DataFrame]
    truth: dict[str, Any] = field(default_factory=dict)

    @property
    def n_events(self) -> int:
        """Number of traffic events."""
        return len(self.tables["events"])


def build_world(params: WorldParams | None = None, progress: Progress | None = None) -> World:
    """Simulate a world; ``progress(step, fraction)`` is called as steps finish."""
    params = params or WorldParams()
    say = progress or (lambda _s, _f: None)
    t_start = time.perf_counter()
    rng = np.random.default_rng(params.seed)
    model = Behaviour(params)
    days = model.day_table(params.start, params.days)
    pop = build_population(params, model, rng)
    ctx = WorldContext(model, pop, days)
    say("population", 0.1)
    start = pd.Timestamp(params.start)
    end_us = params.days * MINUTES_PER_DAY * US_PER_MIN
    n = params.users
    users = np.arange(n)

    # 2. public-domain sessions
    s1 = simulate_sessions(ctx, users, pop.rate, pop.alive_from, pop.alive_to, rng)
    s1 = walk_funnel(ctx, s1, rng)
    say("sessions", 0.35)

    # 3. public -> private flow
    join_min, join_truth = _private_joins(ctx, s1, rng, end_us)
    joiners = np.flatnonzero(np.isfinite(join_min))
    if "wecom" in model.channel_ids and len(joiners):
        s2 = simulate_sessions(
            ctx,
            joiners,
            pop.rate[joiners] * params.private_session_ratio,
            join_min[joiners],
            pop.alive_to[joiners],
            rng,
            fixed_channel=model.channel_ids.index("wecom"),
        )
        # All sessions by time, then user: sorted on a worker thread during the s2 funnel walk.
        with ThreadPoolExecutor(1, thread_name_prefix="omni-sort") as pool:
            order = pool.submit(
                lexsort2, np.concatenate([s1.user, s2.user]), np.concatenate([s1.t_us, s2.t_us])
            )
            s = Sessions.concat_take([s1, walk_funnel(ctx, s2, rng)], order.result())
        del s2
    else:
        s = s1.take(lexsort2(s1.user, s1.t_us))
    del s1
    session_id = np.arange(1, len(s) + 1, dtype=np.int64)
    say("private domain", 0.45)

    # 4. live streams + KOL content, events, orders. The event rows and the live totals take
    # no draws: they are built on a worker thread while this one goes on with the draws of the
    # derived facts (numpy releases the GIL in the gathers and the sort), in the same order.
    lives = _assign_live_and_kols(ctx, s, rng)
    with ThreadPoolExecutor(1, thread_name_prefix="omni-events") as pool:
        events_job = pool.submit(events_frame, ctx, s, session_id, start, end_us)
        orders, lines = orders_frames(ctx, s, session_id, start, end_us, rng)
        live_job = pool.submit(  # after the events, on the same worker
            lambda: _live_totals(lives, events_job.result(), orders, start, model.channel_ids)
        )
        say("events and orders", 0.7)

        tables = dict(pop.tables)
        tables["carriers"] = pd.DataFrame(
            CARRIERS,
            columns=["carrier", "name_zh", "name_en", "cost_per_parcel", "mean_days", "scope"],
        )
        u = tables["users"]
        u["private_join_ts"] = _to_ts(
            start,
            np.where(np.isfinite(join_min), join_min * US_PER_MIN, 0).astype(np.int64),
            valid=np.isfinite(join_min),
        )
        _member_tiers(params, u, orders)
        tables["orders"] = orders
        tables["order_lines"] = lines
        tables["ad_spend"], budgets = _ad_spend(ctx, s, start, end_us, rng)
        camp = tables["campaigns"]
        camp["budget"] = np.round(
            budgets.reindex(camp["campaign_id"]).fillna(0).to_numpy()
            * rng.uniform(0.9, 1.35, len(camp)),
            -2,
        )
        tables["shares"] = _shares(ctx, orders, end_us, start, rng)
        tables["points_ledger"] = _points(orders, tables["shares"], u, start, end_us, rng)
        tables["returns"] = _returns(ctx, orders, lines, start, end_us, rng)
        say("ads, shares, points, returns", 0.85)
        snaps, moves = _inventory(ctx, orders, lines, tables["returns"], params, rng)
        tables["inventory_snapshots"], tables["inventory_movements"] = snaps, moves
        tables["identity_records"] = _identities(ctx, s, rng)
        tables["events"] = events_job.result()
        tables["live_sessions"] = live_job.result()
    tables = {t.name: conform(t.name, tables[t.name]) for t in TABLES}
    say("done", 1.0)
    truth = {
        "private_join": join_truth,
        "build_seconds": time.perf_counter() - t_start,
        "channel_rates": {
            k: dict(zip(model.channel_ids, v, strict=True)) for k, v in model.rates.items()
        },
    }
    return World(params, tables, truth)


def conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Order and check a frame's columns against the schema (raises on a missing column)."""
    spec = TABLE_BY_NAME[name]
    missing = [c for c in spec.names if c not in df.columns]
    if missing:
        raise ValueError(f"table {name}: missing columns {missing}")
    return df[spec.names].reset_index(drop=True)


# ---------------------------------------------------------------------- private domain
def _private_joins(
    ctx: WorldContext, s: Sessions, rng: np.random.Generator, end_us: int
) -> tuple[np.ndarray, dict[str, float]]:
    """Join time (minutes) of first-time buyers who join the WeCom community, NaN otherwise.

    P(join) = private_join[channel of the first paid order] x live_join_boost if that order came
    from a live stream (doc ch.2: Douyin live buyers are led into WeCom communities).
    """
    model = ctx.model
    paid = (s.reached >= STAGE_PAY) & (s.stage_us[:, 6] < end_us)
    idx = np.flatnonzero(paid)
    n = ctx.pop.rate.shape[0]
    join = np.full(n, np.nan)
    if len(idx) == 0:
        return join, {}
    o = idx[np.lexsort((s.stage_us[idx, 6], s.user[idx]))]
    first = o[np.r_[True, s.user[o][1:] != s.user[o][:-1]]]
    ch = s.channel[first]
    p_join = np.array([CHANNEL_BY_ID[c].private_join for c in model.channel_ids])[ch]
    live = s.source[first] == SOURCES.index("live")
    p_join = np.minimum(p_join * np.where(live, model.params.live_join_boost, 1.0), 0.9)
    joined = rng.random(len(first)) < p_join
    delay = rng.uniform(30, 48 * 60, len(first))
    t = s.stage_us[first, 6] / US_PER_MIN + delay
    ok = joined & (t < end_us / US_PER_MIN)
    join[s.user[first][ok]] = t[ok]
    truth = {c: CHANNEL_BY_ID[c].private_join for c in model.channel_ids}
    return join, truth


# ---------------------------------------------------------------------- live + KOLs
def _assign_live_and_kols(ctx: WorldContext, s: Sessions, rng: np.random.Generator) -> pd.DataFrame:
    """Create the live streams and attach live-source sessions (and KOL content) to them.

    Each live channel runs a brand self-broadcast in four 6-hour shifts a day, an influencer
    special 19:00-23:00 on some days (most promo days) and three 2-hour amateur streams; a live
    session at a given hour picks one of the streams on air then (weights 1 / 3 / 0.4).
    """
    model = ctx.model
    kols = ctx.pop.tables["kols"]
    days = ctx.days
    n_days = len(days.dates)
    kol_ch = pd.Categorical(kols["channel_id"], categories=model.channel_ids).codes
    tier = kols["tier"].to_numpy()
    rows = []  # channel, day, start_h, end_h, tier, kol index, weight
    live_src = SOURCES.index("live")
    for c, ch in enumerate(model.channels):
        if not any(src == "live" for src, _ in ch.sources):
            continue
        brand = np.flatnonzero((kol_ch == c) & (tier == "brand"))
        stars = np.flatnonzero((kol_ch == c) & np.isin(tier, ["head", "mid"]))
        tails = np.flatnonzero((kol_ch == c) & (tier == "tail"))
        for d in range(n_days):
            if len(brand):
                for h in (0, 6, 12, 18):
                    rows.append((c, d, h, h + 6, "brand", brand[0], 1.0))
            p_inf = 0.8 if days.traffic[d] > 1.2 else 0.15
            if len(stars) and rng.random() < p_inf:
                rows.append((c, d, 19, 23, "influencer", stars[rng.integers(0, len(stars))], 3.0))
            if len(tails):
                for _ in range(3):
                    h = int(rng.integers(9, 22))
                    rows.append(
                        (c, d, h, h + 2, "amateur", tails[rng.integers(0, len(tails))], 0.4)
                    )
    lives = pd.DataFrame(rows, columns=["channel", "day", "start_h", "end_h", "tier", "kol", "w"])
    lives = lives.astype({"channel": np.int64, "day": np.int64, "start_h": np.int64,
                          "end_h": np.int64, "kol": np.int64, "w": float})  # fmt: skip
    s.live = np.full(len(s), -1, dtype=np.int32)
    s.kol = np.full(len(s), -1, dtype=np.int32)
    if len(lives):
        m = np.flatnonzero(s.source == live_src)
        minute = s.t_us[m] // US_PER_MIN
        key = (s.channel[m].astype(np.int64) * n_days + minute // MINUTES_PER_DAY) * 24 + (
            minute % MINUTES_PER_DAY
        ) // 60
        r = rng.random(len(m))
        pick = _pick_live(lives, key, r, model.n_channels, n_days)
        s.live[m] = pick
        ok = pick >= 0
        s.kol[m[ok]] = lives["kol"].to_numpy()[pick[ok]]
    # KOL content: short video / note sessions credit a KOL of the channel 60% of the time.
    content = np.isin(s.source, [SOURCES.index("short_video"), SOURCES.index("note")])
    rk = rng.random(len(s))
    use = rng.random(len(s)) < 0.6
    credited = np.flatnonzero(content & use)
    credited_ch = s.channel[credited]
    followers = kols["followers"].to_numpy().astype(float)
    for c in range(model.n_channels):
        cand = np.flatnonzero((kol_ch == c) & (tier != "brand"))
        if len(cand) == 0:
            continue
        w = np.cumsum(followers[cand] ** 0.6)
        m = credited[credited_ch == c]
        s.kol[m] = cand[np.minimum(np.searchsorted(w / w[-1], rk[m]), len(cand) - 1)]
    return lives


def _pick_live(
    lives: pd.DataFrame, key: np.ndarray, r: np.ndarray, n_channels: int, n_days: int
) -> np.ndarray:
    """The stream (row of ``lives``) each live session watches, -1 if none is on air.

    ``key`` = (channel x days + day) x 24 + hour of each session. The streams on air in that
    hour, in ``lives`` order with weights ``w``, form the CDF ``cumsum(w) / sum(w)`` (summed in
    that order); a session takes the stream at ``searchsorted(CDF, r)``. All keys at once: the
    (stream, hour) pairs sorted by key, running sums and counts per position within a key.
    """
    h0 = lives["start_h"].to_numpy()
    n_h = np.maximum(np.minimum(lives["end_h"].to_numpy(), 24) - h0, 0)
    row = np.repeat(np.arange(len(lives)), n_h)
    hour = h0[row] + _within_group_index(n_h)
    hkey = (lives["channel"].to_numpy()[row] * n_days + lives["day"].to_numpy()[row]) * 24 + hour
    order = np.argsort(hkey, kind="stable")  # candidates of one hour stay in lives order
    row, hkey = row[order], hkey[order]
    w = lives["w"].to_numpy()[row]
    starts = np.flatnonzero(np.r_[True, hkey[1:] != hkey[:-1]])
    size = np.diff(np.r_[starts, len(hkey)])
    seg = np.repeat(np.arange(len(starts)), size)
    pos = np.arange(len(hkey)) - starts[seg]
    cum = w.copy()
    for p in range(1, int(size.max(initial=1))):  # running sum in np.cumsum's order
        at = np.flatnonzero(pos == p)
        cum[at] = cum[at - 1] + w[at]
    cdf = cum / cum[starts + size - 1][seg]
    table = np.full(n_channels * n_days * 24, -1, dtype=np.int64)
    table[hkey[starts]] = np.arange(len(starts))
    pick = np.full(len(key), -1, dtype=np.int64)
    k = table[key]
    has = np.flatnonzero(k >= 0)
    k, rr = k[has], r[has]
    first, n = starts[k], size[k]
    below = np.zeros(len(has), dtype=np.int64)
    for p in range(int(size.max(initial=1))):
        below += (p < n) & (cdf[first + np.minimum(p, n - 1)] < rr)
    pick[has] = row[first + np.minimum(below, n - 1)]
    return pick


def _live_totals(
    lives: pd.DataFrame,
    events: pd.DataFrame,
    orders: pd.DataFrame,
    start: pd.Timestamp,
    channel_ids: list[str],
) -> pd.DataFrame:
    """The live_sessions table: schedule plus views, viewers, dwell, orders and GMV."""
    out = pd.DataFrame(
        {
            "live_id": np.arange(1, len(lives) + 1, dtype=np.int32),
            "channel_id": np.array(channel_ids, dtype=object)[lives["channel"].to_numpy()],
            "kol_id": (lives["kol"].to_numpy() + 1).astype(np.int32),
            "tier": lives["tier"].to_numpy(),
            "start_ts": start
            + pd.to_timedelta(lives["day"], unit="D")
            + pd.to_timedelta(lives["start_h"], unit="h"),
            "end_ts": start
            + pd.to_timedelta(lives["day"], unit="D")
            + pd.to_timedelta(lives["end_h"], unit="h"),
        }
    )
    live = events["live_id"].notna().to_numpy()
    ev = events.loc[live, ["live_id", "event_type", "user_id", "dwell_s"]]
    expo = ev[ev["event_type"] == "exposure"]
    views = expo.groupby("live_id").size()
    viewers = expo.groupby("live_id")["user_id"].nunique()
    dwell = ev[ev["event_type"] == "page_view"].groupby("live_id")["dwell_s"].mean()
    paid = orders[(orders["status"] == "paid") & orders["live_id"].notna()]
    g = paid.groupby("live_id")["amount"].agg(["size", "sum"])
    lid = out["live_id"]
    out["views"] = views.reindex(lid).fillna(0).astype(np.int64).to_numpy()
    out["viewers"] = viewers.reindex(lid).fillna(0).astype(np.int64).to_numpy()
    out["avg_dwell_s"] = dwell.reindex(lid).astype(float).to_numpy()
    out["orders"] = g["size"].reindex(lid).fillna(0).astype(np.int64).to_numpy()
    out["gmv"] = g["sum"].reindex(lid).fillna(0.0).round(2).to_numpy()
    out["start_ts"] = out["start_ts"].astype("datetime64[us]")
    out["end_ts"] = out["end_ts"].astype("datetime64[us]")
    return out


# ---------------------------------------------------------------------- ads
def _ad_spend(
    ctx: WorldContext, s: Sessions, start: pd.Timestamp, end_us: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.Series]:
    """Hourly spend per campaign: clicks x channel CPC x noise; impressions >= exposures.

    Spend by hour sums to the daily spend by construction (the table is the hourly grain).
    """
    m = (s.campaign >= 0) & (s.t_us < end_us)
    hour = s.t_us[m] // (60 * US_PER_MIN)
    camp = s.campaign[m].astype(np.int64)
    clicked = (s.reached[m] >= STAGE_CLICK) & (s.stage_us[m, 1] < end_us)
    key = camp * 1_000_000 + hour
    uniq, inv = _unique_inverse(camp, hour, key)
    expo = np.bincount(inv)
    clicks = np.bincount(inv, weights=clicked).astype(np.int64)
    c_idx = (uniq // 1_000_000).astype(np.int64)
    h = uniq % 1_000_000
    ch = ctx.camp_channel[c_idx]
    cpc = ctx.model.rates["cpc"][ch]
    ad_ctr = np.array([c.ad_ctr for c in ctx.model.channels])[ch]
    spend = np.round(clicks * cpc * rng.lognormal(-0.011, 0.15, len(uniq)), 2)
    impressions = np.maximum(expo, np.round(clicks / ad_ctr * rng.lognormal(0, 0.1, len(uniq))))
    df = pd.DataFrame(
        {
            "ts_hour": _to_ts(start, h * 60 * US_PER_MIN),
            "campaign_id": (c_idx + 1).astype(np.int32),
            "channel_id": np.array(ctx.model.channel_ids, dtype=object)[ch],
            "impressions": impressions.astype(np.int64),
            "clicks": clicks,
            "spend": spend,
        }
    )
    budgets = df.groupby("campaign_id")["spend"].sum()
    return df, budgets


def _unique_inverse(
    major: np.ndarray, minor: np.ndarray, key: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)`` for a ``key`` that orders as (``major``,
    ``minor``), two small non-negative integer arrays: counted on the dense grid, no sort."""
    if len(key) == 0:
        return np.unique(key, return_inverse=True)
    width = int(minor.max()) + 1
    dense = major * width + minor
    present = np.bincount(dense, minlength=(int(major.max()) + 1) * width) > 0
    rank = np.cumsum(present) - 1
    inv = rank[dense]
    uniq = np.empty(int(present.sum()), dtype=key.dtype)
    uniq[inv] = key
    return uniq, inv


# ---------------------------------------------------------------------- social
MECHANICS = ("share_coupon", "group_buy_2", "group_buy_5", "invite")
MECHANIC_P = (0.40, 0.25, 0.10, 0.25)
MECHANIC_CONV = (0.30, 0.50, 0.40, 0.20)  # P(convert | clicked)
SHARE_P = {"wecom": 0.30, "douyin": 0.12, "kuaishou": 0.12, "xiaohongshu": 0.10}


def _shares(
    ctx: WorldContext,
    orders: pd.DataFrame,
    end_us: int,
    start: pd.Timestamp,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Invites sent by buyers after paying, two generations deep (group buys, share coupons)."""
    paid = orders[orders["status"] == "paid"]
    ch = paid["channel_id"].astype(str).to_numpy()
    p = np.array([SHARE_P.get(c, 0.05) for c in ch])
    sharing = rng.random(len(paid)) < p
    base_us = (
        (paid["pay_ts"].to_numpy().astype("datetime64[us]") - start.to_datetime64())
        .astype("timedelta64[us]")
        .astype(np.int64)
    )
    frames = []
    sharer = paid["user_id"].to_numpy()[sharing]
    chs = ch[sharing]
    t0 = base_us[sharing] + (rng.uniform(0, 2, sharing.sum()) * 3600e6).astype(np.int64)
    n_users = len(ctx.pop.rate)
    next_share = 1
    for gen in (1, 2):
        k = len(sharer)
        if k == 0:
            break
        mech = rng.choice(len(MECHANICS), size=k, p=MECHANIC_P)
        invites = np.select(
            [mech == 1, mech == 2, mech == 0],
            [np.ones(k, int), np.full(k, 4), 1 + rng.poisson(1.5, k)],
            1 + rng.poisson(1.0, k),
        )
        share_id = np.arange(next_share, next_share + k)
        next_share += k
        row = np.repeat(np.arange(k), invites)
        clicked = rng.random(len(row)) < 0.45
        converted = clicked & (rng.random(len(row)) < np.array(MECHANIC_CONV)[mech[row]])
        invitee = rng.integers(1, n_users + 1, len(row))
        ts = t0[row] + (rng.uniform(0, 6, len(row)) * 3600e6).astype(np.int64)
        keep = ts < end_us
        gb = np.isin(mech[row], [1, 2])
        frames.append(
            pd.DataFrame(
                {
                    "share_id": share_id[row][keep],
                    "ts": _to_ts(start, ts[keep]),
                    "sharer_id": sharer[row][keep],
                    "channel_id": chs[row][keep],
                    "mechanic": np.array(MECHANICS, dtype=object)[mech[row]][keep],
                    "group_id": _nullable(share_id[row].astype(np.int64), gb)[keep],
                    "invitee_id": invitee[keep].astype(np.int64),
                    "clicked": clicked[keep],
                    "converted": converted[keep],
                    "generation": np.full(keep.sum(), gen, dtype=np.int8),
                }
            )
        )
        # Converted invitees share onwards with probability 0.25 (second degree).
        nxt = converted & keep & (rng.random(len(row)) < 0.25)
        sharer = invitee[nxt]
        chs = chs[row][nxt]
        t0 = ts[nxt] + (rng.uniform(1, 48, nxt.sum()) * 3600e6).astype(np.int64)
    if not frames:
        return pd.DataFrame(columns=TABLE_BY_NAME["shares"].names)
    out = pd.concat(frames, ignore_index=True)
    out["share_id"] = out["share_id"].astype(np.int64)
    return out.sort_values(["ts", "share_id"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------- points
GIFTS = (  # id, points cost, popularity
    ("G01_coupon_20", 200, 5.0), ("G02_sample_kit", 500, 4.0), ("G03_tote_bag", 800, 2.0),
    ("G04_coupon_100", 1000, 3.0), ("G05_thermos", 1500, 1.2), ("G06_umbrella", 2000, 0.15),
    ("G07_headphones", 3000, 0.8), ("G08_keychain", 300, 0.10), ("G09_vip_day", 5000, 0.4),
    ("G10_calendar", 600, 0.08),
)  # fmt: skip


def _points(
    orders: pd.DataFrame,
    shares: pd.DataFrame,
    users: pd.DataFrame,
    start: pd.Timestamp,
    end_us: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Members earn 1 point per yuan paid and 10 per share; they redeem gifts without overdraft."""
    member_ids = users.loc[users["is_member"], "user_id"].to_numpy()
    po = orders[(orders["status"] == "paid") & orders["is_member"]]
    earn = pd.DataFrame(
        {
            "ts": po["pay_ts"].to_numpy(),
            "user_id": po["user_id"].to_numpy(),
            "kind": "earn_purchase",
            "points": np.floor(po["amount"].to_numpy()).astype(np.int64),
            "order_id": pd.array(po["order_id"].to_numpy(), dtype="Int64"),
            "gift_id": None,
            "channel_id": po["channel_id"].astype(str).to_numpy(),
        }
    )
    sh = shares[(shares["generation"] == 1) & shares["sharer_id"].isin(member_ids)]
    sh = sh.drop_duplicates("share_id")
    share_pts = pd.DataFrame(
        {
            "ts": sh["ts"].to_numpy(),
            "user_id": sh["sharer_id"].to_numpy(),
            "kind": "earn_share",
            "points": np.full(len(sh), 10, dtype=np.int64),
            "order_id": pd.array([pd.NA] * len(sh), dtype="Int64"),
            "gift_id": None,
            "channel_id": sh["channel_id"].to_numpy(),
        }
    )
    # Redemptions: heavy redeemers vs hoarders via a gamma propensity per member.
    first_earn = earn.groupby("user_id")["ts"].min()
    uids = first_earn.index.to_numpy()
    prop = rng.gamma(0.6, 1.0, len(uids))
    span_days = np.maximum(
        (start + pd.Timedelta(microseconds=end_us) - first_earn).dt.total_seconds().to_numpy()
        / 86400,
        0,
    )
    k = rng.poisson(prop * span_days / 20.0)
    ru = np.repeat(np.arange(len(uids)), k)
    gw = np.array([g[2] for g in GIFTS])
    gift = rng.choice(len(GIFTS), size=len(ru), p=gw / gw.sum())
    offs = rng.uniform(0, 1, len(ru)) * span_days[ru] * 86400e6
    rts = first_earn.to_numpy()[ru] + offs.astype("timedelta64[us]")
    redeem = pd.DataFrame(
        {
            "ts": rts.astype("datetime64[us]"),
            "user_id": uids[ru],
            "kind": "redeem",
            "points": -np.array([g[1] for g in GIFTS], dtype=np.int64)[gift],
            "order_id": pd.array([pd.NA] * len(ru), dtype="Int64"),
            "gift_id": np.array([g[0] for g in GIFTS], dtype=object)[gift],
            "channel_id": "wecom",
        }
    )
    led = pd.concat([earn, share_pts, redeem], ignore_index=True)
    led = led.sort_values(["user_id", "ts", "points"], ascending=[True, True, False], kind="stable")
    # Drop redemptions that would overdraw the balance, repeatedly, until none does.
    for _ in range(50):
        bal = led.groupby("user_id")["points"].cumsum()
        bad = (bal < 0) & (led["kind"] == "redeem")
        if not bad.any():
            break
        first_bad = bad & ~bad.groupby(led["user_id"]).shift(fill_value=False).astype(bool)
        led = led[~first_bad]
    led = led[led["points"] != 0]
    return led.sort_values(["ts", "user_id"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------- returns
_REASON_P = np.array([0.10, 0.18, 0.15, 0.30, 0.08, 0.06, 0.13])
_REASON_P_APPAREL = np.array([0.45, 0.10, 0.10, 0.20, 0.04, 0.05, 0.06])
_GRADE_P = {  # reason -> P(A..E)
    "size": (0.6, 0.3, 0.08, 0.02, 0.0), "quality": (0.0, 0.05, 0.25, 0.4, 0.3),
    "not_as_described": (0.3, 0.4, 0.2, 0.1, 0.0), "no_reason_7d": (0.55, 0.35, 0.08, 0.02, 0.0),
    "damaged": (0.0, 0.05, 0.3, 0.35, 0.3), "wrong_item": (0.8, 0.15, 0.05, 0.0, 0.0),
    "price_protect": (1.0, 0.0, 0.0, 0.0, 0.0),
}  # fmt: skip


def _returns(
    ctx: WorldContext,
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    start: pd.Timestamp,
    end_us: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Return/refund requests of delivered orders (7 scenarios, 5 grades, refund lead times)."""
    o = orders[orders["delivered_ts"].notna()]
    first_sku = lines.loc[lines["line_no"] == 1].set_index("order_id")["sku_id"]
    sku = first_sku.reindex(o["order_id"]).to_numpy() - 1
    cat = ctx.sku_cat[sku]
    rate = np.array([c[6] for c in CATEGORIES])[cat]
    pay_day = ((o["pay_ts"] - start).dt.total_seconds().to_numpy() // 86400).astype(int)
    promo = ctx.days.discount[np.minimum(pay_day, len(ctx.days.dates) - 1)] >= 0.15
    live = o["live_id"].notna().to_numpy()
    p = rate * np.where(promo, 1.4, 1.0) * np.where(live, 1.3, 1.0)
    ret = rng.random(len(o)) < p
    o = o[ret]
    cat = cat[ret]
    n = len(o)
    apparel = cat == [c[0] for c in CATEGORIES].index("apparel")
    r = rng.random(n)
    cum_a = np.cumsum(_REASON_P_APPAREL / _REASON_P_APPAREL.sum())
    cum_b = np.cumsum(_REASON_P / _REASON_P.sum())
    reason_idx = np.where(apparel, np.searchsorted(cum_a, r), np.searchsorted(cum_b, r))
    reason_idx = np.minimum(reason_idx, len(RETURN_REASONS) - 1)
    reasons = np.array([x[0] for x in RETURN_REASONS], dtype=object)[reason_idx]
    grade = np.empty(n, dtype=object)
    rg = rng.random(n)
    for name, gp in _GRADE_P.items():
        m = reasons == name
        grade[m] = np.array(RETURN_GRADES, dtype=object)[
            np.minimum(np.searchsorted(np.cumsum(gp), rg[m]), 4)
        ]
    delivered = o["delivered_ts"].to_numpy().astype("datetime64[us]")
    req = delivered + (rng.uniform(0.05, 7.0, n) * 86400e6).astype("timedelta64[us]")
    fast = rng.random(n) < 0.2
    hours = np.where(fast, rng.uniform(0.3, 4, n), rng.lognormal(np.log(30), 0.7, n))
    refund = req + (hours * 3600e6).astype("timedelta64[us]")
    end_ts = (start + pd.Timedelta(microseconds=end_us)).to_datetime64().astype("datetime64[us]")
    keep = req < end_ts
    refund = np.where(refund < end_ts, refund, np.datetime64("NaT"))
    amount = o["amount"].to_numpy()
    pp = reasons == "price_protect"
    refund_amount = np.round(np.where(pp, amount * rng.uniform(0.03, 0.15, n), amount), 2)
    cost = pd.Series(o["carrier"].to_numpy()).map({c[0]: c[3] for c in CARRIERS}).fillna(8.0)
    reverse = np.where(pp, 0.0, np.round(cost.to_numpy() * 1.3 + rng.uniform(0, 4, n), 2))
    out = pd.DataFrame(
        {
            "order_id": o["order_id"].to_numpy(),
            "user_id": o["user_id"].to_numpy(),
            "channel_id": o["channel_id"].astype(str).to_numpy(),
            "request_ts": req,
            "refund_ts": refund,
            "reason": reasons,
            "grade": grade,
            "refund_amount": refund_amount,
            "reverse_cost": reverse,
        }
    )[keep]
    out = out.sort_values(["request_ts", "order_id"], kind="stable").reset_index(drop=True)
    out.insert(0, "return_id", np.arange(1, len(out) + 1, dtype=np.int64))
    return out


# ---------------------------------------------------------------------- inventory
LEAD_DAYS = {"warehouse": 3, "platform": 4, "store": 2, "overseas": 14}


def _inventory(
    ctx: WorldContext,
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    returns: pd.DataFrame,
    params: WorldParams,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily stock per SKU x location under an (s, S) policy; never negative, books reconcile.

    Shipments = min(available, demand + backlog); reorder when position (on hand + on order -
    backlog) < reorder point ROP = mu L + SS with SS = 1.65 sigma sqrt(L); order up to
    ROP + 10 mu. Counting errors (0.2% of SKU-days) are booked as adjustments the next day.
    """
    start = pd.Timestamp(params.start)
    n_days = params.days
    paid = orders.loc[orders["status"] == "paid", ["order_id", "pay_ts", "location_id"]]
    ln = lines.merge(paid, on="order_id")
    ln["day"] = ((ln["pay_ts"] - start).dt.total_seconds() // 86400).astype(int)
    rs = returns[returns["refund_ts"].notna() & returns["grade"].isin(["A", "B"])]
    rl = lines.merge(rs[["order_id", "refund_ts"]], on="order_id").merge(
        orders[["order_id", "location_id"]], on="order_id"
    )
    rl["day"] = ((rl["refund_ts"] - start).dt.total_seconds() // 86400).astype(int)
    pairs = pd.concat([ln[["sku_id", "location_id"]], rl[["sku_id", "location_id"]]])
    pairs = pairs.drop_duplicates().sort_values(["location_id", "sku_id"]).reset_index(drop=True)
    pairs["p"] = np.arange(len(pairs))
    P = len(pairs)
    demand = np.zeros((P, n_days))
    ret = np.zeros((P, n_days))
    if P == 0:
        return (
            pd.DataFrame(columns=TABLE_BY_NAME["inventory_snapshots"].names),
            pd.DataFrame(columns=TABLE_BY_NAME["inventory_movements"].names),
        )
    a = ln.merge(pairs, on=["sku_id", "location_id"])
    np.add.at(demand, (a["p"].to_numpy(), a["day"].to_numpy()), a["qty"].to_numpy())
    b = rl.merge(pairs, on=["sku_id", "location_id"])
    b = b[b["day"] < n_days]
    np.add.at(ret, (b["p"].to_numpy(), b["day"].to_numpy()), b["qty"].to_numpy())
    kind = (
        pairs["location_id"]
        .map(ctx.pop.tables["locations"].set_index("location_id")["kind"])
        .to_numpy()
    )
    lead = np.array([LEAD_DAYS[k] for k in kind])
    mu = demand.mean(1)
    sigma = demand.std(1)
    ss = np.ceil(1.65 * sigma * np.sqrt(lead)).astype(np.int64)
    rop = np.ceil(mu * lead).astype(np.int64) + ss
    up_to = rop + np.ceil(mu * 10).astype(np.int64)
    hot = pairs["sku_id"].map(ctx.pop.tables["skus"].set_index("sku_id")["is_hot"]).to_numpy()
    cover = rng.uniform(12, 30, P) * np.where(hot, 0.6, 1.0)
    on_hand = np.ceil(mu * cover).astype(np.int64) + ss
    on_order_q = np.zeros((P, n_days + 40), dtype=np.int64)
    backlog = np.zeros(P, dtype=np.int64)
    pending_adj = np.zeros(P, dtype=np.int64)
    snaps = {k: np.zeros((P, n_days), dtype=np.int64) for k in
             ("on_hand", "counted", "on_order", "backlog")}  # fmt: skip
    mv = {k: np.zeros((P, n_days), dtype=np.int64) for k in
          ("receipt", "shipment", "return", "adjustment")}  # fmt: skip
    for d in range(n_days):
        rec = on_order_q[:, d]
        adj = pending_adj.copy()
        shrink = (rng.random(P) < 0.001) * rng.integers(1, 4, P)
        adj -= np.minimum(shrink, on_hand + rec + ret[:, d].astype(np.int64) + adj)
        avail = on_hand + rec + ret[:, d].astype(np.int64) + adj
        want = demand[:, d].astype(np.int64) + backlog
        ship = np.minimum(np.maximum(avail, 0), want)
        backlog = want - ship
        on_hand = avail - ship
        err = (rng.random(P) < 0.002) * rng.choice([-2, -1, 1, 2], P)
        counted = np.maximum(on_hand + err, 0)
        pending_adj = counted - on_hand
        on_order = on_order_q[:, d + 1 :].sum(1)
        position = on_hand + on_order - backlog
        need = position < rop
        q = np.where(need, up_to - position, 0)
        arrive = d + lead + rng.integers(0, 2, P)
        on_order_q[np.flatnonzero(need), arrive[need]] += q[need]
        snaps["on_hand"][:, d] = on_hand
        snaps["counted"][:, d] = counted
        snaps["on_order"][:, d] = on_order + q
        snaps["backlog"][:, d] = backlog
        mv["receipt"][:, d] = rec
        mv["shipment"][:, d] = -ship
        mv["return"][:, d] = ret[:, d]
        mv["adjustment"][:, d] = adj
    dates = np.array([np.datetime64(params.start) + np.timedelta64(i, "D") for i in range(n_days)])
    sku = np.repeat(pairs["sku_id"].to_numpy().astype(np.int32), n_days)
    loc = np.repeat(pairs["location_id"].to_numpy(dtype=object), n_days)
    date = np.tile(dates, P)
    snap = pd.DataFrame(
        {
            "date": date,
            "sku_id": sku,
            "location_id": loc,
            **{k: v.ravel() for k, v in snaps.items()},
            "safety_stock": np.repeat(ss, n_days),
            "reorder_point": np.repeat(rop, n_days),
        }
    ).sort_values(["date", "location_id", "sku_id"], kind="stable")
    mframes = []
    for k, v in mv.items():
        flat = v.ravel()
        nz = flat != 0
        mframes.append(
            pd.DataFrame(
                {
                    "date": date[nz],
                    "sku_id": sku[nz],
                    "location_id": loc[nz],
                    "kind": k,
                    "qty": flat[nz],
                }  # fmt: skip
            )
        )
    moves = pd.concat(mframes, ignore_index=True).sort_values(
        ["date", "location_id", "sku_id", "kind"], kind="stable"
    )
    snap["date"] = snap["date"].astype("datetime64[s]").dt.date
    moves["date"] = moves["date"].astype("datetime64[s]").dt.date
    return snap.reset_index(drop=True), moves.reset_index(drop=True)


# ---------------------------------------------------------------------- identities
_PHONE_P = {"shelf": 0.9, "interest": 0.6, "seeding": 0.5, "private": 0.95, "offline": 0.7,
            "crossborder": 0.0}  # fmt: skip
# Odd, not multiples of 5 (so invertible mod 1e10), one per source slot; offsets below 1e10.
_UID_MULT = (2654435761, 2246822519, 3266489917, 668265263, 374761393, 1181783497, 2870177453,
             1597334677, 3812015801, 2013065651, 1140071483, 2925350219)  # fmt: skip
_UID_OFFSET = (0, 7_319_004_211, 1_288_500_947, 5_903_117_363, 9_411_275_231, 3_377_090_109,
               8_064_213_557, 4_620_955_791, 2_154_768_323, 6_897_341_019, 499_872_651,
               7_733_108_449)  # fmt: skip
_DOMAINS = ("qq.com", "163.com", "126.com", "foxmail.com", "sina.com", "gmail.com", "outlook.com")


def _identities(ctx: WorldContext, s: Sessions, rng: np.random.Generator) -> pd.DataFrame:
    """Records held by each source system for each person, with recorded noise.

    Every person has a CRM record if a member and one account per channel they used. Noise:
    phone typos (2%), email typos (2%), missing phone (record-level), devices shared within a
    household of the same city (2%). Records are drawn with integer codes, ordered by (person,
    source), and only then turned into strings (Arrow string kernels).
    """
    pop = ctx.pop
    model = ctx.model
    n = len(pop.rate)
    phone_base = (13_000_000_000 + rng.integers(0, 6_999_999_999, n)).astype(np.int64)
    # e-mail "<7 letters><i mod 97>@<domain>"
    local = (rng.integers(0, 26, (n, 7)) + ord("a")).astype(np.uint8).view("S7").ravel()
    domain = rng.integers(0, len(_DOMAINS), n)
    email_base = join(
        join(pa.array(local).cast(LSTR), digits(np.arange(n) % 97), sep=""),
        vocab(_DOMAINS).take(pa.array(domain)),
        sep="@",
    )
    # (user, channel) pairs that exist in the sessions, plus CRM records for members.
    key = sorted_unique(s.user.astype(np.int64) * 64 + s.channel)
    rec_user = np.concatenate([key // 64, np.flatnonzero(pop.is_member)])
    n_ch = model.n_channels
    rec_src = np.concatenate([key % 64, np.full(pop.is_member.sum(), n_ch)])  # n_ch = crm
    m = len(rec_user)
    src_names = [*model.channel_ids, "crm"]
    types = [*(c.channel_type for c in model.channels), "crm"]
    p_phone = np.array([_PHONE_P.get(t, 1.0) for t in types])[rec_src]
    has_phone = rng.random(m) < p_phone
    p_email = np.array([0.95 if t == "crossborder" else 0.7 if t == "crm" else 0.25 for t in types])
    has_email = rng.random(m) < p_email[rec_src]
    slot = np.floor(rng.random(m) * pop.n_devices[rec_user]).astype(int)
    device = pop.devices[rec_user, slot]
    noise = np.zeros(m, dtype=np.int8)  # index into _NOISE
    phone = phone_base[rec_user]
    typo = has_phone & (rng.random(m) < 0.02)
    pos = rng.integers(0, 8, m)
    digit = (phone // 10**pos) % 10
    new_digit = (digit + rng.integers(1, 10, m)) % 10
    phone = np.where(typo, phone + (new_digit - digit) * 10**pos, phone)
    noise[typo] = _NOISE.index("phone_typo")
    etypo = has_email & (rng.random(m) < 0.02) & (noise == 0)
    typo_rec = np.flatnonzero(etypo)
    typo_email = email_base.take(pa.array(rec_user[typo_rec])).to_pylist()
    for i, e in enumerate(typo_email):  # the few typos, in record order (one draw each)
        j = int(rng.integers(0, max(1, e.index("@") - 1)))
        typo_email[i] = (
            e[:j] + e[j + 1] + e[j] + e[j + 2 :] if e[j] != e[j + 1] else e[:j] + "x" + e[j + 1 :]
        )
    noise[etypo] = _NOISE.index("email_typo")
    missing = ~has_phone & (p_phone >= 0.5) & (noise == 0)
    noise[missing] = _NOISE.index("missing_phone")
    # Household device sharing: the record carries a device of another person of the same city.
    shared = (rng.random(m) < 0.02) & (noise == 0) & (pop.city_id[rec_user] >= 0)
    if shared.any():
        order = np.argsort(pop.city_id, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        nb = order[np.minimum(rank[rec_user[shared]] + 1, n - 1)]
        same_city = pop.city_id[nb] == pop.city_id[rec_user[shared]]
        sel = np.flatnonzero(shared)[same_city & (nb != rec_user[shared])]
        nb = nb[same_city & (nb != rec_user[shared])]
        device[sel] = pop.devices[nb, 0]
        noise[sel] = _NOISE.index("shared_device")
    # Account ids: per source an affine bijection of the person index mod 1e10, so ids are
    # unique within a source and the same person's ids on two sources share no visible digits.
    slot_k = np.where(rec_src == n_ch, 0, rec_src + 1) % len(_UID_MULT)
    suffix = (rec_user.astype(np.int64) * np.array(_UID_MULT, dtype=np.int64)[slot_k]
              + np.array(_UID_OFFSET, dtype=np.int64)[slot_k]) % 10**10  # fmt: skip
    # Rows by person, then source name (the sort a frame sort on those columns gives).
    src_rank = np.argsort(np.argsort(np.array(src_names), kind="stable"), kind="stable")
    order = lexsort2(src_rank[rec_src], rec_user)
    rec_user, rec_src, suffix = rec_user[order], rec_src[order], suffix[order]
    has_phone, phone, has_email = has_phone[order], phone[order], has_email[order]
    device, noise, etypo = device[order], noise[order], etypo[order]
    src = vocab(src_names).take(pa.array(rec_src))
    email = email_base.take(pa.array(rec_user))
    if len(typo_rec):  # sorted positions of the typo records, and their e-mails in that order
        at = np.searchsorted(typo_rec, order[etypo])
        email = pc.replace_with_mask(email, pa.array(etypo), pa.array(typo_email, LSTR).take(at))
    named = np.isin(rec_src, [i for i, t in enumerate(types) if t in ("crm", "offline")])
    names = arrow_strings(pop.tables["users"]["name"]).take(pa.array(rec_user[named]))
    out = pd.DataFrame(
        {
            "record_id": np.arange(1, m + 1, dtype=np.int64),
            "source": str_column(src),
            "user_id": (rec_user + 1).astype(np.int64),
            "platform_uid": str_column(
                join(src, pc.utf8_lpad(digits(suffix), width=10, padding="0"), sep="_")
            ),
            "phone": str_column(digits(phone, valid=has_phone)),
            "email": str_column(pc.if_else(pa.array(has_email), email, pa.scalar(None, LSTR))),
            "device_id": str_column(
                join(pa.scalar("D", LSTR), digits(device, valid=device >= 0), sep="")
            ),
            "name": str_column(scatter(names, named)),
            "noise": str_column(vocab(_NOISE).take(pa.array(noise))),
        },
        copy=False,
    )
    return out


_NOISE = ("none", "phone_typo", "email_typo", "missing_phone", "shared_device")


def _member_tiers(params: WorldParams, users: pd.DataFrame, orders: pd.DataFrame) -> None:
    """Tier at the world's end from annualised paid spend (doc ch.7 thresholds)."""
    spend = orders[orders["status"] == "paid"].groupby("user_id")["amount"].sum()
    annual = spend.reindex(users["user_id"]).fillna(0).to_numpy() * 365.0 / params.days
    names = ["none", "normal", *TIER_THRESHOLDS]
    tier = np.ones(len(users), dtype=np.int8)  # normal
    for i, thr in enumerate(TIER_THRESHOLDS.values()):  # ascending thresholds
        tier[annual >= thr] = 2 + i
    tier[~users["is_member"].to_numpy(dtype=bool)] = 0
    users["member_tier"] = decode(tier, names)


def describe(world: World) -> dict[str, Any]:
    """Row counts and the time span of a world."""
    ev = world.tables["events"]
    return {
        "rows": {k: len(v) for k, v in world.tables.items()},
        "start": str(ev["ts"].min()) if len(ev) else None,
        "end": str(ev["ts"].max()) if len(ev) else None,
        "params": world.params.to_dict(),
    }
