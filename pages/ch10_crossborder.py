"""Chapter 10 跨境出海营销布局: market board, landed cost (DDP/DDU), payments, logistics, compliance."""

from __future__ import annotations

import streamlit as st

from omni_core.analysis import ch10
from omni_core.charts import ch10 as charts
from omni_core.crossborder_reference import CATEGORY_IDS, MARKET_BY_CODE
from ui import state
from ui.components import doc_note, fmt_int, fmt_money, fmt_pct, kpi_row, page_header

lang = state.lang()


def L(key: str, **kw: object) -> str:
    """Page text in the current language."""
    return state.tr(*ch10.TEXT[key]).format(**kw)


page_header("10 跨境出海营销布局", "10 Cross-border marketing", L("caption"), lang)
ds = state.dataset()


@st.cache_data(show_spinner=False, max_entries=16)
def _board(dataset: str, version: str) -> dict:
    return ch10.market_board(state.warehouse(), dataset)


data = _board(ds, state.data_version(ds)) if ds else {"board": None, "missing": ["orders"]}
board = data["board"]
has_board = board is not None and not board.empty
c1, c2 = st.columns(2)
country = c1.selectbox(
    L("market"),
    ch10.market_options(),
    format_func=lambda c: f"{c} · {getattr(MARKET_BY_CODE[c], f'name_{lang}')}",
)
category = c2.selectbox(L("category"), CATEGORY_IDS)
tabs = st.tabs([L("tab_board"), L("tab_landed"), L("tab_pay"), L("tab_log"), L("tab_comp")])

with tabs[0]:
    if not has_board:
        st.info(L("no_orders"))
    else:
        if "events" in data["missing"]:
            st.warning(L("no_events"))
        top = board.iloc[0][f"name_{lang}"]
        kpi_row([(L("gmv"), fmt_money(board["gmv"].sum())), (L("orders"), fmt_int(data["n_orders"])),
                 (L("markets"), fmt_int(len(board))), (L("top"), top)])  # fmt: skip
        left, right = st.columns(2)
        fig = charts.market_bubbles(board, lang=lang, title=L("bubbles"))
        left.plotly_chart(fig, width="stretch")
        if not data["weekly"].empty:
            fig = charts.seasonality_heatmap(data["weekly"], lang=lang, title=L("heatmap"))
            right.plotly_chart(fig, width="stretch")
        st.dataframe(ch10.board_table(board, lang), hide_index=True, width="stretch")
        st.caption(L("board_note", n=data["n_orders"]))

with tabs[1]:
    doc_note(L("doc_ddp"))
    values, fields = {}, ch10.landed_fields(country, category)
    grid = st.columns(5)
    for i, f in enumerate(fields):
        values[f["key"]] = grid[i % 5].number_input(
            state.tr(f["zh"], f["en"]),
            min_value=f["min"],
            max_value=f["max"],
            value=float(f["value"]),
            step=float(f["step"]),
            format=f.get("format", "%.2f"),
            key=f"lc_{country}_{category}_{f['key']}",
        )
    try:
        res = ch10.landed(ch10.inputs_from(values, country))
    except ValueError as e:
        st.error(f"{L('invalid')}: {e}")
    else:
        tb = res["table"].set_index("incoterm")
        kpi_row([(L("ddp_margin"), fmt_money(tb.loc["DDP", "margin"])),
                 (L("ddu_margin"), fmt_money(tb.loc["DDU", "margin"])),
                 (L("taxes"), fmt_money(tb.loc["DDP", "duty"] + tb.loc["DDP", "vat"])),
                 (L("ddp_gain"), fmt_money(res["ddp_gain_per_1000"]))])  # fmt: skip
        a, b = st.columns(2)
        a.plotly_chart(
            charts.landed_stack(res["parts"], lang=lang, title=L("buyer_pays")), width="stretch"
        )
        b.plotly_chart(
            charts.profit_bars(res["table"], lang=lang, title=L("profit")), width="stretch"
        )
        st.dataframe(tb.T.astype(str), width="stretch")
        st.caption(L("landed_note", v=MARKET_BY_CODE[country].valuation))

with tabs[2]:
    doc_note(L("doc_pay"))
    names = ch10.method_names(lang)
    mix = list(ch10.PAYMENT_MIX[country])
    p1, p2, p3 = st.columns([2, 2, 1])
    offered = p1.multiselect(
        L("offered"), mix, default=mix, format_func=names.get, key=f"pay_o_{country}"
    )
    current = p2.multiselect(
        L("current"), mix, default=["card"], format_func=names.get, key=f"pay_c_{country}"
    )
    fallback = p3.slider(L("fallback"), 0.0, 1.0, 0.45, 0.05)
    try:
        pay = ch10.payments(country, offered, current, fallback)
    except ValueError as e:
        st.error(f"{L('invalid')}: {e}")
    else:
        measured = board.set_index("country")["pay_rate"].get(country) if has_board else None
        kpi_row([(L("coverage"), fmt_pct(pay["new"]["coverage"])),
                 (L("success"), fmt_pct(pay["new"]["success"])),
                 (L("uplift"), fmt_pct(pay["uplift"])), (L("measured_pay"), fmt_pct(measured))])  # fmt: skip
        fig = charts.payment_curve(
            pay["curve"], names, pay["card_only"], lang=lang, title=L("pay_curve")
        )
        st.plotly_chart(fig, width="stretch")
        st.caption(L("pay_note", x=pay["examples"]))

with tabs[3]:
    doc_note(L("doc_log"))
    l1, l2, l3, l4 = st.columns(4)
    weight = l1.number_input(L("weight"), 0.05, 70.0, 0.5, 0.05)
    ucost = l2.number_input(L("unit_cost"), 0.0, 1e6, 120.0, 10.0, key="lg_cost")
    max_days = l3.slider(L("max_days"), 1, 30, 7)
    cover = l4.slider(L("cover"), 0.5, 12.0, 2.0, 0.5)
    wh = state.warehouse()
    measured_lg = ch10.measured_logistics(wh, ds, data["delivery"]) if has_board else {}
    opts = ch10.logistics(country, weight, ucost, max_days, cover, measured_lg)
    if not opts["recommended"].any():
        st.warning(L("no_option"))
    fig = charts.logistics_scatter(opts, lang=lang, title=L("log_chart"))
    st.plotly_chart(fig, width="stretch")
    st.dataframe(ch10.logistics_table(opts, lang), hide_index=True, width="stretch")

with tabs[4]:
    st.caption(L("comp_note"))
    edited = st.data_editor(
        ch10.compliance(country, category, lang),
        hide_index=True,
        width="stretch",
        disabled=["area", "requirement", "source"],
        key=f"cl_{country}_{category}",
    )
    st.metric(L("readiness"), fmt_pct(ch10.readiness(edited), 0))
