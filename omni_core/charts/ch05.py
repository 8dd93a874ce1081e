"""Charts and display tables of chapter 05 (social viral growth)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.ch04 import format_table
from omni_core.charts.theme import PALETTE

L: dict[str, tuple[str, str]] = {
    "share_coupon": ("分享得券秒杀", "Share-coupon flash sale"),
    "group_buy_2": ("2 人团", "2-person group"),
    "group_buy_5": ("5 人团", "5-person group"),
    "invite": ("普通邀请", "Plain invite"),
    "new": ("新人激活层", "New"),
    "active": ("活跃用户层", "Active"),
    "koc": ("KOC 培育层", "KOC"),
    "silent": ("沉默用户层", "Silent"),
    "caption": (
        "拼团阶梯、分享券秒杀、社群分层 SOP、病毒系数 K 与裂变级联模拟、LTV/CAC 与二度人脉转化。",
        "Group-buy tiers, share-coupon flash sales, community layers and SOPs, the viral "
        "coefficient K with a cascade simulation, LTV/CAC and second-degree conversion.",
    ),
    "sec_play": ("拼团与分享券秒杀", "Group buying and share-coupon flash sales"),
    "doc_play": (
        "文档：2 人成团、5 人成团等多层级拼团，成团人数越多折扣越大；秒杀页嵌入“分享得专属折扣券”，"
        "该组合可使转化率提升 40% 以上。",
        "Doc: tiered group buys (2-person, 5-person …), bigger groups get bigger discounts; "
        "embedding 'share for an exclusive coupon' in flash sales lifts conversion by 40%+.",
    ),
    "group_note": (
        "成团 = 团长外至少 n−1 位受邀人转化。单团毛利 = n × 客单价 × (毛利率 − 团购折扣)；毛利率由订单行"
        "成本计算，折扣为输入假设。",
        "A group completes when n−1 invitees besides the leader convert. Margin per group = n x "
        "AOV x (gross margin − group discount); the gross margin comes from order-line costs, the "
        "discounts are your inputs.",
    ),
    "coupon_test": (
        "点击后转化：分享券 {p_b:.1%} vs 普通邀请 {p_a:.1%}，提升 {lift:+.0%}（文档 +40%；"
        "95% CI 差值 {ci_low:+.1%} ~ {ci_high:+.1%}，p = {p_value:.4f}）。",
        "Conversion per click: share coupon {p_b:.1%} vs plain invite {p_a:.1%}, lift "
        "{lift:+.0%} (doc +40%; 95% CI of the difference {ci_low:+.1%} to {ci_high:+.1%}, "
        "p = {p_value:.4f}).",
    ),
    "sec_k": ("病毒系数 K 与裂变级联", "Viral coefficient K and the referral cascade"),
    "doc_k": (
        "文档：K =（邀请人数 × 转化率）/ 原始用户数；K > 1 时活动具备自传播性，优质裂变活动的 K 值通常在"
        " 1.2–1.5；二度人脉转化率应 ≥ 15%；健康活动 LTV/CAC ≥ 3。",
        "Doc: K = invites x conversion / original users; K > 1 is self-propagating, good "
        "campaigns reach 1.2–1.5; second-degree conversion should be >= 15%; a healthy campaign "
        "has LTV/CAC >= 3.",
    ),
    "cascade_note": (
        "分支过程（Galton–Watson）：每位转化用户带来的转化人数 ~ 负二项（均值 K，离散度 r 由数据拟合）；"
        "K > 1 时以概率 1 − q^种子数 永续传播，否则逐代衰减。",
        "Branching process (Galton–Watson): converted users each bring NegBin(mean K, "
        "dispersion r fitted to the data) converts; with K > 1 it propagates forever with "
        "probability 1 − q^seeds, otherwise it fades generation by generation.",
    ),
    "sec_comm": ("社群分层运营 SOP", "Community layers and their SOPs"),
    "doc_comm": (
        "文档：新人 24 小时内推送“新人三重礼”，平均激活周期缩短至 6 小时；活跃层社群月均互动率提升至 35%；"
        "TOP10% 活跃用户开放专属选品池和 15% 额外佣金（ARPU 3 倍）；30 天未互动自动推送大额神券，"
        "召回率提升 25 个百分点。",
        "Doc: new members get a welcome pack within 24 h, activation in 6 h on average; the "
        "active layer reaches 35% monthly interaction; the top 10% active become KOCs with an "
        "exclusive selection and +15% commission (ARPU x3); members silent for 30 days get a big "
        "coupon, recall +25 points.",
    ),
    "cac_label": ("裂变获客成本 CAC（¥/转化用户）", "Referral CAC (¥ per converted user)"),
    "cac_help": (
        "默认值为数据中的付费投放 CAC（广告花费 / 投放归因买家数），可改为实际裂变激励成本。",
        "Defaults to the data's paid-media CAC (ad spend / campaign-attributed buyers); enter "
        "your actual referral incentive cost.",
    ),
    "t_mech": ("各玩法点击后转化率", "Conversion per click by mechanic"),
    "t_groups": ("拼团阶梯：成团率与单团期望毛利", "Group tiers: completion and margin per launch"),
    "t_k": ("病毒系数 K（按玩法）", "Viral coefficient K by mechanic"),
    "t_offspring": ("每位分享者带来的转化人数", "Converted invitees per sharer"),
    "t_cascade": ("裂变级联模拟（每代新增用户）", "Cascade simulation (new users per generation)"),
    "t_layers": ("社群分层规模（按快照）", "Community layers by snapshot"),
    "t_trans": ("分层迁移矩阵（快照 → 下一快照）", "Layer transitions (snapshot → next)"),
    "completion_rate": ("成团率", "Completion rate"),
    "margin_per_launch": ("每开一团期望毛利", "Expected margin per launch"),
    "observed": ("观测", "Observed"),
    "nb_fit": ("负二项拟合", "Negative-binomial fit"),
    "mean": ("模拟均值", "Simulated mean"),
    "band": ("10%–90% 区间", "10–90% band"),
    "expected": ("理论均值 K^g", "Expected K^g"),
    "alive": ("仍在传播的比例", "Share still spreading"),
    "generation": ("代数", "Generation"),
}
TABLE_COLUMNS: dict[str, tuple[str, str]] = {
    "mechanic": ("玩法", "Mechanic"), "invites": ("邀请", "Invites"), "clicked": ("点击", "Clicks"),
    "converted": ("转化", "Converted"), "sharers": ("分享者", "Sharers"),
    "click_rate": ("点击率", "Click rate"), "conv_per_click": ("点击后转化", "Conv. per click"),
    "conv_per_invite": ("邀请转化", "Conv. per invite"), "size": ("成团人数", "Group size"),
    "groups": ("开团数", "Groups"), "completed": ("成团数", "Completed"),
    "completion_rate": ("成团率", "Completion"), "discount": ("团购折扣", "Discount"),
    "margin_per_group": ("单团毛利", "Margin / group"),
    "margin_per_launch": ("每开一团期望毛利", "Margin / launch"),
    "margin_total": ("已成团毛利合计", "Margin of completed"), "k": ("K", "K"),
    "metric": ("指标", "Metric"), "actual": ("实际", "Actual"), "target": ("文档目标", "Doc target"),
}  # fmt: skip
PCT = {"click_rate", "conv_per_click", "conv_per_invite", "completion_rate", "discount"}
MONEY = {"margin_per_group", "margin_per_launch", "margin_total"}


def lab(key: str, lang: str = "zh") -> str:
    """Label of a code in the chosen language (the code itself when unknown)."""
    pair = L.get(key)
    return key if pair is None else pair[1 if lang == "en" else 0]


def table(frame: pd.DataFrame, columns: list[str], lang: str = "zh") -> pd.DataFrame:
    """Display copy of a chapter-05 frame (mechanic codes translated)."""
    out = frame[columns].copy()
    if "mechanic" in out:
        out["mechanic"] = out["mechanic"].map(lambda v: lab(v, lang))
    return format_table(out, columns, TABLE_COLUMNS, lang, pct=PCT, money=MONEY)


def sop_table(outcomes: dict, lang: str = "zh") -> pd.DataFrame:
    """The four SOP outcomes of the community against the document's targets."""
    zh = lang != "en"
    o = outcomes
    rows = [
        ("新人首单激活中位时长" if zh else "Median hours to first community purchase",
         f"{o['activation_median_h']:.1f} h", "≤ 6 h"),
        ("6 小时内激活占比" if zh else "Activated within 6 h", f"{o['activated_6h']:.1%}", "—"),
        ("社群月互动率" if zh else "Monthly interaction rate", f"{o['monthly_interaction']:.1%}",
         "35%"),
        ("KOC 人均社群 GMV ÷ 活跃层" if zh else "KOC ARPU ÷ active ARPU",
         f"{o['koc_multiple']:.1f}×", "3×"),
        ("KOC 带来转化（近 30 天）→ 15% 佣金" if zh else "KOC-referred converts (30 d) → 15% commission",
         f"{o['koc_referred']:.0f} → " + ("—" if o["koc_commission"] != o["koc_commission"]
                                         else f"¥{o['koc_commission']:,.0f}"), "+15%"),
        ("沉默用户下期召回率（基线）" if zh else "Silent recall by next snapshot (baseline)",
         f"{o['recall_rate']:.1%}", f"{o['recall_target']:.1%} (+25 pp)"),
        ("当前沉默用户 × 大额券预算" if zh else "Silent now x big-coupon budget",
         f"{o['silent_now']} → ¥{o['coupon_budget']:,.0f}", "—"),
    ]  # fmt: skip
    cols = ["metric", "actual", "target"]
    names = {c: TABLE_COLUMNS[c][0 if zh else 1] for c in cols}
    return pd.DataFrame(rows, columns=cols).rename(columns=names)


