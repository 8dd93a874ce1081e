"""Run one page of the app in ``streamlit.testing`` (through app.py and its navigation)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@contextmanager
def app_on(path: Path) -> Iterator[Path]:
    """Point the app (``OMNI_WAREHOUSE``) at the DuckDB file ``path`` with empty Streamlit caches;
    the previous setting and empty caches are restored after."""
    import streamlit as st

    before = os.environ.get("OMNI_WAREHOUSE")
    os.environ["OMNI_WAREHOUSE"] = f"duckdb:///{path}"
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop("OMNI_WAREHOUSE", None)
        else:
            os.environ["OMNI_WAREHOUSE"] = before
        st.cache_resource.clear()
        st.cache_data.clear()


def run_page(page: str, lang: str = "zh", timeout: float = 120, **state) -> AppTest:
    """Run ``pages/<page>`` in language ``lang`` with extra session state; returns the AppTest.

    Use with the ``app_warehouse`` fixture so the app reads the small test world.
    """
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state["lang"] = lang
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page(f"pages/{page}")
    return at.run()


def texts(at: AppTest) -> str:
    """All markdown, headers, captions and titles of a run, joined (for assertions)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [h.value for h in at.subheader] + [h.value for h in at.header] + [t.value for t in at.title]
    )
    return "\n".join(str(p) for p in parts)
