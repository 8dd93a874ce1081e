"""Hash-chained provenance ledger (SHA-256) for order, shipment and return events.

Each block is a JSON object ``{index, ts, kind, ref, data, prev_hash, hash}`` where

.. math:: h_i = \\mathrm{SHA256}(\\mathrm{canon}(b_i \\setminus \\{hash\\})), \\qquad
          b_i.\\mathrm{prev\\_hash} = h_{i-1}, \\quad h_{-1} = 0^{64}

and ``canon`` is the canonical JSON serialisation: keys sorted, no insignificant whitespace
(``separators=(",", ":")``), UTF-8, no NaN/Infinity; numbers are integers only (money in fen,
times as ISO-8601 strings), so every value has exactly one text form. The serialised ledger is
one canonical block per line (JSON Lines, ``\\n``-terminated). The verifier reads the bytes line
by line and reports the **first** broken block: unparsable or non-canonical line, wrong index,
``prev_hash`` not equal to the previous block's hash, or stored hash not equal to the recomputed
one. Because each line must equal the canonical form of its own content, any change of a single
byte is detected at the block whose line (including its terminating newline) holds that byte.

Sources: Haber & Stornetta (1991), *How to time-stamp a digital document*, J. Cryptology 3(2)
(linked hash chains); NIST FIPS 180-4 (SHA-256); RFC 8785 (JSON Canonicalization Scheme), of which
this serialisation is the integer-only subset; Nakamoto (2008) for the block/prev-hash layout.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = [
    "GENESIS_PREV",
    "Verification",
    "append_block",
    "build_chain",
    "canonical",
    "chain_from_bytes",
    "chain_to_bytes",
    "tamper",
    "verify_bytes",
    "verify_chain",
]

GENESIS_PREV = "0" * 64
_KEYS = ("data", "hash", "index", "kind", "prev_hash", "ref", "ts")


def canonical(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, compact separators, UTF-8, integers only."""
    _check_values(obj)
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _check_values(obj: Any) -> None:
    if isinstance(obj, float):
        raise ValueError("ledger values must not be floats (store money in fen as integers)")
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if not isinstance(k, str):
                raise ValueError("ledger keys must be strings")
            _check_values(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _check_values(v)
    elif obj is not None and not isinstance(obj, str | int | bool):
        raise ValueError(f"unsupported ledger value type {type(obj).__name__}")


def block_hash(block: Mapping[str, Any]) -> str:
    """SHA-256 hex digest of the canonical block without its ``hash`` field."""
    body = {k: v for k, v in block.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def append_block(
    chain: list[dict[str, Any]], kind: str, ref: int | str, ts: str, data: Mapping[str, Any]
) -> dict[str, Any]:
    """Append one block (in place) linked to the chain's last hash; returns the block."""
    prev = chain[-1]["hash"] if chain else GENESIS_PREV
    block = {"index": len(chain), "ts": str(ts), "kind": str(kind), "ref": ref,
             "data": dict(data), "prev_hash": prev}  # fmt: skip
    block["hash"] = block_hash(block)
    chain.append(block)
    return block


def build_chain(events: pd.DataFrame) -> list[dict[str, Any]]:
    """A chain from an event frame with columns ``ts, kind, ref`` plus data columns.

    Rows are chained in the order given (sort them first, with a tie-breaker). Data columns with a
    missing value are left out of the block; floats must already be integers (e.g. fen).
    """
    need = {"ts", "kind", "ref"}
    if not need <= set(events.columns):
        raise ValueError(f"events need columns {sorted(need)}")
    data_cols = [c for c in events.columns if c not in need]
    chain: list[dict[str, Any]] = []
    for row in events.to_dict("records"):
        data = {}
        for c in data_cols:
            v = row[c]
            if v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT:
                continue
            data[c] = _plain(v)
        ts = row["ts"]
        ts = ts.isoformat() if hasattr(ts, "isoformat") else str(ts)
        append_block(chain, row["kind"], _plain(row["ref"]), ts, data)
    return chain


def _plain(v: Any) -> Any:
    """numpy scalars -> Python ints/str/bool (floats must be whole numbers)."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float):
        if v != int(v):
            raise ValueError(f"non-integer number {v!r} in ledger data (use fen)")
        return int(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def chain_to_bytes(chain: Iterable[Mapping[str, Any]]) -> bytes:
    """JSON Lines serialisation: one canonical block per line, each ending with ``\\n``."""
    return b"".join(canonical(dict(b)) + b"\n" for b in chain)


def chain_from_bytes(raw: bytes) -> list[dict[str, Any]]:
    """Parse a serialised ledger (raises ValueError on a bad line; use verify_bytes to locate)."""
    return [json.loads(line) for line in raw.split(b"\n")[:-1]] if raw else []


@dataclass(frozen=True)
class Verification:
    """Outcome of a verification: ``ok``, number of blocks, first broken block and why."""

    ok: bool
    blocks: int
    first_bad: int | None = None
    reason: str = ""
    head_hash: str = GENESIS_PREV


def verify_bytes(raw: bytes, anchor: str | None = None) -> Verification:
    """Verify a serialised ledger line by line; report the first broken block (module rules).

    ``anchor`` is an externally published head hash: if given, a ledger whose links are intact
    but whose last hash differs (the whole chain rewritten) fails at its last block.
    """
    if raw and not raw.endswith(b"\n"):
        # The last line lost its terminator: it belongs to the last block.
        n = raw.count(b"\n")
        return Verification(False, n + 1, n, "missing line terminator")
    lines = raw.split(b"\n")[:-1] if raw else []
    prev = GENESIS_PREV
    for i, line in enumerate(lines):
        try:
            block = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return Verification(False, len(lines), i, "unparsable block", prev)
        problem = _check_block(block, i, prev, line)
        if problem:
            return Verification(False, len(lines), i, problem, prev)
        prev = block["hash"]
    if anchor is not None and lines and prev != anchor:
        return Verification(
            False, len(lines), len(lines) - 1, "head hash differs from anchor", prev
        )
    return Verification(True, len(lines), None, "", prev)


def _check_block(block: Any, i: int, prev: str, line: bytes) -> str:
    if not isinstance(block, dict) or tuple(sorted(block)) != _KEYS:
        return "wrong block fields"
    try:
        if canonical(block) != line:
            return "non-canonical serialisation"
    except ValueError:
        return "non-canonical value"
    if block["index"] != i or isinstance(block["index"], bool):
        return "wrong index"
    if block["prev_hash"] != prev:
        return "prev_hash does not match the previous block"
    if block["hash"] != block_hash(block):
        return "hash does not match the content"
    return ""


def verify_chain(chain: Iterable[Mapping[str, Any]], anchor: str | None = None) -> Verification:
    """Verify an in-memory chain (through its canonical serialisation)."""
    return verify_bytes(chain_to_bytes(chain), anchor)


def tamper(
    chain: list[dict[str, Any]], index: int, field: str, value: Any, *, rehash: bool = False
) -> list[dict[str, Any]]:
    """A copy with ``data[field]`` of block ``index`` changed (demo of an attack).

    ``rehash=True`` also recomputes that block's own hash (a smarter forger): the break then shows
    at the next block, whose ``prev_hash`` no longer matches.
    """
    if not 0 <= index < len(chain):
        raise ValueError(f"block index must be within [0, {len(chain) - 1}], got {index}")
    out = [dict(b) for b in chain]
    b = dict(out[index])
    b["data"] = {**b["data"], field: value}
    if rehash:
        b["hash"] = block_hash(b)
    out[index] = b
    return out


def block_spans(raw: bytes) -> list[tuple[int, int]]:
    """Byte span ``[start, end)`` of each block's line including its newline."""
    spans, start = [], 0
    for line in raw.split(b"\n")[:-1]:
        end = start + len(line) + 1
        spans.append((start, end))
        start = end
    return spans
