"""07 Membership and loyalty: tiers and migrations, points economy, CLV and churn warning."""

from __future__ import annotations

import streamlit as st

from omni_core.analysis import ch07
from omni_core.charts import ch07 as ch
from omni_core.metrics.coverage import missing_note
from ui import state
from ui.components import doc_note, fmt_int, fmt_money, fmt_pct, kpi_row, page_header

lang = state.lang()
tr = state.tr
T = lambda key: ch.lab(key, lang)  # noqa: E731
tab = lambda frame, cols: st.dataframe(ch.table(frame, cols, lang), hide_index=True)  # noqa: E731
page_header("07 会员体系与忠诚度计划", "07 Membership & loyalty", T("caption"), lang)
ds = state.dataset()
ver = state.data_version(ds)
wh = state.warehouse


@st.cache_data(show_spinner=False, max_entries=8)
def _overview(dataset: str, version: str) -> dict:
    return ch07.overview(wh(), dataset)


@st.cache_data(show_spinner=False, max_entries=16)
def _tiers(dataset: str, version: str, period: int, window: int, cap: int | None) -> dict:
    return ch07.tiers(wh(), dataset, period_days=period, window_days=window, max_downgrade=cap)


@st.cache_data(show_spinner=False, max_entries=16)
def _points(dataset: str, version: str, roi_window: int) -> dict:
    return ch07.points(wh(), dataset, roi_window_days=roi_window)


@st.cache_data(show_spinner=False, max_entries=16)
def _clv(dataset: str, version: str, horizon: int, discount: float) -> dict:
    return ch07.clv_table(wh(), dataset, horizon_days=horizon, annual_discount=discount)


def _show(fn, *args, **kwargs):  # run a computation; bad input shows a clear error, no crash
    try:
        return fn(*args, **kwargs)
    except ValueError as e:
        st.error(f"{tr('无法计算', 'Cannot compute')}: {e}")


data = _overview(ds, ver)
if note := missing_note(data["missing"], ch07.TITLES, lang):
    st.info(note)
if "span_days" not in data:
    st.warning(tr("数据集中没有已支付订单。", "The dataset has no paid orders."))
    st.stop()

st.subheader(T("sec_tiers"))
doc_note(T("doc_tiers"))
c1, c2, c3 = st.columns(3)
period = c1.slider(tr("评估周期（天）", "Evaluation period (days)"), 7, 90, 15)
window = c2.slider(tr("滚动窗口（天）", "Rolling window (days)"), 7, 365, 60)
caps = [1, 2, None]
cap = c3.selectbox(tr("降级规则", "Downgrade rule"), caps, format_func=lambda c: T(f"cap_{c}"))
if (tiers := _show(_tiers, ds, ver, period, window, cap)) is not None:
    agree = tiers.get("agreement")
    kpi_row(
        [
            (tr("会员数", "Members"), fmt_int(tiers["members"])),
            (tr("升级次数", "Upgrades"), fmt_int(tiers["upgrades"])),
            (tr("降级次数", "Downgrades"), fmt_int(tiers["downgrades"])),
            (tr("期末达标等级与世界一致", "Last qualified = world tier"), fmt_pct(agree)),
        ]
    )
    left, right = st.columns(2)
    left.plotly_chart(ch.tier_sizes(tiers["sizes"], lang=lang))
    right.plotly_chart(ch.migration_heatmap(tiers["migration"], lang=lang))
    st.caption(T("tier_note"))

