"""Reading an export: recognise the format, the text encoding, the delimiter and the header row,
show a preview, and read the whole file into an Arrow table.

CSV/TSV/TXT (optionally gzip-compressed) is read with ``pyarrow.csv`` (multi-threaded, typed
columns where the mapping asks for them, strings elsewhere); Parquet with ``pyarrow.parquet``;
Excel (.xlsx, .xlsm, .xls, .xlsb, .ods) with ``python-calamine``. Every table gets a ``_row``
column: the 1-based data row (row 1 = the first row under the header).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from omni_core.ingest.errors import IngestError

SAMPLE_BYTES = 512 * 1024
PREVIEW_ROWS = 2000
DELIMITERS = (",", "\t", ";", "|")
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".dat", ".gz"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
ROW = "_row"
PROGRESS_SECONDS = 0.1  # how often a streaming read reports progress
Progress = Callable[[str, float], None]

# Magic numbers of files that are not tables (the first bytes say what they are).
_NOT_TABLES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"MZ", "a Windows executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"BM", "a BMP image"),
    (b"RIFF", "a RIFF media file (WAV/AVI/WebP)"),
    (b"\x1a\x45\xdf\xa3", "a Matroska/WebM video"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"ID3", "an MP3 audio file"),
)


@dataclass
class SourceInfo:
    """How a file is read: format, encoding, delimiter, header position, sheet."""

    path: str
    name: str
    format: str  # csv | parquet | excel
    size_bytes: int
    encoding: str | None = None
    delimiter: str | None = None
    compression: str | None = None
    header_line: int = 1  # physical line (CSV) or sheet row (Excel) of the header
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    multiline: bool = False  # quoted values contain line breaks (slower parsing needed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass
class Preview:
    """The first rows of a file as strings, for mapping suggestions and the Data page."""

    info: SourceInfo
    rows: list[list[str]]  # up to PREVIEW_ROWS data rows, one string per column
    complete: bool  # the preview holds the whole file

    def frame(self, n: int = 20) -> Any:
        """A pandas frame of the first ``n`` rows (strings)."""
        import pandas as pd

        return pd.DataFrame(self.rows[:n], columns=self.info.columns)

    def column_values(self, column: str) -> list[str]:
        """The preview's values of one column (strings, '' for empty)."""
        i = self.info.columns.index(column)
        return [r[i] if i < len(r) else "" for r in self.rows]


