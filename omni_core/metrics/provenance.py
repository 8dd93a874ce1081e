"""Provenance and drop metrics: ledger events of recent orders, order amounts of a window.

Money leaves the warehouse as integer fen (``round(amount * 100)``) so the ledger never holds a
float. Ordering uses explicit tie-breakers (time, kind rank, order id).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from omni_core.warehouse import Tables


def recent_paid_orders(t: Tables, n: int) -> ir.Table:
    """The ``n`` most recently paid orders (ties broken by order id)."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    return p.order_by([ibis.desc(p.pay_ts), ibis.desc(p.order_id)]).limit(n)


def ledger_events(t: Tables, n: int, *, with_returns: bool = True) -> ir.Table:
    """Order, delivery and return events of the ``n`` most recently paid orders, chronological.

    Columns: ts, kind (order|delivered|return), ref (order id), rank (kind order), channel,
    amount_fen, carrier, location, reason, grade (null where not applicable).
    """
    p = recent_paid_orders(t, n)
    s = ibis.null("string")
    i = ibis.null("int64")
    parts = [
        p.select(ts=p.pay_ts, kind=ibis.literal("order"), ref=p.order_id.cast("int64"),
                 rank=ibis.literal(0), channel=p.channel_id.cast("string"),
                 amount_fen=(p.amount * 100).round().cast("int64"), carrier=s, location=s,
                 reason=s, grade=s),
    ]  # fmt: skip
    d = p.filter(p.delivered_ts.notnull())
    parts.append(
        d.select(ts=d.delivered_ts, kind=ibis.literal("delivered"), ref=d.order_id.cast("int64"),
                 rank=ibis.literal(1), channel=s, amount_fen=i, carrier=d.carrier.cast("string"),
                 location=d.location_id.cast("string"), reason=s, grade=s)
    )  # fmt: skip
    if with_returns:
        r = t.returns
        rr = r.filter(r.order_id.isin(p.order_id))
        parts.append(
            rr.select(ts=rr.request_ts, kind=ibis.literal("return"), ref=rr.order_id.cast("int64"),
                      rank=ibis.literal(2), channel=s,
                      amount_fen=(rr.refund_amount * 100).round().cast("int64"), carrier=s,
                      location=s, reason=rr.reason.cast("string"), grade=rr.grade.cast("string"))
        )  # fmt: skip
    u = parts[0]
    for q in parts[1:]:
        u = u.union(q, distinct=False)
    return u.order_by(["ts", "rank", "ref"])


def window_orders(t: Tables, days: int) -> ir.Table:
    """Paid orders of the last ``days`` calendar days of the dataset: day, amount, channel."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    first_day = p.pay_ts.max().as_scalar().truncate("D") - ibis.interval(days=days - 1)
    w = p.filter(p.pay_ts >= first_day)
    return w.select(day=w.pay_ts.truncate("D"), amount=w.amount, order_id=w.order_id,
                    channel=w.channel_id.cast("string"), ts=w.pay_ts).order_by(["ts", "order_id"])  # fmt: skip


def complaint_returns(t: Tables) -> ir.Table:
    """Return requests by reason (quality / not-as-described are the counterfeit-complaint proxy)."""
    r = t.returns
    return r.group_by(reason=r.reason.cast("string")).agg(requests=r.count()).order_by("reason")
