"""Chapter 01 (全域营销概念与行业趋势): the omni-channel overview of one dataset.

``analyse`` returns small frames and scalars: GMV / orders / buyers by channel type, online vs
offline and public vs private domain shares, the live-commerce share of e-commerce GMV, the number
of channels a buyer touched before paying (by age band) and the member effects (AOV lift and the
customer-lifetime difference estimated by ``omni_core.models.lifetime``). The document's figures
are in ``DOC``. Missing tables are reported in ``missing`` as (中文, English) sentences.

Helpers shared by the chapter 01-03 analyses (``need``, ``channel_table``) live here too.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from omni_core.metrics import channels as mc
from omni_core.models.lifetime import fit_lifetime
from omni_core.warehouse import Warehouse

DAYS_PER_MONTH = 365.25 / 12
DOC = {
    "live_share": 0.35,  # doc ch.1: live GMV > 35 % of e-commerce (2023)
    "genz_platforms": 5.2,  # doc ch.1: Gen Z uses 5.2 platforms to decide a purchase
    "member_aov_lift": 0.40,  # doc ch.1: member AOV +40 %
    "member_retention_months": 2.3,  # doc ch.1: member retention +2.3 months
}
Note = tuple[str, str]


def need(have: set[str], tables: tuple[str, ...], zh: str, en: str) -> Note | None:
    """A (中文, English) note when some of ``tables`` are missing, else None."""
    lacking = [t for t in tables if t not in have]
    if not lacking:
        return None
    names = ", ".join(lacking)
    return (
        f"缺少数据表 {names}：无法计算{zh}。",
        f"Missing table(s) {names}: cannot compute {en}.",
    )


def channel_table(wh: Warehouse, dataset: str, have: set[str]) -> tuple[ir.Table, Note | None]:
    """The dataset's ``channels`` table, or the reference channel list with a note."""
    if "channels" in have:
        return wh.tables(dataset).channels, None
    return mc.reference_channels(), (
        "数据集没有 channels 表：渠道类型取自内置的参考渠道表，未知渠道记为 unknown。",
        "The dataset has no channels table: channel types come from the built-in reference "
        "list; unknown channels are shown as 'unknown'.",
    )


def analyse(wh: Warehouse, dataset: str, *, lookback_days: int = 14) -> dict[str, Any]:
    """Everything the chapter 01 page shows (see the module docstring)."""
    have = set(wh.table_names(dataset))
    out: dict[str, Any] = {"missing": [], "doc": DOC, "lookback_days": lookback_days}
    if "orders" not in have:
        out["missing"].append(need(have, ("orders",), "GMV、订单与买家", "GMV, orders and buyers"))
        return out
    t = wh.tables(dataset)
    ch, note = channel_table(wh, dataset, have)
    if note:
        out["missing"].append(note)
    total = wh.query(mc.sales_total(t)).iloc[0]
    out["total"] = {k: float(total[k] or 0) for k in ("gmv", "orders", "buyers")}
    by_type = wh.query(mc.sales_by_channel_type(t, ch))
    by_type["gmv_share"] = by_type["gmv"] / max(by_type["gmv"].sum(), 1e-9)
    out["by_type"] = by_type
    out["domains"] = domain_shares(wh.query(mc.domain_split(t, ch)))
    out["live"] = live_share(wh.query(mc.live_gmv(t, ch, bucket="day")))
    out["members"] = member_effects(wh.query(mc.member_sales(t)))
    n = need(have, ("events", "users"), "购买前触达的平台数", "platforms touched before purchase")
    if n:
        out["missing"].append(n)
    else:
        dist = wh.query(mc.platforms_by_age(t, lookback_days=lookback_days))
        out["platforms"] = platform_summary(dist)
    n = need(
        have, ("events", "users"), "会员留存（客户寿命）", "member retention (customer lifetime)"
    )
    if n:
        out["missing"].append(n)
    else:
        out["lifetime"] = lifetime_by_membership(wh.query(mc.visit_history(t)))
    return out


def domain_shares(split: pd.DataFrame) -> pd.DataFrame:
    """GMV, orders and buyers shares of online/offline and public/private (long frame)."""
    rows = []
    gmv = split["gmv"].sum()
    for dim, pos, neg in (("online", "online", "offline"), ("public", "public", "private")):
        col = "is_online" if dim == "online" else "is_public"
        flag = split[col].astype("boolean")
        for name, m in ((pos, flag.fillna(False)), (neg, ~flag.fillna(True))):
            g = float(split.loc[m.to_numpy(dtype=bool), "gmv"].sum())
            rows.append({"split": dim, "part": name, "gmv": g, "share": g / gmv if gmv else np.nan})
    return pd.DataFrame(rows)


