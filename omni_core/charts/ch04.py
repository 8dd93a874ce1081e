"""Charts and display tables of chapter 04 (content marketing)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.theme import PALETTE

L: dict[str, tuple[str, str]] = {
    "brand": ("品牌自播", "Brand self-broadcast"),
    "influencer": ("达人专场", "Influencer special"),
    "amateur": ("素人分销", "Amateur distribution"),
    "head": ("头部 KOL", "Head KOL"),
    "mid": ("腰部达人", "Mid-tier"),
    "tail": ("尾部 KOC", "Tail KOC"),
    "first": ("开播前 30 分钟", "First 30 minutes"),
    "rest": ("30 分钟之后", "After 30 minutes"),
    "exposure": ("曝光", "Exposure"),
    "click": ("点击", "Click"),
    "page_view": ("访问", "Visit"),
    "cart": ("加购", "Cart"),
    "order": ("下单", "Order"),
    "pay": ("支付", "Pay"),
    "collected": ("采集", "Collected"),
    "graded": ("分级", "Graded"),
    "distributed": ("分发", "Distributed"),
    "converting": ("带来成交", "Converting"),
    "low_score": ("综合分位于淘汰线以下", "score below the cut-off"),
    "low_fit": ("契合度不足", "fit too low"),
    "low_conversion": ("转化力不足", "conversion too low"),
    "gmv_below_fee": ("成交额低于要求的坑位费回报", "GMV below the required fee return"),
    "no_reach": ("窗口内无触达", "no reach in the window"),
    "gmv_share": ("GMV 占比", "GMV share"),
    "gpm": ("GPM（千次观看成交额）", "GPM (GMV per 1,000 views)"),
    "conversion": ("观众转化率", "Viewer conversion"),
    "sessions": ("进入场次（会话）", "Sessions entered"),
    "minute": ("开播后分钟", "Minutes since start"),
    "share": ("账号占比", "Account share"),
    "doc_share": ("文档占比", "Doc share"),
    "reach_share": ("触达占比", "Reach share"),
    # page prose
    "caption": (
        "直播看板、三级直播体系、KOL/KOC 金字塔与三维评分卡、UGC 内容管线——全部由数据计算。",
        "Live board, three-tier live system, KOL/KOC pyramid and scorecard, UGC pipeline — all "
        "computed from the data.",
    ),
    "sec_live": ("直播看板与三级直播体系", "Live-stream board and three-tier live system"),
    "doc_live": (
        "文档：建立“品牌自播 + 达人专场 + 素人分销”三级直播体系；以 GPM（千次观看成交额）、停留时长"
        "为核心指标持续优化，重点优化开播前 30 分钟转化漏斗。",
        "Doc: a three-tier live system (brand self-broadcast + influencer specials + amateur "
        "distribution); GPM (GMV per 1,000 views) and dwell are the core metrics; optimise the "
        "funnel of the first 30 minutes on air.",
    ),
    "opening_test": (
        "支付/曝光：前 {w} 分钟 {p_b:.2%} vs 之后 {p_a:.2%}，差 {diff:+.2%}"
        "（95% CI {ci_low:+.2%} ~ {ci_high:+.2%}，p = {p_value:.3f}）。",
        "Pay / exposure: first {w} min {p_b:.2%} vs after {p_a:.2%}, difference {diff:+.2%} "
        "(95% CI {ci_low:+.2%} to {ci_high:+.2%}, p = {p_value:.3f}).",
    ),
    "top_streams": ("**单场直播看板：GMV 前 15 场**", "**Per-stream board: top 15 by GMV**"),
    "sec_kol": (
        "KOL/KOC 金字塔与“影响力 × 契合度 × 转化力”评分卡",
        "KOL/KOC pyramid and the influence x fit x conversion scorecard",
    ),
    "doc_kol": (
        "文档：头部 KOL（1%）负责品牌声量爆破，腰部达人（20%）进行场景化种草，尾部 KOC（79%）形成口碑"
        "扩散；建立“影响力×契合度×转化力”三维评分卡，定期淘汰数据不达标的合作方。",
        "Doc: head KOLs (1%) create reach bursts, mid-tier creators (20%) seed scenarios, tail "
        "KOCs (79%) spread word of mouth; an influence x fit x conversion scorecard, refreshed "
        "regularly, retires partners whose data fall short.",
    ),
    "score_note": (
        "转化力 = 买家/触达，经 Beta-二项经验贝叶斯收缩（小账号向整体均值靠拢）；影响力与转化力取分位数，"
        "综合分为三项的加权几何平均 ×100。",
        "Conversion = buyers / reach shrunk with a beta-binomial empirical-Bayes prior (small "
        "accounts pulled to the pool mean); influence and conversion as percentiles; the score "
        "is the weighted geometric mean x 100.",
    ),
    "top20": ("**排名前 20**", "**Top 20**"),
    "retire_title": ("**淘汰名单（{n} 个）**", "**Retire list ({n})**"),
    "sec_ugc": (
        "UGC 内容管线：采集 → 分级 → 分发 → 追踪",
        "UGC pipeline: collect → grade → distribute → track",
    ),
    "ugc_note": (
        "世界中没有 UGC 表：此处以尾部 KOC 账号的非直播内容（笔记/短视频会话）按“账号 × 周”聚合为"
        "一条内容作为代理；按互动（收缩点击率 + 停留）分为 A/B/C 级；分发为运营规则选择，效果为观察差异，"
        "不是因果增量。",
        "The world has no UGC table: a proxy piece is one tail-KOC account's non-live content "
        "(note / short-video sessions) in one week, graded A/B/C on engagement (shrunk CTR + "
        "dwell); distribution is the operator's rule and the effect an observed difference, not "
        "a causal uplift.",
    ),
    "ugc_test": (
        "点击后转化：分发 {p_b:.2%} vs 其余已分级 {p_a:.2%}（差 {diff:+.2%}，p = {p_value:.3f}）。",
        "Post-click conversion: distributed {p_b:.2%} vs other graded {p_a:.2%} (difference "
        "{diff:+.2%}, p = {p_value:.3f}).",
    ),
    "t_tiers": ("三级直播对比", "Three live tiers compared"),
    "t_minutes": ("按进入分钟的场次与转化率", "Sessions and conversion by entry minute"),
    "t_opening": ("开播前 30 分钟漏斗 vs 之后", "First-30-minute funnel vs the rest"),
    "t_pyramid": ("达人金字塔", "Partner pyramid"),
    "t_score": ("评分卡（气泡大小 = 契合度）", "Scorecard (bubble size = fit)"),
    "t_ugc": ("内容管线漏斗（内容条数）", "Pipeline funnel (pieces)"),
}

TABLE_COLUMNS: dict[str, tuple[str, str]] = {
    "tier": ("层级", "Tier"), "streams": ("场次", "Streams"), "hours": ("时长(小时)", "Hours"),
    "views": ("观看", "Views"), "viewers": ("观众", "Viewers"), "orders": ("订单", "Orders"),
    "gmv": ("GMV", "GMV"), "gpm": ("GPM", "GPM"), "dwell_s": ("平均停留(秒)", "Avg dwell (s)"),
    "conversion": ("转化率", "Conversion"), "gmv_per_hour": ("每小时 GMV", "GMV per hour"),
    "gmv_share": ("GMV 占比", "GMV share"), "live_id": ("直播 ID", "Live ID"),
    "channel_id": ("渠道", "Channel"), "start_ts": ("开播时间", "Start"),
    "handle": ("账号", "Account"), "followers": ("粉丝", "Followers"), "fit": ("契合度", "Fit"),
    "reach": ("触达", "Reach"), "buyers": ("买家", "Buyers"),
    "conversion_shrunk": ("转化力(收缩)", "Conversion (shrunk)"),
    "influence_score": ("影响力分", "Influence"), "fit_score": ("契合分", "Fit score"),
    "conversion_score": ("转化分", "Conversion score"), "score": ("综合分", "Score"),
    "rank": ("排名", "Rank"), "reasons": ("淘汰原因", "Reasons"), "fee": ("坑位费", "Fee"),
    "grade": ("等级", "Grade"), "pieces": ("内容数", "Pieces"), "sessions": ("会话", "Sessions"),
    "clicks": ("点击", "Clicks"), "pays": ("支付", "Payments"), "ctr": ("点击率", "CTR"),
    "cvr": ("点击后转化", "Post-click conversion"), "stage": ("环节", "Stage"),
}  # fmt: skip


def lab(key: str, lang: str = "zh") -> str:
    """Label of a code in the chosen language (the code itself when unknown)."""
    pair = L.get(key)
    return key if pair is None else pair[1 if lang == "en" else 0]


PCT_COLUMNS = {"conversion", "gmv_share", "ctr", "cvr", "conversion_shrunk", "share",
               "doc_share", "reach_share", "rate", "of_exposure", "step_rate"}  # fmt: skip
MONEY_COLUMNS = {"gmv", "gpm", "gmv_per_hour", "fee", "spend", "value", "profit"}


def format_table(
    frame: pd.DataFrame,
    columns: list[str],
    names: dict[str, tuple[str, str]],
    lang: str = "zh",
    *,
    pct: set[str] | frozenset[str] = frozenset(),
    money: set[str] | frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Display copy: chosen columns, percentages and yuan as text, floats rounded, names localised.

    Columns in ``PCT_COLUMNS | pct`` become "1.23%", in ``MONEY_COLUMNS | money`` "¥1,234",
    other floats are rounded to 2 decimals; missing values show as "—".
    """
    out = frame[columns].copy()
    pcts, monies = PCT_COLUMNS | set(pct), MONEY_COLUMNS | set(money)
    for c in columns:
        col = out[c]
        if c in pcts:
            out[c] = col.map(lambda v: "—" if pd.isna(v) else f"{100 * float(v):.2f}%")
        elif c in monies:
            out[c] = col.map(lambda v: "—" if pd.isna(v) else f"¥{float(v):,.0f}")
        elif pd.api.types.is_float_dtype(col):
            out[c] = col.round(2)
    i = 1 if lang == "en" else 0
    return out.rename(columns={c: names[c][i] for c in columns if c in names})


