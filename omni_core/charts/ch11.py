"""Chapter 11 charts: drop replay, benchmarks against the doc's cases, ledger strip, complaints."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.theme import PALETTE


def _tr(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def drop_daily(
    daily: pd.DataFrame, *, title: str | None = None, height: int = 400, lang: str = "zh"
) -> go.Figure:
    """Daily GMV measured vs with the drop (bars) and the supply left (line, right axis)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    x = pd.to_datetime(daily["day"])
    fig.add_bar(x=x, y=daily["baseline_gmv"], name=_tr(lang, "实测 GMV", "Measured GMV"),
                marker_color=PALETTE[2], opacity=0.6)  # fmt: skip
    fig.add_bar(x=x, y=daily["gmv"], name=_tr(lang, "含发售 GMV", "GMV with drop"),
                marker_color=PALETTE[0])  # fmt: skip
    fig.add_scatter(x=x, y=daily["supply_left"], name=_tr(lang, "剩余藏品", "Supply left"),
                    mode="lines+markers", line=dict(color=PALETTE[1], width=3), secondary_y=True)  # fmt: skip
    fig.update_yaxes(title_text="GMV", secondary_y=False)
    fig.update_yaxes(title_text=_tr(lang, "剩余数量", "Pieces left"), secondary_y=True,
                     rangemode="tozero", showgrid=False)  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height, barmode="group")
    return fig


def benchmark(
    value: float,
    doc_value: float,
    label: str,
    doc_label: str,
    *,
    title: str | None = None,
    height: int = 300,
    lang: str = "zh",
) -> go.Figure:
    """One simulated rate as a bar with the document's case as a dashed reference line."""
    fig = go.Figure(go.Bar(x=[label], y=[value], marker_color=PALETTE[0], width=0.45,
                           text=[f"{100 * value:.1f}%"], textposition="outside",
                           cliponaxis=False))  # fmt: skip
    reference_line(fig, doc_value, doc_label)
    top = max(value, doc_value) * 1.35 + 0.01
    fig.update_yaxes(tickformat=".0%", range=[min(0.0, value * 1.2), top])
    fig.update_layout(template=TEMPLATE, title=title, height=height, showlegend=False)
    return fig


STATE_COLORS = {"ok": "#73D13D", "broken": "#FF4D4F", "unverified": "#5B6B85"}


def ledger_strip(
    strip: pd.DataFrame, *, title: str | None = None, height: int = 260, lang: str = "zh"
) -> go.Figure:
    """A run of blocks as linked squares: verified, the first broken one, and those after it."""
    names = {"ok": _tr(lang, "已验证", "Verified"), "broken": _tr(lang, "首个断链", "First broken"),
             "unverified": _tr(lang, "其后不可信", "Untrusted after break")}  # fmt: skip
    fig = go.Figure()
    fig.add_scatter(x=strip["index"], y=[0] * len(strip), mode="lines",
                    line=dict(color="#8FA3BF", width=2), showlegend=False, hoverinfo="skip")  # fmt: skip
    for state, color in STATE_COLORS.items():
        d = strip[strip["state"] == state]
        if d.empty:
            continue
        fig.add_scatter(
            x=d["index"], y=[0] * len(d), mode="markers+text", name=names[state],
            marker=dict(symbol="square", size=38, color=color, line=dict(color="#0B1220", width=2)),
            text=[str(i) for i in d["index"]], textfont=dict(color="#0B1220", size=12),
            customdata=d[["kind", "ref", "hash"]].to_numpy(),
            hovertemplate="#%{x} %{customdata[0]} · %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
        )  # fmt: skip
    fig.update_yaxes(visible=False, range=[-1, 1])
    fig.update_xaxes(title_text=_tr(lang, "区块序号", "Block index"), dtick=1)
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def complaints_bar(
    frame: pd.DataFrame, *, title: str | None = None, height: int = 320, lang: str = "zh"
) -> go.Figure:
    """Measured complaint-proxy returns vs the projection with the doc's -72%."""
    labels = {"quality": _tr(lang, "质量问题", "Quality problem"),
              "not_as_described": _tr(lang, "与描述不符", "Not as described")}  # fmt: skip
    x = [labels.get(r, r) for r in frame["reason"]]
    fig = go.Figure()
    fig.add_bar(x=x, y=frame["requests"], name=_tr(lang, "实测退货申请", "Measured requests"),
                marker_color=PALETTE[3])  # fmt: skip
    fig.add_bar(x=x, y=frame["projected"],
                name=_tr(lang, "文档: 溯源后 −72%（投影）", "doc: with traceability −72% (projection)"),
                marker_color=PALETTE[1])  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height, barmode="group")
    return fig
