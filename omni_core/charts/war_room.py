"""War-room charts: per-minute GMV against plan with its band, splits, province map, stock levels."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from omni_core.charts.base import TEMPLATE
from omni_core.charts.theme import PALETTE
from omni_core.reference import PROVINCES

MAP_FILE = "china_provinces.geojson"  # Apache ECharts 4.9.0, Apache-2.0: see its LICENSE file
NO_DATA = "#2A3550"
MAP_SCALE = [[0.0, NO_DATA], [0.02, NO_DATA], [0.02, "#133049"], [0.5, "#1F7F8C"],
             [1.0, "#36CFC9"]]  # fmt: skip


def gmv_curve(per_minute: pd.DataFrame, *, title: str | None = None, height: int = 330,
              lang: str = "zh", bucket: int = 5) -> go.Figure:  # fmt: skip
    """GMV per minute in ``bucket``-minute bins against the plan curve and its 3-sigma band.

    The band of a bin sum has variance = sum of the minutes' variances (independent minutes),
    recovered from the per-minute band half-width (upper - expected) / 3.
    """
    pm = per_minute.copy()
    sd2 = ((pm["upper"] - pm["expected"]) / 3.0) ** 2
    key = pm.index // bucket
    g = pd.DataFrame({"minute": pm["minute"].groupby(key).first(),
                      "expected": pm["expected"].groupby(key).sum() / bucket,
                      "sd": np.sqrt(sd2.groupby(key).sum()) / bucket,
                      "gmv": pm["gmv"].groupby(key).sum(min_count=bucket) / bucket})  # fmt: skip
    pm = g.assign(
        upper=g["expected"] + 3 * g["sd"], lower=(g["expected"] - 3 * g["sd"]).clip(lower=0)
    )
    obs = pm["gmv"]
    exp5 = pm["expected"]
    names = (
        (f"实际（{bucket}分钟）", "预期", "动态阈值带")
        if lang == "zh"
        else (f"Actual ({bucket}-min bins)", "Expected", "Dynamic band")
    )
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=pm["minute"], y=pm["upper"], line=dict(width=0), showlegend=False,
                             hoverinfo="skip"))  # fmt: skip
    fig.add_trace(go.Scatter(x=pm["minute"], y=pm["lower"], fill="tonexty", line=dict(width=0),
                             fillcolor="rgba(89,126,247,0.18)", name=names[2]))  # fmt: skip
    fig.add_trace(go.Scatter(x=pm["minute"], y=exp5, name=names[1],
                             line=dict(color="#8FA3BF", dash="dot", width=2)))  # fmt: skip
    fig.add_trace(go.Scatter(x=pm["minute"], y=obs, name=names[0],
                             line=dict(color=PALETTE[0], width=3)))  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height, margin=dict(t=40, b=30),
                      yaxis_title="GMV / min", hovermode="x unified")  # fmt: skip
    return fig


def split_bar(df: pd.DataFrame, labels: dict[str, str] | None = None, *, title: str | None = None,
              height: int = 300, top: int = 10) -> go.Figure:  # fmt: skip
    """Today's GMV by a dimension (horizontal bars) with yesterday's same-time value as a marker."""
    d = df.head(top).iloc[::-1]
    names = [labels.get(k, k) if labels else k for k in d["key"]]
    fig = go.Figure(go.Bar(x=d["gmv"], y=names, orientation="h", marker_color=PALETTE[0],
                           name="today"))  # fmt: skip
    fig.add_trace(go.Scatter(x=d["gmv_yesterday"], y=names, mode="markers", name="yesterday",
                             marker=dict(symbol="line-ns-open", size=14, color="#FFC53D",
                                         line=dict(width=3))))  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height, showlegend=False,
                      margin=dict(l=10, r=10, t=40, b=20))  # fmt: skip
    return fig


@functools.cache
def china_provinces() -> dict[str, Any]:
    """The simplified China province boundaries shipped in ``omni_core/data`` (parsed once).

    One Feature per province-level division with ``properties.name`` = its short Chinese name
    (广东, 北京, ...), as in ``reference.PROVINCES``; source and licence in
    ``omni_core/data/china_provinces.LICENSE.txt``.
    """
    path = resources.files("omni_core").joinpath("data", MAP_FILE)
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def _map_frame() -> pd.DataFrame:
    """Map features with the world's province code (None for 台湾/香港/澳门) and label anchors."""
    by_zh = {zh: (code, en) for code, zh, en, *_ in PROVINCES}
    rows = []
    for f in china_provinces()["features"]:
        name = f["properties"]["name"]
        code, en = by_zh.get(name, (None, None))
        ring = max((p[0] for p in f["geometry"]["coordinates"]), key=len)
        lon, lat = np.asarray(ring).mean(0)
        rows.append({"feature": name, "code": code, "name_en": en, "lon": lon, "lat": lat})
    return pd.DataFrame(rows)