def table(frame: pd.DataFrame, columns: list[str], lang: str = "zh") -> pd.DataFrame:
    """Display copy of a chapter-04 frame (tier/stage/reason codes translated)."""
    out = frame[columns].copy()
    for c in ("tier", "stage", "window"):
        if c in out:
            out[c] = out[c].map(lambda v: lab(str(v), lang))
    if "reasons" in out:
        out["reasons"] = out["reasons"].map(lambda rs: "；".join(lab(r, lang) for r in rs))
    return format_table(out, columns, TABLE_COLUMNS, lang)


def tier_compare(tiers: pd.DataFrame, *, title: str | None = None, height: int = 340,
                 lang: str = "zh") -> go.Figure:  # fmt: skip
    """Three panels by live tier: GMV share, GPM and viewer conversion."""
    title = lab("t_tiers", lang) if title is None else title
    names = [lab(t, lang) for t in tiers["tier"]]
    metrics = ("gmv_share", "gpm", "conversion")
    fig = make_subplots(rows=1, cols=3, subplot_titles=[lab(m, lang) for m in metrics],
                        horizontal_spacing=0.08)  # fmt: skip
    for i, m in enumerate(metrics, start=1):
        fig.add_bar(x=names, y=tiers[m], marker_color=PALETTE[: len(names)], showlegend=False,
                    row=1, col=i)  # fmt: skip
    fig.update_yaxes(tickformat=".0%", row=1, col=1)
    fig.update_yaxes(tickformat=".1%", row=1, col=3)
    fig.update_layout(template=TEMPLATE, title=title, height=height, margin=dict(t=80))
    return fig


