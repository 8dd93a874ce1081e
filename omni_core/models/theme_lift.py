r"""Dynamic creative by tag: which creative theme lifts clicks in which user segment.

Click-through is modelled per exposure with a log link (a relative-risk model for binary
outcomes, "modified Poisson regression", Zou 2004):

.. math::

    \log P(\mathrm{click}_{ij}) = a_{c(j)} + \sum_{s} z_{is}\, \delta_{\theta(c(j)), s},

where :math:`a_c` is a fixed effect of creative :math:`c` (it absorbs the creative's own appeal,
its channel, campaign and theme), :math:`z_{is} \in \{0, 1\}` flags user :math:`i`'s membership
of segment :math:`s` (segments may overlap) and :math:`\delta_{\theta,s}` is the log click
multiplier of theme :math:`\theta` for members of :math:`s` relative to non-members. A segment's
general click propensity is common to all themes, so the reported quantity is the contrast

.. math::

    \mathrm{lift}_{\theta,s} = \exp\Big(\delta_{\theta,s} - \frac{1}{K-1}\sum_{\theta'\neq\theta}
        \delta_{\theta',s}\Big),

"how much more theme :math:`\theta` is clicked than the other themes, among segment members
compared with non-members" (1 = no interaction). Coefficients are maximum-likelihood estimates
of the Poisson likelihood on cells (exposures :math:`E`, clicks :math:`y`) by Newton's method;
standard errors use the robust sandwich variance of Zou (2004), computed exactly from the cell
counts of the underlying 0/1 outcomes.

References
----------
Zou, G. (2004). A modified Poisson regression approach to prospective studies with binary data.
*American Journal of Epidemiology* 159(7), 702-706.
McCullagh, P. & Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed., ch. 6 (log-linear
models, Newton-Raphson / Fisher scoring).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["fit_theme_lift"]


def fit_theme_lift(
    cells: pd.DataFrame,
    segments: Sequence[str],
    *,
    creative: str = "creative_id",
    theme: str = "theme",
    exposures: str = "exposures",
    clicks: str = "clicks",
    level: float = 0.95,
    max_iter: int = 100,
) -> pd.DataFrame:
    """Fit the model above and return one row per (segment, theme).

    ``cells``: one row per creative x segment-flag combination with the creative's ``theme``,
    boolean segment columns ``segments``, ``exposures`` and ``clicks``. Returns columns
    ``segment``, ``theme``, ``lift``, ``low``, ``high`` (Wald interval at ``level`` on the log
    scale), ``delta`` (the raw log multiplier), ``exposures`` and ``clicks`` of segment members
    shown the theme, ``ctr`` (their click-through rate) and ``winner`` (largest lift in the
    segment).
    """
    segments = list(segments)
    need = [creative, theme, exposures, clicks, *segments]
    missing = [c for c in need if c not in cells.columns]
    if missing:
        raise ValueError(f"cells lack columns {missing}")
    if not segments:
        raise ValueError("at least one segment column is needed")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    d = cells[need].copy()
    d[exposures] = d[exposures].astype(float)
    d[clicks] = d[clicks].astype(float)
    if (d[clicks] > d[exposures]).any() or (d[clicks] < 0).any():
        raise ValueError("clicks must be between 0 and exposures")
    # Creatives without a click (or an exposure) carry no information once they have a fixed
    # effect (their effect is -inf); leave them out.
    tot = d.groupby(creative)[clicks].transform("sum")
    d = d[(tot > 0) & (d[exposures] > 0)].reset_index(drop=True)
    themes = sorted(d[theme].astype(str).unique())
    if len(themes) < 2:
        raise ValueError("need at least two themes with clicks to compare")
    cre_codes, _ = pd.factorize(d[creative], sort=True)
    n_c = cre_codes.max() + 1
    th_codes = pd.Categorical(d[theme].astype(str), categories=themes).codes
    Z = d[segments].astype(float).to_numpy()
    k, s = len(themes), len(segments)
    n = len(d)
    # Design: creative dummies, then delta[theme, segment] (theme-major).
    X = np.zeros((n, n_c + k * s))
    X[np.arange(n), cre_codes] = 1.0
    for j in range(s):
        X[np.arange(n), n_c + th_codes * s + j] = Z[:, j]
    E = d[exposures].to_numpy()
    y = d[clicks].to_numpy()
    beta = np.zeros(X.shape[1])
    ctr = np.bincount(cre_codes, weights=y) / np.bincount(cre_codes, weights=E)
    beta[:n_c] = np.log(np.maximum(ctr, 1e-12))
    # Columns that are all zero (no member of a segment saw a theme) are held at 0.
    active = np.abs(X).sum(0) > 0
    Xa = X[:, active]
    b = beta[active]
    for _ in range(max_iter):
        mu = E * np.exp(Xa @ b)
        grad = Xa.T @ (y - mu)
        H = (Xa * mu[:, None]).T @ Xa
        step = np.linalg.solve(H + 1e-10 * np.eye(len(b)), grad)
        b = b + step
        if np.max(np.abs(step)) < 1e-10:
            break
    beta[active] = b
    mu = E * np.exp(Xa @ b)
    p = np.minimum(mu / E, 1.0)
    H = (Xa * mu[:, None]).T @ Xa
    meat_w = y * (1 - p) ** 2 + (E - y) * p**2  # sum over exposures of (y_ij - p_i)^2
    B = (Xa * meat_w[:, None]).T @ Xa
    Hinv = np.linalg.pinv(H)
    cov_a = Hinv @ B @ Hinv
    cov = np.zeros((X.shape[1], X.shape[1]))
    cov[np.ix_(active, active)] = cov_a
    zc = float(special.ndtri(0.5 + level / 2.0))
    rows = []
    for j, seg in enumerate(segments):
        idx = n_c + np.arange(k) * s + j
        for i, th in enumerate(themes):
            c = np.full(k, -1.0 / (k - 1))
            c[i] = 1.0
            ok = active[idx]
            if not ok[i] or ok.sum() < 2:
                est, se = np.nan, np.nan
            else:
                c = np.where(ok, c, 0.0)
                c[~ok] = 0.0
                c[ok & (np.arange(k) != i)] = -1.0 / max(ok.sum() - 1, 1)
                est = float(c @ beta[idx])
                se = float(np.sqrt(max(c @ cov[np.ix_(idx, idx)] @ c, 0.0)))
            m = (th_codes == i) & (Z[:, j] > 0)
            rows.append(
                {
                    "segment": seg,
                    "theme": th,
                    "lift": np.exp(est),
                    "low": np.exp(est - zc * se),
                    "high": np.exp(est + zc * se),
                    "delta": float(beta[idx[i]]) if ok[i] else np.nan,
                    "exposures": float(E[m].sum()),
                    "clicks": float(y[m].sum()),
                }
            )
    out = pd.DataFrame(rows)
    out["ctr"] = np.where(out["exposures"] > 0, out["clicks"] / out["exposures"].where(
        out["exposures"] > 0, 1.0), np.nan)  # fmt: skip
    best = out.groupby("segment")["lift"].transform("max")
    out["winner"] = out["lift"] == best
    return out
