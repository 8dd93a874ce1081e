"""Chapter 13: OKR periods vs pandas, efficiency, orders-only import, page renders."""

from __future__ import annotations

import pandas as pd
import pytest

from omni_core.analysis import ch13
from omni_core.warehouse import Warehouse

from .apputil import run_page


def test_periods_and_efficiency_match_pandas(wh, tables):
    periods, metrics = ch13.period_metrics(wh, "world")
    assert metrics == ch13.KR_METRICS
    o = tables["orders"]
    p = o[o["pay_ts"].notna()]
    first = periods.iloc[0]
    sel = p[(p["pay_ts"].dt.date >= first["start"]) & (p["pay_ts"].dt.date < first["end"])]
    assert first["gmv"] == pytest.approx(sel["amount"].sum())
    assert periods["gmv"].sum() == pytest.approx(p["amount"].sum())
    review = ch13.okr_review(periods, ch13.default_krs(periods, metrics))
    assert review["score"].between(0, 1).all()
    org = ch13.default_org(wh, "world")
    assert ch13.org_check(org)["ok"]
    eff = ch13.efficiency(wh, "world", org)
    w = eff["weekly"]
    assert (w["gmv_per_head"] == w["gmv"] / w["headcount"]).all()
    assert eff["target"] == pytest.approx(1.4 * w["gmv_per_head"].iloc[0])


def test_full_weeks_are_the_weeks_inside_the_span_even_for_a_shop_closed_on_saturdays(tables):
    o = tables["orders"]
    paid = o[o["pay_ts"].notna() & (o["pay_ts"].dt.day_of_week != 5)]  # no Saturday sales
    w = Warehouse("duckdb://:memory:")
    w.write_tables({"orders": paid}, "shop", meta={"kind": "import"})
    org = ch13.default_org(w, "shop")
    weekly = ch13.efficiency(w, "shop", org)["weekly"]
    first, last = paid["pay_ts"].min().normalize(), paid["pay_ts"].max().normalize()
    monday = first + pd.Timedelta(days=(7 - first.day_of_week) % 7)
    want = pd.date_range(monday, last - pd.Timedelta(days=6), freq="7D")
    assert list(weekly["week"]) == list(want) and len(want) > 0
    assert (weekly["days"] == 6).all()
    week0 = paid[(paid["pay_ts"] >= want[0]) & (paid["pay_ts"] < want[0] + pd.Timedelta(days=7))]
    assert weekly["gmv"].iloc[0] == pytest.approx(week0["amount"].sum())
    w.close()


def test_orders_only_import(tables):
    w = Warehouse("duckdb://:memory:")
    w.write_tables({"orders": tables["orders"]}, "imp", meta={"kind": "import"})
    periods, metrics = ch13.period_metrics(w, "imp")
    assert metrics == ch13.ORDERS_ONLY_METRICS
    krs = ch13.default_krs(periods, metrics)
    assert set(krs["metric"]) <= set(metrics)
    org = ch13.default_org(w, "imp")  # seed from the dataset name: still deterministic
    assert org.equals(ch13.default_org(w, "imp"))
    w.close()


@pytest.mark.usefixtures("app_warehouse")
@pytest.mark.parametrize(
    ("lang", "title"), [("zh", "营销团队组织能力建设"), ("en", "Team capability")]
)
def test_page_renders(lang, title):
    at = run_page("ch13_team.py", lang)
    assert not at.exception, at.exception
    assert any(title in m.value for m in at.markdown)
    assert not at.error
