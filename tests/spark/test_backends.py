"""Warehouse URLs for other engines, and the ``omni`` CLI on a Spark warehouse."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from omni_core.backends import SPARK_MASTER, parse_spark_url
from omni_core.cli import app


@pytest.mark.parametrize(
    ("url", "master", "conf"),
    [
        ("pyspark://", SPARK_MASTER, {}),
        ("pyspark://local[2]", "local[2]", {}),
        ("pyspark://local[*]?spark.driver.memory=8g", "local[*]", {"spark.driver.memory": "8g"}),
        ("pyspark://spark://10.0.0.5:7077", "spark://10.0.0.5:7077", {}),
        (
            "pyspark://sc://spark.example:15002?spark.sql.shuffle.partitions=64",
            "sc://spark.example:15002",
            {"spark.sql.shuffle.partitions": "64"},
        ),
        ("pyspark://yarn", "yarn", {}),
        ("pyspark:///srv/spark-warehouse", SPARK_MASTER, {"spark.sql.warehouse.dir": "/srv/spark-warehouse"}),
        (
            "pyspark://local[2]?spark.sql.warehouse.dir=%2Ftmp%2Fw&spark.app.name=x",
            "local[2]",
            {"spark.sql.warehouse.dir": "/tmp/w", "spark.app.name": "x"},
        ),
    ],
)  # fmt: skip
def test_spark_urls(url: str, master: str, conf: dict) -> None:
    assert parse_spark_url(url) == (master, conf)


def test_a_non_spark_url_is_refused() -> None:
    with pytest.raises(ValueError, match="pyspark"):
        parse_spark_url("clickhouse://default@localhost:8123/db")


def test_cli_info_on_a_spark_warehouse(spark_wh, spark_url, duck_wh) -> None:
    """``omni info --warehouse pyspark://…``: datasets, meta, row counts and time span from Spark."""
    r = CliRunner().invoke(app, ["info", "--warehouse", spark_url, "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.output[r.output.index("{") :])
    assert "world" in info
    assert info["world"]["meta"]["params"]["users"] == 1500
    assert info["world"]["rows"] == duck_wh.row_counts("world")
    assert info["world"]["first_event"].startswith("2025-10-28")
