"""Chapter 09: OneID, tag factory and audiences, triggered journeys, campaign tracking."""

from __future__ import annotations

from functools import partial

import streamlit as st

from omni_core.analysis import ch09
from omni_core.charts import ch09 as charts
from ui import operator, state
from ui.components import doc_note, fmt_int, fmt_money, fmt_pct, kpi_row, page_header

lang = state.lang()
L = partial(ch09.text, lang=lang)
page_header(*ch09.TEXT["title"], L("caption"), lang)
ds = state.dataset()
gaps, ver = ch09.missing(state.warehouse(), ds), state.data_version(ds)


@st.cache_data(show_spinner=False, max_entries=16)
def _call(name: str, dataset: str, version: str, **kw) -> dict:
    return ch09.run(name, state.warehouse(), dataset, **kw)


def _ok(section: str) -> bool:
    if gaps[section]:
        st.info(ch09.missing_note(gaps[section], lang))
    return not gaps[section]


def _get(name: str, **kw) -> dict | None:
    """A section's data, or None after saying why it cannot be shown."""
    try:
        return _call(name, ds, ver, **kw)
    except ValueError as e:
        st.error(str(e))
        return None


def _plot(fig, where=st) -> None:
    where.plotly_chart(fig, width="stretch")


def _table(frame, where=st, **kw) -> None:
    where.dataframe(ch09.labelled(frame, lang).round(3), hide_index=True, width="stretch", **kw)


tabs = st.tabs([L(k) for k in ch09.TABS])
with tabs[0]:
    if _ok("oneid") and (ov := _get("oneid_view")):
        sc, stt = ov["scores"], ov["stats"]
        kpis = [(L("records"), fmt_int(stt["records"])), (L("persons"), fmt_int(stt["persons"])),
                (L("ratio"), f"{stt['merge_ratio']:.2f}")]  # fmt: skip
        if sc is not None:
            kpis += [(L(k), fmt_pct(sc[k], 2), L("vs_target", d=100 * (sc[k] - ch09.DOC_TARGET)))
                     for k in ("precision", "recall")]  # fmt: skip
        kpi_row(kpis)
        doc_note(L("doc_oneid"))
        if sc is None:
            st.info(L("no_truth"))
        else:
            st.caption(L("ceiling", c=sc["ceiling"]))
            c1, c2 = st.columns([3, 2])
            _plot(charts.ablation_chart(ov["ablation"], target=ch09.DOC_TARGET, lang=lang), c1)
            c2.markdown(f"**{L('noise')}**")
            _table(ov["noise"], c2)
        g1, g2 = st.columns([3, 2])
        person = g1.selectbox(L("person"), ov["examples"])
        _plot(charts.identity_graph_chart(*ch09.identity_graph(ov, person), lang=lang), g1)
        _plot(charts.sizes_chart(ov["size_hist"], lang=lang), g2)
        _table(ov["links_by_rule"], g2)
with tabs[1]:
    if _ok("tags") and (tv := _get("tags_view")):
        defs = tv["defs"].drop(columns=["name_en" if lang == "zh" else "name_zh"])
        st.markdown(f"**{L('defs')}**")
        _table(defs, height=300)
        c1, c2 = st.columns(2)
        if "R" in tv["grid"].columns and len(tv["grid"]):
            _plot(charts.rfm_grid_chart(tv["grid"], lang=lang), c1)
            _plot(charts.segments_chart(tv["segments"], lang=lang), c2)
        names = tv["names"][lang]
        a1, a2 = st.columns(2)
        inc = a1.multiselect(
            L("include"), list(names), default=tv["default_include"], format_func=names.get
        )
        exc = a2.multiselect(L("exclude"), list(names), format_func=names.get)
        if inc:
            aud = ch09.audience_package(tv, inc, exc)
            kpi_row([(L("aud_size"), fmt_int(aud["size"]), fmt_pct(aud["share"])), (L("aud_value"), fmt_money(aud["value"])),
                     (L("aud_per"), fmt_money(aud["value_per_user"])), (L("aud_aov"), fmt_money(aud["aov"]))])  # fmt: skip
            st.download_button(
                L("download"), aud["csv"], file_name=aud["file_name"], mime="text/csv"
            )
            _table(aud["preview"], height=240)
