"""Reading values: ids, text, numbers and dates, parsed once per distinct value.

A source column arrives as an Arrow column. Text columns are dictionary-encoded first, so every
normalisation and parse runs on the distinct values only (a million order lines hold a few
thousand prices and dates) and is mapped back to the rows with integer codes. Parsing uses an
in-memory DuckDB (``TRY_CAST``, ``try_strptime`` with a list of formats) on those distinct values.

Conventions: a ``Coded`` column holds ``codes`` (int32, -1 = empty) into ``values`` (distinct,
normalised strings). Numbers are float64 with NaN for empty; timestamps are ``datetime64[us]``
with NaT for empty; ``bad`` marks rows whose value is present but cannot be read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NULL_TOKENS = ("", "nan", "null", "none", "n/a", "na", "#n/a", "-", "--", "—", "\\n", "nat")
YEAR_MIN, YEAR_MAX = 1970, 2100
# Candidate date formats in order of preference; the family says the order of year/month/day.
DATE_FORMATS: tuple[tuple[str, str], ...] = (
    ("iso", "ymd"),
    ("%Y/%m/%d %H:%M:%S", "ymd"), ("%Y/%m/%d %H:%M", "ymd"), ("%Y/%m/%d", "ymd"),
    ("%Y.%m.%d %H:%M:%S", "ymd"), ("%Y.%m.%d %H:%M", "ymd"), ("%Y.%m.%d", "ymd"),
    ("%Y年%m月%d日 %H:%M:%S", "ymd"), ("%Y年%m月%d日 %H:%M", "ymd"),
    ("%Y年%m月%d日%H:%M:%S", "ymd"), ("%Y年%m月%d日%H:%M", "ymd"), ("%Y年%m月%d日", "ymd"),
    ("%Y年%m月%d日 %H时%M分%S秒", "ymd"), ("%Y年%m月%d日 %H时%M分", "ymd"),
    ("%Y/%m/%d %p %I:%M:%S", "ymd"), ("%Y-%m-%d %p %I:%M:%S", "ymd"),
    ("%Y/%m/%d %p %I:%M", "ymd"), ("%Y-%m-%d %p %I:%M", "ymd"),
    ("%Y%m%d%H%M%S", "ymd"), ("%Y%m%d %H:%M:%S", "ymd"), ("%Y%m%d", "ymd"),
    ("%m/%d/%Y %H:%M:%S", "mdy"), ("%m/%d/%Y %H:%M", "mdy"), ("%m/%d/%Y", "mdy"),
    ("%m/%d/%Y %I:%M:%S %p", "mdy"), ("%m/%d/%Y %I:%M %p", "mdy"),
    ("%m/%d/%y %H:%M:%S", "mdy"), ("%m/%d/%y %H:%M", "mdy"), ("%m/%d/%y", "mdy"),
    ("%d/%m/%Y %H:%M:%S", "dmy"), ("%d/%m/%Y %H:%M", "dmy"), ("%d/%m/%Y", "dmy"),
    ("%d/%m/%y %H:%M:%S", "dmy"), ("%d/%m/%y %H:%M", "dmy"), ("%d/%m/%y", "dmy"),
    ("%d.%m.%Y %H:%M:%S", "dmy"), ("%d.%m.%Y %H:%M", "dmy"), ("%d.%m.%Y", "dmy"),
    ("%d-%m-%Y %H:%M:%S", "dmy"), ("%d-%m-%Y %H:%M", "dmy"), ("%d-%m-%Y", "dmy"),
    ("%d %b %Y %H:%M:%S", "dmy"), ("%d %b %Y %H:%M", "dmy"), ("%d %b %Y", "dmy"),
    ("%d-%b-%Y", "dmy"), ("%d-%b-%y", "dmy"), ("%b %d, %Y", "mdy"), ("%b %d %Y", "mdy"),
    ("epoch_s", "epoch"), ("epoch_ms", "epoch"),
)  # fmt: skip
FORMAT_FAMILY = dict(DATE_FORMATS)
DATE_EXAMPLES = "2024-11-11 00:05:00, 2024/11/11 00:05, 2024年11月11日 00:05, 11/11/2024 00:05"
CURRENCIES = (("¥", "CNY"), ("￥", "CNY"), ("元", "CNY"), ("RMB", "CNY"), ("CNY", "CNY"),
              ("£", "GBP"), ("GBP", "GBP"), ("€", "EUR"), ("EUR", "EUR"), ("US$", "USD"),
              ("$", "USD"), ("USD", "USD"), ("HK$", "HKD"), ("HKD", "HKD"))  # fmt: skip
_CURRENCY_RE = r"(?i)(rmb|cny|usd|us\$|gbp|eur|hkd|hk\$|jpy|元|¥|￥|\$|£|€)"
_UNIT_RE = r"[件个只套盒瓶袋包箱台双条张份支本]$"
_NUMBER_RE = r"^[+-]?(\d+|\d{1,3}(,\d{3})+)?(\.\d+)?([eE][+-]?\d+)?$"
_SCIENTIFIC_ID = re.compile(r"^\d(\.\d+)?[eE]\+\d+$")


@dataclass
class Coded:
    """A text column as codes into distinct normalised values (-1 = empty)."""

    codes: np.ndarray
    values: list[str]

    def decode(self) -> np.ndarray:
        """The values per row as an object array (None for empty)."""
        lookup = np.array([*self.values, None], dtype=object)
        return lookup[self.codes]


@dataclass
class Parsed:
    """A parsed column: values per row and where a present value could not be read."""

    values: np.ndarray
    bad: np.ndarray
    raw: Coded | None = None  # the text the values came from (for examples), when it was text


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def _combine(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(col, pa.ChunkedArray):
        return col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    return col


def dictionary(col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """``(codes, distinct raw strings)`` of a column; -1 codes for nulls. Any type is stringified."""
    if isinstance(col, pa.Array):
        col = pa.chunked_array([col])
    t = col.type
    if not pa.types.is_dictionary(t):
        if pa.types.is_floating(t):
            col = _float_ids(col)
        elif not (pa.types.is_string(t) or pa.types.is_large_string(t)):
            col = col.cast(pa.string())
        col = pc.dictionary_encode(col)
    table = pa.table({"c": col}).unify_dictionaries()
    col = table.column(0)
    if col.num_chunks == 0:
        return np.zeros(0, np.int32), pa.array([], pa.string())
    values = col.chunk(0).dictionary.cast(pa.string())
    if col.null_count == 0:
        parts = [c.indices.to_numpy(zero_copy_only=False) for c in col.chunks]
        return np.concatenate(parts).astype(np.int32, copy=False), values
    idx = pa.chunked_array([c.indices for c in col.chunks], type=col.type.index_type)
    codes = pc.fill_null(_combine(idx), -1).to_numpy(zero_copy_only=False).astype(np.int32)
    return codes, values


def _float_ids(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Floats used as ids (Excel/Parquet): 17850.0 → '17850'."""
    vals = col.to_numpy()
    out = np.empty(len(vals), dtype=object)
    ok = ~np.isnan(vals)
    integral = ok & (np.mod(vals, 1) == 0) & (np.abs(vals) < 2**62)
    out[integral] = vals[integral].astype(np.int64).astype(str)
    other = ok & ~integral
    out[other] = vals[other].astype(str)
    out[~ok] = None
    return pa.chunked_array([pa.array(out, pa.string())])


