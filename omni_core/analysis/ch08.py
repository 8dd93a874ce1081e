"""Chapter 08 inventory and fulfilment: the frames and numbers the screen shows.

Sections and the tables each needs (imports may hold only some tables; a section whose tables are
missing is reported in ``missing(...)`` and not computed):

- stock view, accuracy and stock-outs: ``inventory_snapshots``, ``locations``, ``skus``;
- demand forecast, backtest, safety stock and replenishment: ``orders``, ``order_lines``,
  ``skus`` (and the stock tables for replenishment);
- allocation with reservations and oversell risk: ``orders``, ``order_lines``, ``skus``;
- carrier routing: ``orders``, ``provinces``, ``carriers``;
- returns: ``returns``, ``orders``, ``carriers``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from omni_core.analysis import missing_note  # noqa: F401 - re-exported for the page
from omni_core.metrics import inventory as mi
from omni_core.models import forecast as fc
from omni_core.models import inventory as inv
from omni_core.models import routing as ro
from omni_core.reference import RETURN_GRADES, RETURN_REASONS
from omni_core.warehouse import Warehouse
from omni_core.world.behaviour import Behaviour
from omni_core.world.build import LEAD_DAYS
from omni_core.world.params import WorldParams

NEEDS: dict[str, tuple[str, ...]] = {
    "stock": ("inventory_snapshots", "locations", "skus"),
    "forecast": ("orders", "order_lines", "skus"),
    "allocation": ("orders", "order_lines", "skus"),
    "routing": ("orders", "provinces", "carriers"),
    "returns": ("returns", "orders", "carriers"),
}
DOC_ACCURACY = 0.999  # doc ch.8: stock accuracy >= 99.9%
DOC_STOCKOUT = 0.03  # doc ch.8: stock-out rate < 3%
DOC_COST_CUT = 0.15  # doc ch.8: logistics cost -15%
DOC_DAYS = 1.8  # doc ch.8: average delivery 1.8 days
DOC_REFUND_FROM, DOC_REFUND_TO = 72.0, 4.0  # doc ch.8: refund time 72 h -> 4 h
DOC_REVERSE_CUT = 0.30  # doc ch.8: reverse logistics cost -30%


def missing(wh: Warehouse, dataset: str) -> dict[str, list[str]]:
    """Per section, the tables the dataset lacks (empty list = the section can be computed)."""
    have = set(wh.table_names(dataset))
    return {k: [t for t in v if t not in have] for k, v in NEEDS.items()}


def promo_multipliers(first: dt.date, days: int) -> np.ndarray:
    """The promo calendar's planned demand multiplier per day (world defaults; see forecast)."""
    params = WorldParams(start=first, days=max(days, 1))
    table = Behaviour(params).day_table(first, days)
    return fc.calendar_multiplier(
        table.traffic, table.cart, table.order, table.hour_peak, params.hour_profile
    )


# ---------------------------------------------------------------------- stock view
def stock_view(wh: Warehouse, dataset: str) -> dict[str, Any]:
    """One stock view over every location, stock accuracy and stock-outs."""
    t = wh.tables(dataset)
    snap = wh.query(mi.stock_on(t))
    q = wh.query(mi.stock_quality(t))
    snap["value"] = snap["on_hand"] * snap["cost"]
    snap["below_rop"] = (
        snap["on_hand"] + snap["on_order"] - snap["backlog"] <= snap["reorder_point"]
    )
    by_loc = (
        snap.groupby(["kind", "location_id", "loc_name"], as_index=False)
        .agg(
            skus=("sku_id", "nunique"),
            on_hand=("on_hand", "sum"),
            counted=("counted", "sum"),
            on_order=("on_order", "sum"),
            backlog=("backlog", "sum"),
            value=("value", "sum"),
            zero_stock=("on_hand", lambda s: int((s == 0).sum())),
            below_rop=("below_rop", "sum"),
        )
        .sort_values(["kind", "location_id"], ignore_index=True)
    )
    daily = q.groupby("date", as_index=False)[
        ["rows", "exact_rows", "book_units", "gap_units", "zero_rows", "backlog_rows"]
    ].sum()
    daily["accuracy"] = daily["exact_rows"] / daily["rows"]
    daily["stockout_rate"] = daily["zero_rows"] / daily["rows"]
    kinds = q.groupby("kind", as_index=False)[
        ["rows", "exact_rows", "book_units", "gap_units", "zero_rows", "backlog_rows"]
    ].sum()
    kinds["accuracy"] = kinds["exact_rows"] / kinds["rows"]
    kinds["unit_accuracy"] = 1 - kinds["gap_units"] / kinds["book_units"].clip(lower=1)
    kinds["stockout_rate"] = kinds["zero_rows"] / kinds["rows"]
    tot = daily[
        ["rows", "exact_rows", "book_units", "gap_units", "zero_rows", "backlog_rows"]
    ].sum()
    return {
        "asof": pd.Timestamp(snap["date"].max()).date() if len(snap) else None,
        "snapshot": snap,
        "by_location": by_loc,
        "daily": daily,
        "by_kind": kinds,
        "accuracy": float(tot["exact_rows"] / tot["rows"]) if tot["rows"] else float("nan"),
        "unit_accuracy": float(1 - tot["gap_units"] / max(tot["book_units"], 1)),
        "stockout_rate": float(tot["zero_rows"] / tot["rows"]) if tot["rows"] else float("nan"),
        "backlog_rate": float(tot["backlog_rows"] / tot["rows"]) if tot["rows"] else float("nan"),
        "units": int(snap["on_hand"].sum()),
        "value": float(snap["value"].sum()),
    }


