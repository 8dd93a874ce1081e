"""Big-screen HTML pieces of the war room (dark, high contrast, readable from 5 m)."""

from __future__ import annotations

import datetime as dt
import functools
import html
import os
import threading
from collections import OrderedDict
from concurrent.futures import Future
from importlib import resources
from pathlib import Path
from typing import Any

import streamlit as st

from omni_core.charts.war_room import MAP_FILE, gmv_curve, province_map, split_bar, stock_levels
from ui.state import tr

CSS = """
<style>
/* no fading of the board while its fragment refreshes: the wall screen must not flicker */
[data-stale="true"], .stale-element {opacity:1 !important; transition:none !important}
.wr-top {display:flex; justify-content:space-between; align-items:center; background:#111A2E;
         border:1px solid #22314F; border-radius:10px; padding:0.5rem 1rem; margin-bottom:0.6rem}
.wr-title {font-size:1.6rem; font-weight:700; color:#E6EDF7}
.wr-clock {font-size:1.3rem; color:#36CFC9; font-variant-numeric:tabular-nums}
.wr-count {font-size:1.1rem; color:#FFC53D}
.wr-big {background:linear-gradient(135deg,#0f2a3a,#111A2E); border:1px solid #22314F;
         border-radius:12px; padding:0.8rem 1.2rem}
.wr-big .v {font-size:3.6rem; font-weight:800; color:#36CFC9; line-height:1.1;
            font-variant-numeric:tabular-nums}
.wr-big .l {color:#8FA3BF; font-size:1.05rem}
.wr-bar {height:12px; background:#22314F; border-radius:6px; overflow:hidden; margin-top:0.4rem}
.wr-bar > div {height:100%; background:linear-gradient(90deg,#36CFC9,#73D13D)}
.wr-tiles {display:grid; grid-template-columns:repeat(3,1fr); gap:0.5rem; margin-top:0.6rem}
.wr-tile {background:#111A2E; border:1px solid #22314F; border-radius:10px; padding:0.45rem 0.7rem}
.wr-tile .l {color:#8FA3BF; font-size:0.9rem}
.wr-tile .v {color:#E6EDF7; font-size:1.7rem; font-weight:700; font-variant-numeric:tabular-nums}
.up {color:#73D13D} .down {color:#FF4D4F} .flat {color:#8FA3BF}
.wr-panel {background:#111A2E; border:1px solid #22314F; border-radius:10px; padding:0.5rem 0.8rem;
           margin-bottom:0.5rem}
.wr-panel h4 {margin:0 0 0.3rem 0; color:#E6EDF7; font-size:1.05rem}
.wr-row {display:flex; justify-content:space-between; border-bottom:1px dashed #22314F;
         padding:0.18rem 0; font-size:0.98rem; color:#C9D6EA; font-variant-numeric:tabular-nums}
.wr-alert {border-left:6px solid #FF4D4F; background:rgba(255,77,79,0.08); border-radius:6px;
           padding:0.4rem 0.6rem; margin-bottom:0.4rem; color:#E6EDF7}
.wr-alert.major {border-color:#FF7A45; background:rgba(255,122,69,0.08)}
.wr-alert.minor {border-color:#FFC53D; background:rgba(255,197,61,0.08)}
.wr-alert .pb {color:#FFC53D; font-size:0.92rem}
.wr-alert .meta {color:#8FA3BF; font-size:0.85rem}
.wr-ok {color:#73D13D; font-size:1.1rem; padding:0.4rem}
</style>
"""


def css() -> None:
    """Inject the board's CSS."""
    st.markdown(CSS, unsafe_allow_html=True)


def _fmt(v: float | None, kind: str) -> str:
    if v is None or v != v:
        return "—"
    if kind == "money":
        return f"¥{v:,.0f}"
    if kind == "pct":
        return f"{100 * v:.2f}%"
    if kind == "ratio":
        return f"{v:.2f}"
    return f"{v:,.0f}"


def _delta(today: float | None, yday: float | None, good_up: bool = True) -> str:
    if today is None or yday is None or not yday or today != today or yday != yday:
        return "<span class='flat'>—</span>"
    d = today / yday - 1
    cls = (
        "flat"
        if abs(d) < 0.005
        else (("up" if d > 0 else "down") if good_up else ("down" if d > 0 else "up"))
    )
    arrow = "▲" if d > 0 else ("▼" if d < 0 else "■")
    return f"<span class='{cls}'>{arrow} {d:+.1%}</span>"