def normalise_text(values: pa.Array, *, as_id: bool) -> pa.Array:
    """Trim, drop spreadsheet quoting (="123", '123, tabs), '17850.0' → '17850' for ids, nulls."""
    v = pc.utf8_trim_whitespace(values)
    v = pc.replace_substring_regex(v, r"^=\"(.*)\"$", r"\1")
    if as_id:
        v = pc.replace_substring_regex(v, r"^['`]", "")
        v = pc.replace_substring_regex(v, r"^(\d+)\.0+$", r"\1")
        v = pc.utf8_trim_whitespace(v)
    is_null = pc.is_in(pc.utf8_lower(v), value_set=pa.array(NULL_TOKENS))
    return pc.if_else(is_null, pa.scalar(None, pa.string()), v)


def coded(
    col: pa.ChunkedArray | pa.Array | None,
    *,
    as_id: bool,
    encoded: tuple[np.ndarray, pa.Array] | None = None,
) -> Coded:
    """A text/id column as ``Coded`` (normalised distinct values); ``encoded`` reuses a
    ``dictionary`` result."""
    codes, raw = encoded if encoded is not None else dictionary(col)
    norm = normalise_text(raw, as_id=as_id)
    enc = pc.dictionary_encode(norm)
    remap = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32)
    remap = np.append(remap, np.int32(-1))  # code -1 stays -1
    return Coded(remap[codes], enc.dictionary.to_pylist())


