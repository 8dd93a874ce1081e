"""Loyalty metrics (ch.7): rolling member spend at evaluation dates, the points ledger, redemptions.

Definitions:

- rolling spend of a member at evaluation date ``s``: paid amount and paid orders with
  ``pay_ts`` in ``[s - window, s)``.
- points: ``earn_*`` rows are issued points, ``redeem`` and ``expire`` rows (negative) are
  redeemed and expired points; a member's balance is the signed sum.
- GMV after a redemption: the redeeming member's paid orders within ``window_days`` after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from omni_core.metrics.core import _epoch
from omni_core.warehouse import Tables


def members(t: Tables) -> ir.Table:
    """Members of the loyalty programme (``users.is_member``) with the world's end tier."""
    u = t.users
    m = u.filter(u.is_member)
    return m.select("user_id", "member_tier").order_by("user_id")


def order_members(t: Tables) -> ir.Table:
    """Users flagged as members on any of their orders (the member list of orders-only imports)."""
    o = t.orders
    m = o.filter(o.is_member)
    return m.select(user_id=m.user_id).distinct().order_by("user_id")


def window_spend(t: Tables, snapshots: Sequence[dt.datetime], window_days: float) -> ir.Table:
    """Per evaluation date and buyer: paid amount and orders in the window before the date."""
    if not snapshots:
        raise ValueError("at least one evaluation date is needed")
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    parts = []
    for s in snapshots:
        lo = ibis.timestamp(s - dt.timedelta(days=float(window_days)))
        w = p.filter(p.pay_ts >= lo, p.pay_ts < ibis.timestamp(s))
        parts.append(
            w.group_by(user_id=w.user_id.cast("int64"))
            .agg(spend=w.amount.sum().cast("float64"), orders=w.count().cast("int64"))
            .mutate(snapshot=ibis.literal(s, "timestamp"))
        )
    u = parts[0]
    for q in parts[1:]:
        u = u.union(q, distinct=False)
    return u.order_by(["snapshot", "user_id"])


def points_by_kind(t: Tables) -> ir.Table:
    """Points, movements and members per ledger kind and channel."""
    pl = t.points_ledger
    return (
        pl.group_by(["kind", "channel_id"])
        .agg(points=pl.points.sum(), movements=pl.count(), members=pl.user_id.nunique())
        .order_by(["kind", "channel_id"])
    )


def earners_by_kind(t: Tables) -> ir.Table:
    """Distinct members with at least one movement of each ledger kind, and all members."""
    pl = t.points_ledger
    by = pl.group_by("kind").agg(members=pl.user_id.nunique())
    total = pl.agg(all_members=pl.user_id.nunique())
    return by.cross_join(total).order_by("kind")


def gift_redemptions(t: Tables) -> ir.Table:
    """Per gift: redemptions, redeemed points (positive) and distinct redeemers."""
    pl = t.points_ledger
    r = pl.filter(pl.kind == "redeem", pl.gift_id.notnull())
    return (
        r.group_by("gift_id")
        .agg(redemptions=r.count(), points=(-r.points).sum(), redeemers=r.user_id.nunique())
        .order_by("gift_id")
    )


def member_points(t: Tables) -> ir.Table:
    """Per member: issued, redeemed and expired points (positive), balance, first and last ts."""
    pl = t.points_ledger
    earn = pl.kind.startswith("earn")
    return (
        pl.group_by("user_id")
        .agg(
            issued=pl.points.sum(where=earn).fill_null(0),
            redeemed=(-pl.points).sum(where=pl.kind == "redeem").fill_null(0),
            expired=(-pl.points).sum(where=pl.kind == "expire").fill_null(0),
            balance=pl.points.sum(),
            redemptions=pl.count(where=pl.kind == "redeem"),
            first_ts=pl.ts.min(),
            last_ts=pl.ts.max(),
        )
        .order_by("user_id")
    )


def ledger_span(t: Tables) -> ir.Table:
    """First and last movement of the points ledger."""
    pl = t.points_ledger
    return pl.agg(first_ts=pl.ts.min(), last_ts=pl.ts.max())


def redemption_gmv(t: Tables, *, window_days: float = 30.0) -> ir.Table:
    """Per gift: redemptions, points and the redeemers' paid GMV within the window after each.

    An order within the window of two redemptions of the same member counts for both.
    """
    pl = t.points_ledger
    r = pl.filter(pl.kind == "redeem")
    r = r.select(
        rid=ibis.row_number().over(order_by=[r.ts, r.user_id, r.gift_id, r.points]),
        ruid=r.user_id,
        gift_id=r.gift_id,
        pts=-r.points,
        rts=_epoch(r.ts),
    )
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    p = p.select(ouid=p.user_id, amount=p.amount, pts_o=_epoch(p.pay_ts))
    j = r.left_join(
        p,
        [
            r.ruid == p.ouid,
            p.pts_o >= r.rts,
            p.pts_o < r.rts + int(round(float(window_days) * 86400)),
        ],
    )
    per = j.group_by(["rid", "gift_id", "pts"]).agg(gmv=j.amount.sum().fill_null(0.0))
    return (
        per.group_by("gift_id")
        .agg(redemptions=per.count(), points=per.pts.sum(), gmv_after=per.gmv.sum())
        .order_by("gift_id")
    )
