"""From parsed rows to warehouse tables: validation, duplicates, cancellations, orders, buyers,
SKUs, channels, returns and events — vectorised on integer codes (numpy/pandas).

Rules (the README's "import schema" section states them for users):

- A row is *rejected* (kept in ``import_rejects`` with its reason, never silently dropped) when it
  exactly repeats an earlier row, lacks a required value, or holds a value that cannot be read.
- A loaded row is a *reversal* (cancellation/return) when its order id has the cancel prefix
  (``C536379``), its quantity is negative or its amount is negative; reversals go to
  ``import_reversals`` and, linked to the order they undo, to ``returns``. Other rows are sales.
  A reversal line undoes the sale order with its own id, else its customer's latest order at or
  before it that holds the same product; with neither it stays unlinked (the purchase predates
  the export). An order's refunds (linked reversals, refund column, refunded status) are capped
  at its amount in time order; the excess is reported.
- Orders are built from sale lines (time = earliest line, customer/channel/province = first line
  that has one); order ids, customer ids and SKU codes that are plain numbers are kept, otherwise
  numbered 1..n in order of first appearance (``import_keys`` holds every source id).
- An order without a customer id is a guest order with its own anonymous buyer ``-order_id``
  (users keeps real customers only) unless the mapping says ``missing_customer: reject``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from omni_core.ingest import vocab
from omni_core.ingest.errors import IngestError
from omni_core.ingest.fields import Field, fields
from omni_core.ingest.mapping import Mapping
from omni_core.ingest.read import ROW
from omni_core.ingest.values import (
    Coded,
    Parsed,
    coded,
    describe_format,
    dictionary,
    parse_number,
    parse_timestamp,
    scientific_ids,
)
from omni_core.schema import TABLE_BY_NAME

REASONS: dict[str, tuple[str, str]] = {
    "duplicate": ("与前面某一行完全相同（重复行）", "exact duplicate of an earlier row"),
    "missing_value": ("缺少必填值", "required value missing"),
    "bad_value": ("值无法识别", "value cannot be read"),
    "fractional_quantity": ("数量不是整数", "quantity is not a whole number"),
    "zero_quantity": ("数量为 0", "quantity is 0"),
    "unknown_event_type": ("无法识别的事件类型", "unknown event type"),
}
EXAMPLES = 5
NUMERIC_ID = re.compile(r"^[1-9]\d{0,17}$")
NUMERIC_SKU = re.compile(r"^[1-9]\d{0,8}$")
IMPORTED_CHANNEL = "imported"
UNCATEGORIZED = "uncategorized"
_INT_MAX = {"TINYINT": 127, "SMALLINT": 32767, "INTEGER": 2**31 - 1, "BIGINT": 2**63 - 1}
NAT = np.datetime64("NaT", "us")
_REV_AMOUNTS = ("status_refund_amount", "refund_over_order")  # amounts, not counts
_REV_TYPES = {"row": pa.int64(), "source_order_id": pa.string(), "order_id": pa.int64(),
              "user_id": pa.int64(), "sku_id": pa.int64(), "ts": pa.timestamp("us"),
              "qty": pa.float64(), "unit_price": pa.float64(), "line_amount": pa.float64(),
              "kind": pa.string()}  # fmt: skip


# ---------------------------------------------------------------------------------- parsed rows
@dataclass
class FileRows:
    """One file's rows after parsing: values per field, reject reasons and duplicates."""

    kind: str
    name: str
    table: pa.Table
    mapping: Mapping
    n: int
    row: np.ndarray
    ids: dict[str, Coded] = field(default_factory=dict)
    nums: dict[str, Parsed] = field(default_factory=dict)
    times: dict[str, Parsed] = field(default_factory=dict)
    reason: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    reasons: list[tuple[str, str | None]] = field(default_factory=lambda: [("ok", None)])
    dup_of: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    formats: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    encoded: dict[str, tuple[np.ndarray, pa.Array]] = field(default_factory=dict)

    def text_codes(self, column: str) -> tuple[np.ndarray, pa.Array]:
        """``(codes, distinct raw strings)`` of a text column, computed once."""
        if column not in self.encoded:
            self.encoded[column] = dictionary(self.table.column(column))
        return self.encoded[column]

    def column(self, name: str) -> str | None:
        """The source column mapped to a field."""
        return self.mapping.columns.get(name)

    def reject(self, mask: np.ndarray, code: str, fld: str | None = None) -> None:
        """Give still-accepted rows in ``mask`` the reason ``code`` (first reason wins)."""
        mask = mask & (self.reason == 0)
        if not mask.any():
            return
        key = (code, fld)
        if key not in self.reasons:
            self.reasons.append(key)
        self.reason[mask] = self.reasons.index(key)

    @property
    def ok(self) -> np.ndarray:
        """Rows that are loaded."""
        return self.reason == 0


def parse_file(
    kind: str, name: str, table: pa.Table, mapping: Mapping, formats: dict[str, list[str]],
    decimals: dict[str, str],
) -> FileRows:  # fmt: skip
    """Parse every mapped field of a file and mark duplicates and unreadable rows."""
    n = table.num_rows
    fr = FileRows(kind, name, table, mapping, n, table.column(ROW).to_numpy())
    fr.reason = np.zeros(n, np.int16)
    _duplicates(fr)
    by_name = {f.name: f for f in fields(kind)}
    for fname, col in mapping.columns.items():
        f = by_name[fname]
        src = table.column(col)
        if f.kind in ("id", "text"):
            enc = fr.text_codes(col) if _is_text(src.type) else None
            fr.ids[fname] = coded(src, as_id=f.kind == "id", encoded=enc)
        elif f.kind == "number":
            fr.nums[fname] = parse_number(src, decimals.get(fname, "."))
        else:
            fr.times[fname] = parse_timestamp(src, formats.get(fname, []))
            fr.formats[fname] = ", ".join(describe_format(x) for x in formats.get(fname, [])[:2])
    for fname, c in fr.ids.items():
        sci = scientific_ids(c) if by_name[fname].kind == "id" else []
        if sci:
            fr.warnings.append(
                f"column {fr.column(fname)!r} holds ids in scientific notation ({', '.join(sci)}):"
                " a spreadsheet rounded them, so different ids may have become equal; export "
                "the ids as text"
            )
    return fr


