"""Sessions, the funnel walk, and the events/orders they produce, for any time window.

``simulate_sessions`` draws the sessions of a set of users in a window ``[t0, t1)`` (minutes since
the world start) from the behaviour model; ``walk_funnel`` decides how far each session goes and
when; ``sessions_to_frames`` turns them into ``events``, ``orders`` and ``order_lines`` rows. The
history and the live stream both call these, so a live minute is a draw from the same process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from omni_core.arrays import SortedLookup, UnitLookup, take_many
from omni_core.reference import (
    CATEGORIES,
    DEVICE_TYPES,
    DOMESTIC_CARRIERS,
    EVENT_TYPES,
    SOURCES,
)
from omni_core.world.behaviour import MINUTES_PER_DAY, Behaviour, DayTable
from omni_core.world.population import Population, geo_vocab

STAGE_EXPOSURE, STAGE_CLICK, STAGE_VISIT, STAGE_CART, STAGE_ORDER, STAGE_PAY = range(1, 7)
US_PER_MIN = 60_000_000
THEME_MATCH_LIFT = 1.25  # creative theme x segment interaction (see ``_creative_lift``)
COUPON_RATE = 0.06
THEMES = ("price", "quality", "emotion", "kol")  # creative themes (population._campaigns)
QTY_EXTRA = 0.25  # mean extra units per line (Poisson) for non-members


@dataclass
class Sessions:
    """Column arrays of a batch of sessions (one entry per session)."""

    user: np.ndarray  # user index (0-based)
    t_us: np.ndarray  # exposure time, microseconds since world start
    channel: np.ndarray  # channel index
    source: np.ndarray  # index into SOURCES
    device: np.ndarray  # slot 0..2 of the user's devices
    sku: np.ndarray  # sku index (0-based)
    campaign: np.ndarray  # campaign index into the campaigns frame, -1 = organic
    creative: np.ndarray  # creative index, -1
    keyword: np.ndarray  # keyword index, -1
    reached: np.ndarray | None = None  # last funnel stage reached (1..6)
    favorite: np.ndarray | None = None
    stage_us: np.ndarray | None = None  # (n, 7) time of each EVENT_TYPES entry
    dwell_s: np.ndarray | None = None
    live: np.ndarray | None = None  # live index, -1
    kol: np.ndarray | None = None  # kol index, -1

    def __len__(self) -> int:
        return len(self.user)

    @staticmethod
    def concat(parts: list[Sessions]) -> Sessions:
        """Concatenate batches field by field."""
        out = {}
        for f in Sessions.__dataclass_fields__:
            vals = [getattr(p, f) for p in parts]
            out[f] = None if any(v is None for v in vals) else np.concatenate(vals)
        return Sessions(**out)

    def take(self, idx: np.ndarray) -> Sessions:
        """Subset/reorder by an index array (the fields gathered together by ``take_many``)."""
        return Sessions.concat_take([self], idx)

    @staticmethod
    def concat_take(parts: list[Sessions], idx: np.ndarray) -> Sessions:
        """``Sessions.concat(parts).take(idx)`` without building the concatenation."""
        idx = np.asarray(idx)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        names = [
            f
            for f in Sessions.__dataclass_fields__
            if all(getattr(p, f) is not None for p in parts)
        ]
        taken = take_many([[getattr(p, f) for p in parts] for f in names], idx)
        return Sessions(**dict(zip(names, taken, strict=True)))


class WorldContext:
    """What session simulation needs: model, population, day table and lookup arrays."""

    def __init__(self, model: Behaviour, pop: Population, days: DayTable) -> None:
        self.model = model
        self.pop = pop
        self.days = days
        self.cum = model.cumulative_intensity(days.dates[0], len(days.dates))
        t = pop.tables
        self.sku_price = t["skus"]["price"].to_numpy()
        cat_ids = [c[0] for c in CATEGORIES]
        self.sku_cat = pd.Categorical(t["skus"]["category_id"], categories=cat_ids).codes
        camp = t["campaigns"]
        self.camp_channel = pd.Categorical(camp["channel_id"], categories=model.channel_ids).codes
        start = pd.Timestamp(days.dates[0])
        self.camp_first_day = ((pd.to_datetime(camp["start_date"]) - start).dt.days).to_numpy()
        self.camp_last_day = ((pd.to_datetime(camp["end_date"]) - start).dt.days).to_numpy()
        self.camp_weight = np.where(camp["event"].isin(["double11", "618"]), 2.0, 1.0)
        cr = t["creatives"]
        self.creative_campaign = (cr["campaign_id"].to_numpy() - 1).astype(np.int64)
        self.creative_lift = cr["sim_ctr_lift"].to_numpy()
        self.creative_theme = cr["theme"].to_numpy()
        first_cr = np.searchsorted(self.creative_campaign, np.arange(len(camp)))
        self.camp_creative_start = first_cr
        self.camp_creative_n = np.diff(np.append(first_cr, len(cr)))
        kw = t["keywords"]
        self.kw_channel = pd.Categorical(kw["channel_id"], categories=model.channel_ids).codes
        intent_mult = (
            kw["intent"]
            .map({"navigational": 1.5, "transactional": 1.15, "informational": 0.6})
            .to_numpy()
        )
        pop_w = 1.0 / (np.arange(len(kw)) % 8 + 1.0) ** 0.9  # head terms first in each group
        self.kw_mult = np.ones(len(kw))
        self.kw_cum: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for c in range(model.n_channels):
            idx = np.flatnonzero(self.kw_channel == c)
            if len(idx) == 0:
                continue
            w = pop_w[idx] / pop_w[idx].sum()
            # Renormalise intent multipliers so search traffic keeps its mean conversion.
            self.kw_mult[idx] = intent_mult[idx] / (w * intent_mult[idx]).sum()
            self.kw_cum[c] = (idx, np.cumsum(w))
        self.channel_basket = np.array([ch.basket_lines for ch in model.channels])
        self.channel_dwell = np.array([ch.dwell_mean_s for ch in model.channels])
        self.channel_paid = np.array([ch.paid_share for ch in model.channels])
        self.geo = geo_vocab()
        # Routing lookups: region and regional warehouse per geography code, store per city.
        prov = t["provinces"].set_index("province")["region"].to_dict()
        locs = t["locations"]
        region_wh = {r: lid for lid, kind, r in locs[["location_id", "kind", "serves"]].itertuples(
            index=False) if kind == "warehouse"}  # fmt: skip
        self.geo_region = np.array([prov.get(g) for g in self.geo], dtype=object)
        self.geo_warehouse = np.array([region_wh.get(prov.get(g), "WH_EAST") for g in self.geo],
                                      dtype=object)  # fmt: skip
        stores = locs[locs["kind"] == "store"]
        self.store_ids = stores["location_id"].to_numpy(dtype=object)
        n_city = int(t["cities"]["city_id"].max()) + 1
        self.city_store = np.full(n_city, None, dtype=object)
        for cid, lid in zip(stores["city_id"].astype(int), stores["location_id"], strict=True):
            self.city_store[cid] = lid
        # Per-user and per-creative codes the funnel and the event rows read for every session.
        self.creative_theme_code = np.array(
            [THEMES.index(x) if x in THEMES else -1 for x in self.creative_theme], dtype=np.int8
        )
        self.coupon_affine = pop.coupon_affinity > 0.5
        self.device_types8 = pop.device_types.astype(np.int8).ravel()  # (user, slot) flattened
        self.devices_flat = pop.devices.ravel()
        self.province8 = pop.province_idx.astype(np.int16)
        # Funnel probability factors per channel (x source, x day): the products walk_funnel
        # would form per session.
        rates = model.rates
        self.p_click = rates["p_click"]
        self.p_visit = rates["p_visit"]
        self.p_pay = rates["p_pay"]
        self.p_cart_source = (rates["p_cart"][:, None] * model.source_mult).ravel()
        self.p_order_day = (rates["p_order"][:, None] * days.order[None, :]).ravel()
        self.favorite_p_day = 0.10 * np.where(days.cart > 1.0, 1.8, 1.0)
        self.log_dwell = np.log(self.channel_dwell) - 0.32
        # Inverse-CDF lookups of the samplers (simulate_sessions, orders_frames): the answers
        # np.searchsorted gives on each row's cumulative probabilities, in a few passes.
        self.cum_lookup = SortedLookup([self.cum], "right", buckets=min(4 * len(self.cum), 1 << 21))
        self.channel_cum_t = np.ascontiguousarray(pop.channel_cum.T)  # (channels, users)
        src_cum = list(np.cumsum(model.source_p, axis=1))
        self.source_lookup = UnitLookup(  # the source index, min(count, last source)
            src_cum, outputs=[np.minimum(np.arange(len(c) + 1), len(SOURCES) - 1) for c in src_cum]
        )
        cat_cum = list(pop.category_channel_cum)
        self.category_lookup = UnitLookup(
            cat_cum,
            outputs=[np.minimum(np.arange(len(c) + 1), len(CATEGORIES) - 1) for c in cat_cum],
        )
        self.sku_lookup = UnitLookup(  # sku_cat_start[k] + min(count, len - 1)
            pop.sku_cum,
            outputs=[
                pop.sku_cat_start[k] + np.minimum(np.arange(len(c) + 1), len(c) - 1)
                for k, c in enumerate(pop.sku_cum)
            ],
        )
        # Keywords: one lookup segment per channel (a dummy one for channels without keywords),
        # giving the keyword index of the count, min(count, last).
        kw_cum = [
            self.kw_cum.get(c, (np.zeros(1, np.int64), np.ones(1))) for c in range(model.n_channels)
        ]
        self.kw_count = np.array([len(self.kw_cum[c][0]) if c in self.kw_cum else 0
                                  for c in range(model.n_channels)])  # fmt: skip
        self.kw_lookup = UnitLookup(
            [cw for _, cw in kw_cum],
            outputs=[idx[np.minimum(np.arange(len(idx) + 1), len(idx) - 1)] for idx, _ in kw_cum],
        )
        # Campaign choice: cumulative weights of a channel's campaigns active on a day, one
        # lookup segment per (channel with campaigns, day), giving the campaign index of the
        # count, min(count, last), or -1 on a day none is active.
        day = np.arange(len(days.dates))
        camp_segments, camp_outputs = [], []
        self.camp_seg_base = np.full(model.n_channels, -1, dtype=np.int64)
        for c in range(model.n_channels):
            cidx = np.flatnonzero(self.camp_channel == c)
            if len(cidx) == 0:
                continue
            active = (self.camp_first_day[cidx][None, :] <= day[:, None]) & (
                self.camp_last_day[cidx][None, :] >= day[:, None]
            )
            w = active * self.camp_weight[cidx][None, :]
            tot = w.sum(1)
            has = tot > 0
            cw = np.cumsum(w, axis=1) / np.where(has, tot, 1.0)[:, None]
            self.camp_seg_base[c] = len(camp_segments)
            camp_segments += list(cw)
            pick = cidx[np.minimum(np.arange(len(cidx) + 1), len(cidx) - 1)]
            camp_outputs += [pick if h else np.full(len(cidx) + 1, -1) for h in has]
        self.camp_lookup = (
            UnitLookup(camp_segments, outputs=camp_outputs) if camp_segments else None
        )


def simulate_sessions(
    ctx: WorldContext,
    users: np.ndarray,
    rate: np.ndarray,
    a_min: np.ndarray,
    b_min: np.ndarray,
    rng: np.random.Generator,
    *,
    fixed_channel: int | None = None,
) -> Sessions:
    """Sessions of ``users`` with per-day ``rate`` in their windows ``[a, b)`` (minutes).

    Times follow the inhomogeneous Poisson process with intensity ``rate * lambda(t) / 1440``:
    the count is Poisson with mean ``rate * (C(b) - C(a)) / 1440`` and each time is drawn by
    inverting the cumulative intensity ``C`` (exact for the piecewise-constant minute profile).
    """
    cum = ctx.cum
    m_total = len(cum) - 1
    a = np.clip(a_min, 0, m_total)
    b = np.clip(b_min, 0, m_total)
    ok = b > a
    ca = _cum_at(cum, a)
    cb = _cum_at(cum, b)
    mean = np.where(ok, rate * (cb - ca) / MINUTES_PER_DAY, 0.0)
    counts = rng.poisson(mean)
    lo, hi = np.repeat(ca, counts), np.repeat(cb, counts)
    u = rng.uniform(lo, hi)
    # Minute of each time: searchsorted(cum, u, "right") - 1, then the fraction of the minute
    # (the same arithmetic as (u - C[m]) / max(C[m+1] - C[m], 1e-12), in reused buffers).
    minute = ctx.cum_lookup.find(u)
    minute -= 1
    np.clip(minute, 0, m_total - 1, out=minute)
    c0 = np.take(cum, minute, out=lo)
    width = np.take(cum[1:], minute, out=hi)
    width -= c0
    np.maximum(width, 1e-12, out=width)
    frac = np.subtract(u, c0, out=u)
    frac /= width
    np.clip(frac, 0, 0.999999, out=frac)
    t = np.add(minute, frac, out=frac)
    t *= US_PER_MIN
    t_us = t.astype(np.int64)
    del lo, hi, u, c0, width, frac, t, minute
    user = np.repeat(users, counts)
    n = len(user)
    pop = ctx.pop
    model = ctx.model
    draw = np.empty(n)  # one buffer for the uniform draws below (rng.random(out=) = random(n))
    # Channel from the user's affinity (or fixed, for the private domain): the number of
    # cumulative probabilities below the draw, counted one channel at a time.
    if fixed_channel is None:
        r = rng.random(n, dtype=np.float32)
        channel = _count_below(r, ctx.channel_cum_t, user).astype(np.int16)
        channel = np.minimum(channel, model.n_channels - 1)
        del r
    else:
        channel = np.full(n, fixed_channel, dtype=np.int16)
    ch = channel.astype(np.intp)
    # Traffic source by channel mix (inverse CDF: the number of cumulative shares below the draw).
    source = ctx.source_lookup.find(rng.random(out=draw), ch).astype(np.int8)
    rng.random(out=draw)
    draw *= np.take(pop.n_devices, user)
    device = np.floor(draw).astype(np.int8)
    # SKU: the user's favourite category half the time, else the channel's category mix.
    fav = rng.random(out=draw) < 0.5
    cat = ctx.category_lookup.find(rng.random(out=draw), ch)
    np.copyto(cat, np.take(pop.fav_category, user), where=fav)
    np.minimum(cat, len(CATEGORIES) - 1, out=cat)  # (the favourite is a category already)
    del fav
    sku = _pick_sku(ctx, cat, rng.random(out=draw))
    del cat
    day = (t_us // (US_PER_MIN * MINUTES_PER_DAY)).astype(np.int32)
    campaign, creative = _assign_campaigns(ctx, ch, day, rng, draw)
    keyword = np.full(n, -1, dtype=np.int32)
    rk = rng.random(out=draw)
    search = np.flatnonzero(source == SOURCES.index("search"))
    search = search[ctx.kw_count[ch[search]] > 0]
    if len(search):
        keyword[search] = ctx.kw_lookup.find(rk[search], ch[search])
    return Sessions(user, t_us, channel, source, device, sku, campaign, creative, keyword)


def _count_below(r: np.ndarray, cum_t: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Per draw: how many of its row's cumulative probabilities lie below it (int8).

    Equals ``(r[:, None] > cum_t.T[row]).sum(1)`` (the category index of an inverse-CDF draw)
    without the (draws x categories) temporaries: one gather and compare per category.
    """
    out = np.zeros(len(r), dtype=np.int8)
    below = np.empty(len(r), dtype=bool)
    for col in cum_t:
        np.greater(r, col[row], out=below)
        out += below
    return out


def _pick_sku(ctx: WorldContext, cat: np.ndarray, r: np.ndarray) -> np.ndarray:
    """SKU index of each draw ``r`` within its category's popularity CDF.

    ``sku_cat_start[k] + min(searchsorted(sku_cum[k], r), len(sku_cum[k]) - 1)`` per draw.
    """
    return ctx.sku_lookup.find(r, cat).astype(np.int32)


def _cum_at(cum: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Cumulative intensity at fractional minutes (linear within a minute)."""
    i = np.clip(np.floor(x).astype(np.int64), 0, len(cum) - 2)
    return cum[i] + (x - i) * (cum[i + 1] - cum[i])


def _assign_campaigns(
    ctx: WorldContext,
    channel: np.ndarray,
    day: np.ndarray,
    rng: np.random.Generator,
    draw: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Paid sessions get a campaign of their channel active that day and one of its creatives.

    ``draw`` is an optional scratch buffer of ``len(channel)`` floats for the uniform draws.
    """
    n = len(channel)
    draw = np.empty(n) if draw is None else draw
    campaign = np.full(n, -1, dtype=np.int32)
    paid = rng.random(out=draw) < np.take(ctx.channel_paid, channel)
    r = rng.random(out=draw)
    m = np.flatnonzero(paid)
    base = ctx.camp_seg_base[channel[m]]  # first (channel, day) segment, -1: no campaigns
    m, base = m[base >= 0], base[base >= 0]
    if len(m):
        campaign[m] = ctx.camp_lookup.find(r[m], base + day[m])
    creative = np.full(n, -1, dtype=np.int32)
    m = campaign >= 0
    k = np.floor(rng.random(m.sum()) * ctx.camp_creative_n[campaign[m]]).astype(np.int64)
    creative[m] = ctx.camp_creative_start[campaign[m]] + k
    return campaign, creative


def _creative_lift(ctx: WorldContext, s: Sessions) -> np.ndarray:
    """Click multiplier of paid sessions: the creative's own lift x a theme-segment match.

    The match (x1.25) rewards price themes for coupon-affine users, KOL themes for Gen Z and
    quality themes for users aged 35+: the truth that "dynamic creative by tag" should find.
    """
    lift = np.ones(len(s))
    _apply_creative_lift(ctx, s, lift)
    return lift


def _apply_creative_lift(ctx: WorldContext, s: Sessions, p: np.ndarray) -> None:
    """Multiply ``p`` in place by the creative lift of the paid sessions (see _creative_lift)."""
    m = np.flatnonzero(s.creative >= 0)
    if len(m) == 0:
        return
    pop = ctx.pop
    cr = s.creative[m]
    u = s.user[m]
    theme = ctx.creative_theme_code[cr]
    match = (
        ((theme == THEMES.index("price")) & ctx.coupon_affine[u])
        | ((theme == THEMES.index("kol")) & pop.young[u])
        | ((theme == THEMES.index("quality")) & pop.senior[u])
    )
    p[m] *= ctx.creative_lift[cr] * np.where(match, THEME_MATCH_LIFT, 1.0)


def halo_multiplier(ctx: WorldContext, s: Sessions) -> np.ndarray:
    """Cart multiplier from the user's recent sessions on seeding channels (``seeding_halo``).

    For each channel ``c`` with lift ``h_c``: a session of user ``u`` at ``t`` on a channel other
    than ``c`` is multiplied by ``1 + h_c`` when ``u`` had a session on ``c`` in
    ``(t - halo_days, t)``. The latest earlier ``c`` session of the same user is found with a
    running maximum over sessions sorted by (user, time), user-offset so users never mix.
    """
    params = ctx.model.params
    mult = np.ones(len(s))
    if not params.seeding_halo or len(s) == 0:
        return mult
    order = np.lexsort((s.t_us, s.user))
    user = s.user[order].astype(np.int64)
    t_min = s.t_us[order] / US_PER_MIN
    span = float(t_min.max()) + 2.0 * params.halo_days * MINUTES_PER_DAY + 1.0
    base = user * span
    ch = s.channel[order]
    window = params.halo_days * MINUTES_PER_DAY
    out = np.ones(len(s))
    for cid, lift in params.seeding_halo.items():
        if lift == 0 or cid not in ctx.model.channel_ids:
            continue
        c = ctx.model.channel_ids.index(cid)
        marks = np.where(ch == c, base + t_min, -np.inf)
        prev = np.empty_like(marks)
        prev[0] = -np.inf
        prev[1:] = np.maximum.accumulate(marks)[:-1]  # latest earlier c session (any user)
        since = base + t_min - prev  # minutes since it, if it is this user's
        hit = (ch != c) & (prev >= base) & (since < window)
        out *= np.where(hit, 1.0 + lift, 1.0)
    mult[order] = out
    return mult


def walk_funnel(
    ctx: WorldContext,
    s: Sessions,
    rng: np.random.Generator,
    stage_mult: np.ndarray | None = None,
) -> Sessions:
    """Decide the last stage each session reaches and the time of every event.

    P(click) = p_click[c] x creative lift; P(visit | click) = p_visit[c];
    P(cart | visit) = p_cart[c] x source multiplier x keyword-intent multiplier x promo cart;
    P(order | cart) = p_order[c] x promo order; P(pay | order) = p_pay[c].
    ``stage_mult`` (sessions x 5) multiplies those five probabilities (live incidents).
    """
    n = len(s)
    ch = s.channel.astype(np.intp)
    n_days = len(ctx.days.dates)
    day = np.minimum(s.t_us // (US_PER_MIN * MINUTES_PER_DAY), n_days - 1)
    # The five stage probabilities, each a product of per-channel / per-day factors looked up in
    # tables of the same products (bit-identical to multiplying per session), factors of 1
    # (no creative, no keyword, no halo) skipped.
    p_click = np.take(ctx.p_click, ch)
    _apply_creative_lift(ctx, s, p_click)
    p_cart = np.take(ctx.p_cart_source, ch * len(SOURCES) + s.source)
    kw = np.flatnonzero(s.keyword >= 0)
    if len(kw) and len(ctx.kw_mult):
        p_cart[kw] *= ctx.kw_mult[s.keyword[kw]]
    p_cart *= np.take(ctx.days.cart, day)
    if ctx.model.params.seeding_halo:
        p_cart *= halo_multiplier(ctx, s)
    p_order = np.take(ctx.p_order_day, ch * n_days + day)
    probs = (p_click, None, p_cart, p_order, None)  # None: a per-channel rate (visit, pay)
    # The stage times by stage (filled below); its memory first holds the (n, 5) draws.
    by_stage = np.empty((len(EVENT_TYPES), n), dtype=np.int64)
    draws = by_stage.reshape(-1)[: 5 * n].view(np.float64).reshape(n, 5)
    # A session passes stage j if its j-th draw is below the clipped probability and it passed
    # every earlier stage (one column of the (n, 5) draws at a time).
    rng.random(out=draws)
    reached = np.ones(n, dtype=np.int8)
    alive = np.ones(n, dtype=bool)
    below = np.empty(n, dtype=bool)
    for j, p in enumerate(probs):
        if p is None:  # into p_click's buffer, read already
            p = np.take(ctx.p_visit if j == 1 else ctx.p_pay, ch, out=p_click)
        if stage_mult is not None:
            p = p * stage_mult[:, j]
        np.clip(p, 0.0, 0.995, out=p)
        np.less(draws[:, j], p, out=below)
        alive &= below
        reached += alive
    del draws, probs, below, alive
    fav_p = np.take(ctx.favorite_p_day, day, out=p_order)
    favorite = rng.random(out=p_cart) < fav_p
    favorite &= reached >= STAGE_VISIT
    dwell = rng.lognormal(np.take(ctx.log_dwell, ch, out=p_click), 0.8)
    np.maximum(dwell, 3.0, out=dwell)
    del p_click, p_cart, p_order, fav_p, ch, day
    # Event times by stage: t1 = t0 + U(2, 30) s, t2 = t1 + U(1, 4) s, t3 = t2 + dwell x
    # U(0.1, 0.9), t4 = t2 + dwell x U(0.3, 0.95), t5 = t4 + LN(log 90, 0.8) s, t6 = t5 +
    # LN(log 30, 0.7) s; each delay truncated to whole microseconds.
    sec = 1_000_000
    by_stage[0] = s.t_us
    for j, prev, delay in (
        (1, 0, lambda: rng.uniform(2, 30, n)),
        (2, 1, lambda: rng.uniform(1, 4, n)),
        (3, 2, lambda: np.multiply(dwell, rng.uniform(0.1, 0.9, n))),
        (4, 2, lambda: np.multiply(dwell, rng.uniform(0.3, 0.95, n))),
        (5, 4, lambda: rng.lognormal(np.log(90), 0.8, n)),
        (6, 5, lambda: rng.lognormal(np.log(30), 0.7, n)),
    ):
        d = delay()
        d *= sec
        by_stage[j] = d  # truncates toward zero, as astype(np.int64)
        by_stage[j] += by_stage[prev]
    del d
    # Millisecond precision, like a real event log (floor to the millisecond). The (sessions,
    # stages) array is the transposed view (column-major): a copy to row-major would cost a
    # pass over fresh memory, and the gather in time order (Sessions.take) reads either as fast.
    np.floor_divide(by_stage, 1000, out=by_stage)
    by_stage *= 1000
    stage = by_stage.T
    s.reached = reached
    s.favorite = favorite
    s.stage_us = stage
    s.dwell_s = np.round(dwell).astype(np.int32)
    return s


# Map EVENT_TYPES column -> funnel stage needed to emit it (favorite handled separately).
_EVENT_STAGE = {0: STAGE_EXPOSURE, 1: STAGE_CLICK, 2: STAGE_VISIT, 4: STAGE_CART, 5: STAGE_ORDER,
                6: STAGE_PAY}  # fmt: skip


@functools.lru_cache(maxsize=64)
def _dtype(categories: tuple[str, ...]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(categories))


def _cat(codes: np.ndarray, categories: tuple[str, ...] | list[str]) -> pd.Categorical:
    """A categorical from codes with one shared dtype per category list (pandas validates a new
    dtype's categories on every construction, and concatenating equal dtypes is then cheap)."""
    return pd.Categorical.from_codes(codes, dtype=_dtype(tuple(categories)))


def events_frame(
    ctx: WorldContext, s: Sessions, session_id: np.ndarray, start: pd.Timestamp, end_us: int
) -> pd.DataFrame:
    """One row per event of the sessions, sorted by time; events at or after ``end_us`` dropped."""
    n_types = len(EVENT_TYPES)
    # Which events happen: (stage, session) pairs in stage-major order, before the end.
    happens = np.empty((n_types, len(s)), dtype=bool)
    for col in range(n_types):
        if col == 3:
            np.copyto(happens[col], s.favorite)
        else:
            np.greater_equal(s.reached, _EVENT_STAGE[col], out=happens[col])
    happens &= (s.stage_us < end_us).T
    etype, idx = np.nonzero(happens)
    del happens
    etype = etype.astype(np.int8)
    if s.stage_us.flags.c_contiguous:
        ts = np.take(s.stage_us.ravel(), idx * n_types + etype)
    else:
        ts = s.stage_us[idx, etype]
    # By time, then stage (a stable sort keeps session order within both). Each stage's run is
    # nearly sorted already, which the stable merge sort exploits.
    key = ts * n_types
    key += etype
    order = np.argsort(key, kind="stable")
    del key
    idx, etype, ts = np.take(idx, order), np.take(etype, order), np.take(ts, order)
    del order
    user = np.take(s.user, idx)
    slot = user * 3  # (user, device slot) in the flattened per-user device tables
    slot += np.take(s.device, idx)

    def ids(values: np.ndarray) -> pd.arrays.IntegerArray:
        """1-based ids of 0-based indices, NULL where the index is -1 (none)."""
        v = np.take(values, idx)
        v += 1
        return pd.arrays.IntegerArray(v, v == 0)

    cols = {
        "ts": _to_ts(start, ts),
        "session_id": np.take(session_id, idx),
        "user_id": None,
        "channel_id": _cat(np.take(s.channel, idx), ctx.model.channel_ids),
        "event_type": _cat(etype, tuple(EVENT_TYPES)),
        "source": _cat(np.take(s.source, idx), tuple(SOURCES)),
        "device_type": _cat(np.take(ctx.device_types8, slot), tuple(DEVICE_TYPES)),
        "device_id": np.take(ctx.devices_flat, slot),
        "province": _cat(np.take(ctx.province8, user), ctx.geo),
    }
    del ts, slot
    user += 1
    cols["user_id"] = user
    cols.update(
        {
            "sku_id": np.add(np.take(s.sku, idx), 1, dtype=np.int32),
            "campaign_id": ids(s.campaign),
            "creative_id": ids(s.creative),
            "keyword_id": ids(s.keyword),
            "live_id": ids(s.live),
            "kol_id": ids(s.kol),
            "dwell_s": _nullable(np.take(s.dwell_s, idx), etype == 2),
        }
    )
    return pd.DataFrame(
        cols,
        copy=False,  # the columns are fresh arrays: no copy into 2-D blocks
    )


def orders_frames(
    ctx: WorldContext,
    s: Sessions,
    session_id: np.ndarray,
    start: pd.Timestamp,
    end_us: int,
    rng: np.random.Generator,
    first_order_id: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders and order lines of the sessions that reached the order stage before ``end_us``."""
    pop = ctx.pop
    has = (s.reached >= STAGE_ORDER) & (s.stage_us[:, 5] < end_us)
    idx = np.flatnonzero(has)
    idx = idx[np.lexsort((session_id[idx], s.stage_us[idx, 5]))]
    n = len(idx)
    order_id = np.arange(first_order_id, first_order_id + n, dtype=np.int64)
    user = s.user[idx]
    ch = s.channel[idx]
    paid = (s.reached[idx] >= STAGE_PAY) & (s.stage_us[idx, 6] < end_us)
    day = np.minimum(s.stage_us[idx, 5] // (US_PER_MIN * MINUTES_PER_DAY), len(ctx.days.dates) - 1)
    # Basket: 1 + Poisson(lines) lines, 1 + Poisson(q) units each; members buy (1 + lift) x units.
    n_lines = 1 + rng.poisson(ctx.channel_basket[ch])
    member = pop.is_member[user]
    q_extra = np.where(
        member, (1 + ctx.model.params.member_aov_lift) * (1 + QTY_EXTRA) - 1, QTY_EXTRA
    )
    line_order = np.repeat(np.arange(n), n_lines)
    line_no = _within_group_index(n_lines)
    first = line_no == 0
    sku = np.empty(len(line_order), dtype=np.int32)
    sku[first] = s.sku[idx]
    other = ~first
    o_ch = ch[line_order[other]]
    same_cat = rng.random(other.sum()) < 0.6
    base_cat = ctx.sku_cat[s.sku[idx]][line_order[other]]
    rand_cat = np.minimum(
        ctx.category_lookup.find(rng.random(other.sum()), o_ch),
        len(CATEGORIES) - 1,
    )
    cat = np.where(same_cat, base_cat, rand_cat)
    sku[other] = _pick_sku(ctx, cat, rng.random(other.sum()))
    qty = 1 + rng.poisson(q_extra[line_order])
    unit_price = ctx.sku_price[sku]
    line_amount = np.round(qty * unit_price, 2)
    gross = np.round(np.bincount(line_order, weights=line_amount, minlength=n), 2)
    coupon = rng.random(n) < (0.1 + 0.6 * pop.coupon_affinity[user]) * np.where(
        ctx.days.discount[day] > 0.05, 1.3, 1.0
    )
    disc_rate = ctx.days.discount[day] + coupon * COUPON_RATE
    discount = np.round(gross * disc_rate, 2)
    amount = np.round(gross - discount, 2)
    lines = pd.DataFrame(
        {
            "order_id": order_id[line_order],
            "line_no": (line_no + 1).astype(np.int16),
            "sku_id": (sku + 1).astype(np.int32),
            "qty": qty.astype(np.int32),
            "unit_price": unit_price,
            "line_amount": line_amount,
        }
    )
    location, carrier, deliver_days = _fulfilment(ctx, user, ch, rng)
    pay_us = s.stage_us[idx, 6]
    delivered_us = pay_us + (deliver_days * MINUTES_PER_DAY * US_PER_MIN).astype(np.int64)
    delivered_ok = paid & (delivered_us < end_us)
    geo = pop.province_idx[user]
    city = pop.city_id[user]
    orders = pd.DataFrame(
        {
            "order_id": order_id,
            "user_id": (user + 1).astype(np.int64),
            "session_id": session_id[idx],
            "order_ts": _to_ts(start, s.stage_us[idx, 5]),
            "pay_ts": _to_ts(start, np.where(paid, pay_us, 0), valid=paid),
            "channel_id": _cat(ch, ctx.model.channel_ids),
            "source": _cat(s.source[idx], tuple(SOURCES)),
            "device_type": _cat(pop.device_types[user, s.device[idx]], tuple(DEVICE_TYPES)),
            "province": _cat(geo, ctx.geo),
            "city_id": _nullable(city, city >= 0),
            "campaign_id": _nullable(s.campaign[idx] + 1, s.campaign[idx] >= 0),
            "creative_id": _nullable(s.creative[idx] + 1, s.creative[idx] >= 0),
            "live_id": _nullable(s.live[idx] + 1, s.live[idx] >= 0),
            "kol_id": _nullable(s.kol[idx] + 1, s.kol[idx] >= 0),
            "location_id": location,
            "gross_amount": gross,
            "discount": discount,
            "amount": amount,
            "coupon_used": coupon,
            "is_member": member,
            "status": np.where(paid, "paid", "unpaid").astype(object),
            "carrier": np.where(paid, carrier, None).astype(object),
            "delivered_ts": _to_ts(
                start, np.where(delivered_ok, delivered_us, 0), valid=delivered_ok
            ),
        }
    )
    return orders, lines


def _fulfilment(
    ctx: WorldContext, user: np.ndarray, ch: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fulfilling location, carrier and delivery days of orders (vectorised routing rules)."""
    pop = ctx.pop
    n = len(user)
    ch_ids = np.array(ctx.model.channel_ids, dtype=object)[ch]
    geo = np.array(ctx.geo, dtype=object)[pop.province_idx[user]]
    region = ctx.geo_region[pop.province_idx[user]]
    loc = ctx.geo_warehouse[pop.province_idx[user]]
    r = rng.random(n)
    loc = np.where((ch_ids == "jd") & (r < 0.5), "PF_JD", loc)
    loc = np.where((ch_ids == "tmall") & (r < 0.3), "PF_CAINIAO", loc)
    us_like = np.isin(geo, ["US", "GB", "DE", "JP"])
    loc = np.where(pop.is_overseas[user], np.where(us_like, "OS_US", "OS_SEA"), loc)
    store_ids = ctx.store_ids
    city_store = ctx.city_store[np.maximum(pop.city_id[user], 0)]
    rand_store = store_ids[rng.integers(0, len(store_ids), n)]
    offline = ch_ids == "offline"
    loc = np.where(offline, np.where(pd.isna(city_store), rand_store, city_store), loc)
    dom = DOMESTIC_CARRIERS
    cw = np.array([0.22, 0.12, 0.22, 0.18, 0.18, 0.08])
    carrier_idx = rng.choice(len(dom), size=n, p=cw / cw.sum())
    carrier_idx = np.where((ch_ids == "jd") & (rng.random(n) < 0.7), 1, carrier_idx)
    carrier = np.array([c[0] for c in dom], dtype=object)[carrier_idx]
    mean_days = np.array([c[4] for c in dom])[carrier_idx]
    far = np.isin(region, ["西北", "东北", "西南"])
    days = mean_days * np.where(far, 1.35, 1.0) * rng.lognormal(-0.08, 0.4, n)
    overseas = pop.is_overseas[user]
    carrier = np.where(overseas, np.where(us_like, "fba", "overseas_wh"), carrier)
    days = np.where(overseas, rng.uniform(3.0, 8.0, n), days)
    carrier = np.where(offline, "store_pickup", carrier)
    days = np.where(offline, 0.0, days)
    return loc, carrier, days


def _within_group_index(counts: np.ndarray) -> np.ndarray:
    """0..k-1 within each run of a repeated index (counts per group)."""
    total = counts.sum()
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - starts


def _nullable(values: np.ndarray, valid: np.ndarray) -> pd.arrays.IntegerArray:
    """A nullable integer array (SQL NULL where not valid; Int64 for int64 values, else Int32)."""
    dtype = np.int64 if values.dtype == np.int64 else np.int32
    data = np.where(valid, values, 0).astype(dtype, copy=False)
    return pd.arrays.IntegerArray(data, ~np.asarray(valid, dtype=bool))


def _to_ts(start: pd.Timestamp, us: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Microseconds since ``start`` -> naive datetime64[us] (NaT where not valid)."""
    base = start.to_datetime64().astype("datetime64[us]").astype(np.int64)
    total = base + np.asarray(us)
    out = (
        total.view("datetime64[us]") if total.dtype == np.int64 else total.astype("datetime64[us]")
    )
    if valid is not None:
        out = np.where(valid, out, np.datetime64("NaT"))
    return out