def raw_coded(col: pa.ChunkedArray | pa.Array) -> Coded:
    """The column's raw text as ``Coded`` (for duplicates and examples; no normalisation)."""
    codes, raw = dictionary(col)
    return Coded(codes, raw.to_pylist())


def scientific_ids(c: Coded) -> list[str]:
    """Ids that a spreadsheet turned into scientific notation (1.23457E+17): precision is lost."""
    return [v for v in c.values[:5000] if _SCIENTIFIC_ID.match(v)][:3]


# ------------------------------------------------------------------------------------- numbers
def number_style(samples: list[str]) -> tuple[str, str | None]:
    """``(decimal separator, currency code)`` guessed from sample strings of a number column."""
    comma_dec = sum(1 for s in samples if re.search(r"\d,\d{1,2}$", s.strip()))
    dot_dec = sum(1 for s in samples if re.search(r"\d\.\d+$", s.strip()))
    decimal = "," if comma_dec > 0 and dot_dec == 0 else "."
    currency = None
    for sym, code in CURRENCIES:
        if any(sym in s for s in samples[:2000]):
            currency = code
            break
    return decimal, currency


def parse_number(col: pa.ChunkedArray | pa.Array, decimal: str = ".") -> Parsed:
    """Numbers from a numeric or text column (currency symbols, thousands separators, (12.50))."""
    t = col.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        arr = _combine(col).cast(pa.float64())
        vals = pc.fill_null(arr, np.nan).to_numpy(zero_copy_only=False)
        return Parsed(vals, np.zeros(len(vals), bool))
    if pa.types.is_boolean(t):
        arr = _combine(col).cast(pa.float64())
        return Parsed(pc.fill_null(arr, np.nan).to_numpy(zero_copy_only=False),
                      np.zeros(len(arr), bool))  # fmt: skip
    codes, raw = dictionary(col)
    text = normalise_text(raw, as_id=False)
    con = _con()
    con.register("d", pa.table({"s": text}))
    sep = "replace(replace(x, '.', ''), ',', '.')" if decimal == "," else "replace(x, ',', '')"
    sql = f"""
        WITH a AS (SELECT s, regexp_matches(s, '^\\(.*\\)$') AS neg,
                          regexp_replace(regexp_replace(s, '{_CURRENCY_RE}', '', 'g'),
                                         '[\\s\\x{{00a0}}\\x{{3000}}，]|{_UNIT_RE}', '', 'g') AS x0
                   FROM d),
             b AS (SELECT s, neg, regexp_replace(x0, '^\\((.*)\\)$', '\\1') AS x FROM a)
        SELECT CASE WHEN s IS NULL THEN NULL
                    ELSE (CASE WHEN neg THEN -1 ELSE 1 END) * TRY_CAST({sep} AS DOUBLE) END AS v,
               s IS NOT NULL AND TRY_CAST({sep} AS DOUBLE) IS NULL AS bad
        FROM b"""
    out = con.execute(sql).to_arrow_table()
    con.close()
    vals = np.append(pc.fill_null(out.column("v"), np.nan).to_numpy(zero_copy_only=False), np.nan)
    bad = np.append(out.column("bad").to_numpy(zero_copy_only=False).astype(bool), False)
    return Parsed(vals[codes], bad[codes], raw_coded_from(codes, raw))


def raw_coded_from(codes: np.ndarray, raw: pa.Array) -> Coded:
    """``Coded`` of raw text from a dictionary."""
    return Coded(codes, raw.to_pylist())


# --------------------------------------------------------------------------------------- dates
@dataclass
class DateChoice:
    """The date formats chosen for a column, how many samples they read, and ambiguity."""

    formats: list[str]
    parsed: int
    sampled: int
    ambiguous_with: str | None = None

    @property
    def primary(self) -> str | None:
        """The main format (None when nothing parsed)."""
        return self.formats[0] if self.formats else None