def top_bar(snap: dict[str, Any], lang: str) -> None:
    """Campaign name, countdown and the simulated clock."""
    c = snap["campaign"]
    cur = c.get("current") or tr("日常经营", "Business as usual")
    right = ""
    if "countdown_s" in c:
        s = int(c["countdown_s"])
        right = (f"{tr('距', 'To')} {html.escape(c['next'])}: "
                 f"{s // 86400}{tr('天', 'd')} {s % 86400 // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}")  # fmt: skip
    now: dt.datetime = snap["now"]
    state = tr("暂停", "paused") if snap["paused"] else f"×{snap['speed']:g}"
    st.markdown(
        f"<div class='wr-top'><div class='wr-title'>{tr('全域营销作战室', 'Omni War Room')} · "
        f"{html.escape(cur)}</div><div class='wr-count'>{right}</div>"
        f"<div class='wr-clock'>{now:%Y-%m-%d %H:%M} ({state})</div></div>",
        unsafe_allow_html=True,
    )


def big_counter(snap: dict[str, Any]) -> None:
    """Today's GMV with progress to the target and the KPI tiles with deltas vs yesterday."""
    k, y = snap["kpi"], snap["kpi_yesterday"]
    target = snap["target"] or 0.0
    prog = min(k["gmv"] / target, 1.0) if target else 0.0
    tiles = [
        ("orders", tr("支付订单", "Paid orders"), "int", True),
        ("uv", tr("访客 UV", "Visitors (UV)"), "int", True),
        ("conversion", tr("转化率", "Conversion"), "pct", True),
        ("aov", tr("客单价", "AOV"), "money", True),
        ("roas", "ROAS", "ratio", True),
        ("refund_rate", tr("退款率", "Refund rate"), "pct", False),
    ]
    cells = "".join(
        f"<div class='wr-tile'><div class='l'>{label}</div><div class='v'>{_fmt(k[key], kind)}</div>"
        f"<div>{_delta(k[key], y[key], up)} <span class='flat'>{tr('vs 昨日', 'vs yday')}"
        f"</span></div></div>"
        for key, label, kind, up in tiles
    )
    st.markdown(
        f"<div class='wr-big'><div class='l'>{tr('今日 GMV', 'GMV today')} · "
        f"{_delta(k['gmv'], y['gmv'])}</div><div class='v' data-testid='wr-gmv'>{_fmt(k['gmv'], 'money')}"
        f"</div><div class='l'>{tr('目标', 'Target')} {_fmt(target, 'money')} ({prog:.0%})"
        f" · {tr('计划+10%', 'plan + 10%')}</div><div class='wr-bar'><div style='width:{100 * prog:.1f}%'>"
        f"</div></div></div><div class='wr-tiles'>{cells}</div>",
        unsafe_allow_html=True,
    )


def ticker(rows: list[dict[str, Any]], channel_names: dict[str, str]) -> None:
    """The live order ticker with masked buyer names."""
    body = (
        "".join(
            f"<div class='wr-row'><span>{r['time']}</span><span>{html.escape(r['buyer'])}</span>"
            f"<span>{html.escape(str(r['city']))}</span><span>{html.escape(channel_names.get(r['channel'], r['channel']))}"
            f"</span><span>¥{r['amount']:,.0f}</span></div>"
            for r in rows[:10]
        )
        or f"<div class='wr-row'>{tr('等待订单…', 'Waiting for orders…')}</div>"
    )
    st.markdown(f"<div class='wr-panel'><h4>{tr('实时订单', 'Live orders')}</h4>{body}</div>",
                unsafe_allow_html=True)  # fmt: skip


def alert_card(a: Any, lang: str) -> None:
    """One alert with its evidence, drill-down and playbook."""
    name = a.name_zh if lang == "zh" else a.name_en
    msg = a.message_zh if lang == "zh" else a.message_en
    pb = a.playbook_zh if lang == "zh" else a.playbook_en
    drill = ", ".join(f"{d['dim']}={d['key']} ({d['effect']:+.0%})" for d in a.drilldown[:3])
    extra = ""
    if a.deadlines:
        extra = " · ".join(f"{k}: {v[11:16]}" for k, v in a.deadlines.items())
    if a.carriers:
        extra = " / ".join(f"{c['name_zh'] if lang == 'zh' else c['name_en']} ({c['days']}d, ¥{c['cost']})"
                           for c in a.carriers)  # fmt: skip
    state = {"firing": tr("告警中", "firing"), "acknowledged": tr("已确认", "acknowledged"),
             "resolved": tr("已恢复", "resolved")}[a.state]  # fmt: skip
    st.markdown(
        f"<div class='wr-alert {a.severity}'><b>[{a.severity.upper()}] {html.escape(name)}</b> · "
        f"{html.escape(a.dim)}={html.escape(str(a.key))}<br>{html.escape(msg)}"
        + (
            f"<div class='meta'>{tr('下钻', 'Drill-down')}: {html.escape(drill)}</div>"
            if drill
            else ""
        )
        + f"<div class='pb'>▸ {html.escape(pb)}</div>"
        + (f"<div class='pb'>{html.escape(extra)}</div>" if extra else "")
        + f"<div class='meta'>#{a.id} · {a.fired_at:%H:%M} · {state}"
        + (f" · {html.escape(a.acked_by or '')}" if a.acked_by else "")
        + "</div></div>",
        unsafe_allow_html=True,
    )


