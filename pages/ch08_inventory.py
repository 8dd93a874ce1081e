"""Chapter 08: one stock view, demand forecast and replenishment, allocation, routing, returns."""

from __future__ import annotations

from functools import partial

import streamlit as st

from omni_core.analysis import ch08
from omni_core.charts import ch08 as charts
from ui import state
from ui.components import doc_note, fmt_int, kpi_row, page_header

lang = state.lang()
L = partial(ch08.text, lang=lang)
page_header(*ch08.TEXT["title"], L("caption"), lang)
wh, ds = state.warehouse(), state.dataset()
gaps, ver = ch08.missing(wh, ds), state.data_version(ds)


@st.cache_data(show_spinner=False, max_entries=32)
def _call(name: str, dataset: str, version: str, **kw) -> dict:
    panel = _call("demand_panel", dataset, version) if name in ch08.USES_PANEL else None
    return ch08.run(name, state.warehouse(), dataset, panel, **kw)


def _ok(section: str) -> bool:
    if gaps[section]:
        st.info(ch08.missing_note(gaps[section], lang))
    return not gaps[section]


def _get(name: str, **kw) -> dict | None:
    """A section's data, or None after saying why it cannot be shown (data too thin, ...)."""
    try:
        return _call(name, ds, ver, **kw)
    except ValueError as e:
        st.error(str(e))
        return None


def _plot(fig, where=st) -> None:
    where.plotly_chart(fig, width="stretch")


def _table(frame, where=st, **kw) -> None:
    where.dataframe(ch08.labelled(frame, lang).round(3), hide_index=True, width="stretch", **kw)


tabs = st.tabs([L(k) for k in ch08.TABS])
with tabs[0]:
    if _ok("stock") and (sv := _get("stock_view")) is not None:
        kpi_row(ch08.stock_kpis(sv, lang))
        doc_note(L("doc_stock"))
        _plot(charts.stock_by_location(sv["by_location"], lang=lang))
        c1, c2 = st.columns(2)
        _plot(charts.rate_trend(sv["daily"], "accuracy", ch08.DOC_ACCURACY, L("doc_99"),
                                title=L("daily_acc"), lang=lang), c1)  # fmt: skip
        _plot(charts.rate_trend(sv["daily"], "stockout_rate", ch08.DOC_STOCKOUT, L("doc_3"),
                                title=L("daily_so"), lang=lang), c2)  # fmt: skip
        _table(sv["by_location"])
with tabs[1]:
    pan = _get("demand_panel") if _ok("forecast") else None
    if pan is not None and (bt := _get("backtest_summary")) is not None:
        skus = _call("sku_choices", ds, ver).set_index("sku_id")["label"]
        f1, f2, f3, f4, f5 = st.columns(5)
        sku = f1.selectbox("SKU", skus.index.tolist(), format_func=skus.get)
        locs = pan["y"].loc[sku].sum(axis=1).sort_values(ascending=False).index  # busiest first
        loc = f2.selectbox(L("location"), ["*", *locs], index=1,
                           format_func=lambda x: L("all_locations") if x == "*" else x)  # fmt: skip
        level = f3.slider(L("interval"), 0.5, 0.95, 0.8, 0.05)
        service = f4.slider(L("service"), 0.80, 0.99, 0.95, 0.01)
        review = f5.slider(L("review"), 1, 28, 7)
        fv = _call("forecast_view", ds, ver, sku_id=int(sku),
                   location_id=None if loc == "*" else loc, level=level)  # fmt: skip
        _plot(charts.forecast_chart(fv["history"], fv["forecast"], level=level, lang=lang))
        st.markdown(L("backtest", origins=bt["origins"], **bt["coverage"]))
        b1, b2 = st.columns([3, 2])
        _plot(charts.backtest_chart(bt["by_day"], lang=lang), b1)
        _table(bt["table"], b2)
        if _ok("stock"):
            plan = _call("replenishment_plan", ds, ver, service_level=service, review_days=review)
            row = plan[(plan["sku_id"] == sku) & (plan["location_id"] == loc)]
            if len(row):
                wl = _call("water_level", ds, ver, sku_id=int(sku), location_id=loc)
                _plot(charts.water_level_chart(wl, safety_stock=float(row["safety_stock"].iloc[0]),
                      reorder_point=float(row["reorder_point"].iloc[0]), lang=lang))  # fmt: skip
            else:
                st.caption(L("pick_location"))
            st.subheader(L("replenish", n=int(plan["reorder"].sum())))
            _table(plan, height=320)
