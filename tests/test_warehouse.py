"""The warehouse: transactional writes that lose nothing, datasets, Parquet round trips."""

from __future__ import annotations

import pandas as pd
import pytest

from omni_core.datasets import ensure_demo, save_world, write_world
from omni_core.warehouse import Warehouse, check_dataset_name
from omni_core.world import WorldParams, build_world


@pytest.fixture()
def tiny():
    return build_world(WorldParams(seed=2, users=200, days=5))


def test_a_failing_write_leaves_the_warehouse_exactly_as_before(tmp_path, tiny):
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    write_world(wh, tiny)
    before = wh.checksum()
    broken = dict(tiny.tables)
    broken["orders"] = broken["orders"].drop(columns=["amount"])  # a required column missing
    with pytest.raises(Exception, match="amount"):
        wh.write_tables(broken, "world", meta={})
    assert wh.checksum() == before
    # A failure while replacing a different dataset leaves both untouched.
    bad = dict(tiny.tables, events=pd.DataFrame({"ts": ["not a time"]}))
    with pytest.raises(Exception):  # noqa: B017 - any engine error, the point is the rollback
        wh.write_tables(bad, "other", meta={})
    assert wh.datasets() == ["world"]
    assert wh.checksum() == before
    wh.close()
    # ... and it survives a reopen.
    wh2 = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    assert wh2.checksum() == before
    wh2.close()


def test_a_writer_rolls_back_when_its_block_fails_after_tables_were_inserted(tmp_path, tiny):
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    write_world(wh, tiny)
    before = wh.checksum()
    with pytest.raises(RuntimeError, match="derivation failed"):
        with wh.writer("world", meta={"kind": "x"}) as w:
            w.add("orders", tiny.tables["orders"])  # inserted by the worker meanwhile
            w.add("order_lines", tiny.tables["order_lines"])
            raise RuntimeError("derivation failed")
    assert wh.checksum() == before
    with pytest.raises(ValueError, match="already exists"):
        with wh.writer("world", replace=False) as w:
            w.add("orders", tiny.tables["orders"])
    assert wh.checksum() == before
    with pytest.raises(ValueError, match="twice"):
        with wh.writer("third") as w:
            w.add("orders", tiny.tables["orders"])
            w.add("orders", tiny.tables["orders"])
    assert "third" not in wh.datasets()
    # A cursor holding an unfinished result cannot block a committed write (the checkpoint waits).
    wh.con.execute("SELECT current_database()").fetchone()
    with wh.writer("third", meta={"kind": "x"}) as w:
        w.add("orders", tiny.tables["orders"])
    assert wh.con.execute("SELECT count(*) FROM third.orders").fetchone()[0] == len(
        tiny.tables["orders"]
    )
    assert wh.checksum() == before
    wh.close()


def test_datasets_are_separate_and_named_safely(tiny):
    wh = Warehouse("duckdb://:memory:")
    write_world(wh, tiny, "world")
    write_world(wh, build_world(WorldParams(seed=9, users=150, days=3)), "second")
    assert wh.datasets() == ["second", "world"]
    assert wh.row_counts("world")["users"] == 200
    assert wh.row_counts("second")["users"] == 150
    assert wh.meta("second")["params"]["seed"] == 9
    wh.drop_dataset("second")
    assert wh.datasets() == ["world"]
    for bad in ["World", "1abc", "a-b", "main", "x" * 70, "", "drop table;"]:
        with pytest.raises(ValueError, match="dataset name"):
            check_dataset_name(bad)


def test_parquet_round_trip_and_demo_loading(tmp_path, tiny):
    save_world(tiny, tmp_path / "p")
    assert (tmp_path / "p" / "world.json").exists()
    wh = Warehouse("duckdb://:memory:")
    assert ensure_demo(wh, folder=tmp_path / "p") is True
    assert ensure_demo(wh, folder=tmp_path / "p") is False
    mem = Warehouse("duckdb://:memory:")
    write_world(mem, tiny)
    assert wh.checksum() == mem.checksum()
    with pytest.raises(FileNotFoundError):
        wh.load_parquet(tmp_path / "empty", "x")


