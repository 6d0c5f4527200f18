"""Whatever a file holds, validate answers with findings, never a traceback."""
from __future__ import annotations

import json

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemactl.cli import cli
from schemactl.loader import LoadError, load_text
from schemactl.validate import check_document

KEYS = ["name", "properties", "dataType", "vectorizer", "module", "model", "endpointURL",
        "vectors", "vectorIndexConfig", "options", "nestedProperties", "tokenization", "ef", "x"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=20), st.sampled_from(["text", "int", "Article", "text2vec-huggingface",
                                                           "none", "hnsw", "http://127.0.0.1:1/m"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5)),
    max_leaves=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.sampled_from(["yaml", "json"]))
def test_random_documents_never_crash(data, form):
    text = yaml.safe_dump(data) if form == "yaml" else json.dumps(data)
    try:
        document = load_text(text, "fuzz.yaml")
    except LoadError as error:
        assert error.message
        return
    _, collection, findings = check_document(document)
    assert (collection is None) == bool(findings)
    assert all(f.line >= 1 and f.column >= 1 and f.message for f in findings)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_random_bytes_through_the_cli(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("fuzz") / "f.yaml"
    path.write_bytes(raw if isinstance(raw, bytes) else raw.encode())
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.output


def _saved_plan() -> dict:
    """A real saved-plan document for the example files, made without a server."""
    from schemactl.diff import diff
    from schemactl.plan import make_plan, to_document
    from schemactl.validate import validate_paths
    from tests.conftest import REPO

    collections = validate_paths([REPO / "schemas"]).collections
    plan = make_plan(diff({}, collections), target="http://127.0.0.1:9", desired_hash="0" * 64,
                     live_fingerprint="1" * 64)
    return to_document(plan)


PLAN = _saved_plan()


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


PLAN_PATHS = [p for p in _paths(PLAN) if p and p[-1] != "checksum"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.sampled_from(PLAN_PATHS), documents, st.booleans())
def test_edited_saved_plans_never_crash_apply(tmp_path_factory, path, value, fix_checksum):
    """Any edit to a saved plan: refused with one line (exit 1), never a traceback."""
    import copy

    from schemactl.plan import checksum

    document = copy.deepcopy(PLAN)
    holder = document
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    if fix_checksum:
        document["checksum"] = checksum(document)
    plan_file = tmp_path_factory.mktemp("plans") / "plan.json"
    plan_file.write_text(json.dumps(document))
    result = CliRunner().invoke(cli, ["apply", str(plan_file), "--auto-approve", "--url", "http://127.0.0.1:9"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1)
    if result.exit_code == 1:
        assert result.stderr.strip().splitlines()[-1].startswith("error: ")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300))
def test_random_plan_files_are_refused_with_one_line(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("plans") / "plan.json"
    path.write_bytes(raw if isinstance(raw, bytes) else raw.encode())
    result = CliRunner().invoke(cli, ["apply", str(path), "--auto-approve", "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")