def _duplicates(fr: FileRows) -> None:
    """Rows equal in every source column to an earlier row (exact, verified after hashing)."""
    cols: dict[str, np.ndarray] = {}
    h = np.zeros(fr.n, np.uint64)
    for name in (c for c in fr.table.column_names if c != ROW):
        col = fr.table.column(name)
        if _is_text(col.type):
            a = fr.text_codes(name)[0]
            bits = a.astype(np.uint64)
        else:
            a = np.asarray(col.to_numpy(zero_copy_only=False))
            if a.dtype.kind == "f":
                bits = a + 0.0  # -0.0 → 0.0
                bits[np.isnan(bits)] = np.nan  # one NaN
                bits = bits.view(np.uint64)
            elif a.dtype.kind in "mMiu" and a.dtype.itemsize == 8:
                bits = a.view(np.uint64)
            elif a.dtype.kind in "iub":
                bits = a.astype(np.uint64)
            else:
                bits = pd.util.hash_array(a.astype(object))
        cols[name] = a
        with np.errstate(over="ignore"):  # FNV-style mixing; equal rows are verified below
            np.multiply(h, np.uint64(0x100000001B3), out=h)
            np.bitwise_xor(h, bits, out=h)
    fr.dup_of = np.zeros(fr.n, np.int64)
    # Rows whose hash occurs more than once (a sort finds the few repeated values).
    s = np.sort(h)
    rep = s[1:][s[1:] == s[:-1]]
    if not len(rep):
        return
    rep = np.unique(rep)
    pos = pd.Index(rep).get_indexer(h)  # a small hash table: -1 for hashes seen once
    involved = np.flatnonzero(pos >= 0)
    # The first row of each repeated hash; later rows are candidates, verified column by column.
    codes = pos[involved]
    first_of_code = np.empty(len(rep), np.int64)
    first_of_code[codes[::-1]] = involved[::-1]  # the last write is the first row
    first = first_of_code[codes]
    later = first != involved
    cand, first_idx = involved[later], first[later]
    same = np.ones(len(cand), bool)
    for a in cols.values():
        x, y = a[cand], a[first_idx]
        eq = np.asarray(x == y, dtype=bool)
        if a.dtype.kind == "f":
            eq |= np.isnan(x) & np.isnan(y)
        elif a.dtype.kind in "mM":
            eq |= np.isnat(x) & np.isnat(y)
        elif a.dtype == object:
            eq |= np.array([u is None and v is None for u, v in zip(x, y, strict=True)], bool)
        same &= eq
    cand, first_idx = cand[same], first_idx[same]
    fr.dup_of[cand] = fr.row[first_idx]
    mask = np.zeros(fr.n, bool)
    mask[cand] = True
    fr.reject(mask, "duplicate")


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_dictionary(t) or pa.types.is_string(t) or pa.types.is_large_string(t)


def validate_orders(fr: FileRows) -> None:
    """Reject order rows lacking required values or holding unreadable ones."""
    n = fr.n
    fr.reject(fr.ids["order_id"].codes < 0, "missing_value", "order_id")
    for t in ("order_ts", "pay_ts"):
        if t in fr.times:
            fr.reject(fr.times[t].bad, "bad_value", t)
    fr.reject(np.isnat(fr.times["order_ts"].values), "missing_value", "order_ts")
    if "quantity" in fr.nums:
        q = fr.nums["quantity"]
        fr.reject(q.bad, "bad_value", "quantity")
        fr.reject(np.isnan(q.values), "missing_value", "quantity")
        with np.errstate(invalid="ignore"):
            fr.reject(np.mod(q.values, 1) != 0, "fractional_quantity", "quantity")
            fr.reject(q.values == 0, "zero_quantity", "quantity")
    for a in ("unit_price", "line_amount", "order_amount", "refund_amount"):
        if a in fr.nums:
            fr.reject(fr.nums[a].bad, "bad_value", a)
    have = np.zeros(n, bool)
    for a in ("unit_price", "line_amount", "order_amount"):
        if a in fr.nums:
            have |= ~np.isnan(fr.nums[a].values)
    fr.reject(~have, "missing_value", "unit_price|line_amount|order_amount")
    if fr.mapping.option("missing_customer") == "reject":
        cust = fr.ids.get("customer_id")
        fr.reject(np.ones(n, bool) if cust is None else cust.codes < 0, "missing_value",
                  "customer_id")  # fmt: skip


def validate_events(fr: FileRows) -> np.ndarray:
    """Reject event rows lacking user/time/type or with an unknown type; returns type per row."""
    fr.reject(fr.ids["customer_id"].codes < 0, "missing_value", "customer_id")
    fr.reject(fr.times["event_ts"].bad, "bad_value", "event_ts")
    fr.reject(np.isnat(fr.times["event_ts"].values), "missing_value", "event_ts")
    et = fr.ids["event_type"]
    fr.reject(et.codes < 0, "missing_value", "event_type")
    classes = np.array([vocab.classify(v, vocab.EVENT_WORDS) for v in et.values] + [None], object)
    per_row = classes[et.codes]
    fr.reject((et.codes >= 0) & pd.isna(per_row), "unknown_event_type", "event_type")
    if "dwell_s" in fr.nums:
        fr.reject(fr.nums["dwell_s"].bad, "bad_value", "dwell_s")
    return per_row


# ----------------------------------------------------------------------------------- rejections
def reject_summary(fr: FileRows, lang_fields: dict[str, Field]) -> list[dict[str, Any]]:
    """Rejected rows by reason: count, column, and example rows with their values."""
    out = []
    names = [c for c in fr.table.column_names if c != ROW]
    for i, (code, fld) in enumerate(fr.reasons):
        if i == 0:
            continue
        idx = np.flatnonzero(fr.reason == i)
        if not len(idx):
            continue
        col = None if fld is None else " | ".join(
            fr.column(f) or f for f in fld.split("|"))  # fmt: skip
        take = idx[:EXAMPLES]
        raw = fr.table.select(names).take(pa.array(take)).to_pylist()
        examples = []
        for j, rec in zip(take, raw, strict=True):
            ex: dict[str, Any] = {"row": int(fr.row[j])}
            if code == "duplicate":
                ex["duplicate_of_row"] = int(fr.dup_of[j])
            if col is not None and col in rec:
                ex["column"] = col
                ex["value"] = _show(rec[col])
            ex["values"] = {k: _show(v) for k, v in rec.items()}
            examples.append(ex)
        zh, en = REASONS[code]
        f = lang_fields.get((fld or "").split("|")[0])
        expected = None
        if code == "bad_value" and f is not None:
            expected = _expected(f, fr.formats.get(f.name))
        out.append({"file": fr.name, "reason": code, "field": fld, "column": col,
                    "count": len(idx), "zh": zh, "en": en, "expected": expected,
                    "examples": examples})  # fmt: skip
    return out


def _expected(f: Field, fmt: str | None) -> str:
    if f.kind == "timestamp":
        return f"a date/time like {fmt}" if fmt else "a date/time"
    if f.kind == "number":
        return "a number (currency symbols and thousands separators are fine)"
    return f.en


def _show(v: Any) -> str | None:
    if v is None:
        return None
    return v.isoformat(sep=" ") if hasattr(v, "isoformat") else str(v)


def check_reject_rate(fr: FileRows, summary: list[dict[str, Any]]) -> None:
    """Refuse the whole import when too many rows (duplicates aside) cannot be read."""
    bad = int(((fr.reason > 0) & (fr.dup_of == 0)).sum())
    limit = float(fr.mapping.option("max_reject_rate"))
    if fr.n == 0 or bad / fr.n <= limit:
        return
    worst = max((s for s in summary if s["reason"] != "duplicate"), key=lambda s: s["count"])
    ex = worst["examples"][0]
    raise IngestError(
        f"{bad:,} of {fr.n:,} rows ({bad / fr.n:.1%}) cannot be imported (limit "
        f"{limit:.1%}); the most common problem, {worst['count']:,} rows: {worst['en']}",
        file=fr.name, row=ex["row"], column=worst["column"], value=ex.get("value"),
        expected=worst["expected"],
        hint="fix the file or the mapping (date format, column choice), or raise "
             "max_reject_rate to load the readable rows and keep the others in import_rejects",
    )  # fmt: skip


