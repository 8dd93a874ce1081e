"""Dense worlds for live drills: the history ends at Double 11 00:00 (the midnight rush)."""

from __future__ import annotations

import datetime as dt

import pytest

from omni_core.datasets import write_world
from omni_core.warehouse import Warehouse
from omni_core.world import WorldParams, build_world

DRILL_PARAMS = WorldParams(
    seed=21, users=100_000, days=3, start=dt.date(2025, 11, 8), sessions_per_user_day=2.0
)
CLEAN_PARAMS = WorldParams(seed=33, users=40_000, days=3, start=dt.date(2025, 11, 8))


def _wh(params: WorldParams) -> Warehouse:
    wh = Warehouse("duckdb://:memory:")
    write_world(wh, build_world(params))
    return wh


@pytest.fixture(scope="session")
def drill_wh() -> Warehouse:
    return _wh(DRILL_PARAMS)


@pytest.fixture(scope="session")
def clean_wh() -> Warehouse:
    return _wh(CLEAN_PARAMS)
