"""Data-platform and automation metrics (chapter 09): ``tables, params -> ibis.Table``.

Definitions:

- cart abandon: a session with a ``cart`` event and no ``order`` event; its time is the session's
  first cart event, its value the list price of the carted SKU.
- unpaid order: an order with no ``pay_ts``.
- user features: per user, paid orders, paid amount, distinct purchase days, first and last pay
  time (epoch seconds), coupon orders, distinct channels bought in, abandoned carts; plus the
  ``users`` attributes. Users without a paid order have zero counts and NULL times.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from omni_core.warehouse import Tables


def _epoch(col: ir.TimestampValue) -> ir.IntegerValue:
    return col.epoch_seconds().floor().cast("int64")


def cart_abandons(t: Tables) -> ir.Table:
    """Sessions with a cart and no order: user, channel, first cart time and carted SKU value."""
    e = t.events
    ev = e.filter(e.event_type.isin(["cart", "order"]))
    is_cart = ev.event_type == "cart"
    s = ev.group_by(ev.session_id).agg(
        user_id=ev.user_id.max(),
        channel_id=ev.channel_id.cast("string").max(),
        cart_ts=ibis.ifelse(is_cart, ev.ts, None).min(),
        sku_id=ibis.ifelse(is_cart, ev.sku_id, None).max(),
        orders=(ev.event_type == "order").cast("int64").sum(),
    )
    s = s.filter(s.orders == 0, s.cart_ts.notnull())
    sk = t.skus.select("sku_id", "price")
    j = s.left_join(sk, s.sku_id == sk.sku_id)
    return j.select(
        "session_id", "user_id", "channel_id", "cart_ts", sku_id=j.sku_id,
        value=j.price.fill_null(0.0),
    ).order_by(["cart_ts", "session_id"])  # fmt: skip


def unpaid_orders(t: Tables) -> ir.Table:
    """Orders never paid: user, channel, order time and amount."""
    o = t.orders
    u = o.filter(o.pay_ts.isnull())
    return u.select(
        "order_id", "user_id", channel_id=u.channel_id.cast("string"), order_ts=u.order_ts,
        value=u.amount,
    ).order_by(["order_ts", "order_id"])  # fmt: skip


def pay_times(t: Tables) -> ir.Table:
    """Every paid order's user, pay time and amount (conversion outcomes)."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    return p.select("user_id", "pay_ts", "amount").order_by(["user_id", "pay_ts"])


def buyer_features(t: Tables) -> ir.Table:
    """Per-buyer purchase, coupon and channel features from the orders table alone."""
    o = t.orders
    paid = o.filter(o.pay_ts.notnull())
    return (
        paid.group_by(paid.user_id)
        .agg(
            orders=paid.count(),
            monetary=paid.amount.sum(),
            purchase_days=paid.pay_ts.date().nunique(),
            first_epoch=_epoch(paid.pay_ts).min(),
            last_epoch=_epoch(paid.pay_ts).max(),
            coupon_orders=paid.coupon_used.cast("int64").sum(),
            channels=paid.channel_id.nunique(),
        )
        .order_by("user_id")
    )


def user_features(t: Tables) -> ir.Table:
    """Per-user purchase, coupon, channel and cart features joined to the users table."""
    buy = buyer_features(t)
    ab = cart_abandons(t)
    carts = ab.group_by(ab.user_id).agg(abandoned_carts=ab.count())
    u = t.users.select(
        "user_id", "gender", "age_band", "city_tier", "province", "is_member", "member_tier",
        "acquisition_channel", private=t.users.private_join_ts.notnull(),
    )  # fmt: skip
    j = u.left_join(buy, u.user_id == buy.user_id).left_join(carts, u.user_id == carts.user_id)
    return j.select(
        "user_id", "gender", "age_band", "city_tier", "province", "is_member", "member_tier",
        "acquisition_channel", "private",
        orders=j.orders.fill_null(0), monetary=j.monetary.fill_null(0.0),
        purchase_days=j.purchase_days.fill_null(0), first_epoch=j.first_epoch,
        last_epoch=j.last_epoch, coupon_orders=j.coupon_orders.fill_null(0),
        channels=j.channels.fill_null(0), abandoned_carts=j.abandoned_carts.fill_null(0),
    ).order_by("user_id")  # fmt: skip
