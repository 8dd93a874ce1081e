"""Charts and display tables of chapter 06 (search and feed ads, experiments workbench)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.ch04 import format_table
from omni_core.charts.theme import PALETTE

L: dict[str, tuple[str, str]] = {
    "navigational": ("导航型", "Navigational"),
    "informational": ("信息型", "Informational"),
    "transactional": ("交易型", "Transactional"),
    "exact": ("精确匹配", "Exact"),
    "phrase": ("短语匹配", "Phrase"),
    "broad": ("广泛匹配", "Broad"),
    "brand": ("品牌词", "Brand terms"),
    "generic": ("通用词", "Generic terms"),
    "current": ("现行出价 ×1", "Current bids x1"),
    "doc": ("文档示例：19–21 点 +30%", "Doc example: 19–21 h +30%"),
    "optimal": ("模型最优", "Model optimum"),
    "mobile_first_screen": ("移动端首屏加载", "Mobile first screen"),
    "lcp": ("LCP 最大内容绘制", "LCP (largest contentful paint)"),
    "inp": ("INP 交互延迟", "INP (interaction to next paint)"),
    "fid": ("FID 首次输入延迟", "FID (first input delay)"),
    "cls": ("CLS 累积布局偏移", "CLS (cumulative layout shift)"),
    "caption": (
        "关键词意图与长尾、分时调价、匹配方式分层、品牌词防御、A/B 与正交实验工作台、页面速度目标。",
        "Keyword intent and long tail, dayparting, match-type tiers, brand-term defense, the A/B "
        "and orthogonal-array workbench, page-speed targets.",
    ),
    "sec_kw": ("关键词：意图、长尾与匹配方式", "Keywords: intent, long tail and match types"),
    "doc_kw": (
        "文档：结合搜索意图分类（导航型、信息型、交易型）优化核心词与次级词比例；针对不同匹配类型设置分层"
        "出价，长尾词可降低 CPC 15%–20%。",
        "Doc: balance head and secondary terms by search intent (navigational, informational, "
        "transactional); tier bids by match type; long-tail terms can lower CPC by 15–20%.",
    ),
    "kw_note": (
        "关键词花费为估算：点击 × 关键词 CPC（投放花费只记录到计划层级）。盈亏平衡 CPC = 毛利率 × 每次点击 GMV。",
        "Keyword spend is estimated as clicks x the keyword's CPC (ad spend is recorded per "
        "campaign). Break-even CPC = margin x GMV per click.",
    ),
    "long_tail": (
        "长尾词（≥3 个词）：关键词占比 {keyword_share:.0%}，会话占比 {session_share:.0%}，GMV 占比 "
        "{gmv_share:.0%}；CPC 相对核心词 {cpc_change:+.1%}（文档：−15%～−20%）。",
        "Long tail (>= 3 words): {keyword_share:.0%} of keywords, {session_share:.0%} of "
        "sessions, {gmv_share:.0%} of GMV; CPC vs head terms {cpc_change:+.1%} (doc: −15% to "
        "−20%).",
    ),
    "sec_day": ("分时动态调价", "Dayparting bid multipliers"),
    "doc_day": (
        "文档：依据历史转化数据划分高/低效时段，设置竞价系数（如晚间 19–21 点溢价 30%）。",
        "Doc: split hours into high and low efficiency from conversion history and set bid "
        "multipliers (e.g. +30% from 19:00 to 21:00).",
    ),
    "day_note": (
        "模型：点击量随出价按幂律变化（弹性 e），单次点击价格与出价成正比；在日预算内求每小时最优系数"
        "（KKT 闭式解）。每次点击 GMV 按可信度加权向全天均值收缩。",
        "Model: clicks follow the bid as a power law (elasticity e), the price per click is "
        "proportional to the bid; optimal hourly multipliers within the daily budget (KKT closed "
        "form). GMV per click is credibility-weighted towards the all-day mean.",
    ),
    "sec_brand": ("品牌词防御", "Brand-term defense"),
    "doc_brand": (
        "文档：监控竞品品牌词流量占比，通过反竞价争夺市场份额；同时对自有品牌词设置 100% 竞价锁定，"
        "防止流量被截取。",
        "Doc: watch competitors' share of brand-term traffic and bid against them; lock your own "
        "brand terms with 100% bids so the traffic is not intercepted.",
    ),
    "brand_note": (
        "数据中没有竞品出价与展示份额，无法计算被截流比例；此处比较品牌词与通用词的转化与 ROAS，以及品牌专区"
        "计划的花费与回报。",
        "The data hold no competitor bids or impression share, so interception cannot be "
        "measured; shown: brand vs generic terms, and the brand-zone campaigns' spend and return.",
    ),
    "sec_lab": ("实验工作台", "Experiments workbench"),
    "doc_lab": (
        "文档：多变量 A/B 测试同时测试创意元素组合（图片风格、文案长度、CTA 按钮颜色），采用正交实验设计"
        "（Taguchi 方法）减少测试次数，快速定位最优组合。",
        "Doc: multivariate A/B tests of creative elements (image style, copy length, CTA colour) "
        "with orthogonal designs (Taguchi) to cut the number of runs and find the best mix fast.",
    ),
    "taguchi_note": (
        "默认响应为示例（前三个因子埋入已知效应：图片风格 2 水平 +0.5pp 等），请替换为实测 CTR（%）。",
        "The default responses are an example with planted effects on the first three factors "
        "(image style level 2 +0.5 pp, …): replace them with measured CTR (%).",
    ),
    "sec_speed": ("页面速度目标（参考）", "Page-speed targets (reference)"),
    "doc_speed": (
        "文档：采用 CDN 加速、WebP 压缩、懒加载，将移动端首屏加载时间控制在 1.5 秒内；Core Web Vitals"
        "（LCP、FID、CLS）需达标，否则影响排名。",
        "Doc: CDN, WebP images and lazy loading keep the mobile first screen within 1.5 s; Core "
        "Web Vitals (LCP, FID, CLS) must pass or rankings suffer.",
    ),
    "t_intent": ("按搜索意图", "By search intent"),
    "t_match": ("匹配方式分层：平均 CPC vs 盈亏平衡 CPC", "Match types: CPC vs break-even CPC"),
    "t_value": ("每小时：每次点击 GMV vs CPC", "By hour: GMV per click vs CPC"),
    "t_mult": ("每小时出价系数", "Bid multiplier by hour"),
    "t_ctr": ("各创意点击率（95% CI）", "CTR by creative (95% CI)"),
    "t_power": ("功效曲线", "Power curve"),
    "t_peek": ("每次查看的临界 |z|", "Critical |z| at each look"),
    "t_effects": ("主效应：各因子水平均值", "Main effects: level means per factor"),
    "hour": ("小时", "Hour"),
    "gmv_per_click": ("每次点击 GMV", "GMV per click"),
    "cpc": ("CPC", "CPC"),
    "multiplier": ("模型最优系数", "Optimal multiplier"),
    "doc_multiplier": ("文档示例系数", "Doc example"),
    "n": ("每组样本量", "Sample size per group"),
    "power": ("功效", "Power"),
    "naive": ("不修正（1.96）", "Naive (1.96)"),
    "obrien_fleming": ("O'Brien-Fleming", "O'Brien-Fleming"),
    "pocock": ("Pocock", "Pocock"),
    "look": ("第几次查看", "Look"),
    "value": ("预算内 GMV 最大", "Max GMV within budget"),
    "profit": ("毛利 − 花费最大", "Max margin − spend"),
    "objective": ("目标", "Objective"),
}
TAB_NAMES = {
    "zh": ["两比例检验", "Welch t 检验", "样本量与功效", "A/B/n", "创意 A/B/n（数据）", "序贯窥视",
           "正交实验"],
    "en": ["Two proportions", "Welch t", "Sample size & power", "A/B/n", "Creatives A/B/n (data)",
           "Peeking", "Orthogonal arrays"],
}  # fmt: skip
TABLE_COLUMNS: dict[str, tuple[str, str]] = {
    "keyword": ("关键词", "Keyword"), "channel_id": ("渠道", "Channel"),
    "intent": ("意图", "Intent"), "match_type": ("匹配", "Match"), "words": ("词数", "Words"),
    "cpc": ("CPC", "CPC"), "sessions": ("会话", "Sessions"), "clicks": ("点击", "Clicks"),
    "pays": ("支付", "Payments"), "gmv": ("GMV", "GMV"), "ctr": ("点击率", "CTR"),
    "cvr": ("点击后转化", "Conv. / click"), "est_spend": ("估算花费", "Est. spend"),
    "roas": ("ROAS", "ROAS"), "keywords": ("关键词数", "Keywords"),
    "breakeven_cpc": ("盈亏平衡 CPC", "Break-even CPC"), "bid_room": ("出价空间", "Bid room"),
    "gmv_share": ("GMV 占比", "GMV share"), "term": ("词类", "Terms"), "plan": ("方案", "Plan"),
    "spend": ("日花费", "Daily spend"), "profit": ("日毛利 − 花费", "Margin − spend"),
    "within_budget": ("预算内", "Within budget"), "name": ("计划", "Campaign"),
    "attributed_gmv": ("归因 GMV", "Attributed GMV"), "variant": ("版本", "Variant"),
    "successes": ("转化", "Conversions"), "trials": ("样本", "Visitors"), "rate": ("转化率", "Rate"),
    "diff": ("差值", "Difference"), "lift": ("提升", "Lift"), "p_value": ("p 值", "p-value"),
    "p_adjusted": ("修正 p 值", "Adjusted p"), "ci_low": ("CI 下限", "CI low"),
    "ci_high": ("CI 上限", "CI high"), "significant": ("显著", "Significant"),
    "exposures": ("曝光", "Exposures"), "sim_ctr_lift": ("模拟真值倍数", "Simulated truth"),
    "metric": ("指标", "Metric"), "target": ("目标", "Target"), "unit": ("单位", "Unit"),
    "source": ("来源", "Source"), "measured": ("实测", "Measured"), "pass": ("达标", "Pass"),
    "factor": ("因子", "Factor"), "delta": ("极差", "Range"), "rank": ("影响排名", "Rank"),
    "best_level": ("最佳水平", "Best level"),
}  # fmt: skip
PCT = {"ctr", "cvr", "gmv_share", "rate", "diff", "lift", "ci_low", "ci_high"}
MONEY = {"est_spend", "breakeven_cpc", "cpc", "attributed_gmv"}


def lab(key: str, lang: str = "zh") -> str:
    """Label of a code in the chosen language (the code itself when unknown)."""
    pair = L.get(key)
    return key if pair is None else pair[1 if lang == "en" else 0]


def table(frame: pd.DataFrame, columns: list[str], lang: str = "zh") -> pd.DataFrame:
    """Display copy of a chapter-06 frame (intent / match / plan / metric codes translated)."""
    out = frame[columns].copy()
    for c in ("intent", "match_type", "term", "plan", "metric"):
        if c in out:
            out[c] = out[c].map(lambda v: lab(str(v), lang))
    return format_table(out, columns, TABLE_COLUMNS, lang, pct=PCT, money=MONEY)


def brand_kpis(b: dict, lang: str = "zh") -> list[tuple[str, str]]:
    """KPI tiles of the brand-defense section: brand-zone spend share and ROAS vs all."""
    zh = lang != "en"
    share = b["brand_spend_share"]
    return [
        ("品牌专区花费占比" if zh else "Brand-zone spend share",
         "—" if share != share else f"{share:.1%}"),
        ("品牌专区 ROAS" if zh else "Brand-zone ROAS", f"{b['brand_campaign_roas']:.2f}"),
        ("全部计划 ROAS" if zh else "All campaigns ROAS", f"{b['all_campaign_roas']:.2f}"),
    ]  # fmt: skip


def _finish(fig: go.Figure, title: str | None, key: str, height: int, lang: str) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=lab(key, lang) if title is None else title,
                      height=height)  # fmt: skip
    return fig


def intent_panels(intents: pd.DataFrame, *, title: str | None = None, height: int = 320,
                  lang: str = "zh") -> go.Figure:  # fmt: skip
    """GMV share, post-click conversion and ROAS by search intent."""
    names = [lab(x, lang) for x in intents["intent"]]
    heads = ("GMV 占比", "点击后转化", "ROAS（估算）") if lang == "zh" else (
        "GMV share", "Conversion per click", "ROAS (estimated)")  # fmt: skip
    fig = make_subplots(rows=1, cols=3, subplot_titles=heads, horizontal_spacing=0.08)
    for i, col in enumerate(("gmv_share", "cvr", "roas"), start=1):
        fig.add_bar(x=names, y=intents[col], marker_color=PALETTE[:3], showlegend=False,
                    row=1, col=i)  # fmt: skip
    fig.update_yaxes(tickformat=".0%", row=1, col=1)
    fig.update_yaxes(tickformat=".0%", row=1, col=2)
    fig.update_layout(margin=dict(t=80))
    return _finish(fig, title, "t_intent", height, lang)


def match_bars(match: pd.DataFrame, *, title: str | None = None, height: int = 320,
               lang: str = "zh") -> go.Figure:  # fmt: skip
    """Average CPC against the break-even CPC per match type (the gap is the room to bid)."""
    names = [lab(x, lang) for x in match["match_type"]]
    fig = go.Figure()
    fig.add_bar(x=names, y=match["cpc"], name="CPC", marker_color=PALETTE[2])
    fig.add_bar(x=names, y=match["breakeven_cpc"], marker_color=PALETTE[1],
                name="盈亏平衡 CPC" if lang == "zh" else "Break-even CPC")  # fmt: skip
    fig.update_yaxes(tickprefix="¥")
    fig.update_layout(barmode="group")
    return _finish(fig, title, "t_match", height, lang)


def hourly_value(hours: pd.DataFrame, *, title: str | None = None, height: int = 340,
                 lang: str = "zh") -> go.Figure:  # fmt: skip
    """GMV per click (bars) against CPC (line) by hour, the doc's 19–21 h shaded."""
    fig = go.Figure()
    fig.add_bar(x=hours["hour"], y=hours["gmv_per_click"], name=lab("gmv_per_click", lang),
                marker_color=PALETTE[0])  # fmt: skip
    fig.add_scatter(x=hours["hour"], y=hours["cpc"], name="CPC", mode="lines+markers",
                    line=dict(color=PALETTE[3]))  # fmt: skip
    fig.add_vrect(x0=18.5, x1=20.5, fillcolor="#FFC53D", opacity=0.12, line_width=0)
    fig.update_xaxes(title_text=lab("hour", lang), dtick=2)
    fig.update_yaxes(tickprefix="¥")
    return _finish(fig, title, "t_value", height, lang)


