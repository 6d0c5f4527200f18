"""The invalid corpus: each file breaks one rule and gets its message at its line and column."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from schemactl.jsonschema_export import SHIPPED, render
from schemactl.loader import LoadError, load_file
from schemactl.validate import parse_collection, validate_paths

CASES = Path(__file__).parent / "cases"
INVALID = sorted((CASES / "invalid").glob("*.yaml"))
VALID = sorted((CASES / "valid").glob("*.yaml")) + sorted((CASES.parent.parent / "schemas").glob("*.yaml"))
EXPECT = re.compile(r"# expect (\d+):(\d+) (.+)")


def expectation(path: Path) -> tuple[int, int, str]:
    sidecar = path.with_suffix(".expect")
    header = sidecar.read_text() if sidecar.exists() else path.read_text(errors="replace").splitlines()[0]
    line, column, fragment = EXPECT.match(header).groups()
    return int(line), int(column), fragment.strip()


def test_corpus_is_large_enough():
    assert len(INVALID) >= 40


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_file_reports_its_rule_at_its_position(path):
    line, column, fragment = expectation(path)
    result = validate_paths([path])
    assert not result.ok
    found = [f for f in result.findings if f.severity == "error"]
    assert any(f.line == line and f.column == column and fragment in f.message for f in found), \
        "\n".join(str(f) for f in found)


def test_every_problem_in_a_file_is_reported_at_once():
    result = validate_paths([CASES / "many_errors.yaml"])
    lines = sorted({f.line for f in result.findings})
    assert lines == [5, 8, 9, 15, 16]


def test_duplicate_collections_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text("name: Article\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text("# copy\nname: ARTICLE\n")
    result = validate_paths([tmp_path])
    assert [str(f) for f in result.findings] == [
        (f"{tmp_path}/sub/b.yaml:2:7: collection 'ARTICLE' is already defined in {tmp_path}/a.yaml:1 "
        "(Weaviate compares collection names case-insensitively)")]


def test_a_rename_from_a_collection_the_files_still_declare_or_another_rename_claims_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("name: Article\n")
    (tmp_path / "b.yaml").write_text("name: Story\nrenamedFrom: Article\n")
    (tmp_path / "c.yaml").write_text("name: Memo\nrenamedFrom: Note\n")
    (tmp_path / "d.yaml").write_text("name: Page\nrenamedFrom: Note\n")
    result = validate_paths([tmp_path])
    assert [str(f) for f in result.findings] == [
        (f"{tmp_path}/b.yaml:2:14: renamedFrom Article, but {tmp_path}/a.yaml still declares Article: a renamed "
        "collection's old name leaves the files"),
        f"{tmp_path}/d.yaml:2:14: Memo is renamed from Note already"]

def test_reference_to_a_collection_in_another_file_is_fine(tmp_path):
    (tmp_path / "a.yaml").write_text("name: Article\nproperties:\n  - name: by\n    dataType: Author\n")
    (tmp_path / "b.yaml").write_text("name: Author\n")
    assert validate_paths([tmp_path]).ok


def test_passage_and_query_model_is_valid_with_a_warning(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "name: A\nproperties:\n  - name: t\n    dataType: text\nvectorizer:\n"
        "  module: text2vec-huggingface\n  passageModel: org/p\n  queryModel: org/q\n")
    result = validate_paths([tmp_path])
    assert result.ok
    assert [(f.line, f.severity) for f in result.findings] == [(8, "warning")]
    assert "embeds queries with passageModel too (queryModel is ignored" in result.findings[0].message


# ---- JSON Schema ----------------------------------------------------------------------------

def test_shipped_json_schema_is_in_sync_with_the_models():
    assert SHIPPED.read_text() == render(), "run: python -m schemactl.jsonschema_export"


def _data(path: Path):
    try:
        return load_file(path).data
    except LoadError:
        return None


SCHEMA_VALIDATOR = jsonschema.Draft202012Validator(json.loads(render()))


MAPPINGS = [p for p in INVALID + VALID if _data(p) is not None]  # files that are YAML mappings


def test_agreement_covers_most_fixtures():
    assert len(MAPPINGS) >= 45


@pytest.mark.parametrize("path", MAPPINGS, ids=lambda p: p.stem)
def test_json_schema_and_pydantic_agree(path):
    data = _data(path)
    try:
        parse_collection(data)
        pydantic_ok = True
    except ValidationError:
        pydantic_ok = False
    assert SCHEMA_VALIDATOR.is_valid(data) == pydantic_ok


def test_a_multi_tenant_collections_multi_target_reference_to_collections_without_tenants_is_warned_of(tmp_path):
    """Before: validated and created without a word; its first recreate was refused (Weaviate fails
    every gRPC read of such links, weaviate/weaviate#7281)."""
    (tmp_path / "person.yaml").write_text("name: Person\n")
    (tmp_path / "org.yaml").write_text("name: Org\nmultiTenancyConfig: {enabled: true}\n")
    (tmp_path / "doc.yaml").write_text("name: Doc\nmultiTenancyConfig: {enabled: true}\nproperties:\n"
                                       "  - {name: cites, dataType: [Person, Org]}\n"
                                       "  - {name: by, dataType: [Person]}\n")
    result = validate_paths([tmp_path])
    found = [f for f in result.findings if "multi-target" in f.message]
    assert result.ok and [(f.path, f.line, f.severity) for f in found] == [(str(tmp_path / "doc.yaml"), 4, "warning")]
    assert "a multi-target reference from a multi-tenant collection to Person (no tenants)" in found[0].message
    assert "will refuse any change that recreates Doc" in found[0].message