# ------------------------------------------------------------------------------------------ keys
class KeySpace:
    """One id space across files (customers, SKUs, channels): distinct values in first-seen order."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, c: Coded, mask: np.ndarray | None = None) -> np.ndarray:
        """Codes of ``c`` re-numbered into this space (-1 stays -1); values seen in ``mask`` rows
        are registered in the order of their first row."""
        if c.values:
            n = len(c.codes)
            rows = np.flatnonzero(c.codes >= 0 if mask is None else mask & (c.codes >= 0))
            first = np.full(len(c.values), n, np.int64)
            np.minimum.at(first, c.codes[rows], rows)
            seen = np.flatnonzero(first < n)
            for code in seen[np.argsort(first[seen])]:  # in the order of first appearance
                v = c.values[code]
                if v not in self.index:
                    self.index[v] = len(self.values)
                    self.values.append(v)
        remap = np.array([self.index.get(v, -1) for v in c.values] + [-1], dtype=np.int64)
        return remap[c.codes]

    def ids(self, pattern: re.Pattern[str]) -> tuple[np.ndarray, bool]:
        """Warehouse ids per key: the numbers themselves when all keys are plain numbers (that fit),
        else 1..n in order of first appearance."""
        if self.values and all(pattern.match(v) for v in self.values):
            return np.array([int(v) for v in self.values], dtype=np.int64), True
        return np.arange(1, len(self.values) + 1, dtype=np.int64), False


# -------------------------------------------------------------------------------------- building
class Groups:
    """Rows grouped by an integer key with numpy; groups are numbered in the order of their first
    row. Minima, maxima and first rows scatter with ``ufunc.at`` (no sort); sums sort the rows by
    group once (stable, so each group adds its values in row order)."""

    def __init__(self, key: np.ndarray) -> None:
        n = len(key)
        base = int(key.min()) if n else 0
        dense = key - base if base else key
        size = int(dense.max()) + 1 if n else 0
        first = np.full(size, n, np.int64)
        np.minimum.at(first, dense, np.arange(n))
        present = np.flatnonzero(first < n)
        by_first = present[np.argsort(first[present], kind="stable")]
        self.keys = (by_first + base).astype(key.dtype, copy=False)
        self.first = first[by_first]
        rank = np.zeros(size, np.int64)
        rank[by_first] = np.arange(len(by_first))
        self.gid = rank[dense]
        self.sizes = np.bincount(self.gid, minlength=len(by_first))
        self._n = n
        self._perm: np.ndarray | None = None

    @property
    def perm(self) -> np.ndarray:
        """Row indices sorted by group (in group order), rows of a group in row order."""
        if self._perm is None:
            self._perm = np.argsort(self.gid, kind="stable")
        return self._perm

    def _starts(self) -> np.ndarray:
        return np.r_[0, np.cumsum(self.sizes)[:-1]].astype(np.int64)

    def reduce(self, ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
        """``ufunc`` reduced over each group (e.g. ``np.add``, ``np.fmax``)."""
        if ufunc in (np.minimum, np.maximum, np.fmin, np.fmax):  # idempotent: scatter, no sort
            out = values[self.first].copy()
            with np.errstate(invalid="ignore"):
                ufunc.at(out, self.gid, values)
            return out
        if not len(self.sizes):
            return values[:0]
        return ufunc.reduceat(values[self.perm], self._starts())

    def first_where(self, mask: np.ndarray) -> np.ndarray:
        """Per group, the row index of its first row where ``mask`` holds (-1 if none)."""
        out = np.full(len(self.sizes), self._n, np.int64)
        rows = np.flatnonzero(mask)
        np.minimum.at(out, self.gid[rows], rows)
        return np.where(out == self._n, -1, out)

    def min_time(self, values: np.ndarray) -> np.ndarray:
        """Earliest timestamp per group, ignoring NaT (NaT when all are)."""
        v = values.astype("datetime64[us]", copy=False).view(np.int64)
        big = np.iinfo(np.int64).max
        nat = np.isnat(values)
        if nat.any():
            v = np.where(nat, big, v)
        m = self.reduce(np.minimum, v)
        return np.where(m == big, np.iinfo(np.int64).min, m).view("datetime64[us]")

    def rank_within(self) -> np.ndarray:
        """0-based position of each row within its group, in row order."""
        pos = np.empty(self._n, np.int64)
        pos[self.perm] = np.arange(self._n) - np.repeat(self._starts(), self.sizes)
        return pos


@dataclass
class Built:
    """The warehouse tables of an import and the numbers its report states."""

    tables: dict[str, pa.Table]
    counts: dict[str, Any]
    amounts: dict[str, float]
    warnings: list[str]
    id_kept: dict[str, bool]


def _col(fr: FileRows, name: str) -> Coded:
    c = fr.ids.get(name)
    return c if c is not None else Coded(np.full(fr.n, -1, np.int32), [])


def _num(fr: FileRows, name: str) -> np.ndarray:
    p = fr.nums.get(name)
    return p.values if p is not None else np.full(fr.n, np.nan)


def _codes_of(fr: FileRows, name: str, rows: np.ndarray, n: int | None) -> np.ndarray | None:
    """Codes of a text field in ``rows``; for a field not mapped, ``n`` codes -1 (None if no n)."""
    c = fr.ids.get(name)
    if c is not None:
        return c.codes[rows]
    return None if n is None else np.full(n, -1, np.int32)


def _fill(values: np.ndarray, compute: Any) -> np.ndarray:
    """``values`` with NaNs replaced by ``compute(mask)`` (a copy; untouched when none is NaN)."""
    miss = np.isnan(values)
    if not miss.any():
        return values
    out = values.copy()
    out[miss] = compute(miss)
    return out


def build(orders: FileRows, events: FileRows | None = None,
          event_types: np.ndarray | None = None,
          emit: Callable[[str, pa.Table], None] | None = None) -> Built:  # fmt: skip
    """All warehouse tables from validated order rows (and event rows); ``emit`` gets the orders
    and order lines as soon as they are ready (to be written while the rest is derived)."""
    emit = emit or (lambda name, table: None)
    warnings = list(orders.warnings) + (list(events.warnings) if events else [])
    ok = orders.ok
    oid = orders.ids["order_id"]
    qty = _num(orders, "quantity") if "quantity" in orders.nums else np.ones(orders.n)
    price = _num(orders, "unit_price")
    amount = _num(orders, "line_amount")
    if "line_amount" not in orders.nums:
        amount = qty * price
    elif "unit_price" in orders.nums:
        amount = _fill(amount, lambda m: qty[m] * price[m])
    with np.errstate(invalid="ignore", divide="ignore"):
        price = _fill(price, lambda m: amount[m] / qty[m])

    # Cancellations: a cancel prefix (then a digit) on the order id, or negative quantity/amount.
    prefix = str(orders.mapping.option("cancel_prefix") or "")
    cancel_val = np.zeros(len(oid.values) + 1, bool)
    if prefix and oid.values:
        hit = pc.match_substring_regex(pa.array(oid.values, pa.string()),
                                       "^" + re.escape(prefix) + r"\d")  # fmt: skip
        cancel_val[:-1] = hit.to_numpy(zero_copy_only=False)
    by_prefix = cancel_val[oid.codes] & ok
    if ok.any() and by_prefix.sum() > 0.5 * ok.sum():
        warnings.append(f"most order ids start with {prefix!r}: the cancel prefix was ignored")
        by_prefix[:] = False
    with np.errstate(invalid="ignore"):
        negative = (qty < 0) | ((amount < 0) & ~(qty < 0))
    rev = ok & (by_prefix | negative)
    sale = ok & ~rev

    # Key spaces: customers and SKUs span both files; channels too.
    cust_space, sku_space, chan_space = KeySpace(), KeySpace(), KeySpace()
    cust = cust_space.add(_col(orders, "customer_id"), ok)
    sku_c = _col(orders, "sku_id") if "sku_id" in orders.ids else _col(orders, "sku_name")
    if "sku_id" not in orders.ids and "sku_name" not in orders.ids:
        sku_c = Coded(np.zeros(orders.n, np.int32), [""])
    sku_c = _blank_as_key(sku_c)
    sku = sku_space.add(sku_c, ok)
    chan = chan_space.add(_col(orders, "channel"), ok)
    ev_cust = ev_sku = ev_chan = None
    ev_ok = events.ok if events is not None else None
    if events is not None:
        ev_cust = cust_space.add(_col(events, "customer_id"), ev_ok)
        ev_sku = sku_space.add(_col(events, "sku_id"), ev_ok) if "sku_id" in events.ids else None
        ev_chan = chan_space.add(_col(events, "channel"), ev_ok)
    user_ids, users_kept = cust_space.ids(NUMERIC_ID)
    sku_ids, skus_kept = sku_space.ids(NUMERIC_SKU)
    channel_rows, channel_ids = _channels(chan_space.values)

    # Orders from sale lines (numpy group reductions; groups in order of first appearance).
    if not sale.any():
        raise IngestError("no order could be built: every row was rejected or is a "
                          "cancellation/return", file=orders.name)  # fmt: skip
    ts = orders.times["order_ts"].values
    n_sale = int(sale.sum())
    S = {
        "o": oid.codes[sale], "row": orders.row[sale], "ts": ts[sale], "cust": cust[sale],
        "sku": sku[sale],
        "qty": qty[sale], "price": price[sale], "amt": amount[sale],
        "name": _codes_of(orders, "sku_name", sale, n_sale),
        "cat": _codes_of(orders, "category", sale, n_sale),
    }  # fmt: skip
    grp = Groups(S["o"])
    n_grp = len(grp.keys)
    has_amt = ~np.isnan(S["amt"])
    n_amt = np.bincount(grp.gid[has_amt], minlength=n_grp)
    od = pd.DataFrame({
        "first_row": S["row"][grp.first], "order_ts": grp.min_time(S["ts"]),
        "pay": (grp.min_time(orders.times["pay_ts"].values[sale]) if "pay_ts" in orders.times
                else np.full(n_grp, NAT)),
        "gross": np.where(n_amt > 0, grp.reduce(np.add, np.nan_to_num(S["amt"])), np.nan),
        "paid": np.full(n_grp, np.nan), "refund": np.full(n_grp, np.nan), "lines": grp.sizes,
    }, index=grp.keys)  # fmt: skip
    if "order_amount" in orders.nums:
        oa = orders.nums["order_amount"].values[sale]
        first_oa = grp.first_where(~np.isnan(oa))
        od["paid"] = np.where(first_oa >= 0, oa[np.maximum(first_oa, 0)], np.nan)
    if "refund_amount" in orders.nums:
        od["refund"] = grp.reduce(np.fmax, orders.nums["refund_amount"].values[sale])
    for c, codes, dtype in (("cust", S["cust"], np.int64),
                            ("chan", chan[sale] if chan_space.values else None, np.int64),
                            ("prov", _codes_of(orders, "province", sale, None), np.int32),
                            ("st", _codes_of(orders, "status", sale, None), np.int32)):  # fmt: skip
        if codes is None:  # not mapped: no row has one
            od[c] = np.full(n_grp, -1, dtype)
            continue
        i = grp.first_where(codes >= 0)
        od[c] = np.where(i >= 0, codes[np.maximum(i, 0)], -1)
    has = S["cust"] >= 0
    differs = has & (S["cust"] != od["cust"].to_numpy()[grp.gid])
    if differs.any():
        n_diff = len(np.unique(grp.gid[differs]))
        warnings.append(f"{n_diff:,} orders have lines with different customer ids; each order "
                        "took the customer of its first line")  # fmt: skip
    okeys = pa.array(oid.values, pa.string()).take(pa.array(grp.keys))
    od["order_id"], kept = _numeric_ids(okeys)
    S["pos"] = grp.gid  # each sale line's order: its row in ``od``
    S["order_id"] = od["order_id"].to_numpy()[grp.gid]

    status_vals = _col(orders, "status").values
    st_class = np.array([vocab.status_class(v) for v in status_vals] + [None], object)
    unknown_status = sorted({v for v, c in zip(status_vals, st_class, strict=False) if c is None})
    if unknown_status:
        warnings.append("order statuses not recognised (treated as paid): "
                        + ", ".join(repr(s) for s in unknown_status[:8]))  # fmt: skip
    cls = st_class[od["st"].to_numpy()]
    unpaid = np.isin(cls, ["unpaid", "cancelled"])
    if "pay_ts" in orders.times:
        unpaid |= pd.isna(od["pay"]).to_numpy() & (cls != "paid") & (cls != "refunded")
    pay_ts = np.where(pd.isna(od["pay"]), od["order_ts"], od["pay"]).astype("datetime64[us]")
    pay_ts[unpaid] = NAT
    gross = od["gross"].to_numpy(dtype=float)
    paid_amt = od["paid"].to_numpy(dtype=float)
    amt = np.where(np.isnan(paid_amt), gross, paid_amt)
    gross = np.where(np.isnan(gross), amt, gross)
    has_cust = od["cust"].to_numpy() >= 0
    order_user = np.where(has_cust, _id_or_zero(user_ids, od["cust"].to_numpy()),
                          -od["order_id"].to_numpy())  # fmt: skip
    prov_vals = [vocab.province_code(v) for v in _col(orders, "province").values] + [None]
    prov_arr = np.array(prov_vals, object)
    n_o = len(od)
    orders_t = {
        "order_id": od["order_id"].to_numpy(), "user_id": order_user,
        "order_ts": od["order_ts"].to_numpy().astype("datetime64[us]"), "pay_ts": pay_ts,
        "channel_id": _chan_ids(od["chan"].to_numpy(), channel_ids),
        "province": prov_arr[od["prov"].to_numpy()],
        "gross_amount": gross, "discount": gross - amt, "amount": amt,
        "status": np.where(unpaid, "unpaid", "paid").astype(object),
        "coupon_used": np.full(n_o, None, object), "is_member": np.full(n_o, None, object),
    }  # fmt: skip

    # Order lines.
    line_no = grp.rank_within() + 1
    cap = _INT_MAX[_sql_type("order_lines", "line_no")]
    if (line_no > cap).any():
        big = int((grp.sizes > cap).sum())
        warnings.append(f"{big:,} orders have more than {cap} lines, the most the warehouse's "
                        f"line number holds: their lines from {cap} on share number {cap} "
                        "(amounts and quantities are all kept)")  # fmt: skip
        line_no = np.minimum(line_no, cap)
    lines_t = {
        "order_id": S["order_id"], "line_no": line_no, "sku_id": sku_ids[S["sku"]],
        "qty": S["qty"], "unit_price": S["price"], "line_amount": S["amt"],
    }  # fmt: skip
    early = {"orders": _table("orders", orders_t, n_o),
             "order_lines": _table("order_lines", lines_t, n_sale)}  # fmt: skip
    for name, table in early.items():  # the large tables are written while the rest is derived
        emit(name, table)

    # Reversals (cancellations/returns) and the returns they make.
    rev_t, returns_t, rev_counts = _reversals(orders, rev, by_prefix, oid, cust, sku, qty, price,
                                              amount, user_ids, sku_ids, od, S, channel_ids,
                                              cls)  # fmt: skip
    if rev_counts["refunds_capped"]:
        warnings.append(f"{rev_counts['refunds_capped']:,} refunds/returns exceeded what was left "
                        f"of their order and were capped at it ({rev_counts['refund_over_order']:,.2f}"
                        " not attributed to a loaded order)")  # fmt: skip

    # Events.
    events_t = None
    ev_counts: dict[str, Any] = {}
    if events is not None and ev_ok is not None and event_types is not None:
        events_t, ev_counts = _events(events, ev_ok, event_types, ev_cust, ev_sku, ev_chan,
                                      user_ids, sku_ids, channel_ids)  # fmt: skip

    # Users: every customer id seen (orders, cancellations, events); first contact and channel.
    users_t = _users(cust_space, user_ids, orders, ok, cust, chan, ts, prov_arr,
                     _col(orders, "province").codes, channel_ids, events, ev_ok, ev_cust,
                     events_t)  # fmt: skip

    # SKUs and categories.
    skus_t, cats_t = _skus(sku_space, sku_ids, S, orders)

    tables = {
        **early,
        "users": _table("users", users_t, len(users_t["user_id"])),
        "skus": _table("skus", skus_t, len(skus_t["sku_id"])),
        "categories": _table("categories", cats_t, len(cats_t["category_id"])),
        "channels": _table("channels", channel_rows, len(channel_rows["channel_id"])),
    }
    if returns_t is not None:
        tables["returns"] = _table("returns", returns_t, len(returns_t["return_id"]))
    if events_t is not None:
        tables["events"] = _table("events", events_t, len(events_t["ts"]))
    tables["import_reversals"] = pa.table(rev_t)
    tables["import_keys"] = _keys_table(od, okeys, kept, cust_space, user_ids, sku_space, sku_ids)
    tables["import_rejects"] = _rejects_table([orders] + ([events] if events else []))

    sale_amount = float(np.nansum(amount[sale]))
    paid_mask = ~unpaid
    amounts = {
        "sales": round(sale_amount, 2),
        "paid_orders": round(float(np.nansum(amt[paid_mask])), 2),
        "unpaid_orders": round(float(np.nansum(amt[unpaid])), 2),
        "reversals": round(float(np.nansum(np.abs(amount[rev]))), 2),
        "refunds": round(float(returns_t["refund_amount"].sum()) if returns_t else 0.0, 2),
        "refund_over_order": rev_counts["refund_over_order"],
    }
    amounts["net"] = round(amounts["paid_orders"] - amounts["reversals"]
                           - rev_counts["status_refund_amount"], 2)  # fmt: skip
    loaded_cust = cust[ok]
    counts = {
        "rows_read": orders.n, "rows_loaded": int(ok.sum()),
        "rows_rejected": int((~ok).sum()), "duplicates": int((orders.dup_of > 0).sum()),
        "lines": int(sale.sum()), "orders": n_o, "paid_orders": int(paid_mask.sum()),
        "unpaid_orders": int(unpaid.sum()),
        "customers": _distinct(loaded_cust[loaded_cust >= 0]),
        "buyers": int(len(np.unique(order_user[paid_mask & has_cust]))),
        "guest_orders": int((~has_cust).sum()),
        "rows_without_customer": int((ok & (cust < 0)).sum()),
        "users": len(users_t["user_id"]), "skus": len(skus_t["sku_id"]),
        "categories": len(cats_t["category_id"]),
        "channels": len(channel_rows["channel_id"]),
        "provinces": int(len(set(orders_t["province"]) - {None})),
        "first_order_ts": _iso(od["order_ts"].min()) if n_o else None,
        "last_order_ts": _iso(od["order_ts"].max()) if n_o else None,
        **{k: v for k, v in rev_counts.items() if k not in _REV_AMOUNTS},
        **ev_counts,
    }  # fmt: skip
    id_kept = {"order_id": kept, "customer_id": users_kept, "sku_id": skus_kept}
    return Built(tables, counts, amounts, warnings, id_kept)


def _id_or_zero(ids: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``ids[codes]`` where a code is >= 0, else 0 (callers mask those; ``ids`` may be empty)."""
    codes = np.asarray(codes)
    if not len(ids):
        return np.zeros(len(codes), np.int64)
    return ids[np.maximum(codes, 0)]


