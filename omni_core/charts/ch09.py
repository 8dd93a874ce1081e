"""Chapter 09 charts: OneID scores and identity graph, RFM, journeys, campaign tracking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.theme import PALETTE
from omni_core.models.rfm_tags import SEGMENTS

TITLES: dict[str, tuple[str, str]] = {
    "ablation": ("合并规则的贡献：成对精确率与召回率", "What each rule adds: pairwise precision and recall"),
    "graph": ("一个人的身份图谱（记录 · 标识 · 合并规则）", "One person's identity graph (records, identifiers, links)"),
    "sizes": ("每人记录数分布", "Records per resolved person"),
    "rfm_grid": ("RFM 网格：R × F 人数（颜色 = 平均消费）", "RFM grid: buyers by R × F (colour = mean spend)"),
    "segments": ("RFM 八大客群：人数与消费占比", "Eight RFM segments: buyers and spend share"),
    "uplift": ("增量：干预组 vs 随机对照组转化率（95% 区间）", "Incrementality: treated vs holdout conversion (95% CI)"),
    "messages": ("消息去向：发送 · 频控拦截 · 已转化退出", "Where messages went: sent, capped, exited"),
    "hours": ("各小时发送量（免打扰时段顺延）", "Messages sent by hour (quiet hours deferred)"),
    "roas": ("各计划 ROAS 与 95% 区间 vs 盈亏平衡与目标", "ROAS per campaign with 95% CI vs break-even and target"),
    "pacing": ("预算消耗节奏：花费占比 vs 时间占比", "Pacing: share of budget spent vs share of flight elapsed"),
    "projection": ("执行建议后的剩余投放预测", "Rest of flight: before vs after the recommendations"),
}  # fmt: skip
DECISION_COLORS = {"scale": PALETTE[4], "hold": PALETTE[7], "pause": PALETTE[9],
                   "learning": "#8FA3BF"}  # fmt: skip


def _l(zh: str, en: str, lang: str) -> str:
    return en if lang == "en" else zh


def _done(fig: go.Figure, title: str | None, height: int, lang: str, key: str) -> go.Figure:
    """Apply the template; ``title=None`` uses the chart's own bilingual title (``TITLES``)."""
    fig.update_layout(template=TEMPLATE, height=height,
                      title=_l(*TITLES[key], lang) if title is None else title)  # fmt: skip
    return fig


def ablation_chart(
    frame: pd.DataFrame,
    *,
    target: float,
    title: str | None = None,
    height: int = 320,
    lang: str = "zh",
) -> go.Figure:
    """Precision and recall of the resolution with more and more rules, and the target line."""
    names = {"exact": _l("仅精确匹配", "Exact only", lang),
             "exact+fuzzy": _l("+ 模糊匹配", "+ fuzzy", lang),
             "all_rules": _l("+ 设备关联（全部规则）", "+ device links (all rules)", lang)}  # fmt: skip
    fig = go.Figure()
    for col, name, color in (("precision", _l("精确率", "Precision", lang), PALETTE[0]),
                             ("recall", _l("召回率", "Recall", lang), PALETTE[1])):  # fmt: skip
        fig.add_bar(x=frame["rules"].map(names), y=frame[col], name=name, marker_color=color,
                    text=[f"{v:.3f}" for v in frame[col]], textposition="outside")  # fmt: skip
    reference_line(fig, target, _l(f"目标 ≥ {target:.0%}", f"target ≥ {target:.0%}", lang))
    fig.update_yaxes(range=[0.5, 1.04], tickformat=".0%")
    fig.update_layout(barmode="group")
    return _done(fig, title, height, lang, "ablation")


def identity_graph_chart(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    title: str | None = None,
    height: int = 420,
    lang: str = "zh",
) -> go.Figure:
    """Records on an inner ring, identifiers on an outer ring; edges coloured by rule."""
    rec = nodes[nodes["kind"] == "record"].reset_index(drop=True)
    ids = nodes[nodes["kind"] != "record"].reset_index(drop=True)
    pos = {}
    for frame, radius in ((rec, 1.0), (ids, 2.0)):
        ang = 2 * np.pi * np.arange(len(frame)) / max(len(frame), 1) + (0.3 if radius > 1 else 0)
        pos.update({n: (radius * np.cos(a), radius * np.sin(a))
                    for n, a in zip(frame["node"], ang, strict=True)})  # fmt: skip
    colors = {"phone": PALETTE[0], "email": PALETTE[2], "device": PALETTE[6],
              "phone~": PALETTE[1], "email~": PALETTE[3], "device_link": PALETTE[4]}  # fmt: skip
    fig = go.Figure()
    for rule, g in edges.assign(rule=edges["rule"].where(
            ~((edges["rule"] == "device") & edges["b"].str.startswith("r")), "device_link"),
    ).groupby("rule"):  # fmt: skip
        xs, ys = [], []
        for a, b in zip(g["a"], g["b"], strict=True):
            xs += [pos[a][0], pos[b][0], None]
            ys += [pos[a][1], pos[b][1], None]
        dash = "dot" if rule in {"phone~", "email~", "device_link"} else "solid"
        fig.add_scatter(x=xs, y=ys, mode="lines", name=rule,
                        line=dict(color=colors.get(rule, PALETTE[5]), width=2, dash=dash))  # fmt: skip
    for frame, sym, col in ((rec, "circle", PALETTE[1]), (ids, "diamond", PALETTE[7])):
        fig.add_scatter(
            x=[pos[n][0] for n in frame["node"]], y=[pos[n][1] for n in frame["node"]],
            mode="markers+text", text=frame["label"], textposition="top center",
            marker=dict(size=18, symbol=sym, color=col), showlegend=False, hoverinfo="text",
        )  # fmt: skip
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return _done(fig, title, height, lang, "graph")


def sizes_chart(
    frame: pd.DataFrame, *, title: str | None = None, height: int = 300, lang: str = "zh"
) -> go.Figure:
    """How many persons have 1, 2, ... records after resolution."""
    fig = go.Figure(go.Bar(x=frame["records"], y=frame["persons"], marker_color=PALETTE[2]))
    fig.update_layout(xaxis_title=_l("记录数/人", "Records per person", lang),
                      yaxis_title=_l("人数", "Persons", lang))  # fmt: skip
    return _done(fig, title, height, lang, "sizes")


def rfm_grid_chart(
    grid: pd.DataFrame, *, title: str | None = None, height: int = 340, lang: str = "zh"
) -> go.Figure:
    """Buyers by recency and frequency score, coloured by their mean spend."""
    users = grid.pivot(index="F", columns="R", values="users").fillna(0)
    spend = grid.pivot(index="F", columns="R", values="monetary").reindex_like(users)
    fig = go.Figure(go.Heatmap(
        z=spend.to_numpy(), x=[f"R{c}" for c in users.columns], y=[f"F{r}" for r in users.index],
        text=users.astype(int).to_numpy(), texttemplate="%{text}", colorscale="Teal",
        colorbar=dict(title=_l("平均消费", "Mean spend", lang)),
    ))  # fmt: skip
    return _done(fig, title, height, lang, "rfm_grid")


def segments_chart(
    seg: pd.DataFrame, *, title: str | None = None, height: int = 340, lang: str = "zh"
) -> go.Figure:
    """Buyers per RFM segment with the segment's share of spend."""
    names = {v[0]: _l(v[1], v[2], lang) for v in SEGMENTS.values()}
    f = seg.assign(name=seg["segment"].map(names)).sort_values("value", ascending=False)
    fig = go.Figure(go.Bar(x=f["name"], y=f["users"], marker_color=PALETTE[0],
                           text=[f"{v:.0%}" for v in f["value_share"]], textposition="outside",
                           name=_l("人数（标注=消费占比）", "Buyers (label = spend share)", lang)))  # fmt: skip
    fig.update_layout(yaxis_title=_l("人数", "Buyers", lang))
    return _done(fig, title, height, lang, "segments")


def uplift_chart(
    summary: dict, *, title: str | None = None, height: int = 320, lang: str = "zh"
) -> go.Figure:
    """Conversion of treated and holdout users; the difference with its CI and the truth."""
    fig = go.Figure()
    fig.add_bar(x=[_l("对照组", "Holdout", lang), _l("干预组", "Treated", lang)],
                y=[summary["conv_holdout"], summary["conv_treated"]],
                marker_color=[PALETTE[7], PALETTE[0]], name=_l("转化率", "Conversion", lang),
                text=[f"{summary['conv_holdout']:.1%}", f"{summary['conv_treated']:.1%}"],
                textposition="outside")  # fmt: skip
    diff = summary["uplift"]
    fig.add_scatter(
        x=[_l("增量", "Uplift", lang)], y=[diff], mode="markers", marker=dict(size=14,
        color=PALETTE[1]), name=_l("估计增量 ± 95% 区间", "Estimated uplift ± 95% CI", lang),
        error_y=dict(type="data", symmetric=False, array=[summary["ci_high"] - diff],
                     arrayminus=[diff - summary["ci_low"]]),
    )  # fmt: skip
    fig.add_scatter(x=[_l("增量", "Uplift", lang)], y=[summary["true_effect"]], mode="markers",
                    marker=dict(size=14, symbol="x", color=PALETTE[3]),
                    name=_l("模拟真值", "Simulated truth", lang))  # fmt: skip
    fig.update_yaxes(tickformat=".0%")
    return _done(fig, title, height, lang, "uplift")


def messages_chart(
    frame: pd.DataFrame, *, title: str | None = None, height: int = 320, lang: str = "zh"
) -> go.Figure:
    """Messages by action/channel and what happened to them."""
    names = {"sent": _l("已发送", "sent", lang), "holdout": _l("对照组不发", "holdout", lang),
             "exited": _l("已转化退出", "exited (converted)", lang),
             "suppressed_cap": _l("频控拦截", "suppressed by cap", lang),
             "expired": _l("超出转化窗口", "expired", lang)}  # fmt: skip
    f = frame.assign(lane=frame["action"] + " · " + frame["channel"],
                     status=frame["status"].map(names).fillna(frame["status"]))  # fmt: skip
    fig = px.bar(f, x="lane", y="messages", color="status", color_discrete_sequence=PALETTE,
                 labels={"lane": "", "messages": _l("消息数", "Messages", lang), "status": ""})  # fmt: skip
    return _done(fig, title, height, lang, "messages")


def hours_chart(
    frame: pd.DataFrame,
    quiet: tuple[int, int],
    *,
    title: str | None = None,
    height: int = 280,
    lang: str = "zh",
) -> go.Figure:
    """Messages sent per hour of day with the quiet hours shaded."""
    fig = go.Figure(go.Bar(x=frame["hour"], y=frame["messages"], marker_color=PALETTE[2]))
    qs, qe = quiet
    spans = [(qs, 24), (0, qe)] if qs > qe else [(qs, qe)]
    for a, b in spans:
        fig.add_vrect(x0=a - 0.5, x1=b - 0.5, fillcolor="rgba(255,77,79,0.12)", line_width=0)
    fig.update_layout(
        xaxis_title=_l("小时", "Hour", lang), yaxis_title=_l("消息", "Messages", lang)
    )
    return _done(fig, title, height, lang, "hours")


def roas_chart(
    camp: pd.DataFrame, *, title: str | None = None, height: int = 460, lang: str = "zh"
) -> go.Figure:
    """ROAS with its bootstrap interval per campaign, break-even and target marks, by decision."""
    c = camp.sort_values("roas")
    fig = go.Figure()
    if c.empty:
        return _done(fig, title, height, lang, "roas")
    for dec, g in c.groupby("decision"):
        fig.add_scatter(
            y=g["name"], x=g["roas"], mode="markers", name=dec,
            marker=dict(size=11, color=DECISION_COLORS.get(dec, PALETTE[5])),
            error_x=dict(type="data", symmetric=False, array=(g["roas_hi"] - g["roas"]).fillna(0),
                         arrayminus=(g["roas"] - g["roas_lo"]).fillna(0)),
        )  # fmt: skip
    fig.add_scatter(y=c["name"], x=c["breakeven_roas"], mode="markers", name=_l("盈亏平衡", "Break-even", lang),
                    marker=dict(symbol="line-ns-open", size=14, color=PALETTE[3]))  # fmt: skip
    fig.add_scatter(y=c["name"], x=c["target_roas"], mode="markers", name=_l("目标", "Target", lang),
                    marker=dict(symbol="triangle-up", size=9, color=PALETTE[1]))  # fmt: skip
    # zoom on the decision region: small-spend campaigns can have intervals far to the right
    ref = max(float(c["target_roas"].max()), float(c["breakeven_roas"].max()))
    top = max(2.5 * ref, 1.1 * float(np.nanpercentile(c["roas"].fillna(0), 75)))
    fig.update_layout(xaxis=dict(title=_l("ROAS（放大到决策区间）", "ROAS (zoomed on the decision range)", lang),
                                 range=[0, top]), yaxis=dict(automargin=True))  # fmt: skip
    return _done(fig, title, height, lang, "roas")


def pacing_chart(
    camp: pd.DataFrame, *, title: str | None = None, height: int = 360, lang: str = "zh"
) -> go.Figure:
    """Share of budget spent against share of the flight elapsed (on the diagonal = on pace)."""
    fig = px.scatter(camp, x="time_share", y="spend_share", color="decision", hover_name="name",
                     color_discrete_map=DECISION_COLORS, size=camp["spend"].clip(lower=1),
                     labels={"time_share": _l("时间进度", "Flight elapsed", lang),
                             "spend_share": _l("预算消耗", "Budget spent", lang), "decision": ""})  # fmt: skip
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dash", color="#8FA3BF"),
                    name=_l("匀速", "On pace", lang))  # fmt: skip
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(tickformat=".0%")
    return _done(fig, title, height, lang, "pacing")


def projection_chart(
    proj: dict, *, title: str | None = None, height: int = 320, lang: str = "zh"
) -> go.Figure:
    """Rest-of-flight spend, GMV and goods profit before and after applying the decisions."""
    keys = [("spend", _l("花费", "Spend", lang)), ("gmv", "GMV"),
            ("profit", _l("商品毛利 − 花费", "Goods margin − spend", lang))]  # fmt: skip
    fig = go.Figure()
    for when, color, name in (("before", PALETTE[7], _l("维持现状", "As is", lang)),
                              ("after", PALETTE[0], _l("执行建议", "With recommendations", lang))):  # fmt: skip
        fig.add_bar(x=[k[1] for k in keys], y=[proj[when][k[0]] for k in keys], name=name,
                    marker_color=color, text=[f"¥{proj[when][k[0]]:,.0f}" for k in keys],
                    textposition="outside")  # fmt: skip
    fig.update_layout(barmode="group", yaxis_title=_l("元", "Yuan", lang))
    return _done(fig, title, height, lang, "projection")
