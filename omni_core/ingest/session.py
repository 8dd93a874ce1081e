"""Helpers of the Data page's import section (no Streamlit here): staging uploads, the preview
and mapping editor's inputs, and the report as small frames."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from omni_core.ingest.errors import IngestError
from omni_core.ingest.fields import fields
from omni_core.ingest.load import default_name, import_files, open_preview, suggest
from omni_core.ingest.mapping import Mapping
from omni_core.ingest.report import ImportReport
from omni_core.warehouse import Warehouse

UPLOAD_TYPES = ["csv", "tsv", "txt", "gz", "parquet", "xlsx", "xlsm", "xls", "xlsb", "ods"]
NONE = "—"
_STAGE = Path(tempfile.gettempdir()) / "omni_uploads"
HELP = (
    "上传订单导出（CSV/TSV 任意编码含 GBK、Parquet、Excel），核对列映射后导入为新数据集；"
    "无法读取的行会被拒绝并列出原因，导入失败时仓库保持不变。",
    "Upload an order export (CSV/TSV in any encoding incl. GBK, Parquet, Excel), check the column "
    "mapping and import it as a new dataset; unreadable rows are rejected with their reason, and "
    "a failed import leaves the warehouse as it was.",
)


def stage_upload(name: str, data: bytes) -> Path:
    """Write an uploaded file to a private temp folder (content-addressed) and return its path."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = _STAGE / digest
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(name).name) or "upload"
    path = folder / safe
    if not path.exists() or path.stat().st_size != len(data):
        path.write_bytes(data)
    return path


def parse_mapping(upload: Any | None) -> Mapping | None:
    """A mapping from an uploaded JSON file (anything with ``name`` and ``getvalue()``)."""
    if upload is None:
        return None
    data = upload.getvalue()
    try:
        return Mapping.from_dict(json.loads(data.decode("utf-8-sig")), upload.name)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IngestError(f"is not valid JSON ({e})", file=upload.name) from None


def plan(kind: str, upload: Any, map_upload: Any | None = None) -> dict[str, Any]:
    """Stage an upload and return what the mapping editor needs: the preview frame, file facts,
    columns and the suggested (or uploaded mapping's) choice per field."""
    base = parse_mapping(map_upload)
    if base is not None and base.kind != kind:
        raise IngestError(f"the mapping is for {base.kind}, not {kind}", file=map_upload.name)
    path = stage_upload(upload.name, upload.getvalue())
    pv = open_preview(path, base, upload.name)
    suggested = base if base is not None else suggest(pv, kind)
    info = pv.info
    facts = [info.format.upper()]
    if info.encoding:
        facts.append(info.encoding)
    if info.delimiter:
        facts.append({",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}.get(
            info.delimiter, repr(info.delimiter)))  # fmt: skip
    if info.sheet:
        facts.append(f"sheet {info.sheet}")
    facts += [f"header line {info.header_line}", f"{len(info.columns)} columns"]
    columns = [NONE, *info.columns]
    choices = {f.name: suggested.columns.get(f.name, NONE) for f in fields(kind)}
    return {
        "kind": kind, "path": path, "name": upload.name, "frame": pv.frame(12),
        "facts": " · ".join(facts), "columns": columns,
        "choices": {k: (v if v in columns else NONE) for k, v in choices.items()},
        "options": dict(suggested.options), "default_name": default_name(upload.name),
    }  # fmt: skip


def mapping_from_choices(kind: str, choices: dict[str, str], options: dict[str, Any]) -> Mapping:
    """The mapping the editor's selectboxes describe."""
    return Mapping(kind, {k: v for k, v in choices.items() if v and v != NONE}, dict(options))


def mappings(
    orders: dict[str, Any], events: dict[str, Any] | None
) -> tuple[Mapping | None, Mapping | None, str | None]:
    """The order and event mappings of the editors, checked against their files:
    ``(orders, events, None)`` or ``(None, None, problem)``."""
    try:
        m = mapping_from_choices("orders", orders["choices"], orders["options"])
        m.check(orders["columns"][1:], orders["name"])
        em = None
        if events is not None:
            em = mapping_from_choices("events", events["choices"], events["options"])
            em.check(events["columns"][1:], events["name"])
    except IngestError as e:
        return None, None, e.message
    return m, em, None


def run(wh: Warehouse, orders: dict[str, Any], events: dict[str, Any] | None, mapping: Mapping,
        events_mapping: Mapping | None, name: str, replace: bool,
        progress: Any = None) -> tuple[ImportReport | None, str | None]:  # fmt: skip
    """Import the staged files of the editors: ``(report, None)`` or ``(None, problem)``; on a
    problem the warehouse is unchanged."""
    try:
        report = import_files(wh, orders["path"], mapping=mapping, name=name, replace=replace,
                              events=events["path"] if events else None,
                              events_mapping=events_mapping, display_name=orders["name"],
                              events_display_name=events["name"] if events else None,
                              progress=progress)  # fmt: skip
    except (IngestError, ValueError) as e:
        return None, str(e)
    return report, None


def mapping_json(m: Mapping) -> str:
    """A mapping as the JSON text of a reusable mapping file."""
    return json.dumps(m.to_dict(), ensure_ascii=False, indent=2) + "\n"


def report_frames(report: ImportReport, lang: str = "zh") -> dict[str, Any]:
    """The report as headline numbers and small frames for the page."""
    en = lang == "en"
    c, a = report.counts, report.amounts
    cur = report.currency or ""
    headline = [
        ("读取行数" if not en else "Rows read", f"{c['rows_read']:,}"),
        ("已导入" if not en else "Loaded", f"{c['rows_loaded']:,}"),
        ("已拒绝" if not en else "Rejected", f"{c['rows_rejected']:,}"),
        ("订单" if not en else "Orders", f"{c['orders']:,}"),
        ("买家" if not en else "Customers", f"{c['customers']:,}"),
        (("销售额" if not en else "Sales") + (f" ({cur})" if cur else ""), f"{a['sales']:,.2f}"),
    ]
    rejected = pd.DataFrame(
        [
            {
                ("原因" if not en else "reason"): r["en" if en else "zh"],
                ("字段" if not en else "field"): r["field"] or "",
                ("列" if not en else "column"): r["column"] or "",
                ("文件" if not en else "file"): r["file"],
                ("行数" if not en else "rows"): r["count"],
            }
            for r in report.rejected
        ]  # fmt: skip
    )
    examples = pd.DataFrame(
        [
            {
                "reason": r["reason"],
                "row": ex["row"],
                "column": ex.get("column", ""),
                "value": ex.get("value", ""),
                "same_as_row": ex.get("duplicate_of_row", ""),
                "values": json.dumps(ex["values"], ensure_ascii=False)[:200],
            }
            for r in report.rejected
            for ex in r["examples"]
        ]  # fmt: skip
    )
    details = pd.DataFrame([{"what": k, "value": v} for k, v in {**c, **a}.items()])
    title = (f"Imported dataset {report.dataset} ({report.seconds:.1f} s)" if en
             else f"已导入数据集 {report.dataset}（{report.seconds:.1f} 秒）")  # fmt: skip
    return {"title": title, "headline": headline, "rejected": rejected, "examples": examples, "details": details,
            "warnings": report.warnings + report.notes,
            "cannot": [d["en" if en else "zh"] for d in report.limitations]}  # fmt: skip