def multipliers(hours: pd.DataFrame, *, title: str | None = None, height: int = 340,
                lang: str = "zh") -> go.Figure:  # fmt: skip
    """Optimal bid multiplier per hour against the doc's example (19–21 h x1.3)."""
    fig = go.Figure()
    fig.add_bar(x=hours["hour"], y=hours["multiplier"], name=lab("multiplier", lang),
                marker_color=PALETTE[2])  # fmt: skip
    fig.add_scatter(x=hours["hour"], y=hours["doc_multiplier"], name=lab("doc_multiplier", lang),
                    mode="lines", line=dict(color="#FFC53D", dash="dash", shape="hv"))  # fmt: skip
    reference_line(fig, 1.0, "×1", color="#8FA3BF")
    fig.update_xaxes(title_text=lab("hour", lang), dtick=2)
    fig.update_yaxes(tickformat=".1f", ticksuffix="×")
    return _finish(fig, title, "t_mult", height, lang)


def ctr_bars(variants: pd.DataFrame, *, title: str | None = None, height: int = 320,
             lang: str = "zh") -> go.Figure:  # fmt: skip
    """Click-through rate per creative variant with 95% Wald intervals."""
    p, n = variants["ctr"], variants["exposures"]
    half = 1.96 * np.sqrt(p * (1 - p) / n)
    fig = go.Figure(go.Bar(x=variants["variant"], y=p, marker_color=PALETTE[: len(p)],
                           error_y=dict(type="data", array=half, color="#E6EDF7")))  # fmt: skip
    fig.update_yaxes(tickformat=".1%")
    return _finish(fig, title, "t_ctr", height, lang)