with tabs[2]:
    if _ok("journeys"):
        st.caption(L("journey_defs"))
        j1, j2, j3, j4 = st.columns(4)
        cap = j1.slider(L("cap"), 1, 6, 2)
        window = j2.slider(L("window"), 1, 72, 24)
        quiet = j3.slider(L("quiet"), 0, 24, (8, 22))
        holdout = j4.slider(L("holdout"), 0.05, 0.5, 0.1, 0.05)
        j5, j6, j7, j8 = st.columns(4)
        hv = j5.number_input(L("hv"), 0, 100_000, 500, 50)
        u1 = j6.slider(L("u_coupon"), 0.0, 30.0, 4.0, 0.5) / 100
        u2 = j7.slider(L("u_sms"), 0.0, 30.0, 1.5, 0.5) / 100
        u3 = j8.slider(L("u_call"), 0.0, 30.0, 8.0, 0.5) / 100
        if jv := _get("journey_view", cap=cap, window_h=window, quiet_start=quiet[1] % 24,
                quiet_end=quiet[0], holdout=holdout, high_value=float(hv), coupon_uplift=u1,
                sms_uplift=u2, call_uplift=u3):  # fmt: skip
            s = jv["summary"]
            kpi_row([(L("triggered"), fmt_int(s["triggered_users"])), (L("sent"), fmt_int(s["messages_sent"])),
                     (L("suppressed"), fmt_int(s["suppressed_cap"])), (L("exited"), fmt_int(s["exited"])),
                     (L("incremental"), f"{s['uplift']:+.1%}")])  # fmt: skip
            st.markdown(L("ci", d=s["uplift"], lo=s["ci_low"], hi=s["ci_high"], p=s["p_value"], true=s["true_effect"],
                          nt=s["treated_users"], nh=s["holdout_users"]))  # fmt: skip
            st.caption(L("sim_note"))
            c1, c2 = st.columns(2)
            _plot(charts.uplift_chart(s, lang=lang), c1)
            _plot(charts.messages_chart(jv["by_status"], lang=lang), c2)
            _plot(charts.hours_chart(jv["by_hour"], (quiet[1] % 24, quiet[0]), lang=lang))
with tabs[3]:
    if _ok("campaigns") and (span := _get("campaign_dates")):
        k1, k2, k3, k4 = st.columns(4)
        asof = k1.slider(L("asof"), span["min"], span["max"], span["default"])
        min_spend = k2.number_input(L("min_spend"), 0, 1_000_000, 200, 50)
        scale = k3.slider(L("scale"), 0.0, 1.0, 0.3, 0.05)
        marginal = k4.slider(L("marginal"), 0.0, 1.0, 0.7, 0.05)
        if cv := _get("campaign_view", asof=asof, min_spend=float(min_spend), scale=scale,
                      marginal=marginal):  # fmt: skip
            c = cv["campaigns"]
            kpi_row([(L("spend"), fmt_money(c["spend"].sum())), (L("gmv"), fmt_money(c["gmv"].sum())),
                     (L("roas"), f"{c['gmv'].sum() / max(c['spend'].sum(), 1e-9):.2f}"),
                     (L("n_pause"), fmt_int((c["decision"] == "pause").sum())),
                     (L("n_scale"), fmt_int((c["decision"] == "scale").sum()))])  # fmt: skip
            doc_note(L("doc_campaign"))
            _plot(charts.roas_chart(c, lang=lang))
            p1, p2 = st.columns(2)
            _plot(charts.pacing_chart(c, lang=lang), p1)
            _plot(charts.projection_chart(cv["projection"], lang=lang), p2)
            _table(c[ch09.CAMPAIGN_COLUMNS], height=320)
            st.markdown(f"**{L('check')}**")
            _table(cv["check"])
            st.markdown(f"**{L('creatives')}**")
            _table(cv["creatives"][ch09.CREATIVE_COLUMNS], height=320)
with tabs[4]:
    doc_note(L("doc_rules"))
    operator.rules_editor(ds)
