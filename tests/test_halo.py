"""Cross-channel influence (种草 -> 拔草): the world's configured halo is recovered from its data.

The world is built twice with the same seed, with and without ``seeding_halo``; both share
their sessions and uniforms (common random numbers), so every difference is the halo's.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from omni_core.analysis import ch03
from omni_core.datasets import write_world
from omni_core.metrics import audience as ma
from omni_core.models import attribution as attr
from omni_core.warehouse import Warehouse
from omni_core.world import WorldParams, build_world

HALO = {"xiaohongshu": 1.0, "douyin": 0.4}
SEED = int(os.environ.get("OMNI_HALO_SEED", "11"))
MULTI_TOUCH = ["first_touch", "linear", "markov", "shapley"]


@pytest.fixture(scope="module")
def twins() -> dict[str, dict]:
    out = {}
    for name, halo in (("off", {}), ("on", HALO)):
        w = build_world(
            WorldParams(
                seed=SEED,
                users=int(os.environ.get("OMNI_HALO_USERS", "4000")),
                days=30,
                seeding_halo=halo,
            )
        )
        wh = Warehouse("duckdb:///:memory:")
        write_world(wh, w)
        touches = wh.query(ma.conversion_touches(wh.tables("world"), touch="exposure"))
        out[name] = {"world": w, "paths": ch03.build_paths(touches, max_touches=10)}
        wh.close()
    return out


def _sessions(events: pd.DataFrame) -> pd.DataFrame:
    """One row per session: user, channel, source, day, start, reached page view / cart."""
    e = events[["session_id", "user_id", "channel_id", "source", "event_type", "ts"]]
    g = e.groupby("session_id", sort=True)
    s = g.agg(user_id=("user_id", "first"), channel=("channel_id", "first"),
              source=("source", "first"), ts=("ts", "min"))  # fmt: skip
    for stage in ("page_view", "cart"):
        hit = e.loc[e["event_type"] == stage, "session_id"].unique()
        s[stage] = s.index.isin(hit)
    s["channel"] = s["channel"].astype(str)
    s["day"] = s["ts"].dt.floor("D")
    return s.reset_index()


def _prior(s: pd.DataFrame, channel: str, days: float) -> np.ndarray:
    """Whether the user had a session on ``channel`` in the ``days`` before each session."""
    src = s.loc[s["channel"] == channel, ["user_id", "ts"]].rename(columns={"ts": "prev"})
    left = s[["user_id", "ts"]].reset_index().sort_values("ts")
    m = pd.merge_asof(left, src.sort_values("prev"), left_on="ts", right_on="prev",
                      by="user_id", allow_exact_matches=False, direction="backward")  # fmt: skip
    hit = (m["ts"] - m["prev"]) < pd.Timedelta(days=days)
    out = np.zeros(len(s), dtype=bool)
    out[m["index"].to_numpy()] = hit.fillna(False).to_numpy()
    return out


def _mantel_haenszel_rr(exposed: np.ndarray, outcome: np.ndarray, strata: pd.Series):
    """Mantel-Haenszel risk ratio over strata and its log standard error.

    RR = sum(a n0 / N) / sum(c n1 / N); variance of log RR by Greenland & Robins (1985),
    *Biometrics* 41, 55-68: sum((n1 n0 m1 - a c N) / N^2) / (sum(a n0/N) sum(c n1/N)).
    """
    d = pd.DataFrame({"k": strata.to_numpy(), "x": exposed, "y": outcome})
    t = d.groupby(["k", "x"])["y"].agg(["sum", "count"]).unstack("x", fill_value=0)
    a, n1 = t[("sum", True)], t[("count", True)]
    c, n0 = t[("sum", False)], t[("count", False)]
    n = n1 + n0
    ok = (n1 > 0) & (n0 > 0)
    a, n1, c, n0, n = a[ok], n1[ok], c[ok], n0[ok], n[ok]
    r_num, r_den = (a * n0 / n).sum(), (c * n1 / n).sum()
    var = ((n1 * n0 * (a + c) - a * c * n) / n**2).sum() / (r_num * r_den)
    return r_num / r_den, float(np.sqrt(var))


@pytest.mark.parametrize("channel", list(HALO))
def test_configured_halo_lift_is_recovered(twins, channel: str) -> None:
    """P(cart | page view) after a recent session on the seeding channel is (1 + lift) x.

    Stratified by channel, source, day and the other halo channel's indicator (the cart rate
    depends on all of them); sessions on the seeding channel itself and private-domain (WeCom)
    sessions carry no halo and are left out.
    """
    w = twins["on"]["world"]
    s = _sessions(w.tables["events"])
    priors = {c: _prior(s, c, w.params.halo_days) for c in HALO}
    keep = s["page_view"].to_numpy() & ~s["channel"].isin([channel, "wecom"]).to_numpy()
    others = [c for c in HALO if c != channel]
    strata = s["channel"] + "|" + s["source"].astype(str) + "|" + s["day"].astype(str)
    for o in others:
        strata = strata + "|" + pd.Series(priors[o] & (s["channel"] != o).to_numpy()).map(str)
    rr, se = _mantel_haenszel_rr(priors[channel][keep], s["cart"].to_numpy()[keep], strata[keep])
    print(f"\nhalo {channel}: MH risk ratio {rr:.3f} (log SE {se:.3f}), configured "
          f"{1 + HALO[channel]:.2f}")  # fmt: skip
    assert abs(np.log(rr) - np.log1p(HALO[channel])) < 4 * se
    assert 4 * se < 0.5 * np.log1p(HALO[channel])  # the test has the power to see the lift


def _shares(paths: pd.DataFrame) -> pd.DataFrame:
    conv = attr.compare(paths, models=["last_touch", *MULTI_TOUCH])["conversions"]
    conv = conv.unstack("model")
    return conv / conv.sum()


def test_multi_touch_models_move_credit_to_the_influencing_channels(twins) -> None:
    """Against last touch, every multi-touch model shifts credit to the halo channels.

    For each model M and channel c the shift is D = [share_M - share_last](halo on) -
    [share_M - share_last](halo off): the twin removes each model's structural bias. Last touch
    cannot see influence (the halo converts on *other* channels), so D > 0 for both halo
    channels, and the strong halo's D beats every public channel without a halo. (WeCom is left
    out of that comparison: more public buyers means more private-domain joiners, a real knock-on
    effect of the halo.)
    """
    on, off = _shares(twins["on"]["paths"]), _shares(twins["off"]["paths"])
    d = on.sub(on["last_touch"], axis=0) - off.sub(off["last_touch"], axis=0)
    print("\ncredit shift (percentage points):\n" + (100 * d[MULTI_TOUCH]).round(2).to_string())
    strong = max(HALO, key=HALO.get)
    for m in MULTI_TOUCH:
        assert (d.loc[list(HALO), m] > 0).all(), m
        assert d.loc[strong, m] > d[m].drop([*HALO, "wecom"]).max(), m
    # The halo raised conversions: the twins differ only by it.
    n_on, n_off = (twins[k]["paths"]["conversions"].sum() for k in ("on", "off"))
    assert n_on > 1.1 * n_off


def test_halo_parameter_is_validated() -> None:
    with pytest.raises(ValueError, match="seeding_halo"):
        WorldParams(seeding_halo={"nowhere": 0.5})
    with pytest.raises(ValueError, match="seeding_halo"):
        WorldParams(seeding_halo={"douyin": -0.1})
    with pytest.raises(ValueError, match="halo_days"):
        WorldParams(halo_days=0)
