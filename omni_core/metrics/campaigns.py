"""Campaign tracking metrics (chapter 09): the chain exposure -> click -> conversion -> repurchase.

Definitions:

- exposures, clicks: traffic events of type ``exposure`` / ``click`` carrying the campaign and
  creative (the simulated platform's own log of paid traffic).
- conversions, GMV: paid orders carrying the campaign and creative (last click, as in
  ``metrics.core``), GMV = paid ``amount``.
- repurchasers: buyers of a creative with a later paid order of any channel (a second purchase).
- spend, impressions, platform clicks: ``ad_spend`` (campaign grain; spend by creative is not
  recorded and is split by the screen in proportion to clicks).
- goods margin: 1 - sum(qty x unit cost) / sum(paid amount), the gross margin of the campaign's
  orders (break-even ROAS = 1 / margin).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from omni_core.warehouse import Tables


def creative_chain(t: Tables, *, end: ibis.Value | None = None) -> ir.Table:
    """Per campaign and creative: exposures, clicks, conversions, GMV, buyers, repurchasers."""
    e = t.events
    ev = e.filter(e.creative_id.notnull(), e.event_type.isin(["exposure", "click"]))
    o = t.orders
    paid = o.filter(o.pay_ts.notnull())
    if end is not None:
        ev = ev.filter(ev.ts < end)
        paid = paid.filter(paid.pay_ts < end)
    traffic = ev.group_by(campaign_id=ev.campaign_id, creative_id=ev.creative_id).agg(
        exposures=(ev.event_type == "exposure").cast("int64").sum(),
        clicks=(ev.event_type == "click").cast("int64").sum(),
    )
    conv = paid.filter(paid.creative_id.notnull())
    first = conv.group_by(conv.campaign_id, conv.creative_id, conv.user_id).agg(
        first_pay=conv.pay_ts.min()
    )
    last = paid.group_by(paid.user_id).agg(last_pay=paid.pay_ts.max())
    rep = first.join(last, first.user_id == last.user_id)
    rep = rep.group_by(rep.campaign_id, rep.creative_id).agg(
        buyers=rep.user_id.nunique(),
        repurchasers=(rep.last_pay > rep.first_pay).cast("int64").sum(),
    )
    sales = conv.group_by(conv.campaign_id, conv.creative_id).agg(
        conversions=conv.count(), gmv=conv.amount.sum()
    )
    j = traffic.left_join(
        sales,
        [traffic.campaign_id == sales.campaign_id, traffic.creative_id == sales.creative_id],
    )
    j = j.select(
        "campaign_id", "creative_id", "exposures", "clicks",
        conversions=j.conversions.fill_null(0), gmv=j.gmv.fill_null(0.0),
    )  # fmt: skip
    k = j.left_join(rep, [j.campaign_id == rep.campaign_id, j.creative_id == rep.creative_id])
    return k.select(
        "campaign_id", "creative_id", "exposures", "clicks", "conversions", "gmv",
        buyers=k.buyers.fill_null(0), repurchasers=k.repurchasers.fill_null(0),
    ).order_by(["campaign_id", "creative_id"])  # fmt: skip


def campaign_daily(t: Tables) -> ir.Table:
    """Per campaign and day: spend, impressions, platform clicks, conversions and GMV."""
    a = t.ad_spend
    spend = a.group_by(campaign_id=a.campaign_id.cast("int64"), day=a.ts_hour.date()).agg(
        spend=a.spend.sum(),
        impressions=a.impressions.sum().cast("float64"),
        ad_clicks=a.clicks.sum().cast("float64"),
        conversions=ibis.literal(0.0),
        gmv=ibis.literal(0.0),
    )
    o = t.orders
    p = o.filter(o.pay_ts.notnull(), o.campaign_id.notnull())
    sales = p.group_by(campaign_id=p.campaign_id.cast("int64"), day=p.pay_ts.date()).agg(
        spend=ibis.literal(0.0),
        impressions=ibis.literal(0.0),
        ad_clicks=ibis.literal(0.0),
        conversions=p.count().cast("float64"),
        gmv=p.amount.sum(),
    )
    u = spend.union(sales, distinct=False)
    return (
        u.group_by("campaign_id", "day")
        .agg(
            spend=u.spend.sum(),
            impressions=u.impressions.sum(),
            ad_clicks=u.ad_clicks.sum(),
            conversions=u.conversions.sum(),
            gmv=u.gmv.sum(),
        )
        .order_by(["campaign_id", "day"])
    )


def campaign_margin(t: Tables) -> ir.Table:
    """Goods margin of each campaign's paid orders: 1 - cost of goods / paid amount."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull(), o.campaign_id.notnull())
    ln = t.order_lines
    sk = t.skus.select("sku_id", "cost")
    cogs = ln.join(sk, ln.sku_id == sk.sku_id)
    cogs = cogs.group_by(cogs.order_id).agg(cogs=(cogs.qty * cogs.cost).sum())
    j = p.join(cogs, p.order_id == cogs.order_id)
    g = j.group_by(campaign_id=j.campaign_id.cast("int64")).agg(
        amount=j.amount.sum(), cogs=j.cogs.sum()
    )
    return g.mutate(
        margin=ibis.ifelse(g.amount > 0, 1 - g.cogs / g.amount, ibis.null("float64"))
    ).order_by("campaign_id")