def ltv_formula(aov: float, repeat: float, k: float, ltv: dict, span_days: float,
                lang: str = "zh") -> str:  # fmt: skip
    """The document's LTV formula with this dataset's numbers filled in."""
    if lang == "en":
        return (f"LTV = AOV ¥{aov:,.0f} x purchases per buyer in the {span_days:.0f}-day window "
                f"{repeat:.2f} x referred users (1 + K) {1 + k:.3f} = ¥{ltv['ltv']:,.0f}; "
                f"CAC ¥{ltv['cac']:,.0f}.")  # fmt: skip
    return (f"LTV = 客单价 ¥{aov:,.0f} × {span_days:.0f} 天窗口内人均购买 {repeat:.2f} 次 × 带动人数 "
            f"(1 + K) {1 + k:.3f} = ¥{ltv['ltv']:,.0f}；CAC ¥{ltv['cac']:,.0f}。")  # fmt: skip


def mechanic_bars(mech: pd.DataFrame, *, title: str | None = None, height: int = 340,
                  lang: str = "zh") -> go.Figure:  # fmt: skip
    """Conversion per click by mechanic, with the doc's +40% over the plain invite as a line."""
    title = lab("t_mech", lang) if title is None else title
    fig = go.Figure(go.Bar(x=[lab(m, lang) for m in mech["mechanic"]], y=mech["conv_per_click"],
                           marker_color=list(PALETTE[: len(mech)]),
                           text=[f"{v:.1%}" for v in mech["conv_per_click"].fillna(0)],
                           textposition="outside"))  # fmt: skip
    base = mech.set_index("mechanic")["conv_per_click"].get("invite")
    if base is not None and base == base:
        reference_line(
            fig, base * 1.4, "文档: 普通邀请 +40%" if lang == "zh" else "Doc: invite +40%"
        )
    fig.update_yaxes(tickformat=".0%")
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def group_tiers(tiers: pd.DataFrame, *, title: str | None = None, height: int = 340,
                lang: str = "zh") -> go.Figure:  # fmt: skip
    """Completion rate and expected margin per launched group, per group-buy tier."""
    title = lab("t_groups", lang) if title is None else title
    names = [lab(m, lang) for m in tiers["mechanic"]]
    fig = make_subplots(rows=1, cols=2, subplot_titles=[lab("completion_rate", lang),
                                                         lab("margin_per_launch", lang)])  # fmt: skip
    fig.add_bar(x=names, y=tiers["completion_rate"], marker_color=PALETTE[0], showlegend=False,
                row=1, col=1)  # fmt: skip
    fig.add_bar(x=names, y=tiers["margin_per_launch"], marker_color=PALETTE[1], showlegend=False,
                row=1, col=2)  # fmt: skip
    fig.update_yaxes(tickformat=".0%", row=1, col=1)
    fig.update_yaxes(tickprefix="¥", row=1, col=2)
    fig.update_layout(template=TEMPLATE, title=title, height=height, margin=dict(t=80))
    return fig


