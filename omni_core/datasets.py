"""Datasets in the warehouse: the bundled demo world, generated worlds, and their metadata."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omni_core.warehouse import DEFAULT_DATASET, Warehouse
from omni_core.world import World, WorldParams, build_world

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "sample_data" / "demo"
# The demo world's parameters: `omni build-world --users 20000 --days 60 --start 2025-10-01
# --seed 7 --out sample_data/demo` rebuilds it byte for byte.
DEMO_PARAMS = WorldParams(seed=7, start=dt.date(2025, 10, 1), days=60, users=20_000)


def world_meta(world: World) -> dict[str, Any]:
    """Metadata stored with a simulated dataset."""
    return {
        "kind": "simulated",
        "params": world.params.to_dict(),
        "truth": world.truth,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
    }


def write_world(wh: Warehouse, world: World, dataset: str = DEFAULT_DATASET) -> None:
    """Write a world as a dataset in one transaction (replacing a dataset of that name)."""
    wh.write_tables(world.tables, dataset, meta=world_meta(world))


def save_world(world: World, folder: str | Path) -> list[Path]:
    """Write a world to ``folder`` as Parquet (one file per table) plus ``world.json``.

    Goes through an in-memory DuckDB warehouse so the files carry exactly the warehouse types;
    the bytes depend only on the parameters (and library versions), not on the time of writing.
    """
    folder = Path(folder)
    mem = Warehouse("duckdb://:memory:")
    try:
        mem.write_tables(world.tables, "world", meta={})
        for old in folder.glob("*.parquet"):
            old.unlink()
        files = mem.export_parquet(folder, "world")
    finally:
        mem.close()
    info = {"kind": "simulated", "params": world.params.to_dict()}
    (folder / "world.json").write_text(
        json.dumps(info, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return files


def ensure_demo(wh: Warehouse, dataset: str = DEFAULT_DATASET, folder: Path = SAMPLE_DIR) -> bool:
    """Load the bundled demo world if the dataset is missing; True if it was loaded now."""
    if wh.has_dataset(dataset):
        return False
    wh.load_parquet(folder, dataset, meta={"kind": "demo", "source": str(folder.name)})
    return True


def generate(
    wh: Warehouse,
    params: WorldParams,
    dataset: str,
    progress: Callable[[str, float], None] | None = None,
) -> World:
    """Build a world and write it as a dataset (progress reported through ``progress``)."""
    world = build_world(params, progress=progress)
    if progress:
        progress("writing warehouse", 0.95)
    write_world(wh, world, dataset)
    return world