# ---------------------------------------------------------------------------------------- sniffing
def detect_format(path: str | Path) -> tuple[str, str | None]:
    """``(format, compression)`` from the file's first bytes (the name only breaks ties).

    Raises ``IngestError`` for a missing or empty file and for files that are not tables.
    """
    p = Path(path)
    if not p.exists():
        raise IngestError("file not found", file=str(p))
    if p.is_dir():
        raise IngestError("is a folder, not a file", file=p.name)
    size = p.stat().st_size
    if size == 0:
        raise IngestError("the file is empty (0 bytes)", file=p.name,
                          expected="a CSV, Parquet or Excel table with a header row")  # fmt: skip
    with open(p, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PAR1"):
        return "parquet", None
    if head.startswith(b"\x1f\x8b"):
        return "csv", "gzip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "excel", None  # OLE2: .xls
    if head.startswith(b"PK\x03\x04"):
        if p.suffix.lower() in EXCEL_SUFFIXES or b"xl/" in head or b"[Content_Types]" in head:
            return "excel", None
        if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head:
            return "excel", None
        raise IngestError("is a ZIP archive, not a table", file=p.name,
                          hint="unzip it and import the CSV/Excel file inside")  # fmt: skip
    for magic, what in _NOT_TABLES:
        if head.startswith(magic):
            raise IngestError(f"is {what}, not a table", file=p.name,
                              expected="a CSV, Parquet or Excel file")  # fmt: skip
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError("is a binary file, not a text table", file=p.name,
                          expected="a CSV, Parquet or Excel file")  # fmt: skip
    return "csv", None


def detect_encoding(raw: bytes, complete: bool, name: str = "") -> str:
    """The text encoding of a CSV sample: BOM, else UTF-8, else GB18030 (GBK), else a best guess."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        if not complete and e.start >= len(raw) - 3 and "end of data" in e.reason:
            return "utf-8"
    cut = raw if complete else raw[: raw.rfind(b"\n") + 1 or len(raw)]
    try:
        text = cut.decode("gb18030")
        non_ascii = [c for c in text if ord(c) > 127]
        cjk = sum(1 for c in non_ascii if "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
        if non_ascii and cjk / len(non_ascii) >= 0.6:
            return "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(cut).best()
    if best is not None and best.encoding:
        return str(best.encoding)
    raise IngestError("cannot tell the text encoding", file=name,
                      expected="UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16 or Windows-1252",
                      hint="set 'encoding' in the mapping")  # fmt: skip


def _check_decodes(raw: bytes, encoding: str, complete: bool, name: str) -> str:
    """Decode a sample in ``encoding`` or say exactly where it stops being that encoding."""
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return dec.decode(raw, final=complete)
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        bad = raw[e.start : e.start + 4]
        raise IngestError(f"is not valid {encoding} text: byte {bad[:1].hex()} at byte offset "
                          f"{e.start:,}", file=name, line=line, value=bad.decode("latin-1"),
                          expected=f"{encoding} text",
                          hint=_encoding_hint(raw, encoding)) from None  # fmt: skip


def _encoding_hint(raw: bytes, tried: str) -> str:
    for enc in ("utf-8", "gb18030", "utf-16", "cp1252"):
        if enc == tried:
            continue
        try:
            raw.decode(enc)
            return f"it reads as {enc}: set 'encoding' to {enc} (or leave it empty to detect it)"
        except UnicodeDecodeError:
            continue
    return "set 'encoding' in the mapping to the file's encoding"


def sniff_delimiter(text: str) -> str:
    """The delimiter whose field count is the most consistent across the sample's lines."""
    lines = text.splitlines()[:400]
    best, best_key = ",", (-1.0, 0)
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d) if r]
        except csv.Error:
            continue
        if not counts:
            continue
        modal, n = Counter(counts).most_common(1)[0]
        if modal < 2:
            continue
        key = (n / len(counts), modal)
        if key > best_key:
            best, best_key = d, key
    return best


