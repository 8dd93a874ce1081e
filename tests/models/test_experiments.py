"""Tests for omni_core.models.experiments against scipy, statsmodels and published tables.

statsmodels values were computed in a scratch virtualenv (statsmodels 0.15); it is not a
dependency.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from omni_core.models import experiments as ex

# ------------------------------------------------------------------ two-proportion z test


@pytest.mark.parametrize(
    "s_a,n_a,s_b,n_b",
    [(200, 2000, 230, 2000), (41, 987, 57, 1023), (3, 40, 11, 35), (500, 10000, 480, 9000)],
)
def test_z_test_matches_scipy_chi2(s_a: int, n_a: int, s_b: int, n_b: int) -> None:
    res = ex.two_proportion_test(s_a, n_a, s_b, n_b)
    chi = stats.chi2_contingency([[s_a, n_a - s_a], [s_b, n_b - s_b]], correction=False)
    assert res["z"] ** 2 == pytest.approx(chi.statistic, rel=1e-12)
    assert res["p_value"] == pytest.approx(chi.pvalue, rel=1e-9)
    assert np.sign(res["z"]) == np.sign(s_b / n_b - s_a / n_a)
    assert res["diff"] == pytest.approx(s_b / n_b - s_a / n_a)
    assert res["lift"] == pytest.approx(res["diff"] / (s_a / n_a))


def test_z_test_matches_statsmodels() -> None:
    # statsmodels proportions_ztest([s_b, s_a], [n_b, n_a]) and
    # confint_proportions_2indep(s_b, n_b, s_a, n_a, method="wald", compare="diff")
    res = ex.two_proportion_test(200, 2000, 230, 2000)
    assert res["z"] == pytest.approx(1.5313798014046314, rel=1e-12)
    assert res["p_value"] == pytest.approx(0.1256755531487736, rel=1e-10)
    assert res["ci_low"] == pytest.approx(-0.004192391270222379, rel=1e-10)
    assert res["ci_high"] == pytest.approx(0.034192391270222375, rel=1e-10)
    res = ex.two_proportion_test(41, 987, 57, 1023, alpha=0.1)
    assert res["z"] == pytest.approx(1.475592174675758, rel=1e-12)
    assert res["p_value"] == pytest.approx(0.1400534071262748, rel=1e-10)
    assert res["ci_low"] == pytest.approx(-0.0015786819384762014, rel=1e-9)
    assert res["ci_high"] == pytest.approx(0.02993559155825472, rel=1e-10)
    assert not res["significant"]


def test_z_test_degenerate_and_errors() -> None:
    res = ex.two_proportion_test(0, 100, 0, 120)
    assert res["z"] == 0.0 and res["p_value"] == 1.0 and np.isnan(res["lift"])
    with pytest.raises(ValueError):
        ex.two_proportion_test(11, 10, 5, 10)
    with pytest.raises(ValueError):
        ex.two_proportion_test(1, 0, 5, 10)
    with pytest.raises(ValueError):
        ex.two_proportion_test(-1, 10, 5, 10)
    with pytest.raises(ValueError):
        ex.two_proportion_test(1, 10, 5, 10, alpha=1.5)


# ------------------------------------------------------------------ Welch


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(10, 2, 50)
    b = rng.normal(11, 5, 80)
    res = ex.welch_t_test(a, b, alpha=0.1)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert res["t"] == pytest.approx(ref.statistic, rel=1e-12)
    assert res["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert res["df"] == pytest.approx(ref.df, rel=1e-12)
    ci = ref.confidence_interval(0.9)
    assert res["ci_low"] == pytest.approx(ci.low, rel=1e-10)
    assert res["ci_high"] == pytest.approx(ci.high, rel=1e-10)
    assert res["diff"] == pytest.approx(b.mean() - a.mean())


def test_welch_from_stats_matches_scipy() -> None:
    res = ex.welch_t_test_from_stats(52.1, 11.3, 40, 57.9, 18.6, 25)
    ref = stats.ttest_ind_from_stats(57.9, 18.6, 25, 52.1, 11.3, 40, equal_var=False)
    assert res["t"] == pytest.approx(ref.statistic, rel=1e-12)
    assert res["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    with pytest.raises(ValueError):
        ex.welch_t_test([1.0], [1.0, 2.0])
    with pytest.raises(ValueError):
        ex.welch_t_test([1.0, 1.0], [2.0, 2.0])
    with pytest.raises(ValueError):
        ex.welch_t_test([1.0, np.nan], [2.0, 3.0])


# ------------------------------------------------------------------ power and sample size


def test_power_and_sample_size_published_values() -> None:
    # R documentation of power.prop.test: n=50, p1=.5, p2=.75 => power = 0.740;
    # p1=.5, p2=.75, power=.9 => n = 76.7
    assert ex.power_two_proportions(0.5, 0.25, 50) == pytest.approx(0.740, abs=5e-4)
    assert ex.sample_size_two_proportions(0.5, 0.25, power=0.9) == 77
    # statsmodels samplesize_proportions_2indep_onetail / power_proportions_2indep
    assert ex.power_two_proportions(0.5, 0.25, 50) == pytest.approx(0.7401671934536109, rel=1e-9)
    assert ex.sample_size_two_proportions(0.04, 0.01) == int(np.ceil(6744.933074884897))
    assert ex.sample_size_two_proportions(0.04, -0.01) == int(np.ceil(5300.739171069878))
    # unequal allocation n_b = 2 n_a (statsmodels: nobs1 = n_b = 4882.0109, ratio = n_a/n_b)
    assert ex.sample_size_two_proportions(0.08, 0.02, ratio=2.0) == int(
        np.ceil(4882.010910465053 / 2)
    )
    assert ex.power_two_proportions(0.08, 0.02, 2000, ratio=2.0) == pytest.approx(
        0.7155038855080733, rel=1e-9
    )
    # relative MDE: 10% relative lift on 5% is 5.0% -> 5.5%
    assert ex.sample_size_two_proportions(
        0.05, 0.10, relative=True
    ) == ex.sample_size_two_proportions(0.05, 0.005)


@pytest.mark.parametrize(
    "p_a,mde,power,ratio",
    [(0.1, 0.02, 0.8, 1.0), (0.02, 0.004, 0.9, 1.0), (0.3, -0.05, 0.8, 0.5), (0.5, 0.1, 0.95, 3)],
)
def test_power_of_sample_size_reaches_target(p_a: float, mde: float, power: float, ratio: float):
    n = ex.sample_size_two_proportions(p_a, mde, power=power, ratio=ratio)
    assert ex.power_two_proportions(p_a, mde, n, ratio=ratio) >= power
    assert ex.power_two_proportions(p_a, mde, n - 1, ratio=ratio) < power + 1e-6


def test_power_errors() -> None:
    with pytest.raises(ValueError):
        ex.sample_size_two_proportions(0.95, 0.1)
    with pytest.raises(ValueError):
        ex.sample_size_two_proportions(0.1, 0.0)
    with pytest.raises(ValueError):
        ex.power_two_proportions(0.1, 0.02, -5)


# ------------------------------------------------------------------ multiple variants


def test_adjust_p_values_matches_statsmodels_multipletests() -> None:
    pv = [0.01, 0.04, 0.03, 0.005, 0.20, 0.04]
    np.testing.assert_allclose(
        ex.adjust_p_values(pv, "bonferroni"), [0.06, 0.24, 0.18, 0.03, 1.0, 0.24]
    )
    np.testing.assert_allclose(ex.adjust_p_values(pv, "holm"), [0.05, 0.12, 0.12, 0.03, 0.2, 0.12])
    np.testing.assert_allclose(ex.adjust_p_values(pv, "bh"), [0.03, 0.048, 0.048, 0.03, 0.2, 0.048])
    np.testing.assert_allclose(ex.adjust_p_values(pv, "none"), pv)
    with pytest.raises(ValueError, match="unknown correction"):
        ex.adjust_p_values(pv, "sidak-ish")


def test_ab_n_test() -> None:
    succ = pd.Series([200, 230, 260, 190], index=["control", "red", "green", "blue"])
    res = ex.ab_n_test(succ, [2000, 2000, 2000, 2000], correction="holm")
    table = res["comparisons"]
    assert list(table["variant"]) == ["red", "green", "blue"]
    raw = [ex.two_proportion_test(200, 2000, s, 2000)["p_value"] for s in (230, 260, 190)]
    np.testing.assert_allclose(table["p_value"], raw)
    np.testing.assert_allclose(table["p_adjusted"], ex.adjust_p_values(raw, "holm"))
    assert list(table["significant"]) == [False, True, False]
    chi = stats.chi2_contingency(
        np.array([[200, 1800], [230, 1770], [260, 1740], [190, 1810]]), correction=False
    )
    assert res["chi2"] == pytest.approx(chi.statistic)
    assert res["p_value"] == pytest.approx(chi.pvalue)
    assert res["dof"] == 3 and res["control"] == "control"
    other = ex.ab_n_test([230, 200, 260], [2000, 2000, 2000], control=1, correction="bonferroni")
    assert list(other["comparisons"]["variant"]) == ["variant_0", "variant_2"]
    with pytest.raises(ValueError):
        ex.ab_n_test([1, 2], [10])
    with pytest.raises(ValueError):
        ex.ab_n_test([1, 2], [10, 10], control=5)


# ------------------------------------------------------------------ sequential testing

# Armitage, McPherson & Rowe (1969), Table 2: overall level of repeated 5% tests, equal looks
AMR_1969 = {2: 0.083, 3: 0.107, 4: 0.126, 5: 0.142, 10: 0.193, 20: 0.248}


def test_exact_repeated_testing_level_matches_published_table() -> None:
    z = stats.norm.ppf(0.975)
    for looks, published in AMR_1969.items():
        exact = ex.sequential_rejection_probability(np.full(looks, z))
        assert exact == pytest.approx(published, abs=6e-4), looks
    assert ex.sequential_rejection_probability([z]) == pytest.approx(0.05, abs=1e-12)


def test_peeking_simulation_matches_exact_value() -> None:
    z = stats.norm.ppf(0.975)
    for looks in (1, 5, 10):
        n_sims = 100_000
        sim = ex.peeking_false_positive_rate(looks, 0.05, n_sims, np.random.default_rng(looks))
        exact = ex.sequential_rejection_probability(np.full(looks, z))
        assert abs(sim - exact) < 4 * np.sqrt(exact * (1 - exact) / n_sims)
    assert ex.peeking_false_positive_rate(3, 0.05, 1000, 5) == ex.peeking_false_positive_rate(
        3, 0.05, 1000, np.random.default_rng(5)
    )


def test_lan_demets_obrien_fleming_published_boundaries() -> None:
    # Lan-DeMets O'Brien-Fleming-type spending, 5 equally spaced looks, two-sided 0.05
    # (Reboussin et al. ld98 / gsDesign): 4.877, 3.357, 2.680, 2.290, 2.031
    bounds = ex.obrien_fleming_boundaries(5, 0.05)
    np.testing.assert_allclose(bounds, [4.877, 3.357, 2.680, 2.290, 2.031], atol=1e-3)
    assert ex.sequential_rejection_probability(bounds) == pytest.approx(0.05, abs=1e-7)


def test_lan_demets_pocock_boundaries_spend_alpha() -> None:
    bounds = ex.pocock_boundaries(5, 0.05)
    np.testing.assert_allclose(bounds, [2.438, 2.427, 2.410, 2.397, 2.386], atol=1e-3)
    assert ex.sequential_rejection_probability(bounds) == pytest.approx(0.05, abs=1e-7)
    t = [0.2, 0.45, 0.7, 1.0]
    bounds = ex.obrien_fleming_boundaries(4, 0.025, information_fractions=t)
    assert ex.sequential_rejection_probability(bounds, t) == pytest.approx(0.025, abs=1e-7)
    assert np.all(np.diff(bounds) < 0)


def test_classical_constants_match_jennison_turnbull_tables() -> None:
    # Jennison & Turnbull (2000) Table 2.1 (Pocock C_P) and Table 2.3 (O'Brien-Fleming C_B)
    pocock = {2: 2.178, 3: 2.289, 4: 2.361, 5: 2.413}
    obf = {2: 1.977, 3: 2.004, 4: 2.024, 5: 2.040}
    for k in pocock:
        assert ex.pocock_boundaries(k, method="classical")[0] == pytest.approx(pocock[k], abs=1e-3)
        ob = ex.obrien_fleming_boundaries(k, method="classical")
        assert ob[-1] == pytest.approx(obf[k], abs=1e-3)
        np.testing.assert_allclose(ob, ob[-1] * np.sqrt(k / np.arange(1, k + 1)))


def test_obrien_fleming_boundaries_control_simulated_error() -> None:
    rng = np.random.default_rng(99)
    bounds = ex.obrien_fleming_boundaries(5)
    walk = np.cumsum(rng.standard_normal((200_000, 5)), axis=1) / np.sqrt(np.arange(1, 6))
    rate = np.mean(np.any(np.abs(walk) >= bounds, axis=1))
    assert abs(rate - 0.05) < 4 * np.sqrt(0.05 * 0.95 / 200_000)


def test_peeking_warning() -> None:
    assert ex.peeking_warning(1) is None
    msg = ex.peeking_warning(5)
    assert "14.2%" in msg and "4.88" in msg
    with pytest.raises(ValueError):
        ex.obrien_fleming_boundaries(3, information_fractions=[0.5, 0.4, 1.0])
    with pytest.raises(ValueError):
        ex.pocock_boundaries(0)


# ------------------------------------------------------------------ orthogonal arrays

SHAPES = {"L4": (4, 3), "L8": (8, 7), "L9": (9, 4), "L16": (16, 15), "L18": (18, 8)}


@pytest.mark.parametrize("name", list(SHAPES))
def test_orthogonal_array_balanced_and_pairwise_orthogonal(name: str) -> None:
    oa = ex.orthogonal_array(name)
    assert oa.shape == SHAPES[name]
    assert list(oa.columns) == [chr(ord("A") + i) for i in range(oa.shape[1])]
    assert oa.to_numpy().min() == 1
    assert (oa.iloc[0] == 1).all()  # Taguchi tables start with the all-ones run
    for col in oa.columns:
        counts = oa[col].value_counts()
        assert counts.nunique() == 1 and counts.index.min() == 1
        assert sorted(counts.index) == list(range(1, counts.size + 1))
    for c1, c2 in itertools.combinations(oa.columns, 2):
        combos = oa.groupby([c1, c2]).size()
        assert len(combos) == oa[c1].nunique() * oa[c2].nunique(), (c1, c2)
        assert combos.nunique() == 1, (c1, c2)


def test_two_level_arrays_follow_taguchi_column_construction() -> None:
    # Taguchi's L(2^n) column j (1-based) is the parity of the base factors named by j's bits,
    # base factor i being the (i+1)-th slowest-changing bit of the run index (L4, L8, L16).
    for name, bits in (("L4", 2), ("L8", 3), ("L16", 4)):
        oa = ex.orthogonal_array(name).to_numpy()
        n_runs = 2**bits
        for run in range(n_runs):
            base = [(run >> (bits - 1 - i)) & 1 for i in range(bits)]
            for j in range(1, n_runs):
                parity = sum(base[i] for i in range(bits) if (j >> i) & 1) % 2
                assert oa[run, j - 1] == parity + 1


def test_l9_and_l18_match_nist_tables() -> None:
    # NIST/SEMATECH Dataplot L9.DAT
    nist_l9 = ["1111", "1222", "1333", "2123", "2231", "2312", "3132", "3213", "3321"]
    l9 = ex.orthogonal_array("l9").to_numpy()
    assert ["".join(map(str, row)) for row in l9] == nist_l9
    # NIST L18.DAT is L18(6^1 3^6); its 6-level column is 3 (A - 1) + B of L18(2^1 3^7) and its
    # three-level columns are C..H
    nist_l18 = [
        "1111111", "1222222", "1333333", "2112233", "2223311", "2331122",
        "3121323", "3232131", "3313212", "4133221", "4211332", "4322113",
        "5123132", "5231213", "5312321", "6132312", "6213123", "6321231",
    ]  # fmt: skip
    l18 = ex.orthogonal_array("L18").to_numpy()
    six = 3 * (l18[:, 0] - 1) + l18[:, 1]
    got = ["".join(map(str, [s, *row[2:]])) for s, row in zip(six, l18, strict=True)]
    assert got == nist_l18


def test_unknown_array_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="L4, L8, L9, L16, L18"):
        ex.orthogonal_array("L12")


# ------------------------------------------------------------------ main effects


def test_main_effects_recover_additive_effects() -> None:
    design = ex.orthogonal_array("L9")
    effects = {
        "A": {1: -2.0, 2: 0.0, 3: 2.0},
        "B": {1: 0.5, 2: -0.5, 3: 0.0},
        "C": {1: 0.0, 2: 3.0, 3: -3.0},
        "D": {1: 0.1, 2: 0.0, 3: -0.1},
    }
    y = 10.0 + sum(design[f].map(e).to_numpy() for f, e in effects.items())
    out = ex.main_effects(design, y)
    for factor, eff in effects.items():
        for level, value in eff.items():
            assert out.loc[factor, f"mean_{level}"] == pytest.approx(10.0 + value)
    assert list(out["rank"]) == [2, 3, 1, 4]
    assert out.loc["C", "delta"] == pytest.approx(6.0)
    assert list(out["best_level"]) == [3, 1, 2, 1]
    smaller = ex.main_effects(design, y, larger_is_better=False)
    assert list(smaller["best_level"]) == [1, 2, 3, 3]


def test_main_effects_with_replicates_and_sn_ratio() -> None:
    design = ex.orthogonal_array("L8")[["A", "B", "D"]]
    rng = np.random.default_rng(1)
    base = 20 + 3 * (design["A"] == 2).to_numpy() - 2 * (design["D"] == 2).to_numpy()
    noise_sd = np.where(design["B"] == 2, 4.0, 0.5)
    y = base[:, None] + noise_sd[:, None] * rng.standard_normal((8, 4))
    out = ex.main_effects(design, y)
    assert {"sn_1", "sn_2", "sn_delta", "sn_rank", "best_level_sn"} <= set(out.columns)
    assert out.loc["A", "best_level"] == 2 and out.loc["D", "best_level"] == 1
    assert out.loc["B", "best_level_sn"] == 1  # the low-noise level has the higher S/N
    sn_run = -10 * np.log10(np.mean(1 / y**2, axis=1))
    assert out.loc["B", "sn_1"] == pytest.approx(sn_run[design["B"].to_numpy() == 1].mean())
    with pytest.raises(ValueError, match="length mismatch"):
        ex.main_effects(design, y[:5])
