"""Chapter 11 (元宇宙与Web3.0营销探索): collectible drop on measured orders; provenance ledger.

Measured: the paid orders the drop is replayed on, the orders/deliveries/returns chained into the
ledger, return requests used as the counterfeit-complaint proxy. Assumptions (editable): the drop's
behaviour rates; the document's cases are reference lines (Nike +12% sales, McDonald's 23% share
rate, VIP.com counterfeit complaints -72%).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from omni_core.metrics import provenance as pv
from omni_core.models import ledger as lg
from omni_core.models.collectibles import DropParams, simulate_drop
from omni_core.warehouse import Warehouse

DOC_COMPLAINT_CUT = 0.72  # doc ch.11: VIP.com traceability, counterfeit complaints -72%
COMPLAINT_REASONS = ("quality", "not_as_described")
MAX_LEDGER_ORDERS = 5000


def drop(wh: Warehouse, dataset: str, days: int, params: DropParams, seed: int) -> dict[str, Any]:
    """Replay a collectible drop on the dataset's last ``days`` days of paid orders."""
    if not 1 <= days <= 366:
        raise ValueError(f"window must be within [1, 366] days, got {days}")
    if "orders" not in set(wh.table_names(dataset)):
        raise ValueError("the dataset has no orders table")
    orders = wh.query(pv.window_orders(wh.tables(dataset), days))
    res = simulate_drop(orders, params, np.random.default_rng(seed))
    res["qualifying_share"] = float((orders["amount"] >= params.threshold).mean())
    res["window_orders"] = len(orders)
    res["median_amount"] = float(orders["amount"].median())
    return res


def ledger(wh: Warehouse, dataset: str, n_orders: int) -> dict[str, Any]:
    """Chain the last ``n_orders`` paid orders with their deliveries and returns; verify it."""
    if not 1 <= n_orders <= MAX_LEDGER_ORDERS:
        raise ValueError(f"orders must be within [1, {MAX_LEDGER_ORDERS}], got {n_orders}")
    names = set(wh.table_names(dataset))
    if "orders" not in names:
        raise ValueError("the dataset has no orders table")
    ev = wh.query(pv.ledger_events(wh.tables(dataset), n_orders, with_returns="returns" in names))
    chain = lg.build_chain(ev.drop(columns=["rank"]))
    raw = lg.chain_to_bytes(chain)
    check = lg.verify_bytes(raw)
    counts = ev["kind"].value_counts().to_dict()
    return {"chain": chain, "bytes": len(raw), "verification": check, "counts": counts,
            "has_returns": "returns" in names}  # fmt: skip


def chain_frame(
    chain: list[dict[str, Any]], start: int = 0, stop: int | None = None
) -> pd.DataFrame:
    """Blocks as a table (hashes shortened) for display."""
    rows = [
        {"index": b["index"], "ts": b["ts"], "kind": b["kind"], "ref": b["ref"],
         "data": lg.canonical(b["data"]).decode("utf-8"), "prev_hash": b["prev_hash"][:12] + "…",
         "hash": b["hash"][:12] + "…"}
        for b in chain[start:stop]
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["index", "ts", "kind", "ref", "data", "prev_hash", "hash"])


def trace(chain: list[dict[str, Any]], order_id: int) -> pd.DataFrame:
    """All blocks of one order (its provenance trail)."""
    idx = [b["index"] for b in chain if b["ref"] == order_id]
    if not idx:
        return chain_frame([])
    return pd.concat([chain_frame(chain, i, i + 1) for i in idx], ignore_index=True)


def tamper_demo(
    chain: list[dict[str, Any]], index: int, new_amount_yuan: float, rehash: bool
) -> dict[str, Any]:
    """Change one block's amount (or carrier for deliveries) and verify with the published head.

    The head hash of the untouched chain plays the anchor an auditor would hold (e.g. published
    daily); a rehash-everything forgery still fails against it.
    """
    if not 0 <= index < len(chain):
        raise ValueError(f"block index must be within [0, {len(chain) - 1}]")
    if not 0 <= new_amount_yuan <= 1e9:
        raise ValueError("amount must be within [0, 1e9] yuan")
    anchor = chain[-1]["hash"]
    field = "amount_fen" if "amount_fen" in chain[index]["data"] else "carrier"
    value: Any = int(round(new_amount_yuan * 100)) if field == "amount_fen" else "forged_carrier"
    forged = lg.tamper(chain, index, field, value, rehash=rehash)
    local = lg.verify_chain(forged)
    anchored = lg.verify_chain(forged, anchor=anchor)
    full = _rehash_all(forged, index)
    return {"field": field, "value": value, "links": local, "anchored": anchored,
            "full_rewrite": lg.verify_chain(full, anchor=anchor),
            "full_rewrite_links": lg.verify_chain(full)}  # fmt: skip


def _rehash_all(chain: list[dict[str, Any]], start: int) -> list[dict[str, Any]]:
    """A forger who rewrites every hash from ``start`` on (links valid again)."""
    out = [dict(b) for b in chain[:start]]
    for b in chain[start:]:
        nb = dict(b)
        nb["prev_hash"] = out[-1]["hash"] if out else lg.GENESIS_PREV
        nb["hash"] = lg.block_hash(nb)
        out.append(nb)
    return out


