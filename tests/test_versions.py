"""The capability table: every row says which tested server versions check it."""
from __future__ import annotations

from schemactl import versions


def test_every_capability_row_was_measured_on_a_tested_version():
    for capability in versions.CAPABILITIES.values():
        assert capability.measured_on, f"{capability.name} names no version it was measured on"
        assert set(capability.measured_on) <= set(versions.TESTED), capability.name


def test_the_test_bed_runs_the_first_tested_version_by_default():
    from schemactl.dev import weaviate as testbed

    assert testbed.DEFAULT_VERSION == "v" + versions.TESTED[0]


def test_a_server_newer_than_the_tables_gets_the_safe_path_and_a_note_naming_each_copy():
    from schemactl import versions

    newest = versions.newest_tested()
    next_minor = f"{newest[0]}.{newest[1] + 1}.0"
    note = versions.untested_note(next_minor, ["recreate Doc", "recreate Article"])
    assert note is not None and note.startswith(f"Weaviate {next_minor} is newer than any release")
    assert "recreate Doc, recreate Article are planned as a copy, the safe path" in note
    assert versions.untested_note(next_minor, []) is None  # nothing copied, nothing to say
    newest_patch_later = f"{newest[0]}.{newest[1]}.{newest[2] + 5}"
    assert versions.untested_note(newest_patch_later, ["recreate Doc"]) is None  # a patch of a tested minor


def test_status_calls_a_patch_of_a_tested_minor_tested_and_an_older_minor_by_the_releases_that_are():
    from schemactl.doctor import _version

    assert _version("1.38.2").detail == "Weaviate 1.38.2 (a tested minor release)"
    older = _version("1.36.4").detail
    assert older == f"Weaviate 1.36.4 (tested releases: {', '.join(versions.TESTED)})"


def _collection(text: str):
    from pathlib import Path
    import tempfile

    from schemactl.validate import validate_paths

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "c.yaml").write_text(text)
        result = validate_paths([Path(tmp)])
    return result


NAMED_RQ = """name: Doc
vectors:
  main:
    vectorizer: {module: none}
    vectorIndexType: dynamic
    vectorIndexConfig:
      hnsw: {rq: {enabled: true, bits: 4}}
"""


def test_a_setting_an_older_server_refuses_or_drops_is_named_with_the_version_that_takes_it():
    from schemactl.server_support import lacking

    collections = _collection(NAMED_RQ).collections
    expected = ("Doc: vectors.main.vectorIndexConfig.hnsw.rq.bits: 4 needs Weaviate 1.39.0 or later; this server "
                "(1.38.8) refuses it (rq_bits_4 in docs/reference/weaviate-versions.md)")
    assert lacking(collections, "1.38.8") == [expected]
    assert lacking(collections, "1.39.0") == []


def test_rq_training_options_at_their_defaults_are_no_reason_to_refuse_an_older_server():
    from schemactl.server_support import lacking

    at_default = _collection("name: D\nvectorizer: {module: none}\nvectorIndexConfig: {rq: {enabled: true, "
                             "trainingLimit: 10000, centering: false}}\n").collections
    assert lacking(at_default, "1.38.8") == []
    changed = _collection("name: D\nvectorizer: {module: none}\nvectorIndexConfig: {rq: {enabled: true, "
                          "trainingLimit: 5000}}\n").collections
    assert "drops them without a word" in lacking(changed, "1.39.0")[0]


def test_rq_rules_follow_what_the_server_takes_on_each_index_type():
    def errors(rq: str, kind: str = "hnsw") -> list[str]:
        result = _collection(f"name: D\nvectorizer: {{module: none}}\nvectorIndexType: {kind}\n"
                             f"vectorIndexConfig: {{rq: {rq}}}\n")
        return [f.message for f in result.findings if f.severity == "error"]

    assert errors("{enabled: true, bits: 4, centering: true}") == []
    assert errors("{enabled: true, bits: 8, centering: true}") == ["RQ centering needs bits: 4"]
    assert errors("{enabled: true, bits: 4, centering: true, trainingLimit: 0}") == \
        ["RQ centering needs a positive trainingLimit"]
    assert errors("{enabled: true, bits: 4}", "flat") == ["flat indexes take RQ bits 1 or 8 (bits 4 is for hnsw)"]
    assert errors("{enabled: true, trainingLimit: 500}", "flat") == \
        ["'trainingLimit' is an hnsw RQ setting: a flat index drops it"]
    assert errors("{enabled: true, bits: 2}") != []