def _distinct(codes: np.ndarray) -> int:
    """How many distinct values non-negative integer codes hold."""
    return int(np.count_nonzero(np.bincount(codes))) if len(codes) else 0


def _blank_as_key(c: Coded) -> Coded:
    """Rows without a product code share one 'no code' product."""
    if (c.codes >= 0).all():
        return c
    values = [*c.values, ""]
    codes = np.where(c.codes >= 0, c.codes, len(values) - 1).astype(np.int32)
    return Coded(codes, values)


def _iso(v: Any) -> str | None:
    return None if pd.isna(v) else pd.Timestamp(v).isoformat(sep=" ")


def _sql_type(table: str, column: str) -> str:
    return next(c.type for c in TABLE_BY_NAME[table].columns if c.name == column).upper()


def _channels(values: list[str]) -> tuple[dict[str, list[Any]], np.ndarray]:
    """Channel rows for the channel names seen (or the single 'imported' channel)."""
    from omni_core.reference import CHANNEL_BY_ID

    ids, rows = [], {k: [] for k in ("channel_id", "name_zh", "name_en", "channel_type", "lead",
                                     "is_online", "is_public")}  # fmt: skip
    used: set[str] = set()
    for i, v in enumerate(values):
        world_id, ctype = vocab.channel_for(v)
        cid = world_id if world_id and world_id not in used else f"ch{i + 1:03d}"
        used.add(cid)
        ids.append(cid)
        ref = CHANNEL_BY_ID.get(world_id or "")
        rows["channel_id"].append(cid)
        rows["name_zh"].append(v if ref is None else ref.name_zh)
        rows["name_en"].append(v if ref is None else ref.name_en)
        rows["channel_type"].append(ctype)
        rows["lead"].append(None if ref is None else ref.lead)
        rows["is_online"].append(None if ref is None else ref.is_online)
        rows["is_public"].append(None if ref is None else ref.is_public)
    if not values:
        ids = [IMPORTED_CHANNEL]
        for k, v in zip(rows, (IMPORTED_CHANNEL, "导入数据", "Imported", "other", None, None, None),
                        strict=True):  # fmt: skip
            rows[k].append(v)
    return rows, np.array(ids, object)


