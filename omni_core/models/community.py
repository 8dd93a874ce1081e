"""Private-community layers (new / active / KOC / silent) at snapshot dates and their transitions.

The source document (ch.5, 社群分层运营 SOP) runs four layers with their own playbooks: the new
(onboarding within 24 h, activation in ~6 h), the active (weekly community day, monthly
interaction 35%), the KOC (top 10% of active members: exclusive selection and +15% commission)
and the silent (no interaction for 30 days: big coupon and a 1-on-1 call, recall +25 points).

Layer of a member at snapshot ``s`` (members who joined before ``s``), in this order:

1. ``new``: joined less than ``new_days`` before ``s``;
2. ``silent``: no interaction in the ``silent_days`` before ``s``;
3. ``koc``: the top ``koc_share`` (ceil) of the remaining members by interactions in those days,
   ties broken by the smaller ``user_id``;
4. ``active``: the rest.

The transition matrix counts members by (layer at snapshot ``k``, layer at ``k+1``). A rule-based
segmentation (RFM-style recency/frequency cuts; Hughes 1994, *Strategic Database Marketing*).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["LAYERS", "assign_layers", "transition_matrix"]

LAYERS = ("new", "active", "koc", "silent")


def assign_layers(
    members: pd.DataFrame,
    activity: pd.DataFrame,
    snapshots: Sequence[pd.Timestamp],
    *,
    new_days: float = 7.0,
    silent_days: float = 30.0,
    koc_share: float = 0.10,
) -> pd.DataFrame:
    """Layer of every joined member at every snapshot.

    ``members``: ``user_id``, ``join_ts``. ``activity``: ``user_id``, ``ts`` (e.g. the day of the
    interactions), ``interactions`` (count). Returns ``snapshot``, ``user_id``, ``layer``,
    ``interactions`` (in the ``silent_days`` before the snapshot), ``days_since_join``.
    """
    if not {"user_id", "join_ts"} <= set(members.columns):
        raise ValueError("members needs columns user_id, join_ts")
    if not {"user_id", "ts", "interactions"} <= set(activity.columns):
        raise ValueError("activity needs columns user_id, ts, interactions")
    if not (new_days > 0 and silent_days > 0):
        raise ValueError("new_days and silent_days must be positive")
    if not 0 <= koc_share <= 1:
        raise ValueError("koc_share must be within [0, 1]")
    m = members.dropna(subset=["join_ts"])
    act = activity[activity["interactions"] > 0]
    frames = []
    for s in snapshots:
        s = pd.Timestamp(s)
        joined = m[m["join_ts"] < s]
        if joined.empty:
            continue
        win = act[(act["ts"] < s) & (act["ts"] >= s - pd.Timedelta(days=silent_days))]
        inter = win.groupby("user_id")["interactions"].sum()
        f = pd.DataFrame({"user_id": joined["user_id"].to_numpy()})
        f["interactions"] = inter.reindex(f["user_id"]).fillna(0).to_numpy()
        age = (s - joined["join_ts"]).dt.total_seconds().to_numpy() / 86400.0
        f["days_since_join"] = age
        layer = np.where(age < new_days, "new", np.where(f["interactions"] > 0, "active", "silent"))
        act_idx = np.flatnonzero(layer == "active")
        n_koc = int(np.ceil(koc_share * act_idx.size - 1e-9))
        if n_koc:
            sub = f.iloc[act_idx].sort_values(["interactions", "user_id"], ascending=[False, True])
            layer[sub.index[:n_koc].to_numpy()] = "koc"
        f["layer"] = layer
        f.insert(0, "snapshot", s)
        frames.append(f)
    if not frames:
        return pd.DataFrame(columns=["snapshot", "user_id", "interactions", "days_since_join",
                                     "layer"])  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def transition_matrix(layers: pd.DataFrame, order: Sequence[str] = LAYERS) -> pd.DataFrame:
    """Members by (layer at a snapshot, layer at the next snapshot), summed over snapshots."""
    if not {"snapshot", "user_id", "layer"} <= set(layers.columns):
        raise ValueError("layers needs columns snapshot, user_id, layer")
    snaps = np.sort(layers["snapshot"].unique())
    nxt = {a: b for a, b in zip(snaps[:-1], snaps[1:], strict=True)}
    cur = layers[layers["snapshot"].isin(list(nxt))].copy()
    cur["next"] = cur["snapshot"].map(nxt)
    later = layers.rename(columns={"snapshot": "next", "layer": "to"})[["next", "user_id", "to"]]
    pairs = cur.merge(later, on=["next", "user_id"], how="inner")
    m = pd.crosstab(pairs["layer"], pairs["to"])
    return m.reindex(index=list(order), columns=list(order), fill_value=0).astype(np.int64)
