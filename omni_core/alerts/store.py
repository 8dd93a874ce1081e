"""The persistent alert log and the saved rule set, in the warehouse's state store.

That is the dataset's own schema on DuckDB, a local DuckDB side file on other engines
(``Warehouse.state``).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from omni_core.alerts.rules import DEFAULT_RULES, Rule
from omni_core.warehouse import Warehouse, check_dataset_name

if TYPE_CHECKING:
    from omni_core.alerts.engine import Alert

LOG_DDL = """CREATE TABLE IF NOT EXISTS "{ds}".alert_log (
  alert_id BIGINT, rule_id VARCHAR, dim VARCHAR, key VARCHAR, severity VARCHAR, state VARCHAR,
  fired_at TIMESTAMP, acked_at TIMESTAMP, acked_by VARCHAR, resolved_at TIMESTAMP,
  resolved_by VARCHAR, observed DOUBLE, expected DOUBLE, z DOUBLE, effect DOUBLE,
  message VARCHAR, details VARCHAR)"""
RULES_DDL = 'CREATE TABLE IF NOT EXISTS "{ds}".alert_rules (rule_id VARCHAR, spec VARCHAR)'
_COLS = ("alert_id", "rule_id", "dim", "key", "severity", "state", "fired_at", "acked_at",
         "acked_by", "resolved_at", "resolved_by", "observed", "expected", "z", "effect",
         "message", "details")  # fmt: skip


class AlertStore:
    """Alert log rows (insert on fire, update on ack/resolve) and the editable rule set."""

    def __init__(self, wh: Warehouse, dataset: str) -> None:
        self.wh = wh
        self.ds = check_dataset_name(dataset)
        with wh._lock:
            wh.state_schema(self.ds)
            wh.state.execute(LOG_DDL.format(ds=self.ds))
            wh.state.execute(RULES_DDL.format(ds=self.ds))

    def next_id(self) -> int:
        """First free alert id."""
        row = self.wh.state.execute(
            f'SELECT coalesce(max(alert_id), 0) FROM "{self.ds}".alert_log'
        ).fetchone()
        return int(row[0]) + 1

    def save(self, alert: Alert) -> None:
        """Insert or update one alert."""
        d = asdict(alert)
        details = json.dumps(
            {k: d[k] for k in ("drilldown", "playbook_zh", "playbook_en", "name_zh", "name_en",
                               "deadlines", "carriers", "incident")},
            ensure_ascii=False, default=str,
        )  # fmt: skip
        row = [d["id"], d["rule_id"], d["dim"], d["key"], d["severity"], d["state"], d["fired_at"],
               d["acked_at"], d["acked_by"], d["resolved_at"], d["resolved_by"], d["observed"],
               d["expected"], d["z"], d["effect"], d["message_en"], details]  # fmt: skip
        with self.wh._lock:
            con = self.wh.state
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f'DELETE FROM "{self.ds}".alert_log WHERE alert_id = ?', [d["id"]])
                marks = ", ".join("?" * len(_COLS))
                con.execute(f'INSERT INTO "{self.ds}".alert_log VALUES ({marks})', row)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def log(self, limit: int = 500) -> pd.DataFrame:
        """The most recent alerts."""
        return self.wh.state.execute(
            f'SELECT * FROM "{self.ds}".alert_log ORDER BY fired_at DESC, alert_id DESC LIMIT ?',
            [limit],
        ).df()

    def rules(self) -> list[Rule]:
        """The saved rule set (defaults when nothing was saved)."""
        rows = self.wh.state.execute(
            f'SELECT rule_id, spec FROM "{self.ds}".alert_rules'
        ).fetchall()
        saved = {rid: Rule.from_dict(json.loads(spec)) for rid, spec in rows}
        return [saved.get(r.id, r) for r in DEFAULT_RULES]

    def save_rules(self, rules: list[Rule]) -> None:
        """Replace the saved rule set in one transaction."""
        with self.wh._lock:
            con = self.wh.state
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f'DELETE FROM "{self.ds}".alert_rules')
                for r in rules:
                    con.execute(f'INSERT INTO "{self.ds}".alert_rules VALUES (?, ?)',
                                [r.id, json.dumps(r.to_dict(), ensure_ascii=False)])  # fmt: skip
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise


def rules_frame(rules: list[Rule]) -> pd.DataFrame:
    """Rules as an editable table."""
    return pd.DataFrame([r.to_dict() for r in rules])


def rules_from_frame(df: pd.DataFrame) -> list[Rule]:
    """Validate an edited rules table back into rules (clear error naming the bad rule)."""
    out = []
    for rec in df.to_dict("records"):
        rec = {k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()}
        dims: Any = rec.get("dims", ())
        if isinstance(dims, str):
            dims = tuple(x.strip() for x in dims.split(",") if x.strip())
        rec["dims"] = tuple(dims)
        steps: Any = rec.get("steps", ())
        if isinstance(steps, str):
            steps = tuple(x.strip() for x in steps.split(",") if x.strip())
        elif steps is None or steps != steps:  # empty cell (NaN)
            steps = ()
        rec["steps"] = tuple(steps)
        if rec.get("denominator") in ("", "None", None) or rec.get("denominator") != rec.get(
            "denominator"
        ):
            rec["denominator"] = None
        out.append(Rule.from_dict(rec))
    return out


# The rule fields an operator edits on page 09 (the rest defines what a rule measures).
EDITABLE = ("enabled", "notify", "z", "min_effect", "min_expected", "window", "pending",
            "resolve_z", "resolve_after", "cooldown", "seq_false_per_day")  # fmt: skip
SHOWN = ("id", "name_zh", "name_en", "metric", "direction", "dims", *EDITABLE)


def editable_frame(rules: list[Rule]) -> pd.DataFrame:
    """The rules as the editor shows them: identity columns, then the editable thresholds."""
    df = rules_frame(rules)
    df["dims"] = df["dims"].map(lambda d: ", ".join(d))
    return df[list(SHOWN)]


def apply_edits(rules: list[Rule], edited: pd.DataFrame) -> list[Rule]:
    """The rules with the editor's values of ``EDITABLE`` applied, each validated.

    Rows are matched by ``id``; every rule must still be there exactly once. Raises ValueError
    naming the rule and the field on a missing, unknown or out-of-range value.
    """
    if "id" not in edited.columns:
        raise ValueError("the edited rules lack the id column")
    ids = [str(x) for x in edited["id"]]
    known = [r.id for r in rules]
    if sorted(ids) != sorted(known):
        extra, gone = sorted(set(ids) - set(known)), sorted(set(known) - set(ids))
        raise ValueError(f"rules cannot be added or removed here (unknown {extra}, missing {gone})")
    rows = {str(rec["id"]): rec for rec in edited.to_dict("records")}
    out = []
    for r in rules:
        rec, changes = rows[r.id], {}
        for f in EDITABLE:
            if f not in rec:
                continue
            v, old = rec[f], getattr(r, f)
            if v is None or (isinstance(v, float) and np.isnan(v)):
                raise ValueError(f"rule {r.id}: {f} is empty")
            try:
                if isinstance(old, bool):
                    if str(v).strip().lower() not in ("true", "false", "1", "0"):
                        raise ValueError
                    v = str(v).strip().lower() in ("true", "1")
                elif isinstance(old, int):
                    if float(v) != int(float(v)):
                        raise ValueError
                    v = int(float(v))
                else:
                    v = float(v)
            except (TypeError, ValueError):
                raise ValueError(f"rule {r.id}: {f} = {v!r} is not a valid number") from None
            changes[f] = v
        out.append(r.with_(**changes))
    return out
