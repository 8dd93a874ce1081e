"""Warehouses on other Ibis backends (PySpark, ClickHouse): open one from a URL, hold datasets.

URLs (everything but ``duckdb://`` comes here from ``omni_core.warehouse.Warehouse``):

- ``pyspark://local[2]`` (also ``pyspark://``): Spark in local mode on this machine. The catalog
  is a Hive metastore (embedded Derby, one process at a time) and the tables are Parquet files,
  both under ``$OMNI_DATA_DIR/spark`` (default ``./data/spark``), so datasets outlive the process.
- ``pyspark://spark://host:7077``, ``pyspark://yarn``, ``pyspark://k8s://https://host:443``: a
  cluster; this process is the driver, the cluster's own catalog and warehouse dir apply (set
  them with query parameters or the cluster's ``spark-defaults.conf`` / ``hive-site.xml``).
- ``pyspark://sc://host:15002``: a Spark Connect server (needs ``pip install "pyspark[connect]"``).
- ``pyspark:///abs/dir``: Ibis's own spelling, local mode with the warehouse dir ``/abs/dir``.
- Query parameters are Spark settings: ``pyspark://local[4]?spark.driver.memory=8g``.
- ``clickhouse://user:pw@host:8123/db`` and any other ``ibis.connect`` URL go to Ibis as they are
  (ClickHouse through ``clickhouse-connect``, i.e. the HTTP port).

A dataset is a database (Spark) of the backend with a ``_meta`` table, as it is a schema in DuckDB.
Tables are typed exactly like the DuckDB warehouse's (the same DDL is applied in an in-memory DuckDB
first), except that DuckDB ENUMs become strings.
"""

from __future__ import annotations

import json
import math
import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import duckdb
import ibis
import pandas as pd
import pyarrow as pa

from omni_core.schema import TABLE_BY_NAME, enum_ddl

META_TABLE = "_meta"
# Spark stores the meta table as omni_meta: Hadoop treats paths starting with "_" as hidden files.
SPARK_META = "omni_meta"
WRITERS = 4  # tables saved concurrently (Spark runs the jobs side by side)
SPARK_MASTER = "local[2]"
# Settings a client may set on any session (also Spark Connect).
SPARK_RUNTIME = {
    "spark.sql.session.timeZone": "UTC",  # naive business time stays as written
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
}
# Settings of the driver JVM (classic sessions only; ignored when a session already runs).
SPARK_STATIC = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "2g",
}


def parse_spark_url(url: str) -> tuple[str, dict[str, str]]:
    """Split ``pyspark://MASTER?key=value&...`` into the master (or ``sc://`` remote) and settings."""
    if not url.startswith("pyspark://"):
        raise ValueError(f"not a pyspark URL: {url!r}")
    rest, _, query = url[len("pyspark://") :].partition("?")
    conf = dict(parse_qsl(query, keep_blank_values=True))
    if rest.startswith("/"):  # Ibis's spelling: pyspark:///path/to/warehouse-dir
        conf.setdefault("spark.sql.warehouse.dir", rest)
        rest = ""
    return rest or SPARK_MASTER, conf


def _local_settings(conf: dict[str, str]) -> dict[str, str]:
    """Local mode: loopback only, and a persistent Hive catalog under the data folder."""
    out = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
    if conf.get("spark.sql.catalogImplementation", "hive") != "hive":
        return out
    from omni_core.warehouse import default_data_dir

    wdir = conf.get("spark.sql.warehouse.dir")
    root = Path(wdir).resolve().parent if wdir else (default_data_dir() / "spark").resolve()
    root.mkdir(parents=True, exist_ok=True)
    out.update({
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": wdir or str(root / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL":
            f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={root}",
    })  # fmt: skip
    return out


