r"""Lookalike audience expansion: score every user by similarity to a seed audience.

Two scorers on standardised features :math:`\tilde x = (x - m) / s` (mean and standard
deviation over all users):

* ``logistic`` (default): a seed-vs-population classifier, the positive-unlabelled set-up of
  Elkan & Noto (2008) used by look-alike systems (Ma et al. 2016): L2-regularised logistic
  regression with balanced class weights,

  .. math::

      \min_{w,b} \sum_i c_{y_i} \log\big(1 + e^{-(2y_i - 1)(w^T \tilde x_i + b)}\big)
          + \tfrac{\lambda}{2} \lVert w \rVert^2, \qquad
      c_1 = \tfrac{n}{2 n_1},\ c_0 = \tfrac{n}{2 n_0},

  score :math:`= w^T \tilde x + b` (the log-odds; the ranking is what matters).
* ``centroid``: cosine similarity to the mean standardised seed vector (the "seed centroid"
  similarity of Ma et al. 2016).

Evaluation on a held-out period: among non-seed users, ``precision@k`` is the share of the top-k
scores who convert, ``lift@k`` = precision@k / base rate (1 = random targeting) and the AUC is
the Mann-Whitney probability that a converter outranks a non-converter, ties counted half
(Hanley & McNeil 1982).

References
----------
Elkan, C. & Noto, K. (2008). Learning classifiers from only positive and unlabeled data.
*KDD 2008*, 213-220.
Ma, Q., Wen, M., Xia, Z. & Chen, D. (2016). A sub-linear, massive-scale look-alike audience
extension system. *KDD 2016 Workshop on Big Data, Streams and Heterogeneous Source Mining*.
Hanley, J. A. & McNeil, B. J. (1982). The meaning and use of the area under a receiver operating
characteristic (ROC) curve. *Radiology* 143(1), 29-36.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

__all__ = ["LookalikeModel", "auc", "evaluate", "fit_lookalike", "gains_curve"]

METHODS = ("logistic", "centroid")


@dataclass(frozen=True)
class LookalikeModel:
    """A fitted scorer: standardisation, method and weights (``coef`` per feature, ``intercept``)."""

    method: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def score(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Scores of rows of ``X`` (same columns as at fit time); higher = more seed-like."""
        Z = (_matrix(X, self.features) - self.mean) / self.scale
        if self.method == "centroid":
            norm = np.linalg.norm(Z, axis=1) * np.linalg.norm(self.coef)
            return np.divide(Z @ self.coef, norm, out=np.zeros(len(Z)), where=norm > 0)
        return Z @ self.coef + self.intercept

    def weights(self) -> pd.Series:
        """Feature weights on the standardised scale (sorted by absolute size)."""
        s = pd.Series(self.coef, index=list(self.features), name="weight")
        return s.reindex(s.abs().sort_values(ascending=False).index)


def _matrix(X: pd.DataFrame | np.ndarray, features: Sequence[str] | None = None) -> np.ndarray:
    if isinstance(X, pd.DataFrame):
        if features is not None:
            missing = [f for f in features if f not in X.columns]
            if missing:
                raise ValueError(f"X lacks feature columns {missing}")
            X = X[list(features)]
        arr = X.to_numpy(dtype=float)
    else:
        arr = np.asarray(X, dtype=float)
    if arr.ndim != 2:
        raise ValueError("X must be two-dimensional")
    if not np.isfinite(arr).all():
        raise ValueError("X has missing or infinite values")
    return arr


def fit_lookalike(
    X: pd.DataFrame | np.ndarray,
    seed: np.ndarray | pd.Series,
    *,
    method: str = "logistic",
    l2: float = 1.0,
) -> LookalikeModel:
    """Fit a lookalike scorer on all users ``X`` with the seed flag ``seed`` (see module doc)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not l2 >= 0:
        raise ValueError(f"l2 must be >= 0, got {l2!r}")
    features = tuple(X.columns) if isinstance(X, pd.DataFrame) else tuple(
        f"x{i}" for i in range(np.asarray(X).shape[1]))  # fmt: skip
    A = _matrix(X)
    y = np.asarray(seed, dtype=bool)
    if len(y) != len(A):
        raise ValueError("seed must have one flag per row of X")
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0:
        raise ValueError("the seed audience is empty")
    if n0 == 0:
        raise ValueError("every user is in the seed: nothing to expand to")
    mean = A.mean(axis=0)
    scale = A.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    Z = (A - mean) / scale
    if method == "centroid":
        return LookalikeModel(method, features, mean, scale, Z[y].mean(axis=0), 0.0)
    n = len(y)
    c = np.where(y, n / (2.0 * n1), n / (2.0 * n0))
    sign = np.where(y, 1.0, -1.0)

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        m = sign * (Z @ w + b)
        loss = float((c * np.logaddexp(0.0, -m)).sum() + 0.5 * l2 * w @ w)
        g = -c * sign * special.expit(-m)
        return loss, np.append(Z.T @ g + l2 * w, g.sum())

    res = optimize.minimize(f, np.zeros(Z.shape[1] + 1), jac=True, method="L-BFGS-B")
    return LookalikeModel(method, features, mean, scale, res.x[:-1], float(res.x[-1]))


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve by the Mann-Whitney rank formula (ties count half)."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=bool)
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = stats.rankdata(s)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def evaluate(
    scores: np.ndarray, labels: np.ndarray, *, shares: Sequence[float] = (0.01, 0.05, 0.1, 0.2)
) -> pd.DataFrame:
    """Precision, lift over random and recall of the top ``share`` of scores.

    Ties at the cut are broken by position (stable sort), so k is exact.
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=bool)
    if len(s) != len(y) or len(s) == 0:
        raise ValueError("scores and labels must be non-empty and of equal length")
    order = np.argsort(-s, kind="stable")
    hits = np.cumsum(y[order])
    base = float(y.mean())
    rows = []
    for sh in shares:
        if not 0 < sh <= 1:
            raise ValueError(f"shares must be in (0, 1], got {sh!r}")
        k = max(1, int(round(sh * len(s))))
        prec = hits[k - 1] / k
        rows.append(
            {
                "share": sh,
                "k": k,
                "hits": int(hits[k - 1]),
                "precision": prec,
                "lift": prec / base if base > 0 else np.nan,
                "recall": hits[k - 1] / y.sum() if y.any() else np.nan,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["base_rate"] = base
    return out


def gains_curve(scores: np.ndarray, labels: np.ndarray, points: int = 50) -> pd.DataFrame:
    """Cumulative gains: share of users targeted (by score) vs share of converters reached."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=bool)
    order = np.argsort(-s, kind="stable")
    hits = np.concatenate([[0], np.cumsum(y[order])])
    k = np.unique(np.round(np.linspace(0, len(s), points + 1)).astype(int))
    total = max(int(y.sum()), 1)
    return pd.DataFrame({"targeted": k / max(len(s), 1), "reached": hits[k] / total})