# ---------------------------------------------------------------------- demand panel
def demand_panel(wh: Warehouse, dataset: str) -> dict[str, Any]:
    """Daily units per SKU x location as a matrix, its dates and the calendar multipliers."""
    d = wh.query(mi.daily_demand(wh.tables(dataset)))
    if d.empty:
        raise ValueError("no paid order lines: demand cannot be forecast")
    d["date"] = pd.to_datetime(d["date"]).dt.date
    d["location_id"] = d["location_id"].fillna("UNKNOWN")
    first, last = d["date"].min(), d["date"].max()
    dates = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    if len(dates) < 28:
        raise ValueError(
            f"the forecast needs at least 28 days of orders, the data has {len(dates)}"
        )
    y = (
        d.pivot_table(index=["sku_id", "location_id"], columns="date", values="units",
                      aggfunc="sum", fill_value=0)
        .reindex(columns=dates, fill_value=0)
        .sort_index()
    )  # fmt: skip
    promo = promo_multipliers(first, len(dates) + 60)
    return {"y": y, "dates": dates, "promo": promo}


def _groups(y: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """SKU and location codes of the panel's series (the forecast's cell prior)."""
    idx = y.index.to_frame(index=False)
    return pd.factorize(idx["sku_id"])[0], pd.factorize(idx["location_id"])[0]


def backtest_summary(panel: dict[str, Any], level: float = 0.8) -> dict[str, Any]:
    """Rolling-origin backtest: accuracy of model vs seasonal naive at four levels, coverage."""
    y, dates, promo = panel["y"], panel["dates"], panel["promo"]
    bt = fc.backtest(y.to_numpy(), dates, promo[: len(dates)], level=level, groups=_groups(y))
    keys = y.index.to_frame(index=False)
    bt = bt.join(keys, on="series")
    views = {
        "sku_location_day": bt,
        "sku_location_7d": bt.groupby(["series", "origin"])[["actual", "forecast", "naive"]].sum(),
        "location_day": bt.groupby(["location_id", "origin", "h"])[
            ["actual", "forecast", "naive"]
        ].sum(),
        "total_day": bt.groupby(["origin", "h"])[["actual", "forecast", "naive"]].sum(),
    }
    rows = []
    for name, v in views.items():
        m, n = fc.accuracy(v), fc.accuracy(v, forecast="naive")
        rows.append({"level": name, "wape": m["wape"], "naive_wape": n["wape"],
                     "mape": m["mape"], "naive_mape": n["mape"], "bias": m["bias"],
                     "points": m["points"]})  # fmt: skip
    loc_y = y.groupby(level="location_id").sum()
    bl = fc.backtest(loc_y.to_numpy(), dates, promo[: len(dates)], level=level)
    cov = {
        "sku_location": float(((bt["actual"] >= bt["lo"]) & (bt["actual"] <= bt["hi"])).mean()),
        "sku_location_content": float(bt["content"].mean()),
        "location": float(((bl["actual"] >= bl["lo"]) & (bl["actual"] <= bl["hi"])).mean()),
        "location_content": float(bl["content"].mean()),
        "nominal": level,
    }
    by_day = bt.groupby("date", as_index=False)[["actual", "forecast", "naive"]].sum()
    return {"table": pd.DataFrame(rows), "coverage": cov, "by_day": by_day,
            "origins": int(bt["origin"].nunique())}  # fmt: skip


def _lead(kind: pd.Series) -> np.ndarray:
    return kind.map(LEAD_DAYS).fillna(3).to_numpy(dtype=float)


def forecast_view(
    wh: Warehouse,
    dataset: str,
    panel: dict[str, Any],
    *,
    sku_id: int,
    location_id: str | None,
    level: float = 0.8,
    horizon: int = 7,
    seed: int = 8,
) -> dict[str, Any]:
    """History and ``horizon``-day forecast with interval of one SKU at one location (or all)."""
    y, dates, promo = panel["y"], panel["dates"], panel["promo"]
    if sku_id not in y.index.get_level_values("sku_id"):
        raise ValueError(f"SKU {sku_id} has no demand in this dataset")
    shape = fc.shape_of(y.to_numpy(), dates, promo[: len(dates)])
    sel = y.loc[sku_id]
    if location_id is not None:
        if location_id not in sel.index:
            raise ValueError(f"SKU {sku_id} has no demand at {location_id}")
        sel = sel.loc[[location_id]]
    series = sel.to_numpy().sum(0, keepdims=True)
    m = fc.fit(series, dates, promo[: len(dates)], shape=shape)
    fut = [dates[-1] + dt.timedelta(days=i) for i in range(1, horizon + 1)]
    fpromo = promo[len(dates) : len(dates) + horizon]
    mean = fc.predict(m, fut, fpromo)
    iv = fc.interval(mean, m.phi[:, None], level)
    hist = pd.DataFrame({"date": dates, "units": series[0]}).tail(42)
    fut_df = pd.DataFrame({"date": fut, "forecast": mean[0], "lo": iv["lo"][0],
                           "hi": iv["hi"][0], "promo": fpromo})  # fmt: skip
    return {"history": hist, "forecast": fut_df, "phi": float(m.phi[0]),
            "weekday": shape[0], "beta": shape[1], "growth": shape[2]}  # fmt: skip


def replenishment_plan(
    wh: Warehouse,
    dataset: str,
    panel: dict[str, Any],
    *,
    service_level: float = 0.95,
    review_days: int = 7,
) -> pd.DataFrame:
    """Safety stock, reorder point, days of cover and the order suggestion per SKU x location."""
    y, dates, promo = panel["y"], panel["dates"], panel["promo"]
    if not 1 <= review_days <= 28:
        raise ValueError("review period must be 1-28 days")
    m = fc.fit(y.to_numpy(), dates, promo[: len(dates)], groups=_groups(y))
    ahead = 14 + 28
    fut = [dates[-1] + dt.timedelta(days=i) for i in range(1, ahead + 1)]
    mean = fc.predict(m, fut, promo[len(dates) : len(dates) + ahead])
    snap = wh.query(mi.stock_on(wh.tables(dataset)))
    keys = y.index.to_frame(index=False)
    keys["row"] = np.arange(len(keys))
    plan = snap.merge(keys, on=["sku_id", "location_id"], how="left")
    row = plan["row"].fillna(-1).astype(int).to_numpy()
    has = row >= 0
    lead = _lead(plan["kind"])
    cum = np.concatenate([np.zeros((len(y), 1)), np.cumsum(mean, axis=1)], axis=1)
    li = np.clip(lead.astype(int), 0, ahead)
    ri = np.clip(li + review_days, 0, ahead)
    d_lead = np.where(has, cum[np.maximum(row, 0), li], 0.0)
    d_review = np.where(has, cum[np.maximum(row, 0), ri] - d_lead, 0.0)
    d7 = np.where(has, cum[np.maximum(row, 0), 7], 0.0)
    sigma = np.where(has, m.resid_sd[np.maximum(row, 0)], 0.0)
    ss = inv.safety_stock(sigma, lead, service_level)
    rop = inv.reorder_point(d_lead, ss)
    rep = inv.replenishment(plan["on_hand"], plan["on_order"], plan["backlog"], rop, d_review)
    out = plan[["sku_id", "location_id", "kind", "category_id", "is_hot", "on_hand", "on_order",
                "backlog"]].copy()  # fmt: skip
    out["forecast_7d"] = d7
    out["sigma_d"] = sigma
    out["lead_days"] = lead
    out["safety_stock"] = np.ceil(ss)
    out["reorder_point"] = np.ceil(rop)
    out["days_of_cover"] = inv.days_of_cover(plan["on_hand"], d7 / 7.0)
    out["order_qty"] = rep["order_qty"]
    out["reorder"] = rep["reorder"]
    out["world_safety_stock"] = plan["safety_stock"]
    out["world_reorder_point"] = plan["reorder_point"]
    return out.sort_values(["reorder", "days_of_cover", "sku_id"], ascending=[False, True, True],
                           ignore_index=True)  # fmt: skip


def water_level(wh: Warehouse, dataset: str, sku_id: int, location_id: str) -> pd.DataFrame:
    """Daily book stock of one SKU at one location with the world's recorded policy lines."""
    h = wh.query(mi.stock_history(wh.tables(dataset), sku_ids=[sku_id], location_ids=[location_id]))
    return h[["date", "on_hand", "counted", "on_order", "backlog", "safety_stock", "reorder_point"]]


# ---------------------------------------------------------------------- allocation
def _promo_hours(year: int) -> np.ndarray:
    """Relative demand per hour over Nov 10-11 (48 h) from the calendar (ordinary hour = 1)."""
    start = dt.date(year, 11, 10)
    params = WorldParams(start=start, days=2)
    beh = Behaviour(params)
    lam = beh.minute_intensity(start, 2).reshape(2 * 24, 60).mean(1)
    tab = beh.day_table(start, 2)
    conv = np.repeat(tab.cart * tab.order, 24)
    return lam * conv


def allocation_scenario(
    wh: Warehouse,
    dataset: str,
    *,
    sku_id: int,
    stock: int,
    presale_share: float = 0.3,
    balance_rate: float = 0.85,
    flash_qty: int = 50,
    flash_channel: str = "douyin",
    flash_pay_rate: float = 0.7,
    demand_scale: float = 1.0,
    stock_left: int = 10,
    delay_s: float = 60.0,
    seed: int = 11,
) -> dict[str, Any]:
    """Double 11 hour by hour for one SKU: channel quotas, pre-sale and flash holds, releases.

    Channel weights = the SKU's paid units by channel; expected demand per hour = the channel's
    average hourly units x the calendar's Nov 10-11 hourly intensity x ``demand_scale``.
    Pre-sale deposits hold ``presale_share`` of stock from hour 0 until the balance is due
    (Nov 11 00:00-01:00, hour 24-25); the flash sale holds ``flash_qty`` on ``flash_channel`` at
    Nov 11 20:00 with a 30-minute payment window. ``oversell`` holds :func:`oversell_table` at
    the peak minute rate for ``stock_left`` units and a ``delay_s`` stock sync delay.
    """
    if not 0 <= presale_share <= 0.9 or not 0 <= balance_rate <= 1 or not 0 <= flash_pay_rate <= 1:
        raise ValueError("shares and pay rates must be within [0, 1] (pre-sale at most 90%)")
    if stock < 1 or flash_qty < 0 or demand_scale <= 0:
        raise ValueError("stock must be >= 1, flash quantity >= 0 and demand scale > 0")
    t = wh.tables(dataset)
    cd = wh.query(mi.channel_sku_demand(t))
    cd = cd[cd["sku_id"] == sku_id]
    if cd.empty:
        raise ValueError(f"SKU {sku_id} has no paid units")
    span = wh.query(t.orders.agg(first=t.orders.pay_ts.min(), last=t.orders.pay_ts.max()))
    hours = max((span["last"][0] - span["first"][0]).total_seconds() / 3600.0, 24.0)
    cd = cd.sort_values("units", ascending=False).head(6)
    channels = tuple(cd["channel_id"])
    if flash_channel not in channels:
        flash_channel = channels[0]
    rate = cd["units"].to_numpy(dtype=float) / hours
    year = pd.Timestamp(span["last"][0]).year
    curve = _promo_hours(year)
    demand = np.outer(curve, rate) * demand_scale
    holds = [
        inv.PromoHold("presale", channels[0], int(round(stock * presale_share)), 0, 24, 25,
                      balance_rate),
        inv.PromoHold("flash", flash_channel, int(flash_qty), 44, 44.5, 45, flash_pay_rate),
    ]  # fmt: skip
    rows = inv.simulate_reservations(stock, channels, tuple(cd["units"].astype(float)), demand,
                                     holds, np.random.default_rng(seed))  # fmt: skip
    sim = pd.DataFrame(rows)
    sim["ts"] = pd.Timestamp(dt.date(year, 11, 10)) + pd.to_timedelta(sim["hour"], unit="h")
    peak = demand.max(axis=0) / 60.0
    return {
        "sim": sim,
        "oversell": oversell_table(channels, peak, stock_left=stock_left, delay_s=delay_s),
        "channels": channels,
        "weights": cd["units"].to_numpy(dtype=float),
        "quotas_start": inv.allocate(stock, cd["units"].to_numpy(dtype=float)),
        "peak_rate_per_min": peak,
        "flash_channel": flash_channel,
    }


def oversell_table(
    channels: tuple[str, ...],
    peak_rate_per_min: np.ndarray,
    *,
    stock_left: int,
    delay_s: float,
    eps: float = 0.01,
) -> dict[str, Any]:
    """Oversell risk per platform at the peak minute rate for a sync delay, and the buffer.

    ``curve``: the oversell probability per sync window for each number of units left, i.e. how
    many units to hide from the platforms (the buffer) to keep the risk under ``eps``.
    """
    if delay_s < 0 or stock_left < 0:
        raise ValueError("delay and stock must be >= 0")
    delay = delay_s / 60.0
    risk = inv.oversell_risk(peak_rate_per_min, stock_left, delay)
    buffer = inv.sync_buffer(float(np.sum(peak_rate_per_min)), delay, eps)
    table = pd.DataFrame({
        "channel_id": list(channels),
        "rate_per_min": peak_rate_per_min,
        "sales_in_window": peak_rate_per_min * delay,
        "oversold_per_window": risk["oversold_by_channel"],
    })  # fmt: skip
    stocks = np.arange(0, max(2 * buffer + 3, 12))
    curve = pd.DataFrame({
        "stock_left": stocks,
        "p_oversell": [inv.oversell_risk(peak_rate_per_min, int(k), delay)["p_oversell"]
                       for k in stocks],
    })  # fmt: skip
    return {"table": table, "p_oversell": risk["p_oversell"], "buffer": buffer, "curve": curve,
            "eps": eps}  # fmt: skip


# ---------------------------------------------------------------------- routing
def routing_view(
    wh: Warehouse, dataset: str, *, target_days: float = DOC_DAYS, max_share: float = 0.4
) -> dict[str, Any]:
    """Current carrier mix vs the LP plan at a mean-days target, the frontier and backups."""
    t = wh.tables(dataset)
    lanes = wh.query(mi.carrier_lanes(t))
    car = wh.query(t.carriers)
    lanes = lanes.merge(car[["carrier", "cost_per_parcel", "scope", "name_zh", "name_en"]],
                        on="carrier")  # fmt: skip
    lanes = lanes[lanes["scope"] == "domestic"].reset_index(drop=True)
    if lanes.empty:
        raise ValueError("no delivered domestic parcels with a carrier")
    w = lanes["parcels"]
    current = {
        "parcels": float(w.sum()),
        "cost_per_parcel": float((w * lanes["cost_per_parcel"]).sum() / w.sum()),
        "mean_days": float((w * lanes["mean_days"]).sum() / w.sum()),
    }
    try:
        frontier = ro.cost_frontier(lanes, max_share=max_share)
    except ValueError:
        frontier = pd.DataFrame(columns=["target_days", "parcels", "cost_per_parcel", "mean_days"])
    try:
        plan = ro.optimise_routing(lanes, target_days=target_days, max_share=max_share)
        error = None
    except ValueError as e:
        plan, error = None, str(e)
    planned = None
    if plan is not None:
        v = plan["planned"]
        planned = {
            "parcels": float(v.sum()),
            "cost_per_parcel": float((v * plan["cost_per_parcel"]).sum() / v.sum()),
            "mean_days": float((v * plan["mean_days"]).sum() / v.sum()),
        }
    try:
        same_days = ro.optimise_routing(
            lanes, target_days=current["mean_days"], max_share=max_share
        )
        sv = same_days["planned"]
        same = float((sv * same_days["cost_per_parcel"]).sum() / sv.sum())
    except ValueError:  # today's speed is out of reach under the share cap
        same = float("nan")
    return {
        "lanes": lanes,
        "current": current,
        "plan": plan,
        "planned": planned,
        "error": error,
        "frontier": frontier,
        "backups": ro.backup_carriers(plan) if plan is not None else None,
        "saving_same_days": 1 - same / current["cost_per_parcel"],
    }


# ---------------------------------------------------------------------- returns
def returns_view(
    wh: Warehouse,
    dataset: str,
    *,
    instant_max_amount: float = 200.0,
    recovery: dict[str, float] | None = None,
    economy_carrier: str = "yunda",
) -> dict[str, Any]:
    """Scenarios x grades, refund hours (and an instant-refund what-if), reverse-cost levers.

    Instant refund what-if: requests up to ``instant_max_amount`` for reasons where the buyer
    keeps no risk (size, 7-day no-reason, wrong item, price protection) are refunded on request
    (taken as 0.1 h); the others keep their observed times.
    Reverse-cost levers: (1) economy reverse carrier: reverse cost modelled as ``a + b x forward
    carrier cost`` (least squares on the returns) and re-priced at the economy carrier's cost;
    (2) returnless refunds where the expected recovery is below the reverse cost.
    """
    if instant_max_amount < 0:
        raise ValueError("the instant-refund amount limit must be >= 0")
    t = wh.tables(dataset)
    r = wh.query(mi.returns_detail(t))
    if r.empty:
        raise ValueError("no returns in this dataset")
    car = wh.query(t.carriers).set_index("carrier")["cost_per_parcel"]
    matrix = pd.crosstab(r["reason"], r["grade"]).reindex(columns=list(RETURN_GRADES),
                                                           fill_value=0)  # fmt: skip
    hours = r["refund_hours"].dropna()
    eligible = r["reason"].isin(["size", "no_reason_7d", "wrong_item", "price_protect"]) & (
        r["amount"] <= instant_max_amount
    )
    whatif = np.where(eligible, 0.1, r["refund_hours"])
    whatif = pd.Series(whatif)[r["refund_hours"].notna().to_numpy()]
    refund = {
        "median_h": float(hours.median()),
        "p90_h": float(hours.quantile(0.9)),
        "within_4h": float((hours <= DOC_REFUND_TO).mean()),
        "within_72h": float((hours <= DOC_REFUND_FROM).mean()),
        "whatif_median_h": float(whatif.median()),
        "whatif_within_4h": float((whatif <= DOC_REFUND_TO).mean()),
        "eligible_share": float(eligible.mean()),
        "pending": int(r["refund_hours"].isna().sum()),
    }
    # Lever 1: economy reverse carrier.
    fwd = r["carrier"].map(car).astype(float)
    ok = fwd.notna() & (r["reverse_cost"] > 0)
    b, a = np.polyfit(fwd[ok], r.loc[ok, "reverse_cost"], 1) if ok.sum() > 2 else (0.0, 0.0)
    econ = float(car.get(economy_carrier, np.nan))
    repriced = np.where(ok & (fwd > econ), r["reverse_cost"] - b * (fwd - econ), r["reverse_cost"])
    r["reverse_economy"] = np.maximum(repriced, 0.0)
    # Lever 2: returnless refunds (decided before grading, scored on the realised grade).
    pg = ro.grade_given_reason(r, RETURN_GRADES)
    pol = ro.returnless_policy(
        r.assign(reverse_cost=r["reverse_economy"]), pg, recovery or ro.DEFAULT_RECOVERY
    )
    base = float(r["reverse_cost"].sum())
    after1 = float(r["reverse_economy"].sum())
    after2 = float(pol.loc[~pol["returnless"], "reverse_cost"].sum())
    levers = pd.DataFrame({
        "lever": ["status_quo", "economy_carrier", "returnless"],
        "reverse_cost": [base, after1, after2],
    })  # fmt: skip
    levers["change"] = levers["reverse_cost"] / base - 1 if base > 0 else 0.0
    return {
        "returns": len(r),
        "matrix": matrix,
        "p_grade": pg,
        "hours": hours,
        "refund": refund,
        "levers": levers,
        "reverse_fit": {"a": float(a), "b": float(b)},
        "returnless_share": float(pol["returnless"].mean()),
        "recovery_lost": float(pol.loc[pol["returnless"], "realised_recovery"].sum()),
        "by_reason": r.groupby("reason", as_index=False).agg(
            returns=("return_id", "count"),
            refund=("refund_amount", "sum"),
            reverse_cost=("reverse_cost", "sum"),
            median_h=("refund_hours", "median"),
        ),  # fmt: skip
    }


def sku_choices(wh: Warehouse, dataset: str) -> pd.DataFrame:
    """SKUs with paid units, hot SKUs and best sellers first (for the selectors)."""
    t = wh.tables(dataset)
    units = wh.query(mi.channel_sku_demand(t)).groupby("sku_id")["units"].sum().rename("units")
    out = wh.query(t.skus).merge(units, left_on="sku_id", right_index=True)
    out = out.sort_values(["is_hot", "units", "sku_id"], ascending=[False, False, True])
    out["label"] = ("#" + out["sku_id"].astype(str) + " " + out["name"].fillna("")).str.strip()
    return out.reset_index(drop=True)


def reason_labels(lang: str = "zh") -> dict[str, str]:
    """Return scenario codes -> display names in a language."""
    return {code: (en if lang == "en" else zh) for code, zh, en in RETURN_REASONS}


COLUMNS: dict[str, tuple[str, str]] = {
    "kind": ("类型", "Kind"), "location_id": ("库位", "Location"), "loc_name": ("名称", "Name"),
    "skus": ("SKU 数", "SKUs"), "on_hand": ("在库", "On hand"), "counted": ("盘点", "Counted"),
    "on_order": ("在途", "On order"), "backlog": ("欠单", "Backlog"), "value": ("成本金额", "Value"),
    "zero_stock": ("零库存 SKU", "Zero-stock SKUs"), "below_rop": ("低于再订货点", "Below ROP"),
    "sku_id": ("SKU", "SKU"), "category_id": ("品类", "Category"), "is_hot": ("爆款", "Hot"),
    "forecast_7d": ("7 天预测", "Forecast 7 d"), "sigma_d": ("日误差 σ", "Daily error σ"),
    "lead_days": ("提前期（天）", "Lead time (d)"), "safety_stock": ("安全库存", "Safety stock"),
    "reorder_point": ("再订货点", "Reorder point"), "days_of_cover": ("可售天数", "Days of cover"),
    "order_qty": ("建议订货", "Order qty"), "reorder": ("需下单", "Reorder"),
    "world_safety_stock": ("系统安全库存", "Recorded SS"),
    "world_reorder_point": ("系统再订货点", "Recorded ROP"),
    "level": ("层级", "Level"), "wape": ("WAPE 模型", "WAPE model"),
    "naive_wape": ("WAPE 季节朴素", "WAPE naive"), "mape": ("MAPE 模型", "MAPE model"),
    "naive_mape": ("MAPE 季节朴素", "MAPE naive"), "bias": ("偏差", "Bias"),
    "points": ("点数", "Points"), "channel_id": ("渠道", "Channel"),
    "rate_per_min": ("峰值 件/分钟", "Peak units/min"),
    "sales_in_window": ("窗口内销量", "Sales per window"),
    "oversold_per_window": ("窗口超卖期望", "Expected oversold"), "region": ("区域", "Region"),
    "primary": ("主承运商", "Primary"), "primary_days": ("主·天数", "Primary days"),
    "primary_cost": ("主·元/单", "Primary yuan"), "backup": ("备用承运商", "Backup"),
    "backup_days": ("备·天数", "Backup days"), "backup_cost": ("备·元/单", "Backup yuan"),
    "reason": ("场景", "Scenario"), "returns": ("退货数", "Returns"),
    "refund": ("退款金额", "Refunded"), "reverse_cost": ("逆向成本", "Reverse cost"),
    "median_h": ("退款中位小时", "Median hours"),
}  # fmt: skip
LEVELS = {
    "sku_location_day": ("SKU×库位×天", "SKU×location×day"),
    "sku_location_7d": ("SKU×库位×7天合计", "SKU×location×7-day total"),
    "location_day": ("库位×天", "Location×day"), "total_day": ("全部×天", "Total×day"),
}  # fmt: skip


def labelled(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A display copy: known columns renamed to the language, reasons and levels translated."""
    i = 1 if lang == "en" else 0
    out = frame.copy()
    if "reason" in out.columns:
        out["reason"] = out["reason"].map(reason_labels(lang)).fillna(out["reason"])
    if "level" in out.columns:
        out["level"] = out["level"].map({k: v[i] for k, v in LEVELS.items()})
    return out.rename(columns={k: v[i] for k, v in COLUMNS.items()})


# Screen labels of chapter 08 (zh, en); chapter-local so the shared i18n table stays small.
TEXT: dict[str, tuple[str, str]] = {
    "title": ("08 全渠道库存与履约协同", "08 Inventory & fulfilment"),
    "caption": (
        "仓、店、平台一盘货：水位、预测补货、渠道分配与预占、承运路由、逆向物流。",
        "One stock over warehouses, stores and platforms: water levels, forecast and "
        "replenishment, allocation with reservations, carrier routing, returns.",
    ),
    "tab_stock": ("库存总览", "Stock view"),
    "tab_forecast": ("需求预测与补货", "Forecast & replenishment"),
    "tab_alloc": ("渠道分配与超卖", "Allocation & oversell"),
    "tab_route": ("承运路由", "Carrier routing"),
    "tab_returns": ("逆向物流", "Returns"),
    "accuracy": ("库存准确率（账实相符）", "Stock accuracy (book = count)"),
    "unit_accuracy": ("件数准确率", "Unit accuracy"),
    "stockout": ("缺货率", "Stock-out rate"),
    "vs_acc": ("{d:+.2f} pp vs 99.9%", "{d:+.2f} pp vs 99.9%"),
    "vs_so": ("余量 {d:+.2f} pp（上限 3%）", "{d:+.2f} pp under the 3% cap"),
    "units": ("在库件数", "Units on hand"),
    "value": ("库存成本金额", "Stock value at cost"),
    "doc_stock": (
        "文档：库存准确率 ≥ 99.9%，缺货率 < 3%。准确率 = 账面等于盘点的 SKU×库位占比；"
        "缺货率 = 日终零库存的 SKU×库位×天占比。",
        "doc: stock accuracy ≥ 99.9%, stock-out rate < 3%. Accuracy = share of SKU×locations "
        "whose book equals the count; stock-out rate = share of SKU×location-days ending at zero.",
    ),
    "doc_99": ("文档: 99.9%", "doc: 99.9%"),
    "doc_3": ("文档: 3%", "doc: 3%"),
    "daily_acc": ("每日库存准确率", "Daily stock accuracy"),
    "daily_so": ("每日缺货率", "Daily stock-out rate"),
    "location": ("库位", "Location"),
    "all_locations": ("全部库位", "All locations"),
    "interval": ("预测区间", "Interval level"),
    "service": ("服务水平", "Service level"),
    "review": ("补货检查周期（天）", "Review period (days)"),
    "backtest": (
        "**回测**：{origins} 个滚动起点 × 7 天。{nominal:.0%} 区间实际覆盖：SKU×库位×天 "
        "{sku_location:.1%}（离散计数，区间自身概率 {sku_location_content:.1%}）；库位×天 "
        "{location:.1%}（自身 {location_content:.1%}）。",
        "**Backtest**: {origins} rolling origins × 7 days. {nominal:.0%} intervals cover: "
        "SKU×location×day {sku_location:.1%} (discrete counts; the intervals' own probability "
        "{sku_location_content:.1%}); location×day {location:.1%} (own {location_content:.1%}).",
    ),
    "pick_location": ("选择一个库位查看水位线。", "Pick a location to see its water level."),
    "replenish": ("补货建议：{n} 个 SKU×库位需下单", "Replenishment: {n} SKU×locations to order"),
    "hot_sku": ("爆款 SKU", "Hot SKU"),
    "pool": ("库存池（件）", "Stock pool (units)"),
    "scale": ("需求放大倍数", "Demand scale"),
    "presale": ("预售锁定占比", "Pre-sale share"),
    "balance": ("尾款支付率", "Balance paid"),
    "flash": ("秒杀锁定（件）", "Flash-sale hold (units)"),
    "flash_pay": ("秒杀支付率", "Flash paid"),
    "delay": ("库存同步延迟（秒）", "Stock sync delay (s)"),
    "left": ("剩余库存（件）", "Stock left (units)"),
    "p_oversell": ("峰值超卖概率/同步窗口", "Peak P(oversell) per sync window"),
    "buffer": ("防超卖缓冲（风险 ≤ 1%）", "Anti-oversell buffer (risk ≤ 1%)"),
    "target_days": ("目标平均送达天数", "Target mean delivery days"),
    "max_share": ("单一承运商最大份额", "Max share per carrier"),
    "cur_cost": ("当前 元/单", "Current yuan/parcel"),
    "cur_days": ("当前平均天数", "Current mean days"),
    "plan_cost": ("方案 元/单（较当前）", "Plan yuan/parcel (vs current)"),
    "same_days": ("同等时效下最低成本变化", "Cheapest cost change at today's speed"),
    "doc_route": (
        "文档：物流成本 −15%，平均送达 1.8 天；最优前沿展示二者的取舍。",
        "doc: logistics cost −15%, 1.8 days average delivery; the frontier shows the trade-off.",
    ),
    "instant": ("极速退款金额上限（元）", "Instant refund up to (yuan)"),
    "economy": ("逆向经济承运商", "Economy reverse carrier"),
    "returns": ("退货单数", "Returns"),
    "median_refund": ("退款中位时长", "Median refund time"),
    "within4": ("4 小时内退款", "Refunded within 4 h"),
    "within72": ("72 小时内退款", "Refunded within 72 h"),
    "whatif": ("极速退款后 {p:.0%}", "with instant refunds {p:.0%}"),
    "doc_returns": (
        "文档：7 种退货场景、5 级商品分级；退款 72 小时 → 4 小时；逆向物流成本 −30%。",
        "doc: 7 return scenarios, 5 grades; refund 72 h → 4 h; reverse logistics cost −30%.",
    ),
    "returns_note": (
        "逆向运费 ≈ {a:.2f} + {b:.2f} × 正向单价（按退货拟合）；仅退款 {share:.1%}，放弃残值 "
        "¥{lost:,.0f}。极速退款：尺码/无理由/发错货/价保且金额不超上限时申请即退。",
        "Reverse freight ≈ {a:.2f} + {b:.2f} × forward price (fit on returns); returnless "
        "{share:.1%}, recovery given up ¥{lost:,.0f}. Instant refund: size, no-reason, wrong-item "
        "and price-protection requests up to the limit are refunded on request.",
    ),
}


def text(key: str, lang: str = "zh", **values: Any) -> str:
    """A chapter-08 label in a language, formatted with ``values``."""
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**values)


TABS = ("tab_stock", "tab_forecast", "tab_alloc", "tab_route", "tab_returns")
USES_PANEL = ("forecast_view", "replenishment_plan", "backtest_summary")


def run(name: str, wh: Warehouse, dataset: str, panel: dict | None = None, **kw: Any) -> Any:
    """Dispatch a section by name (the screen caches each call): panel-based or warehouse-based."""
    if name == "backtest_summary":
        return backtest_summary(panel, **kw)
    fn = globals()[name]
    return fn(wh, dataset, panel, **kw) if name in USES_PANEL else fn(wh, dataset, **kw)


def _pct(x: float, digits: int = 1) -> str:
    return "—" if x is None or x != x else f"{100 * x:.{digits}f}%"


def stock_kpis(sv: dict[str, Any], lang: str = "zh") -> list[tuple[str, str, str | None]]:
    """KPI tiles of the stock view: (label, value, delta); deltas positive when better."""
    acc, so = sv["accuracy"], sv["stockout_rate"]
    return [
        (text("accuracy", lang), _pct(acc, 2), text("vs_acc", lang, d=100 * (acc - DOC_ACCURACY))),
        (text("unit_accuracy", lang), _pct(sv["unit_accuracy"], 2), None),
        (text("value", lang), f"¥{sv['value']:,.0f}", None),
        (text("stockout", lang), _pct(so, 2), text("vs_so", lang, d=100 * (DOC_STOCKOUT - so))),
        (f"{text('units', lang)} {sv['asof']}", f"{sv['units']:,}", None),
    ]


def routing_kpis(rv: dict[str, Any], lang: str = "zh") -> list[tuple[str, str, str | None]]:
    """KPI tiles of the routing view (cost changes in the value, not as a green/red delta)."""
    cur, pl = rv["current"], rv["planned"]
    plan = (
        "—"
        if pl is None
        else (
            f"{pl['cost_per_parcel']:.2f} ({pl['cost_per_parcel'] / cur['cost_per_parcel'] - 1:+.1%})"
        )
    )
    return [
        (text("cur_cost", lang), f"{cur['cost_per_parcel']:.2f}", None),
        (text("cur_days", lang), f"{cur['mean_days']:.2f}", None),
        (text("plan_cost", lang), plan, None),
        (text("same_days", lang), _pct(-rv["saving_same_days"]), None),
    ]


def returns_kpis(rt: dict[str, Any], lang: str = "zh") -> list[tuple[str, str, str | None]]:
    """KPI tiles of the returns view."""
    rf = rt["refund"]
    return [
        (text("returns", lang), f"{rt['returns']:,}", None),
        (text("median_refund", lang), f"{rf['median_h']:.1f} h", None),
        (
            text("within4", lang),
            _pct(rf["within_4h"]),
            text("whatif", lang, p=rf["whatif_within_4h"]),
        ),
        (text("within72", lang), _pct(rf["within_72h"]), None),
    ]
