"""The warehouse: open/create it, write worlds and datasets transactionally, run Ibis expressions.

A warehouse is addressed by a URL: ``duckdb:///path/to/file.duckdb`` (the default, a file under
``$OMNI_DATA_DIR`` or ``./data``), ``duckdb://:memory:``, or another engine's URL (e.g.
``pyspark://local[2]``, ``clickhouse://…``; opened by ``omni_core.backends``) for the metrics
layer. ``OMNI_WAREHOUSE`` overrides the default URL. Each dataset (the demo world, a generated
world, an imported export) lives in its own DuckDB schema (a database on Spark), so the app can
switch between them and an import never touches another dataset.

Operational state (the alert log, alert rules, saved scenarios: small, row-by-row, transactional)
lives in the dataset's DuckDB schema; on other engines in a local DuckDB file beside them (see
``Warehouse.state``), and the live stream's appends are batched (see ``Warehouse.append``).

Everything above this module sees only Ibis tables and pandas frames: pages and models do not know
which engine answered. DuckDB connections are not thread-safe, so each thread gets its own cursor.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from omni_core import backends
from omni_core.schema import ENUMS, TABLE_BY_NAME, TABLES, enum_ddl

DEFAULT_DATASET = "world"
SQL_CACHE_SIZE = 512  # compiled queries kept per warehouse (see Warehouse.query)
LOAD_BATCH_ROWS = 122_880  # Arrow batch size of bulk loads: one DuckDB row group
META_TABLE = "_meta"
_IDENT = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def default_data_dir() -> Path:
    """Folder for the default warehouse file (``$OMNI_DATA_DIR`` or ``./data``)."""
    return Path(os.environ.get("OMNI_DATA_DIR", "data"))


def default_url() -> str:
    """The warehouse URL used when none is given (``$OMNI_WAREHOUSE`` overrides)."""
    env = os.environ.get("OMNI_WAREHOUSE")
    if env:
        return env
    return f"duckdb:///{(default_data_dir() / 'omni.duckdb').resolve()}"


def check_dataset_name(name: str) -> str:
    """Validate a dataset name (a lowercase identifier) with a clear error."""
    if not isinstance(name, str) or not _IDENT.match(name):
        raise ValueError(
            f"dataset name {name!r} must start with a letter and contain only lowercase "
            "letters, digits and underscores (at most 63 characters)"
        )
    if name in {"main", "information_schema", "pg_catalog", "temp"}:
        raise ValueError(f"dataset name {name!r} is reserved")
    return name


class Warehouse:
    """A handle on one warehouse; cheap to share across threads (one cursor per thread)."""

    def __init__(self, url: str | None = None, *, read_only: bool = False) -> None:
        self.url = url or default_url()
        self.read_only = read_only
        self._local = threading.local()
        self._lock = threading.RLock()
        if self.url.startswith("duckdb://"):
            path = self.url[len("duckdb://") :]
            if path.startswith("/") and path != "/:memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                self.path: str = path
            else:
                self.path = ":memory:"
            self.engine = "duckdb"
            self._con = duckdb.connect(self.path, read_only=read_only)
            self._con.execute("SET enable_progress_bar = false")
            self._ensure_types()
        else:
            self.engine = self.url.split(":", 1)[0]
            self.path = ""
            self._con = None
            self._backend = backends.connect(self.url)
        self._state: duckdb.DuckDBPyConnection | None = None
        self._generation = 0  # bumped by every dataset write or drop (see table)
        self._sql_cache: OrderedDict[tuple, tuple[str, Any, bool]] = OrderedDict()  # see query
        self._sql_lock = threading.Lock()
        # Appends on engines other than DuckDB are queued and written in batches (see append).
        self.flush_seconds = float(os.environ.get("OMNI_APPEND_FLUSH_SECONDS", "15"))
        self._queue: dict[tuple[str, str], list[pa.Table]] = {}
        self._queued_at: float | None = None

    # ------------------------------------------------------------------ connections
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """This thread's DuckDB cursor (DuckDB warehouses only)."""
        if self._con is None:
            raise RuntimeError(f"{self.engine} warehouse has no DuckDB connection")
        cur = getattr(self._local, "con", None)
        if cur is None:
            cur = self._con.cursor()
            cur.execute("SET enable_progress_bar = false")
            self._local.con = cur
        return cur

    @property
    def backend(self) -> ibis.BaseBackend:
        """This thread's Ibis backend."""
        if self._con is None:
            return self._backend
        be = getattr(self._local, "backend", None)
        if be is None:
            be = ibis.duckdb.from_connection(self.con)
            self._local.backend = be
        return be

    @property
    def state(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the operational state store (alert log, rules, scenarios).

        DuckDB warehouses keep state in the dataset's own schema (``self.con``). Other engines
        are built for scans, not for row-level transactional updates, so their state lives in a
        local DuckDB file ``<data dir>/state/<engine>-<url hash>.duckdb`` with one schema per
        dataset (create it with ``state_schema``).
        """
        if self._con is not None:
            return self.con
        cur = getattr(self._local, "state", None)
        if cur is None:
            with self._lock:
                if self._state is None:
                    folder = default_data_dir() / "state"
                    folder.mkdir(parents=True, exist_ok=True)
                    digest = hashlib.sha256(self.url.encode()).hexdigest()[:12]
                    path = folder / f"{self.engine}-{digest}.duckdb"
                    self._state = duckdb.connect(str(path), read_only=self.read_only)
            cur = self._state.cursor()
            self._local.state = cur
        return cur

    def state_schema(self, dataset: str) -> str:
        """The quoted schema of a dataset's state tables (created in the side store if needed)."""
        check_dataset_name(dataset)
        if self._con is None and not self.read_only:
            self.state.execute(f'CREATE SCHEMA IF NOT EXISTS "{dataset}"')
        return f'"{dataset}"'

    def state_tables(self, dataset: str) -> list[str]:
        """State tables present for a dataset (in the dataset itself on DuckDB)."""
        if self._con is not None:
            return self.table_names(dataset)
        rows = self.state.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY 1", [dataset]
        ).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        """Close the underlying connection (queued appends are written first)."""
        if self._con is None and self._queue:
            self.flush()
        if self._con is not None:
            self._con.close()
        if self._state is not None:
            self._state.close()

    def _ensure_types(self) -> None:
        if self.read_only:
            return
        existing = {r[0] for r in self._con.execute(
            "SELECT type_name FROM duckdb_types() WHERE schema_name = 'main'").fetchall()}  # fmt: skip
        for name, stmt in zip(ENUMS, enum_ddl(), strict=True):
            if name not in existing:
                self._con.execute(stmt)

    # ------------------------------------------------------------------ reading
    def table(self, name: str, dataset: str = DEFAULT_DATASET) -> ibis.Table:
        """An Ibis table of a dataset (remembered per thread until this handle rewrites data).

        Looking a table up reads its schema from the catalog (~10 ms on DuckDB); a metric over
        five tables paid that on every call. The cache is dropped whenever this warehouse
        writes or drops a dataset (``_generation``); appends keep the schema and the cache.
        """
        if self._con is None:
            return backends.table(self.backend, name, dataset)
        cache = getattr(self._local, "tables", None)
        if cache is None or cache[0] != self._generation:
            cache = (self._generation, {})
            self._local.tables = cache
        key = (dataset, name)
        t = cache[1].get(key)
        if t is None:
            t = cache[1][key] = self.backend.table(name, database=dataset)
        return t

    def tables(self, dataset: str = DEFAULT_DATASET) -> Tables:
        """Attribute access to a dataset's tables (``wh.tables().orders``)."""
        return Tables(self, dataset)

    def query(self, expr: ibis.Expr) -> pd.DataFrame:
        """Execute an Ibis expression and return a pandas frame.

        On DuckDB the expression's SQL is compiled once and kept (keyed by the expression's
        structure, for the warehouse's current tables): the board, the pages and the metric
        layer ask the same questions again and again, and Ibis's compile costs tens of ms where
        DuckDB answers in a few. The result is converted exactly as Ibis's ``execute`` does.
        """
        if self._con is None:
            return self.backend.execute(expr)
        be = self.backend
        table_expr = expr.as_table()
        key = (self._generation, table_expr.op())
        with self._sql_lock:
            hit = self._sql_cache.get(key)
            if hit is not None:
                self._sql_cache.move_to_end(key)
        if hit is None:
            memtables = bool(table_expr.op().find(ibis.expr.operations.InMemoryTable))
            hit = (be.compile(table_expr), table_expr.schema(), memtables)
            with self._sql_lock:
                self._sql_cache[key] = hit
                while len(self._sql_cache) > SQL_CACHE_SIZE:
                    self._sql_cache.popitem(last=False)
        sql, schema, memtables = hit
        if memtables:  # registers the in-memory tables on this thread's cursor, as execute does
            be._run_pre_execute_hooks(expr)
        table = self.con.execute(sql).fetch_arrow_table()
        return expr.__pandas_result__(_ibis_frame(table, schema))

    def sql(self, query: str, params: Iterable[Any] | None = None) -> pd.DataFrame:
        """Run raw SQL on DuckDB (benchmarks, tests and admin only; pages use ``query``)."""
        return self.con.execute(query, params or []).df()

    def datasets(self) -> list[str]:
        """Names of the datasets (schemas holding a meta table)."""
        if self._con is None:
            return backends.list_datasets(self.backend)
        return _dataset_names(self.con)

    def has_dataset(self, dataset: str) -> bool:
        """Whether a dataset exists."""
        return dataset in self.datasets()

    def table_names(self, dataset: str = DEFAULT_DATASET) -> list[str]:
        """Tables present in a dataset (meta table excluded)."""
        if self._con is None:
            return [t for t in backends.table_names(self.backend, dataset) if t != META_TABLE]
        return [t for t in self.backend.list_tables(database=dataset) if t != META_TABLE]

    def meta(self, dataset: str = DEFAULT_DATASET) -> dict[str, Any]:
        """The dataset's metadata (kind, parameters, source, created)."""
        check_dataset_name(dataset)
        if self._con is None:
            return backends.read_meta(self.backend, dataset)
        rows = self.con.execute(f'SELECT key, value FROM "{dataset}".{META_TABLE}').fetchall()
        return {k: json.loads(v) for k, v in rows}

    def row_counts(self, dataset: str = DEFAULT_DATASET) -> dict[str, int]:
        """Rows per table of a dataset."""
        return {t: int(self.table(t, dataset).count().execute()) for t in self.table_names(dataset)}

    def checksum(self, dataset: str = DEFAULT_DATASET) -> dict[str, str]:
        """A content hash per table (order-independent), for before/after comparisons."""
        out = {}
        if not self.has_dataset(dataset):
            return out
        for t in self.table_names(dataset):
            h = self.con.execute(
                f'SELECT count(*), coalesce(sum(hash(x)), 0) FROM "{dataset}"."{t}" AS x'
            ).fetchone()
            out[t] = hashlib.sha256(repr(h).encode()).hexdigest()[:16]
        return out

    # ------------------------------------------------------------------ writing
    def write_tables(
        self,
        tables: dict[str, pd.DataFrame | pa.Table],
        dataset: str = DEFAULT_DATASET,
        *,
        meta: dict[str, Any] | None = None,
        replace: bool = True,
    ) -> None:
        """Write tables as a dataset in one transaction: all of them, or nothing on error."""
        with self.writer(dataset, meta=meta, replace=replace) as w:
            for name, df in tables.items():
                w.add(name, df)

    def writer(
        self, dataset: str, *, meta: dict[str, Any] | None = None, replace: bool = True
    ) -> DatasetWriter:
        """A ``with`` block that writes one dataset in one transaction (see ``DatasetWriter``):
        tables handed to ``add`` are inserted while the block goes on preparing the next ones."""
        check_dataset_name(dataset)
        if self.path and Path(self.path).stem == dataset:
            raise ValueError(
                f"dataset name {dataset!r} equals the warehouse file's name: choose another name"
            )
        if self.read_only:
            raise PermissionError("warehouse opened read-only")
        return DatasetWriter(self, dataset, meta, replace)

    def append(self, dataset: str, frames: dict[str, pd.DataFrame | pa.Table]) -> None:
        """Append rows to existing tables of a dataset.

        DuckDB: at once, in one transaction. Other engines (Spark) pay a job per write, so the
        rows are typed and checked now (bad input fails here) and queued; the queue is written
        when its oldest rows are ``flush_seconds`` old (``$OMNI_APPEND_FLUSH_SECONDS``, default
        15) at the next append, or by ``flush()``/``close()``.
        """
        check_dataset_name(dataset)
        if self._con is None:
            typed = backends.typed_arrow(frames, partial=True)
            with self._lock:
                for name, at in typed.items():
                    self._queue.setdefault((dataset, name), []).append(at)
                if self._queued_at is None:
                    self._queued_at = time.monotonic()
                due = time.monotonic() - self._queued_at >= self.flush_seconds
            if due:
                self.flush()
            return
        with self._lock:
            con = self._con
            con.execute("BEGIN TRANSACTION")
            try:
                for name, df in frames.items():
                    cols = ", ".join(f'"{c}"' for c in _columns(name, df))
                    if isinstance(df, pd.DataFrame):  # Arrow registers ~10x faster than pandas
                        df = pa.Table.from_pandas(df, preserve_index=False)
                    con.register("_append_src", df)
                    con.execute(
                        f'INSERT INTO "{dataset}"."{name}" ({cols}) SELECT {cols} FROM _append_src'
                    )
                    con.unregister("_append_src")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def queued_rows(self) -> int:
        """Rows appended but not yet written (engines other than DuckDB)."""
        with self._lock:
            return sum(len(at) for batches in self._queue.values() for at in batches)

    def flush(self) -> int:
        """Write the queued appends, one job per table; returns the rows written.

        A table whose write fails keeps its rows queued (the error is raised after the other
        tables were written), so nothing is lost and nothing is written twice.
        """
        if self._con is not None:
            return 0  # DuckDB appends are written at once
        with self._lock:
            queue, self._queue, self._queued_at = self._queue, {}, None
        written, failed = 0, None
        for (dataset, name), batches in queue.items():
            at = pa.concat_tables(batches)
            try:
                backends.append_tables(self.backend, dataset, {name: at})
                written += len(at)
            except Exception as exc:  # keep the rows for the next flush
                with self._lock:
                    self._queue.setdefault((dataset, name), [])[:0] = batches
                    self._queued_at = self._queued_at or time.monotonic()
                failed = failed or exc
        if failed is not None:
            raise failed
        return written

    def drop_dataset(self, dataset: str) -> None:
        """Remove a dataset and all its tables."""
        check_dataset_name(dataset)
        if self._con is None:
            with self._lock:
                for key in [k for k in self._queue if k[0] == dataset]:
                    del self._queue[key]
            backends.drop_dataset(self.backend, dataset)
            if not self.read_only:
                self.state.execute(f'DROP SCHEMA IF EXISTS "{dataset}" CASCADE')
            return
        with self._lock:
            self._con.execute(f'DROP SCHEMA IF EXISTS "{dataset}" CASCADE')
            self._generation += 1

    @staticmethod
    def _create_and_load(
        con: duckdb.DuckDBPyConnection, dataset: str, name: str, df: pd.DataFrame | pa.Table
    ) -> None:
        """Create one table of a dataset and insert a frame (a schema table: declared types).

        A schema table (and any Arrow table) is handed to DuckDB as Arrow record batches of at
        most one row group (``LOAD_BATCH_ROWS``): DuckDB scans Arrow without copying and over
        several batches in parallel, keeping their order, where a pandas scan runs on one thread
        and converts string columns through Python objects (a 10M-event world: 17 s that way,
        9 s this way, 2 cores; an import's order lines insert about twice as fast as one batch).
        """
        spec = TABLE_BY_NAME.get(name)
        qualified = f'"{dataset}"."{name}"'
        if spec is not None or isinstance(df, pa.Table):
            df = _arrow_batches(df)
        con.register("_load_src", df)
        try:
            if spec is None:
                con.execute(f"CREATE TABLE {qualified} AS SELECT * FROM _load_src")
            else:
                con.execute(spec.ddl(qualified))
                cols = ", ".join(f'"{c}"' for c in spec.names)
                con.execute(f"INSERT INTO {qualified} ({cols}) SELECT {cols} FROM _load_src")
        finally:
            con.unregister("_load_src")

    # ------------------------------------------------------------------ parquet
    def export_parquet(self, folder: str | Path, dataset: str = DEFAULT_DATASET) -> list[Path]:
        """Write every table of a dataset to ``folder/<table>.parquet`` (zstd, deterministic)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for t in self.table_names(dataset):
            at = self.con.execute(f'SELECT * FROM "{dataset}"."{t}"').arrow()
            if isinstance(at, pa.RecordBatchReader):
                at = at.read_all()
            path = folder / f"{t}.parquet"
            write_parquet(at, path)
            out.append(path)
        return out

    def load_parquet(
        self, folder: str | Path, dataset: str = DEFAULT_DATASET, meta: dict[str, Any] | None = None
    ) -> None:
        """Load a folder of ``<table>.parquet`` files (as written by ``export_parquet``)."""
        folder = Path(folder)
        files = sorted(folder.glob("*.parquet"))
        if not files:
            raise FileNotFoundError(f"no .parquet files in {folder}")
        tables = {f.stem: pq.read_table(f) for f in files}
        info = dict(meta or {})
        mfile = folder / "world.json"
        if mfile.exists():
            info.update(json.loads(mfile.read_text(encoding="utf-8")))
        self.write_tables(tables, dataset, meta=info)


class DatasetWriter:
    """Writes one dataset in one transaction while its caller prepares the next tables.

    DuckDB: one worker thread runs the statements in order (BEGIN and the schema, then one
    insert per ``add``) on the warehouse's connection, which the block holds for its duration.
    DuckDB releases the GIL while it inserts, so a large table is written while the caller goes
    on computing in Python. On a clean exit the meta rows are written, the transaction commits
    and the file is checkpointed; on an exception in the block or in an insert it rolls back, so
    the warehouse is exactly as before. Other engines: the tables are collected and written by
    ``backends.write_dataset`` at the end of the block.
    """

    def __init__(
        self, wh: Warehouse, dataset: str, meta: dict[str, Any] | None, replace: bool
    ) -> None:
        self.wh, self.dataset, self.meta, self.replace = wh, dataset, dict(meta or {}), replace
        self.tables: dict[str, pd.DataFrame | pa.Table] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._jobs: list[Future[None]] = []

    def __enter__(self) -> DatasetWriter:
        wh = self.wh
        if wh._con is None:
            return self
        wh._lock.acquire()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="omni-write")
        self._jobs.append(self._pool.submit(self._begin))
        return self

    def add(self, name: str, table: pd.DataFrame | pa.Table) -> None:
        """Write ``table`` as ``name`` (a schema table gets its declared types and columns)."""
        if name in self.tables or name == META_TABLE:
            raise ValueError(f"table {name!r} written twice to dataset {self.dataset!r}")
        self.tables[name] = table
        if self._pool is not None:
            con = self.wh._con
            self._jobs.append(
                self._pool.submit(Warehouse._create_and_load, con, self.dataset, name, table)
            )

    def _begin(self) -> None:
        con = self.wh._con
        con.execute("BEGIN TRANSACTION")
        if self.replace:
            con.execute(f'DROP SCHEMA IF EXISTS "{self.dataset}" CASCADE')
        elif self.dataset in _dataset_names(con):
            raise ValueError(f"dataset {self.dataset!r} already exists")
        con.execute(f'CREATE SCHEMA "{self.dataset}"')

    def _finish(self) -> None:
        con = self.wh._con
        con.execute(f'CREATE TABLE "{self.dataset}".{META_TABLE} (key VARCHAR, value VARCHAR)')
        for k, v in self.meta.items():
            con.execute(
                f'INSERT INTO "{self.dataset}".{META_TABLE} VALUES (?, ?)',
                [k, json.dumps(v, default=str, ensure_ascii=False)],
            )
        con.execute("COMMIT")

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        wh = self.wh
        if self._pool is None:  # another engine: one write at the end
            if exc is None:
                backends.write_dataset(
                    wh.backend, self.tables, self.dataset, meta=self.meta, replace=self.replace
                )
                wh.state.execute(f'DROP SCHEMA IF EXISTS "{self.dataset}" CASCADE')  # as DuckDB's
            return
        con = wh._con
        try:
            failed: BaseException | None = None
            for job in self._jobs:  # in order: after the first failure the rest fail too
                err = job.exception()
                failed = failed or err
            if exc is None and failed is None:
                try:
                    self._pool.submit(self._finish).result()
                except BaseException as e:
                    failed = e
            if exc is not None or failed is not None:
                with contextlib.suppress(duckdb.TransactionException):  # none if BEGIN failed
                    con.execute("ROLLBACK")
            wh._generation += 1
            if exc is None and failed is not None:
                raise failed
            if exc is None:  # committed; folding the log into the file can wait if it must
                with contextlib.suppress(duckdb.TransactionException):
                    con.execute("CHECKPOINT")  # refused while another cursor has a transaction
        finally:
            self._pool.shutdown(wait=True)
            wh._lock.release()


class Tables:
    """Attribute access to the Ibis tables of one dataset."""

    def __init__(self, wh: Warehouse, dataset: str) -> None:
        self._wh = wh
        self._dataset = dataset

    def __getattr__(self, name: str) -> ibis.Table:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._wh.table(name, self._dataset)

    def __getitem__(self, name: str) -> ibis.Table:
        return self._wh.table(name, self._dataset)


def _arrow_batches(df: pd.DataFrame | pa.Table) -> pd.DataFrame | pa.Table:
    """A frame as an Arrow table in batches of at most ``LOAD_BATCH_ROWS`` rows (no copy of the
    data beyond pandas -> Arrow); a pandas frame Arrow cannot type (mixed objects) stays as is."""
    if isinstance(df, pd.DataFrame):
        try:
            df = pa.Table.from_pandas(df, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            return df
    if any(len(b) > LOAD_BATCH_ROWS for b in df.to_batches()):
        df = pa.Table.from_batches(df.to_batches(max_chunksize=LOAD_BATCH_ROWS), df.schema)
    return df


def _dataset_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the datasets a connection sees (schemas holding a meta table)."""
    rows = con.execute(
        "SELECT DISTINCT schema_name FROM duckdb_tables() WHERE table_name = ? "
        "AND database_name = current_database() ORDER BY 1",
        [META_TABLE],
    ).fetchall()
    return [r[0] for r in rows]