def minute_curve(minutes: pd.DataFrame, first_minutes: int, *, title: str | None = None,
                 height: int = 360, lang: str = "zh") -> go.Figure:  # fmt: skip
    """Sessions entering per minute bucket (bars) and their conversion (line), opening shaded."""
    title = lab("t_minutes", lang) if title is None else title
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=minutes["minute"], y=minutes["exposure"], name=lab("sessions", lang),
                marker_color=PALETTE[2], opacity=0.75)  # fmt: skip
    fig.add_scatter(x=minutes["minute"], y=minutes["conversion"], name=lab("conversion", lang),
                    mode="lines", line=dict(color=PALETTE[1], width=2), secondary_y=True)  # fmt: skip
    fig.add_vrect(x0=0, x1=first_minutes, fillcolor=PALETTE[0], opacity=0.12, line_width=0)
    reference_line(fig, first_minutes, "文档: 开播前 30 分钟转化漏斗" if lang == "zh"
                   else "Doc: first-30-minute funnel", axis="x")  # fmt: skip
    fig.update_yaxes(tickformat=".1%", secondary_y=True)
    fig.update_xaxes(title_text=lab("minute", lang))
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def opening_funnel(funnel: pd.DataFrame, *, title: str | None = None, height: int = 360,
                   lang: str = "zh") -> go.Figure:  # fmt: skip
    """Share of entering sessions (exposures = 100%) reaching each later stage: first 30 minutes
    against the rest."""
    title = lab("t_opening", lang) if title is None else title
    fig = go.Figure()
    for i, w in enumerate(("first", "rest")):
        f = funnel[(funnel["window"] == w) & (funnel["stage"] != "exposure")]
        fig.add_bar(x=[lab(s, lang) for s in f["stage"]], y=f["of_exposure"], name=lab(w, lang),
                    marker_color=PALETTE[i], text=[f"{v:.1%}" for v in f["of_exposure"].fillna(0)],
                    textposition="outside", textfont=dict(size=11))  # fmt: skip
    top = float(funnel["of_exposure"][funnel["stage"] != "exposure"].max())
    top = top if top > 0 else 1.0  # also when NaN (no sessions for the filters)
    fig.update_yaxes(tickformat=".0%", range=[0, top * 1.2])
    fig.update_layout(template=TEMPLATE, title=title, height=height, barmode="group")
    return fig


