"""Per-user metrics behind profiles, tags, audiences, lookalike, creatives and journeys (ch. 03).

Definitions: behaviour counts are events of the user (``page_view`` = browse, ``click``,
``favorite``, ``cart``); a session counts at its exposure; spend counts paid orders (``pay_ts``
set). Category interest joins events to ``skus`` for the category of the product shown. Every
function takes ``t: Tables`` (+ parameters) and returns an ``ibis.Table`` and follows the
portability rules of ``omni_core.metrics.core``.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from omni_core.metrics.core import TimeLike, _epoch, _window, touch_events
from omni_core.warehouse import Tables

BEHAVIOUR_EVENTS = ("page_view", "click", "favorite", "cart")


def _count_if(cond: ir.BooleanValue) -> ir.IntegerValue:
    return cond.cast("int64").sum()


def user_spend(t: Tables, *, start: TimeLike = None, end: TimeLike = None) -> ir.Table:
    """Per buyer: paid orders, GMV, coupon orders, discount and first/last payment."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull(), *_window(o.pay_ts, start, end))
    return (
        p.group_by("user_id")
        .agg(
            orders=p.count(),
            gmv=p.amount.sum(),
            coupon_orders=_count_if(p.coupon_used.fill_null(False)),
            discount=p.discount.sum(),
            first_pay=p.pay_ts.min(),
            last_pay=p.pay_ts.max(),
        )
        .order_by("user_id")
    )


def user_behaviour(t: Tables, *, start: TimeLike = None, end: TimeLike = None) -> ir.Table:
    """Per user: sessions, active days, browse/click/favorite/cart counts, live sessions."""
    e = t.events
    e = e.filter(*_window(e.ts, start, end))
    et = e.event_type.cast("string")
    is_expo = et == "exposure"
    return (
        e.group_by("user_id")
        .agg(
            sessions=_count_if(is_expo),
            active_days=e.ts.truncate("D").nunique(),
            views=_count_if(et == "page_view"),
            clicks=_count_if(et == "click"),
            favorites=_count_if(et == "favorite"),
            carts=_count_if(et == "cart"),
            live_sessions=_count_if(is_expo & (e.source.cast("string") == "live").fill_null(False)),
            last_event_s=_epoch(e.ts).max(),
        )
        .order_by("user_id")
    )


def category_interest(t: Tables, *, start: TimeLike = None, end: TimeLike = None) -> ir.Table:
    """Per user and category: browse, click, favorite and cart events (long format)."""
    e = t.events
    e = e.filter(
        e.event_type.cast("string").isin(list(BEHAVIOUR_EVENTS)), *_window(e.ts, start, end)
    )
    s = t.skus.select(_sku="sku_id", category_id="category_id")
    j = e.join(s, e.sku_id == s._sku)
    et = j.event_type.cast("string")
    return (
        j.group_by(["user_id", "category_id"])
        .agg(
            views=_count_if(et == "page_view"),
            clicks=_count_if(et == "click"),
            favorites=_count_if(et == "favorite"),
            carts=_count_if(et == "cart"),
        )
        .order_by(["user_id", "category_id"])
    )


def channel_sessions(t: Tables, *, start: TimeLike = None, end: TimeLike = None) -> ir.Table:
    """Per user and channel: sessions (exposures), long format."""
    e = t.events
    e = e.filter(e.event_type == "exposure", *_window(e.ts, start, end))
    return (
        e.group_by(user_id=e.user_id, channel=e.channel_id.cast("string"))
        .agg(sessions=e.count())
        .order_by(["user_id", "channel"])
    )


def pay_span(t: Tables) -> ir.Table:
    """One row: first and last payment time of the dataset."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    return p.agg(first=p.pay_ts.min(), last=p.pay_ts.max())


def category_buyers(
    t: Tables, category_id: str, *, start: TimeLike = None, end: TimeLike = None
) -> ir.Table:
    """Distinct buyers with a paid order containing the category within the window."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull(), *_window(o.pay_ts, start, end))
    ln = t.order_lines
    s = t.skus.filter(t.skus.category_id == category_id).select(_sku="sku_id")
    j = p.join(ln, p.order_id == ln.order_id).join(s, ln.sku_id == s._sku)
    return j.group_by("user_id").agg(orders=j.order_id.nunique()).order_by("user_id")


