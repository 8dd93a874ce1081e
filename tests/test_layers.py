"""Layer rules of the house (ARCHITECTURE.md), checked on the source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_omni_core_never_imports_streamlit():
    offenders = [p for p in (ROOT / "omni_core").rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_pages_stay_thin_and_never_talk_sql():
    sql = re.compile(r"\bselect\b.+\bfrom\b|\.execute\(|duckdb\.connect|\.sql\(", re.I)
    for page in (ROOT / "pages").glob("*.py"):
        text = page.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 150, f"{page.name} is over 150 lines"
        assert not sql.search(text), f"{page.name} talks to the warehouse directly"
        assert "duckdb" not in _imports(page) and "ibis" not in _imports(page), page.name


def test_random_draws_come_from_seeded_generators():
    pattern = re.compile(r"np\.random\.(rand|randn|randint|choice|normal|uniform|poisson|seed)\(")
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "omni_core").rglob("*.py")
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
