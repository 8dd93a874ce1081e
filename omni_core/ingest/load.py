"""Import orchestration: preview → mapping → read → parse/validate → derive → one transaction.

``import_files`` is what the CLI (``omni import``) and the Data page call. Nothing touches the
warehouse until every check has passed; the tables are then written by ``Warehouse.writer``
in one transaction, so a failed import leaves every dataset exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from omni_core.ingest import derive
from omni_core.ingest.errors import IngestError
from omni_core.ingest.fields import fields
from omni_core.ingest.mapping import Mapping, suggest_mapping
from omni_core.ingest.read import Preview, preview, read_table
from omni_core.ingest.report import ImportReport, capabilities, limitations
from omni_core.ingest.values import (
    DATE_EXAMPLES,
    choose_date_formats,
    describe_format,
    number_style,
)
from omni_core.warehouse import Warehouse, check_dataset_name

Progress = Callable[[str, float], None]
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


@dataclass
class Prepared:
    """A file ready to read: its preview, mapping and the reading plan derived from samples."""

    preview: Preview
    mapping: Mapping
    date_formats: dict[str, list[str]]
    decimals: dict[str, str]
    currency: str | None
    types: dict[str, str]
    ts_formats: dict[str, str]
    warnings: list[str]


def open_preview(path: str | Path, mapping: Mapping | None = None,
                 name: str | None = None) -> Preview:  # fmt: skip
    """Sniff a file with the reading options of ``mapping`` (if any)."""
    opts = mapping.options if mapping else {}
    return preview(path, encoding=opts.get("encoding"), delimiter=opts.get("delimiter"),
                   header_row=opts.get("header_row"), sheet=opts.get("sheet"), name=name)  # fmt: skip


def suggest(pv: Preview, kind: str = "orders") -> Mapping:
    """A mapping suggested from a preview's column names and values."""
    samples = {c: pv.column_values(c) for c in pv.info.columns}
    return suggest_mapping(pv.info.columns, kind, samples)


def prepare(pv: Preview, mapping: Mapping) -> Prepared:
    """Check the mapping against the file and plan how each mapped column is read."""
    mapping.check(pv.info.columns, pv.info.name)
    by_name = {f.name: f for f in fields(mapping.kind)}
    overrides = mapping.option("date_formats") or {}
    date_formats: dict[str, list[str]] = {}
    decimals: dict[str, str] = {}
    types: dict[str, str] = {}
    ts_formats: dict[str, str] = {}
    warnings: list[str] = []
    currency = mapping.option("currency")
    for fname, col in mapping.columns.items():
        f = by_name[fname]
        values = pv.column_values(col)
        present = [(i, v) for i, v in enumerate(values) if v.strip()]
        if f.kind == "timestamp":
            choice = choose_date_formats([v for _, v in present], overrides.get(fname))
            if present and choice.parsed == 0:
                i, v = present[0]
                raise IngestError(f"no value of the {f.en.lower()} column is a date in a known "
                                  "format", file=pv.info.name, row=i + 1, column=col, value=v,
                                  expected=f"dates like {DATE_EXAMPLES}",
                                  hint="check the column choice, or set date_formats in the "
                                       "mapping (strptime codes, e.g. %d/%m/%Y %H:%M)")  # fmt: skip
            date_formats[fname] = choice.formats
            if choice.ambiguous_with:
                warnings.append(
                    f"column {col!r}: dates such as {present[0][1]!r} read as "
                    f"{describe_format(choice.formats[0])} (day and month are ambiguous in the "
                    f"first rows); set date_formats to {choice.ambiguous_with!r} if that is wrong"
                )  # fmt: skip
            primary = choice.primary
            if primary and not primary.startswith("epoch") and _all_parse(choice, present):
                types[col] = "timestamp"
                if primary != "iso":
                    ts_formats[col] = primary
        elif f.kind == "number":
            samples = [v for _, v in present]
            dec, cur = number_style(samples)
            decimals[fname] = mapping.option("decimal") or dec
            currency = currency or (cur if fname in ("unit_price", "line_amount",
                                                     "order_amount", "refund_amount") else None)  # fmt: skip
            if samples and all(_PLAIN_NUMBER.match(v.strip()) for v in samples):
                types[col] = "number"
    return Prepared(pv, mapping, date_formats, decimals, currency, types, ts_formats, warnings)