def live_share(daily: pd.DataFrame) -> dict[str, Any]:
    """Live-room share of e-commerce (online) GMV: overall, by channel type and by day."""
    on = daily[daily["is_online"].astype("boolean").fillna(True).to_numpy(dtype=bool)]
    live = on[on["is_live"].astype(bool)]
    total = float(on["gmv"].sum())
    by_type = on.groupby("channel_type", as_index=False)["gmv"].sum()
    lt = live.groupby("channel_type")["gmv"].sum()
    by_type["live_gmv"] = by_type["channel_type"].map(lt).fillna(0.0)
    by_type["share"] = by_type["live_gmv"] / by_type["gmv"].where(by_type["gmv"] > 0)
    day = on.groupby("bucket", as_index=False)["gmv"].sum()
    ld = live.groupby("bucket")["gmv"].sum()
    day["live_gmv"] = day["bucket"].map(ld).fillna(0.0)
    day = day.sort_values("bucket", ignore_index=True)
    day["share"] = day["live_gmv"] / day["gmv"].where(day["gmv"] > 0)
    roll = day[["gmv", "live_gmv"]].rolling(7, min_periods=1).sum()
    day["share_7d"] = roll["live_gmv"] / roll["gmv"].where(roll["gmv"] > 0)
    return {
        "share": float(live["gmv"].sum()) / total if total else float("nan"),
        "live_gmv": float(live["gmv"].sum()),
        "online_gmv": total,
        "by_type": by_type,
        "daily": day,
    }


def platform_summary(dist: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Share of paid orders by number of channels touched, and the mean, per age band."""
    d = dist.copy()
    d["share"] = d["orders"] / d.groupby("age_band")["orders"].transform("sum")
    d["w"] = d["orders"] * d["n_platforms"]
    g = d.groupby("age_band", as_index=False).agg(orders=("orders", "sum"), w=("w", "sum"))
    g["mean_platforms"] = g["w"] / g["orders"]
    return {"distribution": d.drop(columns="w"), "mean": g.drop(columns="w")}


def member_effects(ms: pd.DataFrame) -> dict[str, float]:
    """AOV and orders per buyer of member vs non-member orders, and the AOV lift.

    The lift's 95 % interval uses the delta method on log(AOV_m / AOV_n):
    var = sd_m^2 / (n_m AOV_m^2) + sd_n^2 / (n_n AOV_n^2).
    """
    m = ms.set_index(ms["is_member"].astype(bool))

    def val(flag: bool, col: str) -> float:
        return float(m.loc[flag, col]) if flag in m.index else float("nan")

    aov_m = val(True, "gmv") / val(True, "orders")
    aov_n = val(False, "gmv") / val(False, "orders")
    se = np.sqrt(
        val(True, "amount_sd") ** 2 / (val(True, "orders") * aov_m**2)
        + val(False, "amount_sd") ** 2 / (val(False, "orders") * aov_n**2)
    )
    lift = aov_m / aov_n
    return {
        "aov_member": aov_m,
        "aov_non_member": aov_n,
        "aov_lift": lift - 1,
        "aov_lift_low": lift * np.exp(-1.96 * se) - 1,
        "aov_lift_high": lift * np.exp(1.96 * se) - 1,
        "orders_per_buyer_member": val(True, "orders") / val(True, "buyers"),
        "orders_per_buyer_non_member": val(False, "orders") / val(False, "buyers"),
        "gmv_member": val(True, "gmv"),
        "gmv_non_member": val(False, "gmv"),
    }


def lifetime_by_membership(
    hist: pd.DataFrame, min_users: int = 50, max_users: int = 200_000
) -> pd.DataFrame:
    """Mean customer lifetime (days and months) of members and non-members with 95 % CIs.

    Groups larger than ``max_users`` are fitted on a seeded random sample of that size (the
    interval then reflects the sample), which keeps very large worlds responsive.
    """
    rows = []
    h = hist[hist["is_member"].notna()]
    for flag in (True, False):
        g = h[h["is_member"].astype(bool) == flag]
        if len(g) < min_users:
            continue
        if len(g) > max_users:
            g = g.sample(n=max_users, random_state=np.random.default_rng(0))
        f = fit_lifetime(g["x"], g["t_x"], g["T"])
        rows.append({"is_member": flag, **f})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    for c in ("lifetime", "lifetime_low", "lifetime_high"):
        out[c + "_months"] = out[c] / DAYS_PER_MONTH
    return out


def lifetime_gap(lt: pd.DataFrame) -> dict[str, float]:
    """Member minus non-member lifetime (months) with a 95 % interval (delta method)."""
    if lt is None or len(lt) < 2:
        return {"months": float("nan"), "low": float("nan"), "high": float("nan")}
    m = lt.set_index("is_member")
    a, b = m.loc[True], m.loc[False]
    se = np.hypot(a["lifetime"] * a["se_log_mu"], b["lifetime"] * b["se_log_mu"])
    diff = a["lifetime"] - b["lifetime"]
    return {
        "months": diff / DAYS_PER_MONTH,
        "low": (diff - 1.96 * se) / DAYS_PER_MONTH,
        "high": (diff + 1.96 * se) / DAYS_PER_MONTH,
        "ratio": a["lifetime"] / b["lifetime"],
    }