def _prep_date(expr: str) -> str:
    """SQL normalising date text: full-width digits, 上午/下午 → AM/PM, trimmed."""
    return (f"replace(replace(translate(trim({expr}), '０１２３４５６７８９：／－', "
            f"'0123456789:/-'), '上午', 'AM'), '下午', 'PM')")  # fmt: skip


_FULLWIDTH = str.maketrans("０１２３４５６７８９：／－", "0123456789:/-")


def _prep_py(s: str) -> str:
    """What ``_prep_date`` makes of a value (for the characters it holds)."""
    return s.translate(_FULLWIDTH).replace("上午", "AM").replace("下午", "PM")


def _may_parse(fmt: str, chars: set[str]) -> bool:
    """False when no value made of ``chars`` can match ``fmt``: strptime matches each literal
    character (spaces aside) exactly, and AM/PM and month names need letters."""
    if "%" not in fmt:
        return True  # iso, epoch_s, epoch_ms: not strptime
    literal = re.sub(r"%.", "", fmt)
    if any(c not in chars for c in literal if not c.isspace()):
        return False
    if "%p" in fmt and not chars & set("aApP"):
        return False
    letters = any(c.isascii() and c.isalpha() for c in chars)
    return letters or not ("%b" in fmt or "%B" in fmt)


def _fmt_sql(fmt: str, x: str) -> str:
    if fmt == "iso":
        return f"TRY_CAST({x} AS TIMESTAMP)"
    if fmt == "epoch_s":
        return (f"CASE WHEN regexp_full_match({x}, '\\d{{9,10}}') THEN "
                f"make_timestamp(CAST({x} AS BIGINT) * 1000000) END")  # fmt: skip
    if fmt == "epoch_ms":
        return (f"CASE WHEN regexp_full_match({x}, '\\d{{12,13}}') THEN "
                f"make_timestamp(CAST({x} AS BIGINT) * 1000) END")  # fmt: skip
    return f"try_strptime({x}, '{fmt}')"


def _plausible(expr: str) -> str:
    return f"CASE WHEN year({expr}) BETWEEN {YEAR_MIN} AND {YEAR_MAX} THEN {expr} END"


