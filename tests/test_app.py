"""App tests (streamlit.testing): every page renders on a small world without an exception."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from omni_core.datasets import write_world
from omni_core.warehouse import Warehouse
from omni_core.world import WorldParams, build_world


@pytest.fixture(scope="module", autouse=True)
def small_warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("wh") / "app.duckdb"
    wh = Warehouse(f"duckdb:///{path}")
    write_world(wh, build_world(WorldParams(seed=4, users=400, days=20)))
    wh.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("OMNI_WAREHOUSE", f"duckdb:///{path}")
    yield path
    mp.undo()
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()


def _run(lang: str = "zh") -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["lang"] = lang
    return at.run()


def test_data_page_renders_in_both_languages():
    at = _run("zh")
    assert not at.exception, at.exception
    assert any("数据中心" in m.value for m in at.markdown)
    labels = [m.label for m in at.metric]
    assert "事件数" in labels
    at = _run("en")
    assert not at.exception
    assert any("Data" in m.value for m in at.markdown)
    assert "Events" in [m.label for m in at.metric]


def test_build_form_rejects_a_bad_name_and_builds_a_good_one():
    at = _run("en")
    at.text_input[0].set_value("Bad Name!")
    at.number_input[0].set_value(150)
    at.number_input[1].set_value(2)
    at.button[0].click().run()
    assert not at.exception
    assert any("dataset name" in e.value for e in at.error)
    at.text_input[0].set_value("mini")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("mini" in s.value for s in at.success)
    assert at.session_state["dataset"] == "mini"
