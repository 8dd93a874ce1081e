"""Which analyses a dataset supports: imports may hold only some tables (e.g. orders alone)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def missing_by_section(
    present: Iterable[str], needs: Mapping[str, Iterable[str]]
) -> dict[str, list[str]]:
    """For each section, the tables it needs that the dataset lacks (sections fully served omitted)."""
    have = set(present)
    out: dict[str, list[str]] = {}
    for section, tables in needs.items():
        lack = [t for t in tables if t not in have]
        if lack:
            out[section] = lack
    return out


def missing_note(
    missing: Mapping[str, list[str]], titles: Mapping[str, tuple[str, str]], lang: str = "zh"
) -> str | None:
    """One plain sentence per section that cannot be computed and the tables it lacks (or None)."""
    if not missing:
        return None
    lines = []
    for section, tables in missing.items():
        zh, en = titles.get(section, (section, section))
        names = ", ".join(f"`{t}`" for t in tables)
        if lang == "en":
            lines.append(
                f"- **{en}** cannot be computed: the dataset has no (or an empty) {names} table."
            )
        else:
            lines.append(f"- **{zh}** 无法计算：数据集中缺少 {names} 表（或该表为空）。")
    head = (
        "This dataset is a partial import; these parts are not shown:"
        if lang == "en"
        else "该数据集为部分导入，以下内容无法展示："
    )
    return head + "\n" + "\n".join(lines)
