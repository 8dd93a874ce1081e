"""Shared fixtures: one small world (the same code that builds the demo) and its warehouse."""

from __future__ import annotations

import datetime as dt

import pytest

from omni_core.datasets import write_world
from omni_core.warehouse import Warehouse
from omni_core.world import World, WorldParams, build_world

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
    import streamlit as st

    path = tmp_path_factory.mktemp("appwh") / "app.duckdb"
    w = Warehouse(f"duckdb:///{path}")
    write_world(w, build_world(APP_PARAMS))
    w.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("OMNI_WAREHOUSE", f"duckdb:///{path}")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    mp.undo()
    st.cache_resource.clear()
    st.cache_data.clear()


# Under pytest-xdist (``make test`` runs ``-n 2 --dist loadgroup``) each of these folders runs on
# one worker: the browser tests share one served app, the Spark tests one JVM.
_GROUPS = ("browser", "spark")


def pytest_itemcollected(item) -> None:
    """Keep the browser tests and the Spark tests together, each on one xdist worker.

    (Marked as items are collected: xdist reads the mark in its own collection_modifyitems.)
    """
    parts = item.nodeid.split("/")
    if len(parts) > 2 and parts[1] in _GROUPS:
        item.add_marker(pytest.mark.xdist_group(parts[1]))
