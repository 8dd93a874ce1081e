"""The importer's fast paths give the plain computation's answers: the streamed read (progress
bar) and the whole-file read load the same tables; grouped reductions, medians, duplicates and the
date-format choice match pandas or a direct evaluation."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from omni_core.ingest import Mapping, import_files, values
from omni_core.ingest.derive import FileRows, Groups, _duplicates, _median_by
from omni_core.ingest.read import ROW
from omni_core.warehouse import Warehouse

from .conftest import RETAIL


@pytest.fixture
def wh():
    w = Warehouse("duckdb://:memory:")
    yield w
    w.close()


@pytest.mark.parametrize("gz", [False, True])
def test_streamed_read_loads_what_the_whole_file_read_loads(wh, tmp_path, gz):
    path = RETAIL
    if gz:
        path = tmp_path / "retail.csv.gz"
        path.write_bytes(gzip.compress(RETAIL.read_bytes()))
    whole = import_files(wh, path, name="whole", stream=False)
    seen: list[tuple[str, float]] = []
    streamed = import_files(wh, path, name="streamed", progress=lambda s, f: seen.append((s, f)))
    assert streamed.counts == whole.counts and streamed.amounts == whole.amounts
    assert streamed.rejected == whole.rejected
    assert wh.checksum("streamed") == wh.checksum("whole")
    fracs = [f for _, f in seen]
    assert fracs == sorted(fracs) and 0.0 <= fracs[0] and fracs[-1] == 1.0
    assert [s for s, _ in seen][:1] == ["reading"] and seen[-1][0] == "done"


def test_streamed_read_reports_a_truncated_file_like_the_whole_read(wh, tmp_path):
    data = RETAIL.read_bytes()
    cut = data[: data.index(b"\n", 200_000) + 25]
    path = tmp_path / "cut.csv"
    path.write_bytes(cut)
    errors = []
    for stream in (False, True):
        with pytest.raises(ValueError) as info:
            import_files(wh, path, name="cut", stream=stream, progress=lambda s, f: None)
        errors.append(str(info.value))
    assert errors[0] == errors[1] and "truncated" in errors[0]
    assert wh.datasets() == []


def _reference(key: np.ndarray, values_: np.ndarray, how: str) -> pd.Series:
    return pd.Series(values_).groupby(key, sort=False).agg(how)


def test_groups_match_pandas():
    rng = np.random.default_rng(7)
    for trial in range(40):
        n = int(rng.integers(1, 2000))
        key = rng.integers(-3 if trial % 2 else 0, int(rng.integers(1, 300)), n).astype(np.int32)
        if trial % 3 == 0:
            key = np.sort(key)  # order lines are usually adjacent
        x = rng.normal(size=n) * 1000
        ts = (rng.integers(0, 10**9, n) * 1_000_000).astype("datetime64[us]")
        ts[rng.random(n) < 0.1] = np.datetime64("NaT")
        g = Groups(key)
        first_seen = pd.unique(key)
        assert np.array_equal(g.keys, first_seen)
        assert np.array_equal(g.sizes, pd.Series(key).value_counts(sort=False)[first_seen])
        assert np.array_equal(g.first, [np.flatnonzero(key == k)[0] for k in first_seen])
        assert np.array_equal(g.keys[g.gid], key)
        assert np.allclose(g.reduce(np.add, x), _reference(key, x, "sum")[first_seen])
        assert np.array_equal(g.reduce(np.maximum, x), _reference(key, x, "max")[first_seen])
        mins = pd.Series(ts).groupby(key, sort=False).min()[first_seen].to_numpy()
        assert np.array_equal(g.min_time(ts), mins.astype("datetime64[us]"), equal_nan=True)
        mask = x > 500
        want = [next((i for i in np.flatnonzero(key == k) if mask[i]), -1) for k in first_seen]
        assert np.array_equal(g.first_where(mask), want)
        rank = pd.Series(key).groupby(key).cumcount().to_numpy()
        assert np.array_equal(g.rank_within(), rank)


def test_median_by_matches_pandas_bit_for_bit():
    rng = np.random.default_rng(3)
    for trial in range(60):
        n = int(rng.integers(1, 3000))
        key = rng.integers(0, int(rng.integers(1, 200)), n)
        levels = np.round(rng.random(int(rng.integers(1, 40))) * 100, 2) + 0.01
        v = rng.choice(levels, n) if trial % 2 else rng.random(n) * 1000 + 1e-3
        want = pd.Series(v).groupby(key).median()
        keys, med = _median_by(key, v)
        assert np.array_equal(keys, want.index.to_numpy())
        assert np.array_equal(med.view(np.int64), want.to_numpy().view(np.int64))


def test_duplicates_are_exact_rows():
    ts = pd.to_datetime(["2024-01-01", None, "2024-01-01", None, "2024-01-02", "2024-01-01"])
    table = pa.table({
        "id": pa.array(["a", "b", "a", "b", "a", "a"]).dictionary_encode(),
        "price": pa.array([1.0, np.nan, 1.0, np.nan, 1.0, 1.0]),
        "zero": pa.array([0.0, 0.0, -0.0, 0.0, 0.0, 0.0]),
        "ts": pa.array(ts.to_numpy().astype("datetime64[us]"), pa.timestamp("us")),
        "n": pa.array([1, 2, 1, 2, 1, 3], pa.int64()),
        ROW: pa.array(np.arange(1, 7), pa.int64()),
    })  # fmt: skip
    fr = FileRows("orders", "t", table, Mapping("orders"), 6, np.arange(1, 7))
    fr.reason = np.zeros(6, np.int16)
    _duplicates(fr)
    # Row 3 repeats row 1 (0.0 equals -0.0), row 4 repeats row 2 (NaN and NaT equal themselves);
    # row 5 differs in its date and row 6 in n.
    assert fr.dup_of.tolist() == [0, 0, 1, 2, 0, 0]


@pytest.mark.parametrize("samples", [
    ["2010-12-01 08:26:00", "2010-12-01 08:28:00", "2011-01-04 10:00:00"],
    ["2024年11月11日 00:05", "2024年11月12日 20:15"], ["11/28/2024 10:05 PM", "11/29/2024 09:00 AM"],
    ["01/02/2024", "05/02/2024"], ["13/02/2024 12:00", "01/03/2024 08:30"], ["1700000000"],
    ["28 Nov 2024", "3 Dec 2024"], ["Nov 28, 2024"], ["2024/11/11 下午 08:05:09"],
    ["２０２４－１１－１１ ０８：００"], ["20241111", "20241231"], ["2024-11-11T08:00:00"],
    ["not a date", "2024.11.11"], ["1899-12-30 00:00:00"],
])  # fmt: skip
def test_date_formats_skipped_by_their_characters_cannot_change_the_choice(monkeypatch, samples):
    fast = values.choose_date_formats(samples)
    monkeypatch.setattr(values, "_may_parse", lambda fmt, chars: True)
    assert values.choose_date_formats(samples) == fast