def spark_session(master: str = SPARK_MASTER, conf: dict[str, str] | None = None) -> Any:
    """One SparkSession per process (``getOrCreate``) with the project's settings, log level WARN.

    ``master`` is ``local[N]``, a cluster master URL or ``sc://host:port`` (Spark Connect).
    ``conf`` overrides the defaults (``SPARK_RUNTIME``, ``SPARK_STATIC``).
    """
    from pyspark.sql import SparkSession

    conf = dict(conf or {})
    remote = master.startswith("sc://")
    settings = dict(SPARK_RUNTIME)
    if not remote:
        settings.update(SPARK_STATIC)
        if master.startswith("local"):
            settings.update(_local_settings(conf))
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no lookup of a public address
    settings.update(conf)
    builder = SparkSession.builder.remote(master) if remote else SparkSession.builder.master(master)
    builder = builder.appName(settings.pop("spark.app.name", "omni-war-room"))
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    for key, value in SPARK_RUNTIME.items():  # an already running session keeps its own
        if key not in conf:
            session.conf.set(key, value)
    if not remote:
        session.sparkContext.setLogLevel("WARN")
    return session


def _spark_compiler() -> Any:
    """Ibis's Spark SQL compiler with float literals typed DOUBLE, as on DuckDB.

    Spark SQL reads ``86400.0`` as DECIMAL(6,1): ``bigint_col / 86400.0`` is then a decimal rounded
    to 6 places instead of a double (``rfm``'s ``T_days`` differed from DuckDB by 4e-8 days).
    """
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    class Compiler(PySparkCompiler):
        def visit_NonNullLiteral(self, op: Any, *, value: Any, dtype: Any) -> Any:
            if dtype.is_floating() and math.isfinite(value):
                return self.cast(super().visit_DefaultLiteral(op, value=value, dtype=dtype), dtype)
            return super().visit_NonNullLiteral(op, value=value, dtype=dtype)

    return Compiler()


def connect(url: str) -> ibis.BaseBackend:
    """An Ibis backend for a warehouse URL other than DuckDB (see the module docstring)."""
    if url.startswith("pyspark://"):
        master, conf = parse_spark_url(url)
        backend = ibis.pyspark.connect(spark_session(master, conf))
        backend.compiler = _spark_compiler()
        return backend
    return ibis.connect(url)


def is_spark(backend: ibis.BaseBackend) -> bool:
    """Whether the backend is Ibis's PySpark backend."""
    return backend.name == "pyspark"


# ---------------------------------------------------------------------------- datasets
def typed_arrow(
    tables: dict[str, pd.DataFrame | pa.Table], *, partial: bool = False
) -> dict[str, pa.Table]:
    """Frames typed by the warehouse schema (DuckDB DDL and casts), ENUMs as strings, as Arrow.

    Raises on the same bad input the DuckDB warehouse rejects (a missing column, an unparsable
    time), before anything is written to the target engine. With ``partial`` (appends) columns a
    frame lacks are NULL, as a DuckDB ``INSERT`` of the columns present leaves them.
    """
    con = duckdb.connect(":memory:")
    try:
        for stmt in enum_ddl():
            con.execute(stmt)
        out = {}
        for name, df in tables.items():
            spec = TABLE_BY_NAME.get(name)
            con.register("_src", df)
            if spec is None:
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _src')
            else:
                con.execute(spec.ddl(f'"{name}"'))
                have = set(df.column_names if isinstance(df, pa.Table) else df.columns)
                names = [c for c in spec.names if c in have] if partial else spec.names
                cols = ", ".join(f'"{c}"' for c in names)
                con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM _src')
            con.unregister("_src")
            rel = con.table(f'"{name}"')
            sel = ", ".join(
                f'CAST("{c}" AS VARCHAR) AS "{c}"' if str(t).startswith("ENUM(") else f'"{c}"'
                for c, t in zip(rel.columns, rel.types, strict=True)
            )  # fmt: skip
            at = con.execute(f'SELECT {sel} FROM "{name}"').arrow()
            out[name] = at.read_all() if isinstance(at, pa.RecordBatchReader) else at
        return out
    finally:
        con.close()


def _meta_arrow(meta: dict[str, Any] | None) -> pa.Table:
    items = list((meta or {}).items())
    return pa.table(
        {
            "key": pa.array([k for k, _ in items], pa.string()),
            "value": pa.array(
                [json.dumps(v, default=str, ensure_ascii=False) for _, v in items], pa.string()
            ),
        }
    )


def _spark_save(backend: ibis.BaseBackend, dataset: str, name: str, at: pa.Table) -> None:
    session = backend._session  # the SparkSession Ibis wraps
    df = session.createDataFrame(at)
    df.write.mode("overwrite").saveAsTable(f"`{dataset}`.`{name}`")


