"""Every page renders on a real imported export (the UK retailer's orders, no events): no
exception, and each page either shows its analysis or says what the data cannot support."""

from __future__ import annotations

from pathlib import Path

import pytest

from omni_core.ingest import import_files
from omni_core.warehouse import Warehouse
from tests.apputil import run_page

from .conftest import RETAIL

PAGES = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "pages").glob("*.py"))


@pytest.fixture(scope="module")
def retail_app(tmp_path_factory):
    """The app pointed at a warehouse holding only the imported retail export."""
    import streamlit as st

    path = tmp_path_factory.mktemp("retail_app") / "w.duckdb"
    w = Warehouse(f"duckdb:///{path}")
    import_files(w, RETAIL, name="retail")
    w.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("OMNI_WAREHOUSE", f"duckdb:///{path}")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    mp.undo()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.mark.usefixtures("retail_app")
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_the_imported_retail_export(page):
    at = run_page(page, "en", dataset="retail")
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["dataset"] == "retail"
    if page == "ch13_team.py":  # Dec 2010 has full weeks although the shop shut on Saturdays
        assert not at.error, [e.value for e in at.error]