with tabs[2]:
    if _ok("allocation"):
        skus = _call("sku_choices", ds, ver).set_index("sku_id")["label"]
        (a1, a2, a3, a4, a5), (a6, a7, a8, a9) = st.columns(5), st.columns(4)
        asku = a1.selectbox(L("hot_sku"), skus.index.tolist(), format_func=skus.get, key="asku")
        stock = a2.number_input(L("pool"), 1, 100_000, 300)
        scale = a3.slider(L("scale"), 0.5, 200.0, 1.0, 0.5)
        presale = a4.slider(L("presale"), 0.0, 0.9, 0.3, 0.05)
        balance = a5.slider(L("balance"), 0.0, 1.0, 0.85, 0.05)
        flash = a6.number_input(L("flash"), 0, 100_000, 50)
        flash_pay = a7.slider(L("flash_pay"), 0.0, 1.0, 0.7, 0.05)
        delay = a8.slider(L("delay"), 1, 600, 60)
        left = a9.slider(L("left"), 0, 1000, 10)
        if (al := _get("allocation_scenario", sku_id=int(asku), stock=int(stock),
                presale_share=presale, balance_rate=balance, flash_qty=int(flash), flash_pay_rate=flash_pay,
                demand_scale=scale, stock_left=left, delay_s=delay)):  # fmt: skip
            _plot(charts.allocation_chart(al["sim"], lang=lang))
            ov = al["oversell"]
            o1, o2 = st.columns([2, 3])
            o1.metric(L("p_oversell"), f"{ov['p_oversell']:.2e}")
            o1.metric(L("buffer"), fmt_int(ov["buffer"]))
            _table(ov["table"], o1)
            _plot(
                charts.oversell_curve(ov["curve"], buffer=ov["buffer"], eps=ov["eps"], lang=lang),
                o2,
            )
with tabs[3]:
    if _ok("routing"):
        r1, r2 = st.columns(2)
        target = r1.slider(L("target_days"), 1.3, 3.0, ch08.DOC_DAYS, 0.05)
        share = r2.slider(L("max_share"), 0.2, 1.0, 0.4, 0.05)
        if rv := _get("routing_view", target_days=target, max_share=share):
            kpi_row(ch08.routing_kpis(rv, lang))
            doc_note(L("doc_route"))
            if rv["error"]:
                st.error(rv["error"])
            _plot(charts.frontier_chart(rv["frontier"], rv["current"], rv["planned"], doc_days=ch08.DOC_DAYS,
                                        doc_cost_cut=ch08.DOC_COST_CUT, lang=lang))  # fmt: skip
            if rv["plan"] is not None:
                _plot(charts.lane_mix_chart(rv["plan"], lang=lang))
                _table(rv["backups"])
with tabs[4]:
    if _ok("returns"):
        e1, e2 = st.columns(2)
        limit = e1.slider(L("instant"), 0, 2000, 200, 50)
        econ = e2.selectbox(L("economy"), ["yunda", "yto", "zto", "ems"])
        if rt := _get("returns_view", instant_max_amount=float(limit), economy_carrier=econ):
            fit = rt["reverse_fit"]
            kpi_row(ch08.returns_kpis(rt, lang))
            doc_note(L("doc_returns"))
            g1, g2 = st.columns(2)
            _plot(charts.grade_heatmap(rt["matrix"], lang=lang), g1)
            _plot(charts.refund_hist(rt["hours"], doc_from=72.0, doc_to=4.0, lang=lang), g2)
            _plot(charts.levers_chart(rt["levers"], doc_cut=ch08.DOC_REVERSE_CUT, lang=lang))
            st.caption(L("returns_note", a=fit["a"], b=fit["b"], share=rt["returnless_share"],
                         lost=rt["recovery_lost"]))  # fmt: skip
            _table(rt["by_reason"])
