"""The Data page's import pieces: the schema reference and the validation report of an import."""

from __future__ import annotations

import streamlit as st

from omni_core.ingest import ImportReport, schema_markdown
from omni_core.ingest import session as imp
from ui.components import kpi_row
from ui.state import tr


def schema_help(lang: str) -> None:
    """The import schema (required and optional columns) in a closed expander."""
    title = tr("导入字段说明（必填与可选列）", "Import schema (required and optional columns)")
    st.expander(title).markdown(schema_markdown(lang))


def show_report(report: ImportReport, lang: str) -> None:
    """Counts, rejected rows by reason with examples, warnings and what cannot be computed."""
    rf = imp.report_frames(report, lang)
    st.success(rf["title"])
    kpi_row(rf["headline"])
    if not rf["rejected"].empty:
        st.subheader(tr("被拒绝的行（按原因）", "Rejected rows by reason"))
        st.dataframe(rf["rejected"], hide_index=True, width="stretch")
        st.dataframe(rf["examples"], hide_index=True, width="stretch", height=220)
    for w in rf["warnings"]:
        st.warning(w)
    st.info(tr("无法计算：", "Cannot compute: ") + "  \n" + "  \n".join(rf["cannot"]))
    st.expander(tr("全部计数", "All counts")).dataframe(rf["details"], hide_index=True)
