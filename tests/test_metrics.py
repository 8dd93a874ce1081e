"""Every metric equals a plain pandas computation of the same definition on the same world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omni_core.metrics import KPI_COLUMNS, funnel, kpis, rfm, touch_events
from omni_core.metrics.pandas_ref import funnel_pd, kpis_pd, rfm_pd, touch_events_pd


def _compare(got: pd.DataFrame, exp: pd.DataFrame, keys: list[str], cols) -> None:
    got = got.sort_values(keys, ignore_index=True) if keys else got
    exp = exp.sort_values(keys, ignore_index=True) if keys else exp
    assert len(got) == len(exp)
    for k in keys:
        g, e = got[k], exp[k]
        if k == "bucket":
            g, e = pd.to_datetime(g), pd.to_datetime(e)
        assert (g.astype(str).to_numpy() == e.astype(str).to_numpy()).all(), k
    for c in cols:
        np.testing.assert_allclose(
            got[c].astype(float).to_numpy(), exp[c].astype(float).to_numpy(), rtol=1e-9,
            atol=1e-6, err_msg=c,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("by", "bucket"),
    [
        ((), None),
        (("channel",), None),
        (("channel",), "day"),
        (("province",), None),
        (("category",), "day"),
        (("campaign",), None),
        ((), "hour"),
        ((), "minute"),
        (("channel", "category"), None),
        (("channel",), "week"),
    ],
)
def test_kpis_equal_pandas(wh, tables, by, bucket):
    got = wh.query(kpis(wh.tables(), by=by, bucket=bucket))
    exp = kpis_pd(tables, by=by, bucket=bucket)
    keys = (["bucket"] if bucket else []) + list(by)
    if "campaign" in by:  # organic orders carry no campaign: NULL key in both
        label = lambda v: "organic" if pd.isna(v) else str(int(v))  # noqa: E731
        got["campaign"] = got["campaign"].map(label)
        exp["campaign"] = exp["campaign"].map(label)
    _compare(got, exp, keys, KPI_COLUMNS)


def test_kpi_totals_are_consistent(wh, tables):
    total = wh.query(kpis(wh.tables())).iloc[0]
    by_ch = wh.query(kpis(wh.tables(), by=["channel"]))
    assert by_ch["gmv"].sum() == pytest.approx(total["gmv"])
    assert by_ch["orders"].sum() == total["orders"]
    assert by_ch["spend"].sum() == pytest.approx(total["spend"])
    paid = tables["orders"][tables["orders"]["status"] == "paid"]
    assert total["gmv"] == pytest.approx(paid["amount"].sum())
    assert 0 < total["conversion"] < 1 and total["roas"] > 0
    assert wh.query(kpis(wh.tables(), by=["province"]))["roas"].isna().all()


def test_time_window_filters(wh, tables):
    got = wh.query(kpis(wh.tables(), start="2025-11-11", end="2025-11-12")).iloc[0]
    o = tables["orders"]
    day = o[(o["pay_ts"] >= "2025-11-11") & (o["pay_ts"] < "2025-11-12")]
    assert got["gmv"] == pytest.approx(day["amount"].sum())
    assert got["orders"] == len(day)


def test_funnel_equals_pandas(wh, tables):
    got = wh.query(funnel(wh.tables()))
    exp = funnel_pd(tables)
    _compare(got, exp, ["channel", "stage"], ["users", "sessions", "events"])


def test_rfm_equals_pandas(wh, tables):
    got = wh.query(rfm(wh.tables()))
    exp = rfm_pd(tables)
    _compare(got, exp, ["user_id"], ["orders", "purchase_days", "monetary", "frequency",
                                     "avg_value", "recency_days", "T_days", "days_since_last"])  # fmt: skip
    assert (got["recency_days"] <= got["T_days"] + 1e-9).all()


def test_touch_events_equal_pandas(wh, tables):
    got = wh.query(touch_events(wh.tables()))
    exp = touch_events_pd(tables)
    _compare(got, exp, ["user_id", "seq"], ["session_id"])
    assert (got["channel_id"].to_numpy() == exp["channel_id"].to_numpy()).all()
    assert (got["is_conversion"].to_numpy() == exp["is_conversion"].to_numpy()).all()


def test_bad_metric_arguments_raise_clear_errors(wh):
    with pytest.raises(ValueError, match="unknown dimension"):
        kpis(wh.tables(), by=["city"])
    with pytest.raises(ValueError, match="unknown time bucket"):
        kpis(wh.tables(), bucket="fortnight")
    with pytest.raises(ValueError, match="touch must be"):
        touch_events(wh.tables(), touch="pay")
