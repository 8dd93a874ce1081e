"""One local SparkSession for the whole run, a small world in DuckDB and in Spark, the wall time.

The fixtures are package-scoped: Spark starts once, on the first test of ``tests/spark`` that needs
it, and stops after the last one (the JVM does not idle through the rest of the test run).
Skipped when pyspark (or java) is missing, unless ``OMNI_REQUIRE_SPARK=1`` (CI), where that fails.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import time
from urllib.parse import urlencode

import pytest

from omni_core.datasets import write_world
from omni_core.warehouse import Warehouse
from omni_core.world import World, WorldParams, build_world

# 1,500 people over 20 days spanning Double 11: ~20k events, ~340 orders, returns, shares, points.
PARITY = WorldParams(seed=5, start=dt.date(2025, 10, 28), days=20, users=1500)
SPARK_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "1g",
    "spark.sql.catalogImplementation": "in-memory",
    "spark.app.name": "omni-parity",
    # Tiny queries are bound by planning, code generation and JIT (CPU): interpret expressions,
    # and compile the JVM's hot code with C1 only. Together ~35% less CPU than the defaults.
    # C1-only shrinks the default code cache to 48 MB; the suite needs ~53 MB, and a full cache
    # fails queries ("Out of space in CodeCache for adapters"), so reserve 256 MB.
    "spark.driver.extraJavaOptions": (
        "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ReservedCodeCacheSize=256m"
    ),
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}
_clock: dict[str, float] = {"metrics": 0}


def _missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[test,spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no java on PATH (Spark needs Java 17)"
    return None


@pytest.fixture(scope="package")
def spark_url(tmp_path_factory) -> str:
    """The warehouse URL of a local[2] Spark session started once for the run."""
    reason = _missing()
    if reason:
        if os.environ.get("OMNI_REQUIRE_SPARK") == "1":
            pytest.fail(f"OMNI_REQUIRE_SPARK=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from omni_core.backends import spark_session

    _clock.setdefault("start", time.perf_counter())
    conf = dict(SPARK_CONF)
    conf["spark.sql.warehouse.dir"] = str(tmp_path_factory.mktemp("spark") / "warehouse")
    session = spark_session("local[2]", conf)
    _clock["spark_up"] = time.perf_counter() - _clock["start"]
    yield "pyspark://local[2]?" + urlencode(conf)
    peak, size = _code_cache_peak(session)
    session.stop()
    # A full code cache disables the JIT and then fails queries at random; keep a margin.
    assert peak < 0.8 * size, f"JVM code cache peaked at {peak >> 20} of {size >> 20} MB"


def _code_cache_peak(session) -> tuple[int, int]:
    """Peak bytes used and bytes reserved of the driver JVM's code cache (all its segments)."""
    beans = session._jvm.java.lang.management.ManagementFactory.getMemoryPoolMXBeans()
    pools = [b for b in beans if b.getName() == "CodeCache" or b.getName().startswith("CodeHeap")]
    return sum(b.getPeakUsage().getUsed() for b in pools), sum(b.getUsage().getMax() for b in pools)


@pytest.fixture(scope="package")
def parity_world() -> World:
    """The small world both engines hold."""
    return build_world(PARITY)


@pytest.fixture(scope="package")
def duck_wh(parity_world: World) -> Warehouse:
    """The world in an in-memory DuckDB warehouse (dataset ``world``)."""
    w = Warehouse("duckdb://:memory:")
    write_world(w, parity_world)
    yield w
    w.close()


@pytest.fixture(scope="package")
def spark_wh(spark_url: str, parity_world: World) -> Warehouse:
    """The same world in the Spark warehouse (database ``world``)."""
    w = Warehouse(spark_url)
    t = time.perf_counter()
    write_world(w, parity_world)
    _clock["spark_write"] = time.perf_counter() - t
    return w


@pytest.fixture()
def count_metric():
    """Count one metric compared (for the summary line)."""

    def done() -> None:
        _clock["metrics"] += 1
        _clock["end"] = time.perf_counter()

    return done


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the suite's wall time, Spark start included."""
    if "start" in _clock and "end" in _clock:
        terminalreporter.write_line(
            f"spark parity: {_clock['metrics']} metrics in {_clock['end'] - _clock['start']:.1f} s"
            f" (Spark start {_clock.get('spark_up', 0):.1f} s, world written to Spark in"
            f" {_clock.get('spark_write', 0):.1f} s)"
        )
