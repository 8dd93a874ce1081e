"""Tag factory: RFM scores and segments, tags as declarative definitions, audience packages.

RFM (Hughes 1994, *Strategic Database Marketing*, ch. 8): every buyer gets a recency, frequency
and monetary score 1-5 by quintile of ``days_since_last`` (recent = 5), ``orders`` and
``monetary``. Quintiles are taken on ranks with ties broken by ``user_id`` so every engine and run
gives the same scores: ``score = ceil(5 * rank / n)``.

Segments: the eight classic RFM groups used in Chinese CRM practice (RFM 八大客户类型), each of
R, F, M "high" when its score is above the buyers' mean score (Wei, Lin & Wu 2010, "A review of
the application of RFM model", *African J. Business Management* 4(19), 4199-4206):

====  ====  ====  ===========================================
R     F     M     segment
====  ====  ====  ===========================================
high  high  high  important value (重要价值客户)
high  low   high  important development (重要发展客户)
low   high  high  important retention (重要保持客户)
low   low   high  important win-back (重要挽留客户)
high  high  low   general value (一般价值客户)
high  low   low   general development (一般发展客户)
low   high  low   general retention (一般保持客户)
low   low   low   general win-back (一般挽留客户)
====  ====  ====  ===========================================

A tag is a definition (``column op value``) evaluated on a feature frame, so the tag list can be
shown, audited and exported; an audience is the users holding all "include" tags and none of the
"exclude" tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "SEGMENTS",
    "TagDef",
    "apply_tags",
    "audience",
    "default_tags",
    "rfm_scores",
]

SEGMENTS: dict[tuple[bool, bool, bool], tuple[str, str, str]] = {
    (True, True, True): ("important_value", "重要价值客户", "Important value"),
    (True, False, True): ("important_development", "重要发展客户", "Important development"),
    (False, True, True): ("important_retention", "重要保持客户", "Important retention"),
    (False, False, True): ("important_winback", "重要挽留客户", "Important win-back"),
    (True, True, False): ("general_value", "一般价值客户", "General value"),
    (True, False, False): ("general_development", "一般发展客户", "General development"),
    (False, True, False): ("general_retention", "一般保持客户", "General retention"),
    (False, False, False): ("general_winback", "一般挽留客户", "General win-back"),
}
_OPS = {">=", "<=", ">", "<", "==", "!=", "in", "between"}


def _quintile(values: np.ndarray, user_id: np.ndarray, ascending: bool) -> np.ndarray:
    """Score 1..5 by rank (ties broken by user id): ``ceil(5 rank / n)``."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    key = values if ascending else -values
    order = np.lexsort((user_id, key))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    return np.ceil(5 * rank / n).astype(np.int64)


def rfm_scores(features: pd.DataFrame) -> pd.DataFrame:
    """R, F, M scores (1-5), the RFM cell (e.g. ``"545"``) and the segment of every buyer.

    ``features`` needs ``user_id``, ``orders``, ``monetary`` and ``days_since_last``; users with
    no paid order are left out (they have no recency).
    """
    need = {"user_id", "orders", "monetary", "days_since_last"}
    miss = need - set(features.columns)
    if miss:
        raise ValueError(f"features need columns {sorted(miss)}")
    b = features[features["orders"] > 0].copy()
    uid = b["user_id"].to_numpy()
    b["R"] = _quintile(b["days_since_last"].to_numpy(dtype=float), uid, ascending=False)
    b["F"] = _quintile(b["orders"].to_numpy(dtype=float), uid, ascending=True)
    b["M"] = _quintile(b["monetary"].to_numpy(dtype=float), uid, ascending=True)
    b["rfm"] = b["R"].astype(str) + b["F"].astype(str) + b["M"].astype(str)
    hi = [b[c] > b[c].mean() for c in ("R", "F", "M")]
    keys = list(zip(*(h.to_numpy() for h in hi), strict=True))
    b["segment"] = [SEGMENTS[k][0] for k in keys]
    return b[["user_id", "R", "F", "M", "rfm", "segment"]].reset_index(drop=True)


@dataclass(frozen=True)
class TagDef:
    """A tag: holders are the users whose ``column`` satisfies ``op value``."""

    tag: str
    name_zh: str
    name_en: str
    group: str
    column: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"tag {self.tag!r}: unknown operator {self.op!r}")
        if self.op == "between" and (not isinstance(self.value, tuple) or len(self.value) != 2):
            raise ValueError(f"tag {self.tag!r}: 'between' needs a (low, high) tuple")

    def evaluate(self, frame: pd.DataFrame) -> pd.Series:
        """Boolean holder mask (missing values never hold a tag)."""
        if self.column not in frame.columns:
            raise ValueError(f"tag {self.tag!r}: feature {self.column!r} is missing")
        c = frame[self.column]
        ops = {
            ">=": lambda: c >= self.value, "<=": lambda: c <= self.value,
            ">": lambda: c > self.value, "<": lambda: c < self.value,
            "==": lambda: c == self.value, "!=": lambda: c != self.value,
            "in": lambda: c.isin(list(self.value)),
            "between": lambda: c.between(self.value[0], self.value[1]),
        }  # fmt: skip
        return ops[self.op]().fillna(False).astype(bool) & c.notna()

    def rule(self) -> str:
        """The definition as text, e.g. ``monetary >= 1,520``."""
        v = self.value
        if isinstance(v, float):
            v = f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
        return f"{self.column} {self.op} {v}"