def write_dataset(
    backend: ibis.BaseBackend,
    tables: dict[str, pd.DataFrame | pa.Table],
    dataset: str,
    *,
    meta: dict[str, Any] | None = None,
    replace: bool = True,
) -> None:
    """Write tables and a ``_meta`` table as database ``dataset`` (replacing it when ``replace``).

    Not transactional across tables (Spark has no such transactions): every frame is typed and
    checked first, and a write that fails half-way drops the half-written dataset.
    """
    typed = typed_arrow(tables)
    exists = dataset in list_datasets(backend)
    if exists and not replace:
        raise ValueError(f"dataset {dataset!r} already exists")
    drop_dataset(backend, dataset)
    backend.create_database(dataset, force=True)
    meta_at = _meta_arrow(meta)  # written last: a dataset is listed once its meta exists
    try:
        if is_spark(backend):
            with ThreadPoolExecutor(WRITERS) as pool:
                futures = [
                    pool.submit(_spark_save, backend, dataset, n, at) for n, at in typed.items()
                ]
                for f in futures:
                    f.result()
            _spark_save(backend, dataset, SPARK_META, meta_at)
        else:
            for name, at in [*typed.items(), (META_TABLE, meta_at)]:
                backend.create_table(name, at, database=dataset, overwrite=True)
    except BaseException:
        drop_dataset(backend, dataset)
        raise


def append_tables(backend: ibis.BaseBackend, dataset: str, tables: dict[str, pa.Table]) -> None:
    """Append typed Arrow tables (from ``typed_arrow``) to existing tables of a dataset.

    One job per table; not atomic across tables (Spark has no multi-table transactions).
    """
    for name, at in tables.items():
        if not len(at):
            continue
        if is_spark(backend):
            # insertInto matches columns by position: typed_arrow keeps the schema's order.
            backend._session.createDataFrame(at).write.insertInto(f"`{dataset}`.`{name}`")
        else:
            backend.insert(name, at, database=dataset)


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOOKUP = threading.Lock()  # Ibis looks Spark tables up with USE <db> (session-wide state)


def table(backend: ibis.BaseBackend, name: str, dataset: str) -> ibis.Table:
    """An Ibis table of a dataset, remembered per backend (a Spark schema lookup costs ~0.3 s)."""
    with _LOOKUP:
        cache = _TABLES.setdefault(backend, {})
        key = (dataset, name)
        if key not in cache:
            cache[key] = backend.table(name, database=dataset)
        return cache[key]


def _forget(backend: ibis.BaseBackend, dataset: str) -> None:
    with _LOOKUP:
        cache = _TABLES.get(backend, {})
        for key in [k for k in cache if k[0] == dataset]:
            del cache[key]


def _meta_name(backend: ibis.BaseBackend) -> str:
    return SPARK_META if is_spark(backend) else META_TABLE


def table_names(backend: ibis.BaseBackend, dataset: str) -> list[str]:
    """Persistent tables of a dataset, the meta table as ``_meta`` (Spark temp views left out)."""
    if is_spark(backend):
        rows = backend.raw_sql(f"SHOW TABLES IN `{dataset}`").collect()
        names = [r.tableName for r in rows if not r.isTemporary]
    else:
        names = backend.list_tables(database=dataset)
    return sorted(META_TABLE if n == _meta_name(backend) else n for n in names)


def list_datasets(backend: ibis.BaseBackend) -> list[str]:
    """Databases holding a ``_meta`` table, sorted."""
    return sorted(
        db for db in backend.list_databases() if META_TABLE in table_names(backend, db)
    )  # fmt: skip


def read_meta(backend: ibis.BaseBackend, dataset: str) -> dict[str, Any]:
    """The ``_meta`` table of a dataset as a dict (values JSON-decoded)."""
    df = backend.execute(table(backend, _meta_name(backend), dataset))
    return {k: json.loads(v) for k, v in zip(df["key"], df["value"], strict=True)}


def drop_dataset(backend: ibis.BaseBackend, dataset: str) -> None:
    """Drop a dataset's database and its tables (no error when it does not exist)."""
    _forget(backend, dataset)
    if dataset in backend.list_databases():
        backend.drop_database(dataset, force=True)
