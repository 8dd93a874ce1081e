"""Org model: generated org, the at-most-3-layers check, broken trees, squads; OKR scoring."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from omni_core.models import okr
from omni_core.models.org import generate_org, squad_coverage, suggest_squad, validate_org

START = dt.date(2025, 10, 1)


def _org(rows):
    return pd.DataFrame(rows, columns=["member_id", "manager_id", "role"])


def test_generated_org_is_deterministic_and_flat():
    a, b = generate_org(7, START, 60), generate_org(7, START, 60)
    pd.testing.assert_frame_equal(a, b)
    r = validate_org(a)
    assert r["layers"] == 3 and r["ok"] and r["violations"] == []
    legacy = validate_org(generate_org(7, START, 60, legacy_layers=True))
    assert legacy["layers"] == 4 and not legacy["ok"]
    assert set(legacy["violations"]) == set(legacy["depth"][legacy["depth"] == 4].index)


def test_layer_check_by_hand():
    chain = _org([("A", None, "head"), ("B", "A", "lead"), ("C", "B", "ads"), ("D", "C", "ads")])
    r = validate_org(chain)
    assert r["depth"].to_dict() == {"A": 1, "B": 2, "C": 3, "D": 4}
    assert r["layers"] == 4 and r["violations"] == ["D"] and not r["ok"]
    assert validate_org(chain, max_layers=4)["ok"]
    assert r["span"].to_dict() == {"A": 1, "B": 1, "C": 1}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("A", None, "head"), ("A", "A", "ads")], "duplicate"),
        ([("A", None, "head"), ("B", "Z", "ads")], "not found"),
        ([("A", None, "head"), ("B", None, "ads")], "exactly one head"),
        ([("A", None, "head"), ("B", "C", "ads"), ("C", "B", "ads")], "cycle"),
        ([("A", None, "boss")], "unknown role"),
    ],
)
def test_broken_trees_raise_clear_errors(rows, message):
    with pytest.raises(ValueError, match=message):
        validate_org(_org(rows))


def test_squad_coverage_and_greedy_suggestion():
    org = generate_org(3, START, 60)
    req = {"ops": 4, "design": 4, "ads": 4}
    squad = suggest_squad(org, req, 3)
    cov = squad_coverage(org[org["member_id"].isin(squad)], req)
    assert cov["coverage"] == 1.0
    # Greedy: the first pick covers at least as many skills as any other single member.
    single = {m: squad_coverage(org[org["member_id"] == m], req)["coverage"]
              for m in org.loc[org["role"] != "head", "member_id"]}  # fmt: skip
    assert single[squad[0]] == max(single.values())
    with pytest.raises(ValueError, match="unknown skill"):
        squad_coverage(org, {"juggling": 3})


def test_okr_scores_and_periods():
    assert okr.score_kr(110, 100, 120) == pytest.approx(0.5)
    assert okr.score_kr(90, 100, 120) == 0.0 and okr.score_kr(130, 100, 120) == 1.0
    # Lower-is-better KR: refund rate from 10% to 8%, actual 8.5% -> 0.75.
    assert okr.score_kr(0.085, 0.10, 0.08) == pytest.approx(0.75)
    assert [okr.grade(s) for s in (0.8, 0.5, 0.1)] == ["green", "amber", "red"]
    p = okr.biweekly_periods(START, START + dt.timedelta(days=60))
    assert list(p["days"]) == [14, 14, 14, 14, 4]
    with pytest.raises(ValueError):
        okr.score_kr(1, 2, 2)
