"""Chapter 13 营销团队组织能力建设: org layers, squads, biweekly OKRs, competency, GMV per head."""

from __future__ import annotations

import streamlit as st

from omni_core.analysis import ch13
from omni_core.charts import ch13 as charts
from omni_core.models.org import MAX_LAYERS, SKILLS
from ui import state
from ui.components import doc_note, fmt_int, fmt_money, fmt_pct, kpi_row, page_header

lang = state.lang()


def L(key: str, **kw: object) -> str:
    """Page text in the current language."""
    return state.tr(*ch13.TEXT[key]).format(**kw)


page_header("13 营销团队组织能力建设", "13 Team capability", L("caption"), lang)
ds = state.dataset()
version = state.data_version(ds) if ds else ""
names = ch13.skill_names(lang)


@st.cache_data(show_spinner=False, max_entries=16)
def _org(dataset: str, version: str, legacy: bool):
    return ch13.default_org(state.warehouse(), dataset, legacy)


@st.cache_data(show_spinner=False, max_entries=16)
def _periods(dataset: str, version: str):
    return ch13.period_metrics(state.warehouse(), dataset)


try:
    legacy = st.radio(L("structure"), [False, True], horizontal=True,
                      format_func=lambda v: L("legacy") if v else L("flat"))  # fmt: skip
    default = _org(ds, version, legacy)
except ValueError:
    st.warning(L("no_orders"))
    st.stop()
tabs = st.tabs(L("tabs").split("|"))
with tabs[0]:
    doc_note(L("doc_layers"))
    st.caption(L("edit_hint"))
    cfg = {
        s: st.column_config.NumberColumn(names[s], min_value=1, max_value=5, step=1) for s in SKILLS
    }
    cfg["role"] = st.column_config.SelectboxColumn(options=ch13.role_options(), required=True)
    org = st.data_editor(default, num_rows="dynamic", hide_index=True, width="stretch",
                         column_config=cfg, key=f"org_{ds}_{legacy}")  # fmt: skip
    try:
        check = ch13.org_check(org, lang)
    except ValueError as e:
        st.error(f"{L('invalid_org')}: {e}")
        org, check = default, ch13.org_check(default, lang)
    layer_msg = L("layer_ok") if check["ok"] else L("layer_bad", m=", ".join(check["violations"]))
    kpi_row([(L("layers"), f"{check['layers']} / {MAX_LAYERS}"), (L("members"), fmt_int(len(org))),
             (L("max_span"), fmt_int(check["span"].max()))])  # fmt: skip
    (st.success if check["ok"] else st.error)(layer_msg)
    fig = charts.org_tree(check["chart"], MAX_LAYERS, lang=lang, title=L("tree"))
    st.plotly_chart(fig, width="stretch")

with tabs[1]:
    doc_note(L("doc_squad"))
    member_ids = org["member_id"].astype(str).tolist()
    label = dict(
        zip(member_ids, org["name"].astype(str) + " · " + org["role"].astype(str), strict=True)
    )
    s1, s2, s3 = st.columns([3, 3, 1])
    picked = s1.multiselect(
        L("squad_members"), member_ids, default=member_ids[2:5], format_func=label.get
    )
    skills = s2.multiselect(L("required"), list(SKILLS), default=["ops", "design", "ads", "data", "content"],
                            format_func=names.get)  # fmt: skip
    level = s3.slider(L("req_level"), 1, 5, 4)
    try:
        sq = ch13.squad(org, picked, dict.fromkeys(skills, level))
    except ValueError as e:
        st.error(f"{L('invalid')}: {e}")
    else:
        cov = sq["coverage"]
        kpi_row([(L("coverage"), fmt_pct(cov["coverage"], 0)),
                 (L("missing_roles"), ", ".join(ch13.role_name(r, lang) for r in cov["missing_roles"]) or L("none"))])  # fmt: skip
        st.info(L("suggest", m=", ".join(label[m] for m in sq["suggestion"]),
                  c=fmt_pct(sq["suggestion_coverage"]["coverage"], 0)))  # fmt: skip
        st.plotly_chart(
            charts.coverage_bars(sq["table"], names, lang=lang, title=L("cov_chart")),
            width="stretch",
        )

with tabs[2]:
    doc_note(L("doc_okr"))
    periods, metrics = _periods(ds, version)
    if len(metrics) < len(ch13.KR_METRICS):
        st.warning(L("orders_only"))
    krs = st.data_editor(ch13.default_krs(periods, metrics), num_rows="dynamic", hide_index=True,
                         width="stretch", key=f"krs_{ds}",
                         column_config={"metric": st.column_config.SelectboxColumn(options=list(metrics), required=True)})  # fmt: skip
    try:
        review = ch13.okr_review(periods, krs)
    except ValueError as e:
        st.error(f"{L('invalid')}: {e}")
    else:
        st.plotly_chart(
            charts.okr_grid(review, names, lang=lang, title=L("okr_grid")), width="stretch"
        )
        st.dataframe(review.round(4), hide_index=True, width="stretch")

with tabs[3]:
    doc_note(L("doc_comp"))
    who = st.selectbox(L("member"), [None, *org["member_id"].astype(str)],
                       format_func=lambda m: L("team_mean") if m is None else label.get(m, m))  # fmt: skip
    left, right = st.columns([3, 2])
    frame = ch13.radar_frame(org, who, lang)
    fig = charts.competency_radar(
        frame, label.get(who) if who else None, lang=lang, title=L("radar")
    )
    left.plotly_chart(fig, width="stretch")
    right.dataframe(ch13.dimension_table(org, lang), width="stretch")

with tabs[4]:
    doc_note(L("doc_eff"))
    try:
        eff = ch13.efficiency(state.warehouse(), ds, org)
    except ValueError as e:
        st.error(f"{L('invalid')}: {e}")
    else:
        kpi_row([(L("eff_base"), fmt_money(eff["baseline"])), (L("eff_target"), fmt_money(eff["target"])),
                 (L("eff_best"), fmt_pct(eff["best_gain"]))])  # fmt: skip
        fig = charts.efficiency_line(eff["weekly"], eff["target"], lang=lang, title=L("eff_chart"))
        st.plotly_chart(fig, width="stretch")