def _chan_ids(codes: np.ndarray, channel_ids: np.ndarray) -> np.ndarray:
    if len(channel_ids) == 1 and channel_ids[0] == IMPORTED_CHANNEL:
        return np.full(len(codes), IMPORTED_CHANNEL, object)
    out = np.append(channel_ids, IMPORTED_CHANNEL)
    return out[np.where(codes >= 0, codes, len(channel_ids))]


def _reversals(orders: FileRows, rev: np.ndarray, by_prefix: np.ndarray, oid: Coded,
               cust: np.ndarray, sku: np.ndarray, qty: np.ndarray, price: np.ndarray,
               amount: np.ndarray, user_ids: np.ndarray, sku_ids: np.ndarray, od: pd.DataFrame,
               S: dict[str, np.ndarray], channel_ids: np.ndarray,
               cls: np.ndarray) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]:  # fmt: skip
    """Reversal lines, their documents linked to the orders they undo, and status refunds."""
    R = pd.DataFrame({"doc": oid.codes[rev], "row": orders.row[rev],
                      "ts": orders.times["order_ts"].values[rev], "cust": cust[rev],
                      "sku": sku[rev], "qty": qty[rev], "price": price[rev], "amt": amount[rev],
                      "abs": np.abs(amount[rev]), "prefix": by_prefix[rev]})  # fmt: skip
    g = Groups(R["doc"].to_numpy())
    docs = pd.DataFrame({
        "ts": g.min_time(R["ts"].to_numpy()), "cust": g.reduce(np.maximum, R["cust"].to_numpy()),
        "prefix": g.reduce(np.maximum, R["prefix"].to_numpy()),
    }, index=pd.Index(g.keys, name="doc"))  # fmt: skip
    Oi = od.reset_index(drop=True)
    order_id = Oi["order_id"].to_numpy(np.int64)
    # Orders are addressed by their row in ``od`` (small ints: a source id of 19 digits would not
    # survive a float round trip).
    row_of_doc = pd.Series(np.arange(len(od), dtype=np.int64), index=od.index)
    # Each reversal line is linked to the order it undoes: (a) a sale order with the document's
    # own id (returns within an order), else (b) its customer's latest order at or before it
    # holding the same product (an as-of join: no customer x order blow-up). A line with neither
    # (the purchase predates the export, or no customer) stays unlinked, never forced onto an
    # unrelated order.
    line_pos = row_of_doc.reindex(R["doc"].to_numpy()).fillna(-1).to_numpy(np.int64)
    todo = (line_pos < 0) & (R["cust"].to_numpy() >= 0)
    if todo.any():
        wanted = R["cust"].to_numpy()[todo].astype(np.int64)
        s_pos = S["pos"]
        s_cust = Oi["cust"].to_numpy()[s_pos]  # the order's customer (its first line's)
        lut = np.zeros(max(int(s_cust.max(initial=0)), int(wanted.max())) + 2, bool)
        lut[wanted] = True  # the last entry stays False: code -1 (no customer) looks there
        mine = lut[s_cust]
        sold = pd.DataFrame({"cust": s_cust[mine].astype(np.int64), "sku": S["sku"][mine],
                             "ots": S["ts"][mine], "pos": s_pos[mine]})  # fmt: skip
        sold = sold.sort_values(["ots", "pos"], kind="stable")
        lines = pd.DataFrame({"i": np.flatnonzero(todo), "cust": wanted,
                              "sku": R["sku"].to_numpy()[todo], "ts": R["ts"].to_numpy()[todo]})  # fmt: skip
        hit = pd.merge_asof(lines.sort_values("ts", kind="stable"), sold, left_on="ts",
                            right_on="ots", by=["cust", "sku"], direction="backward")  # fmt: skip
        line_pos[hit["i"].to_numpy()] = hit["pos"].fillna(-1).to_numpy(np.int64)
    R["pos"] = line_pos
    lk = R[line_pos >= 0]
    linked = (lk.groupby(["doc", "pos"], sort=False)
              .agg(first=("row", "min"), amt=("abs", "sum")).reset_index())  # fmt: skip
    linked = linked.join(docs, on="doc").sort_values(["first", "pos"], kind="stable")
    rev_order = pd.arrays.IntegerArray(order_id[np.maximum(line_pos, 0)], line_pos < 0)
    rev_t = {
        "row": R["row"].to_numpy(),
        "source_order_id": np.array(oid.values + [None], object)[R["doc"].to_numpy()],
        "order_id": rev_order,
        "user_id": np.where(R["cust"] >= 0, _id_or_zero(user_ids, R["cust"].to_numpy()), None),
        "sku_id": sku_ids[R["sku"].to_numpy()] if len(R) else np.zeros(0, np.int64),
        "ts": R["ts"].to_numpy().astype("datetime64[us]"),
        "qty": R["qty"].to_numpy(), "unit_price": R["price"].to_numpy(),
        "line_amount": R["amt"].to_numpy(),
        "kind": np.where(R["prefix"], "cancellation", "return").astype(object),
    }  # fmt: skip
    rev_t = {k: pa.array(v, _REV_TYPES[k], from_pandas=True) for k, v in rev_t.items()}

    # Orders refunded by status or by a refund amount.
    refund = Oi["refund"].to_numpy(dtype=float)
    paid = Oi["paid"].to_numpy(dtype=float)
    gross = Oi["gross"].to_numpy(dtype=float)
    order_amt = np.where(np.isnan(paid), gross, paid)
    by_status = (cls == "refunded") | (refund > 0)
    st_amt = np.where(refund > 0, refund, order_amt)[by_status]

    parts = []
    if len(linked):
        pos = linked["pos"].to_numpy(np.int64)
        parts.append(pd.DataFrame({
            "pos": pos,
            "user_id": np.where(linked["cust"] >= 0,
                                _id_or_zero(user_ids, linked["cust"].to_numpy()),
                                -order_id[pos]),
            "ts": linked["ts"].to_numpy(),
            "reason": np.where(linked["prefix"], "cancellation", "return"),
            "amt": linked["amt"].to_numpy(),
        }))  # fmt: skip
    if by_status.any():
        pos = np.flatnonzero(by_status)
        cust_o = Oi["cust"].to_numpy()[pos]
        parts.append(pd.DataFrame({
            "pos": pos,
            "user_id": np.where(cust_o >= 0, _id_or_zero(user_ids, cust_o), -order_id[pos]),
            "ts": Oi["order_ts"].to_numpy()[pos],
            "reason": "refund",
            "amt": st_amt,
        }))  # fmt: skip
    over, capped = 0.0, 0
    if parts:
        Rt = pd.concat(parts, ignore_index=True)
        Rt, over, capped = _cap_refunds(Rt, order_amt)
    returns_t = None
    if parts and len(Rt):
        ts_r = Rt["ts"].to_numpy().astype("datetime64[us]")
        pos = Rt["pos"].to_numpy(np.int64)
        returns_t = {
            "return_id": np.arange(1, len(Rt) + 1, dtype=np.int64),
            "order_id": order_id[pos], "user_id": Rt["user_id"].to_numpy(),
            "channel_id": _chan_ids(Oi["chan"].to_numpy()[pos], channel_ids),
            "request_ts": ts_r, "refund_ts": ts_r, "reason": Rt["reason"].to_numpy(object),
            "refund_amount": Rt["amt"].to_numpy(float),
        }  # fmt: skip
    counts = {
        "cancellation_lines": int(R["prefix"].sum()),
        "cancellation_documents": int(docs["prefix"].sum()),
        "negative_quantity_lines": int((~R["prefix"]).sum()),
        "reversal_documents": len(docs),
        "reversals_linked": int(linked["doc"].nunique()),
        "reversals_unlinked": len(docs) - int(linked["doc"].nunique()),
        "reversal_lines_linked": len(lk),
        "refunds_capped": capped,
        "refund_over_order": round(over, 2),
        "refunded_orders": int(by_status.sum()),
        "returns": 0 if returns_t is None else len(returns_t["return_id"]),
        "status_refund_amount": float(np.nansum(st_amt)),
    }
    return rev_t, returns_t, counts


