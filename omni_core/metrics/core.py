"""Portable metric expressions: ``tables, params -> ibis.Table`` (executed by the warehouse).

Definitions (one place; every page and test uses these):

- GMV: sum of ``orders.amount`` of paid orders, bucketed by ``pay_ts`` (counted once per order).
- orders: number of paid orders; buyers: distinct users with a paid order.
- UV: distinct users with a ``page_view`` event (visitors), bucketed by event time.
- conversion: buyers / UV (UV 支付转化率).
- AOV: GMV / orders.
- refund rate: refunded amount of the bucket's paid orders / GMV (cohort by ``pay_ts``).
- spend: ``ad_spend.spend``; attributed GMV: GMV of orders carrying a campaign (last click);
  ROAS = attributed GMV / spend, NULL when there is no spend.

Portability rules (the same expressions run on DuckDB and Spark): no ordered aggregates, explicit
tie-breakers in windows, time buckets by ``truncate``, day differences from epoch seconds,
measures from different fact tables combined by ``UNION ALL`` + ``GROUP BY`` instead of outer
joins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from omni_core.warehouse import Tables

DIMENSIONS = ("channel", "province", "category", "campaign")
BUCKETS = {"minute": "m", "hour": "h", "day": "D", "week": "W"}
MEASURES = ("gmv", "orders", "buyers", "attributed_gmv", "uv", "refund_amount", "spend")
KPI_COLUMNS = (
    "gmv", "orders", "buyers", "uv", "conversion", "aov", "refund_amount", "refund_rate",
    "spend", "attributed_gmv", "roas",
)  # fmt: skip
# Keys are cast to nullable types so the parts of a UNION ALL share one schema.
_KEY_TYPES = {
    "bucket": ibis.dtype("timestamp"),
    "channel": ibis.dtype("string"),
    "province": ibis.dtype("string"),
    "category": ibis.dtype("string"),
    "campaign": ibis.dtype("int64"),
}
TimeLike = dt.datetime | dt.date | str | None


def _check(by: Sequence[str], bucket: str | None) -> None:
    bad = [b for b in by if b not in DIMENSIONS]
    if bad:
        raise ValueError(f"unknown dimension(s) {bad}; choose from {', '.join(DIMENSIONS)}")
    if bucket is not None and bucket not in BUCKETS:
        raise ValueError(f"unknown time bucket {bucket!r}; choose from {', '.join(BUCKETS)}")


def _window(col: ir.TimestampValue, start: TimeLike, end: TimeLike) -> list[ir.BooleanValue]:
    preds: list[ir.BooleanValue] = [ibis.literal(True)]
    if start is not None:
        preds.append(col >= ibis.timestamp(_ts(start)))
    if end is not None:
        preds.append(col < ibis.timestamp(_ts(end)))
    return preds


def _ts(x: Any) -> dt.datetime:
    if isinstance(x, str):
        x = dt.datetime.fromisoformat(x)
    if isinstance(x, dt.date) and not isinstance(x, dt.datetime):
        x = dt.datetime(x.year, x.month, x.day)
    return x


def _keys(
    rel: ir.Table, by: Sequence[str], bucket: str | None, ts: str, cols: dict[str, str]
) -> dict[str, ir.Value]:
    keys: dict[str, ir.Value] = {}
    if bucket is not None:
        keys["bucket"] = rel[ts].truncate(BUCKETS[bucket]).cast(_KEY_TYPES["bucket"])
    for b in by:
        keys[b] = rel[cols[b]].cast(_KEY_TYPES[b])
    return keys


def _zeros(keys: dict[str, ir.Value], present: dict[str, ir.Value]) -> dict[str, ir.Value]:
    out: dict[str, ir.Value] = {}
    for m in MEASURES:
        out[m] = present[m].cast("float64") if m in present else ibis.literal(0.0, "float64")
    return out


def kpis(
    t: Tables,
    *,
    by: Sequence[str] = (),
    bucket: str | None = None,
    start: TimeLike = None,
    end: TimeLike = None,
) -> ir.Table:
    """The KPI set (module docstring) by any dimensions and an optional time bucket.

    Spend exists by channel and campaign only: grouped by province or category, ``spend`` is 0
    and ``roas`` NULL (the warehouse has no spend at that grain).
    """
    by = tuple(by)
    _check(by, bucket)
    parts: list[ir.Table] = []

    # Sales (orders; joined to lines for the category split with the discount spread pro rata).
    o = t.orders
    paid = o.filter(o.pay_ts.notnull(), *_window(o.pay_ts, start, end))
    cols = {"channel": "channel_id", "province": "province", "campaign": "campaign_id",
            "category": "category_id"}  # fmt: skip
    if "category" in by:
        ln = t.order_lines
        sk = t.skus
        rel = paid.join(ln, paid.order_id == ln.order_id).join(sk, ln.sku_id == sk.sku_id)
        share = ibis.ifelse(rel.gross_amount > 0, rel.amount / rel.gross_amount, 0.0)
        rel = rel.mutate(_amt=rel.line_amount * share)
        keys = _keys(rel, by, bucket, "pay_ts", cols)
        sales = _agg(
            rel,
            keys,
            gmv=rel._amt.sum(),
            orders=rel.order_id.nunique(),
            buyers=rel.user_id.nunique(),
            attributed_gmv=ibis.ifelse(rel.campaign_id.notnull(), rel._amt, 0.0).sum(),
        )
    else:
        keys = _keys(paid, by, bucket, "pay_ts", cols)
        sales = _agg(
            paid,
            keys,
            gmv=paid.amount.sum(),
            orders=paid.count(),
            buyers=paid.user_id.nunique(),
            attributed_gmv=ibis.ifelse(paid.campaign_id.notnull(), paid.amount, 0.0).sum(),
        )
    parts.append(sales.select(*_key_names(by, bucket), **_zeros({}, _measures(sales))))

    # Traffic (visitors).
    e = t.events
    ev = e.filter(e.event_type == "page_view", *_window(e.ts, start, end))
    ecols = {"channel": "channel_id", "province": "province", "campaign": "campaign_id",
             "category": "category_id"}  # fmt: skip
    if "category" in by:
        sk = t.skus
        ev = ev.join(sk, ev.sku_id == sk.sku_id)
    keys = _keys(ev, by, bucket, "ts", ecols)
    traffic = _agg(ev, keys, uv=ev.user_id.nunique())
    parts.append(traffic.select(*_key_names(by, bucket), **_zeros({}, _measures(traffic))))

    # Refunds of the bucket's paid orders (cohort by pay time).
    r = t.returns
    rr = r.filter(r.refund_ts.notnull())
    rel = paid.join(rr, paid.order_id == rr.order_id)
    if "category" in by:
        ln = t.order_lines
        sk = t.skus
        rel = rel.join(ln, rel.order_id == ln.order_id).join(sk, ln.sku_id == sk.sku_id)
        share = ibis.ifelse(rel.gross_amount > 0, rel.line_amount / rel.gross_amount, 0.0)
        rel = rel.mutate(_ref=rel.refund_amount * share)
    else:
        rel = rel.mutate(_ref=rel.refund_amount)
    keys = _keys(rel, by, bucket, "pay_ts", cols)
    refunds = _agg(rel, keys, refund_amount=rel._ref.sum())
    parts.append(refunds.select(*_key_names(by, bucket), **_zeros({}, _measures(refunds))))

    # Spend (channel / campaign grain only).
    if set(by) <= {"channel", "campaign"}:
        a = t.ad_spend
        af = a.filter(*_window(a.ts_hour, start, end))
        keys = _keys(
            af, by, bucket, "ts_hour", {"channel": "channel_id", "campaign": "campaign_id"}
        )
        spend = _agg(af, keys, spend=af.spend.sum())
        parts.append(spend.select(*_key_names(by, bucket), **_zeros({}, _measures(spend))))

    u = parts[0]
    for p in parts[1:]:
        u = u.union(p, distinct=False)
    names = _key_names(by, bucket)
    agg = (
        u.group_by(names).agg(**{m: u[m].sum() for m in MEASURES})
        if names
        else u.agg(**{m: u[m].sum() for m in MEASURES})
    )
    return _derive(agg).order_by(names) if names else _derive(agg)


def _agg(rel: ir.Table, keys: dict[str, ir.Value], **measures: ir.Value) -> ir.Table:
    """Group by ``keys`` (or aggregate the whole relation when there are none)."""
    return rel.group_by(**keys).agg(**measures) if keys else rel.agg(**measures)


def _measures(rel: ir.Table) -> dict[str, ir.Value]:
    return {m: rel[m] for m in MEASURES if m in rel.columns}


def _key_names(by: Sequence[str], bucket: str | None) -> list[str]:
    return (["bucket"] if bucket is not None else []) + list(by)


def _derive(agg: ir.Table) -> ir.Table:
    """Ratios with safe denominators (NULL instead of division by zero)."""

    def ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.NumericValue:
        return ibis.ifelse(den > 0, num / den, ibis.null("float64"))

    return agg.mutate(
        conversion=ratio(agg.buyers, agg.uv),
        aov=ratio(agg.gmv, agg.orders),
        refund_rate=ratio(agg.refund_amount, agg.gmv),
        roas=ratio(agg.attributed_gmv, agg.spend),
    )


def funnel(
    t: Tables, *, by: Sequence[str] = ("channel",), start: TimeLike = None, end: TimeLike = None
) -> ir.Table:
    """Distinct users and sessions per funnel stage (event type) per channel (or other keys)."""
    by = tuple(by)
    _check(by, None)
    e = t.events
    ev = e.filter(*_window(e.ts, start, end))
    ecols = {"channel": "channel_id", "province": "province", "campaign": "campaign_id",
             "category": "category_id"}  # fmt: skip
    if "category" in by:
        sk = t.skus
        ev = ev.join(sk, ev.sku_id == sk.sku_id)
    keys = {b: ev[ecols[b]] for b in by}
    keys["stage"] = ev.event_type.cast("string")
    return (
        ev.group_by(**keys)
        .agg(users=ev.user_id.nunique(), sessions=ev.session_id.nunique(), events=ev.count())
        .order_by([*by, "stage"])
    )


def touch_events(
    t: Tables,
    *,
    touch: str = "click",
    start: TimeLike = None,
    end: TimeLike = None,
) -> ir.Table:
    """Ordered touches and conversions per user: the raw material of attribution paths.

    Rows are the user's ``touch`` events (a channel visit) and ``pay`` events with ``seq`` =
    position in the user's timeline, ordered by (ts, session_id, event rank): an explicit
    tie-breaker so every engine numbers them identically. Paths are assembled from these rows by
    ``omni_core.models`` (no ordered aggregate is needed in the engine).
    """
    if touch not in {"exposure", "click", "page_view"}:
        raise ValueError(f"touch must be exposure, click or page_view, got {touch!r}")
    e = t.events
    ev = e.filter(e.event_type.isin([touch, "pay"]), *_window(e.ts, start, end))
    ev = ev.mutate(is_conversion=(ev.event_type == "pay"))
    ev = ev.mutate(
        seq=ibis.row_number().over(
            group_by=ev.user_id, order_by=[ev.ts, ev.session_id, ev.is_conversion]
        )
    )
    return ev.select("user_id", "seq", "ts", "session_id", "channel_id", "is_conversion").order_by(
        ["user_id", "seq"]
    )


def rfm(t: Tables, *, asof: TimeLike = None) -> ir.Table:
    """Per-user RFM and the BG/NBD summary (frequency, recency, T) from paid orders.

    ``purchase_days`` counts distinct purchase days; ``frequency`` = purchase_days - 1 (repeat
    purchases, Fader-Hardie-Lee 2005); ``recency_days`` = last - first purchase DAY (whole days, so
    several orders on one day give frequency 0 and recency 0, as BG/NBD requires); ``T_days`` =
    asof - first purchase day; ``days_since_last`` = asof - last purchase; from epoch seconds.
    """
    o = t.orders
    paid = o.filter(o.pay_ts.notnull())
    if asof is not None:
        paid = paid.filter(paid.pay_ts < ibis.timestamp(_ts(asof)))
    epoch = _epoch(paid.pay_ts)
    g = paid.group_by(paid.user_id).agg(
        orders=paid.count(),
        purchase_days=paid.pay_ts.date().nunique(),
        monetary=paid.amount.sum(),
        first_epoch=epoch.min(),
        last_epoch=epoch.max(),
    )
    # Day starts from epoch seconds: naive timestamps are UTC-like, so the day of epoch second e
    # starts at e - e mod 86400 (the same as truncating the timestamp to its day).
    g = g.mutate(
        first_day=(g.first_epoch // 86400) * 86400, last_day=(g.last_epoch // 86400) * 86400
    )
    if asof is None:  # the last payment: the largest per-user last payment (no second scan)
        asof_epoch = g.last_epoch.max().as_scalar()
    else:
        asof_epoch = ibis.literal(int(_ts(asof).replace(tzinfo=dt.UTC).timestamp()))
    return g.mutate(
        frequency=g.purchase_days - 1,
        avg_value=g.monetary / g.orders,
        recency_days=(g.last_day - g.first_day) / 86400.0,
        T_days=(asof_epoch - g.first_day) / 86400.0,
        days_since_last=(asof_epoch - g.last_epoch) / 86400.0,
    ).order_by("user_id")


def _epoch(col: ir.TimestampValue) -> ir.IntegerValue:
    """Whole epoch seconds (floored): DuckDB returns fractions, Spark whole seconds."""
    return col.epoch_seconds().floor().cast("int64")


def time_range(t: Tables) -> ir.Table:
    """First and last event time of a dataset (an orders-only import: its order times)."""
    try:
        e = t.events
    except Exception:
        o = t.orders
        return o.agg(first_ts=o.order_ts.min(), last_ts=o.order_ts.max(), events=ibis.literal(0))
    return e.agg(first_ts=e.ts.min(), last_ts=e.ts.max(), events=e.count())


METRICS: dict[str, Any] = {
    "kpi_total": lambda t: kpis(t),
    "kpi_by_channel_day": lambda t: kpis(t, by=["channel"], bucket="day"),
    "kpi_by_province": lambda t: kpis(t, by=["province"]),
    "kpi_by_category_day": lambda t: kpis(t, by=["category"], bucket="day"),
    "kpi_by_campaign": lambda t: kpis(t, by=["campaign"]),
    "kpi_by_hour": lambda t: kpis(t, bucket="hour"),
    "funnel_by_channel": lambda t: funnel(t),
    "rfm": lambda t: rfm(t),
    "touch_events": lambda t: touch_events(t),
}
