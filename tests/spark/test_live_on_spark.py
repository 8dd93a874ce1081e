"""The live stream on a Spark warehouse: ticks batched into Spark, alert state in the side store."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from omni_core import backends
from omni_core.alerts.store import AlertStore
from omni_core.datasets import write_world
from omni_core.live.engine import LiveEngine
from omni_core.warehouse import Warehouse
from omni_core.world import World, WorldParams, build_world

from .test_parity import assert_same_frame

DATASET = "live"


# Two days whose history ends at Double 11 00:00: the live stream starts in the midnight rush.
LIVE = WorldParams(seed=6, users=4000, days=2, start=dt.date(2025, 11, 9))


@pytest.fixture(scope="module")
def live_world() -> World:
    return build_world(LIVE)


@pytest.fixture(scope="module")
def live_wh(spark_url, live_world, tmp_path_factory):
    """A dense little world as dataset ``live`` (the parity tests keep ``world`` untouched)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("OMNI_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    w = Warehouse(spark_url)
    write_world(w, live_world, DATASET)
    yield w
    w.drop_dataset(DATASET)
    mp.undo()


def _count(wh: Warehouse, table: str) -> int:
    return int(wh.query(wh.table(table, DATASET).count().name("n").as_table()).iloc[0, 0])


def test_ticks_reach_spark_in_batches_equal_to_the_same_stream_on_duckdb(
    live_wh, live_world
) -> None:
    """Appends wait in the queue until a flush, then land whole, row for row as on DuckDB."""
    live_wh.flush_seconds = 1e9  # only the explicit flush below writes
    tables = ("events", "orders", "order_lines")
    before = {t: _count(live_wh, t) for t in tables}
    eng = LiveEngine(live_wh, DATASET, speed=60, history_days=7)
    first_order, first_session = eng.next_order, eng.next_session
    eng.step(20)
    queued = live_wh.queued_rows()
    assert queued > 0
    assert {t: _count(live_wh, t) for t in tables} == before  # nothing written yet
    assert live_wh.flush() == queued
    assert live_wh.queued_rows() == 0
    # The same 20 minutes on a DuckDB twin of the world.
    duck = Warehouse("duckdb://:memory:")
    write_world(duck, live_world, DATASET)
    twin = LiveEngine(duck, DATASET, speed=60, history_days=7)
    assert (twin.next_order, twin.next_session) == (first_order, first_session)
    twin.step(20)
    for name, key, first in (("orders", "order_id", first_order),
                             ("order_lines", "order_id", first_order),
                             ("events", "session_id", first_session)):  # fmt: skip
        s, d = live_wh.table(name, DATASET), duck.table(name, DATASET)
        new_s = live_wh.query(s.filter(s[key] >= first))
        new_d = duck.query(d.filter(d[key] >= first))
        assert len(new_s) == _count(live_wh, name) - before[name] > 0
        assert_same_frame(new_d, new_s)
    duck.close()


def test_a_failed_flush_keeps_the_rows_and_writes_them_once(live_wh, monkeypatch) -> None:
    """A table whose write fails stays queued; the next flush writes it, nothing twice."""
    live_wh.flush_seconds = 1e9
    eng = LiveEngine(live_wh, DATASET, speed=60, history_days=7)
    n_orders = _count(live_wh, "orders")
    eng.step(10)
    real = backends.append_tables

    def broken(backend, dataset, tables):
        if "orders" in tables:
            raise OSError("disk full")
        real(backend, dataset, tables)

    monkeypatch.setattr(backends, "append_tables", broken)
    queued_orders = sum(len(a) for a in live_wh._queue[(DATASET, "orders")])
    with pytest.raises(OSError, match="disk full"):
        live_wh.flush()
    assert live_wh.queued_rows() == queued_orders > 0
    assert _count(live_wh, "orders") == n_orders
    monkeypatch.setattr(backends, "append_tables", real)
    assert live_wh.flush() == queued_orders
    assert _count(live_wh, "orders") == n_orders + queued_orders


def test_alert_log_and_rules_live_in_the_local_state_store(live_wh) -> None:
    """Row-level state (alert log, rules) goes to the DuckDB side file, not to Spark."""
    store = AlertStore(live_wh, DATASET)
    rules = store.rules()
    rules[0] = dataclasses.replace(rules[0], enabled=not rules[0].enabled)
    store.save_rules(rules)
    assert AlertStore(live_wh, DATASET).rules()[0].enabled == rules[0].enabled
    eng = LiveEngine(live_wh, DATASET, speed=60, history_days=7)
    alert = eng.declare("pr_crisis", "brand", "差评扩散")
    log = AlertStore(live_wh, DATASET).log()
    assert log["alert_id"].tolist() == [alert.id]
    assert log["rule_id"].tolist() == ["pr_crisis"]
    assert {"alert_log", "alert_rules"} <= set(live_wh.state_tables(DATASET))
    assert "alert_log" not in live_wh.table_names(DATASET)  # the Spark dataset is untouched


def test_war_room_page_renders_on_spark(live_wh, spark_url, monkeypatch) -> None:
    """The landing page on a Spark warehouse: the shared engine starts, the board renders."""
    import streamlit as st

    from tests.apputil import run_page

    monkeypatch.setenv("OMNI_WAREHOUSE", spark_url)
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = run_page("war_room.py", "en", timeout=300, dataset=DATASET)
        assert not at.exception, at.exception
        html = "\n".join(m.value for m in at.markdown)
        assert "wr-big" in html and "GMV today" in html
        assert len(at.get("plotly_chart")) >= 4
    finally:
        from ui import live

        for eng in live.running_engines():
            eng.stop()
        st.cache_resource.clear()
        st.cache_data.clear()