def category_buyer_counts(t: Tables) -> ir.Table:
    """Distinct buyers with a paid order per category, most buyers first (ties by category id)."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    ln = t.order_lines
    s = t.skus.select(_sku="sku_id", _cat="category_id")
    j = p.join(ln, p.order_id == ln.order_id).join(s, ln.sku_id == s._sku)
    g = j.group_by(category_id=j._cat).agg(buyers=j.user_id.nunique())
    return g.order_by([g.buyers.desc(), g.category_id])


def creative_cells(t: Tables, *, coupon_share: float = 0.5) -> ir.Table:
    """Exposures and clicks of paid sessions per creative and observable user segment.

    Segments: ``young`` = age band 18-24 (Gen Z), ``senior`` = 35 and over, ``coupon`` = a buyer
    whose share of paid orders with a coupon is at least ``coupon_share``. One row per
    (creative, theme, young, senior, coupon) with ``exposures`` (sessions) and ``clicks``.
    """
    if not 0 < coupon_share <= 1:
        raise ValueError(f"coupon_share must be in (0, 1], got {coupon_share!r}")
    e = t.events
    et = e.event_type.cast("string")
    s = e.filter(e.creative_id.notnull(), et.isin(["exposure", "click"]))
    per = s.group_by(["session_id", "user_id", "creative_id"]).agg(
        clicked=_count_if(s.event_type.cast("string") == "click")
    )
    u = t.users.select(_uid="user_id", age_band=t.users.age_band.cast("string"))
    sp = user_spend(t)
    sp = sp.select(_sid="user_id", _cs=sp.coupon_orders / sp.orders)
    c = t.creatives.select(_cid="creative_id", theme=t.creatives.theme.cast("string"))
    j = per.left_join(u, per.user_id == u._uid).left_join(sp, per.user_id == sp._sid)
    j = j.join(c, j.creative_id == c._cid)
    young = (j.age_band == "18-24").fill_null(False)
    senior = j.age_band.isin(["35-39", "40-49", "50+"]).fill_null(False)
    coupon = (j._cs >= coupon_share).fill_null(False)
    j = j.mutate(young=young, senior=senior, coupon=coupon)
    return (
        j.group_by(["creative_id", "theme", "young", "senior", "coupon"])
        .agg(exposures=j.count(), clicks=_count_if(j.clicked > 0))
        .order_by(["creative_id", "young", "senior", "coupon"])
    )


def conversion_touches(
    t: Tables, *, touch: str = "click", start: TimeLike = None, end: TimeLike = None
) -> ir.Table:
    """``touch_events`` with the paid value of each conversion (the order of its session)."""
    te = touch_events(t, touch=touch, start=start, end=end)
    o = t.orders
    paid = o.filter(o.pay_ts.notnull()).select(_sess="session_id", value="amount")
    j = te.left_join(paid, te.session_id == paid._sess)
    value = ibis.ifelse(j.is_conversion, j.value.fill_null(0.0), 0.0)
    return j.select(
        "user_id", "seq", "ts", "session_id", "channel_id", "is_conversion", value=value
    ).order_by(["user_id", "seq"])


def purchase_devices(t: Tables, *, lookback_days: int = 7) -> ir.Table:
    """Per paid order: device of the first touch in the look-back window and device that paid.

    The first touch is the buyer's earliest event from ``lookback_days`` days before the payment
    (ties broken by session and event time); the paying device is that of the ``pay`` event of
    the order's session. Returns ``order_id``, ``first_device``, ``first_type``, ``pay_device``,
    ``pay_type``.
    """
    if not isinstance(lookback_days, int) or not 1 <= lookback_days <= 60:
        raise ValueError(f"lookback_days must be an integer in 1..60, got {lookback_days!r}")
    e = t.events
    pay = e.filter(e.event_type == "pay").select(
        _ps="session_id", _pu="user_id", pay_ts="ts", pay_device="device_id",
        pay_type=e.device_type.cast("string"),
    )  # fmt: skip
    o = t.orders
    paid = o.filter(o.pay_ts.notnull()).select("order_id", _os="session_id")
    p = paid.join(pay, paid._os == pay._ps)
    ev = e.select(_eu="user_id", _ets="ts", _esid="session_id", _edev="device_id",
                  _etype=e.device_type.cast("string"))  # fmt: skip
    j = p.join(
        ev,
        [p._pu == ev._eu, ev._ets <= p.pay_ts,
         ev._ets >= p.pay_ts - ibis.interval(days=lookback_days)],
    )  # fmt: skip
    j = j.mutate(
        _rk=ibis.row_number().over(group_by=j.order_id, order_by=[j._ets, j._esid, j._edev])
    )
    first = j.filter(j._rk == 0)
    return first.select(
        "order_id", first_device="_edev", first_type="_etype", pay_device="pay_device",
        pay_type="pay_type",
    ).order_by("order_id")  # fmt: skip


def user_devices(t: Tables) -> ir.Table:
    """Per user: distinct devices and device types seen in events."""
    e = t.events
    return (
        e.group_by("user_id")
        .agg(devices=e.device_id.nunique(), device_types=e.device_type.cast("string").nunique())
        .order_by("user_id")
    )


def identity_links(t: Tables) -> ir.Table:
    """Per person (ground-truth ``user_id``): records, platforms, devices and noise flags.

    ``device_records`` counts records carrying a device id and ``devices`` their distinct device
    ids: when ``devices < device_records`` at least two records share a device fingerprint and
    can be linked by it.
    """
    r = t.identity_records
    return (
        r.group_by("user_id")
        .agg(
            records=r.count(),
            platforms=r.source.nunique(),
            device_records=_count_if(r.device_id.notnull()),
            devices=r.device_id.nunique(),
            shared_noise=_count_if(r.noise == "shared_device"),
        )
        .order_by("user_id")
    )
