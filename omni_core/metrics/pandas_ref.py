"""Plain pandas versions of the metrics: the oracle of the metric tests and the benchmark baseline.

They follow the definitions in ``omni_core.metrics.core`` literally, written the obvious pandas way
(filter, merge, groupby), and are never used by pages.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from omni_core.metrics.core import MEASURES

_FREQ = {"minute": "min", "hour": "h", "day": "D", "week": "W"}
_COLS = {"channel": "channel_id", "province": "province", "campaign": "campaign_id",
         "category": "category_id"}  # fmt: skip


def _bucket(ts: pd.Series, bucket: str) -> pd.Series:
    if bucket == "week":  # ISO week starting Monday, like DATE_TRUNC('week')
        d = ts.dt.floor("D")
        return d - pd.to_timedelta(d.dt.day_of_week, unit="D")
    return ts.dt.floor(_FREQ[bucket])


def _group(df: pd.DataFrame, by: Sequence[str], bucket: str | None, ts: str) -> list[str]:
    keys = []
    if bucket is not None:
        df["bucket"] = _bucket(df[ts], bucket)
        keys.append("bucket")
    for b in by:
        df[b] = df[_COLS[b]]
        keys.append(b)
    return keys


def kpis_pd(
    tables: dict[str, pd.DataFrame], by: Sequence[str] = (), bucket: str | None = None
) -> pd.DataFrame:
    """The KPI set in pandas (same definitions as ``metrics.kpis``)."""
    o = tables["orders"]
    paid = o[o["pay_ts"].notna()].copy()
    parts = []
    if "category" in by:
        rel = paid.merge(tables["order_lines"], on="order_id").merge(
            tables["skus"][["sku_id", "category_id"]], on="sku_id"
        )
        share = np.where(rel["gross_amount"] > 0, rel["amount"] / rel["gross_amount"], 0.0)
        rel["_amt"] = rel["line_amount"] * share
        rel["_att"] = np.where(rel["campaign_id"].notna(), rel["_amt"], 0.0)
        keys = _group(rel, by, bucket, "pay_ts")
        sales = _agg(rel, keys, gmv=("_amt", "sum"), orders=("order_id", "nunique"),
                     buyers=("user_id", "nunique"), attributed_gmv=("_att", "sum"))  # fmt: skip
    else:
        paid["_att"] = np.where(paid["campaign_id"].notna(), paid["amount"], 0.0)
        keys = _group(paid, by, bucket, "pay_ts")
        sales = _agg(paid, keys, gmv=("amount", "sum"), orders=("order_id", "size"),
                     buyers=("user_id", "nunique"), attributed_gmv=("_att", "sum"))  # fmt: skip
    parts.append(sales)
    e = tables["events"]
    ev = e[e["event_type"] == "page_view"].copy()
    if "category" in by:
        ev = ev.merge(tables["skus"][["sku_id", "category_id"]], on="sku_id")
    keys = _group(ev, by, bucket, "ts")
    parts.append(_agg(ev, keys, uv=("user_id", "nunique")))
    r = tables["returns"]
    rr = r[r["refund_ts"].notna()]
    rel = paid.merge(rr[["order_id", "refund_amount"]], on="order_id")
    if "category" in by:
        rel = rel.merge(tables["order_lines"], on="order_id").merge(
            tables["skus"][["sku_id", "category_id"]], on="sku_id"
        )
        share = np.where(rel["gross_amount"] > 0, rel["line_amount"] / rel["gross_amount"], 0.0)
        rel["_ref"] = rel["refund_amount"] * share
    else:
        rel["_ref"] = rel["refund_amount"]
    keys = _group(rel, by, bucket, "pay_ts")
    parts.append(_agg(rel, keys, refund_amount=("_ref", "sum")))
    if set(by) <= {"channel", "campaign"}:
        a = tables["ad_spend"].copy()
        keys = _group(a, by, bucket, "ts_hour")
        parts.append(_agg(a, keys, spend=("spend", "sum")))
    keys = (["bucket"] if bucket else []) + list(by)
    allp = pd.concat(parts, ignore_index=True)
    for m in MEASURES:
        if m not in allp:
            allp[m] = 0.0
    allp[list(MEASURES)] = allp[list(MEASURES)].astype(float).fillna(0.0)
    if keys:
        for k in keys:
            if allp[k].dtype == "category":
                allp[k] = allp[k].astype(str)
        out = allp.groupby(keys, as_index=False, dropna=False)[list(MEASURES)].sum()
        out = out.sort_values(keys, ignore_index=True)
    else:
        out = allp[list(MEASURES)].sum().to_frame().T
    with np.errstate(divide="ignore", invalid="ignore"):
        out["conversion"] = np.where(out["uv"] > 0, out["buyers"] / out["uv"], np.nan)
        out["aov"] = np.where(out["orders"] > 0, out["gmv"] / out["orders"], np.nan)
        out["refund_rate"] = np.where(out["gmv"] > 0, out["refund_amount"] / out["gmv"], np.nan)
        out["roas"] = np.where(out["spend"] > 0, out["attributed_gmv"] / out["spend"], np.nan)
    return out


def _agg(df: pd.DataFrame, keys: list[str], **named: tuple[str, str]) -> pd.DataFrame:
    if keys:
        return df.groupby(keys, as_index=False, observed=True, dropna=False).agg(**named)
    return pd.DataFrame({k: [df[c].agg(f) if len(df) else 0] for k, (c, f) in named.items()})


def funnel_pd(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Distinct users/sessions/events per channel and stage."""
    e = tables["events"]
    g = e.groupby(["channel_id", "event_type"], observed=True).agg(
        users=("user_id", "nunique"), sessions=("session_id", "nunique"), events=("ts", "size")
    )
    g = g.reset_index().rename(columns={"channel_id": "channel", "event_type": "stage"})
    g["channel"] = g["channel"].astype(str)
    g["stage"] = g["stage"].astype(str)
    return g.sort_values(["channel", "stage"], ignore_index=True)