def kol_pyramid(pyr: pd.DataFrame, *, title: str | None = None, height: int = 340,
                lang: str = "zh") -> go.Figure:  # fmt: skip
    """Account share per tier (head on top) against the document's 1/20/79 %, with GMV share."""
    title = lab("t_pyramid", lang) if title is None else title
    p = pyr.iloc[::-1]
    names = [lab(t, lang) for t in p["tier"]]
    fig = go.Figure()
    fig.add_bar(y=names, x=p["share"], orientation="h", name=lab("share", lang),
                marker_color=PALETTE[0], text=[f"{v:.1%}" for v in p["share"]],
                textposition="outside")  # fmt: skip
    fig.add_bar(y=names, x=p["gmv_share"], orientation="h", name=lab("gmv_share", lang),
                marker_color=PALETTE[1], text=[f"{v:.1%}" for v in p["gmv_share"].fillna(0)],
                textposition="outside")  # fmt: skip
    fig.add_scatter(y=names, x=p["doc_share"], mode="markers", name=lab("doc_share", lang) + " (1/20/79%)",
                    marker=dict(symbol="line-ns-open", size=26, color="#FFC53D",
                                line=dict(width=3)))  # fmt: skip
    fig.update_xaxes(tickformat=".0%", range=[0, 1.05])
    fig.update_layout(template=TEMPLATE, title=title, height=height, barmode="group")
    return fig


def scorecard_scatter(card: pd.DataFrame, *, title: str | None = None, height: int = 400,
                      lang: str = "zh") -> go.Figure:  # fmt: skip
    """Influence vs conversion score per account; size = fit, colour = kept / retire."""
    title = lab("t_score", lang) if title is None else title
    fig = go.Figure()
    retire = card["reasons"].map(len) > 0
    for flag, name, color in ((False, ("保留", "Keep"), PALETTE[0]),
                              (True, ("淘汰候选", "Retire"), PALETTE[9])):  # fmt: skip
        c = card[retire == flag]
        fig.add_scatter(x=c["influence_score"], y=c["conversion_score"], mode="markers",
                        name=name[1 if lang == "en" else 0], text=c["handle"],
                        marker=dict(size=6 + 18 * c["fit"], color=color, opacity=0.75,
                                    line=dict(width=0)),
                        hovertemplate="%{text}<br>%{x:.0f} / %{y:.0f}<extra></extra>")  # fmt: skip
    fig.update_xaxes(title_text="影响力分（粉丝分位）" if lang == "zh"
                     else "Influence (follower percentile)")  # fmt: skip
    fig.update_yaxes(title_text="转化力分（收缩转化分位）" if lang == "zh"
                     else "Conversion (shrunk-rate percentile)")  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def ugc_funnel(funnel: pd.DataFrame, *, title: str | None = None, height: int = 340,
               lang: str = "zh") -> go.Figure:  # fmt: skip
    """Pieces at each pipeline stage: collect -> grade -> distribute -> converting."""
    title = lab("t_ugc", lang) if title is None else title
    fig = go.Figure(go.Funnel(y=[lab(s, lang) for s in funnel["stage"]], x=funnel["pieces"],
                              textinfo="value+percent initial",
                              marker=dict(color=list(PALETTE[:4]))))  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig
