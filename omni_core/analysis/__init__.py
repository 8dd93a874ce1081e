"""Per-screen analyses: orchestrate metrics (Ibis) and models into the small frames a page shows."""


def missing_note(missing_tables: list[str], lang: str = "zh") -> str:
    """A plain sentence on what cannot be computed without some tables."""
    names = ", ".join(missing_tables)
    if lang == "en":
        return f"This dataset has no {names} table(s): this section cannot be computed."
    return f"此数据集缺少 {names} 表：本部分无法计算。"
