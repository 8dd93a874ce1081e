"""Chapter 13: OKR periods vs pandas, efficiency, orders-only import, page renders."""

from __future__ import annotations

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
