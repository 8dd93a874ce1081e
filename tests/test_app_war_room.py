"""App test: the war room renders its board (KPIs, charts, ticker) without an exception."""

from __future__ import annotations

import pytest

from .apputil import run_page

pytestmark = pytest.mark.usefixtures("app_warehouse")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_war_room_renders(lang):
    at = run_page("war_room.py", lang)
    assert not at.exception, at.exception
    html = "\n".join(m.value for m in at.markdown)
    assert "wr-big" in html and "wr-tiles" in html
    assert ("今日 GMV" in html) if lang == "zh" else ("GMV today" in html)
    assert len(at.get("plotly_chart")) >= 4


def test_operator_controls_need_a_sign_in(monkeypatch):
    monkeypatch.setenv("OMNI_OPERATOR_PASSWORD", "s3cret")
    at = run_page("war_room.py", "en")
    assert not at.exception
    labels = [b.label for b in at.button]
    assert "Inject" not in labels  # read-only until signed in
    at = run_page("war_room.py", "en", operator=True)
    assert not at.exception
    assert "Inject" in [b.label for b in at.button]
