"""Run one page of the app in ``streamlit.testing`` (through app.py and its navigation)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


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