def _all_parse(choice: Any, present: list[tuple[int, str]]) -> bool:
    return choice.parsed >= len({v.strip() for _, v in present}) and len(choice.formats) <= 2


def default_name(path: str | Path) -> str:
    """A dataset name from a file name: ``Online Retail 2010-12.csv`` → ``online_retail_2010_12``."""
    stem = Path(str(path)).name.split(".")[0].lower()
    slug = re.sub(r"[^a-z0-9]+", "_", stem).strip("_")
    if not slug or not slug[0].isalpha():
        slug = ("import_" + slug).strip("_")
    return slug[:63]


def _catalog(wh: Warehouse) -> str | None:
    """The DuckDB database (catalog) name: a schema of that name would be ambiguous in SQL."""
    if wh.engine != "duckdb":
        return None
    return str(wh.con.execute("SELECT current_database()").fetchall()[0][0])  # result closed


def _unique_name(wh: Warehouse, base: str) -> str:
    existing = set(wh.datasets()) | {_catalog(wh)}
    if base not in existing:
        return base
    for i in range(2, 1000):
        cand = f"{base[:58]}_{i}"
        if cand not in existing:
            return cand
    raise IngestError(f"too many datasets named {base!r}_N; choose a name")


def import_files(
    wh: Warehouse,
    orders: str | Path,
    *,
    mapping: Mapping | None = None,
    events: str | Path | None = None,
    events_mapping: Mapping | None = None,
    name: str | None = None,
    replace: bool = False,
    progress: Progress | None = None,
    display_name: str | None = None,
    events_display_name: str | None = None,
    stream: bool | None = None,
) -> ImportReport:
    """Import an order export (and optionally an event export) as a new dataset.

    ``mapping`` defaults to ``suggest`` on the file (a mapping with options but no columns gets
    the suggested columns); ``name`` defaults to one derived from the file
    name (made unique). With an explicit ``name`` that exists, ``replace=True`` is required.
    Raises ``IngestError`` (warehouse untouched) when a file cannot be imported. ``stream`` reports
    the share of a CSV file read while the (multi-threaded) reader runs, so ``progress`` moves
    during the read (default: when ``progress`` is given); the tables are the same either way.
    """
    stream = progress is not None if stream is None else stream
    t0 = time.perf_counter()
    say = progress or (lambda step, frac: None)
    shown = display_name or Path(orders).name
    if name is not None:
        check_dataset_name(name)
        if name == _catalog(wh):
            raise IngestError(f"dataset name {name!r} is the warehouse file's own name",
                              hint="choose another name")  # fmt: skip
        if wh.has_dataset(name) and not replace:
            raise IngestError(f"dataset {name!r} already exists",
                              hint="choose another name or replace it")  # fmt: skip
        dataset = name
    else:
        dataset = _unique_name(wh, default_name(shown))
    say("reading", 0.0)
    ord_file, ord_prep, ord_notes = _read(orders, mapping, "orders", shown,
                                          _scaled(say, 0.0, 0.55 if events is None else 0.4),
                                          stream)  # fmt: skip
    ev_file = ev_prep = ev_types = None
    ev_notes: list[str] = []
    if events is not None:
        ev_file, ev_prep, ev_notes = _read(events, events_mapping, "events",
                                           events_display_name or Path(events).name,
                                           _scaled(say, 0.4, 0.6), stream)  # fmt: skip
    say("validating", 0.65)
    summaries = []
    derive.validate_orders(ord_file)
    summary = derive.reject_summary(ord_file, {f.name: f for f in fields("orders")})
    derive.check_reject_rate(ord_file, summary)
    summaries += summary
    if ev_file is not None:
        ev_types = derive.validate_events(ev_file)
        summary = derive.reject_summary(ev_file, {f.name: f for f in fields("events")})
        derive.check_reject_rate(ev_file, summary)
        summaries += summary
    say("deriving orders, buyers and products", 0.75)
    # The writer inserts the orders and lines while the rest is derived; any error below (or in
    # an insert) rolls the whole dataset back.
    with wh.writer(dataset, replace=replace) as w:
        built = derive.build(ord_file, ev_file, ev_types, emit=w.add)
        if built.counts["orders"] == 0:
            raise IngestError("no order could be built: every row was rejected or is a "
                              "cancellation", file=shown)  # fmt: skip
        report = _report(dataset, built, ord_file, ord_prep, ord_notes, ev_file, ev_prep,
                         ev_notes, summaries)  # fmt: skip
        say("writing the warehouse", 0.85)
        for table_name, table in built.tables.items():
            if table_name not in w.tables:
                w.add(table_name, table)
        report.seconds = round(time.perf_counter() - t0, 3)
        w.meta = _meta(report, shown)
    report.seconds = round(time.perf_counter() - t0, 3)
    say("done", 1.0)
    return report


