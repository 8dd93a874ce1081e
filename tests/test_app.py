"""App tests (streamlit.testing): the Data page renders and its build form behaves."""

from __future__ import annotations

import pytest

from .apputil import run_page, texts

pytestmark = pytest.mark.usefixtures("app_warehouse")


def test_data_page_renders_in_both_languages():
    at = run_page("data.py", "zh")
    assert not at.exception, at.exception
    assert "数据中心" in texts(at)
    assert "事件数" in [m.label for m in at.metric]
    at = run_page("data.py", "en")
    assert not at.exception
    assert "Data" in texts(at)
    assert "Events" in [m.label for m in at.metric]


def test_build_form_rejects_a_bad_name_and_builds_a_good_one():
    at = run_page("data.py", "en")
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