def power_curve(curve: pd.DataFrame, n: int, power: float, *, title: str | None = None,
                height: int = 320, lang: str = "zh") -> go.Figure:  # fmt: skip
    """Power against the sample size per group, with the target power and the required n."""
    fig = go.Figure(go.Scatter(x=curve["n"], y=curve["power"], mode="lines",
                               line=dict(color=PALETTE[0])))  # fmt: skip
    reference_line(fig, power, f"{power:.0%}")
    reference_line(fig, n, f"n = {n:,}", axis="x", color="#73D13D")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02], title_text=lab("power", lang))
    fig.update_xaxes(title_text=lab("n", lang))
    return _finish(fig, title, "t_power", height, lang)


def boundaries(frame: pd.DataFrame, *, title: str | None = None, height: int = 320,
               lang: str = "zh") -> go.Figure:  # fmt: skip
    """Critical |z| per look: naive 1.96 vs O'Brien-Fleming and Pocock spending boundaries."""
    fig = go.Figure()
    for i, col in enumerate(("naive", "obrien_fleming", "pocock")):
        fig.add_scatter(x=frame["look"], y=frame[col], name=lab(col, lang), mode="lines+markers",
                        line=dict(color=PALETTE[i], dash="dot" if col == "naive" else "solid"))  # fmt: skip
    fig.update_xaxes(title_text=lab("look", lang), dtick=1)
    return _finish(fig, title, "t_peek", height, lang)


