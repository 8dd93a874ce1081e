"""The import report (counts read/loaded/rejected, amounts, examples, warnings) and the dataset's
capabilities: what the app can compute from what was imported, and what it cannot."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

# What an imported dataset can support, by capability: (key, 中文, English).
CAPABILITIES: tuple[tuple[str, str, str], ...] = (
    ("orders", "订单：GMV、订单数、客单价的日/小时走势", "Orders: GMV, orders and AOV by day/hour"),
    ("customers", "买家：复购、RFM 分层、CLV（BG/NBD）", "Customers: repeat purchase, RFM, CLV (BG/NBD)"),
    ("products", "商品：SKU 排行与价格", "Products: SKU ranking and prices"),
    ("categories", "类目：按类目拆分", "Categories: split by category"),
    ("channels", "渠道：按渠道拆分", "Channels: split by channel"),
    ("regions", "地区：按省份/国家拆分", "Regions: split by province/country"),
    ("returns", "退款：退款率与取消", "Returns: refund rate and cancellations"),
    ("events", "流量：UV、转化率、漏斗、归因", "Traffic: UV, conversion, funnel, attribution"),
)  # fmt: skip

# Tables an import never provides, and what their absence means.
NEVER_IMPORTED: tuple[tuple[str, str, str], ...] = (
    ("ad_spend", "没有广告花费：无法计算 ROAS、CPC/CPM 与获客成本（第 02、06 章）",
     "No ad spend: ROAS, CPC/CPM and acquisition cost cannot be computed (chapters 02, 06)"),
    ("live_sessions", "没有直播场次：无法计算 GPM 与直播看板（第 04 章）",
     "No live sessions: GPM and the live-stream board cannot be computed (chapter 04)"),
    ("shares", "没有分享/邀请记录：无法计算裂变系数 K（第 05 章）",
     "No shares/invites: the viral coefficient K cannot be computed (chapter 05)"),
    ("points_ledger", "没有积分流水：无法分析积分经济（第 07 章）",
     "No points ledger: the points economy cannot be analysed (chapter 07)"),
    ("inventory_snapshots", "没有库存快照：无法显示库存水位与缺货率（第 08 章）",
     "No stock snapshots: stock water levels and stock-out rate cannot be shown (chapter 08)"),
    ("identity_records", "没有多平台身份记录：无法做 OneID 识别（第 09 章）",
     "No identity records: OneID resolution cannot run (chapter 09)"),
    ("kols", "没有达人/KOL 数据：无法做达人评分（第 04 章）",
     "No KOL data: the KOL scorecard cannot be computed (chapter 04)"),
    ("keywords", "没有关键词数据：无法做搜索词分析（第 06 章）",
     "No keyword data: search-term analysis cannot run (chapter 06)"),
)  # fmt: skip

_MISSING: dict[str, tuple[str, str]] = {
    "events": ("没有流量事件：无法计算 UV、转化率、漏斗、归因与跨设备路径（第 02、03、09 章）",
               "No traffic events: UV, conversion, funnel, attribution and cross-device paths "
               "cannot be computed (chapters 02, 03, 09)"),
    "customers": ("没有买家ID：无法计算复购、RFM 与 CLV",
                  "No customer ids: repeat purchase, RFM and CLV cannot be computed"),
    "products": ("没有商品编码或名称：所有订单行记为同一个商品",
                 "No product code or name: every line counts as one product"),
    "categories": ("没有类目：全部商品归入“未分类”",
                   "No category: every product is 'uncategorized'"),
    "channels": ("没有渠道列：全部订单归入一个“导入数据”渠道，无法按渠道拆分",
                 "No channel column: every order is in one 'imported' channel, no channel split"),
    "regions": ("没有省份/国家：无法按地区拆分", "No province/country: no regional split"),
    "returns": ("没有取消或退款记录：退款率为 0", "No cancellations or refunds: refund rate is 0"),
}  # fmt: skip


def capabilities(tables: dict[str, Any], counts: dict[str, Any], mapped: set[str]) -> list[str]:
    """The capability keys an import supports (see ``CAPABILITIES``)."""
    caps = ["orders"]
    if counts.get("customers", 0) > 0:
        caps.append("customers")
    if mapped & {"sku_id", "sku_name"}:
        caps.append("products")
    if "category" in mapped:
        caps.append("categories")
    if "channel" in mapped:
        caps.append("channels")
    if "province" in mapped:
        caps.append("regions")
    if "returns" in tables and counts.get("returns", 0) > 0:
        caps.append("returns")
    if "events" in tables and counts.get("events", 0) > 0:
        caps.append("events")
    return caps


def limitations(caps: list[str]) -> list[dict[str, str]]:
    """What cannot be computed from an import with ``caps``, in both languages."""
    out = [{"missing": k, "zh": zh, "en": en} for k, (zh, en) in _MISSING.items() if k not in caps]
    out += [{"missing": k, "zh": zh, "en": en} for k, zh, en in NEVER_IMPORTED]
    return out


def describe(meta: dict[str, Any], lang: str = "zh") -> dict[str, list[str]]:
    """For pages: ``{"can": [...], "cannot": [...], "span": (first, last order time)}`` of an
    imported dataset's meta (empty lists and no span for other datasets)."""
    if meta.get("kind") != "imported":
        return {"can": [], "cannot": [], "span": None}
    caps = meta.get("capabilities", [])
    pick = 2 if lang == "en" else 1
    can = [c[pick] for c in CAPABILITIES if c[0] in caps]
    cannot = [d["en" if lang == "en" else "zh"] for d in meta.get("limitations", [])]
    counts = meta.get("report", {}).get("counts", {})
    span = None
    if counts.get("first_order_ts") and counts.get("last_order_ts"):
        span = (dt.datetime.fromisoformat(counts["first_order_ts"]),
                dt.datetime.fromisoformat(counts["last_order_ts"]))  # fmt: skip
    return {"can": can, "cannot": cannot, "span": span}


