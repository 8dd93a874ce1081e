"""Theme lift model: planted theme x segment click multipliers are recovered with valid CIs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omni_core.models.theme_lift import fit_theme_lift

THEMES = ("emotion", "kol", "price", "quality")


def _cells(rng: np.random.Generator, lift: float, n_creatives: int = 60) -> pd.DataFrame:
    """Exposures per creative x (young, senior, coupon); clicks Binomial with planted matches."""
    rows = []
    for c in range(n_creatives):
        theme = THEMES[c % 4]
        base = 0.12 * rng.lognormal(0, 0.2)
        for young in (False, True):
            for senior in (False, True):
                if young and senior:
                    continue
                for coupon in (False, True):
                    match = (
                        ((theme == "kol") & young)
                        | ((theme == "quality") & senior)
                        | ((theme == "price") & coupon)
                    )
                    general = 1.1 if young else 1.0  # a segment that clicks more on everything
                    p = base * general * (lift if match else 1.0)
                    n = int(rng.integers(800, 1500))
                    rows.append((c, theme, young, senior, coupon, n, rng.binomial(n, p)))
    return pd.DataFrame(rows, columns=["creative_id", "theme", "young", "senior", "coupon",
                                       "exposures", "clicks"])  # fmt: skip


def test_planted_lifts_are_recovered():
    d = _cells(np.random.default_rng(4), 1.25)
    res = fit_theme_lift(d, ["coupon", "young", "senior"]).set_index(["segment", "theme"])
    for seg, theme in (("coupon", "price"), ("young", "kol"), ("senior", "quality")):
        r = res.loc[(seg, theme)]
        assert r["winner"] and r["low"] < 1.25 < r["high"], (seg, r.to_dict())
    # Non-matching themes: exp(0 - ln(1.25) / 3) = 0.928 (the contrast's definition).
    other = res.loc[("young", "price")]
    assert other["low"] < 1.25 ** (-1 / 3) < other["high"]


def test_no_interaction_gives_lifts_near_one_and_coverage():
    rng = np.random.default_rng(9)
    covered = total = 0
    for _ in range(10):
        res = fit_theme_lift(_cells(rng, 1.0, n_creatives=24), ["coupon", "young", "senior"])
        covered += int(((res["low"] < 1) & (res["high"] > 1)).sum())
        total += len(res)
    assert covered / total > 0.88  # nominal 95 %


def test_bad_cells_raise_clear_errors():
    d = _cells(np.random.default_rng(1), 1.0, n_creatives=8)
    with pytest.raises(ValueError, match="lack columns"):
        fit_theme_lift(d.drop(columns="clicks"), ["young"])
    with pytest.raises(ValueError, match="between 0 and exposures"):
        fit_theme_lift(d.assign(clicks=d["exposures"] + 1), ["young"])
    with pytest.raises(ValueError, match="two themes"):
        fit_theme_lift(d[d["theme"] == "kol"], ["young"])
