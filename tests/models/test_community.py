"""Community layers: hand-built members land in the layer the rules say."""

from __future__ import annotations

import pandas as pd

from omni_core.models.community import assign_layers, transition_matrix


def test_layers_and_transitions_follow_the_rules():
    day = pd.Timestamp("2025-10-01")
    members = pd.DataFrame({
        "user_id": [1, 2, 3, 4, 5, 6],
        "join_ts": [day, day, day, day, day + pd.Timedelta(days=33), pd.NaT],
    })  # fmt: skip
    act = pd.DataFrame({
        "user_id": [1, 1, 2, 3, 4],
        "ts": [day + pd.Timedelta(days=d) for d in (5, 19, 20, 2, 45)],
        "interactions": [3, 4, 1, 2, 5],
    })  # fmt: skip
    s1, s2 = day + pd.Timedelta(days=35), day + pd.Timedelta(days=50)
    out = assign_layers(members, act, [s1, s2], new_days=7, silent_days=30, koc_share=0.10)
    lay = out.set_index(["snapshot", "user_id"])["layer"]
    # snapshot 1: user 1 (7 interactions) is the top 10% (ceil of 0.2 active -> 1) of users 1, 2
    assert lay[(s1, 1)] == "koc" and lay[(s1, 2)] == "active"
    assert lay[(s1, 3)] == "silent" and lay[(s1, 4)] == "silent" and lay[(s1, 5)] == "new"
    assert (s1, 6) not in lay.index  # never joined
    # snapshot 2: window (Oct 21, Nov 20): only user 4 interacted
    assert lay[(s2, 4)] == "koc" and lay[(s2, 1)] == "silent" and lay[(s2, 5)] == "silent"
    m = transition_matrix(out)
    assert m.loc["silent", "koc"] == 1 and m.loc["koc", "silent"] == 1
    assert m.loc["new", "silent"] == 1 and m.to_numpy().sum() == 5
