"""Tests for omni_core.models.clv against published CDNOW estimates and independent oracles.

Oracles: lifetimes values, numerical integration of the likelihood, simulation recovery.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from omni_core.models import clv

DATA = Path(__file__).parent / "data" / "cdnow_customers_summary_with_transactions.csv"

# Published CDNOW values (Fader, Hardie & Lee 2005a, Table/Section 5; Fader & Hardie 2013 note 025)
BG_PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GG_PUBLISHED = {"p": 6.25, "q": 3.74, "gamma": 15.44}

# Oracle values computed with lifetimes 0.11.3 (BetaGeoFitter / GammaGammaFitter with params_
# set to BG_PUBLISHED and GG_PUBLISHED) in a scratch virtualenv; lifetimes is not a dependency.
CASES = [
    (0, 0.0, 38.86),
    (1, 1.71, 38.86),
    (2, 30.43, 38.86),
    (7, 29.43, 32.0),
    (29, 38.43, 38.86),
    (5, 2.0, 35.0),
    (10, 20.0, 30.0),
]
MONETARY = [0.0, 11.77, 22.35, 40.0, 55.5, 18.2, 30.0]
LT_COND_39 = [0.19509805201125396, 0.20318698707975183, 1.226028174767135, 5.15188029825833,
              19.67737718727825, 0.0024436596282089, 2.616816842993879]  # fmt: skip
LT_COND_200 = [0.7559129066405761, 0.7244339329723768, 4.185927065957676, 15.776720524910232,
               60.293586625103515, 0.007737218892698503, 7.807067026628374]  # fmt: skip
LT_PALIVE = [1.0, 0.2121009853773791, 0.726578570080673, 0.8621338880958863,
             0.9662746336193763, 0.0005945532047336975, 0.29971251406584276]  # fmt: skip
LT_NEW = [0.05326789117165627, 0.4324133622344203, 1.1967231933207985, 1.8605190579427455,
          4.887868155290883]  # fmt: skip
LT_SPEND = [35.21897810218978, 18.91685205784205, 24.663713910761157, 39.7182189718219,
            55.19797271590848, 19.571932921447488, 30.219190680564072]  # fmt: skip
# lifetimes customer_lifetime_value(time=12, discount_rate=0.01, freq="W")
LT_CLV = [8.369004358920185, 4.637294659747194, 36.28921112559952, 241.86841746084025,
          1284.182157901996, 0.05681214858594433, 93.10004905915571]  # fmt: skip
BG_A2 = {"r": 1.3, "alpha": 12.0, "a": 2.5, "b": 6.0}
LT_A2_COND_26 = [0.5689985258022795, 0.101645360614974, 0.8122751638541152, 2.5204189987992742,
                 9.136994270541845, 0.0049116756466109236, 0.9974674623480719]  # fmt: skip
LT_A2_PALIVE = [1.0, 0.10529584268944273, 0.6062532303502017, 0.744422979904968,
                0.9131570779320958, 0.0019391309569952054, 0.21736448073261785]  # fmt: skip
LT_A2_NEW = [0.10537914410357951, 0.8530791014833838, 2.125876037763452, 2.917643286291709,
             4.450274241174992]  # fmt: skip
NEW_T = [1.0, 10.0, 39.0, 78.0, 500.0]


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(DATA)


@pytest.fixture(scope="module")
def cdnow_fit(cdnow: pd.DataFrame) -> dict[str, float]:
    return clv.fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


@pytest.fixture(scope="module")
def cases() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, age = (np.array(c, dtype=float) for c in zip(*CASES, strict=True))
    return x, t_x, age


# ------------------------------------------------------------------ published CDNOW results
def test_cdnow_bgnbd_reproduces_published_estimates(cdnow: pd.DataFrame, cdnow_fit: dict) -> None:
    assert len(cdnow) == 2357
    fit = cdnow_fit
    assert set(fit) == {"r", "alpha", "a", "b", "loglik"}
    for key, value in BG_PUBLISHED.items():
        assert round(fit[key], 3) == pytest.approx(value, abs=1e-9), key
    assert fit["loglik"] == pytest.approx(-9582.4, abs=0.05)


def test_cdnow_gamma_gamma_reproduces_published_estimates(cdnow: pd.DataFrame) -> None:
    assert int((cdnow["x"] > 0).sum()) == 946
    fit = clv.fit_gamma_gamma(cdnow["x"], cdnow["zbar"])
    assert set(fit) == {"p", "q", "gamma", "loglik"}
    assert fit["p"] == pytest.approx(6.25, abs=0.005)
    assert fit["q"] == pytest.approx(3.74, abs=0.005)
    # zbar in the public file is rounded to cents, which moves gamma from 15.44 to 15.448
    assert fit["gamma"] == pytest.approx(15.44, abs=0.01)
    # loglik is the full density (Jacobian terms included) summed over the 946 repeaters
    x = cdnow["x"].to_numpy(float)
    m = cdnow["zbar"].to_numpy(float)
    keep = x > 0
    p, q, g = fit["p"], fit["q"], fit["gamma"]
    # independent evaluation: zbar | nu ~ Gamma(px, rate nu x) integrated over nu ~ Gamma(q, g)
    ll = 0.0
    for xi, mi in list(zip(x[keep], m[keep], strict=True))[:10]:
        dens = integrate.quad(
            lambda nu, xi=xi, mi=mi: (
                stats.gamma.pdf(mi, p * xi, scale=1 / (nu * xi))
                * stats.gamma.pdf(nu, q, scale=1 / g)
            ),
            0,
            np.inf,
            limit=200,
        )[0]
        ll += np.log(dens)
    first = clv._gg_loglik_terms(np.array([p, q, g]), x[keep][:10], m[keep][:10], grad=False)[0]
    assert first.sum() == pytest.approx(ll, rel=1e-7)


def test_cdnow_weights_and_compression_give_same_fit(cdnow: pd.DataFrame, cdnow_fit: dict) -> None:
    grouped = cdnow.groupby(["x", "t_x", "T"], as_index=False).size()
    fit_w = clv.fit_bgnbd(grouped["x"], grouped["t_x"], grouped["T"], weights=grouped["size"])
    fit = cdnow_fit
    for key in ("r", "alpha", "a", "b", "loglik"):
        assert fit_w[key] == pytest.approx(fit[key], rel=1e-5)


def test_penalizer_matches_lifetimes(cdnow: pd.DataFrame, cdnow_fit: dict) -> None:
    plain = cdnow_fit
    pen = clv.fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"], penalizer=0.1)
    # lifetimes BetaGeoFitter(penalizer_coef=0.1).fit(...) on the same data
    expected = {
        "r": 0.23094701386573419,
        "alpha": 4.2192875236191,
        "a": 0.12865474020745912,
        "b": 0.26712679605041983,
    }
    for key, value in expected.items():
        assert pen[key] == pytest.approx(value, rel=1e-4), key
    assert pen["loglik"] < plain["loglik"]


# ------------------------------------------------------------------ likelihood vs integration
@pytest.mark.parametrize("x,t_x,age", [(0, 0.0, 30.0), (1, 5.0, 30.0), (4, 22.5, 36.0)])
def test_bgnbd_likelihood_matches_numerical_integration(x: int, t_x: float, age: float) -> None:
    """ln L from FHL 2005a eq. 6 equals the individual likelihood integrated over the mixing
    distributions lambda ~ Gamma(r, alpha), p ~ Beta(a, b) (smooth case r, a, b > 1)."""
    r, alpha, a, b = 1.7, 5.0, 1.4, 2.2
    log_norm_g = r * math.log(alpha) - math.lgamma(r)
    log_norm_b = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)

    def individual(lam: float, p: float) -> float:
        like = (1 - p) ** x * lam**x * math.exp(-lam * age)
        if x > 0:
            like += p * (1 - p) ** (x - 1) * lam**x * math.exp(-lam * t_x)
        dens_l = math.exp(log_norm_g + (r - 1) * math.log(lam) - alpha * lam) if lam > 0 else 0.0
        dens_p = math.exp(log_norm_b) * p ** (a - 1) * (1 - p) ** (b - 1)
        return like * dens_l * dens_p

    expected, _ = integrate.dblquad(individual, 0, 1, 0, 10, epsabs=0, epsrel=1e-10)
    got = clv._bgnbd_loglik_terms(
        np.array([r, alpha, a, b]), np.array([x], float), np.array([t_x]), np.array([age])
    )[0]
    assert got == pytest.approx(math.log(expected), abs=1e-7)


# ------------------------------------------------------------------ lifetimes oracle values
def test_predictions_match_lifetimes(cases: tuple[np.ndarray, ...]) -> None:
    x, t_x, age = cases
    np.testing.assert_allclose(
        clv.expected_purchases(BG_PUBLISHED, 39, x, t_x, age), LT_COND_39, rtol=1e-10
    )
    np.testing.assert_allclose(
        clv.expected_purchases(BG_PUBLISHED, 200, x, t_x, age), LT_COND_200, rtol=1e-10
    )
    np.testing.assert_allclose(clv.prob_alive(BG_PUBLISHED, x, t_x, age), LT_PALIVE, rtol=1e-12)
    np.testing.assert_allclose(clv.expected_purchases_new(BG_PUBLISHED, NEW_T), LT_NEW, rtol=1e-10)
    np.testing.assert_allclose(clv.expected_purchases(BG_A2, 26, x, t_x, age), LT_A2_COND_26)
    np.testing.assert_allclose(clv.prob_alive(BG_A2, x, t_x, age), LT_A2_PALIVE, rtol=1e-12)
    np.testing.assert_allclose(clv.expected_purchases_new(BG_A2, NEW_T), LT_A2_NEW, rtol=1e-10)


def test_spend_and_clv_match_lifetimes(cases: tuple[np.ndarray, ...]) -> None:
    x, t_x, age = cases
    np.testing.assert_allclose(clv.expected_spend(GG_PUBLISHED, x, MONETARY), LT_SPEND, rtol=1e-12)
    value = clv.customer_lifetime_value(
        BG_PUBLISHED,
        GG_PUBLISHED,
        x,
        t_x,
        age,
        MONETARY,
        horizon=12 * 4.345,
        discount_rate=0.01,
        step=4.345,
    )
    np.testing.assert_allclose(value, LT_CLV, rtol=1e-9)


def test_expected_spend_is_credibility_weighted_average() -> None:
    p, q, g = 6.0, 4.0, 15.0
    pop_mean = p * g / (q - 1)
    assert clv.expected_spend({"p": p, "q": q, "gamma": g}, 0, 0.0) == pytest.approx(pop_mean)
    w = p * 3 / (p * 3 + q - 1)
    got = clv.expected_spend((p, q, g), 3, 50.0)
    assert got == pytest.approx((1 - w) * pop_mean + w * 50.0)


# ------------------------------------------------------------------ numerics
def test_expected_purchases_continuous_through_a_equal_one(cases: tuple[np.ndarray, ...]) -> None:
    x, t_x, age = cases
    near = [
        clv.expected_purchases(dict(BG_PUBLISHED, a=a), 39, x, t_x, age)
        for a in (1 - 1e-3, 1 - 1e-8, 1.0, 1 + 1e-8, 1 + 1e-3)
    ]
    np.testing.assert_allclose(near[2], near[1], rtol=1e-7)
    np.testing.assert_allclose(near[2], near[3], rtol=1e-7)
    np.testing.assert_allclose(near[2], (near[0] + near[4]) / 2, rtol=1e-5)
    assert np.isfinite(clv.expected_purchases_new(dict(BG_PUBLISHED, a=1.0), 39.0))


def test_expected_purchases_large_horizon_and_limits(cases: tuple[np.ndarray, ...]) -> None:
    x, t_x, age = cases
    far = clv.expected_purchases(BG_PUBLISHED, 1e7, x, t_x, age)
    assert np.all(np.isfinite(far)) and np.all(far > 0)
    # a > 1: purchases over an infinite horizon converge to (a+b-1)/(a-1) for a new customer
    limit = (BG_A2["a"] + BG_A2["b"] - 1) / (BG_A2["a"] - 1)
    assert clv.expected_purchases_new(BG_A2, 1e12) == pytest.approx(limit, rel=1e-6)
    assert clv.expected_purchases(BG_A2, 0.0, 3, 10.0, 20.0) == 0.0


@pytest.mark.parametrize(
    "params",
    [
        BG_PUBLISHED,
        BG_A2,
        {"r": 5.0, "alpha": 0.1, "a": 50.0, "b": 0.5},
        {"r": 1, "alpha": 2, "a": 2, "b": 1},
    ],
)
def test_closed_form_matches_quadrature(params: dict) -> None:
    """FHL eq. 10 (via hyp2f1) equals the posterior expectation E_p[(1 - (1 + p t/(alpha+T))^-(r+x))
    / p] under p ~ Beta(a, b + x) computed by quadrature, including where scipy's hyp2f1 returns
    NaN (large x with t/(alpha+T+t) near 1), which triggers the quadrature fallback."""
    r, alpha, a, b = (float(params[k]) for k in ("r", "alpha", "a", "b"))
    for x, age in ((0, 39.0), (3, 39.0), (40, 30.0), (1000, 39.0)):
        for t in (0.5, 39.0, 1e4):
            closed = clv._expected_if_alive(
                r, alpha, a, b, np.array([float(x)]), np.array([age]), np.array([t])
            )[0]
            quad = clv._expected_if_alive_quad(r, alpha, a, b, float(x), age, t)
            assert closed == pytest.approx(quad, rel=1e-8), (x, age, t)
    assert np.isfinite(
        clv.expected_purchases({"r": 5, "alpha": 0.1, "a": 50, "b": 0.5}, 1e4, 1000, 38.0, 39.0)
    )


def test_output_types() -> None:
    assert isinstance(clv.prob_alive(BG_PUBLISHED, 2, 10.0, 20.0), float)
    assert clv.prob_alive(BG_PUBLISHED, 0, 0.0, 20.0) == 1.0
    s = pd.Series([0, 2], index=["u1", "u2"])
    out = clv.expected_purchases(BG_PUBLISHED, 10, s, [0.0, 5.0], [20.0, 20.0])
    assert isinstance(out, pd.Series) and list(out.index) == ["u1", "u2"]
    out = clv.expected_purchases_new(BG_PUBLISHED, [1.0, 2.0])
    assert isinstance(out, np.ndarray) and out.shape == (2,)


# ------------------------------------------------------------------ simulation
def _hessian_se(fun, u: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Standard errors from the numerical Hessian of a total log-likelihood ``fun(u)``."""
    k = u.size
    hess = np.empty((k, k))
    eye = np.eye(k) * h
    for i in range(k):
        for j in range(k):
            hess[i, j] = (
                fun(u + eye[i] + eye[j])
                - fun(u + eye[i] - eye[j])
                - fun(u - eye[i] + eye[j])
                + fun(u - eye[i] - eye[j])
            ) / (4 * h * h)
    return np.sqrt(np.diag(np.linalg.inv(-hess)))


