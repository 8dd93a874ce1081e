"""Chapter 14 创新技术应用前瞻: technology radar with data-linked ROI estimates."""

from __future__ import annotations

import streamlit as st

from omni_core.analysis import ch14
from omni_core.charts import ch14 as charts
from omni_core.models import tech_radar
from ui import state
from ui.components import doc_note, fmt_money, fmt_pct, kpi_row, page_header

lang = state.lang()


def L(key: str, **kw: object) -> str:
    """Page text in the current language."""
    return state.tr(*ch14.TEXT[key]).format(**kw)


page_header("14 创新技术应用前瞻", "14 Technology outlook", L("caption"), lang)
doc_note(L("doc"))
ds = state.dataset()


@st.cache_data(show_spinner=False, max_entries=16)
def _measure(dataset: str, version: str) -> dict:
    return ch14.measure(state.warehouse(), dataset)


try:
    if not ds:
        raise ValueError(state.tr("没有数据集。", "No dataset."))
    data = _measure(ds, state.data_version(ds))
except ValueError as e:
    st.warning(str(e))
    st.stop()
if data["missing"]:
    st.warning(L("missing", x=", ".join(data["missing"])))
st.subheader(L("assumptions"))
edited = st.data_editor(
    tech_radar.assumptions_frame(lang),
    hide_index=True,
    width="stretch",
    disabled=["key", "tech", "assumption", "min", "max", "unit"],
    key=f"assumptions_{lang}",
)
try:
    frame = ch14.radar(data["measured"], edited, lang)
except ValueError as e:
    st.error(f"{L('invalid')}: {e}")
    st.stop()
est = frame[frame["computable"]]
best = est.sort_values("roi", ascending=False).iloc[0] if len(est) else None
kpi_row([
    (L("best"), f"{best['name']} {fmt_pct(best['roi'], 0)}" if best is not None else "—"),
    (L("total_net"), fmt_money(est["net"].sum()) if len(est) else "—"),
    (L("stockout"), fmt_pct(data["measured"].get("stockout_rate"), 2)),
])  # fmt: skip
left, right = st.columns([1, 1])
left.plotly_chart(charts.tech_radar(frame, lang=lang, title=L("radar")), width="stretch")
right.plotly_chart(charts.roi_bars(frame, lang=lang, title=L("roi")), width="stretch")
st.dataframe(frame.drop(columns=["key"]).round(3), hide_index=True, width="stretch")
st.subheader(L("measured"))
st.dataframe(ch14.measured_table(data["measured"], lang), hide_index=True, width="stretch")
with st.expander(L("formulas")):
    st.markdown(f"```text\n{tech_radar.__doc__}\n```")
