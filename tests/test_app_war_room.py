"""App test: the war room renders its board (KPIs, charts, ticker) without an exception; the
province map's shipped boundaries join the world's provinces."""

from __future__ import annotations

from pathlib import Path

import pytest

import omni_core

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


def test_province_map_ships_its_boundaries_and_joins_every_province():
    import numpy as np
    import pandas as pd

    from omni_core.charts.war_room import MAP_FILE, china_provinces, province_map
    from omni_core.reference import PROVINCES

    geo = china_provinces()
    assert geo is china_provinces()  # parsed once per process
    names = [f["properties"]["name"] for f in geo["features"]]
    for _code, zh, *_ in PROVINCES:
        assert names.count(zh) == 1, zh
    assert {"台湾", "香港", "澳门"} <= set(names)
    data_dir = Path(omni_core.__file__).parent / "data"
    assert (data_dir / MAP_FILE).stat().st_size < 300_000
    notice = (data_dir / "china_provinces.LICENSE.txt").read_text(encoding="utf-8")
    assert "echarts" in notice and "4.9.0" in notice and "Apache License" in notice
    for f in geo["features"]:
        for poly in f["geometry"]["coordinates"]:
            ring = np.asarray(poly[0])
            assert (ring[0] == ring[-1]).all() and len(ring) >= 4
            assert 73 < ring[:, 0].min() and ring[:, 0].max() < 136, f["properties"]["name"]
            assert 17 < ring[:, 1].min() and ring[:, 1].max() < 54, f["properties"]["name"]
            x, y = ring[:, 0], ring[:, 1]
            assert np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)) < 0  # clockwise (d3)
    df = pd.DataFrame({"key": [p[0] for p in PROVINCES], "gmv": np.arange(len(PROVINCES)) * 1e3,
                       "orders": np.arange(len(PROVINCES)) * 3.0})  # fmt: skip
    for lang, none in (("zh", "无数据"), ("en", "no data")):
        fig = province_map(df, lang=lang)
        # offline: plotly.js fetches its world topojson from a CDN unless the geo subplot's
        # first trace is a plain lon/lat scatter (and the base layers are hidden)
        first, ch = fig.data
        assert first.type == "scattergeo" and first.locations is None and first.lon is not None
        assert ch.type == "choropleth" and ch.featureidkey == "properties.name"
        assert fig.layout.geo.fitbounds == "locations" and fig.layout.geo.visible is False
        z = pd.Series(ch.z, index=list(ch.locations))
        by = {zh: g for (_c, zh, *_), g in zip(PROVINCES, df["gmv"], strict=True)}
        order = sorted(by, key=by.get)
        assert z[order].is_monotonic_increasing and z[order].iloc[-1] > z[order].iloc[0]
        assert z["台湾"] < z[order[0]]  # "no data" is below any GMV, also a zero GMV
        labels = dict(zip(ch.locations, ch.customdata[:, 1], strict=True))
        assert labels["香港"] == none
        top = PROVINCES[-1][1] if lang == "zh" else PROVINCES[-1][2]
        assert top in first.text  # the largest province is labelled


def test_board_figures_are_built_once_per_snapshot_for_all_viewers(monkeypatch):
    """Viewers arriving together while a snapshot's figures are being built wait for that one
    build (single flight) and share its figures; a new snapshot builds again."""
    import threading
    import time
    from types import SimpleNamespace

    from ui import board

    calls = []

    def slow_build(snap, lang, height, ch_names, cat_names):
        calls.append(snap["ticks"])
        time.sleep(0.3)  # long enough for every viewer below to arrive during the build
        return {"gmv": object()}

    monkeypatch.setattr(board, "_build_figures", slow_build)
    eng = SimpleNamespace(snapshot={"ticks": 1})
    out = []
    viewers = [threading.Thread(target=lambda: out.append(board.figures(eng, "zh", 360, {}, {})))
               for _ in range(8)]  # fmt: skip
    for v in viewers:
        v.start()
    for v in viewers:
        v.join()
    assert calls == [1] and len(out) == 8 and all(o is out[0] for o in out)
    eng.snapshot = {"ticks": 2}
    assert board.figures(eng, "zh", 360, {}, {}) is not out[0] and calls == [1, 2]
    assert board.figures(eng, "zh", 360, {}, {}) is board.figures(eng, "zh", 360, {}, {})
    assert calls == [1, 2]


def test_board_map_boundaries_are_served_by_the_app_not_shipped_each_refresh():
    """With static serving on (config.toml), the map figure names the served file; the served
    copy equals the shipped boundaries."""
    import json

    import pandas as pd

    from omni_core.charts.war_room import MAP_FILE, china_provinces, province_map
    from ui import board

    url = board.map_url()
    assert url == f"app/static/{MAP_FILE}"
    assert json.loads((board.STATIC / MAP_FILE).read_text(encoding="utf-8")) == china_provinces()
    df = pd.DataFrame({"key": ["GD"], "gmv": [10.0], "orders": [1]})
    served = province_map(df, geojson_url=url)
    assert served.data[1].geojson == url
    assert len(served.to_json()) < 10_000 < len(province_map(df).to_json())


def test_oidc_operators_are_the_listed_verified_emails(monkeypatch):
    """OIDC sign-in (st.login, where configured): only a signed-in user whose e-mail is on the
    operator list (secrets ``operators`` or ``OMNI_OPERATORS``) operates; others stay viewers."""
    from ui.live import oidc_operator, operator_emails

    monkeypatch.setenv("OMNI_OPERATORS", " Ops@Shop.cn, lead@shop.cn ,")
    allowed = operator_emails()
    assert allowed == {"ops@shop.cn", "lead@shop.cn"}
    assert oidc_operator({"is_logged_in": True, "email": "OPS@shop.cn"}, allowed)
    assert oidc_operator({"is_logged_in": True, "email": "lead@shop.cn", "email_verified": True},
                         allowed)  # fmt: skip
    assert not oidc_operator({"is_logged_in": True, "email": "guest@shop.cn"}, allowed)
    assert not oidc_operator({"is_logged_in": False, "email": "ops@shop.cn"}, allowed)
    assert not oidc_operator({"is_logged_in": True, "email": "ops@shop.cn",
                              "email_verified": False}, allowed)  # fmt: skip
    assert not oidc_operator({"is_logged_in": True}, allowed)


def test_sso_sign_in_is_offered_where_auth_is_configured():
    """With an ``[auth]`` section in secrets the sidebar offers SSO; a viewer stays read-only."""
    from streamlit.testing.v1 import AppTest

    from .apputil import APP

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "en"
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                          "cookie_secret": "x" * 32, "client_id": "id", "client_secret": "s",
                          "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}  # fmt: skip
    at.run()
    at.switch_page("pages/war_room.py")
    at.run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.button]
    assert "Sign in with SSO" in labels and "Inject" not in labels
