"""Bring your own data: import real order and event exports (CSV, Parquet, Excel).

Reading (``read``: format, encoding, delimiter, header), column mapping (``mapping``: suggestions
from Chinese and English names, JSON files), value parsing (``values``: dates, amounts, ids),
validation and derivation (``derive``: duplicates, cancellations, orders, buyers, SKUs, returns,
events), the report and capabilities (``report``) and the one-transaction load (``load``).

Typical use::

    from omni_core.ingest import import_files, Mapping
    report = import_files(wh, "orders.csv", mapping=Mapping.load("tmall.json"), name="tmall_2024")
    print(report.text())
"""

from omni_core.ingest.errors import IngestError
from omni_core.ingest.fields import EVENT_FIELDS, ORDER_FIELDS, field_doc, fields, schema_markdown
from omni_core.ingest.load import default_name, import_files, open_preview, prepare, suggest
from omni_core.ingest.mapping import DEFAULT_OPTIONS, Mapping, suggest_mapping
from omni_core.ingest.read import Preview, SourceInfo, preview
from omni_core.ingest.report import CAPABILITIES, ImportReport, capabilities, describe, limitations

__all__ = [
    "CAPABILITIES",
    "DEFAULT_OPTIONS",
    "EVENT_FIELDS",
    "ORDER_FIELDS",
    "ImportReport",
    "IngestError",
    "Mapping",
    "Preview",
    "SourceInfo",
    "capabilities",
    "default_name",
    "describe",
    "field_doc",
    "fields",
    "import_files",
    "limitations",
    "open_preview",
    "prepare",
    "preview",
    "schema_markdown",
    "suggest",
    "suggest_mapping",
]
