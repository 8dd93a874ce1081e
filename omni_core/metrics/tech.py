"""Measured inputs of the technology ROI estimates (chapter 14), as portable Ibis expressions."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from omni_core.warehouse import Tables


def sales_base(t: Tables) -> ir.Table:
    """Paid GMV, orders, campaign-attributed GMV and first/last pay time (orders only)."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    return p.agg(
        gmv=p.amount.sum(),
        orders=p.count(),
        paid_gmv=ibis.ifelse(p.campaign_id.notnull(), p.amount, 0.0).sum(),
        first=p.pay_ts.min(),
        last=p.pay_ts.max(),
    )


def goods_cost(t: Tables) -> ir.Table:
    """Cost of goods and paid amount of paid orders (gross margin = 1 - cost / amount)."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    ln = t.order_lines
    sk = t.skus
    rel = p.join(ln, p.order_id == ln.order_id).join(sk, ln.sku_id == sk.sku_id)
    return rel.agg(cost=(rel.qty * rel.cost).sum(), lines_amount=rel.line_amount.sum())


def creative_ctr(t: Tables) -> ir.Table:
    """Exposures and clicks per creative (and its campaign) from the event log."""
    e = t.events
    ev = e.filter(e.creative_id.notnull(), e.event_type.isin(["exposure", "click"]))
    return (
        ev.group_by(campaign_id=ev.campaign_id, creative_id=ev.creative_id)
        .agg(
            exposures=(ev.event_type == "exposure").cast("int64").sum(),
            clicks=(ev.event_type == "click").cast("int64").sum(),
        )
        .order_by(["campaign_id", "creative_id"])
    )


def brand_live_by_shift(t: Tables) -> ir.Table:
    """Brand self-broadcast live streams by start hour: streams, hours on air, GMV."""
    ls = t.live_sessions
    b = ls.filter(ls.tier == "brand")
    hours = (
        b.end_ts.epoch_seconds().floor().cast("int64")
        - b.start_ts.epoch_seconds().floor().cast("int64")
    ) / 3600.0
    b = b.mutate(_h=hours, start_hour=b.start_ts.hour())
    return (
        b.group_by("start_hour")
        .agg(streams=b.count(), hours=b._h.sum(), gmv=b.gmv.sum())
        .order_by("start_hour")
    )


def category_returns(t: Tables, categories: list[str], reasons: list[str]) -> ir.Table:
    """Paid GMV of orders whose first line is in ``categories`` and their returns for ``reasons``."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    ln = t.order_lines
    sk = t.skus
    first = ln.filter(ln.line_no == 1)
    rel = p.join(first, p.order_id == first.order_id).join(sk, first.sku_id == sk.sku_id)
    rel = rel.filter(rel.category_id.isin(categories))
    gmv = rel.agg(gmv=rel.amount.sum(), orders=rel.count())
    r = t.returns
    rr = r.filter(r.reason.isin(reasons))
    j = rel.join(rr, rel.order_id == rr.order_id)
    ret = j.agg(returns=j.count(), refund=j.refund_amount.sum(), reverse_cost=j.reverse_cost.sum())
    return gmv.cross_join(ret)


def stockouts(t: Tables) -> ir.Table:
    """SKU-location-days, those with unmet demand (backlog > 0), backlog units and their value."""
    s = t.inventory_snapshots
    sk = t.skus
    rel = s.join(sk, s.sku_id == sk.sku_id)
    return rel.agg(
        sku_days=rel.count(),
        stockout_days=(rel.backlog > 0).cast("int64").sum(),
        backlog_units=rel.backlog.sum(),
        backlog_value=(rel.backlog * rel.price).sum(),
        days=rel.date.nunique(),
    )
