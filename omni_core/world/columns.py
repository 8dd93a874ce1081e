"""String columns built from integer codes with Arrow kernels, as pandas would hold them.

The simulator draws categories as integer codes; turning them into Python strings row by row
and letting pandas convert those back to Arrow costs ~0.2 s per column and million rows. These
helpers build the Arrow strings directly (``take`` from a small vocabulary, joins, decimal
casts) and wrap them in pandas' default string dtype, so the frames are exactly what the
row-by-row construction gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

LSTR = pa.large_string()  # pandas keeps its Arrow-backed strings as large_string
DEFAULT_STR = pd.Series(["x"]).dtype  # pandas' default string dtype ("str" on pandas 3)


def vocab(values: Iterable[str]) -> pa.Array:
    """A small Arrow string array to ``take`` codes from."""
    return pa.array(list(values), LSTR)


def decode(codes: np.ndarray, values: Sequence[str]) -> Any:
    """The string column ``values[codes]`` (pandas' default string dtype)."""
    codes = np.asarray(codes)
    if codes.dtype == bool:
        codes = codes.view(np.int8)
    return str_column(vocab(values).take(pa.array(codes)))


def digits(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Decimal strings of integers (``str(int)``), null where not ``valid``."""
    arr = pa.array(values, mask=None if valid is None else ~np.asarray(valid, dtype=bool))
    return pc.cast(arr, LSTR)


def join(*parts: pa.Array | pa.Scalar, sep: str = "") -> pa.Array:
    """Element-wise ``sep.join(parts)`` (null if any part is null)."""
    return pc.binary_join_element_wise(*parts, pa.scalar(sep, LSTR))


def scatter(values: pa.Array, where: np.ndarray) -> pa.Array:
    """An array of ``len(where)`` holding ``values`` (in order) where ``where``, null elsewhere."""
    pos = np.cumsum(where) - 1
    return values.take(pa.array(pos, mask=~np.asarray(where, dtype=bool)))


def str_column(arr: pa.Array | pa.ChunkedArray) -> Any:
    """An Arrow string array as the pandas column built from the same Python strings (pandas'
    default string dtype: Arrow-backed ``str`` on pandas 3, no copy; else via objects)."""
    if isinstance(DEFAULT_STR, pd.StringDtype) and DEFAULT_STR.storage == "pyarrow":
        return pd.arrays.ArrowStringArray(arr.cast(LSTR), dtype=DEFAULT_STR)
    return pd.array(arr.to_numpy(zero_copy_only=False), dtype=DEFAULT_STR)


def arrow_strings(column: pd.Series) -> pa.Array:
    """A pandas string column as an Arrow array (no copy for Arrow-backed strings)."""
    return pa.array(column.array, LSTR)
