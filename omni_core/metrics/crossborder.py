"""Cross-border metrics: orders of the overseas markets by country, week, day and carrier.

An order is cross-border when its channel is a cross-border channel (Amazon, Shopee, TikTok Shop)
or its ``province`` holds one of the overseas country codes (US, GB, DE, JP, SG, MY, TH, ID, PH,
VN): the simulator stores the buyer's country there. GMV follows ``metrics.core`` (paid amount,
by pay time). Portable: no ordered aggregates, time buckets by ``truncate``, day differences from
epoch seconds.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from omni_core.crossborder_reference import COUNTRIES
from omni_core.reference import CHANNELS
from omni_core.warehouse import Tables

CROSS_CHANNELS = tuple(c.channel_id for c in CHANNELS if c.channel_type == "crossborder")


def crossborder_orders(t: Tables) -> ir.Table:
    """Orders of the overseas markets with ``country`` (= province code) and a paid flag."""
    o = t.orders
    rel = o.filter(o.channel_id.isin(CROSS_CHANNELS) | o.province.isin(COUNTRIES))
    return rel.mutate(country=rel.province.cast("string"), is_paid=rel.pay_ts.notnull())


def market_summary(t: Tables) -> ir.Table:
    """Per country and channel: placed and paid orders, GMV, buyers, coupon use, discount depth."""
    o = crossborder_orders(t)
    paid = o.is_paid
    return (
        o.group_by(country=o.country, channel=o.channel_id.cast("string"))
        .agg(
            placed=o.count(),
            orders=paid.cast("int64").sum(),
            gmv=ibis.ifelse(paid, o.amount, 0.0).sum(),
            gross=ibis.ifelse(paid, o.gross_amount, 0.0).sum(),
            discount=ibis.ifelse(paid, o.discount, 0.0).sum(),
            coupon_orders=(paid & o.coupon_used.fill_null(False)).cast("int64").sum(),
            buyers=ibis.ifelse(paid, o.user_id, ibis.null("int64")).nunique(),
        )
        .order_by(["country", "channel"])
    )


def market_weekly(t: Tables) -> ir.Table:
    """Paid GMV and orders per country and week (weeks start on Monday)."""
    o = crossborder_orders(t)
    p = o.filter(o.is_paid)
    return (
        p.group_by(country=p.country, week=p.pay_ts.truncate("W"))
        .agg(gmv=p.amount.sum(), orders=p.count())
        .order_by(["country", "week"])
    )


def market_daily(t: Tables) -> ir.Table:
    """Paid orders per country and day (for promo-day lift and seasonality)."""
    o = crossborder_orders(t)
    p = o.filter(o.is_paid)
    return (
        p.group_by(country=p.country, day=p.pay_ts.truncate("D"))
        .agg(orders=p.count(), gmv=p.amount.sum())
        .order_by(["country", "day"])
    )


def daily_discount_depth(t: Tables) -> ir.Table:
    """Dataset-wide discount depth per day: sum(discount) / sum(gross) of paid orders."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    g = p.group_by(day=p.pay_ts.truncate("D")).agg(
        disc=p.discount.sum(), gross=p.gross_amount.sum()
    )
    return g.mutate(depth=ibis.ifelse(g.gross > 0, g.disc / g.gross, 0.0)).order_by("day")


def market_traffic(t: Tables) -> ir.Table:
    """Visitors (distinct users with a page view) per country from the event log."""
    e = t.events
    ev = e.filter(e.event_type == "page_view", e.province.cast("string").isin(COUNTRIES))
    return ev.group_by(country=ev.province.cast("string")).agg(uv=ev.user_id.nunique())


def delivery_by_carrier(t: Tables) -> ir.Table:
    """Delivered cross-border orders per carrier and country: count and mean pay-to-door days."""
    o = crossborder_orders(t)
    d = o.filter(o.is_paid, o.delivered_ts.notnull(), o.carrier.notnull())
    days = (
        d.delivered_ts.epoch_seconds().floor().cast("int64")
        - d.pay_ts.epoch_seconds().floor().cast("int64")
    ) / 86400.0
    d = d.mutate(_days=days)
    return (
        d.group_by(carrier=d.carrier, country=d.country)
        .agg(delivered=d.count(), mean_days=d._days.mean())
        .order_by(["carrier", "country"])
    )


def market_buyers(t: Tables) -> ir.Table:
    """Distinct paying buyers per country (a buyer may use several channels)."""
    o = crossborder_orders(t)
    p = o.filter(o.is_paid)
    return p.group_by(country=p.country).agg(buyers=p.user_id.nunique()).order_by("country")