def test_append_is_atomic(tiny):
    wh = Warehouse("duckdb://:memory:")
    write_world(wh, tiny)
    n = wh.row_counts()["events"]
    ev = tiny.tables["events"].head(10)
    wh.append("world", {"events": ev})
    assert wh.row_counts()["events"] == n + 10
    before = wh.checksum()
    with pytest.raises(Exception):  # noqa: B017
        wh.append("world", {"events": ev, "orders": pd.DataFrame({"order_id": [None]})})
    assert wh.checksum() == before


def test_enum_columns_are_strings_to_ibis(wh):
    schema = wh.table("events").schema()
    assert schema["event_type"].is_string()
    assert schema["channel_id"].is_string()


def test_a_warehouse_file_is_created_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OMNI_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("OMNI_WAREHOUSE", raising=False)
    wh = Warehouse()
    assert (tmp_path / "d" / "omni.duckdb").exists()
    assert wh.datasets() == []
    wh.close()


def test_table_handles_are_reused_until_the_dataset_is_rewritten():
    """The per-thread table cache: one lookup per table, dropped by a rewrite or a drop."""
    w = Warehouse("duckdb://:memory:")
    w.write_tables({"t": pd.DataFrame({"a": [1, 2]})}, "ds", meta={})
    first = w.table("t", "ds")
    assert w.table("t", "ds") is first
    w.append("ds", {"t": pd.DataFrame({"a": [3]})})
    assert w.table("t", "ds") is first  # appends keep the schema
    assert w.query(first.a.sum().name("s").as_table()).iloc[0, 0] == 6
    w.write_tables({"t": pd.DataFrame({"a": [1], "b": ["x"]})}, "ds", meta={})
    assert w.table("t", "ds").columns == ("a", "b")  # the new schema, not the cached one
    w.drop_dataset("ds")
    with pytest.raises(Exception, match="t"):
        w.table("t", "ds")
    w.close()


def test_query_compiles_each_question_once_and_answers_as_ibis_does(wh, monkeypatch):
    """``Warehouse.query`` keeps the compiled SQL per expression: the same question asked again
    (rebuilt from scratch) is not recompiled, and every metric's frame equals Ibis's own
    ``execute`` (values, columns and dtypes; NULL-holding columns included)."""
    import pandas as pd

    from omni_core.metrics import METRICS

    compiled = []
    be = wh.backend
    real = type(be).compile
    monkeypatch.setattr(type(be), "compile",
                        lambda self, *a, **k: compiled.append(1) or real(self, *a, **k))  # fmt: skip
    for name, build in METRICS.items():
        ours = wh.query(build(wh.tables()))
        pd.testing.assert_frame_equal(ours, be.execute(build(wh.tables())), obj=name)
    n = len(compiled)
    for build in METRICS.values():
        wh.query(build(wh.tables()))
    assert len(compiled) == n, "a question asked again was compiled again"
    nulls = wh.query(
        wh.tables().orders.select("order_id", "campaign_id").order_by("order_id").limit(500)
    )
    assert nulls["campaign_id"].isna().any()  # NULLs come back as Ibis returns them
    pd.testing.assert_frame_equal(
        nulls,
        be.execute(
            wh.tables().orders.select("order_id", "campaign_id").order_by("order_id").limit(500)
        ),
    )


def test_cached_questions_with_in_memory_tables_work_on_every_thread(wh):
    """A kept query that joins an in-memory table (the reference channel list) registers that
    table on each thread's own cursor before it runs."""
    from concurrent.futures import ThreadPoolExecutor

    import pandas as pd

    from omni_core.metrics.channels import reference_channels, sales_by_channel_type

    def ask():
        return wh.query(sales_by_channel_type(wh.tables(), channels=reference_channels()))

    first = ask()
    assert len(first) > 0
    with ThreadPoolExecutor(2) as pool:  # new threads: new cursors, the SQL already kept
        for other in pool.map(lambda _: ask(), range(3)):
            pd.testing.assert_frame_equal(other, first)
