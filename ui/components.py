"""Reusable page pieces: chapter header, number formatting, error boxes."""

from __future__ import annotations

import streamlit as st


def page_header(title_zh: str, title_en: str, caption: str | None = None, lang: str = "zh") -> None:
    """Page title in both languages (the current one first)."""
    first, second = (title_zh, title_en) if lang == "zh" else (title_en, title_zh)
    st.markdown(f"## {first}  \n<span class='omni-sub'>{second}</span>", unsafe_allow_html=True)
    if caption:
        st.caption(caption)


def fmt_int(x: float | int | None) -> str:
    """Thousands-separated integer ('—' for missing)."""
    return "—" if x is None else f"{int(round(float(x))):,}"


def fmt_money(x: float | None) -> str:
    """Yuan with thousands separators."""
    return "—" if x is None else f"¥{float(x):,.0f}"
