"""Tests for omni_core.models.rfm_tags: quintile scores, segments, tag definitions, audiences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omni_core.models import rfm_tags as rt


def _features(n: int = 500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    orders = rng.integers(0, 6, n)
    return pd.DataFrame({
        "user_id": np.arange(1, n + 1),
        "orders": orders,
        "monetary": np.where(orders > 0, rng.gamma(2.0, 300.0, n), 0.0),
        "days_since_last": np.where(orders > 0, rng.uniform(0, 59, n), np.nan),
        "coupon_share": np.where(orders > 0, rng.uniform(0, 1, n), np.nan),
        "is_member": rng.random(n) < 0.3,
    })  # fmt: skip


def test_quintiles_are_rank_based_and_balanced() -> None:
    f = _features()
    s = rt.rfm_scores(f)
    b = f[f["orders"] > 0].reset_index(drop=True)
    n = len(b)
    # ties broken by user id (rows are in user id order, so pandas "first" ranks agree)
    want_m = np.ceil(5 * b["monetary"].rank(method="first") / n).astype(int)
    assert s["M"].tolist() == want_m.tolist()
    want_r = np.ceil(5 * (-b["days_since_last"]).rank(method="first") / n).astype(int)
    assert s["R"].tolist() == want_r.tolist()
    for col in ("R", "F", "M"):
        counts = s[col].value_counts()
        assert counts.max() - counts.min() <= 1 and sorted(counts.index) == [1, 2, 3, 4, 5]
    # the highest spender scores M = 5, the most recent buyer R = 5
    assert s.loc[b["monetary"].idxmax(), "M"] == 5
    assert s.loc[b["days_since_last"].idxmin(), "R"] == 5


def test_segments_follow_the_eight_cell_table() -> None:
    s = rt.rfm_scores(_features())
    means = s[["R", "F", "M"]].mean()
    row = s.iloc[0]
    key = tuple(bool(row[c] > means[c]) for c in ("R", "F", "M"))
    assert row["segment"] == rt.SEGMENTS[key][0]
    assert set(s["segment"]) <= {v[0] for v in rt.SEGMENTS.values()}


def test_tag_definitions_evaluate_and_describe() -> None:
    f = _features()
    t = rt.TagDef("big", "大客户", "Big", "value", "monetary", ">=", 1000.0)
    assert t.evaluate(f).tolist() == (f["monetary"] >= 1000).tolist()
    assert t.rule() == "monetary >= 1,000"
    b = rt.TagDef("mid", "中", "Mid", "value", "orders", "between", (2, 3))
    assert b.evaluate(f).sum() == f["orders"].between(2, 3).sum()
    with pytest.raises(ValueError):
        rt.TagDef("x", "x", "x", "g", "orders", "~", 1)
    with pytest.raises(ValueError):
        rt.TagDef("x", "x", "x", "g", "missing", ">=", 1).evaluate(f)


def test_audience_is_include_all_minus_exclude() -> None:
    f = _features().merge(rt.rfm_scores(_features()), on="user_id", how="left")
    f["aov"] = f["monetary"] / f["orders"].clip(lower=1)
    f["abandoned_carts"] = 0
    f["channels"] = 1
    tags = [tg for tg in rt.default_tags(f) if tg.column in f.columns]
    tagged = rt.apply_tags(f, tags)
    a = rt.audience(f, tagged, ["high_value"], ["member"])
    want = (f["monetary"] >= f.loc[f["orders"] > 0, "monetary"].quantile(0.9).round(2)) & ~f[
        "is_member"
    ]
    assert a["size"] == int(want.sum())
    assert a["value"] == pytest.approx(f.loc[want, "monetary"].sum())
    with pytest.raises(ValueError):
        rt.audience(f, tagged, ["nope"])
