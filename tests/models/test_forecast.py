"""Tests for omni_core.models.forecast: recovery of a known demand process, intervals, metrics."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from omni_core.models import forecast as fc

START = dt.date(2025, 9, 1)
WEEKDAY = np.array([0.85, 0.9, 0.95, 1.0, 1.05, 1.15, 1.1])  # Mon..Sun, truth


def _world(n_series: int = 60, days: int = 91, phi: float = 0.3, seed: int = 1):
    """Negative-binomial demand with known weekday shape and promo days (elasticity 1)."""
    rng = np.random.default_rng(seed)
    dates = [START + dt.timedelta(days=i) for i in range(days + 7)]
    promo = np.ones(days + 7)
    promo[[20, 21, 55, 70, days + 3]] = [2.0, 1.5, 3.0, 1.8, 2.5]
    level = rng.gamma(2.0, 3.0, n_series)
    wk = WEEKDAY / np.exp(np.log(WEEKDAY).mean())
    mean = level[:, None] * wk[[d.weekday() for d in dates]][None, :] * promo[None, :]
    y = rng.poisson(rng.gamma(1 / phi, mean * phi))
    return y, dates, promo, mean


def test_recovers_weekday_shape_and_promo_elasticity() -> None:
    y, dates, promo, _ = _world(n_series=400)
    m = fc.fit(y[:, :91], dates[:91], promo[:91])
    wk = WEEKDAY / np.exp(np.log(WEEKDAY).mean())
    assert m.weekday == pytest.approx(wk, abs=0.05)
    assert m.beta == pytest.approx(1.0, abs=0.1)
    assert m.growth == pytest.approx(0.0, abs=0.005)
    assert np.median(m.phi) == pytest.approx(0.3, abs=0.12)


def test_promo_day_is_forecast_and_intervals_cover_their_content() -> None:
    y, dates, promo, mean = _world(n_series=400, seed=2)
    m = fc.fit(y[:, :91], dates[:91], promo[:91])
    f = fc.predict(m, dates[91:], promo[91:])
    # the promo day 3 days ahead (x2.5) is forecast as such
    ratio = f[:, 3].sum() / f[:, [2, 4]].mean(1).sum()
    truth = mean[:, 94].sum() / mean[:, [93, 95]].mean(1).sum()
    assert ratio == pytest.approx(truth, rel=0.1)
    iv = fc.interval(f, m.phi[:, None], 0.8)
    act = y[:, 91:]
    cover = ((act >= iv["lo"]) & (act <= iv["hi"])).mean()
    assert cover == pytest.approx(iv["content"].mean(), abs=0.03)
    assert iv["content"].min() >= 0.8 - 1e-9


def test_interval_content_is_exact_for_a_poisson() -> None:
    iv = fc.interval(np.array([4.0]), 0.0, 0.8)
    lo, hi = stats.poisson.ppf([0.1, 0.9], 4.0)
    assert (iv["lo"][0], iv["hi"][0]) == (lo, hi)
    assert iv["content"][0] == pytest.approx(
        stats.poisson.cdf(hi, 4) - stats.poisson.cdf(lo - 1, 4)
    )


def test_sample_paths_keep_marginal_mean_and_variance() -> None:
    rng = np.random.default_rng(3)
    mean = np.array([[5.0, 2.0]])
    s = fc.sample_paths(mean, np.array([0.4]), rng, 40_000, common_sd=0.2)
    assert s.mean(axis=0)[0] == pytest.approx(mean[0], rel=0.03)
    assert s.var(axis=0)[0, 0] == pytest.approx(5 + 0.4 * 25, rel=0.06)


def test_seasonal_naive_and_accuracy() -> None:
    y = np.arange(14, dtype=float)[None, :]
    assert fc.seasonal_naive(y, 9)[0].tolist() == [7, 8, 9, 10, 11, 12, 13, 7, 8]
    import pandas as pd

    f = pd.DataFrame({"actual": [0.0, 2.0, 4.0], "forecast": [1.0, 1.0, 5.0]})
    acc = fc.accuracy(f)
    assert acc["wape"] == pytest.approx(3 / 6)
    assert acc["mape"] == pytest.approx((1 / 2 + 1 / 4) / 2)  # zero actual left out
    assert acc["bias"] == pytest.approx(1 / 6)


def test_backtest_beats_seasonal_naive_on_a_known_process() -> None:
    y, dates, promo, _ = _world(n_series=80, seed=4)
    bt = fc.backtest(y[:, :91], dates[:91], promo[:91], min_history=56, step=7)
    model, naive = fc.accuracy(bt), fc.accuracy(bt, forecast="naive")
    assert model["wape"] < naive["wape"]


def test_calendar_multiplier_and_errors() -> None:
    hp = np.ones(24)
    peak = np.ones((2, 24))
    peak[1, 0] = 25.0  # one hour x25 -> the day has 48/24 = 2x the sessions
    m = fc.calendar_multiplier([1.0, 1.0], [1.0, 1.2], [1.0, 1.5], peak, hp)
    assert m == pytest.approx([1.0, 2.0 * 1.2 * 1.5])
    with pytest.raises(ValueError):
        fc.fit(np.ones((2, 5)), [START] * 5, np.ones(5))
    with pytest.raises(ValueError):
        fc.interval(np.ones(2), 0.1, 1.2)
    y, dates, promo, _ = _world(n_series=3, days=80)
    m = fc.fit(y[:, :80], dates[:80], promo[:80])
    with pytest.raises(ValueError, match="after the last day"):
        fc.predict(m, dates[:2], promo[:2])
