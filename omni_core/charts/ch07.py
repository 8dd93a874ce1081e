"""Charts and display tables of chapter 07 (membership and loyalty)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from omni_core.charts.base import TEMPLATE, reference_line
from omni_core.charts.ch04 import format_table
from omni_core.charts.theme import PALETTE

L: dict[str, tuple[str, str]] = {
    "normal": ("普通", "Normal"),
    "silver": ("银牌", "Silver"),
    "gold": ("金牌", "Gold"),
    "diamond": ("钻石", "Diamond"),
    "black_diamond": ("黑钻", "Black diamond"),
    "earn_purchase": ("购物积分", "Purchase points"),
    "earn_share": ("分享积分", "Share points"),
    "earn_signin": ("签到积分", "Sign-in points"),
    "heavy": ("高频兑换（>500 分/月）", "Heavy redeemers (>500/month)"),
    "regular": ("常规", "Regular"),
    "hoarder": ("积分囤积（<100 分/年）", "Hoarders (<100/year)"),
    "caption": (
        "会员等级与迁移矩阵、积分经济（发放/兑换/过期、负债、渠道渗透、礼品淘汰、ROI）、高价值流失预警、"
        "BG/NBD + Gamma-Gamma 客户终身价值。",
        "Tiers and the migration matrix, the points economy (issued / redeemed / expired, "
        "liability, channel penetration, gift retirement, ROI), high-value churn warning, "
        "BG/NBD + Gamma-Gamma customer lifetime value.",
    ),
    "sec_tiers": ("会员等级与动态升降级", "Member tiers with periodic up- and downgrades"),
    "doc_tiers": (
        "文档：会员分为普通、银牌、金牌、钻石等层级，依据历史消费金额、频次、客单价动态调整；设置季度/年度"
        "评估周期，活跃用户自动升级、沉睡会员降级；年消费超 5 万元为黑钻用户。",
        "Doc: tiers normal, silver, gold, diamond set from spend, frequency and order value and "
        "re-evaluated each quarter or year — active members upgraded, dormant ones downgraded; "
        "above 50,000 yuan a year is black diamond.",
    ),
    "tier_note": (
        "规则：滚动窗口消费年化（×365/天数）达到门槛（银 1,000 / 金 5,000 / 钻石 20,000 / 黑钻 50,000 元）"
        "且窗口内至少 1 单即获该级；升级即时，降级每期至多下降所选级数（保级缓冲）。",
        "Rule: annualised rolling spend (x365/days) at the threshold (silver 1,000 / gold 5,000 / "
        "diamond 20,000 / black diamond 50,000 yuan) and at least one order in the window; "
        "upgrades at once, downgrades at most the chosen steps per period (grace).",
    ),
    "sec_points": ("积分经济", "Points economy"),
    "doc_points": (
        "文档：1 积分 = 0.01 元；分享积分提升至购物积分的 30%；淘汰兑换率不足 5% 的礼品；识别高频兑换（月均 > 500 分）"
        "与囤积（年均 < 100 分）群体并推送限时兑换；核心商品兑换 ROI ≥ 1:3。",
        "Doc: 1 point = 0.01 yuan; raise share points to 30% of purchase points; retire gifts "
        "redeemed below 5%; find heavy redeemers (> 500 points/month) and hoarders (< 100/year) "
        "and push limited-time redemptions to the latter; core gifts' ROI >= 1:3.",
    ),
    "points_note": (
        "兑换率 = 该礼品兑换次数 / 全部兑换次数；从未被兑换的礼品不会出现（数据中没有礼品目录）。ROI = 兑换后 "
        "{w} 天内该会员的支付 GMV / 积分成本，为归因口径，并非因果增量。",
        "Redemption rate = the gift's redemptions / all redemptions; gifts never redeemed are "
        "absent (the data hold no gift catalogue). ROI = the member's paid GMV within {w} days "
        "after a redemption / points cost: attribution, not a causal uplift.",
    ),
    "share_ratio": (
        "分享积分 / 购物积分 = {v:.2%}（文档目标 30%）。",
        "Share points / purchase points = {v:.2%} (doc target 30%).",
    ),
    "sec_clv": (
        "客户终身价值与高价值流失预警",
        "Customer lifetime value and high-value churn warning",
    ),
    "doc_clv": (
        "文档：通过 RFM 模型识别 3 个月未购的高净值用户，自动触发专属优惠券 + 定制化商品推荐组合包，挽回成本"
        "可上浮至普通用户的 3 倍。",
        "Doc: use RFM to find high-net-worth customers with no purchase for 3 months and trigger "
        "an exclusive coupon + tailored recommendations; the win-back cost may reach 3x a normal "
        "customer's.",
    ),
    "clv_note": (
        "BG/NBD（购买次数与存活）与 Gamma-Gamma（客单价）在 metrics.rfm 输出上拟合（仅需订单表），按月折现；"
        "简单 LTV = 客单价 × 期内购买次数（由数据年化）× 1。",
        "BG/NBD (purchases and survival) and Gamma-Gamma (order value) fitted on the "
        "metrics.rfm output (orders alone), discounted monthly; simple LTV = AOV x purchases "
        "over the horizon (annualised from the data) x 1.",
    ),
    "inactive_fits": (
        "数据跨度 {span:.0f} 天：可直接使用文档的 90 天阈值。",
        "The data span {span:.0f} days: the doc's 90-day threshold applies.",
    ),
    "inactive_short": (
        "数据跨度仅 {span:.0f} 天，容不下文档的 90 天阈值：默认取跨度的一半（{d} 天）。",
        "The data span only {span:.0f} days, too short for the doc's 90 days: the default is "
        "half the span ({d} days).",
    ),
    "cap_1": ("每期最多降 1 级", "Down 1 step per period"),
    "cap_2": ("每期最多降 2 级", "Down 2 steps per period"),
    "cap_None": ("直接降到达标等级", "Straight to the qualified tier"),
    "t_sizes": ("各评估期会员等级分布", "Members by tier at each evaluation"),
    "t_migration": ("等级迁移矩阵（本期 → 下期）", "Tier migration (period → next)"),
    "t_economy": ("积分流向", "Points flow"),
    "t_gifts": ("礼品兑换率", "Gift redemption rates"),
    "t_clv": ("客户终身价值分布", "Customer lifetime value distribution"),
    "issued": ("发放", "Issued"),
    "redeemed": ("兑换", "Redeemed"),
    "expired": ("过期", "Expired"),
    "outstanding": ("未兑付余额", "Outstanding"),
}
TABLE_COLUMNS: dict[str, tuple[str, str]] = {
    "kind": ("获取渠道", "Earned by"), "points": ("积分", "Points"), "movements": ("笔数", "Movements"),
    "points_share": ("积分占比", "Share of points"), "members": ("会员数", "Members"),
    "penetration": ("渗透率", "Penetration"), "gift_id": ("礼品", "Gift"),
    "redemptions": ("兑换次数", "Redemptions"), "rate": ("兑换率", "Redemption rate"),
    "cost": ("积分成本", "Points cost"), "gmv_after": ("兑换后 GMV", "GMV after"),
    "roi": ("ROI", "ROI"), "retire": ("建议淘汰", "Retire"), "segment": ("群体", "Segment"),
    "balance": ("积分余额", "Balance"), "redeemed": ("已兑换", "Redeemed"),
    "user_id": ("用户", "User"), "orders": ("订单", "Orders"), "monetary": ("累计消费", "Spend"),
    "days_since_last": ("距上次购买(天)", "Days since last"), "p_alive": ("存活概率", "P(alive)"),
    "expected_purchases": ("预期购买次数", "Expected purchases"), "clv": ("CLV", "CLV"),
    "tier": ("等级", "Tier"), "annual_spend": ("年消费门槛", "Annual spend"),
}  # fmt: skip
PCT = {"points_share", "penetration", "rate", "p_alive"}
MONEY = {"cost", "gmv_after", "monetary", "clv", "annual_spend"}


def lab(key: str, lang: str = "zh") -> str:
    """Label of a code in the chosen language (the code itself when unknown)."""
    pair = L.get(key)
    return key if pair is None else pair[1 if lang == "en" else 0]


def table(frame: pd.DataFrame, columns: list[str], lang: str = "zh") -> pd.DataFrame:
    """Display copy of a chapter-07 frame (tier / kind / segment codes translated)."""
    out = frame[columns].copy()
    for c in ("tier", "kind", "segment"):
        if c in out:
            out[c] = out[c].map(lambda v: lab(str(v), lang))
    return format_table(out, columns, TABLE_COLUMNS, lang, pct=PCT, money=MONEY)


def inactive_note(span_days: float, default: int, lang: str = "zh") -> str:
    """How the doc's 90-day inactivity threshold fits the data span."""
    key = "inactive_fits" if default == 90 else "inactive_short"
    return lab(key, lang).format(span=span_days, d=default)


