"""Tests for omni_core.models.oneid: one case per kind of noise, scoring, and the demo world."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omni_core.models import oneid

DEMO = Path(__file__).resolve().parents[2] / "sample_data" / "demo" / "identity_records.parquet"


def _records(rows: list[tuple]) -> pd.DataFrame:
    cols = ["record_id", "source", "user_id", "phone", "email", "device_id", "name"]
    return pd.DataFrame(rows, columns=cols)


def _same(res: oneid.Resolution, a: int, b: int) -> bool:
    return res.person.iloc[a] == res.person.iloc[b]


def test_exact_identifiers_merge_and_normalise() -> None:
    r = _records([
        (1, "crm", 1, "+86 138-0013-8000", "Li@QQ.com", None, "李雷"),
        (2, "tmall", 1, "13800138000", None, "D1", None),
        (3, "jd", 1, None, "li@qq.com ", "D9", None),
        (4, "douyin", 2, "13900139000", None, "D2", None),
    ])  # fmt: skip
    res = oneid.resolve(r)
    assert _same(res, 0, 1) and _same(res, 0, 2) and not _same(res, 0, 3)
    assert set(res.links["rule"]) == {"phone", "email"}


def test_phone_typo_merges_only_with_corroboration() -> None:
    r = _records([
        (1, "tmall", 1, "13800138000", None, "D1", None),
        (2, "jd", 1, "13800138900", None, "D1", None),  # typo, same device: corroborated
        (3, "crm", 1, "13800183000", None, "D7", "王芳"),  # adjacent digits swapped, nothing else
        (4, "douyin", 2, "13800138001", None, "D5", None),  # another person one digit away
    ])  # fmt: skip
    res = oneid.resolve(r)
    assert _same(res, 0, 1)
    assert not _same(res, 0, 2)  # a typo alone never merges
    assert not _same(res, 0, 3)  # nor does a near-identical phone of someone else
    assert oneid.pair_scores(res.person, r["user_id"])["precision"] == 1.0


def test_email_typo_merges_with_a_shared_device() -> None:
    r = _records([
        (1, "crm", 1, "13800138000", "abcdefg1@163.com", "D1", "张三"),
        (2, "amazon", 1, None, "abcdegf1@163.com", "D1", None),  # transposition, same device
        (3, "shopee", 2, None, "abcdefg2@163.com", "D3", None),  # one edit away, no evidence
    ])  # fmt: skip
    res = oneid.resolve(r)
    assert _same(res, 0, 1) and not _same(res, 0, 2)
    assert "email~" in set(res.links["rule"]) or "device" in set(res.links["rule"])


def test_shared_device_does_not_merge_two_people() -> None:
    r = _records([
        (1, "tmall", 1, "13800138000", None, "D1", None),
        (2, "jd", 1, "13800138000", None, "D1", None),
        (3, "douyin", 1, None, None, "D1", None),  # A's own record without identifiers
        (4, "kuaishou", 2, "13911112222", None, "D1", None),  # B on A's household device
        (5, "tmall", 2, "13911112222", None, "D8", None),
    ])  # fmt: skip
    res = oneid.resolve(r)
    assert not _same(res, 0, 3)  # conflicting phones keep A and B apart
    assert _same(res, 3, 4)
    assert _same(res, 0, 2)  # the bare record goes to the device's main user (2 records vs 1)
    assert oneid.pair_scores(res.person, r["user_id"])["precision"] == 1.0


def test_missing_phone_record_joins_through_its_device() -> None:
    r = _records([
        (1, "tmall", 1, "13800138000", None, "D1", None),
        (2, "douyin", 1, None, None, "D1", None),  # missing phone
        (3, "xiaohongshu", 1, None, "x@qq.com", "D1", None),
        (4, "jd", 2, None, None, "D4", None),  # nothing to link it by
    ])  # fmt: skip
    res = oneid.resolve(r)
    assert _same(res, 0, 1) and _same(res, 0, 2) and not _same(res, 0, 3)
    off = oneid.resolve(r, device_links=False)
    assert not _same(off, 0, 1)


def test_pair_scores_count_pairs() -> None:
    # truth: {0,1,2} {3,4}; resolved: {0,1} {2,3,4}
    s = oneid.pair_scores([0, 0, 1, 1, 1], [7, 7, 7, 8, 8])
    assert s["true_pairs"] == 4 and s["predicted_pairs"] == 4 and s["correct_pairs"] == 2
    assert s["precision"] == 0.5 and s["recall"] == 0.5


def _osa(a: str, b: str) -> int:
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            c = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + c)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


@given(st.text("0123", max_size=7), st.text("0123", max_size=7))
def test_osa_distance_le1_matches_dynamic_programming(a: str, b: str) -> None:
    assert oneid.osa_distance_le1(a, b) == (_osa(a, b) <= 1)


def test_fuzzy_candidates_find_every_near_pair() -> None:
    rng = np.random.default_rng(0)
    vals = sorted({"".join(map(str, rng.integers(0, 3, 5))) for _ in range(60)})
    got = oneid._fuzzy_pairs(vals)
    want = {(i, j) for i in range(len(vals)) for j in range(i + 1, len(vals))
            if _osa(vals[i], vals[j]) == 1}  # fmt: skip
    assert got == want


def test_identity_graph_of_a_person() -> None:
    r = _records([
        (1, "tmall", 1, "13800138000", None, "D1", None),
        (2, "jd", 1, "13800138900", None, "D1", None),
    ])  # fmt: skip
    res = oneid.resolve(r)
    nodes, edges = oneid.identity_graph(r, res, int(res.person.iloc[0]))
    assert (nodes["kind"] == "record").sum() == 2
    assert {"phone", "device"} <= set(nodes["kind"])
    assert "138****8000" in " ".join(nodes["label"])  # identifiers are masked
    assert (edges["rule"] == "phone~").sum() == 1


@pytest.mark.skipif(not DEMO.exists(), reason="demo world not bundled")
def test_demo_world_precision_and_recall_reach_the_target() -> None:
    r = pd.read_parquet(DEMO)
    res = oneid.resolve(r)
    s = oneid.pair_scores(res.person, r["user_id"])
    print(f"\nOneID on the demo world ({len(r):,} records): precision {s['precision']:.4f}, "
          f"recall {s['recall']:.4f}, F1 {s['f1']:.4f}")  # fmt: skip
    assert s["precision"] >= 0.95 and s["recall"] >= 0.95
