"""Saved promo scenarios: a small table ``<dataset>.scenarios`` in the warehouse.

One row per scenario name (upsert on save): the scenario as JSON (``Scenario.to_json``), a JSON
summary of its headline numbers at save time, and timestamps. The table lives in the warehouse's
state store (``Warehouse.state``): on DuckDB the dataset's own schema, so scenarios travel with the
dataset (Parquet export); on other engines a local DuckDB side file. Either way they disappear with
the dataset when it is rebuilt.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from omni_core.models.scenario import Scenario, ScenarioError
from omni_core.warehouse import Warehouse, check_dataset_name

TABLE = "scenarios"
_DDL = (
    'CREATE TABLE IF NOT EXISTS "{ds}".{t} (name VARCHAR PRIMARY KEY, event VARCHAR, '
    "spec VARCHAR NOT NULL, summary VARCHAR, created TIMESTAMP, updated TIMESTAMP)"
)


def _qualified(wh: Warehouse, dataset: str, *, create: bool) -> str:
    check_dataset_name(dataset)
    if create:
        if wh.read_only:
            raise ScenarioError("仓库为只读，无法保存情景", "the warehouse is read-only")
        if not wh.has_dataset(dataset):
            raise ScenarioError(f"数据集 {dataset} 不存在", f"dataset {dataset} does not exist")
        schema = wh.state_schema(dataset)
        wh.state.execute(_DDL.format(ds=dataset, t=TABLE))
        return f"{schema}.{TABLE}"
    return f'"{dataset}".{TABLE}'


def _exists(wh: Warehouse, dataset: str) -> bool:
    return TABLE in wh.state_tables(dataset)


def save(
    wh: Warehouse, dataset: str, scenario: Scenario, summary: Mapping[str, Any] | None = None
) -> None:
    """Insert or replace a scenario (validated) under its name, in one transaction."""
    sc = scenario.validate()
    q = _qualified(wh, dataset, create=True)
    now = dt.datetime.now().replace(microsecond=0)
    con = wh.state
    con.execute("BEGIN TRANSACTION")
    try:
        old = con.execute(f"SELECT created FROM {q} WHERE name = ?", [sc.name]).fetchone()
        con.execute(f"DELETE FROM {q} WHERE name = ?", [sc.name])
        con.execute(
            f"INSERT INTO {q} VALUES (?, ?, ?, ?, ?, ?)",
            [sc.name, sc.event, sc.to_json(),
             json.dumps(dict(summary or {}), default=str, ensure_ascii=False),
             old[0] if old else now, now],
        )  # fmt: skip
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def load(wh: Warehouse, dataset: str, name: str) -> Scenario:
    """A saved scenario by name."""
    if not _exists(wh, dataset):
        raise ScenarioError(f"未找到情景 {name}", f"no saved scenario {name!r}")
    q = _qualified(wh, dataset, create=False)
    row = wh.state.execute(f"SELECT spec FROM {q} WHERE name = ?", [name]).fetchone()
    if row is None:
        raise ScenarioError(f"未找到情景 {name}", f"no saved scenario {name!r}")
    return Scenario.from_json(row[0])


def load_all(wh: Warehouse, dataset: str) -> dict[str, Scenario]:
    """Every saved scenario, in the order they were first saved."""
    if not _exists(wh, dataset):
        return {}
    q = _qualified(wh, dataset, create=False)
    rows = wh.state.execute(f"SELECT name, spec FROM {q} ORDER BY created, name").fetchall()
    return {n: Scenario.from_json(s) for n, s in rows}


def list_scenarios(wh: Warehouse, dataset: str) -> pd.DataFrame:
    """Name, event, window, budget, target, summary GMV and update time of the saved scenarios."""
    cols = ["name", "event", "start", "end", "budget", "target_gmv", "gmv", "updated"]
    if not _exists(wh, dataset):
        return pd.DataFrame(columns=cols)
    q = _qualified(wh, dataset, create=False)
    rows = wh.state.execute(
        f"SELECT name, spec, summary, updated FROM {q} ORDER BY updated DESC, name"
    ).fetchall()
    out = []
    for name, spec, summary, updated in rows:
        sc = Scenario.from_json(spec)
        s = json.loads(summary or "{}")
        out.append([name, sc.event, sc.start, sc.end, sc.total_budget, sc.target_gmv,
                    s.get("gmv"), updated])  # fmt: skip
    return pd.DataFrame(out, columns=cols)


def delete(wh: Warehouse, dataset: str, name: str) -> None:
    """Remove a saved scenario (no error if it is not there)."""
    if _exists(wh, dataset):
        q = _qualified(wh, dataset, create=True)
        wh.state.execute(f"DELETE FROM {q} WHERE name = ?", [name])


def duplicate(wh: Warehouse, dataset: str, name: str, new_name: str) -> Scenario:
    """Copy a saved scenario under a new (unused) name; returns the copy."""
    new_name = (new_name or "").strip()
    if new_name in load_all(wh, dataset):
        raise ScenarioError(f"情景 {new_name} 已存在", f"a scenario named {new_name!r} exists")
    sc = load(wh, dataset, name).with_(name=new_name)
    save(wh, dataset, sc)
    return sc
