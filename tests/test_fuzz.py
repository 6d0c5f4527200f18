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
