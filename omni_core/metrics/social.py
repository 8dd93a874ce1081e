"""Social-commerce metrics (ch.5): invites, group buys, referral offspring, the private community.

Definitions:

- an invite is a ``shares`` row (one invitee of one share); ``clicked``/``converted`` are the
  invitee's response; ``generation`` 1 = invited by an original user, 2 = by a converted invitee.
- group buys: a ``group_buy_<n>`` group completes when at least ``n - 1`` invitees converted (the
  sharer is the group leader).
- offspring of a sharer: the converted invitees of all its shares in a generation.
- community interaction: a private-domain (``wecom``) event beyond the exposure (click, visit,
  favorite, cart, order, pay) of a member; community GMV: paid ``wecom`` orders.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from omni_core.warehouse import Tables

PRIVATE_CHANNEL = "wecom"


def share_funnel(t: Tables) -> ir.Table:
    """Invites, clicks, conversions, shares and sharers by generation, mechanic and channel."""
    s = t.shares
    return (
        s.group_by(["generation", "mechanic", "channel_id"])
        .agg(
            invites=s.count(),
            clicked=s.clicked.cast("int64").sum(),
            converted=s.converted.cast("int64").sum(),
            shares=s.share_id.nunique(),
            sharers=s.sharer_id.nunique(),
        )
        .order_by(["generation", "mechanic", "channel_id"])
    )


def group_buy_groups(t: Tables) -> ir.Table:
    """One row per group-buy group: mechanic, generation, invitees, clicks and conversions."""
    s = t.shares
    g = s.filter(s.group_id.notnull(), s.mechanic.startswith("group_buy_"))
    return (
        g.group_by(["group_id", "mechanic", "generation"])
        .agg(
            invitees=g.count(),
            clicked=g.clicked.cast("int64").sum(),
            converted=g.converted.cast("int64").sum(),
        )
        .order_by("group_id")
    )


def offspring_histogram(t: Tables, *, generation: int = 1) -> ir.Table:
    """Number of sharers of a generation by how many converted invitees they brought."""
    s = t.shares
    g = s.filter(s.generation == generation)
    per = g.group_by(g.sharer_id).agg(offspring=g.converted.cast("int64").sum())
    return per.group_by("offspring").agg(sharers=per.count()).order_by("offspring")


def second_degree(t: Tables) -> ir.Table:
    """Converted first-generation invitees, and those of them who brought a converted invitee."""
    s = t.shares
    first = s.filter(s.generation == 1, s.converted)
    conv = first.select(uid=first.invitee_id).distinct()
    g2 = s.filter(s.generation == 2)
    g2 = g2.group_by(uid2=g2.sharer_id).agg(conv2=g2.converted.cast("int64").sum())
    g2 = g2.filter(g2.conv2 > 0)
    j = conv.left_join(g2, conv.uid == g2.uid2)
    return j.agg(
        converted_invitees=j.uid.nunique(),
        with_conversion=j.uid2.nunique(),
    )


def buyer_counts(t: Tables) -> ir.Table:
    """Paid orders, buyers, GMV, first and last payment time of the dataset."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    return p.agg(
        orders=p.count(),
        buyers=p.user_id.nunique(),
        gmv=p.amount.sum(),
        first_ts=p.pay_ts.min(),
        last_ts=p.pay_ts.max(),
    )


def gross_margin(t: Tables) -> ir.Table:
    """Paid amount and the cost of goods of paid orders (lines x SKU unit cost)."""
    o = t.orders
    p = o.filter(o.pay_ts.notnull())
    ln = t.order_lines
    sk = t.skus
    rel = p.join(ln, p.order_id == ln.order_id).join(sk, ln.sku_id == sk.sku_id)
    cost = rel.agg(cost=(rel.qty * rel.cost).sum())
    amount = p.agg(amount=p.amount.sum())
    return amount.cross_join(cost)


def paid_acquisition(t: Tables) -> ir.Table:
    """Ad spend and the distinct buyers of campaign-attributed paid orders (paid-media CAC)."""
    a = t.ad_spend
    o = t.orders
    p = o.filter(o.pay_ts.notnull(), o.campaign_id.notnull())
    spend = a.agg(spend=a.spend.sum())
    buyers = p.agg(paid_buyers=p.user_id.nunique())
    return spend.cross_join(buyers)


def community_members(t: Tables) -> ir.Table:
    """Members of the private community with their join time."""
    u = t.users
    m = u.filter(u.private_join_ts.notnull())
    return m.select(user_id=m.user_id, join_ts=m.private_join_ts).order_by("user_id")


def community_daily(t: Tables) -> ir.Table:
    """Per member and day: community interactions, community GMV, converted invitees referred."""
    e = t.events
    ev = e.filter(e.channel_id == PRIVATE_CHANNEL, e.event_type != "exposure")
    inter = ev.group_by(user_id=ev.user_id, ts=ev.ts.truncate("D")).agg(
        interactions=ev.count().cast("float64")
    )
    o = t.orders
    p = o.filter(o.pay_ts.notnull(), o.channel_id == PRIVATE_CHANNEL)
    sales = p.group_by(user_id=p.user_id, ts=p.pay_ts.truncate("D")).agg(gmv=p.amount.sum())
    s = t.shares
    sc = s.filter(s.converted)
    refs = sc.group_by(user_id=sc.sharer_id, ts=sc.ts.truncate("D")).agg(
        referred=sc.count().cast("float64")
    )
    zero = ibis.literal(0.0, "float64")

    def keys(rel: ir.Table) -> dict[str, ir.Value]:  # nullable key types shared by every part
        return {"user_id": rel.user_id.cast("int64"), "ts": rel.ts.cast("timestamp")}

    parts = [
        inter.select(**keys(inter), interactions=inter.interactions, gmv=zero, referred=zero),
        sales.select(
            **keys(sales), interactions=zero, gmv=sales.gmv.cast("float64"), referred=zero
        ),
        refs.select(**keys(refs), interactions=zero, gmv=zero, referred=refs.referred),
    ]
    u = parts[0].union(parts[1], distinct=False).union(parts[2], distinct=False)
    return (
        u.group_by(["user_id", "ts"])
        .agg(interactions=u.interactions.sum(), gmv=u.gmv.sum(), referred=u.referred.sum())
        .order_by(["user_id", "ts"])
    )


def community_first_purchase(t: Tables) -> ir.Table:
    """Per member: join time and the first paid community order after joining (null if none)."""
    u = t.users
    m = u.filter(u.private_join_ts.notnull())
    o = t.orders
    p = o.filter(o.pay_ts.notnull(), o.channel_id == PRIVATE_CHANNEL)
    j = m.join(p, m.user_id == p.user_id)
    j = j.filter(j.pay_ts >= j.private_join_ts)
    first = j.group_by(fid=j.user_id).agg(first_pay_ts=j.pay_ts.min())
    mm = m.select(user_id=m.user_id, join_ts=m.private_join_ts)
    out = mm.left_join(first, mm.user_id == first.fid)
    return out.select("user_id", "join_ts", "first_pay_ts").order_by("user_id")
