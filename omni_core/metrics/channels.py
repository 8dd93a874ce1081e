"""Channel-level metrics of the omni-channel overview and the traffic ecosystem (chapters 01-02).

Definitions (same as ``omni_core.metrics.core``): a *paid order* has ``pay_ts``; GMV = sum of
paid ``orders.amount``; buyers = distinct users with a paid order. A *session* is counted at its
exposure event; a *visit* is a ``page_view``; the *live* share counts orders whose traffic source is
``live`` (a live room). Channel attributes (type, lead, online, public) come from a ``channels``
table passed in by the caller, so an import without one can use the reference channel list.

Every function takes ``t: Tables`` (+ parameters) and returns an ``ibis.Table``; all of them follow
the portability rules of ``omni_core.metrics.core`` (no ordered aggregates, explicit tie-breakers,
``truncate`` buckets, day differences from epoch seconds).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from omni_core.metrics.core import TimeLike, _epoch, _window
from omni_core.reference import CHANNELS
from omni_core.warehouse import Tables

SEARCH_SOURCES = ("search",)
RECOMMEND_SOURCES = ("recommend", "short_video", "live", "note")


def paid_orders(t: Tables, *, start: TimeLike = None, end: TimeLike = None) -> ir.Table:
    """Paid orders (``pay_ts`` set) within an optional pay-time window."""
    o = t.orders
    return o.filter(o.pay_ts.notnull(), *_window(o.pay_ts, start, end))


def _with_channel(rel: ir.Table, channels: ir.Table) -> ir.Table:
    ch = channels.select(
        _ch=channels.channel_id.cast("string"),
        channel_type=channels.channel_type.cast("string"),
        lead=channels.lead.cast("string"),
        is_online=channels.is_online,
        is_public=channels.is_public,
    )
    j = rel.left_join(ch, rel.channel_id.cast("string") == ch._ch)
    return j.mutate(channel_type=j.channel_type.fill_null("unknown")).drop("_ch")


def sales_by_channel_type(t: Tables, channels: ir.Table) -> ir.Table:
    """GMV, paid orders and distinct buyers per channel type."""
    p = _with_channel(paid_orders(t), channels)
    return (
        p.group_by("channel_type")
        .agg(gmv=p.amount.sum(), orders=p.count(), buyers=p.user_id.nunique())
        .order_by("channel_type")
    )


def domain_split(t: Tables, channels: ir.Table) -> ir.Table:
    """GMV, orders and buyers by online/offline and public/private domain."""
    p = _with_channel(paid_orders(t), channels)
    return (
        p.group_by(["is_online", "is_public"])
        .agg(gmv=p.amount.sum(), orders=p.count(), buyers=p.user_id.nunique())
        .order_by(["is_online", "is_public"])
    )


def live_gmv(t: Tables, channels: ir.Table, *, bucket: str | None = "day") -> ir.Table:
    """Paid GMV split into live-room orders (source ``live``) and others, by channel type (+ day)."""
    p = _with_channel(paid_orders(t), channels)
    p = p.mutate(is_live=(p.source.cast("string") == "live").fill_null(False))
    keys: dict[str, ir.Value] = {"channel_type": p.channel_type, "is_online": p.is_online}
    if bucket is not None:
        keys = {"bucket": p.pay_ts.truncate({"day": "D", "week": "W"}[bucket]), **keys}
    keys["is_live"] = p.is_live
    g = p.group_by(**keys).agg(gmv=p.amount.sum(), orders=p.count())
    return g.order_by(list(keys))


def platforms_before_purchase(t: Tables, *, lookback_days: int = 14) -> ir.Table:
    """Per paid order: distinct channels the buyer touched from ``lookback_days`` before to paying.

    A channel counts when the buyer has any event on it between 00:00 of (pay date -
    ``lookback_days``) and the payment time. Orders paid before the first event day +
    ``lookback_days`` are left out (their look-back window is not fully observed). Returns
    ``order_id``, ``user_id``, ``pay_ts``, ``n_platforms``.
    """
    if not isinstance(lookback_days, int) or not 1 <= lookback_days <= 90:
        raise ValueError(f"lookback_days must be an integer in 1..90, got {lookback_days!r}")
    e = t.events
    first_day = e.ts.min().as_scalar().truncate("D")
    touches = e.group_by(
        user_id=e.user_id, channel_id=e.channel_id.cast("string"), day=e.ts.truncate("D")
    ).agg(first_ts=e.ts.min())
    p = paid_orders(t)
    p = p.filter(p.pay_ts >= first_day + ibis.interval(days=lookback_days))
    p = p.select(
        "order_id", _uid="user_id", pay_ts="pay_ts",
        _from=p.pay_ts.truncate("D") - ibis.interval(days=lookback_days),
    )  # fmt: skip
    j = p.join(
        touches,
        [p._uid == touches.user_id, touches.first_ts <= p.pay_ts, touches.day >= p._from],
    )
    return (
        j.group_by(order_id=j.order_id, user_id=j._uid, pay_ts=j.pay_ts)
        .agg(n_platforms=j.channel_id.nunique())
        .order_by("order_id")
    )


def platforms_by_age(t: Tables, *, lookback_days: int = 14) -> ir.Table:
    """Paid orders by the buyer's age band and the number of channels touched before paying."""
    per = platforms_before_purchase(t, lookback_days=lookback_days)
    u = t.users.select(_uid="user_id", age_band=t.users.age_band.cast("string"))
    j = per.left_join(u, per.user_id == u._uid)
    j = j.mutate(age_band=j.age_band.fill_null("unknown"))
    return (
        j.group_by(["age_band", "n_platforms"])
        .agg(orders=j.count(), buyers=j.user_id.nunique())
        .order_by(["age_band", "n_platforms"])
    )


def member_sales(t: Tables) -> ir.Table:
    """GMV, paid orders, buyers and the standard deviation of order value by member flag."""
    p = paid_orders(t)
    p = p.mutate(is_member=p.is_member.fill_null(False))
    return (
        p.group_by("is_member")
        .agg(
            gmv=p.amount.sum(),
            orders=p.count(),
            buyers=p.user_id.nunique(),
            amount_sd=p.amount.std(how="sample"),
        )
        .order_by("is_member")
    )


def visit_history(t: Tables, *, exclude_channels: tuple[str, ...] = ("wecom",)) -> ir.Table:
    """Per user: repeat sessions ``x``, last-minus-first session ``t_x`` and ``T`` (days).

    Sessions are exposure events outside ``exclude_channels`` (the private domain only opens after a
    first purchase, which would change the visit rate mid-way). ``T`` runs from the user's first
    session to the dataset's last event; times from whole epoch seconds / 86400. Joined with the
    user's ``is_member`` flag (NULL when the users table lacks the person).
    """
    e = t.events
    end = _epoch(e.ts).max().as_scalar()
    ex = e.filter(e.event_type == "exposure")
    if exclude_channels:
        ex = ex.filter(~ex.channel_id.cast("string").isin(list(exclude_channels)))
    g = ex.group_by(user_id=ex.user_id).agg(
        sessions=ex.session_id.nunique(), first_s=_epoch(ex.ts).min(), last_s=_epoch(ex.ts).max()
    )
    g = g.mutate(
        x=g.sessions - 1,
        t_x=(g.last_s - g.first_s) / 86400.0,
        T=(end - g.first_s) / 86400.0,
    )
    u = t.users.select(_uid="user_id", is_member="is_member")
    j = g.left_join(u, g.user_id == u._uid)
    return j.select("user_id", "x", "t_x", "T", "is_member").order_by("user_id")


# --------------------------------------------------------------------------- traffic (ch02)
def traffic_by_channel(t: Tables, *, bucket: str | None = None) -> ir.Table:
    """Sessions, clicks, visits, UV, carts, paying sessions and mean dwell per channel (+ day)."""
    e = t.events
    et = e.event_type.cast("string")

    def sessions_at(stage: str) -> ir.Value:
        return ibis.ifelse(et == stage, e.session_id, ibis.null("int64")).nunique()

    keys: dict[str, ir.Value] = {"channel": e.channel_id.cast("string")}
    if bucket is not None:
        keys = {"bucket": e.ts.truncate({"day": "D", "week": "W"}[bucket]), **keys}
    g = e.group_by(**keys).agg(
        sessions=sessions_at("exposure"),
        clicks=sessions_at("click"),
        visits=sessions_at("page_view"),
        carts=sessions_at("cart"),
        paying=sessions_at("pay"),
        uv=ibis.ifelse(et == "page_view", e.user_id, ibis.null("int64")).nunique(),
        dwell_s=ibis.ifelse(
            et == "page_view", e.dwell_s.cast("float64"), ibis.null("float64")
        ).mean(),
    )
    return g.order_by(list(keys))


