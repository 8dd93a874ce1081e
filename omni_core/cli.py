"""The ``omni`` command line: build worlds, load the demo, inspect the warehouse."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from omni_core.datasets import DEMO_PARAMS, SAMPLE_DIR, ensure_demo, generate, save_world
from omni_core.warehouse import DEFAULT_DATASET, Warehouse
from omni_core.world import WorldParams, build_world

app = typer.Typer(
    help="Omni War Room (全域营销作战室) command line.", no_args_is_help=True, add_completion=False
)

WarehouseOpt = Annotated[
    str | None,
    typer.Option(
        "--warehouse",
        "-w",
        help="Warehouse URL (default: $OMNI_WAREHOUSE or duckdb:///./data/omni.duckdb)",
    ),  # fmt: skip
]


def _params(seed: int, start: str, days: int, users: int) -> WorldParams:
    try:
        start_d = dt.date.fromisoformat(start)
    except ValueError:
        raise typer.BadParameter(f"--start must be YYYY-MM-DD, got {start!r}") from None
    try:
        return WorldParams(seed=seed, start=start_d, days=days, users=users)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


@app.command("build-world")
def build_world_cmd(
    users: Annotated[int, typer.Option(help="number of people")] = DEMO_PARAMS.users,
    days: Annotated[int, typer.Option(help="days of history")] = DEMO_PARAMS.days,
    start: Annotated[
        str, typer.Option(help="first day, YYYY-MM-DD")
    ] = DEMO_PARAMS.start.isoformat(),
    seed: Annotated[int, typer.Option(help="random seed")] = DEMO_PARAMS.seed,
    out: Annotated[Path | None, typer.Option(help="write Parquet files to this folder")] = None,
    dataset: Annotated[
        str | None, typer.Option(help="write into the warehouse as this dataset")
    ] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Simulate a world from a seed; write Parquet (--out) and/or a warehouse dataset (--dataset)."""
    params = _params(seed, start, days, users)
    if out is None and dataset is None:
        dataset = DEFAULT_DATASET
    t0 = time.perf_counter()

    def progress(step: str, frac: float) -> None:
        typer.echo(f"  {frac:5.0%}  {step}  ({time.perf_counter() - t0:.1f}s)", err=True)

    if dataset is not None:
        wh = Warehouse(warehouse)
        world = generate(wh, params, dataset, progress=progress)
        typer.echo(f"dataset {dataset!r} written to {wh.url}")
    else:
        world = build_world(params, progress=progress)
    if out is not None:
        save_world(world, out)
        typer.echo(f"Parquet written to {out}")
    typer.echo(
        f"{world.n_events:,} events, {len(world.tables['orders']):,} orders, "
        f"{params.users:,} users in {time.perf_counter() - t0:.1f}s"
    )


@app.command("load-demo")
def load_demo(
    warehouse: WarehouseOpt = None,
    force: Annotated[bool, typer.Option(help="reload even if present")] = False,
) -> None:
    """Load the bundled demo world (sample_data/demo) into the warehouse if it is missing."""
    wh = Warehouse(warehouse)
    if force and wh.has_dataset(DEFAULT_DATASET):
        wh.drop_dataset(DEFAULT_DATASET)
    loaded = ensure_demo(wh)
    typer.echo(("loaded demo world from " + str(SAMPLE_DIR)) if loaded else "demo world present")


@app.command()
def info(
    dataset: Annotated[str | None, typer.Option(help="dataset to describe (default: all)")] = None,
    warehouse: WarehouseOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Datasets in the warehouse with their row counts and time span."""
    from omni_core.metrics import time_range

    wh = Warehouse(warehouse, read_only=False)
    names = [dataset] if dataset else wh.datasets()
    out = {}
    for name in names:
        if not wh.has_dataset(name):
            typer.echo(f"no dataset {name!r} in {wh.url}", err=True)
            raise typer.Exit(2)
        tr = wh.query(time_range(wh.tables(name))).iloc[0]
        out[name] = {
            "meta": {k: v for k, v in wh.meta(name).items() if k != "truth"},
            "rows": wh.row_counts(name),
            "first_event": str(tr["first_ts"]),
            "last_event": str(tr["last_ts"]),
        }
    if as_json:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        return
    typer.echo(f"warehouse: {wh.url}")
    for name, d in out.items():
        typer.echo(
            f"\n[{name}] {d['meta'].get('kind', '?')}  {d['first_event']} .. {d['last_event']}"
        )
        for t, n in d["rows"].items():
            typer.echo(f"  {t:<22} {n:>12,}")


def main() -> None:  # pragma: no cover - console entry
    """Console entry point."""
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