if "points" not in data["missing"]:
    st.subheader(T("sec_points"))
    doc_note(T("doc_points"))
    roi_window = st.slider(tr("ROI 归因窗口（天）", "ROI attribution window (days)"), 1, 90, 30)
    if (pts := _show(_points, ds, ver, roi_window)) is not None:
        e = pts["economy"]
        kpi_row(
            [
                (tr("已发放积分", "Points issued"), fmt_int(e["issued"])),
                (tr("兑换率", "Redemption rate"), fmt_pct(e["redemption_rate"])),
                (tr("未兑付积分", "Outstanding"), fmt_int(e["outstanding"])),
                (tr("积分负债（0.01 元/分）", "Liability (¥0.01/pt)"), fmt_money(e["liability"])),
                (tr("兑换 ROI", "Redemption ROI"), f"1:{pts['roi']:.1f}", "doc ≥ 1:3"),
            ]
        )
        left, right = st.columns(2)
        left.plotly_chart(ch.points_waterfall(e, lang=lang))
        right.plotly_chart(ch.gift_rates(pts["gifts"], ch07.DOC["retire_rate"], lang=lang))
        st.caption(T("points_note").format(w=roi_window))
        a, b = st.columns(2)
        with a:
            tab(pts["penetration"], ["kind", "points", "points_share", "members", "penetration"])
            st.caption(T("share_ratio").format(v=pts["share_vs_purchase"]))
            tab(pts["segments"], ["segment", "members", "balance", "redeemed"])
        with b:
            tab(
                pts["gifts"],
                ["gift_id", "redemptions", "rate", "cost", "gmv_after", "roi", "retire"],
            )

st.subheader(T("sec_clv"))
doc_note(T("doc_clv"))
c1, c2 = st.columns(2)
horizon = c1.slider(tr("预测期（天）", "Horizon (days)"), 30, 1095, 365, 5)
disc = c2.slider(tr("年折现率", "Annual discount rate"), 0.0, 0.5, 0.10, 0.01)
if (cl := _show(_clv, ds, ver, horizon, disc)) is not None:
    kpi_row(
        [
            (tr("平均 CLV", "Mean CLV"), fmt_money(cl["mean_clv"])),
            (tr("简单 LTV（文档公式）", "Simple LTV (doc formula)"), fmt_money(cl["simple_ltv"])),
            (tr("客单价", "AOV"), fmt_money(cl["aov"])),
            (tr("年化购买次数", "Purchases / year"), f"{cl['purchases_per_year']:.2f}"),
            (tr("平均存活概率", "Mean P(alive)"), fmt_pct(cl["customers"]["p_alive"].mean())),
        ]
    )
    st.plotly_chart(ch.clv_histogram(cl["customers"], cl["simple_ltv"], lang=lang))
    st.caption(T("clv_note") + f" BG/NBD: {cl['bgnbd_method']}.")
    default = ch07.default_inactive_days(data["span_days"])
    w1, w2, w3, w4 = st.columns(4)
    inactive = w1.slider(tr("未购天数阈值", "Days without purchase"), 1, 365, default)
    top = w2.slider(tr("高价值客户占比", "High-value share"), 0.05, 1.0, 0.2, 0.05)
    cost = w3.number_input(tr("普通挽回成本（¥）", "Normal offer cost (¥)"), 1.0, 5000.0, 30.0)
    mult = w4.slider(tr("高价值倍数", "High-value multiple"), 1.0, 3.0, 3.0, 0.5)
    st.caption(ch.inactive_note(data["span_days"], default, lang))
    warn = _show(ch07.churn_warning, cl["customers"], inactive_days=inactive, top_share=top,
                 offer_cost=cost, multiple=mult)  # fmt: skip
    if warn is not None:
        kpi_row(
            [
                (tr("预警客户", "Flagged customers"), fmt_int(len(warn["flagged"]))),
                (tr("挽回预算", "Offer budget"), fmt_money(warn["budget"])),
                (tr("涉及 CLV", "CLV at stake"), fmt_money(warn["clv_at_stake"])),
                (tr("预算 / CLV", "Budget / CLV"), fmt_pct(warn["budget_share"])),
            ]
        )
        cols = ["user_id", "orders", "monetary", "days_since_last", "p_alive", "clv"]
        tab(warn["flagged"].head(30), [*cols, "expected_purchases"])