@dataclass
class ImportReport:
    """Everything an import did, for the Data page, the CLI and the dataset's meta."""

    dataset: str
    sources: list[dict[str, Any]]
    mappings: dict[str, dict[str, Any]]
    formats: dict[str, str]
    counts: dict[str, Any]
    amounts: dict[str, float]
    currency: str | None
    rejected: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    limitations: list[dict[str, str]] = field(default_factory=list)
    ids_kept: dict[str, bool] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    def rejected_by_reason(self) -> list[dict[str, Any]]:
        """One row per reason (file, reason, column, count) for a table."""
        return [{"file": r["file"], "reason": r["reason"], "field": r["field"],
                 "column": r["column"], "count": r["count"], "zh": r["zh"], "en": r["en"]}
                for r in self.rejected]  # fmt: skip

    def text(self) -> str:
        """A plain-text report (the CLI's output)."""
        c, a = self.counts, self.amounts
        cur = f" {self.currency}" if self.currency else ""
        lines = [f"dataset {self.dataset!r} imported in {self.seconds:.1f}s"]
        for s in self.sources:
            how = ", ".join(f"{k} {s[k]}" for k in ("format", "encoding", "delimiter", "sheet")
                            if s.get(k) not in (None, ""))  # fmt: skip
            lines.append(f"  source: {s['name']} ({how})")
        lines.append(f"  rows: {c['rows_read']:,} read, {c['rows_loaded']:,} loaded, "
                     f"{c['rows_rejected']:,} rejected ({c['duplicates']:,} exact duplicates)")  # fmt: skip
        lines.append(f"  orders: {c['orders']:,} ({c['paid_orders']:,} paid) from {c['lines']:,} "
                     f"lines; customers {c['customers']:,}; guest orders {c['guest_orders']:,}; "
                     f"rows without customer {c['rows_without_customer']:,}")  # fmt: skip
        lines.append(f"  cancellations: {c['cancellation_lines']:,} lines in "
                     f"{c['cancellation_documents']:,} documents; negative-quantity lines "
                     f"{c['negative_quantity_lines']:,}; linked to an order "
                     f"{c['reversals_linked']:,}/{c['reversal_documents']:,}; returns "
                     f"{c['returns']:,}")  # fmt: skip
        lines.append(f"  amounts{cur}: sales {a['sales']:,.2f}; paid orders "
                     f"{a['paid_orders']:,.2f}; cancelled/returned {a['reversals']:,.2f}; net "
                     f"{a['net']:,.2f}")  # fmt: skip
        lines.append(f"  span: {c['first_order_ts']} .. {c['last_order_ts']}")
        if "events" in c:
            lines.append(f"  events: {c['events']:,} in {c['sessions']:,} sessions of "
                         f"{c['visitors']:,} visitors; {c['event_rows_rejected']:,} rejected")  # fmt: skip
        if self.formats:
            lines.append("  formats: " + "; ".join(f"{k} = {v}" for k, v in self.formats.items()))
        if self.rejected:
            lines.append("  rejected rows by reason:")
            for r in self.rejected:
                ex = r["examples"][0]
                where = f"row {ex['row']}" + (f", column {r['column']!r}" if r["column"] else "")
                val = f" {ex['value']!r}" if "value" in ex else ""
                dup = f" (same as row {ex['duplicate_of_row']})" if "duplicate_of_row" in ex else ""
                lines.append(f"    {r['count']:>8,}  {r['en']}"
                             f"{' [' + r['field'] + ']' if r['field'] else ''}; e.g. "
                             f"{where}{val}{dup}")  # fmt: skip
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        for n in self.notes:
            lines.append(f"  note: {n}")
        lines.append("  can compute: " + ", ".join(self.capabilities))
        lines.append("  cannot compute:")
        lines += [f"    - {d['en']}" for d in self.limitations]
        return "\n".join(lines)