def _finish(fig: go.Figure, title: str | None, key: str, height: int, lang: str) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=lab(key, lang) if title is None else title,
                      height=height)  # fmt: skip
    return fig


def tier_sizes(sizes: pd.DataFrame, *, title: str | None = None, height: int = 340,
               lang: str = "zh") -> go.Figure:  # fmt: skip
    """Members above the normal tier at each evaluation date, stacked by tier (normal in hover)."""
    fig = go.Figure()
    x = sizes["snapshot"].dt.strftime("%m-%d")
    for i, tier in enumerate(("silver", "gold", "diamond", "black_diamond")):
        fig.add_bar(x=x, y=sizes[tier], name=lab(tier, lang), marker_color=PALETTE[i],
                    customdata=sizes["normal"],
                    hovertemplate="%{y} (" + lab("normal", lang) + ": %{customdata})")  # fmt: skip
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    return _finish(fig, title, "t_sizes", height, lang)


def migration_heatmap(m: pd.DataFrame, *, title: str | None = None, height: int = 340,
                      lang: str = "zh") -> go.Figure:  # fmt: skip
    """Row-normalised tier transitions between consecutive evaluations (counts in the hover)."""
    share = m.div(m.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0)
    names = [lab(x, lang) for x in m.index]
    fig = go.Figure(go.Heatmap(z=share.to_numpy(), x=names, y=names, colorscale="Teal",
                               zmin=0, zmax=1, text=m.to_numpy(), texttemplate="%{z:.0%}",
                               hovertemplate="%{y} → %{x}: %{text}<extra></extra>"))  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    return _finish(fig, title, "t_migration", height, lang)


