"""The array helpers the simulator relies on answer exactly as the numpy calls they replace."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omni_core.arrays import SortedLookup, UnitLookup, lexsort2, stable_argsort, take_many

SEEDS = st.integers(0, 2**32 - 1)


@pytest.mark.parametrize("side", ["left", "right"])
@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_sorted_lookup_is_searchsorted(side, seed):
    rng = np.random.default_rng(seed)
    segs = [
        np.sort(rng.choice(rng.normal(size=8), size=int(rng.integers(1, 30)))) for _ in range(3)
    ]
    look = SortedLookup(segs, side)
    x = np.concatenate([rng.normal(size=500) * 2, np.concatenate(segs)])  # ties on the values
    k = rng.integers(0, len(segs), len(x))
    want = np.array([np.searchsorted(segs[j], v, side) for j, v in zip(k, x, strict=True)])
    assert (look.find(x, k) == want).all()
    assert (look.find(x, 1) == np.searchsorted(segs[1], x, side)).all()


@pytest.mark.parametrize("side", ["left", "right"])
@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_unit_lookup_is_searchsorted_for_uniform_draws(side, seed):
    rng = np.random.default_rng(seed)
    cdfs = [np.cumsum(rng.dirichlet(np.ones(int(rng.integers(1, 40))))) for _ in range(4)]
    outputs = [rng.integers(-1, 99, len(c) + 1) for c in cdfs]
    look = UnitLookup(cdfs, side, bits=6, outputs=outputs)
    r = np.concatenate([rng.random(2000), np.concatenate(cdfs)[:-1], np.arange(64) / 64])
    r = r[r < 1]  # the domain: uniform draws in [0, 1)
    k = rng.integers(0, len(cdfs), len(r))
    want = np.array(
        [outputs[j][np.searchsorted(cdfs[j], v, side)] for j, v in zip(k, r, strict=True)]
    )
    assert (look.find(r, k) == want).all()


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n=st.integers(0, 3000))
def test_lexsort2_and_stable_argsort_are_numpys_permutations(seed, n):
    rng = np.random.default_rng(seed)
    minor, major = rng.integers(-50, 50, n), rng.integers(0, 20, n)  # many ties
    assert (lexsort2(minor, major) == np.lexsort((minor, major))).all()
    key = rng.integers(0, 2**40, 70_000) // int(rng.integers(1, 2**30))  # ties, radix path
    assert (stable_argsort(key) == np.argsort(key, kind="stable")).all()


def test_take_many_is_take_on_each_array_and_on_concatenated_parts():
    rng = np.random.default_rng(3)
    n = 200_000
    parts = [rng.integers(-5, 9, n).astype(np.int16), rng.integers(0, 9, n).astype(np.int16)]
    arrays = [
        rng.integers(0, 2**40, 2 * n),  # packed, wide
        rng.random(2 * n) < 0.3,  # packed bool
        rng.normal(size=2 * n),  # float: plain
        rng.integers(0, 5, (2 * n, 3)),  # 2-D: plain
        parts,  # read as their concatenation
    ]
    idx = rng.permutation(2 * n)[: 3 * n // 2]
    got = take_many(arrays, idx)
    full = [*arrays[:4], np.concatenate(parts)]
    for a, g in zip(full, got, strict=True):
        assert g.dtype == a.dtype
        assert (np.take(a, idx, axis=0) == g).all()
