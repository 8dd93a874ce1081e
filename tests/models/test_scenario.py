"""Tests for omni_core.models.scenario: response curves against their formulas, the threshold
discount against Monte Carlo, lost-sales stock against a sequential loop, calibration recovering a
known truth, determinism, and the monotonicity properties (hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omni_core.models import scenario as sm
from omni_core.models.scenario import Mechanics, Phase, Scenario, ScenarioError

# ------------------------------------------------------------------ a small synthetic calibration


def _calib(elasticity: float = 2.0) -> sm.Calibration:
    ch = pd.DataFrame(
        {
            "name_zh": ["天猫", "抖音", "私域"], "name_en": ["Tmall", "Douyin", "Private"],
            "channel_type": ["shelf", "interest", "private"], "organic": [400.0, 200.0, 80.0],
            "paid": [300.0, 150.0, 0.0], "spend": [3600.0, 1200.0, 0.0],
            "cpc": [12.0, 8.0, 0.0], "conv_organic": [0.10, 0.07, 0.18],
            "conv_paid": [0.09, 0.08, 0.18], "aov_gross": [360.0, 300.0, 420.0],
            "adstock": [0.3, 0.5, 0.4], "paid_ok": [True, True, False],
            "orders_hist": [700.0, 300.0, 150.0],
        },
        index=pd.Index(["tmall", "douyin", "wecom"], name="channel"),
    )  # fmt: skip
    scalars = {
        "elasticity": elasticity, "base_discount": 0.05, "coupon_share": 0.3, "basket_sigma": 0.9,
        "cogs_ratio": 0.55, "units_per_order": 1.8, "refund_rate": 0.06, "parcel_cost": 8.0,
        "target_roas": 3.5, "sigma_traffic": 0.08, "sigma_conv": 0.06, "hill_kappa": 2.0,
        "hill_shape": 1.0,
    }  # fmt: skip
    hist = {"start": "2025-10-01", "end": "2025-11-29", "days": 60, "ordinary_days": 30,
            "growth": 1.0, "slope_rel": 0.0, "has_traffic": True, "has_spend": True}  # fmt: skip
    return sm.Calibration(ch, scalars, pd.DataFrame(columns=["parameter", "source"]), hist)


CAL = _calib()
BASE = sm.template("double11", dt.date(2025, 11, 29)).with_(
    budgets=(("tmall", 90_000.0), ("douyin", 30_000.0)),
    mechanics=Mechanics(
        deposit=50,
        deposit_value=100,
        presale_share=0.3,
        threshold=300,
        threshold_off=50,
        flash_depth=0.3,
        flash_share=0.1,
        coupon_rate=0.1,
        coupon_coverage=0.5,
    ),  # fmt: skip
    stock_units=9_000.0,
    target_gmv=2_000_000.0,
    n_sims=50,
)
PLAN = sm.prepare(BASE, CAL)

# ------------------------------------------------------------------ response curves


def test_adstock_matches_the_geometric_formula() -> None:
    x = np.array([0.0, 10.0, 0.0, 0.0, 5.0, 0.0])
    lam = 0.6
    got = sm.adstock(x, lam, initial=2.0)
    # a_t = lam^(t+1) a_-1 + (1 - lam) sum_s lam^(t-s) x_s  (Broadbent 1979, normalised)
    want = [lam ** (t + 1) * 2.0 + (1 - lam) * sum(lam ** (t - s) * x[s] for s in range(t + 1))
            for t in range(len(x))]  # fmt: skip
    np.testing.assert_allclose(got, want)
    np.testing.assert_allclose(sm.adstock(np.full(50, 7.0), 0.8, initial=7.0), 7.0)  # steady state
    with pytest.raises(ValueError):
        sm.adstock(x, 1.0)


def test_hill_is_anchored_concave_and_its_derivative_is_right() -> None:
    r = np.linspace(0, 50, 2001)
    h = sm.hill(r, 10.0, 5.0, 1.0)
    assert h[0] == 0 and np.all(np.diff(h) > 0) and np.all(np.diff(h, 2) < 1e-12)
    assert sm.hill(5.0, 10.0, 5.0) == pytest.approx(5.0)  # half saturation
    for shape in (0.5, 0.8, 1.0):
        x = np.array([0.3, 2.0, 7.5, 30.0])
        num = (sm.hill(x + 1e-6, 4.0, 3.0, shape) - sm.hill(x - 1e-6, 4.0, 3.0, shape)) / 2e-6
        np.testing.assert_allclose(sm.hill_derivative(x, 4.0, 3.0, shape), num, rtol=1e-5)
    assert np.all(sm.hill(r, 10.0, 0.0) == 0)  # no response without a half-saturation point


def test_threshold_discount_matches_monte_carlo() -> None:
    rng = np.random.default_rng(0)
    m, s, T, off = 380.0, 0.9, 300.0, 50.0
    a = rng.lognormal(np.log(m) - s * s / 2, s, 400_000)
    perceived, realised, lift = sm.threshold_effect(m, s, T, off, window=0.2, prob=0.5)
    assert perceived[0] == pytest.approx(off * np.floor(a / T).mean() / a.mean(), rel=0.01)
    # top-ups: baskets within 20% below a tier are raised to it with probability 1/2
    k = np.ceil(a / T)
    near = (a < k * T) & (a >= k * T - 0.2 * T)
    up = near & (rng.random(a.size) < 0.5)
    a2 = np.where(up, k * T, a)
    assert lift[0] == pytest.approx(a2.mean() / a.mean(), rel=0.005)
    assert realised[0] == pytest.approx(off * np.floor(a2 / T + 1e-9).mean() / a2.mean(), rel=0.01)
    none = sm.threshold_effect(m, s, 0.0, 0.0)
    assert none[0][0] == 0 and none[2][0] == 1


# ------------------------------------------------------------------ stock


def test_reflection_equals_a_sequential_lost_sales_loop() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        demand = rng.gamma(2.0, 5.0, 96)
        supply = np.zeros(96)
        supply[0] = rng.uniform(50, 400)
        supply[rng.integers(1, 96, 3)] += rng.uniform(0, 150, 3)
        stock, lost = 0.0, []
        for d, s in zip(demand, supply, strict=True):
            stock += s
            sold = min(d, stock)
            stock -= sold
            lost.append(d - sold)
        np.testing.assert_allclose(
            sm._reflect(demand[None], np.cumsum(supply)[None])[0], lost, atol=1e-9
        )


def test_a_small_stock_runs_out_on_a_peak_day_and_fires_the_playbook() -> None:
    res = sm.simulate(sm.prepare(BASE.with_(stock_units=2_500.0), CAL))
    k = res.kpis
    assert k["stockout_at"] is not None and k["lost_orders"] > 0
    assert k["units_sold"] == pytest.approx(2_500.0, rel=1e-6) and k["sell_through"] <= 1.0 + 1e-9
    rules = set(res.alerts["rule"])
    assert {"stockout", "conversion_drop"} <= rules and "sell_through" not in rules  # behind plan
    drop = res.alerts[res.alerts["rule"] == "conversion_drop"]
    assert (drop["cause"] == "stockout").any()
    assert res.daily["stock_end"].min() >= -1e-6
    # a target below demand: sales run ahead of the sell-through plan -> inventory breaker
    low = sm.simulate(sm.prepare(BASE.with_(stock_units=2_500.0, target_gmv=0.3 * k["gmv"]), CAL))
    first = low.alerts[low.alerts["rule"] == "sell_through"]
    assert len(first) == 1 and first["start"].iloc[0] <= k["stockout_at"]
    # a restock arriving after the stock-out serves part of the later demand
    later = BASE.with_(
        stock_units=2_500.0, restock_units=3_000.0, restock_date=dt.date(2026, 11, 8)
    )
    assert sm.simulate(sm.prepare(later, CAL)).kpis["gmv"] > k["gmv"]


def test_unlimited_stock_loses_nothing_and_deposits_are_paid_on_the_first_sale_day() -> None:
    res = sm.simulate(sm.prepare(BASE.with_(stock_units=0.0), CAL))
    d = res.daily
    assert res.kpis["lost_orders"] == 0 and np.isnan(res.kpis["sell_through"])
    pay = d.index[d["gmv_deposit"] > 0].tolist()
    assert pay == [d.index[d["date"] == pd.Timestamp(2026, 11, 1)][0]]
    presale = d["kind"] == "presale"
    assert (d.loc[presale, "gmv"] < d.loc[presale, "gmv_order_time"]).all()  # booked later


# ------------------------------------------------------------------ determinism and validation


def test_same_inputs_and_seed_give_identical_numbers() -> None:
    a = sm.simulate(sm.prepare(BASE, CAL))
    b = sm.simulate(sm.prepare(Scenario.from_json(BASE.to_json()), CAL))
    pd.testing.assert_frame_equal(a.daily, b.daily)
    pd.testing.assert_frame_equal(a.hourly, b.hourly)
    assert a.kpis == b.kpis and a.risk == b.risk
    c = sm.simulate(sm.prepare(BASE.with_(seed=BASE.seed + 1), CAL))
    assert c.kpis["gmv"] == a.kpis["gmv"]  # the plan itself does not depend on the seed
    assert c.risk["gmv_p10"] != a.risk["gmv_p10"]  # the risk band does
    assert a.risk["gmv_p10"] < a.kpis["gmv"] < a.risk["gmv_p90"]


def test_json_round_trip() -> None:
    sc = BASE.with_(restock_units=10.0, restock_date=dt.date(2026, 11, 5), growth=0.1)
    assert Scenario.from_json(sc.to_json()) == sc


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"name": " "}, "name"),
        ({"event": "black_friday"}, "unknown event"),
        ({"phases": ()}, "at least one phase"),
        ({"phases": (Phase("a", "peak", dt.date(2026, 11, 11), dt.date(2026, 11, 10), 2.0),)}, "ends before"),
        ({"phases": (Phase("a", "peak", dt.date(2026, 12, 30), dt.date(2027, 1, 2), 2.0),)}, "year end"),
        ({"phases": (Phase("a", "peak", dt.date(2026, 11, 1), dt.date(2026, 11, 5), 2.0),
                     Phase("b", "return", dt.date(2026, 11, 5), dt.date(2026, 11, 6), 1.0))}, "overlap"),
        ({"phases": (Phase("a", "peak", dt.date(2026, 1, 1), dt.date(2026, 6, 1), 2.0),)}, "at most"),
        ({"phases": (Phase("a", "boom", dt.date(2026, 11, 1), dt.date(2026, 11, 1), 2.0),)}, "unknown kind"),
        ({"phases": (Phase("a", "peak", dt.date(2026, 11, 1), dt.date(2026, 11, 1), 50.0),)}, "traffic"),
        ({"mechanics": Mechanics(deposit=100, deposit_value=50)}, "at least the deposit"),
        ({"mechanics": Mechanics(threshold=300, threshold_off=300)}, "below the threshold"),
        ({"mechanics": Mechanics(flash_depth=0.95)}, "flash depth"),
        ({"budgets": (("tmall", -1.0),)}, "budget of tmall"),
        ({"budgets": (("tmall", 1.0), ("tmall", 2.0))}, "twice"),
        ({"bounds": (("tmall", 0.6, 0.4),)}, "bounds"),
        ({"stock_units": -5.0}, "stock"),
        ({"growth": 9.0}, "growth"),
        ({"flighting": "random"}, "flighting"),
    ],
)  # fmt: skip
def test_bad_inputs_are_rejected_in_both_languages(changes, match: str) -> None:
    with pytest.raises(ScenarioError, match=match) as e:
        BASE.with_(**changes)
    assert e.value.zh and e.value.en


def test_deposit_needs_a_following_sale_phase() -> None:
    only_pre = (Phase("预售", "presale", dt.date(2026, 10, 20), dt.date(2026, 10, 31), 1.25),)
    with pytest.raises(ScenarioError, match="sale phase must follow"):
        BASE.with_(phases=only_pre)
    with pytest.raises(ScenarioError, match="pre-sale phase"):
        BASE.with_(phases=BASE.phases[1:])
    with pytest.raises(ScenarioError, match="unknown channel"):
        BASE.validate(["jd"])


def test_templates_follow_the_behaviour_calendar() -> None:
    d11 = sm.template("double11", dt.date(2025, 11, 29))
    assert [p.kind for p in d11.phases] == ["presale", "opening", "category", "peak", "return"]
    assert d11.start == dt.date(2026, 10, 20) and d11.end == dt.date(2026, 11, 13)
    assert [p.kind for p in sm.template("618", dt.date(2026, 1, 1)).phases] == [
        "opening",
        "category",
        "peak",
    ]
    cat = sm.template("category_day", dt.date(2026, 3, 1))
    assert cat.end.weekday() == 5 and 15 <= cat.end.day <= 21  # third Saturday
    en = sm.template("double11", dt.date(2025, 11, 29), lang="en")
    assert en.name == "Double 11 2026" and en.phases[0].name.startswith("Double 11")


# ------------------------------------------------------------------ calibration recovers a truth


def test_fit_calibration_recovers_known_rates_growth_and_elasticity() -> None:
    rng = np.random.default_rng(5)
    hist = sm.history_calendar(dt.date(2025, 9, 1), 91)
    t = np.arange(len(hist))
    growth = 1 + 0.004 * (t - t[-1])  # traffic rising 0.4% a day, level 1 at the end
    rows_s, rows_v, rows_a = [], [], []
    truth = {"tmall": (900.0, 0.4, 0.10, 350.0, 11.0), "jd": (500.0, 0.5, 0.12, 480.0, 13.0)}
    eps, d0 = 2.3, 0.04
    for i, r in hist.iterrows():
        depth = d0 if r["ordinary"] else d0 + 0.1
        lift = 1.0 if r["ordinary"] else ((1 - depth) / (1 - d0)) ** (-eps)
        for ch, (level, paid_share, conv, aov, cpc) in truth.items():
            visits = rng.poisson(level * r["factor"] * growth[i])
            paid = rng.binomial(visits, paid_share)
            orders = rng.binomial(visits, min(conv * lift, 1))
            porders = rng.binomial(orders, paid / max(visits, 1))
            gross = orders * aov
            rows_s.append(
                [r["day"], ch, orders, gross * (1 - depth), gross, gross * depth, 0, porders]
            )
            rows_v.append([r["day"], ch, visits, paid])
            rows_a.append([r["day"], ch, paid * cpc])
    sales = pd.DataFrame(rows_s, columns=["day", "channel", "orders", "gmv", "gross", "discount",
                                          "coupon_orders", "paid_orders"])  # fmt: skip
    visits = pd.DataFrame(rows_v, columns=["day", "channel", "visits", "paid_visits"])
    spend = pd.DataFrame(rows_a, columns=["day", "channel", "spend"])
    cal = sm.fit_calibration(sales, visits, spend, {"cogs_ratio": 0.5})
    ch = cal.channels
    for c, (level, paid_share, conv, aov, cpc) in truth.items():
        assert ch.at[c, "organic"] + ch.at[c, "paid"] == pytest.approx(level, rel=0.06)
        assert ch.at[c, "paid"] / (ch.at[c, "organic"] + ch.at[c, "paid"]) == pytest.approx(
            paid_share, abs=0.03
        )
        assert ch.at[c, "conv_organic"] == pytest.approx(conv, rel=0.08)
        assert ch.at[c, "aov_gross"] == pytest.approx(aov, rel=0.01)
        assert ch.at[c, "cpc"] == pytest.approx(cpc, rel=0.01)
    assert cal.scalars["base_discount"] == pytest.approx(d0, abs=1e-9)
    assert cal.scalars["elasticity"] == pytest.approx(eps, rel=0.25)
    src = dict(zip(cal.provenance["parameter"], cal.provenance["source"], strict=True))
    assert (
        src["elasticity"] == "data"
        and src["cogs_ratio"] == "data"
        and src["refund_rate"] == "assumption"
    )
    # orders only: visits and conversion fall back to the behaviour model's defaults
    only = sm.fit_calibration(sales)
    assert not only.history["has_traffic"] and only.scalars["elasticity"] == sm.LIT_ELASTICITY
    assert only.channels.loc["tmall", "conv_organic"] == pytest.approx(0.225 * 0.5 * 0.93)
    with pytest.raises(ScenarioError):
        sm.fit_calibration(sales.iloc[0:0])


# ------------------------------------------------------------------ monotonicity (hypothesis)

budgets = st.floats(0, 400_000, allow_nan=False)


def _traffic_and_conversion(plan: sm.Plan, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Daily visits, daily demand conversion and event conversion: what ``simulate`` reports
    (``test_simulate_reports_the_plan_level_quantities`` checks it), without building frames."""
    demand, _, visits = sm._demand_orders(plan, sm.paid_visits(plan, b))
    v, d = visits.sum(0), demand.sum(0)
    return v, d / v, float(d.sum() / v.sum())


