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


@app.command("import")
def import_cmd(
    file: Annotated[
        Path, typer.Argument(help="order export: CSV/TSV (any encoding), Parquet, Excel")
    ],
    mapping: Annotated[
        Path | None, typer.Option(help="mapping JSON (default: suggested from the column names)")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="dataset name (default: from the file name)")
    ] = None,
    events: Annotated[
        Path | None, typer.Option(help="optional event export (visits, clicks, carts...)")
    ] = None,
    events_mapping: Annotated[Path | None, typer.Option(help="mapping JSON of --events")] = None,
    save_mapping: Annotated[
        Path | None, typer.Option(help="write the mapping used to this JSON file")
    ] = None,
    replace: Annotated[bool, typer.Option(help="replace a dataset of the same --name")] = False,
    max_reject_rate: Annotated[
        float | None,
        typer.Option(
            help="share of unreadable rows tolerated (default 0.01); above it nothing loads"
        ),
    ] = None,
    warehouse: WarehouseOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Import a real order export (and optionally events) as a new dataset, in one transaction."""
    from omni_core.ingest import IngestError, Mapping, import_files

    def fail(e: Exception) -> None:
        if as_json:
            body = e.to_dict() if isinstance(e, IngestError) else {"error": str(e)}
            typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        else:
            typer.echo(f"import failed: {e}", err=True)
        raise typer.Exit(1)

    try:
        m = Mapping.load(mapping) if mapping else None
        em = Mapping.load(events_mapping) if events_mapping else None
        if max_reject_rate is not None:
            m = m or Mapping("orders")
            m = Mapping(m.kind, m.columns, {**m.options, "max_reject_rate": max_reject_rate})
        wh = Warehouse(warehouse)

        def progress(step: str, frac: float) -> None:
            if not as_json:
                typer.echo(f"  {frac:5.0%}  {step}", err=True)

        report = import_files(wh, file, mapping=m, events=events, events_mapping=em, name=name,
                              replace=replace, progress=progress)  # fmt: skip
    except (IngestError, ValueError, OSError) as e:
        fail(e)
        return
    if save_mapping is not None:
        Mapping.from_dict(report.mappings["orders"]).save(save_mapping)
        if events is not None and "events" in report.mappings:
            ev_path = save_mapping.with_name(save_mapping.stem + ".events.json")
            Mapping.from_dict(report.mappings["events"]).save(ev_path)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(report.text())
    if save_mapping is not None:
        typer.echo(f"mapping saved to {save_mapping}")


@app.command()
def drill(
    incident: Annotated[
        str,
        typer.Option(
            help="channel_outage | conversion_drop | traffic_spike | "
            "stockout | payment_failure | refund_surge"
        ),
    ],  # fmt: skip
    target: Annotated[
        str, typer.Option(help="e.g. tmall, channel:jd, province:GD, sku:12, total")
    ] = "total",
    magnitude: Annotated[
        float, typer.Option(help="fraction lost (drops) or extra multiple (spikes)")
    ] = 0.8,
    speed: Annotated[
        float, typer.Option(help="clock speed the delay is reported at (x1..x600)")
    ] = 60.0,
    at: Annotated[
        str | None,
        typer.Option(
            help="fast-forward to this simulated time first, "
            "'YYYY-MM-DD HH:MM' (default: 20:00 on the first live day)"
        ),
    ] = None,  # fmt: skip
    warmup: Annotated[int, typer.Option(help="clean minutes before the incident")] = 10,
    max_minutes: Annotated[int, typer.Option(help="give up after this many minutes")] = 30,
    dataset: Annotated[
        str | None, typer.Option(help="dataset of --warehouse (default: the bundled demo)")
    ] = None,
    warehouse: WarehouseOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON only")] = False,
) -> None:
    """Headless incident drill: inject an incident into the live stream and time its detection.

    Runs on a copy of the bundled demo world in memory unless --dataset names one (the warehouse
    is never written: the drill engine does not persist).
    """
    from omni_core.live.drill import fast_forward, run_drill
    from omni_core.live.engine import LiveEngine
    from omni_core.live.incidents import KINDS

    if incident not in KINDS:
        raise typer.BadParameter(f"--incident must be one of {', '.join(KINDS)}")
    if not 1 <= speed <= 600:
        raise typer.BadParameter("--speed must be within 1..600")
    if dataset is None:
        wh = Warehouse("duckdb://:memory:")
        ensure_demo(wh)
        dataset = DEFAULT_DATASET
    else:
        wh = Warehouse(warehouse)
    try:
        eng = LiveEngine(wh, dataset, persist=False)
        when = (
            dt.datetime.combine(eng.t.date(), dt.time(20))
            if at is None
            else dt.datetime.fromisoformat(at)
        )
        fast_forward(eng, when)
        result = run_drill(eng, incident, target, magnitude, warmup_minutes=warmup,
                           max_minutes=max_minutes, speed=speed)  # fmt: skip
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    result["dataset"] = dataset
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
        return
    m = result["matched_alert"]
    typer.echo(
        f"incident {incident} on {result['incident']['target']} at {result['incident']['start']}"
    )
    if m:
        typer.echo(f"detected by {m['rule']} ({m['dim']}={m['key']}) after {result['detection_delay_min']} "
                   f"simulated min ({result['detection_delay_wall_s']:.1f} s at x{speed:g})")  # fmt: skip
    else:
        typer.echo(f"not detected within {max_minutes} simulated minutes")


def main() -> None:  # pragma: no cover - console entry
    """Console entry point."""
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