def default_tags(features: pd.DataFrame) -> list[TagDef]:
    """The standard tag set, thresholds taken from the data (quantiles of buyers) where needed."""
    buyers = features[features["orders"] > 0]
    m90 = float(buyers["monetary"].quantile(0.9)) if len(buyers) else 0.0
    aov_hi = float((buyers["monetary"] / buyers["orders"]).quantile(0.75)) if len(buyers) else 0.0
    tags = [
        TagDef("seg_" + v[0], v[1], v[2], "RFM", "segment", "==", v[0]) for v in SEGMENTS.values()
    ]
    tags += [
        TagDef("r5", "近期活跃 R=5", "Recent buyer R=5", "RFM", "R", "==", 5),
        TagDef("f_repeat", "复购客户（≥2 单）", "Repeat buyer (≥2 orders)", "value", "orders", ">=", 2),
        TagDef("high_value", "高价值（消费前 10%）", "High value (top 10% spend)", "value",
               "monetary", ">=", round(m90, 2)),
        TagDef("high_aov", "高客单价（前 25%）", "High AOV (top 25%)", "value", "aov", ">=",
               round(aov_hi, 2)),
        TagDef("price_sensitive", "价格敏感（过半订单用券）", "Price-sensitive (coupon on ≥50%)",
               "behaviour", "coupon_share", ">=", 0.5),
        TagDef("cart_abandoner", "加购未买", "Cart abandoner", "behaviour", "abandoned_carts",
               ">=", 1),
        TagDef("omni", "全渠道（≥2 渠道购买）", "Omni-channel (≥2 channels)", "behaviour",
               "channels", ">=", 2),
        TagDef("lapsed_30", "30 天未购", "No purchase for 30 days", "lifecycle",
               "days_since_last", ">=", 30),
        TagDef("no_purchase", "未购买访客", "Never bought", "lifecycle", "orders", "==", 0),
        TagDef("member", "会员", "Member", "profile", "is_member", "==", True),
        TagDef("private", "私域（企微社群）", "Private domain (WeCom)", "profile", "private",
               "==", True),
        TagDef("gold_plus", "金卡及以上", "Gold tier and above", "profile", "member_tier", "in",
               ("gold", "diamond", "black_diamond")),
        TagDef("young", "18-29 岁", "Aged 18-29", "profile", "age_band", "in", ("18-24", "25-29")),
        TagDef("tier1_2", "一二线城市", "Tier 1-2 cities", "profile", "city_tier", "<=", 2),
    ]  # fmt: skip
    return tags


def apply_tags(features: pd.DataFrame, tags: Iterable[TagDef]) -> pd.DataFrame:
    """Boolean frame (users x tags), indexed by ``user_id``."""
    cols = {tg.tag: tg.evaluate(features).to_numpy() for tg in tags}
    return pd.DataFrame(cols, index=pd.Index(features["user_id"].to_numpy(), name="user_id"))


def audience(
    features: pd.DataFrame,
    tagged: pd.DataFrame,
    include: Sequence[str],
    exclude: Sequence[str] = (),
) -> dict[str, Any]:
    """Users holding every ``include`` tag and no ``exclude`` tag, with size and value.

    Value: the members' paid amount so far (``monetary``), its mean, and the mean order value.
    """
    unknown = [t for t in [*include, *exclude] if t not in tagged.columns]
    if unknown:
        raise ValueError(f"unknown tag(s): {unknown}")
    mask = np.ones(len(tagged), dtype=bool)
    for t in include:
        mask &= tagged[t].to_numpy()
    for t in exclude:
        mask &= ~tagged[t].to_numpy()
    members = features.loc[mask]
    orders = float(members["orders"].sum())
    return {
        "mask": mask,
        "size": int(mask.sum()),
        "share": float(mask.mean()) if len(mask) else 0.0,
        "value": float(members["monetary"].sum()),
        "value_per_user": float(members["monetary"].mean()) if len(members) else 0.0,
        "aov": float(members["monetary"].sum() / orders) if orders else 0.0,
        "buyers": int((members["orders"] > 0).sum()),
    }
