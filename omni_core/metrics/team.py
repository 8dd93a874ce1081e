"""Sales metrics needing only the orders table (for team OKRs and people efficiency).

Same GMV definition as ``metrics.core`` (paid amount, by pay time), usable on orders-only imports.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from omni_core.warehouse import Tables


def sales_between(t: Tables, start: dt.date, end: dt.date) -> ir.Table:
    """GMV, orders, buyers and AOV of orders paid in ``[start, end)``."""
    o = t.orders
    p = o.filter(
        o.pay_ts.notnull(),
        o.pay_ts >= ibis.timestamp(dt.datetime(start.year, start.month, start.day)),
        o.pay_ts < ibis.timestamp(dt.datetime(end.year, end.month, end.day)),
    )
    g = p.agg(gmv=p.amount.sum(), orders=p.count(), buyers=p.user_id.nunique())
    return g.mutate(aov=ibis.ifelse(g.orders > 0, g.gmv / g.orders, ibis.null("float64")))


def weekly_gmv(t: Tables) -> ir.Table:
    """Paid GMV, orders, distinct pay days and first/last pay time per week (weeks start on
    Monday)."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    return (
        p.group_by(week=p.pay_ts.truncate("W"))
        .agg(
            gmv=p.amount.sum(),
            orders=p.count(),
            days=p.pay_ts.truncate("D").nunique(),
            first=p.pay_ts.min(),
            last=p.pay_ts.max(),
        )
        .order_by("week")
    )


def pay_span(t: Tables) -> ir.Table:
    """First and last pay time of the dataset."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    return p.agg(first=p.pay_ts.min(), last=p.pay_ts.max())
