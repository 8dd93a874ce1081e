"""Search and feed metrics (ch.6): keywords, paid traffic by hour of day, creatives.

Definitions:

- a keyword's traffic: search sessions carrying its ``keyword_id``; ``clicks`` = sessions with a
  click, ``pays`` = sessions with a payment, ``gmv`` = paid orders of those sessions.
- hour of day: ``ad_spend`` impressions, clicks and spend by the hour of ``ts_hour``; attributed
  GMV of paid orders carrying a campaign by the hour of ``pay_ts`` (last click, as in
  ``omni_core.metrics.core``).
- a creative's exposures / clicks: events of sessions carrying its ``creative_id``.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from omni_core.metrics.content import _session_gmv, _session_stages
from omni_core.warehouse import Tables


def keyword_stats(t: Tables) -> ir.Table:
    """One row per keyword: dimension columns plus sessions, clicks, visits, carts, pays, GMV."""
    e = t.events
    ev = e.filter(e.keyword_id.notnull())
    s = _session_stages(ev, ["keyword_id"])
    gm = _session_gmv(t)
    s = s.left_join(gm, s.session_id == gm.sid)
    s = s.mutate(gmv=s.gmv.fill_null(0.0))
    g = s.group_by(kid=s.keyword_id.cast("int64")).agg(
        sessions=s.count(),
        clicks=s.s_click.sum(),
        visits=s.s_page_view.sum(),
        carts=s.s_cart.sum(),
        pays=s.s_pay.sum(),
        gmv=s.gmv.sum(),
    )
    k = t.keywords
    base = k.select(
        "keyword",
        "channel_id",
        "category_id",
        "intent",
        "match_type",
        "is_brand",
        "words",
        "cpc",
        keyword_id=k.keyword_id.cast("int64"),
    )
    j = base.left_join(g, base.keyword_id == g.kid)
    cols = ("sessions", "clicks", "visits", "carts", "pays")
    j = j.select(*base.columns, **{c: j[c].fill_null(0) for c in cols}, gmv=j.gmv.fill_null(0.0))
    return j.order_by("keyword_id")


def hourly_paid(t: Tables, *, channels: Sequence[str] | None = None) -> ir.Table:
    """Per hour of day (0-23): impressions, clicks, spend, attributed orders and GMV, and days."""
    a = t.ad_spend
    o = t.orders
    p = o.filter(o.pay_ts.notnull(), o.campaign_id.notnull())
    if channels:
        a = a.filter(a.channel_id.isin(list(channels)))
        p = p.filter(p.channel_id.cast("string").isin(list(channels)))
    zero = ibis.literal(0.0, "float64")
    ads = a.group_by(hour=a.ts_hour.hour().cast("int64")).agg(
        impressions=a.impressions.sum().cast("float64"),
        clicks=a.clicks.sum().cast("float64"),
        spend=a.spend.sum().cast("float64"),
    )
    sales = p.group_by(hour=p.pay_ts.hour().cast("int64")).agg(
        orders=p.count().cast("float64"), gmv=p.amount.sum().cast("float64")
    )
    u = ads.select("hour", "impressions", "clicks", "spend", orders=zero, gmv=zero).union(
        sales.select("hour", impressions=zero, clicks=zero, spend=zero, orders="orders", gmv="gmv"),
        distinct=False,
    )
    g = u.group_by("hour").agg(
        impressions=u.impressions.sum(),
        clicks=u.clicks.sum(),
        spend=u.spend.sum(),
        orders=u.orders.sum(),
        gmv=u.gmv.sum(),
    )
    days = a.agg(days=a.ts_hour.truncate("D").nunique())
    return g.cross_join(days).order_by("hour")


def creative_stats(t: Tables) -> ir.Table:
    """One row per creative: campaign, variant, format, theme, exposures and clicks (sessions)."""
    e = t.events
    ev = e.filter(e.creative_id.notnull())
    g = ev.group_by(cid=ev.creative_id.cast("int64")).agg(
        exposures=ev.session_id.nunique(where=ev.event_type == "exposure"),
        clicks=ev.session_id.nunique(where=ev.event_type == "click"),
        pays=ev.session_id.nunique(where=ev.event_type == "pay"),
    )
    cr = t.creatives
    c = t.campaigns
    j = cr.left_join(g, cr.creative_id.cast("int64") == g.cid).join(
        c, cr.campaign_id == c.campaign_id
    )
    return j.select(
        creative_id=j.creative_id.cast("int64"),
        campaign_id=j.campaign_id.cast("int64"),
        campaign=j.name,
        channel_id=j.channel_id,
        variant=j.variant,
        format=j.format,
        theme=j.theme,
        sim_ctr_lift=j.sim_ctr_lift,
        exposures=j.exposures.fill_null(0),
        clicks=j.clicks.fill_null(0),
        pays=j.pays.fill_null(0),
    ).order_by("creative_id")