def _report(dataset: str, built: derive.Built, ord_file: derive.FileRows, ord_prep: Prepared,
            ord_notes: list[str], ev_file: derive.FileRows | None, ev_prep: Prepared | None,
            ev_notes: list[str], summaries: list[dict[str, Any]]) -> ImportReport:  # fmt: skip
    """The import's report from what was built."""
    mapped = set(ord_prep.mapping.columns)
    caps = capabilities(built.tables, built.counts, mapped)
    formats = {f"orders.{k}": v for k, v in ord_file.formats.items()}
    if ev_file is not None:
        formats.update({f"events.{k}": v for k, v in ev_file.formats.items()})
    sources = [_source(ord_prep, ord_file.n)]
    mappings = {"orders": ord_prep.mapping.to_dict()}
    if ev_prep is not None and ev_file is not None:
        sources.append(_source(ev_prep, ev_file.n))
        mappings["events"] = ev_prep.mapping.to_dict()
    return ImportReport(
        dataset=dataset, sources=sources, mappings=mappings, formats=formats,
        counts=built.counts, amounts=built.amounts, currency=ord_prep.currency,
        rejected=summaries,
        warnings=ord_prep.warnings + (ev_prep.warnings if ev_prep else []) + built.warnings,
        notes=ord_notes + ev_notes, capabilities=caps, limitations=limitations(caps),
        ids_kept=built.id_kept,
        tables={k: v.num_rows for k, v in built.tables.items()},
    )  # fmt: skip


def _meta(report: ImportReport, shown: str) -> dict[str, Any]:
    """The dataset's meta rows: where it came from, how it was mapped, what it supports."""
    sources = report.sources
    return {
        "kind": "imported",
        "source": shown if len(sources) == 1 else [s["name"] for s in sources],
        "sources": sources,
        "mapping": report.mappings,
        "capabilities": report.capabilities,
        "limitations": report.limitations,
        "currency": report.currency,
        "guest_user_ids": "user_id < 0 = an order without customer id (its own anonymous buyer)",
        "report": _meta_report(report),
        "created": dt.datetime.now().isoformat(timespec="microseconds"),
    }


def _scaled(say: Progress, lo: float, hi: float) -> Progress:
    return lambda step, frac: say(step, lo + (hi - lo) * frac)


def _read(path: str | Path, mapping: Mapping | None, kind: str, shown: str, say: Progress,
          stream: bool) -> tuple[derive.FileRows, Prepared, list[str]]:  # fmt: skip
    pv = open_preview(path, mapping, shown)
    if mapping is None:
        mapping = suggest(pv, kind)
    elif not mapping.columns and mapping.kind == kind:  # options only: suggest the columns
        mapping = Mapping(kind, suggest(pv, kind).columns, dict(mapping.options))
    elif mapping.kind != kind:
        raise IngestError(f"the mapping is for {mapping.kind} but the file is used as {kind}",
                          file=shown)  # fmt: skip
    prep = prepare(pv, mapping)
    table, notes = read_table(pv.info, prep.types, prep.ts_formats, say if stream else None)
    say("parsing values", 1.0)
    try:
        fr = derive.parse_file(kind, shown, table, mapping, prep.date_formats, prep.decimals)
    except pa.ArrowException as e:
        raise IngestError(f"cannot be read: {e}", file=shown) from None
    return fr, prep, notes


def _source(prep: Prepared, rows: int) -> dict[str, Any]:
    info = prep.preview.info
    d = {k: v for k, v in info.to_dict().items() if k not in ("path", "columns", "sheets")}
    d["rows"] = rows
    d["columns"] = info.columns
    return d


def _meta_report(report: ImportReport) -> dict[str, Any]:
    """The report stored in the dataset's meta (examples trimmed to keep it small)."""
    d = report.to_dict()
    for r in d["rejected"]:
        r["examples"] = r["examples"][:3]
    return {k: d[k] for k in ("counts", "amounts", "currency", "formats", "rejected",
                              "warnings", "notes", "ids_kept", "tables", "seconds")}  # fmt: skip