def k_bars(k: dict, *, title: str | None = None, height: int = 340, lang: str = "zh") -> go.Figure:
    """K per mechanic and overall (over sharers), against K = 1 and the 1.2–1.5 band."""
    title = lab("t_k", lang) if title is None else title
    by = k["by_mechanic"]
    names = [lab(m, lang) for m in by["mechanic"]] + ["合计" if lang == "zh" else "Overall"]
    vals = [*by["k"].fillna(0).tolist(), k["k_sharers"]]
    fig = go.Figure(go.Bar(x=names, y=vals, marker_color=[*PALETTE[: len(by)], PALETTE[4]],
                           text=[f"{v:.2f}" for v in vals], textposition="outside"))  # fmt: skip
    fig.add_hrect(y0=1.2, y1=1.5, fillcolor="#FFC53D", opacity=0.12, line_width=0)
    reference_line(fig, 1.0, "文档: K>1 自传播" if lang == "zh" else "Doc: K>1 self-propagating")
    reference_line(fig, 1.35, "文档: 优质活动 1.2–1.5" if lang == "zh" else "Doc: good 1.2–1.5",
                   color="#73D13D")  # fmt: skip
    fig.update_yaxes(range=[0, max(1.7, max(vals) * 1.15)])
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def offspring_fit(hist: pd.DataFrame, mean: float, dispersion: float, *, title: str | None = None,
                  height: int = 340, lang: str = "zh") -> go.Figure:  # fmt: skip
    """Sharers by converted invitees, with the fitted negative-binomial expectation."""
    title = lab("t_offspring", lang) if title is None else title
    x = hist["offspring"].to_numpy()
    n = hist["sharers"].sum()
    if np.isfinite(dispersion):
        pmf = stats.nbinom.pmf(x, dispersion, dispersion / (dispersion + mean))
    else:
        pmf = stats.poisson.pmf(x, mean)
    fig = go.Figure()
    fig.add_bar(x=x, y=hist["sharers"], name=lab("observed", lang), marker_color=PALETTE[0])
    fig.add_scatter(x=x, y=pmf * n, mode="markers+lines", name=lab("nb_fit", lang),
                    line=dict(color=PALETTE[1], dash="dot"))  # fmt: skip
    fig.update_yaxes(type="log", dtick=1)
    fig.update_xaxes(dtick=1)
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def cascade_chart(frame: pd.DataFrame, *, title: str | None = None, height: int = 380,
                  lang: str = "zh") -> go.Figure:  # fmt: skip
    """Simulated new users per generation (mean and 10–90% band), K^g, and the share alive."""
    title = lab("t_cascade", lang) if title is None else title
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    g = frame["generation"]
    fig.add_scatter(x=[*g, *g[::-1]], y=[*frame["p90"], *frame["p10"][::-1]], fill="toself",
                    fillcolor="rgba(54,207,201,0.18)", line=dict(width=0),
                    name=lab("band", lang), hoverinfo="skip")  # fmt: skip
    fig.add_scatter(x=g, y=frame["mean"], name=lab("mean", lang), line=dict(color=PALETTE[0]))
    fig.add_scatter(x=g, y=frame["expected"], name=lab("expected", lang),
                    line=dict(color="#FFC53D", dash="dash"))  # fmt: skip
    fig.add_scatter(x=g, y=frame["alive"], name=lab("alive", lang), secondary_y=True,
                    line=dict(color=PALETTE[3], width=1.5, dash="dot"))  # fmt: skip
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05], tickvals=[0, 0.25, 0.5, 0.75, 1.0],
                     secondary_y=True, showgrid=False)  # fmt: skip
    fig.update_yaxes(rangemode="tozero", secondary_y=False)
    fig.update_xaxes(title_text=lab("generation", lang), dtick=1)
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def layer_area(sizes: pd.DataFrame, *, title: str | None = None, height: int = 340,
               lang: str = "zh") -> go.Figure:  # fmt: skip
    """Stacked members per layer at each snapshot."""
    title = lab("t_layers", lang) if title is None else title
    fig = go.Figure()
    for i, layer in enumerate(("new", "active", "koc", "silent")):
        fig.add_scatter(x=sizes["snapshot"], y=sizes[layer], stackgroup="one",
                        name=lab(layer, lang), line=dict(color=PALETTE[i]))  # fmt: skip
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def transition_heatmap(m: pd.DataFrame, *, title: str | None = None, height: int = 340,
                       lang: str = "zh") -> go.Figure:  # fmt: skip
    """Row-normalised transition shares between layers (counts in the hover)."""
    title = lab("t_trans", lang) if title is None else title
    share = m.div(m.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0)
    names = [lab(x, lang) for x in m.index]
    fig = go.Figure(go.Heatmap(z=share.to_numpy(), x=names, y=names, colorscale="Teal",
                               zmin=0, zmax=1, text=m.to_numpy(), texttemplate="%{z:.0%}",
                               hovertemplate="%{y} → %{x}: %{text}<extra></extra>"))  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(template=TEMPLATE, title=title, height=height)
    return fig