def strip(chain: list[dict[str, Any]], verification: lg.Verification, around: int) -> pd.DataFrame:
    """Up to 15 blocks around ``around`` with their state: ok, broken, unverified (after break)."""
    lo = max(0, around - 7)
    hi = min(len(chain), lo + 15)
    df = chain_frame(chain, lo, hi)
    bad = verification.first_bad
    df["state"] = [
        "ok" if bad is None or i < bad else ("broken" if i == bad else "unverified")
        for i in df["index"]
    ]
    return df


def complaints(wh: Warehouse, dataset: str) -> pd.DataFrame | None:
    """Measured complaint proxy (quality / not-as-described returns) and the doc -72% projection."""
    if "returns" not in set(wh.table_names(dataset)):
        return None
    r = wh.query(pv.complaint_returns(wh.tables(dataset)))
    r = r[r["reason"].isin(COMPLAINT_REASONS)]
    r = r.assign(projected=r["requests"] * (1 - DOC_COMPLAINT_CUT))
    return r.reset_index(drop=True)


# Page texts (zh, en): kept here so the page stays a thin layout.
TEXT: dict[str, tuple[str, str]] = {
    "caption": (
        "数字藏品“买即领”发售在实测订单上回放；订单、配送与退货写入 SHA-256 哈希链溯源账本。",
        "A 'claim with purchase' digital-collectible drop replayed on measured orders; orders, "
        "deliveries and returns chained into a SHA-256 provenance ledger.",
    ),
    "tab_drop": ("数字藏品发售模拟", "Collectible drop simulator"),
    "tab_ledger": ("区块链溯源账本", "Provenance ledger"),
    "doc_drop": (
        "文档案例：Nike 数字藏品带动销售 +12%；麦当劳数字藏品分享率 23%。行为参数为假设（可调），订单为实测。",
        "doc cases: Nike's digital collectibles lifted sales 12%; McDonald's collectible share "
        "rate 23%. Behaviour rates are assumptions (editable); the orders are measured.",
    ),
    "window": ("回放最近天数", "Replay the last N days"),
    "supply": ("发行量（份）", "Supply (pieces)"),
    "threshold": ("领取门槛（元/单）", "Claim threshold (yuan/order)"),
    "share_rate": ("分享率（普通款）", "Share rate (common)"),
    "invites": ("每次分享触达好友", "Friends reached per share"),
    "invite_conv": ("好友购买转化", "Friend purchase conversion"),
    "attraction": ("吸引新增购买（占日订单）", "Extra buyers attracted (share of daily orders)"),
    "trade_up": ("门槛附近凑单概率", "Trade-up probability near threshold"),
    "legendary": ("隐藏款占比 %", "Legendary share %"),
    "rare": ("稀有款占比 %", "Rare share %"),
    "seed": ("随机种子", "Seed"),
    "claims": ("已领取", "Claimed"),
    "sellout": ("售罄日", "Sell-out day"),
    "not_sold_out": ("未售罄", "not sold out"),
    "uplift": ("销售提升", "Sales uplift"),
    "realised_share": ("实际分享率", "Realised share rate"),
    "qualifying": ("达门槛订单占比（实测）", "Orders above threshold (measured)"),
    "daily": (
        "每日 GMV：实测 vs 含发售；剩余藏品",
        "Daily GMV: measured vs with drop; supply left",
    ),
    "nike": ("文档: Nike +12%", "doc: Nike +12%"),
    "mcd": ("文档: 麦当劳 23%", "doc: McDonald's 23%"),
    "doc_ledger": (
        "文档：唯品会区块链溯源，假货投诉 −72%。每个区块保存上一个区块的哈希（规范化 JSON + SHA-256）。",
        "doc: VIP.com blockchain traceability, counterfeit complaints −72%. Each block holds the "
        "previous block's hash (canonical JSON + SHA-256).",
    ),
    "n_orders": ("上链订单数（最近）", "Orders chained (most recent)"),
    "blocks": ("区块数", "Blocks"),
    "size": ("账本大小", "Ledger size"),
    "verified": ("验证", "Verification"),
    "ok": ("完整", "intact"),
    "head": ("链头哈希（对外公布的锚点）", "Head hash (the published anchor)"),
    "trace": ("追溯订单号", "Trace order id"),
    "tamper_title": ("篡改演示", "Tamper demo"),
    "tamper_block": ("篡改第几个区块", "Block to tamper with"),
    "tamper_amount": ("改成金额（元）", "New amount (yuan)"),
    "rehash": (
        "同时重算该区块哈希（更聪明的伪造者）",
        "Also recompute that block's hash (a smarter forger)",
    ),
    "broken_at": ("检测到断链：第 {i} 个区块 —— {r}", "Broken link found at block {i}: {r}"),
    "anchor_fail": (
        "即使伪造者重算其后全部哈希（链内链接重新有效），与公布的链头锚点比对仍失败于第 {i} 个区块。",
        "Even if the forger rewrites every later hash (links valid again), the check against the "
        "published head anchor still fails at block {i}.",
    ),
    "strip": ("篡改点附近的区块", "Blocks around the tampered one"),
    "complaints": (
        "假货投诉代理指标（质量/与描述不符的退货申请）：实测 vs 文档 −72% 投影",
        "Counterfeit-complaint proxy (quality / not-as-described returns): measured vs the doc's "
        "−72% projection",
    ),
    "no_returns": (
        "数据集没有退货表：账本只含订单与配送区块，投诉投影无法计算。",
        "The dataset has no returns table: the ledger holds order and delivery blocks only; the "
        "complaint projection cannot be computed.",
    ),
    "invalid": ("输入无效", "Invalid input"),
}