def choose_date_formats(samples: list[str], override: str | list[str] | None = None) -> DateChoice:
    """Pick the date format(s) that read the most sample values (one year/month/day order)."""
    vals = sorted({s.strip() for s in samples if s and s.strip().lower() not in NULL_TOKENS})
    if len(vals) > 500:
        vals = vals[:: len(vals) // 500 + 1]
    if override:
        fmts = [override] if isinstance(override, str) else list(override)
        n = _count_parsed(vals, fmts) if vals else 0
        return DateChoice(fmts, n, len(vals))
    if not vals:
        return DateChoice([], 0, 0)
    # Each format costs DuckDB a few milliseconds to plan, so formats that cannot read any sample
    # (a separator or a letter they need appears in none) count 0 without asking it.
    chars = set().union(*(_prep_py(v) for v in vals))
    tried = [i for i, (f, _) in enumerate(DATE_FORMATS) if _may_parse(f, chars)]
    con = _con()
    con.register("d", pa.table({"s": pa.array(vals, pa.string())}))
    x = _prep_date("s")
    cols = ", ".join(f"count({_plausible(_fmt_sql(DATE_FORMATS[i][0], 'x'))})" for i in tried)
    found = con.execute(f"SELECT {cols} FROM (SELECT {x} AS x FROM d)").fetchone()
    con.close()
    counts = [0] * len(DATE_FORMATS)
    for i, c in zip(tried, found, strict=True):
        counts[i] = c
    best_i = max(range(len(DATE_FORMATS)), key=lambda i: (counts[i], -i))
    if counts[best_i] == 0:
        return DateChoice([], 0, len(vals))
    family = DATE_FORMATS[best_i][1]
    same = [
        (counts[i], -i) for i, (_, fam) in enumerate(DATE_FORMATS) if fam == family and counts[i]
    ]
    fmts = [DATE_FORMATS[-i][0] for _, i in sorted(same, reverse=True)]
    if "iso" not in fmts:
        fmts.append("iso")
    ambiguous = None
    if family in ("mdy", "dmy"):
        other = "dmy" if family == "mdy" else "mdy"
        twin = (
            DATE_FORMATS[best_i][0].replace("%m/%d", "%d/%m")
            if family == "mdy"
            else (DATE_FORMATS[best_i][0].replace("%d/%m", "%m/%d"))
        )
        j = next((i for i, (f, fam) in enumerate(DATE_FORMATS) if f == twin and fam == other), None)
        if j is not None and counts[j] == counts[best_i]:
            ambiguous = twin
    return DateChoice(fmts, int(counts[best_i]), len(vals), ambiguous)


def _count_parsed(vals: list[str], fmts: list[str]) -> int:
    con = _con()
    con.register("d", pa.table({"s": pa.array(vals, pa.string())}))
    expr = _plausible("coalesce(" + ", ".join(_fmt_sql(f, "x") for f in fmts) + ")")
    n = con.execute(f"SELECT count({expr}) FROM (SELECT {_prep_date('s')} AS x FROM d)").fetchone()
    con.close()
    return int(n[0])


def parse_timestamp(col: pa.ChunkedArray | pa.Array, formats: list[str]) -> Parsed:
    """Timestamps from a typed column (timestamp, date, Excel serial, epoch) or from text."""
    t = col.type
    n = len(col)
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        arr = _combine(col)
        if pa.types.is_timestamp(t) and t.tz is not None:
            arr = pc.local_timestamp(arr.cast(pa.timestamp(t.unit, tz="Asia/Shanghai")))
        vals = arr.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False).astype("datetime64[us]")
        return _plausible_np(vals, np.zeros(n, bool))
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        x = pc.fill_null(_combine(col).cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False)
        return _numeric_dates(x)
    codes, raw = dictionary(col)
    text = normalise_text(raw, as_id=False)
    con = _con()
    con.register("d", pa.table({"s": text}))
    fmts = formats or ["iso"]
    expr = _plausible("coalesce(" + ", ".join(_fmt_sql(f, "x") for f in fmts) + ")")
    out = con.execute(
        f"SELECT {expr} AS v, s IS NOT NULL AND {expr} IS NULL AS bad "
        f"FROM (SELECT s, {_prep_date('s')} AS x FROM d)"
    ).to_arrow_table()
    con.close()
    v = out.column("v").cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
    v = np.append(v.astype("datetime64[us]"), np.datetime64("NaT", "us"))
    bad = np.append(out.column("bad").to_numpy(zero_copy_only=False).astype(bool), False)
    return Parsed(v[codes], bad[codes], raw_coded_from(codes, raw))


def _plausible_np(vals: np.ndarray, bad: np.ndarray) -> Parsed:
    lo = np.datetime64(f"{YEAR_MIN:04d}-01-01", "us")
    hi = np.datetime64(f"{YEAR_MAX + 1:04d}-01-01", "us")
    off = ~np.isnat(vals) & ((vals < lo) | (vals >= hi))
    vals = vals.copy()
    vals[off] = np.datetime64("NaT")
    return Parsed(vals, bad | off)


def _numeric_dates(x: np.ndarray) -> Parsed:
    """Excel serial days (1954–2119), epoch seconds or epoch milliseconds by magnitude."""
    out = np.full(len(x), np.datetime64("NaT"), dtype="datetime64[us]")
    ok = ~np.isnan(x)
    excel = ok & (x > 20000) & (x < 80000)
    secs = ok & (x >= 1e8) & (x < 1e10)
    ms = ok & (x >= 1e11) & (x < 1e13)
    base = np.datetime64("1899-12-30T00:00:00", "us")
    out[excel] = base + (x[excel] * 86_400_000_000).astype(np.int64).astype("timedelta64[us]")
    out[secs] = (x[secs] * 1_000_000).astype(np.int64).astype("datetime64[us]")
    out[ms] = (x[ms] * 1000).astype(np.int64).astype("datetime64[us]")
    bad = ok & ~(excel | secs | ms)
    return _plausible_np(out, bad)


def describe_format(fmt: str) -> str:
    """A human example of a format (for messages): '%Y-%m-%d' → '2024-11-11'."""
    if fmt == "iso":
        return "ISO 8601 (2024-11-11 00:05:00)"
    if fmt.startswith("epoch"):
        return "Unix time in " + ("seconds" if fmt == "epoch_s" else "milliseconds")
    return dt.datetime(2024, 11, 11, 20, 5, 9).strftime(fmt.replace("%p", "PM"))