def rfm_pd(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per-user RFM and BG/NBD summary from paid orders (asof = last payment)."""
    o = tables["orders"]
    p = o[o["pay_ts"].notna()].copy()
    asof = p["pay_ts"].max()
    p["day"] = p["pay_ts"].dt.floor("D")
    g = p.groupby("user_id").agg(
        orders=("order_id", "size"),
        purchase_days=("day", "nunique"),
        monetary=("amount", "sum"),
        first=("pay_ts", "min"),
        last=("pay_ts", "max"),
    )
    g["frequency"] = g["purchase_days"] - 1
    g["avg_value"] = g["monetary"] / g["orders"]
    secs = lambda x: (x - pd.Timestamp("1970-01-01")).dt.total_seconds().astype("int64")  # noqa: E731
    first_day = secs(g["first"].dt.floor("D"))
    g["recency_days"] = (secs(g["last"].dt.floor("D")) - first_day) / 86400
    g["T_days"] = (int((asof - pd.Timestamp("1970-01-01")).total_seconds()) - first_day) / 86400
    g["days_since_last"] = (
        int((asof - pd.Timestamp("1970-01-01")).total_seconds()) - secs(g["last"])
    ) / 86400
    return g.reset_index().drop(columns=["first", "last"]).sort_values("user_id", ignore_index=True)


def touch_events_pd(tables: dict[str, pd.DataFrame], touch: str = "click") -> pd.DataFrame:
    """Touches and conversions per user in timeline order with ``seq`` (0-based)."""
    e = tables["events"]
    ev = e[e["event_type"].isin([touch, "pay"])].copy()
    ev["is_conversion"] = ev["event_type"] == "pay"
    ev = ev.sort_values(["user_id", "ts", "session_id", "is_conversion"], kind="stable")
    ev["seq"] = ev.groupby("user_id").cumcount()
    ev["channel_id"] = ev["channel_id"].astype(str)
    return ev[["user_id", "seq", "ts", "session_id", "channel_id", "is_conversion"]].reset_index(
        drop=True
    )
