r"""Rule-based user tags: behaviour preference, engagement and spending power.

The tag system follows the document's three layers (ch. 03 "多维度用户标签体系"): basic
attributes (read as they are), behaviour preferences from browse / click / favorite / cart, and
spending power from order value and coupon use (high-net-worth vs price-sensitive).

* Preferred category: the category with the largest weighted behaviour score
  :math:`S_{u,c} = w_v\,views + w_k\,clicks + w_f\,favorites + w_a\,carts` (default weights
  1 / 1 / 3 / 5: stronger intent counts more, the implicit-feedback confidence weighting of Hu,
  Koren & Volinsky 2008); ties go to the first category in name order; users whose best score
  is below ``min_score`` get no tag. ``share`` = :math:`S_{u,c^*} / \sum_c S_{u,c}`.
* Spending power (per buyer): ``price_sensitive`` when the share of paid orders with a coupon is
  at least ``coupon_share``; otherwise ``high_value`` when the buyer's GMV is at or above the
  ``hnw_quantile`` quantile of all buyers' GMV; otherwise ``regular``. Non-buyers get
  ``no_purchase``. (RFM-style monetary tiering, Hughes 1994.)
* Engagement: ``high`` / ``medium`` / ``low`` by active days (cuts at ``cuts``).

References
----------
Hu, Y., Koren, Y. & Volinsky, C. (2008). Collaborative filtering for implicit feedback
datasets. *ICDM 2008*, 263-272.
Hughes, A. M. (1994). *Strategic Database Marketing*. Probus (RFM analysis).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_WEIGHTS", "engagement", "preferred_category", "spending_power"]

DEFAULT_WEIGHTS: dict[str, float] = {"views": 1.0, "clicks": 1.0, "favorites": 3.0, "carts": 5.0}
SPENDING_TIERS = ("high_value", "regular", "price_sensitive", "no_purchase")


def preferred_category(
    interest: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    min_score: float = 3.0,
) -> pd.DataFrame:
    """Preferred category per user from long ``user_id, category_id, views, clicks, ...`` rows.

    Returns ``user_id``, ``category_id`` (the preferred one), ``score`` and ``share``; users below
    ``min_score`` are left out.
    """
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    missing = [c for c in ["user_id", "category_id", *w] if c not in interest.columns]
    if missing:
        raise ValueError(f"interest lacks columns {missing}")
    if any(v < 0 for v in w.values()):
        raise ValueError("weights must be non-negative")
    if min_score < 0:
        raise ValueError("min_score must be >= 0")
    d = interest[["user_id", "category_id"]].copy()
    d["category_id"] = d["category_id"].astype(str)
    d["score"] = sum(interest[c].astype(float).to_numpy() * v for c, v in w.items())
    total = d.groupby("user_id")["score"].transform("sum")
    d["share"] = np.where(total > 0, d["score"] / total.where(total > 0, 1.0), 0.0)
    d = d.sort_values(["user_id", "score", "category_id"], ascending=[True, False, True])
    best = d.drop_duplicates("user_id")
    best = best[(best["score"] >= min_score) & (best["score"] > 0)]
    return best[["user_id", "category_id", "score", "share"]].reset_index(drop=True)


def spending_power(
    spend: pd.DataFrame,
    *,
    hnw_quantile: float = 0.8,
    coupon_share: float = 0.5,
) -> pd.Series:
    """Spending tier per row of ``spend`` (columns ``orders``, ``gmv``, ``coupon_orders``).

    Rows with no orders get ``no_purchase``. Returns a Series aligned with ``spend``.
    """
    for c in ("orders", "gmv", "coupon_orders"):
        if c not in spend.columns:
            raise ValueError(f"spend lacks column {c!r}")
    if not 0 < hnw_quantile < 1:
        raise ValueError(f"hnw_quantile must be in (0, 1), got {hnw_quantile!r}")
    if not 0 < coupon_share <= 1:
        raise ValueError(f"coupon_share must be in (0, 1], got {coupon_share!r}")
    orders = spend["orders"].fillna(0).astype(float).to_numpy()
    gmv = spend["gmv"].fillna(0).astype(float).to_numpy()
    cshare = np.divide(
        spend["coupon_orders"].fillna(0).astype(float).to_numpy(),
        orders,
        out=np.zeros(len(spend)),
        where=orders > 0,
    )
    buyer = orders > 0
    cut = float(np.quantile(gmv[buyer], hnw_quantile)) if buyer.any() else np.inf
    tier = np.where(
        ~buyer,
        "no_purchase",
        np.where(cshare >= coupon_share, "price_sensitive",
                 np.where(gmv >= cut, "high_value", "regular")),
    )  # fmt: skip
    return pd.Series(tier, index=spend.index, name="spending_tier")


def engagement(active_days: pd.Series, *, cuts: tuple[int, int] = (3, 10)) -> pd.Series:
    """``low`` (< cuts[0] active days), ``medium``, ``high`` (>= cuts[1]); 0 days -> ``inactive``."""
    lo, hi = cuts
    if not 0 < lo < hi:
        raise ValueError(f"cuts must satisfy 0 < low < high, got {cuts!r}")
    d = active_days.fillna(0).astype(float).to_numpy()
    out = np.select([d <= 0, d < lo, d < hi], ["inactive", "low", "medium"], "high")
    return pd.Series(out, index=active_days.index, name="engagement")