def test_simulate_reports_the_plan_level_quantities() -> None:
    res = sm.simulate(PLAN)
    v, conv, event = _traffic_and_conversion(PLAN, sm.budget_vector(PLAN))
    np.testing.assert_allclose(res.daily["visits"], v)
    np.testing.assert_allclose(res.daily["conversion"], conv)
    nostock = sm.simulate(sm.prepare(BASE.with_(stock_units=0.0), CAL))
    assert nostock.kpis["conversion"] == pytest.approx(event)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(b1=budgets, b2=budgets, extra=st.floats(1, 300_000), which=st.sampled_from([0, 1, 2]))
def test_more_budget_never_lowers_traffic(b1: float, b2: float, extra: float, which: int) -> None:
    """Per day and per channel: paid visits are adstock (linear, non-negative weights) through an
    increasing Hill curve, so adding budget to any channel (or to all) cannot remove a visit."""
    base = np.array([b1, b2, 0.0])
    more = base.copy()
    if which == 2:
        more[:2] += extra
    else:
        more[which] += extra
    assert np.all(sm.paid_visits(PLAN, more) >= sm.paid_visits(PLAN, base) - 1e-9)
    assert np.all(
        _traffic_and_conversion(PLAN, more)[0] >= _traffic_and_conversion(PLAN, base)[0] - 1e-9
    )


