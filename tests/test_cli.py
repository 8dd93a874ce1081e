"""The ``omni`` command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from omni_core.cli import app

runner = CliRunner()


def test_build_world_info_and_load_demo(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    r = runner.invoke(app, ["build-world", "--users", "300", "--days", "4", "--dataset", "mini",
                            "--warehouse", url, "--out", str(tmp_path / "pq")])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (tmp_path / "pq" / "events.parquet").exists()
    r = runner.invoke(app, ["info", "--warehouse", url, "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert info["mini"]["rows"]["users"] == 300
    assert info["mini"]["meta"]["params"]["days"] == 4
    r = runner.invoke(app, ["info", "--warehouse", url, "--dataset", "nope"])
    assert r.exit_code == 2


def test_bad_parameters_are_reported_not_crashed(tmp_path):
    r = runner.invoke(app, ["build-world", "--users", "-5", "--out", str(tmp_path)])
    assert r.exit_code != 0
    assert "users must be an integer" in r.output
    r = runner.invoke(app, ["build-world", "--start", "2025-13-01", "--out", str(tmp_path)])
    assert r.exit_code != 0
    assert "YYYY-MM-DD" in r.output
