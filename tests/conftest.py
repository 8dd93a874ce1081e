"""Shared fixtures: one small world (the same code that builds the demo) and its warehouse."""

from __future__ import annotations

import datetime as dt

import pytest

from omni_core.datasets import write_world
from omni_core.warehouse import Warehouse
from omni_core.world import World, WorldParams, build_world
from tests.apputil import app_on

SMALL = WorldParams(seed=3, start=dt.date(2025, 10, 1), days=60, users=2500)


@pytest.fixture(scope="session")
def small_world() -> World:
    """A 2,500-user, 60-day world spanning Double 11."""
    return build_world(SMALL)


@pytest.fixture(scope="session")
def tables(small_world: World) -> dict:
    return small_world.tables


@pytest.fixture(scope="session")
def wh(small_world: World) -> Warehouse:
    """An in-memory warehouse holding the small world as dataset ``world``."""
    w = Warehouse("duckdb://:memory:")
    write_world(w, small_world)
    yield w
    w.close()


APP_PARAMS = WorldParams(seed=4, start=dt.date(2025, 10, 1), days=60, users=1200)


@pytest.fixture(scope="session")
def app_warehouse(tmp_path_factory):
    """A small world in a DuckDB file that app tests (streamlit.testing) point the app at."""

    path = tmp_path_factory.mktemp("appwh") / "app.duckdb"
    w = Warehouse(f"duckdb:///{path}")
    write_world(w, build_world(APP_PARAMS))
    w.close()
    with app_on(path):
        yield path


# Under pytest-xdist (``make test`` runs ``-n 2 --dist loadgroup``) each group runs on one worker:
# the Spark tests share one JVM; the browser tests are two groups (the chapter pages, and the
# rest), each sharing one served app on its worker, so the slowest part splits across both cores.
def _group(nodeid: str) -> str | None:
    parts = nodeid.split("/")
    if len(parts) < 3:
        return None
    if parts[1] == "spark":
        return "spark"
    if parts[1] == "browser":
        return "chapters" if parts[2].startswith("test_chapters") else "browser"
    return None


def pytest_itemcollected(item) -> None:
    """Mark the group of a test as it is collected (xdist reads it in collection_modifyitems)."""
    group = _group(item.nodeid)
    if group:
        item.add_marker(pytest.mark.xdist_group(group))