def _cap_refunds(rt: pd.DataFrame, order_amt: np.ndarray) -> tuple[pd.DataFrame, float, int]:
    """Cap an order's refunds, in time order, at its amount: a refund never exceeds its order.

    ``rt`` holds one refund per row: the order's row in ``order_amt`` (``pos``), ``ts`` and
    ``amt``. Returns the refunds in their given order (those the cap leaves at zero dropped), the
    amount above the orders and how many refunds the cap changed.
    """
    rt = rt.assign(_seq=np.arange(len(rt))).sort_values(["ts", "_seq"], kind="stable")
    pos = rt["pos"].to_numpy(np.int64)
    cap = order_amt[pos]
    cap = np.where(np.isnan(cap), np.inf, np.maximum(cap, 0.0))
    amt = rt["amt"].to_numpy(dtype=float)
    known = ~np.isnan(amt)  # an unknown amount stays unknown and takes nothing from the cap
    amt0 = np.where(known, amt, 0.0)
    cum = pd.Series(amt0).groupby(pos, sort=False).cumsum().to_numpy()
    kept = np.where(known, np.minimum(cum, cap) - np.minimum(cum - amt0, cap), np.nan)
    changed = known & ~np.isclose(kept, amt, rtol=0.0, atol=0.005)
    rt = rt.assign(amt=kept)[~(changed & (kept <= 0.005))]
    rt = rt.sort_values("_seq", kind="stable").drop(columns="_seq")
    return rt, float((amt - kept)[changed].sum()), int(changed.sum())


