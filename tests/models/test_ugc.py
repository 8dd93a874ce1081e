"""UGC pipeline: grades follow the engagement index; the funnel narrows stage by stage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omni_core.models.ugc import grade_pieces, pipeline_funnel


def test_grades_recover_the_truly_engaging_pieces():
    rng = np.random.default_rng(4)
    n = 400
    true_ctr = np.where(np.arange(n) < 80, 0.5, 0.15)  # the first 80 pieces are the good ones
    sessions = rng.integers(30, 80, n)
    pieces = pd.DataFrame({
        "sessions": sessions, "clicks": rng.binomial(sessions, true_ctr),
        "dwell_s": np.where(np.arange(n) < 80, 120.0, 60.0) * rng.lognormal(0, 0.2, n),
        "pays": rng.binomial(sessions, 0.02), "gmv": 0.0,
    })  # fmt: skip
    g = grade_pieces(pieces, min_sessions=3, a_share=0.2, b_share=0.4)
    assert (g["grade"] == "A").sum() == 80
    assert (g.loc[:79, "grade"] == "A").mean() > 0.95
    f = pipeline_funnel(g, ["A", "B"])
    assert f["stage"].tolist() == ["collected", "graded", "distributed", "converting"]
    assert f["pieces"].is_monotonic_decreasing
    assert f.loc[2, "pieces"] == 80 + 160


def test_small_pieces_are_not_graded_and_bad_controls_fail():
    p = pd.DataFrame({"sessions": [1, 5, 6], "clicks": [1, 1, 2], "dwell_s": [9, None, 30],
                      "pays": [0, 0, 1], "gmv": [0, 0, 50.0]})  # fmt: skip
    g = grade_pieces(p, min_sessions=3)
    assert g["grade"].isna().tolist() == [True, False, False]
    with pytest.raises(ValueError):
        grade_pieces(p, a_share=0.8, b_share=0.4)
    with pytest.raises(ValueError):
        pipeline_funnel(g, ["Z"])
