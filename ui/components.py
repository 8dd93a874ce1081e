"""Reusable page pieces: chapter header, document reference notes, KPI rows, number formats."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st


def page_header(title_zh: str, title_en: str, caption: str | None = None, lang: str = "zh") -> None:
    """Page title in both languages (the current one first)."""
    first, second = (title_zh, title_en) if lang == "zh" else (title_en, title_zh)
    st.markdown(f"## {first}  \n<span class='omni-sub'>{second}</span>", unsafe_allow_html=True)
    if caption:
        st.caption(caption)


def doc_note(text: str) -> None:
    """A highlighted note quoting the source document's figure or rule (marked 'doc')."""
    st.markdown(f"<div class='omni-doc'>📄 {text}</div>", unsafe_allow_html=True)


def kpi_row(items: Sequence[tuple[str, str] | tuple[str, str, str | None]]) -> None:
    """A row of ``st.metric`` tiles: (label, value[, delta])."""
    cols = st.columns(len(items))
    for col, item in zip(cols, items, strict=True):
        label, value, *rest = item
        col.metric(label, value, rest[0] if rest else None)


def fmt_int(x: float | int | None) -> str:
    """Thousands-separated integer ('—' for missing)."""
    return "—" if x is None else f"{int(round(float(x))):,}"


def fmt_money(x: float | None) -> str:
    """Yuan with thousands separators."""
    return "—" if x is None else f"¥{float(x):,.0f}"


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """Percentage ('—' for missing)."""
    return "—" if x is None or x != x else f"{100 * float(x):.{digits}f}%"