STATIC = Path(__file__).resolve().parent.parent / "static"  # served at app/static/ (config.toml)


@functools.cache
def map_url() -> str | None:
    """The province boundaries' URL under the app's static serving, or None to embed them.

    The file is copied once from ``omni_core/data`` (the one source) into ``static/``; without
    static serving, or where that folder cannot be written, the map carries the boundaries.
    The URL is relative, so it also holds under ``server.baseUrlPath``.
    """
    if not st.get_option("server.enableStaticServing"):
        return None
    src = resources.files("omni_core").joinpath("data", MAP_FILE).read_bytes()
    dst = STATIC / MAP_FILE
    try:
        if not dst.exists() or dst.read_bytes() != src:
            STATIC.mkdir(exist_ok=True)
            tmp = dst.with_name(f".{MAP_FILE}.{os.getpid()}.tmp")
            tmp.write_bytes(src)
            os.replace(tmp, dst)
    except OSError:
        return None
    return f"app/static/{MAP_FILE}"


_FIGS: OrderedDict[tuple, tuple[dict, dict[str, Any]]] = OrderedDict()
_BUILDING: dict[tuple, Future] = {}
_FIGS_LOCK = threading.Lock()


def figures(eng: Any, lang: str, height: int, ch_names: dict[str, str],
            cat_names: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """The board's charts for the engine's current snapshot, built once and shared by viewers.

    Every viewer's fragment reruns every 2 s; the snapshot only changes with a tick, so the
    figures are keyed by the snapshot object (and language and height) and reused by all
    sessions until the next tick (a few are kept for viewers one tick behind). One build per key
    (single flight): viewers that arrive while it runs wait for it instead of building it again.
    """
    snap = eng.snapshot
    key = (id(eng), id(snap), snap.get("ticks"), lang, height)
    with _FIGS_LOCK:
        hit = _FIGS.get(key)
        if hit is not None and hit[0] is snap:  # the very snapshot (ids can be reused)
            return hit[1]
        pending = _BUILDING.get(key)
        owner = pending is None
        if owner:
            pending = _BUILDING[key] = Future()
    if not owner:
        return pending.result()
    try:
        figs = _build_figures(snap, lang, height, ch_names, cat_names)
    except BaseException as e:
        pending.set_exception(e)
        raise
    finally:
        with _FIGS_LOCK:
            _BUILDING.pop(key, None)
    with _FIGS_LOCK:
        _FIGS[key] = (snap, figs)
        while len(_FIGS) > 8:
            _FIGS.popitem(last=False)
    pending.set_result(figs)
    return figs


def _build_figures(snap: dict[str, Any], lang: str, height: int, ch_names: dict[str, str],
                   cat_names: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    zh = lang == "zh"
    figs = {
        "gmv": gmv_curve(snap["per_minute"], lang=lang, height=height + 40,
                         title="每分钟 GMV：实际 vs 预期与动态阈值" if zh
                         else "GMV per minute: actual vs expected and dynamic band"),
        "ch": split_bar(snap["by_channel"], ch_names, height=height,
                        title="渠道 GMV" if zh else "GMV by channel"),
        "prov": province_map(snap["by_province"], height=height, lang=lang,
                             title="省份 GMV" if zh else "GMV by province",
                             geojson_url=map_url()),
        "cat": split_bar(snap["by_category"], cat_names, height=height,
                         title="品类 GMV" if zh else "GMV by category"),
    }  # fmt: skip
    if len(snap["stock"]):
        figs["stock"] = stock_levels(snap["stock"], height=height, lang=lang,
                                     title="爆品库存水位" if zh else "Hot-SKU stock levels")  # fmt: skip
    return figs