def _events(ev: FileRows, ok: np.ndarray, types: np.ndarray, cust: np.ndarray | None,
            sku: np.ndarray | None, chan: np.ndarray | None, user_ids: np.ndarray,
            sku_ids: np.ndarray, channel_ids: np.ndarray) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """Event rows for the warehouse; sessions from the file or by inactivity gaps."""
    assert cust is not None and chan is not None
    ts = ev.times["event_ts"].values[ok]
    u = user_ids[cust[ok]]
    order = np.lexsort((ev.row[ok], ts, u))
    ts, u = ts[order], u[order]
    idx = np.flatnonzero(ok)[order]
    if "session_id" in ev.ids:
        space = KeySpace()
        codes = space.add(ev.ids["session_id"], ok)[idx]
        sids, _ = space.ids(NUMERIC_ID)
        gap_ids = int(sids.max(initial=0)) + np.cumsum(_new_session(u, ts, ev))
        session = np.where(codes >= 0, sids[np.maximum(codes, 0)] if len(sids) else 0, gap_ids)
    else:
        session = np.cumsum(_new_session(u, ts, ev)).astype(np.int64)
    dev_vals = _col(ev, "device_type")
    src_vals = _col(ev, "source")
    dev = np.array([vocab.classify(v, vocab.DEVICE_WORDS) for v in dev_vals.values] + [None])
    src = np.array([vocab.classify(v, vocab.SOURCE_WORDS) for v in src_vals.values] + [None])
    prov = np.array([vocab.province_code(v) for v in _col(ev, "province").values] + [None], object)
    out = {
        "ts": ts.astype("datetime64[us]"), "session_id": session, "user_id": u,
        "channel_id": _chan_ids(chan[idx], channel_ids),
        "event_type": types[idx].astype(object),
        "source": src[_col(ev, "source").codes[idx]],
        "device_type": dev[_col(ev, "device_type").codes[idx]],
        "province": prov[_col(ev, "province").codes[idx]],
        "sku_id": (np.where(sku[idx] >= 0, sku_ids[np.maximum(sku[idx], 0)], None)
                   if sku is not None else np.full(len(idx), None, object)),
        "dwell_s": (np.round(_num(ev, "dwell_s")[idx]) if "dwell_s" in ev.nums
                    else np.full(len(idx), np.nan)),
    }  # fmt: skip
    counts = {"events": len(idx), "event_rows_read": ev.n, "event_rows_rejected": int((~ok).sum()),
              "sessions": int(len(np.unique(session))),
              "visitors": int(len(np.unique(u)))}  # fmt: skip
    return out, counts


def _new_session(u: np.ndarray, ts: np.ndarray, ev: FileRows) -> np.ndarray:
    gap = np.timedelta64(int(ev.mapping.option("session_gap_minutes")) * 60_000_000, "us")
    new = np.ones(len(u), bool)
    if len(u) > 1:
        new[1:] = (u[1:] != u[:-1]) | ((ts[1:] - ts[:-1]) > gap)
    return new


