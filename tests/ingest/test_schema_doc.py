"""The README's import schema is the importer's own (``schema_markdown``), not a stale copy."""

from __future__ import annotations

import re
from pathlib import Path

from omni_core.ingest import DEFAULT_OPTIONS, schema_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_import_schema_is_generated_from_the_fields() -> None:
    text = README.read_text(encoding="utf-8")
    m = re.search(r"<!-- import-schema:start[^>]*-->\n(.*?)<!-- import-schema:end -->", text, re.S)
    assert m, "README.md lacks the import-schema block"
    assert m.group(1) == schema_markdown("en"), (
        "README.md's import schema is stale: replace the block with "
        'omni_core.ingest.schema_markdown("en")'
    )


def test_readme_names_every_mapping_option() -> None:
    text = README.read_text(encoding="utf-8")
    for option in DEFAULT_OPTIONS:
        assert f"`{option}`" in text, option


def test_every_field_is_explained_in_both_languages() -> None:
    from omni_core.ingest import field_doc, fields

    for kind in ("orders", "events"):
        for f in fields(kind):
            zh, en = field_doc(kind, f, "zh"), field_doc(kind, f, "en")
            assert zh and en and zh != en, (kind, f.name)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), (kind, f.name)
    assert "订单实付总额" in schema_markdown("zh") and "paid total" in schema_markdown("en")