def main_effects(effects: pd.DataFrame, *, title: str | None = None, height: int = 320,
                 lang: str = "zh") -> go.Figure:  # fmt: skip
    """Level means of every factor side by side (Taguchi main-effects plot)."""
    cols = [c for c in effects.columns if c.startswith("mean_")]
    fig = go.Figure()
    for i, (factor, row) in enumerate(effects.iterrows()):
        levels = [c.split("_", 1)[1] for c in cols if row[c] == row[c]]
        fig.add_scatter(x=[f"{factor}·{lv}" for lv in levels], y=[row[f"mean_{lv}"] for lv in levels],
                        mode="lines+markers", name=str(factor),
                        line=dict(color=PALETTE[i % len(PALETTE)]))  # fmt: skip
    fig.update_layout(showlegend=False)
    fig.update_yaxes(ticksuffix="%")
    return _finish(fig, title, "t_effects", height, lang)


RESULT_KEYS: dict[str, tuple[str, str]] = {
    "p_a": ("A 转化率", "Rate A"), "p_b": ("B 转化率", "Rate B"),
    "mean_a": ("A 均值", "Mean A"), "mean_b": ("B 均值", "Mean B"),
    "diff": ("差值 B−A", "Difference B−A"), "lift": ("相对提升", "Relative lift"),
    "ci_low": ("差值 CI 下限", "CI low"), "ci_high": ("差值 CI 上限", "CI high"),
    "z": ("z", "z"), "t": ("t", "t"), "df": ("自由度", "df"), "p_value": ("p 值", "p-value"),
    "significant": ("显著", "Significant"),
}  # fmt: skip
_RATE_KEYS = {"p_a", "p_b", "lift"}


def result_table(res: dict, lang: str = "zh", *, rates: bool = True) -> pd.DataFrame:
    """A test result (dict) as a two-column display table: statistic, value."""
    i = 1 if lang == "en" else 0
    rows = []
    for key, names in RESULT_KEYS.items():
        if key not in res:
            continue
        v = res[key]
        pct = key in _RATE_KEYS or (rates and key in {"diff", "ci_low", "ci_high"})
        if isinstance(v, bool):
            text = ("是" if v else "否") if i == 0 else ("yes" if v else "no")
        elif pct:
            text = "—" if v != v else f"{100 * v:.3f}%"
        else:
            text = f"{v:.4g}"
        rows.append((names[i], text))
    cols = ("统计量", "值") if i == 0 else ("Statistic", "Value")
    return pd.DataFrame(rows, columns=list(cols))


def speed_editor(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The page-speed targets as a localised table whose last column takes measured values."""
    return table(frame, ["metric", "target", "unit", "source", "measured"], lang)


def speed_values(edited: pd.DataFrame) -> list:
    """Measured values typed into ``speed_editor``'s table, in row order."""
    return edited.iloc[:, -1].tolist()