def ads_by_channel(t: Tables, *, bucket: str | None = None) -> ir.Table:
    """Ad spend, impressions and clicks per channel (+ day)."""
    a = t.ad_spend
    keys: dict[str, ir.Value] = {"channel": a.channel_id.cast("string")}
    if bucket is not None:
        keys = {"bucket": a.ts_hour.truncate({"day": "D", "week": "W"}[bucket]), **keys}
    g = a.group_by(**keys).agg(
        spend=a.spend.sum(), impressions=a.impressions.sum(), ad_clicks=a.clicks.sum()
    )
    return g.order_by(list(keys))


def ranked_paid_orders(t: Tables) -> ir.Table:
    """Paid orders with ``rank`` = 1 for the buyer's first paid order in the dataset, 2, ...

    Ties on ``pay_ts`` are broken by ``order_id`` (explicit, portable).
    """
    p = paid_orders(t)
    p = p.mutate(
        rank=ibis.row_number().over(group_by=p.user_id, order_by=[p.pay_ts, p.order_id]) + 1
    )
    return p.select(
        "order_id", "user_id", "pay_ts", "amount", "rank",
        channel=p.channel_id.cast("string"), source=p.source.cast("string"),
    )  # fmt: skip


def sales_by_channel(t: Tables, *, bucket: str | None = None) -> ir.Table:
    """GMV, orders, buyers and new buyers (first paid order in the dataset) per channel (+ day)."""
    r = ranked_paid_orders(t)
    keys: dict[str, ir.Value] = {"channel": r.channel}
    if bucket is not None:
        keys = {"bucket": r.pay_ts.truncate({"day": "D", "week": "W"}[bucket]), **keys}
    g = r.group_by(**keys).agg(
        gmv=r.amount.sum(),
        orders=r.count(),
        buyers=r.user_id.nunique(),
        new_buyers=(r["rank"] == 1).cast("int64").sum(),
    )
    return g.order_by(list(keys))


def source_mix(t: Tables) -> ir.Table:
    """Sessions, visits, carts and paying sessions per channel and traffic source."""
    e = t.events
    et = e.event_type.cast("string")

    def sessions_at(stage: str) -> ir.Value:
        return ibis.ifelse(et == stage, e.session_id, ibis.null("int64")).nunique()

    g = e.group_by(
        channel=e.channel_id.cast("string"), source=e.source.cast("string").fill_null("unknown")
    ).agg(
        sessions=sessions_at("exposure"),
        visits=sessions_at("page_view"),
        carts=sessions_at("cart"),
        paying=sessions_at("pay"),
    )
    return g.order_by(["channel", "source"])


def lifecycle_orders(t: Tables) -> ir.Table:
    """Paid orders and GMV per channel split into first purchases (rank 1) and repurchases."""
    r = ranked_paid_orders(t)
    r = r.mutate(stage=ibis.ifelse(r["rank"] == 1, "first", "repeat"))
    return (
        r.group_by(["channel", "stage"])
        .agg(orders=r.count(), gmv=r.amount.sum(), buyers=r.user_id.nunique())
        .order_by(["channel", "stage"])
    )


