"""The board snapshot: everything the war room shows, computed once per tick and shared.

Reads only the in-memory rollups, the alert list and the last orders, so its cost does not grow
with history.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from omni_core.live.incidents import KINDS
from omni_core.live.rollup import MINUTES, M
from omni_core.world.behaviour import Behaviour

if TYPE_CHECKING:
    from omni_core.live.engine import LiveEngine


def mask_name(name: str) -> str:
    """Buyer privacy on the big screen: 张伟 -> 张**, Anna -> A**."""
    name = (name or "").strip()
    return (name[0] + "**") if name else "***"


def _kpis(arr: np.ndarray | None, upto: int, uv: int, buyers: int) -> dict[str, float | None]:
    if arr is None:
        s = np.zeros(len(M))
    else:
        s = arr[:upto, 0, :].sum(0)
    gmv, pays = s[M["gmv"]], s[M["pays"]]
    spend, att = s[M["spend"]], s[M["attributed_gmv"]]
    return {
        "gmv": gmv,
        "orders": pays,
        "uv": float(uv),
        "conversion": buyers / uv if uv else None,
        "aov": gmv / pays if pays else None,
        "roas": att / spend if spend > 0 else None,
        "refund_rate": s[M["refund_amount"]] / gmv if gmv > 0 else None,
    }


def campaign_status(model: Behaviour, now: dt.datetime) -> dict[str, Any]:
    """The current promo phase and a countdown to the next phase start (or to its end)."""
    today = now.date()
    table = model.day_table(today, 60)
    cur = table.phase[0] or ""
    nxt_i = next((i for i in range(1, 60) if table.phase[i] and table.phase[i] != cur), None)
    out: dict[str, Any] = {"current": cur, "event": table.event[0] or "daily"}
    if nxt_i is not None:
        start = dt.datetime.combine(table.dates[nxt_i], dt.time())
        out.update(next=table.phase[nxt_i], next_event=table.event[nxt_i],
                   countdown_s=(start - now).total_seconds())  # fmt: skip
    return out


def build_snapshot(engine: LiveEngine) -> dict[str, Any]:
    """The board's data at the engine's current minute."""
    now = engine.t
    today = now.date()
    yday = today - dt.timedelta(days=1)
    upto = now.hour * 60 + now.minute
    ro = engine.rollup
    g = engine.groups
    t_arr = ro.days.get(today)
    y_arr = ro.days.get(yday)
    uv_t, uv_y = engine.visitors.count(today, upto), engine.visitors.count(yday, upto)
    b_t, b_y = engine.buyers.count(today, upto), engine.buyers.count(yday, upto)
    k_today = _kpis(t_arr, upto, uv_t, b_t)
    k_yday = _kpis(y_arr, upto, uv_y, b_y)
    expected, lower, upper = engine.baseline.band(today, 0, "gmv", z=3.0)
    observed = ro.series(today, upto, 0, "gmv")
    minutes = pd.date_range(dt.datetime.combine(today, dt.time()), periods=MINUTES, freq="min")
    target = float(expected.sum()) * 1.1
    per_min = pd.DataFrame({
        "minute": minutes, "expected": expected, "lower": lower, "upper": upper,
        "gmv": np.concatenate([observed, np.full(MINUTES - upto, np.nan)]),
    })  # fmt: skip

    def split(dim: str, labels: list[str]) -> pd.DataFrame:
        sl = g.slice(dim)
        if t_arr is None:
            vals = np.zeros((len(labels), 2))
        else:
            part = t_arr[:upto, sl, :]
            vals = np.stack([part[:, :, M["gmv"]].sum(0), part[:, :, M["pays"]].sum(0)], 1)
        y = y_arr[:upto, sl, M["gmv"]].sum(0) if y_arr is not None else np.zeros(len(labels))
        df = pd.DataFrame(
            {"key": labels, "gmv": vals[:, 0], "orders": vals[:, 1], "gmv_yesterday": y}
        )
        return df.sort_values("gmv", ascending=False, ignore_index=True)

    ticker = []
    lo = engine.last_orders
    if len(lo):
        for r in lo.sort_values("pay_ts", ascending=False).head(12).itertuples(index=False):
            u = int(r.user_id) - 1
            ticker.append({
                "time": pd.Timestamp(r.pay_ts).strftime("%H:%M:%S"),
                "buyer": mask_name(engine.user_name[u] if 0 <= u < len(engine.user_name) else ""),
                "city": engine.user_city[u] if 0 <= u < len(engine.user_city) else "",
                "channel": str(r.channel_id), "amount": float(r.amount),
            })  # fmt: skip
    stock = []
    for sku, st in engine.stock.items():
        rate_h = sum(st["sold_recent"]) / max(len(st["sold_recent"]), 1) * 60
        stock.append({
            "sku_id": int(sku), "name": str(engine.sku_name.get(sku, sku)),
            "on_hand": st["on_hand"], "safety_stock": st["ss"], "reorder_point": st["rop"],
            "sold_today": st["sold_today"], "cover_h": st["on_hand"] / rate_h if rate_h > 0 else None,
            "on_order": st["on_order"],
        })  # fmt: skip
    incidents = [
        {"id": i.id, "kind": i.kind, "name_zh": KINDS[i.kind][0], "name_en": KINDS[i.kind][1],
         "target": i.target, "magnitude": i.magnitude, "start": i.start}
        for i in engine.incidents if i.active(now)
    ]  # fmt: skip
    tick = engine.tick_seconds[-50:]
    return {
        "now": now,
        "dataset": engine.dataset,
        "speed": engine.clock.speed,
        "paused": engine.clock.paused,
        "campaign": campaign_status(engine.ctx.model, now),
        "kpi": k_today,
        "kpi_yesterday": k_yday,
        "target": target,
        "per_minute": per_min,
        "by_channel": split("channel", g.channels),
        "by_province": split("province", g.geo),
        "by_category": split("category", g.categories),
        "ticker": ticker,
        "stock": pd.DataFrame(stock),
        "alerts": engine.alerts.active_alerts(),
        "recent_alerts": engine.alerts.history()[:30],
        "incidents": incidents,
        "ticks": engine.ticks,
        "tick_ms": float(np.median(tick) * 1e3) if tick else None,
    }
