"""Content metrics (ch.4): live streams, the minute-by-minute live funnel, KOL/KOC and UGC pieces.

Definitions:

- live stream totals come from traffic events carrying ``live_id``: ``views`` = exposure events,
  ``viewers`` = distinct users with an exposure, ``dwell_s`` = mean ``dwell_s`` of page views;
  ``orders``/``buyers``/``gmv`` from paid orders carrying ``live_id``; GPM = GMV per 1,000 views.
- the live funnel is a cohort by entry minute: a traffic session enters a stream at its first
  event; ``minute`` = whole minutes from the stream's ``start_ts`` to that entry; each stage counts
  the sessions of the cohort that reached it.
- KOL performance: ``reach`` = distinct users exposed to content or streams credited to the
  account, ``buyers``/``orders``/``gmv`` from paid orders credited to it.
- a content piece (UGC proxy) is one account's content on one day: the sessions of
  ``note``/``short_video`` traffic credited to the account (not live) that entered that day.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from omni_core.metrics.core import _epoch
from omni_core.reference import FUNNEL_STAGES
from omni_core.warehouse import Tables

CONTENT_SOURCES = ("note", "short_video")


def _paid(t: Tables) -> ir.Table:
    o = t.orders
    return o.filter(o.pay_ts.notnull())


def live_stream_stats(t: Tables) -> ir.Table:
    """One row per live stream: schedule, views, viewers, visits, dwell, orders, buyers, GMV, GPM."""
    e = t.events
    ev = e.filter(e.live_id.notnull())
    expo = ev.event_type == "exposure"
    traffic = ev.group_by(live_id=ev.live_id.cast("int64")).agg(
        views=ev.count(where=expo),
        viewers=ev.user_id.nunique(where=expo),
        sessions=ev.session_id.nunique(),
        visits=ev.count(where=ev.event_type == "page_view"),
        dwell_s=ev.dwell_s.mean(where=ev.event_type == "page_view"),
    )
    p = _paid(t)
    p = p.filter(p.live_id.notnull())
    sales = p.group_by(live_id=p.live_id.cast("int64")).agg(
        orders=p.count(), buyers=p.user_id.nunique(), gmv=p.amount.sum()
    )
    ls = t.live_sessions
    base = ls.select(
        live_id=ls.live_id.cast("int64"),
        channel_id=ls.channel_id,
        kol_id=ls.kol_id.cast("int64"),
        tier=ls.tier,
        start_ts=ls.start_ts,
        end_ts=ls.end_ts,
        hours=(_epoch(ls.end_ts) - _epoch(ls.start_ts)) / 3600.0,
    )
    j = base.left_join(traffic, base.live_id == traffic.live_id).select(
        *base.columns, "views", "viewers", "sessions", "visits", "dwell_s"
    )
    j = j.left_join(sales, j.live_id == sales.live_id).select(*j.columns, "orders", "buyers", "gmv")
    cols = ("views", "viewers", "sessions", "visits", "orders", "buyers")
    zero = {c: j[c].fill_null(0) for c in cols}
    j = j.mutate(**zero, gmv=j.gmv.fill_null(0.0))
    return j.mutate(
        gpm=ibis.ifelse(j.views > 0, j.gmv * 1000.0 / j.views, ibis.null("float64")),
        conversion=ibis.ifelse(j.viewers > 0, j.buyers / j.viewers, ibis.null("float64")),
    ).order_by("live_id")


def _session_stages(ev: ir.Table, keys: Sequence[str]) -> ir.Table:
    """Per traffic session (and ``keys``): entry epoch and 0/1 flags of each funnel stage."""
    aggs = {f"s_{s}": ev.count(where=ev.event_type == s) for s in FUNNEL_STAGES}
    g = ev.group_by(["session_id", *keys]).agg(
        entry=_epoch(ev.ts).min(),
        entry_ts=ev.ts.min(),
        dwell_s=ev.dwell_s.max(),
        user_id=ev.user_id.min(),
        **aggs,
    )
    return g.mutate(**{k: ibis.ifelse(g[k] > 0, 1, 0) for k in aggs})


def _session_gmv(t: Tables) -> ir.Table:
    p = _paid(t)
    p = p.filter(p.session_id.notnull())
    return p.group_by(sid=p.session_id).agg(gmv=p.amount.sum())


def live_minute_funnel(
    t: Tables,
    *,
    tier: str | None = None,
    channel: str | None = None,
    live_id: int | None = None,
    bucket_minutes: int = 1,
) -> ir.Table:
    """Entry-minute cohorts of live sessions: sessions reaching each stage, buyers' GMV, per bucket.

    ``minute`` is the bucket start (minutes since the stream's start). Filters select streams by
    tier, channel or one ``live_id``. Columns: ``minute``, ``exposure`` … ``pay`` (sessions), ``gmv``.
    """
    if int(bucket_minutes) != bucket_minutes or bucket_minutes < 1:
        raise ValueError(f"bucket_minutes must be a positive integer, got {bucket_minutes!r}")
    e = t.events
    ev = e.filter(e.live_id.notnull())
    s = _session_stages(ev, ["live_id"])
    ls = t.live_sessions
    preds = [ibis.literal(True)]
    if tier is not None:
        preds.append(ls.tier == tier)
    if channel is not None:
        preds.append(ls.channel_id == channel)
    if live_id is not None:
        preds.append(ls.live_id == int(live_id))
    lsf = ls.filter(*preds).select(lid=ls.live_id, start=_epoch(ls.start_ts))
    j = s.join(lsf, s.live_id == lsf.lid)
    gm = _session_gmv(t)
    j = j.left_join(gm, j.session_id == gm.sid)
    step = 60 * int(bucket_minutes)
    minute = ((j.entry - j.start) / step).floor().cast("int64") * int(bucket_minutes)
    j = j.mutate(minute=minute, gmv=j.gmv.fill_null(0.0))
    stages = {s_: j[f"s_{s_}"].sum() for s_ in FUNNEL_STAGES}
    return j.group_by("minute").agg(**stages, gmv=j.gmv.sum()).order_by("minute")


def kol_performance(t: Tables) -> ir.Table:
    """One row per KOL/KOC/brand account: reach, sessions, live sessions, orders, buyers, GMV."""
    e = t.events
    ev = e.filter(e.kol_id.notnull())
    traffic = ev.group_by(kid=ev.kol_id.cast("int64")).agg(
        reach=ev.user_id.nunique(where=ev.event_type == "exposure"),
        sessions=ev.session_id.nunique(),
        live_sessions=ev.session_id.nunique(where=ev.live_id.notnull()),
        active_days=ev.ts.truncate("D").nunique(),
    )
    p = _paid(t)
    p = p.filter(p.kol_id.notnull())
    sales = p.group_by(kid=p.kol_id.cast("int64")).agg(
        orders=p.count(), buyers=p.user_id.nunique(), gmv=p.amount.sum()
    )
    k = t.kols
    base = k.select(
        "channel_id",
        "handle",
        "tier",
        "followers",
        "category_id",
        "fee",
        "fit",
        kol_id=k.kol_id.cast("int64"),
    )
    j = base.left_join(traffic, base.kol_id == traffic.kid).select(
        *base.columns, "reach", "sessions", "live_sessions", "active_days"
    )
    j = j.left_join(sales, j.kol_id == sales.kid).select(*j.columns, "orders", "buyers", "gmv")
    cols = ("reach", "sessions", "live_sessions", "active_days", "orders", "buyers")
    return j.mutate(**{c: j[c].fill_null(0) for c in cols}, gmv=j.gmv.fill_null(0.0)).order_by(
        "kol_id"
    )


def content_pieces(
    t: Tables,
    *,
    sources: Sequence[str] = CONTENT_SOURCES,
    channel: str | None = None,
    period: str = "week",
) -> ir.Table:
    """Content pieces (account x entry day or week) of non-live content sessions, funnel and GMV.

    Columns: ``kol_id``, ``day``, ``tier``, ``channel_id``, ``sessions``, ``clicks``, ``visits``,
    ``dwell_s`` (mean over visiting sessions), ``pays``, ``buyers``, ``gmv``.
    """
    e = t.events
    preds = [e.kol_id.notnull(), e.live_id.isnull(), e.source.cast("string").isin(list(sources))]
    if channel is not None:
        preds.append(e.channel_id == channel)
    if period not in {"day", "week"}:
        raise ValueError(f"period must be 'day' or 'week', got {period!r}")
    ev = e.filter(*preds)
    s = _session_stages(ev, ["kol_id"])
    s = s.mutate(day=s.entry_ts.truncate("D" if period == "day" else "W"))
    gm = _session_gmv(t)
    s = s.left_join(gm, s.session_id == gm.sid)
    s = s.mutate(gmv=s.gmv.fill_null(0.0))
    g = s.group_by([s.kol_id.cast("int64").name("kid"), "day"]).agg(
        sessions=s.count(),
        clicks=s.s_click.sum(),
        visits=s.s_page_view.sum(),
        dwell_s=s.dwell_s.mean(where=s.s_page_view > 0),
        pays=s.s_pay.sum(),
        buyers=s.user_id.nunique(where=s.s_pay > 0),
        gmv=s.gmv.sum(),
    )
    k = t.kols
    kk = k.select(kol_id=k.kol_id.cast("int64"), tier=k.tier, kol_channel=k.channel_id)
    j = g.join(kk, g.kid == kk.kol_id)
    return j.select(
        "kol_id",
        day=j.day,
        tier=j.tier,
        channel_id=j.kol_channel,
        sessions=j.sessions,
        clicks=j.clicks,
        visits=j.visits,
        dwell_s=j.dwell_s,
        pays=j.pays,
        buyers=j.buyers,
        gmv=j.gmv,
    ).order_by(["kol_id", "day"])
