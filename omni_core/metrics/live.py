"""Minute-grain aggregates that seed the live rollups from history (portable Ibis)."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from omni_core.warehouse import Tables


def _between(col: ir.TimestampValue, start: dt.datetime, end: dt.datetime) -> list:
    return [col >= ibis.timestamp(start), col < ibis.timestamp(end)]


def events_by_minute(t: Tables, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """Event counts per minute, channel, province, category and event type."""
    e = t.events
    ev = e.filter(*_between(e.ts, start, end))
    sk = t.skus
    ev = ev.left_join(sk, ev.sku_id == sk.sku_id)
    return ev.group_by(
        minute=ev.ts.truncate("m"),
        channel_id=ev.channel_id,
        province=ev.province,
        category_id=ev.category_id,
        event_type=ev.event_type.cast("string"),
    ).agg(n=ev.count())


def paid_orders_by_minute(t: Tables, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """Paid orders per payment minute, channel and province: count, GMV, GMV², attributed GMV."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull(), *_between(o.pay_ts, start, end))
    return p.group_by(
        minute=p.pay_ts.truncate("m"), channel_id=p.channel_id, province=p.province
    ).agg(
        pays=p.count(),
        gmv=p.amount.sum(),
        gmv_sq=(p.amount * p.amount).sum(),
        attributed_gmv=ibis.ifelse(p.campaign_id.notnull(), p.amount, 0.0).sum(),
    )


def paid_gmv_by_minute_category(t: Tables, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """Paid GMV per payment minute and category (lines carry the discount pro rata)."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull(), *_between(o.pay_ts, start, end))
    ln = t.order_lines
    sk = t.skus
    rel = p.join(ln, p.order_id == ln.order_id).join(sk, ln.sku_id == sk.sku_id)
    share = ibis.ifelse(rel.gross_amount > 0, rel.amount / rel.gross_amount, 0.0)
    return rel.group_by(minute=rel.pay_ts.truncate("m"), category_id=rel.category_id).agg(
        gmv=(rel.line_amount * share).sum(), pays=rel.order_id.nunique()
    )


def spend_by_hour(t: Tables, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """Ad spend per hour and channel."""
    a = t.ad_spend
    f = a.filter(*_between(a.ts_hour, start, end))
    return f.group_by(ts_hour=f.ts_hour, channel_id=f.channel_id).agg(spend=f.spend.sum())


def refunds_by_minute(t: Tables, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """Refunds per refund minute and channel: count and amount."""
    r = t.returns
    f = r.filter(r.refund_ts.notnull(), *_between(r.refund_ts, start, end))
    return f.group_by(minute=f.refund_ts.truncate("m"), channel_id=f.channel_id).agg(
        refunds=f.count(), refund_amount=f.refund_amount.sum()
    )


def first_visits(t: Tables, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """Each visitor's first page view per day (for distinct UV up to a minute)."""
    e = t.events
    ev = e.filter(e.event_type == "page_view", *_between(e.ts, start, end))
    return ev.group_by(day=ev.ts.truncate("D"), user_id=ev.user_id).agg(first=ev.ts.min())


def first_payments(t: Tables, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """Each buyer's first payment per day (distinct buyers up to a minute)."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull(), *_between(o.pay_ts, start, end))
    return p.group_by(day=p.pay_ts.truncate("D"), user_id=p.user_id).agg(first=p.pay_ts.min())


def step_lags(t: Tables, start: dt.datetime, end: dt.datetime, horizon_min: int = 30) -> ir.Table:
    """Whole minutes from a funnel step's parent event to its child, per step, channel and lag.

    Steps: ``cart`` (page view -> cart of the same session), ``order`` (cart -> order) and ``pay``
    (order -> payment). Children in ``[start, end)``, parents up to ``horizon_min`` minutes before
    ``end`` (their children are not cut off by the end); the lag is the difference of the
    truncated minutes (the live tests count children by their parent's minute).
    """
    e = t.events
    ev = e.filter(*_between(e.ts, start, end))
    kind = ev.event_type.cast("string")
    cut = ibis.timestamp(end - dt.timedelta(minutes=horizon_min))

    def first(event_type: str, name: str, parent: bool = True) -> ir.Table:
        f = ev.filter(kind == event_type)
        if parent:
            f = f.filter(f.ts < cut)
        return f.group_by(session_id=f.session_id, channel_id=f.channel_id).agg(
            **{name: f.ts.min()}
        )

    def minutes(child: ir.TimestampValue, parent: ir.TimestampValue) -> ir.IntegerValue:
        return (
            (child.truncate("m").epoch_seconds() - parent.truncate("m").epoch_seconds()) // 60
        ).cast("int64")

    v, c, o = first("page_view", "p"), first("cart", "c"), first("order", "o", parent=False)
    vc = v.join(first("cart", "c", parent=False).drop("channel_id"), "session_id")
    co = c.join(o.drop("channel_id"), "session_id")
    orders = t.orders
    po = orders.filter(orders.order_ts >= ibis.timestamp(start), orders.order_ts < cut,
                       orders.pay_ts.notnull())  # fmt: skip
    parts = [
        vc.select(step=ibis.literal("cart"), channel_id=vc.channel_id.cast("string"),
                  lag=minutes(vc.c, vc.p)),
        co.select(step=ibis.literal("order"), channel_id=co.channel_id.cast("string"),
                  lag=minutes(co.o, co.c)),
        po.select(step=ibis.literal("pay"), channel_id=po.channel_id.cast("string"),
                  lag=minutes(po.pay_ts, po.order_ts)),
    ]  # fmt: skip
    u = ibis.union(*parts)
    return u.group_by("step", "channel_id", "lag").agg(n=u.count())
