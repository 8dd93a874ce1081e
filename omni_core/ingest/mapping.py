"""Column mapping: which source column feeds which import field, plus reading options.

``suggest_mapping`` proposes a mapping from the column names (Chinese and English synonyms of
``omni_core.ingest.fields``) checked against sample values; the user overrides it on the Data page
or in a JSON file (``Mapping.save`` / ``Mapping.load``) reused for the next export of the same kind.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omni_core.ingest.errors import IngestError
from omni_core.ingest.fields import Field, fields, missing_required

MAPPING_VERSION = 1
DEFAULT_OPTIONS: dict[str, Any] = {
    "encoding": None,  # text encoding of a CSV (None = detect: BOM, UTF-8, GB18030, ...)
    "delimiter": None,  # None = detect among , tab ; |
    "header_row": None,  # 1-based line/row of the header (None = detect)
    "sheet": None,  # Excel sheet name (None = the first sheet)
    "date_formats": {},  # field -> strptime format(s), e.g. {"order_ts": "%d/%m/%Y %H:%M"}
    "decimal": None,  # "." or "," (None = detect per column)
    "currency": None,  # ISO code of the amounts (None = from the symbols in the file)
    "cancel_prefix": "C",  # order ids starting with this (then a digit) are cancellations
    "missing_customer": "guest",  # guest: each order without customer is its own buyer; reject
    "max_reject_rate": 0.01,  # share of rows with unreadable values above which nothing loads
    "session_gap_minutes": 30,  # events: a new session after this many idle minutes
}
_OPTION_CHECKS: dict[str, Any] = {
    "missing_customer": ("guest", "reject"),
    "decimal": (None, ".", ","),
}


@dataclass
class Mapping:
    """Target field → source column, and the reading options of one export kind."""

    kind: str = "orders"
    columns: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        fields(self.kind)  # validates the kind
        known = {f.name for f in fields(self.kind)}
        bad = [k for k in self.columns if k not in known]
        if bad:
            raise IngestError(f"unknown {self.kind} field(s) in the mapping: {', '.join(bad)}",
                              expected=", ".join(sorted(known)))  # fmt: skip
        self.columns = {k: v for k, v in self.columns.items() if v not in (None, "")}
        unknown = [k for k in self.options if k not in DEFAULT_OPTIONS]
        if unknown:
            raise IngestError(f"unknown option(s) in the mapping: {', '.join(unknown)}",
                              expected=", ".join(DEFAULT_OPTIONS))  # fmt: skip
        for k, allowed in _OPTION_CHECKS.items():
            if k in self.options and self.options[k] not in allowed:
                raise IngestError(f"option {k!r} is {self.options[k]!r}",
                                  expected=" or ".join(repr(a) for a in allowed))  # fmt: skip
        rate = self.options.get("max_reject_rate", 0.01)
        if not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise IngestError(f"option 'max_reject_rate' is {rate!r}", expected="a share 0..1")

    def option(self, name: str) -> Any:
        """An option's value (the default when not set)."""
        return self.options.get(name, DEFAULT_OPTIONS[name])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what ``save`` writes)."""
        opts = {k: v for k, v in self.options.items() if v != DEFAULT_OPTIONS.get(k)}
        return {"version": MAPPING_VERSION, "kind": self.kind, "columns": dict(self.columns),
                "options": opts}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "mapping") -> Mapping:
        """Build from a dict (as written by ``to_dict``) with clear errors."""
        if not isinstance(d, dict):
            raise IngestError("a mapping must be a JSON object", file=source,
                              expected='{"kind": "orders", "columns": {...}, "options": {...}}')  # fmt: skip
        version = d.get("version", MAPPING_VERSION)
        if version != MAPPING_VERSION:
            raise IngestError(f"mapping version {version!r} is not supported", file=source,
                              expected=str(MAPPING_VERSION))  # fmt: skip
        cols = d.get("columns", {})
        if not isinstance(cols, dict) or not all(isinstance(v, str) for v in cols.values()):
            raise IngestError("'columns' must map field names to column names", file=source)
        try:
            return cls(d.get("kind", "orders"), dict(cols), dict(d.get("options", {}) or {}))
        except IngestError as e:
            raise e.with_file(source) from None
        except ValueError as e:
            raise IngestError(str(e), file=source) from None

    def save(self, path: str | Path) -> Path:
        """Write the mapping as JSON (UTF-8, readable)."""
        p = Path(path)
        p.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8")
        return p

    @classmethod
    def load(cls, path: str | Path) -> Mapping:
        """Read a mapping JSON file."""
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise IngestError("mapping file not found", file=str(p)) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            line = getattr(e, "lineno", None)
            raise IngestError(f"is not valid JSON ({e})", file=p.name, line=line) from None
        return cls.from_dict(data, p.name)

    def check(self, columns: list[str], file: str | None = None) -> None:
        """Every mapped column exists in the file and the required fields are mapped."""
        absent = {k: v for k, v in self.columns.items() if v not in columns}
        if absent:
            k, v = next(iter(absent.items()))
            raise IngestError(f"the mapping's column {v!r} (for {k}) is not in the file",
                              file=file, column=v,
                              expected="one of: " + ", ".join(columns[:30]))  # fmt: skip
        used: dict[str, str] = {}
        for k, v in self.columns.items():
            if v in used:
                raise IngestError(f"column {v!r} is mapped to both {used[v]} and {k}",
                                  file=file, column=v)  # fmt: skip
            used[v] = k
        missing = missing_required(self.kind, set(self.columns))
        if missing:
            names = " and ".join(m.replace("|", " or ") for m in missing)
            raise IngestError(f"required column missing: {names}", file=file,
                              expected=_required_help(self.kind),
                              hint="columns in the file: " + ", ".join(columns[:40]))  # fmt: skip


def _required_help(kind: str) -> str:
    if kind == "orders":
        return ("an order id (订单号/InvoiceNo), an order time (下单时间/InvoiceDate) and a price "
                "or amount (单价/UnitPrice, 金额, 实付金额)")  # fmt: skip
    return "a user id (用户ID), an event time (事件时间) and an event type (事件类型)"


def norm_name(s: str) -> str:
    """A column name for matching: lower case, no spaces/punctuation, units in brackets dropped."""
    s = s.lower().replace("（", "(").replace("）", ")")
    s = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", s)
    return re.sub(r"[\s_\-./:#·]+", "", s)


def _score(f: Field, column: str) -> int:
    n = norm_name(column)
    if not n:
        return 0
    best = 0
    for i, syn in enumerate(f.synonyms):
        s = norm_name(syn)
        if not s:
            continue
        if n == s:
            best = max(best, 1000 - i)
        elif len(s) >= 2 and (n.startswith(s) or n.endswith(s)):
            best = max(best, 500 + 10 * len(s) - i)
        elif len(s) >= 2 and s in n:
            best = max(best, 300 + 10 * len(s) - i)
    return best


def suggest_mapping(
    columns: list[str],
    kind: str = "orders",
    samples: dict[str, list[str]] | None = None,
) -> Mapping:
    """Propose a mapping from column names (and, when given, sample values per column)."""
    cands: list[tuple[int, int, str, str]] = []
    for fi, f in enumerate(fields(kind)):
        for c in columns:
            sc = _score(f, c)
            if sc <= 0:
                continue
            # Values that do not fit the field's kind lower the score: a better-named column
            # that fits wins, but a file whose only date-named column holds no dates still gets
            # it mapped (and then a clear error about its values instead of a missing column).
            vals = [v for v in (samples or {}).get(c, []) if v.strip()][:300]
            if vals and f.kind == "timestamp" and sum(_dateish(v) for v in vals) < 0.5 * len(vals):
                sc -= 250
            if vals and f.kind == "number" and sum(_numberish(v) for v in vals) < 0.5 * len(vals):
                sc -= 250
            cands.append((sc, -fi, f.name, c))
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for _, _, name, col in sorted(cands, reverse=True):
        if name in chosen or col in used:
            continue
        chosen[name] = col
        used.add(col)
    ts = "order_ts" if kind == "orders" else None
    if ts and ts not in chosen and "pay_ts" in chosen:
        chosen[ts] = chosen.pop("pay_ts")
    order = [f.name for f in fields(kind)]
    return Mapping(kind, {k: chosen[k] for k in order if k in chosen})


def _dateish(v: str) -> bool:
    """Looks like a date or time: 2024-11-11, 11/11/2024, 2024年11月11日, 20241111, epoch, 12:30."""
    s = v.strip()
    return bool(re.search(r"\d{1,4}\s*[-/.年]\s*\d{1,2}|^\d{8}(\d{6})?$|^\d{10}(\d{3})?$|"
                          r"\d{1,2}:\d{2}", s))  # fmt: skip


def _numberish(v: str) -> bool:
    s = re.sub(r"(?i)rmb|cny|usd|gbp|eur|元|[¥￥$£€\s,，()件个]", "", v)
    return bool(re.fullmatch(r"[+-]?\d*\.?\d+([eE][+-]?\d+)?", s))
