"""Lookalike model: known truth (logistic data) recovered, metrics equal their definitions."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import special

from omni_core.models.lookalike import auc, evaluate, fit_lookalike, gains_curve


def _population(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Users with 6 features; the chance to buy depends on the first three (known beta)."""
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"f{i}" for i in range(6)])
    beta = np.array([1.2, -0.8, 0.6, 0.0, 0.0, 0.0])
    p = special.expit(X.to_numpy() @ beta - 3.0)
    return X, p


def test_logistic_scores_recover_the_true_ranking():
    rng = np.random.default_rng(1)
    X, p = _population(40_000, rng)
    seed = rng.random(len(p)) < p  # last period's buyers
    future = rng.random(len(p)) < p  # held-out period, same propensity
    model = fit_lookalike(X, seed, method="logistic", l2=0.1)
    w = model.weights()
    # Direction of the true coefficients (on the standardised scale, all features sd ~1).
    beta = np.array([1.2, -0.8, 0.6, 0.0, 0.0, 0.0])
    got = w.reindex(X.columns).to_numpy()
    cos = got @ beta / np.linalg.norm(got) / np.linalg.norm(beta)
    assert cos > 0.98
    cand = ~seed
    s = model.score(X[cand])
    oracle = auc(p[cand], future[cand])
    assert auc(s, future[cand]) == pytest.approx(oracle, abs=0.02)
    ev = evaluate(s, future[cand], shares=(0.05, 0.2)).set_index("share")
    assert ev.loc[0.05, "lift"] > 3
    cen = fit_lookalike(X, seed, method="centroid")
    assert auc(cen.score(X[cand]), future[cand]) > 0.7


def test_auc_equals_pairwise_definition():
    rng = np.random.default_rng(2)
    s = rng.integers(0, 5, 60).astype(float)  # many ties
    y = rng.random(60) < 0.3
    pairs = [(a, b) for a, b in itertools.product(s[y], s[~y])]
    exp = np.mean([1.0 if a > b else 0.5 if a == b else 0.0 for a, b in pairs])
    assert auc(s, y) == pytest.approx(exp)
    assert np.isnan(auc(s, np.zeros(60, dtype=bool)))


def test_evaluate_and_gains_follow_their_definitions():
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
    y = np.array([1, 0, 1, 0, 0, 0, 1, 0, 0, 0], dtype=bool)
    ev = evaluate(s, y, shares=(0.2, 0.5)).set_index("share")
    assert ev.loc[0.2, "precision"] == 0.5 and ev.loc[0.2, "lift"] == pytest.approx(0.5 / 0.3)
    assert ev.loc[0.5, "hits"] == 2 and ev.loc[0.5, "recall"] == pytest.approx(2 / 3)
    g = gains_curve(s, y, points=10)
    assert g["reached"].iloc[0] == 0 and g["reached"].iloc[-1] == 1
    assert g.loc[g["targeted"] == 0.3, "reached"].item() == pytest.approx(2 / 3)


def test_bad_input_raises_clear_errors():
    X = np.zeros((5, 2))
    with pytest.raises(ValueError, match="empty"):
        fit_lookalike(X, np.zeros(5, dtype=bool))
    with pytest.raises(ValueError, match="every user"):
        fit_lookalike(X, np.ones(5, dtype=bool))
    with pytest.raises(ValueError, match="method"):
        fit_lookalike(X, np.array([1, 0, 0, 0, 0], dtype=bool), method="knn")
    with pytest.raises(ValueError, match="missing or infinite"):
        fit_lookalike(np.full((5, 2), np.nan), np.array([1, 0, 0, 0, 0], dtype=bool))
    with pytest.raises(ValueError, match="shares"):
        evaluate(np.ones(3), np.ones(3, dtype=bool), shares=(0.0,))