def private_flow(t: Tables) -> ir.Table:
    """Buyers by first-purchase channel, live flag, WeCom join and what they did after.

    ``joined``: the person joined the private domain (``users.private_join_ts``) at or after the
    first paid order; ``after``: ``private`` = a paid WeCom order after joining, ``public`` = some
    later paid order but none in WeCom after joining, ``none`` = no later paid order.
    """
    r = ranked_paid_orders(t)
    first = r.filter(r["rank"] == 1).select(
        _uid="user_id", first_ts="pay_ts", first_channel="channel",
        live=(r.source == "live").fill_null(False),
    )  # fmt: skip
    u = t.users.select(_u2="user_id", join_ts="private_join_ts")
    f = first.left_join(u, first._uid == u._u2)
    f = f.mutate(joined=(f.join_ts.notnull() & (f.join_ts >= f.first_ts)).fill_null(False))
    f = f.select("_uid", "first_ts", "first_channel", "live", "joined", "join_ts")
    later = r.filter(r["rank"] > 1)
    j = f.left_join(later, f._uid == later.user_id)
    private_buy = (
        f.joined & (j.channel == "wecom") & (j.pay_ts >= j.join_ts) & j.order_id.notnull()
    ).fill_null(False)
    per = j.group_by(["_uid", "first_channel", "live", "joined"]).agg(
        private_orders=private_buy.cast("int64").sum(),
        later_orders=j.order_id.count(),
    )
    after = ibis.ifelse(
        per.private_orders > 0, "private", ibis.ifelse(per.later_orders > 0, "public", "none")
    )
    per = per.mutate(after=after)
    return (
        per.group_by(["first_channel", "live", "joined", "after"])
        .agg(buyers=per.count())
        .order_by(["first_channel", "live", "joined", "after"])
    )


def touch_chain(t: Tables, *, within_days: int = 7) -> ir.Table:
    """Users reaching each step of search ad -> landing page -> live room -> private community.

    Per user, in time order: (1) first click on a paid search ad (source ``search`` with a
    campaign); (2) the first landing-page view in such a session at or after it; (3) the first
    live-room event (source ``live``) at or after the landing page; (4) joining the WeCom
    community at or after that. Steps 2-4 must follow the previous step within
    ``within_days`` days. Returns one row per step with ``users``.
    """
    if not isinstance(within_days, int) or not 1 <= within_days <= 90:
        raise ValueError(f"within_days must be an integer in 1..90, got {within_days!r}")
    span = ibis.interval(days=within_days)
    e = t.events
    et = e.event_type.cast("string")
    src = e.source.cast("string")
    ad = e.filter(et == "click", src == "search", e.campaign_id.notnull())
    s1 = ad.group_by(u1=ad.user_id).agg(t1=ad.ts.min())
    lp = e.filter(et == "page_view", src == "search", e.campaign_id.notnull())
    j2 = s1.join(lp, [s1.u1 == lp.user_id, lp.ts >= s1.t1, lp.ts <= s1.t1 + span])
    s2 = j2.group_by(u2=j2.u1).agg(t2=j2.ts.min())
    live = e.filter(src == "live")
    j3 = s2.join(live, [s2.u2 == live.user_id, live.ts >= s2.t2, live.ts <= s2.t2 + span])
    s3 = j3.group_by(u3=j3.u2).agg(t3=j3.ts.min())
    u = t.users
    j4 = s3.join(
        u, [s3.u3 == u.user_id, u.private_join_ts >= s3.t3, u.private_join_ts <= s3.t3 + span]
    )
    parts = [
        s1.agg(users=s1.count()).mutate(step=ibis.literal(1)),
        s2.agg(users=s2.count()).mutate(step=ibis.literal(2)),
        s3.agg(users=s3.count()).mutate(step=ibis.literal(3)),
        j4.agg(users=j4.u3.nunique().cast("int64")).mutate(step=ibis.literal(4)),
    ]
    out = parts[0].select("step", users=parts[0].users.cast("int64"))
    for p in parts[1:]:
        out = out.union(p.select("step", users=p.users.cast("int64")), distinct=False)
    return out.order_by("step")


def sales_total(t: Tables) -> ir.Table:
    """One row: GMV, paid orders and distinct buyers of the whole dataset."""
    p = paid_orders(t)
    return p.agg(gmv=p.amount.sum(), orders=p.count(), buyers=p.user_id.nunique())


def reference_channels() -> ir.Table:
    """The reference channel list (``omni_core.reference.CHANNELS``) as an in-memory table.

    Used instead of the ``channels`` table when a dataset (e.g. an orders-only import) has none.
    """
    df = pd.DataFrame(
        [(c.channel_id, c.name_zh, c.name_en, c.channel_type, c.lead, c.is_online, c.is_public)
         for c in CHANNELS],
        columns=["channel_id", "name_zh", "name_en", "channel_type", "lead", "is_online",
                 "is_public"],
    )  # fmt: skip
    return ibis.memtable(df)