def _header_index(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the first row as wide as most rows, mostly filled."""
    widths = [len(r) for r in rows[:200] if any(c.strip() for c in r)]
    if not widths:
        return 0
    modal = Counter(widths).most_common(1)[0][0]
    for i, r in enumerate(rows[:50]):
        filled = sum(1 for c in r if c.strip())
        if len(r) == modal and filled >= max(1, (modal + 1) // 2):
            return i
    return 0


def clean_names(names: list[Any]) -> list[str]:
    """Column names: trimmed, BOM removed, empty → ``column_N``, duplicates → ``name (2)``."""
    out: list[str] = []
    seen: Counter[str] = Counter()
    for i, n in enumerate(names):
        s = "" if n is None else str(n).replace("\ufeff", "").strip()
        s = re.sub(r"\s+", " ", s) or f"column_{i + 1}"
        seen[s] += 1
        out.append(s if seen[s] == 1 else f"{s} ({seen[s]})")
    return out


def _read_head(path: Path, compression: str | None) -> tuple[bytes, bool]:
    if compression == "gzip":
        with gzip.open(path, "rb") as fh:
            try:
                raw = fh.read(SAMPLE_BYTES + 1)
            except (OSError, EOFError) as e:
                raise IngestError(f"is a damaged gzip file ({e})", file=path.name) from None
    else:
        with open(path, "rb") as fh:
            raw = fh.read(SAMPLE_BYTES + 1)
    complete = len(raw) <= SAMPLE_BYTES
    return raw[:SAMPLE_BYTES], complete


def preview(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
    sheet: str | None = None,
    name: str | None = None,
) -> Preview:
    """Sniff a file and return its first rows as strings (format, encoding, delimiter, header)."""
    p = Path(path)
    shown = name or p.name
    fmt, compression = detect_format(p)
    info = SourceInfo(str(p), shown, fmt, p.stat().st_size, compression=compression)
    try:
        if fmt == "parquet":
            return _preview_parquet(p, info)
        if fmt == "excel":
            return _preview_excel(p, info, sheet, header_row)
        return _preview_csv(p, info, encoding, delimiter, header_row)
    except IngestError as e:
        raise e.with_file(shown) from None


def _preview_csv(
    p: Path, info: SourceInfo, encoding: str | None, delimiter: str | None, header_row: int | None
) -> Preview:
    raw, complete = _read_head(p, info.compression)
    enc = encoding or detect_encoding(raw, complete, info.name)
    try:
        codecs.lookup(enc)
    except LookupError:
        raise IngestError(f"unknown text encoding {enc!r}", file=info.name,
                          expected="e.g. utf-8, gb18030, gbk, utf-16, cp1252") from None  # fmt: skip
    text = _check_decodes(raw, enc, complete, info.name)
    if not complete:
        text = text[: text.rfind("\n") + 1] or text
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise IngestError("has no text (only blank lines)", file=info.name,
                          expected="a header row and data rows")  # fmt: skip
    delim = delimiter or sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delim, strict=False))
    except csv.Error as e:
        raise IngestError(f"cannot be read as a delimited table ({e})", file=info.name) from None
    rows = [r for r in rows if any(c.strip() for c in r)] if header_row is None else rows
    h = (header_row - 1) if header_row else _header_index(rows)
    if h >= len(rows):
        raise IngestError(f"has no row {h + 1} to use as the header", file=info.name)
    info.encoding = "utf-8" if enc in ("utf-8", "utf-8-sig") else enc
    info.delimiter = delim
    info.columns = clean_names(rows[h])
    info.header_line = _physical_line(text, delim, rows[h]) if header_row is None else header_row
    data = [_pad(r, len(info.columns)) for r in rows[h + 1 : h + 1 + PREVIEW_ROWS]]
    info.multiline = any("\n" in c or "\r" in c for r in rows for c in r)
    if len(info.columns) < 2 and not data:
        raise IngestError("does not look like a table: one column and no data rows",
                          file=info.name, value=text[:60],
                          expected="a header row and data rows separated by , ; tab or |")  # fmt: skip
    return Preview(info, data, complete and len(rows) - h - 1 <= PREVIEW_ROWS)


def _physical_line(text: str, delim: str, header: list[str]) -> int:
    reader = csv.reader(io.StringIO(text), delimiter=delim, strict=False)
    for r in reader:
        if r == header:
            return reader.line_num
    return 1


def _pad(r: list[str], n: int) -> list[str]:
    return (r + [""] * n)[:n] if len(r) != n else r


def _preview_parquet(p: Path, info: SourceInfo) -> Preview:
    try:
        pf = pq.ParquetFile(p)
        first = next(pf.iter_batches(batch_size=PREVIEW_ROWS), None)
    except (pa.ArrowException, OSError) as e:
        raise IngestError(f"is not a readable Parquet file ({e})", file=info.name) from None
    info.columns = clean_names(pf.schema_arrow.names)
    if first is None:
        return Preview(info, [], True)
    cols = [_strings(first.column(i)) for i in range(first.num_columns)]
    rows = [list(r) for r in zip(*cols, strict=True)]
    return Preview(info, rows, pf.metadata.num_rows <= PREVIEW_ROWS)


def _strings(arr: pa.Array) -> list[str]:
    return ["" if v is None else _cell(v) for v in arr.to_pylist()]


def _cell(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _excel_rows(p: Path, info: SourceInfo, sheet: str | None) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(p))
    except Exception as e:  # calamine raises its own error types for damaged workbooks
        raise IngestError(f"is not a readable Excel workbook ({e})", file=info.name) from None
    info.sheets = list(wb.sheet_names)
    if not info.sheets:
        raise IngestError("has no worksheet", file=info.name)
    if sheet is not None and sheet not in info.sheets:
        raise IngestError(f"has no sheet {sheet!r}", file=info.name,
                          expected=f"one of {info.sheets}")  # fmt: skip
    name = sheet or info.sheets[0]
    info.sheet = name
    try:
        return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as e:
        raise IngestError(f"sheet {name!r} cannot be read ({e})", file=info.name) from None


def _preview_excel(p: Path, info: SourceInfo, sheet: str | None, header_row: int | None) -> Preview:
    rows = _excel_rows(p, info, sheet)
    srows = [[_excel_cell(v) for v in r] for r in rows]
    nonblank = [i for i, r in enumerate(srows) if any(c.strip() for c in r)]
    if not nonblank:
        raise IngestError(f"sheet {info.sheet!r} is empty", file=info.name)
    if header_row:
        h = header_row - 1
    else:
        h = nonblank[_header_index([srows[i] for i in nonblank])]
    if h >= len(srows):
        raise IngestError(f"sheet {info.sheet!r} has no row {h + 1} to use as the header",
                          file=info.name)  # fmt: skip
    info.columns = clean_names(srows[h])
    info.header_line = h + 1
    data = [_pad(r, len(info.columns)) for r in srows[h + 1 : h + 1 + PREVIEW_ROWS]]
    return Preview(info, data, len(srows) - h - 1 <= PREVIEW_ROWS)


def _excel_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat(sep=" ") if hasattr(v, "hour") and hasattr(v, "day") else v.isoformat()
    return str(v)


# ---------------------------------------------------------------------------------------- reading
def read_table(
    info: SourceInfo,
    types: dict[str, str] | None = None,
    timestamp_formats: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> tuple[pa.Table, list[str]]:
    """Read the whole file: ``(table with _row, notes)``.

    ``types`` asks for typed columns (``timestamp`` or ``number``); a column whose values do not
    all convert is read as text instead (the importer then parses it row by row and reports each
    row it cannot read). ``timestamp_formats`` gives a strptime format per timestamp column.
    ``progress`` gets the share of a CSV file's bytes read, every ``PROGRESS_SECONDS``.
    """
    try:
        if info.format == "parquet":
            table = _read_parquet(info)
            notes: list[str] = []
        elif info.format == "excel":
            table, notes = _read_excel(info)
        else:
            table, notes = _read_csv(info, types or {}, timestamp_formats or {}, progress)
    except IngestError as e:
        raise e.with_file(info.name) from None
    if table.num_rows == 0:
        raise IngestError("has a header but no data rows", file=info.name,
                          expected="at least one data row under the header")  # fmt: skip
    rows = pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    return table.append_column(ROW, rows), notes


def _read_csv(
    info: SourceInfo,
    types: dict[str, str],
    formats: dict[str, str],
    progress: Progress | None,
) -> tuple[pa.Table, list[str]]:
    names = info.columns
    wanted = {c: k for c, k in types.items() if c in names}
    notes: list[str] = []
    multiline = info.multiline
    while True:
        col_types = {c: pa.dictionary(pa.int32(), pa.string()) for c in names}
        parsers: list[Any] = [pacsv.ISO8601]
        for c, k in wanted.items():
            if k == "number":
                col_types[c] = pa.float64()
            elif k == "timestamp":
                col_types[c] = pa.timestamp("us")
                if formats.get(c) and formats[c] not in parsers:
                    parsers.append(formats[c])
        invalid: list[Any] = []
        try:
            table = _read_csv_once(info, col_types, parsers, invalid, progress, multiline)
        except pa.ArrowInvalid as e:
            m = re.search(r"In CSV column #(\d+): CSV conversion error to (\w+)", str(e))
            if m and names[int(m.group(1))] in wanted:
                col = names[int(m.group(1))]
                del wanted[col]
                notes.append(f"column {col!r} has values that are not plain {m.group(2)}: read "
                             "as text and parsed row by row")  # fmt: skip
                continue
            raise _csv_error(info, e) from None
        if invalid and not multiline:
            multiline = True  # a quoted value with a line break further down the file
            continue
        if invalid:
            raise _structure_error(info, invalid)
        return table, notes


def _read_csv_once(
    info: SourceInfo,
    col_types: dict[str, pa.DataType],
    parsers: list[Any],
    invalid: list[Any],
    progress: Progress | None,
    multiline: bool,
) -> pa.Table:
    def on_invalid(row: Any) -> str:
        invalid.append(row)
        return "skip"

    enc = info.encoding or "utf-8"
    read_opts = pacsv.ReadOptions(
        column_names=info.columns,
        skip_rows=info.header_line,
        encoding="utf8" if enc.replace("-", "").lower() in ("utf8", "utf8sig") else enc,
        block_size=4 << 20,
    )
    parse_opts = pacsv.ParseOptions(
        delimiter=info.delimiter or ",",
        newlines_in_values=multiline,
        invalid_row_handler=on_invalid,
    )
    conv = pacsv.ConvertOptions(
        column_types=col_types,
        timestamp_parsers=parsers,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[""],
    )
    if progress is None:
        src: Any = Path(info.path)
        if info.compression == "gzip":
            src = pa.CompressedInputStream(pa.OSFile(info.path), "gzip")
        return pacsv.read_csv(src, read_options=read_opts, parse_options=parse_opts,
                              convert_options=conv)  # fmt: skip
    # The multi-threaded reader runs in a worker thread; this thread reports the share of the
    # file's bytes read meanwhile (Streamlit's progress bar must be updated from the script's own
    # thread).
    raw = pa.OSFile(info.path)
    size = max(info.size_bytes, 1)
    stream: Any = raw if info.compression != "gzip" else pa.CompressedInputStream(raw, "gzip")
    out: dict[str, Any] = {}

    def work() -> None:
        try:
            out["table"] = pacsv.read_csv(stream, read_options=read_opts,
                                          parse_options=parse_opts, convert_options=conv)  # fmt: skip
        except BaseException as e:  # re-raised in the caller's thread
            out["error"] = e

    worker = threading.Thread(target=work, name="omni-csv-read", daemon=True)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(PROGRESS_SECONDS)
            progress("reading", min(raw.tell() / size, 1.0))
    finally:
        worker.join()
        raw.close()
    if "error" in out:
        raise out["error"]
    return out["table"]


def _csv_error(info: SourceInfo, e: Exception) -> IngestError:
    msg = str(e)
    m = re.search(r"In CSV column #(\d+)", msg)
    col = info.columns[int(m.group(1))] if m and int(m.group(1)) < len(info.columns) else None
    if "invalid UTF8" in msg or "codec can't decode" in msg or "decode" in msg.lower():
        line, offset, bad = _first_undecodable_line(info)
        return IngestError(f"is not valid {info.encoding} text"
                           + (f": byte 0x{bad} at byte offset {offset:,}" if bad else ""),
                           file=info.name, line=line, column=col,
                           expected=f"{info.encoding} text throughout the file",
                           hint="the file mixes encodings or is damaged; save it again as UTF-8 "
                                "or set 'encoding' in the mapping")  # fmt: skip
    return IngestError(f"cannot be read as a table: {msg}", file=info.name, column=col)


def _first_undecodable_line(info: SourceInfo) -> tuple[int | None, int, str]:
    dec = codecs.getincrementaldecoder(info.encoding or "utf-8")(errors="strict")
    opener: Any = gzip.open if info.compression == "gzip" else open
    line, offset = 1, 0
    with opener(info.path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as e:
                return (
                    line + chunk[: e.start].count(b"\n"),
                    offset + e.start,
                    chunk[e.start : e.start + 1].hex(),
                )
            line += chunk.count(b"\n")
            offset += len(chunk)
    return None, 0, ""


def _structure_error(info: SourceInfo, invalid: list[Any]) -> IngestError:
    first = invalid[0]
    text = str(first.text)
    line = _find_line(info, text.split("\n", 1)[0])
    n_lines = _count_lines(info)
    last = line is not None and n_lines is not None and line >= n_lines
    truncated = last or (text.count('"') % 2 == 1)
    what = f"expected {first.expected_columns} fields, found {first.actual_columns}"
    if truncated:
        problem = f"the file looks truncated: its last row is incomplete ({what})"
        hint = "export or download the file again; nothing was imported"
    else:
        problem = (f"{len(invalid):,} row(s) have the wrong number of fields ({what} in the first "
                   "one)")  # fmt: skip
        hint = ("check the delimiter and the quoting (a value containing the delimiter must be "
                "quoted); nothing was imported")  # fmt: skip
    return IngestError(problem, file=info.name, line=line, value=text,
                       expected=f"{first.expected_columns} fields separated by "
                                f"{info.delimiter!r}", hint=hint)  # fmt: skip


def _decoded_lines(info: SourceInfo) -> Any:
    opener: Any = gzip.open if info.compression == "gzip" else open
    with opener(info.path, "rt", encoding=info.encoding or "utf-8", errors="replace",
                newline="") as fh:  # fmt: skip
        yield from fh


def _find_line(info: SourceInfo, first_line: str) -> int | None:
    target = first_line.rstrip("\r\n")
    for i, line in enumerate(_decoded_lines(info), start=1):
        if i > info.header_line and line.rstrip("\r\n").lstrip("\ufeff") == target:
            return i
    return None


def _count_lines(info: SourceInfo) -> int | None:
    n = 0
    last = ""
    for line in _decoded_lines(info):
        n += 1
        last = line
    return n if last.strip() else n - 1


def _read_parquet(info: SourceInfo) -> pa.Table:
    try:
        table = pq.read_table(info.path)
    except (pa.ArrowException, OSError) as e:
        raise IngestError(f"is not a readable Parquet file ({e})", file=info.name) from None
    table = table.rename_columns(info.columns)
    cols = []
    for col in table.columns:
        t = col.type
        if pa.types.is_dictionary(t):
            col = col.cast(t.value_type)
        elif pa.types.is_timestamp(t) and t.tz is not None:
            col = _to_shanghai_naive(col)
        elif pa.types.is_nested(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
            col = pa.chunked_array(
                [pa.array([None if v is None else str(v) for v in col.to_pylist()], pa.string())]
            )
        cols.append(col)
    return pa.table(cols, names=info.columns)


def _to_shanghai_naive(col: pa.ChunkedArray) -> pa.ChunkedArray:
    import pyarrow.compute as pc

    t = col.type
    return pc.local_timestamp(col.cast(pa.timestamp(t.unit, tz="Asia/Shanghai")))


def _read_excel(info: SourceInfo) -> tuple[pa.Table, list[str]]:
    rows = _excel_rows(Path(info.path), info, info.sheet)
    data = rows[info.header_line :]
    while data and all(v is None or (isinstance(v, str) and not v.strip()) for v in data[-1]):
        data.pop()
    n = len(info.columns)
    cols = [[(r[i] if i < len(r) else None) for r in data] for i in range(n)]
    arrays = [_excel_column(c) for c in cols]
    return pa.table(arrays, names=info.columns), []


def _excel_column(values: list[Any]) -> pa.Array:
    import datetime as dt

    present = [v for v in values if v is not None and not (isinstance(v, str) and v == "")]
    if present and all(isinstance(v, dt.datetime | dt.date) for v in present):
        conv = [None if v is None or v == "" else (v if isinstance(v, dt.datetime)
                else dt.datetime(v.year, v.month, v.day)) for v in values]  # fmt: skip
        return pa.array(conv, pa.timestamp("us"))
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None or v == "" else float(v) for v in values], pa.float64())
    return pa.array([None if v is None or v == "" else _excel_cell(v) for v in values], pa.string())
