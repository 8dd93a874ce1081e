"""05 Social viral growth: group buys, share coupons, K and cascades, LTV/CAC, community SOPs."""

from __future__ import annotations

import streamlit as st

from omni_core.analysis import ch05
from omni_core.charts import ch05 as ch
from omni_core.metrics.coverage import missing_note
from ui import state
from ui.components import doc_note, fmt_pct, kpi_row, page_header

lang = state.lang()
tr = state.tr
T = lambda key: ch.lab(key, lang)  # noqa: E731
page_header("05 社交电商裂变增长体系", "05 Social viral growth", T("caption"), lang)
ds = state.dataset()
ver = state.data_version(ds)


@st.cache_data(show_spinner=False, max_entries=8)
def _overview(dataset: str, version: str) -> dict:
    return ch05.overview(state.warehouse(), dataset)


@st.cache_data(show_spinner=False, max_entries=16)
def _community(dataset: str, version: str, period: int, coupon: float, aov: float) -> dict:
    wh = state.warehouse()
    return ch05.community(wh, dataset, period_days=period, coupon_value=coupon, aov=aov)


@st.cache_data(show_spinner=False, max_entries=32)
def _cascade(k: float, r: float, seeds: int, gens: int, market: float | None) -> dict:
    return ch05.cascade(k, r, seeds=seeds, generations=gens, market=market)


data = _overview(ds, ver)
if note := missing_note(data["missing"], ch05.TITLES, lang):
    st.info(note)
basics = data.get("basics")
aov = basics["gmv"] / basics["orders"] if basics and basics["orders"] else 0.0

if "mechanics" in data:
    st.subheader(T("sec_play"))
    doc_note(T("doc_play"))
    left, right = st.columns(2)
    left.plotly_chart(ch.mechanic_bars(data["mechanics"], lang=lang))
    if data["coupon"] is not None:
        left.caption(T("coupon_test").format(**data["coupon"]))
    if "groups" in data:
        d1, d2 = right.columns(2)
        disc = {
            "group_buy_2": d1.slider(tr("2 人团折扣", "2-person discount"), 0.0, 0.5, 0.10, 0.01),
            "group_buy_5": d2.slider(tr("5 人团折扣", "5-person discount"), 0.0, 0.5, 0.20, 0.01),
        }
        try:
            tiers = ch05.group_buy_tiers(
                data["groups"], aov=aov, gross_margin=data["gross_margin"], discounts=disc
            )
        except ValueError as e:
            right.error(f"{tr('拼团毛利无法计算', 'Group-buy margin cannot be computed')}: {e}")
        else:
            right.plotly_chart(ch.group_tiers(tiers, lang=lang, height=300))
            cols = ["mechanic", "size", "groups", "completed", "completion_rate", "discount"]
            cols += ["margin_per_group", "margin_per_launch"]
            st.dataframe(ch.table(tiers, cols, lang), hide_index=True)
            st.caption(T("group_note"))

if "k" in data:
    st.subheader(T("sec_k"))
    doc_note(T("doc_k"))
    k, sd = data["k"], data["second_degree"]
    paid = data.get("paid_cac")
    cac_default = float(min(max(round(paid or 30.0), 1), 5000))
    cac = st.number_input(T("cac_label"), 1.0, 5000.0, cac_default, 5.0, help=T("cac_help"))
    repeat = basics["orders"] / max(basics["buyers"], 1)
    ltv = ch05.referral_ltv(aov=aov, repeat_purchases=repeat, referred_users=1 + k["k_buyers"],
                            cac=cac)  # fmt: skip
    kpi_row(
        [
            (tr("K（原始分享者）", "K (original sharers)"), f"{k['k_sharers']:.2f}", "doc > 1"),
            (tr("K（全部买家）", "K (all buyers)"), f"{k['k_buyers']:.3f}"),
            (tr("邀请转化率", "Invite conversion"), fmt_pct(k["conversion"])),
            (tr("离散度 r", "Dispersion r"), f"{k['dispersion']:.2f}"),
            (tr("二度人脉转化", "Second-degree conv."), fmt_pct(sd["rate"]), "doc ≥ 15%"),
            ("LTV / CAC", f"{ltv['ratio']:.1f}", "doc ≥ 3"),
        ]
    )
    st.caption(ch.ltv_formula(aov, repeat, k["k_buyers"], ltv, basics["span_days"], lang))
    left, right = st.columns(2)
    left.plotly_chart(ch.k_bars(k, lang=lang))
    right.plotly_chart(
        ch.offspring_fit(data["offspring"], k["k_sharers"], k["dispersion"], lang=lang)
    )
    s1, s2, s3, s4 = st.columns(4)
    k_sim = s1.slider(
        tr("模拟 K", "K to simulate"), 0.0, 3.0, round(min(k["k_sharers"], 3.0), 2), 0.01
    )
    seeds = s2.number_input(
        tr("种子用户", "Seed users"), 1, 100_000, min(max(k["sharers"], 1), 100_000)
    )
    gens = s3.slider(tr("代数", "Generations"), 1, 20, 10)
    cap = s4.checkbox(tr("以数据集用户数为市场上限", "Cap at the dataset's users"), value=True)
    market = float(max(basics.get("users", basics["buyers"]), seeds)) if cap else None
    try:
        sim = _cascade(k_sim, k["dispersion"], int(seeds), gens, market)
    except ValueError as e:
        st.error(f"{tr('级联模拟参数无效', 'Invalid cascade settings')}: {e}")
    else:
        st.plotly_chart(ch.cascade_chart(sim["frame"], lang=lang))
        st.caption(T("cascade_note") + " " + ch.cascade_verdict(sim, k_sim, lang))

if "community" not in data["missing"]:
    st.subheader(T("sec_comm"))
    doc_note(T("doc_comm"))
    p1, p2 = st.columns(2)
    period = p1.slider(tr("快照间隔（天）", "Snapshot every (days)"), 1, 30, 7)
    coupon = p2.number_input(tr("大额券面值（¥）", "Big coupon value (¥)"), 1.0, 1000.0, 50.0, 5.0)
    try:
        comm = _community(ds, ver, period, coupon, round(aov, 2))
    except ValueError as e:
        st.error(f"{tr('社群分层无法计算', 'Community layers cannot be computed')}: {e}")
    else:
        left, right = st.columns(2)
        left.plotly_chart(ch.layer_area(comm["sizes"], lang=lang))
        right.plotly_chart(ch.transition_heatmap(comm["transitions"], lang=lang))
        st.dataframe(ch.sop_table(comm["outcomes"], lang), hide_index=True)