def cascade_verdict(sim: dict, k: float, lang: str = "zh") -> str:
    """One sentence on whether the simulated cascade self-propagates, and for how long."""
    zh = lang != "en"
    if k > 1:
        text = (
            f"K = {k:.2f} > 1：永续传播概率 {sim['self_propagating']:.1%}（灭绝概率 "
            f"{sim['extinction']:.1%}）。"
            if zh
            else f"K = {k:.2f} > 1: self-propagates with probability {sim['self_propagating']:.1%} "
            f"(extinction {sim['extinction']:.1%})."
        )
    else:
        fade = sim["generations_to_fade"]
        total = sim["expected_total"]
        text = (
            f"K = {k:.2f} ≤ 1：必然衰减；期望累计 {total:,.0f} 人"
            + (f"，约 {fade} 代后每代不足 1 人" if fade else "")
            + f"（模拟中最后活跃代中位数 {sim['median_last_generation']:.0f}）。"
            if zh
            else f"K = {k:.2f} <= 1: the cascade dies out; expected total {total:,.0f} users"
            + (
                f", under one new user per generation after about {fade} generations"
                if fade
                else ""
            )
            + f" (median last active generation {sim['median_last_generation']:.0f})."
        )
    if sim.get("saturation_generation") is not None:
        g = sim["saturation_generation"]
        share = sim["saturation_share"]
        text += (
            f" {share:.0%} 的模拟在第 {g:.0f} 代（中位）触达市场上限。"
            if zh
            else f" {share:.0%} of runs hit the market cap, at generation {g:.0f} (median)."
        )
    return text