def test_bgnbd_parameter_recovery_within_standard_errors() -> None:
    true = {"r": 0.6, "alpha": 8.0, "a": 0.9, "b": 3.0}
    rng = np.random.default_rng(20240601)
    n = 20_000
    sim = clv.simulate_bgnbd(true, n, rng.uniform(26, 52, n), rng)
    x, t_x, age = (sim[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    fit = clv.fit_bgnbd(x, t_x, age)
    u_hat = np.log([fit[k] for k in ("r", "alpha", "a", "b")])

    def total(u: np.ndarray) -> float:
        return float(clv._bgnbd_loglik_terms(np.exp(u), x, t_x, age).sum())

    se = _hessian_se(total, u_hat)  # SE of log-parameters (about 3-7% here)
    assert np.all(se < 0.1)
    z = (u_hat - np.log([true[k] for k in ("r", "alpha", "a", "b")])) / se
    assert np.all(np.abs(z) < 4), z
    # the fitted optimum is a maximum of the likelihood
    assert fit["loglik"] >= total(np.log([true[k] for k in ("r", "alpha", "a", "b")]))


def test_gamma_gamma_parameter_recovery_within_standard_errors() -> None:
    true = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    rng = np.random.default_rng(7)
    freq = rng.poisson(2.5, 20_000)
    spend = clv.simulate_gamma_gamma(true, freq, rng)
    assert np.all(spend[freq == 0] == 0) and np.all(spend[freq > 0] > 0)
    fit = clv.fit_gamma_gamma(freq, spend)
    keep = freq > 0
    x, m = freq[keep].astype(float), spend[keep]

    def total(u: np.ndarray) -> float:
        return float(clv._gg_loglik_terms(np.exp(u), x, m, grad=False)[0].sum())

    u_hat = np.log([fit["p"], fit["q"], fit["gamma"]])
    se = _hessian_se(total, u_hat)
    z = (u_hat - np.log([6.0, 4.0, 15.0])) / se
    assert np.all(np.abs(z) < 4), z
    assert fit["loglik"] == pytest.approx(total(u_hat))


def test_predictions_match_monte_carlo() -> None:
    true = {"r": 0.6, "alpha": 8.0, "a": 0.9, "b": 3.0}
    rng = np.random.default_rng(11)
    n = 40_000
    sim = clv.simulate_bgnbd(true, n, 39.0, rng, t_holdout=26.0)
    x, t_x, age = sim["frequency"], sim["recency"], sim["T"]
    # unconditional mean E[X(T)]
    se = x.std() / np.sqrt(n)
    assert abs(x.mean() - clv.expected_purchases_new(true, 39.0)) < 4 * se
    # P(alive): its average equals the share still alive (law of total probability)
    alive = clv.prob_alive(true, x, t_x, age)
    assert abs(alive.mean() - sim["alive"].mean()) < 4 * sim["alive"].std() / np.sqrt(n)
    # conditional expectation of hold-out purchases, overall and by frequency
    pred = clv.expected_purchases(true, 26.0, x, t_x, age)
    hold = sim["frequency_holdout"]
    assert abs(pred.mean() - hold.mean()) < 4 * hold.std() / np.sqrt(n)
    for k in range(5):
        sel = x == k
        assert abs(pred[sel].mean() - hold[sel].mean()) < 4 * hold[sel].std() / np.sqrt(sel.sum())


def test_simulation_is_reproducible_and_valid() -> None:
    a = clv.simulate_bgnbd(BG_PUBLISHED, 500, 39.0, np.random.default_rng(3))
    b = clv.simulate_bgnbd(BG_PUBLISHED, 500, 39.0, np.random.default_rng(3))
    pd.testing.assert_frame_equal(a, b)
    assert (a["recency"] <= a["T"]).all()
    assert (a.loc[a["frequency"] == 0, "recency"] == 0).all()
    assert (a.loc[a["frequency"] > 0, "recency"] > 0).all()
    with pytest.raises(ValueError):
        clv.simulate_bgnbd(BG_PUBLISHED, 3, [10.0, 20.0], 0)
    with pytest.raises(ValueError, match="seeded"):
        clv.simulate_bgnbd(BG_PUBLISHED, 3, 10.0, None)


# ------------------------------------------------------------------ simple maths
def test_simple_ltv_and_ratio() -> None:
    assert clv.simple_ltv(200.0, 3.0) == pytest.approx(600.0)
    assert clv.simple_ltv(200.0, 3.0, 1.5) == pytest.approx(900.0)
    np.testing.assert_allclose(clv.simple_ltv([100, 50], [2, 4], [1, 2]), [200.0, 400.0])
    assert clv.ltv_cac_ratio(900.0, 300.0) == pytest.approx(3.0)
    np.testing.assert_allclose(clv.ltv_cac_ratio([300.0, 100.0], 100.0), [3.0, 1.0])
    with pytest.raises(ValueError):
        clv.ltv_cac_ratio(100.0, 0.0)
    with pytest.raises(ValueError):
        clv.simple_ltv(-1.0, 2.0)


def test_clv_discounting_and_horizon(cases: tuple[np.ndarray, ...]) -> None:
    x, t_x, age = cases
    kw = {"horizon": 52.0, "step": 4.0}
    undiscounted = clv.customer_lifetime_value(
        BG_PUBLISHED, GG_PUBLISHED, x, t_x, age, MONETARY, discount_rate=0.0, **kw
    )
    spend = clv.expected_spend(GG_PUBLISHED, x, MONETARY)
    np.testing.assert_allclose(
        undiscounted, spend * clv.expected_purchases(BG_PUBLISHED, 52.0, x, t_x, age)
    )
    discounted = clv.customer_lifetime_value(
        BG_PUBLISHED, GG_PUBLISHED, x, t_x, age, MONETARY, discount_rate=0.02, **kw
    )
    assert np.all(discounted < undiscounted)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "frequency,recency,T,match",
    [
        ([1, -1], [2.0, 0.0], [5.0, 5.0], "non-negative"),
        ([1, 2], [6.0, 1.0], [5.0, 5.0], "recency cannot exceed T"),
        ([0, 2], [1.0, 1.0], [5.0, 5.0], "frequency 0"),
        ([1, 2, 3], [1.0, 1.0], [5.0, 5.0], "length mismatch"),
        ([], [], [], "empty"),
        ([1.5], [1.0], [5.0], "integer"),
        ([1], [np.nan], [5.0], "NaN"),
    ],
)
def test_bad_rfm_input_raises(frequency, recency, T, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        clv.fit_bgnbd(frequency, recency, T)
    if frequency:
        with pytest.raises(ValueError, match=match):
            clv.prob_alive(BG_PUBLISHED, frequency, recency, T)


def test_other_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="frequency > 0"):
        clv.fit_gamma_gamma([0, 0], [0.0, 0.0])
    with pytest.raises(ValueError, match="no repeat purchases"):
        clv.fit_bgnbd([0, 0], [0.0, 0.0], [5.0, 8.0])
    with pytest.raises(ValueError, match="positive"):
        clv.fit_gamma_gamma([1, 2], [0.0, 10.0])
    with pytest.raises(ValueError, match="length mismatch"):
        clv.fit_gamma_gamma([1, 2], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="weights"):
        clv.fit_bgnbd([1, 2], [1.0, 2.0], [3.0, 3.0], weights=[1.0])
    with pytest.raises(ValueError, match="positive"):
        clv.prob_alive({"r": -1, "alpha": 1, "a": 1, "b": 1}, 1, 1.0, 2.0)
    with pytest.raises(ValueError, match="missing"):
        clv.expected_purchases_new({"r": 1, "alpha": 1, "a": 1}, 1.0)
    with pytest.raises(ValueError, match="q > 1"):
        clv.expected_spend({"p": 1, "q": 0.5, "gamma": 1}, 1, 10.0)
    with pytest.raises(ValueError, match="horizon"):
        clv.customer_lifetime_value(
            BG_PUBLISHED, GG_PUBLISHED, 1, 1.0, 2.0, 5.0, horizon=0, discount_rate=0.1
        )


@pytest.mark.parametrize("scale", [1e3, 1e6, 1e9])
def test_expected_purchases_concentrated_beta_tends_to_fixed_p(scale: float) -> None:
    """Huge a + b: p ~ Beta(a, b + x) collapses on a/(a+b), so E -> P(alive) (1-(1+p tau)^-(r+x))/p.

    Below the concentration threshold the same integral agrees with the closed form; above it
    the closed form's hyp2f1 overflows and the log-space quadrature must still be finite.
    """
    r, alpha = 0.8, 6.0
    a, b = 0.1 * scale, 0.9 * scale
    x, t_x, age, t = np.array([0.0, 4.0]), np.array([0.0, 30.0]), np.array([40.0, 40.0]), 52.0
    got = np.asarray(clv.expected_purchases((r, alpha, a, b), t, x, t_x, age))
    assert np.all(np.isfinite(got))
    p = a / (a + b + x)
    tau = t / (alpha + age)
    limit = np.asarray(clv.prob_alive((r, alpha, a, b), x, t_x, age)) * (
        -np.expm1(-(r + x) * np.log1p(p * tau)) / p
    )
    np.testing.assert_allclose(got, limit, rtol=5.0 / np.sqrt(scale))


def test_log_space_quadrature_matches_closed_form_where_both_work() -> None:
    """The concentrated-Beta integral equals FHL eq. 10's closed form at a + b + x = 705."""
    closed = clv._expected_if_alive(0.5, 3.0, 400.0, 300.0, np.array([5.0]), np.array([40.0]),
                                    np.array([30.0]))[0]  # fmt: skip
    assert clv._expected_if_alive_quad(0.5, 3.0, 400.0, 300.0, 5.0, 40.0, 30.0) == pytest.approx(
        closed, rel=1e-10
    )