def points_waterfall(econ: dict, *, title: str | None = None, height: int = 340,
                     lang: str = "zh") -> go.Figure:  # fmt: skip
    """Issued minus redeemed minus expired = outstanding points (the liability)."""
    keys = ("issued", "redeemed", "expired", "outstanding")
    vals = [econ["issued"], -econ["redeemed"], -econ["expired"], econ["outstanding"]]
    fig = go.Figure(go.Waterfall(x=[lab(k, lang) for k in keys], y=vals,
                                 measure=["absolute", "relative", "relative", "total"],
                                 text=[f"{abs(v):,.0f}" for v in vals], textposition="outside",
                                 increasing=dict(marker_color=PALETTE[0]),
                                 decreasing=dict(marker_color=PALETTE[3]),
                                 totals=dict(marker_color=PALETTE[1])))  # fmt: skip
    fig.update_yaxes(range=[0, econ["issued"] * 1.18])
    return _finish(fig, title, "t_economy", height, lang)


def gift_rates(gifts: pd.DataFrame, retire_rate: float, *, title: str | None = None,
               height: int = 340, lang: str = "zh") -> go.Figure:  # fmt: skip
    """Each gift's share of redemptions with the doc's 5% retire line (retire candidates red)."""
    g = gifts.sort_values("rate", ascending=False)
    colors = [PALETTE[9] if r else PALETTE[0] for r in g["retire"]]
    fig = go.Figure(go.Bar(x=g["gift_id"], y=g["rate"], marker_color=colors,
                           text=[f"{v:.1%}" for v in g["rate"]], textposition="outside"))  # fmt: skip
    reference_line(fig, retire_rate, ("文档: 兑换率 < " if lang == "zh" else "Doc: retire below ")
                   + f"{retire_rate:.0%}")  # fmt: skip
    fig.update_yaxes(tickformat=".0%", range=[0, max(float(g["rate"].max()) * 1.2, 0.1)])
    return _finish(fig, title, "t_gifts", height, lang)


def clv_histogram(customers: pd.DataFrame, simple_ltv: float, *, title: str | None = None,
                  height: int = 340, lang: str = "zh") -> go.Figure:  # fmt: skip
    """Histogram of customer CLV (capped at the 99th percentile) with its mean and simple LTV."""
    v = customers["clv"].to_numpy()
    cap = float(np.quantile(v, 0.99)) if len(v) else 0.0
    fig = go.Figure(go.Histogram(x=np.minimum(v, cap), nbinsx=40, marker_color=PALETTE[2]))
    reference_line(fig, float(v.mean()), ("平均 CLV " if lang == "zh" else "Mean CLV ")
                   + f"¥{v.mean():,.0f}", axis="x", color=PALETTE[0])  # fmt: skip
    reference_line(fig, simple_ltv, ("简单 LTV " if lang == "zh" else "Simple LTV ")
                   + f"¥{simple_ltv:,.0f}", axis="x")  # fmt: skip
    fig.update_xaxes(tickprefix="¥")
    fig.update_layout(showlegend=False)
    return _finish(fig, title, "t_clv", height, lang)
