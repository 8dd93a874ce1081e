"""Planning inputs: the daily per-channel history a promo scenario is calibrated on.

Each function reads **one** fact table (plus small dimensions), so the planner can calibrate
whatever a dataset has: an imported export with only ``orders`` still yields sales, AOV and
discount depth; traffic needs ``events``, spend needs ``ad_spend``.

Definitions (consistent with ``omni_core.metrics.core``):

- sales are paid orders bucketed by ``pay_ts`` day; ``gross`` = ``gross_amount`` (list value,
  falling back to ``amount`` when an import has no gross), ``discount`` = ``gross - amount``
  when the discount column is missing; ``paid_orders``/``paid_gmv`` carry a campaign (last click).
- visits are sessions with a ``page_view`` (distinct ``session_id`` per channel and day);
  ``paid_visits`` are those whose page view carries a campaign; ``uv`` = distinct visitors.
- spend is ``ad_spend.spend`` by channel and day.

Portability: day buckets with ``truncate``, conditional distinct counts as
``nunique`` of an ``ifelse(..., NULL)``, no ordered aggregates, no raw SQL.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from omni_core.warehouse import Tables


def _paid_orders(t: Tables) -> ir.Table:
    o = t.orders
    return o.filter(o.pay_ts.notnull())


def daily_sales(t: Tables) -> ir.Table:
    """Paid orders per ``day`` and ``channel``: orders, buyers, gmv, gross, discount, coupon and
    campaign-carrying (paid) orders and GMV."""
    p = _paid_orders(t)
    gross = p.gross_amount.fill_null(p.amount).cast("float64")
    amount = p.amount.cast("float64")
    disc = p.discount.fill_null(gross - amount).cast("float64")
    coupon = p.coupon_used.fill_null(False)
    paid = p.campaign_id.notnull()
    rel = p.mutate(
        day=p.pay_ts.truncate("D"),
        channel=p.channel_id.cast("string"),
        _gross=gross,
        _amt=amount,
        _disc=disc,
        _coupon=ibis.ifelse(coupon, 1, 0),
        _paid=ibis.ifelse(paid, 1, 0),
        _paid_amt=ibis.ifelse(paid, amount, 0.0),
    )
    return (
        rel.group_by(["day", "channel"])
        .agg(
            orders=rel.count(),
            buyers=rel.user_id.nunique(),
            gmv=rel._amt.sum(),
            gross=rel._gross.sum(),
            discount=rel._disc.sum(),
            coupon_orders=rel._coupon.sum(),
            paid_orders=rel._paid.sum(),
            paid_gmv=rel._paid_amt.sum(),
        )
        .order_by(["day", "channel"])
    )


def daily_visits(t: Tables) -> ir.Table:
    """Visits (sessions with a page view), paid visits and UV per ``day`` and ``channel``."""
    e = t.events
    ev = e.filter(e.event_type == "page_view")
    rel = ev.mutate(
        day=ev.ts.truncate("D"),
        channel=ev.channel_id.cast("string"),
        _paid_session=ibis.ifelse(ev.campaign_id.notnull(), ev.session_id, ibis.null("int64")),
    )
    return (
        rel.group_by(["day", "channel"])
        .agg(
            visits=rel.session_id.nunique(),
            paid_visits=rel._paid_session.nunique(),
            uv=rel.user_id.nunique(),
        )
        .order_by(["day", "channel"])
    )


def daily_spend(t: Tables) -> ir.Table:
    """Ad spend and clicks per ``day`` and ``channel``."""
    a = t.ad_spend
    rel = a.mutate(day=a.ts_hour.truncate("D"), channel=a.channel_id.cast("string"))
    return (
        rel.group_by(["day", "channel"])
        .agg(spend=rel.spend.sum().cast("float64"), clicks=rel.clicks.sum().cast("float64"))
        .order_by(["day", "channel"])
    )


def order_value_stats(t: Tables) -> ir.Table:
    """Lognormal fit of the gross basket value of paid orders: ``n``, ``mean``, ``log_mean``,
    ``log_sd`` (moments of ``ln(gross)`` over baskets with a positive value)."""
    p = _paid_orders(t)
    gross = p.gross_amount.fill_null(p.amount).cast("float64")
    rel = p.mutate(_g=gross).filter(lambda r: r._g > 0)
    lg = rel._g.ln()
    return rel.agg(n=rel.count(), mean=rel._g.mean(), log_mean=lg.mean(), log_sd=lg.std())


def basket_stats(t: Tables, *, with_cost: bool = True) -> ir.Table:
    """Units per paid order and, with ``skus``, the cost of goods as a share of the gross line
    value: ``orders``, ``units``, ``line_value``, ``cost`` (0 without SKU costs)."""
    p = _paid_orders(t).select("order_id")
    ln = t.order_lines
    rel = ln.join(p, ln.order_id == p.order_id)
    if with_cost:
        sk = t.skus
        rel = rel.join(sk, rel.sku_id == sk.sku_id)
        cost = (rel.qty * rel.cost).cast("float64")
    else:
        cost = ibis.literal(0.0, "float64")
    rel = rel.mutate(_cost=cost)
    return rel.agg(
        orders=rel.order_id.nunique(),
        units=rel.qty.sum().cast("float64"),
        line_value=rel.line_amount.sum().cast("float64"),
        cost=rel._cost.sum(),
    )


def refund_totals(t: Tables) -> ir.Table:
    """Refunded amount of paid orders and the GMV of paid orders (refund rate = ratio)."""
    p = _paid_orders(t)
    r = t.returns
    rr = r.filter(r.refund_ts.notnull())
    ref = rr.join(p.select("order_id"), rr.order_id == p.order_id)
    return ref.agg(refunded=ref.refund_amount.sum().cast("float64")).cross_join(
        p.agg(gmv=p.amount.sum().cast("float64"))
    )


def parcel_cost(t: Tables) -> ir.Table:
    """Mean carrier cost per shipped paid order (``orders``, ``cost``)."""
    p = _paid_orders(t)
    c = t.carriers
    rel = p.join(c, p.carrier == c.carrier)
    return rel.agg(orders=rel.count(), cost=rel.cost_per_parcel.sum().cast("float64"))


def campaign_roas_target(t: Tables) -> ir.Table:
    """Budget-weighted mean target ROAS of the campaigns (``budget``, ``weighted``)."""
    c = t.campaigns
    rel = c.filter(c.target_roas.notnull(), c.budget.notnull(), c.budget > 0)
    return rel.agg(
        budget=rel.budget.sum().cast("float64"),
        weighted=(rel.budget * rel.target_roas).sum().cast("float64"),
    )