def _columns(name: str, df: pd.DataFrame | pa.Table) -> list[str]:
    spec = TABLE_BY_NAME.get(name)
    have = list(df.column_names if isinstance(df, pa.Table) else df.columns)
    return [c for c in spec.names if c in have] if spec else have


def write_parquet(table: pa.Table, path: str | Path) -> None:
    """Deterministic Parquet: zstd, no pandas index, fixed row-group size."""
    pq.write_table(
        table.replace_schema_metadata(None),
        path,
        compression="zstd",
        compression_level=9,
        row_group_size=256_000,
        write_statistics=True,
    )


def world_tables_in_order() -> list[str]:
    """Names of the schema's tables in declaration order."""
    return [t.name for t in TABLES]


def _ibis_frame(table: pa.Table, schema: Any) -> pd.DataFrame:
    """An Arrow result as the pandas frame Ibis's DuckDB ``execute`` returns (same conversion:
    nested, dictionary and NULL-holding columns through Python objects, then Ibis's dtypes)."""
    import pyarrow.types as pat
    from ibis.backends.duckdb.converter import DuckDBPandasData

    df = pd.DataFrame({
        name: (col.to_pylist() if (pat.is_nested(col.type) or pat.is_dictionary(col.type)
                                   or col.null_count) else col.to_pandas())
        for name, col in zip(table.column_names, table.columns, strict=True)
    })  # fmt: skip
    return DuckDBPandasData.convert_table(df, schema)
