"""Every metric on DuckDB and on PySpark (local mode) over the same world gives the same frame.

Cases: each entry of ``omni_core.metrics.METRICS`` and every public function of
``omni_core/metrics/*.py`` that takes the warehouse tables ``t`` (found by introspection, so a new
metric joins the suite by itself; one with required parameters needs an entry in ``ARGS``).
Frames are compared after normalising timestamp precision (microseconds, naive UTC), numeric
dtypes (float64, rtol 1e-9), NULL/NaN/None, and row order (sorted by every column).
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest

import omni_core.metrics as metrics_pkg
from omni_core.metrics import METRICS
from omni_core.metrics.channels import reference_channels

NOT_IBIS = {"pandas_ref", "coverage"}  # pandas reference / plain-Python helpers, no tables
D = dt.datetime
Args = Callable[[Any], dict[str, Any]]  # tables -> keyword arguments
# The defaults of these are METRICS entries already.
IN_METRICS = {"core.kpis", "core.funnel", "core.rfm", "core.touch_events"}
# Required parameters (and variants that take other code paths), per ``module.function``.
ARGS: dict[str, dict[str, Args]] = {
    "core.kpis": {
        "window": lambda t: {"start": D(2025, 11, 1), "end": "2025-11-12"},
        "category_week": lambda t: {"by": ["category", "channel"], "bucket": "week"},
        "campaign_minute": lambda t: {"by": ["campaign"], "bucket": "minute", "start": "2025-11-11",
                                      "end": "2025-11-11T02:00:00"},
    },  # fmt: skip
    "core.funnel": {"category": lambda t: {"by": ["category", "province"], "end": D(2025, 11, 9)}},
    "core.rfm": {"asof": lambda t: {"asof": dt.date(2025, 11, 10)}},
    "core.touch_events": {"page_view": lambda t: {"touch": "page_view", "start": "2025-11-05"}},
    "audience.category_buyers": {"": lambda t: {"category_id": "beauty", "end": D(2025, 11, 12)}},
    "campaigns.creative_chain": {"end": lambda t: {"end": D(2025, 11, 11)}},
    "channels.sales_by_channel_type": {
        "table": lambda t: {"channels": t.channels},
        "reference": lambda t: {"channels": reference_channels()},
    },
    "channels.domain_split": {"": lambda t: {"channels": t.channels}},
    "channels.live_gmv": {
        "day": lambda t: {"channels": t.channels},
        "week": lambda t: {"channels": reference_channels(), "bucket": "week"},
    },
    "channels.traffic_by_channel": {"day": lambda t: {"bucket": "day"}},
    "channels.ads_by_channel": {"week": lambda t: {"bucket": "week"}},
    "channels.sales_by_channel": {"day": lambda t: {"bucket": "day"}},
    "content.live_minute_funnel": {
        "influencer_douyin_5min": lambda t: {"tier": "influencer", "channel": "douyin",
                                             "bucket_minutes": 5},
    },
    "content.content_pieces": {"day_xhs": lambda t: {"period": "day", "channel": "xiaohongshu"}},
    "inventory.stock_history": {
        "filtered": lambda t: {"sku_ids": [1, 4, 49], "location_ids": ["WH_EAST", "WH_SOUTH"]}
    },
    "inventory.stock_on": {"date": lambda t: {"date": dt.date(2025, 11, 5)}},
    "live.events_by_minute": {"": lambda t: {"start": D(2025, 11, 10, 20), "end": D(2025, 11, 11, 2)}},
    "live.paid_orders_by_minute": {"": lambda t: {"start": D(2025, 11, 10), "end": D(2025, 11, 12)}},
    "live.paid_gmv_by_minute_category": {
        "": lambda t: {"start": D(2025, 11, 10), "end": D(2025, 11, 12)}
    },
    "live.spend_by_hour": {"": lambda t: {"start": D(2025, 11, 10), "end": D(2025, 11, 12)}},
    "live.refunds_by_minute": {"": lambda t: {"start": D(2025, 10, 28), "end": D(2025, 11, 17)}},
    "live.first_visits": {"": lambda t: {"start": D(2025, 11, 10), "end": D(2025, 11, 12)}},
    "live.first_payments": {"": lambda t: {"start": D(2025, 11, 1), "end": D(2025, 11, 17)}},
    "live.step_lags": {"": lambda t: {"start": D(2025, 11, 10), "end": D(2025, 11, 12)}},
    "loyalty.window_spend": {
        "": lambda t: {"snapshots": [D(2025, 11, 5), D(2025, 11, 12)], "window_days": 7.5}
    },
    "provenance.recent_paid_orders": {"": lambda t: {"n": 40}},
    "provenance.ledger_events": {"": lambda t: {"n": 60}},
    "provenance.window_orders": {"": lambda t: {"days": 7}},
    "search.hourly_paid": {"channels": lambda t: {"channels": ["tmall", "douyin", "jd"]}},
    "team.sales_between": {"": lambda t: {"start": dt.date(2025, 11, 1), "end": dt.date(2025, 11, 12)}},
    "tech.category_returns": {
        "": lambda t: {"categories": ["apparel", "beauty"], "reasons": ["size", "not_as_described"]}
    },
}  # fmt: skip


def _metric_functions() -> dict[str, Callable]:
    """Public functions of ``omni_core/metrics/*.py`` whose first parameter is the tables ``t``."""
    out = {}
    for info in pkgutil.iter_modules(metrics_pkg.__path__):
        if info.name in NOT_IBIS:
            continue
        mod = importlib.import_module(f"omni_core.metrics.{info.name}")
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            params = list(inspect.signature(fn).parameters)
            if fn.__module__ == mod.__name__ and not name.startswith("_") and params[:1] == ["t"]:
                out[f"{info.name}.{name}"] = fn
    return out


FUNCTIONS = _metric_functions()


def _bind(fn: Callable, args: Args) -> Callable:
    return lambda t: fn(t, **args(t))


def _cases() -> dict[str, Callable]:
    cases: dict[str, Callable] = {f"METRICS.{k}": fn for k, fn in METRICS.items()}
    for key, fn in FUNCTIONS.items():
        required = [
            p.name for p in list(inspect.signature(fn).parameters.values())[1:]
            if p.default is inspect.Parameter.empty
        ]  # fmt: skip
        if not required and key not in IN_METRICS:
            cases[key] = fn
        for variant, args in ARGS.get(key, {}).items():
            cases[f"{key}[{variant}]" if variant else key] = _bind(fn, args)
        if required and key not in ARGS:
            cases[key] = None  # fails below: say which arguments to use
    return cases


CASES = _cases()
# Cases that cannot run on Spark, with the reason (strict: one that starts passing fails the suite
# until it is taken off). None at present: every metric is portable.
XFAIL: dict[str, str] = {}
# Cases allowed to return no rows on the parity world (an empty result proves little).
EMPTY_OK: set[str] = set()


# ---------------------------------------------------------------------------- normalising
def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Engine-neutral frame: naive UTC microsecond times, float64 numbers, None for missing."""
    out = {}
    for c in df.columns:
        s = df[c]
        first = s.dropna().iloc[0] if s.notna().any() else None
        if pd.api.types.is_datetime64_any_dtype(s) or isinstance(first, dt.date):
            s = pd.to_datetime(s)
            if s.dt.tz is not None:
                s = s.dt.tz_convert("UTC").dt.tz_localize(None)
            s = s.astype("datetime64[us]")
        elif pd.api.types.is_bool_dtype(s) or isinstance(first, bool | np.bool_):
            s = s.astype(object).where(s.notna(), None).map(lambda v: v if v is None else bool(v))
        elif pd.api.types.is_numeric_dtype(s) or isinstance(first, int | float | np.number):
            s = pd.to_numeric(s).astype("float64")
        else:
            s = s.astype(object).where(s.notna(), None)
        out[c] = s
    return pd.DataFrame(out)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in a canonical order: by every exact column, then by floats rounded to 6 digits."""
    if df.empty:
        return df.reset_index(drop=True)
    floats = [c for c in df.columns if df[c].dtype == "float64"]
    keys = pd.DataFrame({c: df[c].round(6) if c in floats else df[c] for c in df.columns})
    exact = [c for c in df.columns if c not in floats]
    order = keys.sort_values([*exact, *floats], na_position="last", kind="mergesort").index
    return df.loc[order].reset_index(drop=True)


def assert_same_frame(duck: pd.DataFrame, spark: pd.DataFrame) -> None:
    """The two engines' results equal after normalising (see module docstring)."""
    assert list(spark.columns) == list(duck.columns)
    assert len(spark) == len(duck), f"{len(spark)} rows on Spark, {len(duck)} on DuckDB"
    a, b = _sorted(_normalise(duck)), _sorted(_normalise(spark))
    for c in a.columns:
        x, y = a[c], b[c]
        if x.dtype == "float64" or y.dtype == "float64":
            np.testing.assert_allclose(
                y.astype("float64").to_numpy(), x.astype("float64").to_numpy(), rtol=1e-9,
                atol=1e-9, equal_nan=True, err_msg=f"column {c!r}",
            )  # fmt: skip
        else:
            bad = [
                i for i, (u, v) in enumerate(zip(x.tolist(), y.tolist(), strict=True))
                if not (u == v or (pd.isna(u) and pd.isna(v)))
            ]  # fmt: skip
            assert not bad, f"column {c!r}: {len(bad)} rows differ, e.g. DuckDB {x[bad[0]]!r} " \
                f"vs Spark {y[bad[0]]!r}"  # fmt: skip


# ---------------------------------------------------------------------------- the suite
SPARK_THREADS = 3  # queries in flight: keeps both cores busy between one query's stages


@pytest.fixture(scope="package")
def spark_results(spark_wh, request) -> dict[str, pd.DataFrame | BaseException]:
    """Every selected case run on Spark once, several at a time (each test compares its own)."""
    selected = {
        item.callspec.params["case"] for item in request.session.items
        if hasattr(item, "callspec") and "case" in item.callspec.params
    }  # fmt: skip

    def run(build: Callable) -> pd.DataFrame | BaseException:
        try:
            return spark_wh.query(build(spark_wh.tables("world")))
        except Exception as e:  # reported by the case's test
            return e

    todo = {k: b for k, b in CASES.items() if b is not None and k in selected}
    with ThreadPoolExecutor(SPARK_THREADS) as pool:
        return dict(zip(todo, pool.map(run, todo.values()), strict=True))


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=XFAIL[c])) if c in XFAIL else c
        for c in CASES
    ],
)
def test_metric_is_the_same_on_spark(case, duck_wh, spark_results, count_metric) -> None:
    build = CASES[case]
    assert build is not None, f"{case} has required parameters: add them to ARGS in {__file__}"
    duck = duck_wh.query(build(duck_wh.tables("world")))
    spark = spark_results[case]
    if isinstance(spark, BaseException):
        raise spark
    assert len(duck) > 0 or case in EMPTY_OK, f"{case}: no rows on this world, a vacuous check"
    assert_same_frame(duck, spark)
    count_metric()


def test_every_metric_is_covered() -> None:
    """All METRICS entries and all ``t``-taking functions are cases (introspection sanity)."""
    assert set(METRICS) <= {c.split(".", 1)[1] for c in CASES if c.startswith("METRICS.")}
    assert len(FUNCTIONS) > 90  # the metric modules hold ~110 such functions
    assert not set(ARGS) - set(FUNCTIONS), "ARGS names functions that do not exist"


def test_warehouse_lists_and_describes_the_spark_dataset(spark_wh, duck_wh) -> None:
    """The warehouse API the CLI and pages use: datasets, tables, meta (row counts: CLI test)."""
    assert spark_wh.engine == "pyspark"
    assert "world" in spark_wh.datasets()  # (the live tests may hold a dataset of their own)
    assert spark_wh.table_names("world") == sorted(duck_wh.table_names("world"))
    assert spark_wh.meta("world")["params"] == duck_wh.meta("world")["params"]
    # An append is typed before it is queued: a bad frame fails at the call, nothing is queued.
    with pytest.raises(Exception, match="not a time"):
        spark_wh.append("world", {"events": pd.DataFrame({"ts": ["not a time"]})})
    assert spark_wh.queued_rows() == 0
    # A bad frame is refused before anything is written: the dataset stays as it was.
    bad = {"users": duck_wh.query(duck_wh.tables("world").users).drop(columns=["user_id"])}
    with pytest.raises(Exception, match="user_id"):
        spark_wh.write_tables(bad, "world", meta={})
    assert "world" in spark_wh.datasets()
    assert spark_wh.meta("world")["params"] == duck_wh.meta("world")["params"]


def test_spark_dataset_keeps_nullable_ints_times_and_enums_as_strings(spark_wh, duck_wh) -> None:
    """Schema round trip: nullable integers, naive timestamps (microseconds), ENUMs as strings."""
    s, d = spark_wh.tables("world").events, duck_wh.tables("world").events
    assert s.schema()["event_type"].is_string()
    assert s.schema()["campaign_id"].is_integer()
    cols = ["session_id", "ts", "event_type", "campaign_id", "live_id"]
    a = duck_wh.query(d.select(*cols).order_by(cols[:3]))
    b = spark_wh.query(s.select(*cols).order_by(cols[:3]))
    assert a["campaign_id"].isna().any() and a["campaign_id"].notna().any()
    assert (a["ts"].dt.microsecond != 0).any()  # sub-second times survive
    assert_same_frame(a, b)


def test_comparison_catches_a_difference(duck_wh) -> None:
    """The comparison is not vacuous: one changed cent, time or label fails it."""
    f = duck_wh.query(METRICS["kpi_by_channel_day"](duck_wh.tables("world")))
    assert_same_frame(f, f.iloc[::-1].copy())  # row order alone does not matter
    for col, change in [
        ("gmv", lambda s: s + np.r_[0.01, np.zeros(len(s) - 1)]),
        ("bucket", lambda s: s + pd.to_timedelta(np.r_[1, np.zeros(len(s) - 1)], unit="s")),
        ("channel", lambda s: s.mask(s.index == 0, "other")),
    ]:
        g = f.copy()
        g[col] = change(g[col])
        with pytest.raises(AssertionError):
            assert_same_frame(f, g)
