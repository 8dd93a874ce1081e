"""Charts of chapter 12: the year calendar, scenario curves, comparisons and budget response."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.theme import GRID, PALETTE, TEXT

KIND_COLOR = {
    "presale": "#597EF7", "opening": "#FF7A45", "category": "#36CFC9", "peak": "#FF4D4F",
    "return": "#9254DE", "festival": "#FFC53D", "theme": "#22314F",
}  # fmt: skip


def _tr(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _finish(fig: go.Figure, title: str | None, height: int) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def calendar_heatmap(
    days: pd.DataFrame, *, title: str | None = None, height: int = 300, lang: str = "zh"
) -> go.Figure:
    """The year as weeks x weekdays coloured by the behaviour model's traffic factor; hover
    shows the theme, event phase, category day and flash sale; member days (the 8th) ringed."""
    wd = [
        _tr(lang, x, y)
        for x, y in zip(
            "一二三四五六日", ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True
        )
    ]
    z = days.pivot(index="weekday", columns="week", values="factor").reindex(range(7))
    text = days.pivot(index="weekday", columns="week", values="label").reindex(range(7))
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=z.columns, y=wd, text=text.to_numpy(), hoverinfo="text", xgap=2, ygap=2,
        colorscale=[[0, "#16233D"], [0.25, "#1D4E89"], [0.5, "#36CFC9"], [0.75, "#FFC53D"], [1, "#FF4D4F"]],
        zmin=0.8, zmax=3.2, colorbar=dict(title=_tr(lang, "流量×", "traffic ×"), thickness=10),
    ))  # fmt: skip
    m = days[days["member_day"]]
    fig.add_trace(go.Scatter(
        x=m["week"], y=[wd[i] for i in m["weekday"]], mode="markers", hoverinfo="skip",
        marker=dict(symbol="circle-open", size=11, color="#F759AB", line=dict(width=2)),
        name=_tr(lang, "会员日（每月8日）", "member day (8th)"),
    ))  # fmt: skip
    c = days[days["category_day"] != ""]
    fig.add_trace(go.Scatter(
        x=c["week"], y=[wd[i] for i in c["weekday"]], mode="markers", hoverinfo="skip",
        marker=dict(symbol="diamond-open", size=11, color="#73D13D", line=dict(width=2)),
        name=_tr(lang, "超级品类日", "super category day"),
    ))  # fmt: skip
    firsts = days.groupby(days["date"].dt.month)["week"].min()
    fig.update_xaxes(tickvals=firsts.to_numpy(), showgrid=False,
                     ticktext=[_tr(lang, f"{mo}月", pd.Timestamp(2000, mo, 1).strftime("%b")) for mo in firsts.index])  # fmt: skip
    fig.update_yaxes(autorange="reversed", showgrid=False)
    return _finish(fig, title, height)


KIND_LABEL = {
    "presale": ("预售种草", "pre-sale / seeding"), "opening": ("开门红", "opening"),
    "category": ("品类日/蓄水", "category / warm-up"), "peak": ("狂欢日", "carnival day"),
    "return": ("返场", "encore"), "festival": ("节日大促", "festival"),
}  # fmt: skip


def calendar_timeline(
    bars: pd.DataFrame, *, title: str | None = None, height: int = 300, lang: str = "zh"
) -> go.Figure:
    """Events' phases (coloured by kind, dates written beside each event) and monthly themes as a
    Gantt-style timeline."""
    fig = go.Figure()
    for kind, g in bars.groupby("kind", sort=False):
        ms = (g["end"] - g["start"]).dt.total_seconds() * 1000
        theme = kind == "theme"
        fig.add_trace(go.Bar(
            base=g["start"], x=ms, y=g["row"], orientation="h", text=g["label"],
            textposition="inside" if theme else "none", insidetextanchor="middle",
            textfont=dict(size=11, color=TEXT), marker_color=KIND_COLOR.get(kind, PALETTE[0]),
            marker_line=dict(color=GRID, width=1), customdata=(g["end"] - g["start"]).dt.days,
            hovertemplate="%{text}<br>%{base|%m-%d} · %{customdata} d<extra></extra>",
            name=_tr(lang, *KIND_LABEL.get(kind, (kind, kind))), showlegend=not theme,
        ))  # fmt: skip
    rows = list(dict.fromkeys(bars["row"]))  # "618" must stay a category, not a number
    for row, g in bars[bars["kind"] != "theme"].groupby("row", sort=False):
        end = g["end"].max()
        span = f"{g['start'].min():%m-%d} → {end - pd.Timedelta(days=1):%m-%d}"
        # by category index: a label such as "618" would be read as position 618
        fig.add_annotation(x=end, y=rows.index(row), text=" " + span, showarrow=False,
                           xanchor="left", font=dict(size=11, color="#8FA3BF"))  # fmt: skip
    fig.update_layout(barmode="overlay", bargap=0.35)
    fig.update_xaxes(type="date", tickformat="%m-%d", dtick="M1")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=rows, autorange="reversed",
                     automargin=True)  # fmt: skip
    return _finish(fig, title, height)


def gmv_curve(
    daily: pd.DataFrame, *, title: str | None = None, height: int = 380, lang: str = "zh"
) -> go.Figure:
    """Daily GMV (bars coloured by phase kind) with the P10-P90 band, and cumulative GMV against
    the target path on the right axis."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    spot = daily["gmv"] - daily["gmv_deposit"]
    fig.add_trace(go.Bar(
        x=daily["date"], y=spot, name=_tr(lang, "日 GMV", "daily GMV"),
        marker_color=[KIND_COLOR.get(k, "#40536F") for k in daily["kind"]],
        customdata=daily["phase"], hovertemplate="%{x|%m-%d} %{customdata}<br>¥%{y:,.0f}<extra></extra>",
    ))  # fmt: skip
    if daily["gmv_deposit"].gt(0).any():
        fig.add_trace(go.Bar(
            x=daily["date"], y=daily["gmv_deposit"], name=_tr(lang, "定金订单尾款", "deposit balances"),
            marker=dict(color="rgba(89,126,247,0.35)", line=dict(color="#597EF7", width=1.5)),
            hovertemplate="%{x|%m-%d}<br>¥%{y:,.0f}<extra></extra>",
        ))  # fmt: skip
    fig.add_trace(go.Scatter(
        x=daily["date"], y=daily["gmv_p50"], mode="markers", marker=dict(size=1, color="rgba(0,0,0,0)"),
        error_y=dict(type="data", symmetric=False, array=daily["gmv_p90"] - daily["gmv_p50"],
                     arrayminus=daily["gmv_p50"] - daily["gmv_p10"], color="#E6EDF7", thickness=1.2, width=3),
        name=_tr(lang, "P10–P90 区间", "P10–P90 band"), hovertemplate="P10–P90<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(barmode="stack")
    fig.add_trace(go.Scatter(x=daily["date"], y=daily["gmv_cum"], name=_tr(lang, "累计 GMV", "cumulative GMV"),
                             line=dict(color="#FFC53D", width=3)), secondary_y=True)  # fmt: skip
    if daily["target_cum"].notna().any():
        fig.add_trace(go.Scatter(x=daily["date"], y=daily["target_cum"], name=_tr(lang, "目标路径", "target path"),
                                 line=dict(color="#FFC53D", dash="dash", width=2)), secondary_y=True)  # fmt: skip
    fig.update_yaxes(
        title_text=_tr(lang, "日 GMV ¥", "daily GMV ¥"), secondary_y=False, rangemode="tozero"
    )
    fig.update_yaxes(title_text=_tr(lang, "累计 ¥", "cumulative ¥"), secondary_y=True, showgrid=False,
                     rangemode="tozero")  # fmt: skip
    return _finish(fig, title, height)


def stock_curve(
    daily: pd.DataFrame, *, title: str | None = None, height: int = 320, lang: str = "zh"
) -> go.Figure:
    """Units sold to date against the sell-through plan, and stock left at day end."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=daily["date"], y=daily["units_sold_cum"], name=_tr(lang, "累计销量", "units sold"),
                             line=dict(color="#36CFC9", width=3)))  # fmt: skip
    if daily["plan_units_cum"].notna().any():
        fig.add_trace(go.Scatter(x=daily["date"], y=daily["plan_units_cum"], name=_tr(lang, "计划动销", "plan"),
                                 line=dict(color="#FFC53D", dash="dash")))  # fmt: skip
    if daily["stock_end"].notna().any():
        fig.add_trace(go.Scatter(x=daily["date"], y=daily["stock_end"], name=_tr(lang, "剩余库存", "stock left"),
                                 fill="tozeroy", line=dict(color="#597EF7"), fillcolor="rgba(89,126,247,0.15)"))  # fmt: skip
    fig.update_yaxes(title_text=_tr(lang, "件", "units"))
    return _finish(fig, title, height)


def conversion_curve(
    hourly: pd.DataFrame,
    base: float,
    *,
    title: str | None = None,
    height: int = 320,
    lang: str = "zh",
) -> go.Figure:
    """Realised UV conversion hour by hour against the BAU baseline and the doc's 15% drop line."""
    fig = go.Figure(go.Scatter(x=hourly["ts"], y=hourly["conversion_realized"], mode="lines",
                               line=dict(color="#36CFC9"), name=_tr(lang, "转化率", "conversion")))  # fmt: skip
    fig.add_hline(y=base, line_dash="dot", line_color="#8FA3BF", annotation_text=_tr(lang, "日常基线", "BAU baseline"),
                  annotation_position="top right", annotation_font_color="#8FA3BF")  # fmt: skip
    reference_line(fig, 0.85 * base, _tr(lang, "文档: UV 转化率下降超 15% → 切换备用素材与话术",
                                         "doc: UV conversion −15% → backup creatives and scripts"))  # fmt: skip
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return _finish(fig, title, height)


def peak_hours(
    hourly: pd.DataFrame, *, title: str | None = None, height: int = 320, lang: str = "zh"
) -> go.Figure:
    """Peak days hour by hour (one line per date, x = hour of day): order-time GMV, with the
    hours where stock could not meet demand marked."""
    fig, marked = go.Figure(), False
    for i, (day, g) in enumerate(hourly.groupby(hourly["ts"].dt.date, sort=True)):
        color = PALETTE[(i + 3) % len(PALETTE)]
        fig.add_trace(go.Scatter(x=g["ts"].dt.hour, y=g["gmv_order_time"], name=f"{day:%m-%d}",
                                 line=dict(color=color, width=2, shape="hvh"),
                                 hovertemplate=f"{day:%m-%d} " + "%{x}:00<br>¥%{y:,.0f}<extra></extra>"))  # fmt: skip
        short = g[g["fulfilled"] < 0.999]
        if len(short):
            fig.add_trace(go.Scatter(x=short["ts"].dt.hour, y=short["gmv_order_time"], mode="markers",
                                     marker=dict(symbol="x", size=10, color="#FF4D4F"), showlegend=not marked,
                                     name=_tr(lang, "缺货小时", "stock-out hours")))  # fmt: skip
            marked = True
    fig.update_xaxes(title_text=_tr(lang, "小时", "hour"), dtick=2, range=[-0.5, 23.5])
    fig.update_yaxes(title_text=_tr(lang, "GMV ¥ / 小时", "GMV ¥ / hour"))
    return _finish(fig, title, height)


def compare_curves(
    curves: pd.DataFrame, *, title: str | None = None, height: int = 420, lang: str = "zh"
) -> go.Figure:
    """Scenarios overlaid: daily GMV (top) and cumulative GMV (bottom) by day of the window."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=(_tr(lang, "日 GMV", "Daily GMV"), _tr(lang, "累计 GMV", "Cumulative GMV")))  # fmt: skip
    for i, (name, g) in enumerate(curves.groupby("scenario", sort=False)):
        color = PALETTE[i % len(PALETTE)]
        hover = "%{customdata|%Y-%m-%d}<br>¥%{y:,.0f}<extra>" + str(name) + "</extra>"
        fig.add_trace(go.Scatter(x=g["day"], y=g["gmv"], name=str(name), line=dict(color=color, width=2),
                                 customdata=g["date"], hovertemplate=hover), row=1, col=1)  # fmt: skip
        fig.add_trace(go.Scatter(x=g["day"], y=g["gmv_cum"], name=str(name), showlegend=False,
                                 line=dict(color=color, width=3), customdata=g["date"],
                                 hovertemplate=hover), row=2, col=1)  # fmt: skip
    fig.update_xaxes(title_text=_tr(lang, "活动第几天", "day of the window"), row=2, col=1)
    return _finish(fig, title, height)


def response_curves(
    curves: pd.DataFrame, marks: pd.DataFrame, *, title: str | None = None, height: int = 380,
    value_label: str = "GMV", lang: str = "zh",
) -> go.Figure:  # fmt: skip
    """Each channel's event return against its budget (adstock + Hill: diminishing returns), with
    the current (open) and optimised (filled) allocations marked."""
    fig = go.Figure()
    for i, (ch, g) in enumerate(curves.groupby("channel", sort=False)):
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(x=g["budget"], y=g["value"], name=str(ch), line=dict(color=color)))
        m = marks[marks["channel"] == ch]
        fig.add_trace(go.Scatter(x=m["current"], y=m["current_value"], mode="markers", showlegend=False,
                                 marker=dict(symbol="circle-open", size=11, color=color, line=dict(width=2)),
                                 hovertemplate=_tr(lang, "当前", "current") + " ¥%{x:,.0f}<extra></extra>"))  # fmt: skip
        fig.add_trace(go.Scatter(x=m["optimised"], y=m["optimised_value"], mode="markers", showlegend=False,
                                 marker=dict(symbol="circle", size=10, color=color),
                                 hovertemplate=_tr(lang, "优化", "optimised") + " ¥%{x:,.0f}<extra></extra>"))  # fmt: skip
    fig.update_xaxes(title_text=_tr(lang, "渠道预算 ¥", "channel budget ¥"))
    fig.update_yaxes(title_text=value_label)
    return _finish(fig, title, height)


def backtest_chart(
    frame: pd.DataFrame, *, title: str | None = None, height: int = 300, lang: str = "zh"
) -> go.Figure:
    """Model replay of the history's event against the actual daily GMV."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=frame["date"], y=frame["actual"], name=_tr(lang, "实际", "actual"),
                         marker_color="#40536F"))  # fmt: skip
    fig.add_trace(go.Scatter(x=frame["date"], y=frame["model"], name=_tr(lang, "模型回放", "model replay"),
                             line=dict(color="#FFC53D", width=3)))  # fmt: skip
    return _finish(fig, title, height)