def _users(space: KeySpace, user_ids: np.ndarray, orders: FileRows, ok: np.ndarray,
           cust: np.ndarray, chan: np.ndarray, ts: np.ndarray, prov_arr: np.ndarray,
           prov_codes: np.ndarray, channel_ids: np.ndarray, events: FileRows | None,
           ev_ok: np.ndarray | None, ev_cust: np.ndarray | None,
           events_t: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    """One row per customer id: first contact, the channel and province of the first purchase."""
    n = len(space.values)
    m = ok & (cust >= 0)
    reg = np.full(n, NAT)
    acq = np.full(n, -1, np.int64)
    prov = np.full(n, -1, np.int64)
    rows = np.flatnonzero(m)
    if len(rows):
        c, t = cust[rows], ts[rows]
        grp = Groups(c)
        first_ts = grp.min_time(t)
        at_first = rows[grp.first_where(t == first_ts[grp.gid])]
        reg[grp.keys] = first_ts
        acq[grp.keys] = chan[at_first]
        prov[grp.keys] = prov_codes[at_first]
    if events is not None and ev_ok is not None and ev_cust is not None and ev_ok.any():
        eg = Groups(ev_cust[ev_ok])
        fe = eg.min_time(events.times["event_ts"].values[ev_ok])
        cur = reg[eg.keys]
        reg[eg.keys] = np.where(np.isnat(cur) | (fe < cur), fe, cur)
    acq_ids = _chan_ids(acq, channel_ids)
    bought = np.zeros(n, bool)
    bought[cust[rows]] = True
    acq_ids[~bought] = None
    return {"user_id": user_ids, "province": prov_arr[prov], "register_ts": reg,
            "acquisition_channel": acq_ids}  # fmt: skip


def _skus(space: KeySpace, sku_ids: np.ndarray, S: dict[str, np.ndarray],
          orders: FileRows) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    n = len(space.values)
    names = np.array(_col(orders, "sku_name").values + [None], object)
    cats_c = _col(orders, "category")
    cats = np.array(cats_c.values + [None], object)
    name = np.full(n, None, object)
    cat = np.full(n, None, object)
    if "sku_name" in orders.ids:
        sk, nm = _mode_by(S["sku"], S["name"])
        name[sk] = names[nm]
    if "sku_id" not in orders.ids and "sku_name" in orders.ids:
        name = np.array(space.values, object)
    if "category" in orders.ids:
        sk, ct = _mode_by(S["sku"], S["cat"])
        cat[sk] = cats[ct]
    codes = np.array(space.values, object)
    blank = codes == ""
    name[blank & pd.isna(name)] = "未编码商品 / Item without code"
    unnamed = pd.isna(name)  # a code whose rows never carry a name is shown by its code
    name[unnamed] = codes[unnamed]
    pos = S["price"] > 0
    price = np.full(n, np.nan)
    sk, med = _median_by(S["sku"][pos], S["price"][pos])
    price[sk] = med
    missing_cat = pd.isna(cat)
    cat[missing_cat] = UNCATEGORIZED
    cat_values = sorted({c for c in cat if c != UNCATEGORIZED})
    cat_ids = cat_values + ([UNCATEGORIZED] if missing_cat.any() or not cat_values else [])
    skus = {"sku_id": sku_ids, "category_id": cat, "name": name, "price": price}
    cats_t = {"category_id": cat_ids,
              "name_zh": [("未分类" if c == UNCATEGORIZED else c) for c in cat_ids],
              "name_en": [("Uncategorized" if c == UNCATEGORIZED else c) for c in cat_ids]}  # fmt: skip
    return skus, cats_t


def _median_by(key: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The median ``value`` per non-negative integer ``key`` (keys in ascending order): one sort
    of ``key × rank of value`` (values have few distinct levels); the mean of the two middle
    values for an even count, as pandas computes it."""
    if not len(key):
        return np.zeros(0, np.int64), np.zeros(0, float)
    codes, distinct = pd.factorize(value)
    by_value = np.argsort(distinct, kind="stable")
    levels = distinct[by_value]
    rank = np.empty(len(by_value), np.int64)
    rank[by_value] = np.arange(len(by_value))
    m = len(levels)
    key = key.astype(np.int64, copy=False)
    packed = np.sort(key * m + rank[codes])  # by key, then by value
    sizes = np.bincount(key)
    keys = np.flatnonzero(sizes)
    sizes = sizes[keys]
    starts = np.cumsum(sizes) - sizes
    lo = levels[packed[starts + (sizes - 1) // 2] - keys * m]
    hi = levels[packed[starts + sizes // 2] - keys * m]
    return keys, np.where(sizes % 2 == 1, lo, (hi + lo) / 2)


def _mode_by(key: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The most frequent non-empty ``value`` code per ``key`` code (ties: the smaller code)."""
    ok = value >= 0
    k, v = key[ok].astype(np.int64, copy=False), value[ok].astype(np.int64, copy=False)
    if not len(k):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pair, counts = np.unique(k * (int(v.max()) + 1) + v, return_counts=True)
    pk, pv = pair // (int(v.max()) + 1), pair % (int(v.max()) + 1)
    order = np.lexsort((pv, -counts, pk))
    pk, pv = pk[order], pv[order]
    first = np.r_[True, pk[1:] != pk[:-1]]
    return pk[first], pv[first]


def _numeric_ids(keys: pa.Array) -> tuple[np.ndarray, bool]:
    """``(ids, kept)``: the keys themselves when all are plain numbers (``NUMERIC_ID``), else
    1..n in order."""
    n = len(keys)
    if n and pc.all(pc.match_substring_regex(keys, r"^[1-9][0-9]{0,17}$")).as_py():
        return pc.cast(keys, pa.int64()).to_numpy(zero_copy_only=False), True  # ASCII digits
    vals = keys.to_pylist()
    if n and all(NUMERIC_ID.match(k) for k in vals):  # other Unicode digits
        return np.array([int(k) for k in vals], np.int64), True
    return np.arange(1, n + 1, dtype=np.int64), False


def _keys_table(od: pd.DataFrame, okeys: pa.Array, kept: bool, cust: KeySpace,
                user_ids: np.ndarray, sku: KeySpace, sku_ids: np.ndarray) -> pa.Table:  # fmt: skip
    parts = [("order", od["order_id"].to_numpy(), okeys), ("customer", user_ids, cust.values),
             ("sku", sku_ids, sku.values)]  # fmt: skip
    ent, ids, src = [], [], []
    for e, i, s in parts:
        ent.append(pa.array(np.full(len(s), e, object), pa.string()))
        ids.append(np.asarray(i, np.int64))
        src.append(s if isinstance(s, pa.Array) else pa.array(s, pa.string()))
    return pa.table({"entity": pa.concat_arrays(ent),
                     "id": pa.array(np.concatenate(ids) if ids else [], pa.int64()),
                     "source_id": pa.concat_arrays(src)})  # fmt: skip


def _rejects_table(files: list[FileRows]) -> pa.Table:
    """Every rejected row: file, row, reason, field, column, the row it duplicates, and the raw
    record as JSON (duplicates point to their first row instead)."""
    parts: list[pa.Table] = []
    for fr in files:
        idx = np.flatnonzero(fr.reason > 0)
        if not len(idx):
            continue
        names = [c for c in fr.table.column_names if c != ROW]
        non_dup = idx[fr.dup_of[idx] == 0]
        record = np.full(len(idx), None, object)
        if len(non_dup):
            recs = fr.table.select(names).take(pa.array(non_dup)).to_pylist()
            record[fr.dup_of[idx] == 0] = [
                json.dumps({k: _show(v) for k, v in r.items()}, ensure_ascii=False) for r in recs]  # fmt: skip
        codes = [r[0] for r in fr.reasons]
        flds = [r[1] for r in fr.reasons]
        cols = [None if f is None else fr.column(f.split("|")[0]) for f in flds]
        reason = fr.reason[idx]
        dup = fr.dup_of[idx]
        parts.append(pa.table({
            "file": pa.array([fr.name] * len(idx), pa.string()),
            "row": pa.array(fr.row[idx], pa.int64()),
            "reason": pa.array(np.array(codes, object)[reason], pa.string()),
            "field": pa.array(np.array(flds, object)[reason], pa.string()),
            "column": pa.array(np.array(cols, object)[reason], pa.string()),
            "duplicate_of_row": pa.array(np.where(dup > 0, dup, 0), pa.int64(), mask=dup == 0),
            "record": pa.array(record, pa.string()),
        }))  # fmt: skip
    if not parts:
        return pa.table({k: pa.array([], t) for k, t in (
            ("file", pa.string()), ("row", pa.int64()), ("reason", pa.string()),
            ("field", pa.string()), ("column", pa.string()), ("duplicate_of_row", pa.int64()),
            ("record", pa.string()))})  # fmt: skip
    return pa.concat_tables(parts)


def _table(name: str, data: dict[str, Any], n: int) -> pa.Table:
    """An Arrow table with every column of the schema table (missing ones null)."""
    spec = TABLE_BY_NAME[name]
    schema = spec.arrow_schema()
    arrays = []
    for f in schema:
        typ = pa.string() if pa.types.is_dictionary(f.type) else f.type
        v = data.get(f.name)
        if v is None:
            arrays.append(pa.nulls(n, typ))
            continue
        if isinstance(v, np.ndarray) and v.dtype.kind == "f" and pa.types.is_integer(typ):
            arr = pa.array(v, pa.float64(), from_pandas=True).cast(typ, safe=False)
        elif isinstance(v, np.ndarray) and v.dtype == object and pa.types.is_integer(typ):
            arr = pa.array([None if x is None or x != x else int(x) for x in v], typ)
        else:
            arr = pa.array(v, typ, from_pandas=True)
        arrays.append(arr)
    return pa.table(arrays, schema=pa.schema([pa.field(f.name, a.type) for f, a in
                                              zip(schema, arrays, strict=True)]))  # fmt: skip
