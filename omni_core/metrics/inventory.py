"""Inventory and fulfilment metrics (chapter 08): ``tables, params -> ibis.Table``.

Definitions (used by the chapter 08 screen and its tests):

- demand: units of paid order lines, by pay day, SKU and fulfilling location (``orders.location_id``);
  demand is what customers paid for, not what shipped (shipments are censored by stock-outs).
- stock accuracy (inventory record accuracy, IRA): share of SKU x location rows whose book stock
  (``on_hand``) equals the physical count (``counted``); unit accuracy = 1 - sum |book - count| /
  sum book.
- stock-out rate: share of SKU x location x day rows that end the day with zero stock on hand;
  ``backlog_rows`` counts rows with demand waiting for stock (unfilled orders).
- delivery days: ``delivered_ts - pay_ts`` in days (epoch seconds / 86400).
- refund hours: ``refund_ts - request_ts`` in hours (epoch seconds / 3600).

Portability: no ordered aggregates; days from ``.date()``, hours from ``.truncate('h')``.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from omni_core.warehouse import Tables


def _epoch(col: ir.TimestampValue) -> ir.IntegerValue:
    """Whole epoch seconds (floored), identical on DuckDB and Spark."""
    return col.epoch_seconds().floor().cast("int64")


def daily_demand(t: Tables) -> ir.Table:
    """Units paid per day, SKU and fulfilling location (``date, sku_id, location_id, units``)."""
    o = t.orders
    paid = o.filter(o.pay_ts.notnull())
    ln = t.order_lines
    j = paid.join(ln, paid.order_id == ln.order_id)
    return (
        j.group_by(date=j.pay_ts.date(), sku_id=j.sku_id, location_id=j.location_id)
        .agg(units=j.qty.sum().cast("int64"))
        .order_by(["date", "location_id", "sku_id"])
    )


def stock_history(
    t: Tables, *, sku_ids: Sequence[int] | None = None, location_ids: Sequence[str] | None = None
) -> ir.Table:
    """End-of-day snapshots (book, count, on order, backlog, policy lines) with the location kind."""
    s = t.inventory_snapshots
    if sku_ids is not None:
        s = s.filter(s.sku_id.isin([int(x) for x in sku_ids]))
    if location_ids is not None:
        s = s.filter(s.location_id.isin([str(x) for x in location_ids]))
    loc = t.locations.select("location_id", "kind")
    j = s.join(loc, s.location_id == loc.location_id)
    return j.select(
        "date", "sku_id", "location_id", "kind", "on_hand", "counted", "on_order", "backlog",
        "safety_stock", "reorder_point",
    ).order_by(["date", "location_id", "sku_id"])  # fmt: skip


def stock_on(t: Tables, date: ir.Value | None = None) -> ir.Table:
    """Snapshot rows of one day (default: the last day) with location, SKU price, cost, category."""
    s = t.inventory_snapshots
    day = s.date.max().as_scalar() if date is None else ibis.literal(date).cast("date")
    s = s.filter(s.date == day)
    loc = t.locations.select("location_id", "kind", loc_name="name", serves="serves")
    sk = t.skus.select("sku_id", "category_id", "price", "cost", "is_hot")
    j = s.join(loc, s.location_id == loc.location_id).join(sk, s.sku_id == sk.sku_id)
    return j.select(
        "date", "sku_id", "location_id", "kind", "loc_name", "serves", "category_id", "price",
        "cost", "is_hot", "on_hand", "counted", "on_order", "backlog", "safety_stock",
        "reorder_point",
    ).order_by(["location_id", "sku_id"])  # fmt: skip


def stock_quality(t: Tables) -> ir.Table:
    """Per day and location kind: rows, exact book = count rows, unit gaps, zero-stock rows."""
    s = t.inventory_snapshots
    loc = t.locations.select("location_id", "kind")
    j = s.join(loc, s.location_id == loc.location_id)
    gap = (j.on_hand - j.counted).abs()
    return (
        j.group_by(date=j.date, kind=j.kind)
        .agg(
            rows=j.count(),
            exact_rows=(j.on_hand == j.counted).cast("int64").sum(),
            book_units=j.on_hand.sum(),
            gap_units=gap.sum(),
            zero_rows=(j.on_hand == 0).cast("int64").sum(),
            backlog_rows=(j.backlog > 0).cast("int64").sum(),
            backlog_units=j.backlog.sum(),
        )
        .order_by(["date", "kind"])
    )


def carrier_lanes(t: Tables) -> ir.Table:
    """Delivered paid orders per carrier and destination region: parcels and delivery days."""
    o = t.orders
    d = o.filter(o.delivered_ts.notnull(), o.pay_ts.notnull(), o.carrier.notnull())
    pv = t.provinces.select("province", "region")
    j = d.left_join(pv, d.province.cast("string") == pv.province)
    days = (_epoch(j.delivered_ts) - _epoch(j.pay_ts)) / 86400.0
    region = j.region.fill_null("海外")
    return (
        j.group_by(carrier=j.carrier, region=region)
        .agg(
            parcels=j.count(),
            mean_days=days.mean(),
            sq_days=(days * days).mean(),
            within_2d=(days <= 2.0).cast("int64").sum(),
        )
        .order_by(["region", "carrier"])
    )


def returns_detail(t: Tables) -> ir.Table:
    """Return requests with refund hours (NULL while pending), order amount and fulfilment data."""
    r = t.returns
    o = t.orders.select("order_id", "amount", "carrier", "location_id", "province")
    j = r.join(o, r.order_id == o.order_id)
    hours = ibis.ifelse(
        j.refund_ts.notnull(), (_epoch(j.refund_ts) - _epoch(j.request_ts)) / 3600.0, None
    )
    return j.select(
        "return_id", "order_id", "channel_id", "request_ts", "reason", "grade", "refund_amount",
        "reverse_cost", "amount", "carrier", "location_id", refund_hours=hours,
    ).order_by("return_id")  # fmt: skip


def channel_sku_demand(t: Tables) -> ir.Table:
    """Units paid per sales channel and SKU over the whole dataset (allocation weights)."""
    o = t.orders
    paid = o.filter(o.pay_ts.notnull())
    ln = t.order_lines
    j = paid.join(ln, paid.order_id == ln.order_id)
    return (
        j.group_by(channel_id=j.channel_id.cast("string"), sku_id=j.sku_id)
        .agg(units=j.qty.sum().cast("int64"))
        .order_by(["channel_id", "sku_id"])
    )