def province_map(df: pd.DataFrame, *, title: str | None = None, height: int = 330,
                 lang: str = "zh", labels: int = 3,
                 geojson_url: str | None = None) -> go.Figure:  # fmt: skip
    """China province map coloured by today's GMV (``df``: key = province code, gmv, orders).

    ``geojson_url``: where the browser fetches the boundaries (the same file, served by the app)
    instead of carrying them in the figure: a board redrawn every 2 s for every viewer then ships
    and serialises a few KB instead of the 92 KB of boundaries each time.

    Colour is proportional to the square root of GMV (the big coastal provinces would otherwise
    leave the rest dark); divisions outside the world's vocabulary are drawn in a muted "no data"
    grey; the ``labels`` largest provinces (apart enough not to collide) are named on the map. Offline: no base map or tiles,
    only the shipped boundaries (:func:`china_provinces`).
    """
    m = _map_frame().copy()
    vals = df.set_index("key")
    m["gmv"] = m["code"].map(vals["gmv"]).astype(float)
    m["orders"] = m["code"].map(vals["orders"]).astype(float) if "orders" in vals else np.nan
    has = m["code"].notna()
    root = np.sqrt(m["gmv"].clip(lower=0).fillna(0.0))
    top = float(root.max()) or 1.0
    m["z"] = np.where(has, 0.02 * top + 0.98 * root, 0.0)  # "no data" below the 2 % stop
    zh = lang == "zh"
    m["label"] = m["feature"] if zh else m["name_en"].fillna(m["feature"])
    none = "无数据" if zh else "no data"
    m["gmv_txt"] = [f"¥{v:,.0f}" if ok else none for v, ok in zip(m["gmv"], has, strict=True)]
    m["orders_txt"] = [f"{v:,.0f}" if ok and v == v else "—"
                       for v, ok in zip(m["orders"], has, strict=True)]  # fmt: skip
    # Labels first: plotly.js decides whether to fetch its world topojson (from a CDN, which an
    # offline wall screen cannot reach) from the subplot's first trace; a lon/lat scatter needs
    # none and the base layers are hidden, so nothing is fetched.
    picked: list[int] = []  # the largest provinces whose labels do not collide (>= 5 degrees apart)
    for i in m[has & (m["gmv"] > 0)].sort_values("gmv", ascending=False).index:
        if len(picked) >= labels:
            break
        d = np.hypot(m.loc[picked, "lon"] - m.at[i, "lon"], m.loc[picked, "lat"] - m.at[i, "lat"])
        if (d >= 5.0).all():
            picked.append(i)
    big = m.loc[picked]
    if big.empty:  # keep a (blank) first trace so the rule above always holds
        big = m.iloc[:1].assign(label="")
    fig = go.Figure(go.Scattergeo(
        lon=big["lon"], lat=big["lat"], mode="text", text=big["label"], hoverinfo="skip",
        textfont=dict(size=max(11, height // 26), color="#FFFFFF", shadow="0px 0px 4px #0B1220"),
        showlegend=False,
    ))  # fmt: skip
    fig.add_trace(go.Choropleth(
        geojson=geojson_url or china_provinces(), featureidkey="properties.name",
        locations=m["feature"],
        z=m["z"], zmin=0.0, zmax=top, colorscale=MAP_SCALE, showscale=False,
        marker=dict(line=dict(color="#0B1220", width=0.6)),
        customdata=np.stack([m["label"], m["gmv_txt"], m["orders_txt"]], axis=1),
        hovertemplate="<b>%{customdata[0]}</b><br>GMV %{customdata[1]}<br>"
                      + ("支付订单" if zh else "Paid orders") + " %{customdata[2]}<extra></extra>",
    ))  # fmt: skip
    # Web Mercator as on the common Chinese web maps (plotly's fitbounds frames it reliably).
    fig.update_geos(visible=False, fitbounds="locations", bgcolor="rgba(0,0,0,0)",
                    projection=dict(type="mercator"))  # fmt: skip
    fig.update_layout(
        template=TEMPLATE, title=title, height=height, margin=dict(l=5, r=5, t=40, b=5)
    )
    return fig


def stock_levels(stock: pd.DataFrame, *, title: str | None = None, height: int = 300,
                 lang: str = "zh") -> go.Figure:  # fmt: skip
    """Hot-SKU water levels: on-hand bars with safety-stock and reorder-point markers."""
    s = stock.sort_values("on_hand").tail(8)
    color = np.where(s["on_hand"] <= 0, "#FF4D4F",
                     np.where(s["on_hand"] < s["safety_stock"], "#FFC53D", PALETTE[4]))  # fmt: skip
    labels = (
        ("安全库存", "补货点", "在库")
        if lang == "zh"
        else ("Safety stock", "Reorder point", "On hand")
    )
    short = [n.replace("OMNI ", "")[:14] for n in s["name"]]
    fig = go.Figure(go.Bar(x=s["on_hand"], y=short, orientation="h", marker_color=color,
                           name=labels[2]))  # fmt: skip
    fig.add_trace(go.Scatter(x=s["safety_stock"], y=short, mode="markers", name=labels[0],
                             marker=dict(symbol="line-ns-open", size=16, color="#FF7A45",
                                         line=dict(width=3))))  # fmt: skip
    fig.add_trace(go.Scatter(x=s["reorder_point"], y=short, mode="markers", name=labels[1],
                             marker=dict(symbol="line-ns-open", size=16, color="#FFC53D",
                                         line=dict(width=2))))  # fmt: skip
    fig.update_layout(
        template=TEMPLATE, title=title, height=height, margin=dict(l=10, r=10, t=40, b=20)
    )
    return fig