SPANS = {
    "threshold_off": (0, 250), "threshold": (300, 60), "deposit_value": (50, 250),
    "flash_depth": (0, 0.9), "coupon_rate": (0, 0.5), "coupon_coverage": (0, 1),
    "presale_share": (0, 1),
}  # fmt: skip
NO_DEPOSIT = BASE.with_(mechanics=Mechanics(**{**BASE.mechanics.__dict__, "deposit": 0.0,
                                                "deposit_value": 0.0}))  # fmt: skip


def _conversion(sc: Scenario, knob: str, x: float, eps: float) -> tuple[np.ndarray, float, sm.Plan]:
    mech = Mechanics(**{**sc.mechanics.__dict__, knob: x})
    plan = sm.prepare(sc.with_(mechanics=mech), _calib(eps))
    v, conv, event = _traffic_and_conversion(plan, sm.budget_vector(plan))
    return conv, event, plan


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(knob=st.sampled_from(["threshold_off", "threshold", "flash_depth", "coupon_rate",
                             "coupon_coverage"]),
       a=st.floats(0, 1), b=st.floats(0, 1), eps=st.floats(0.5, 5))  # fmt: skip
def test_a_deeper_discount_never_lowers_conversion_on_any_day(knob, a, b, eps) -> None:
    """Without a deposit pre-sale: more off, a lower threshold, deeper flash sales, bigger or
    wider coupons never lower demand conversion on any day (traffic is left alone)."""
    x0, x1 = SPANS[knob]
    lo, hi = sorted((a, b))
    c0, _, p0 = _conversion(NO_DEPOSIT, knob, x0 + (x1 - x0) * lo, eps)
    c1, _, p1 = _conversion(NO_DEPOSIT, knob, x0 + (x1 - x0) * hi, eps)
    assert np.all(c1 >= c0 - 1e-12)
    np.testing.assert_allclose(p0.boost, p1.boost)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    knob=st.sampled_from(list(SPANS)), a=st.floats(0, 1), b=st.floats(0, 1), eps=st.floats(0.5, 5)
)
def test_with_a_deposit_presale_deeper_discounts_never_lower_event_conversion(
    knob, a, b, eps
) -> None:
    """With deposit inflation part of the extra pre-sale demand is pulled from the harvest days by
    design, so a harvest day may convert less; the event's conversion and every pre-sale day's
    conversion never fall."""
    x0, x1 = SPANS[knob]
    lo, hi = sorted((a, b))
    c0, e0, p0 = _conversion(BASE, knob, x0 + (x1 - x0) * lo, eps)
    c1, e1, _ = _conversion(BASE, knob, x0 + (x1 - x0) * hi, eps)
    assert e1 >= e0 - 1e-12
    pre = np.array([k == "presale" for k in p0.kind])
    assert np.all(c1[pre] >= c0[pre] - 1e-12)
