"""Provenance ledger: an untouched chain verifies; any single-byte change is found at its block."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omni_core.models import ledger as lg


def _chain(n: int = 12) -> list[dict]:
    ev = pd.DataFrame({
        "ts": pd.date_range("2025-11-11", periods=n, freq="17min"),
        "kind": ["order", "delivered", "return"] * (n // 3) + ["order"] * (n % 3),
        "ref": range(1000, 1000 + n),
        "amount_fen": [12345 + 7 * i for i in range(n)],
        "carrier": ["sf", None, "jdl"] * (n // 3) + [None] * (n % 3),
        "channel": ["天猫", "amazon", "抖音"] * (n // 3) + ["jd"] * (n % 3),
    })  # fmt: skip
    return lg.build_chain(ev)


CHAIN = _chain()
RAW = lg.chain_to_bytes(CHAIN)
SPANS = lg.block_spans(RAW)


def test_untouched_chain_verifies_and_links():
    v = lg.verify_bytes(RAW)
    assert v.ok and v.blocks == len(CHAIN) and v.head_hash == CHAIN[-1]["hash"]
    assert CHAIN[0]["prev_hash"] == lg.GENESIS_PREV
    assert all(CHAIN[i]["prev_hash"] == CHAIN[i - 1]["hash"] for i in range(1, len(CHAIN)))
    assert lg.chain_from_bytes(RAW) == CHAIN
    # Canonical: sorted keys, compact separators, UTF-8 (Chinese kept as is).
    assert lg.canonical({"b": 1, "a": "天猫"}) == '{"a":"天猫","b":1}'.encode()


@settings(max_examples=300, deadline=None)
@given(pos=st.integers(0, len(RAW) - 1), delta=st.integers(1, 255))
def test_any_single_byte_change_is_found_at_its_block(pos, delta):
    raw = bytearray(RAW)
    raw[pos] = (raw[pos] + delta) % 256
    v = lg.verify_bytes(bytes(raw))
    expected = next(i for i, (a, b) in enumerate(SPANS) if a <= pos < b)
    assert not v.ok
    assert v.first_bad == expected, (pos, v)


def test_tamper_and_rehash_and_anchor():
    forged = lg.tamper(CHAIN, 4, "amount_fen", 1)
    assert lg.verify_chain(forged).first_bad == 4
    smarter = lg.tamper(CHAIN, 4, "amount_fen", 1, rehash=True)
    v = lg.verify_chain(smarter)
    assert v.first_bad == 5 and "prev_hash" in v.reason
    # Rewriting every later hash repairs the links, but not the published head anchor.
    full = [dict(b) for b in smarter]
    for i in range(5, len(full)):
        full[i]["prev_hash"] = full[i - 1]["hash"]
        full[i]["hash"] = lg.block_hash(full[i])
    assert lg.verify_chain(full).ok
    assert lg.verify_chain(full, anchor=CHAIN[-1]["hash"]).first_bad == len(CHAIN) - 1


def test_floats_are_refused():
    with pytest.raises(ValueError, match="float"):
        lg.canonical({"amount": 1.5})
    with pytest.raises(ValueError, match="block index"):
        lg.tamper(CHAIN, 99, "amount_fen", 1)
