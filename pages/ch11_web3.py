"""Chapter 11 元宇宙与Web3.0营销探索: collectible drop simulator and the provenance ledger."""

from __future__ import annotations

import streamlit as st

from omni_core.analysis import ch11
from omni_core.charts import ch11 as charts
from omni_core.models.collectibles import DOC_MCD_SHARE_RATE, DOC_NIKE_UPLIFT, DropParams
from ui import state
from ui.components import doc_note, fmt_int, fmt_pct, kpi_row, page_header

lang = state.lang()


def L(key: str, **kw: object) -> str:
    """Page text in the current language."""
    return state.tr(*ch11.TEXT[key]).format(**kw)


page_header("11 元宇宙与Web3.0营销探索", "11 Metaverse & Web3", L("caption"), lang)
ds = state.dataset()
if not ds or "orders" not in state.warehouse().table_names(ds):
    st.warning(
        state.tr(
            "数据集没有订单表：本页无法计算。",
            "The dataset has no orders table: nothing to compute.",
        )
    )
    st.stop()
version = state.data_version(ds)


@st.cache_data(show_spinner=False, max_entries=32)
def _drop(dataset: str, version: str, days: int, params: DropParams, seed: int) -> dict:
    return ch11.drop(state.warehouse(), dataset, days, params, seed)


@st.cache_data(show_spinner=False, max_entries=8)
def _ledger(dataset: str, version: str, n: int) -> dict:
    return ch11.ledger(state.warehouse(), dataset, n)


tab_drop, tab_ledger = st.tabs([L("tab_drop"), L("tab_ledger")])
with tab_drop:
    doc_note(L("doc_drop"))
    a, b, c, d = st.columns(4)
    days = a.slider(L("window"), 3, 60, 14)
    supply = b.number_input(L("supply"), 1, 1_000_000, 500, 50)
    threshold = c.number_input(L("threshold"), 0.0, 100_000.0, 199.0, 10.0)
    seed = d.number_input(L("seed"), 0, 2**31 - 1, 11)
    a, b, c, d = st.columns(4)
    share = a.slider(L("share_rate"), 0.0, 1.0, DOC_MCD_SHARE_RATE, 0.01)
    invites = b.slider(L("invites"), 0.0, 20.0, 3.0, 0.5)
    conv = c.slider(L("invite_conv"), 0.0, 0.5, 0.05, 0.01)
    attraction = d.slider(L("attraction"), 0.0, 1.0, 0.05, 0.01)
    a, b, c, _ = st.columns(4)
    trade_up = a.slider(L("trade_up"), 0.0, 1.0, 0.3, 0.05)
    legendary = b.number_input(L("legendary"), 0.0, 100.0, 2.0, 0.5)
    rare = c.number_input(L("rare"), 0.0, 100.0, 13.0, 0.5)
    try:
        shares = (1 - (legendary + rare) / 100, rare / 100, legendary / 100)
        params = DropParams(supply=int(supply), threshold=float(threshold), share_rate=share,
                            invites_per_share=invites, invite_conversion=conv,
                            attraction=attraction, trade_up_prob=trade_up, rarity_shares=shares)  # fmt: skip
        res = _drop(ds, version, int(days), params, int(seed))
    except ValueError as e:
        st.error(f"{L('invalid')}: {e}")
    else:
        tot = res["totals"]
        sell = tot["sellout_day"]
        kpi_row([(L("claims"), f"{fmt_int(tot['claims'])} / {fmt_int(supply)}"),
                 (L("sellout"), sell.strftime("%m-%d") if sell is not None else L("not_sold_out")),
                 (L("uplift"), fmt_pct(tot["uplift"])), (L("realised_share"), fmt_pct(tot["share_rate"])),
                 (L("qualifying"), fmt_pct(res["qualifying_share"]))])  # fmt: skip
        st.plotly_chart(
            charts.drop_daily(res["daily"], lang=lang, title=L("daily")), width="stretch"
        )
        left, right = st.columns(2)
        fig = charts.benchmark(tot["uplift"], DOC_NIKE_UPLIFT, L("uplift"), L("nike"), lang=lang)
        left.plotly_chart(fig, width="stretch")
        rate = tot["share_rate"] if tot["claims"] else 0.0
        fig = charts.benchmark(rate, DOC_MCD_SHARE_RATE, L("realised_share"), L("mcd"), lang=lang)
        right.plotly_chart(fig, width="stretch")

with tab_ledger:
    doc_note(L("doc_ledger"))
    n = st.slider(L("n_orders"), 50, ch11.MAX_LEDGER_ORDERS, 1000, 50)
    led = _ledger(ds, version, int(n))
    chain, check = led["chain"], led["verification"]
    if not led["has_returns"]:
        st.info(L("no_returns"))
    status = L("ok") if check.ok else f"{check.first_bad}: {check.reason}"
    kpi_row([(L("blocks"), fmt_int(len(chain))), (L("size"), f"{led['bytes'] / 1024:,.0f} KB"),
             (L("verified"), status)])  # fmt: skip
    st.caption(f"{L('head')}: `{check.head_hash}`")
    first_ref = int(chain[0]["ref"]) if chain else 0
    oid = st.number_input(L("trace"), 0, 10**12, first_ref, 1)
    st.dataframe(ch11.trace(chain, int(oid)), hide_index=True, width="stretch")
    st.subheader(L("tamper_title"))
    t1, t2, t3 = st.columns([1, 1, 2])
    idx = t1.number_input(
        L("tamper_block"), 0, max(0, len(chain) - 1), max(0, min(5, len(chain) - 1)), 1
    )
    amount = t2.number_input(L("tamper_amount"), 0.0, 1e9, 1.0, 1.0)
    rehash = t3.checkbox(L("rehash"))
    try:
        demo = ch11.tamper_demo(chain, int(idx), float(amount), rehash)
    except ValueError as e:
        st.error(f"{L('invalid')}: {e}")
    else:
        links = demo["links"]
        st.error(L("broken_at", i=links.first_bad, r=links.reason))
        st.info(L("anchor_fail", i=demo["full_rewrite"].first_bad))
        strip = ch11.strip(chain, links, int(idx))
        st.plotly_chart(charts.ledger_strip(strip, lang=lang, title=L("strip")), width="stretch")
        st.dataframe(strip, hide_index=True, width="stretch")
    comp = ch11.complaints(state.warehouse(), ds)
    if comp is not None and not comp.empty:
        st.plotly_chart(
            charts.complaints_bar(comp, lang=lang, title=L("complaints")), width="stretch"
        )
