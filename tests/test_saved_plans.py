"""Where `plan --out` saves a plan, and what it refuses: checked before the cluster is asked."""
from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemactl.changes import DeleteCollection
from schemactl.cli import cli
from schemactl.errors import SchemactlError
from schemactl.plan import make_plan
from schemactl.saved import save_plan


def closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def plan_out(out: Path | str, schemas: Path):
    """`plan --out OUT` against a closed port: a refused --out never gets as far as the cluster."""
    return CliRunner().invoke(cli, ["plan", str(schemas), "--out", str(out), "--url", closed_url()],
                              catch_exceptions=False)


@pytest.fixture
def schemas(tmp_path):
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "article.yaml").write_text("name: Article\nproperties: []\nvectorizer: {module: none}\n")
    return folder


def a_plan():
    return make_plan((DeleteCollection("Old", "Old_v1"),), target="http://x", desired_hash="d", live_fingerprint="l")


def test_an_existing_file_that_is_not_a_plan_is_refused_and_left_as_it_was(schemas):
    article = schemas / "article.yaml"
    before = article.read_text()
    result = plan_out(article, schemas)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr == (f"error: cannot save the plan to {article}: it is an existing file, not a .json plan "
                             "file; give FILE.json or a directory\n")
    assert article.read_text() == before


def test_a_missing_directory_is_refused_and_nothing_is_created(tmp_path, schemas):
    missing = tmp_path / "nonexistent" / "dir"
    only_the_last = "(only the last directory of the path is created)"
    for out, expected in ((f"{missing}/x.json", f"directory {missing} does not exist"),
                          (f"{missing}/", f"directory {missing.parent} does not exist {only_the_last}")):
        result = plan_out(out, schemas)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: cannot save the plan to {Path(out)}: {expected}")
    assert not (tmp_path / "nonexistent").exists()


def test_a_name_that_is_neither_a_plan_file_nor_a_directory_is_refused(tmp_path, schemas):
    result = plan_out(tmp_path / "plan.txt", schemas)
    assert result.exit_code == 1
    assert result.stderr == (f"error: cannot save the plan to {tmp_path / 'plan.txt'}: a plan file's name ends in "
                             ".json; to name a directory, end it with /\n")
    assert not (tmp_path / "plan.txt").exists()


def test_a_file_given_as_a_directory_is_refused(schemas):
    result = plan_out(f"{schemas / 'article.yaml'}/", schemas)
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot save the plan to {schemas / 'article.yaml'}: it is a file, not a directory\n"


def test_a_good_out_gets_as_far_as_the_cluster(tmp_path, schemas):
    result = plan_out(f"{tmp_path / 'migrations'}/", schemas)
    assert result.exit_code == 1 and "cannot reach Weaviate" in result.stderr
    assert not (tmp_path / "migrations").exists()  # created only when a plan is saved in it


def test_a_directory_is_created_if_its_parent_exists_and_numbers_its_plans(tmp_path):
    migrations = tmp_path / "migrations"
    first, second = save_plan(a_plan(), f"{migrations}/"), save_plan(a_plan(), migrations)
    assert (first.name, second.name) == ("0001_delete-old.json", "0002_delete-old.json")
    assert json.loads(first.read_text())["steps"][0]["kind"] == "delete"


def test_a_json_file_is_written_and_replaced(tmp_path):
    out = tmp_path / "plan.json"
    out.write_text("old")
    assert save_plan(a_plan(), out) == out
    assert json.loads(out.read_text())["target"] == "http://x"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux's /proc")
def test_a_file_the_system_will_not_create_is_named_with_the_reason():
    with pytest.raises(SchemactlError) as refused:
        save_plan(a_plan(), "/proc/x.json")
    assert str(refused.value) == "cannot save the plan to /proc/x.json: writing it failed (No such file or directory)"


def test_a_saved_plan_given_with_schema_files_is_refused_before_anything_is_read(schemas, tmp_path):
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps({"not": "read"}))
    result = CliRunner().invoke(cli, ["apply", str(saved), str(schemas), "--auto-approve", "--url", closed_url()],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: a saved plan (.json) is applied on its own, not with schema files: "
                                     f"schemactl apply {saved}")


def test_the_live_fingerprint_ignores_the_order_the_server_lists_properties_in():
    """Weaviate may list properties in another order after an update: not a change to the cluster."""
    from schemactl.plan import fingerprint_live

    title, body = {"name": "title", "dataType": ["text"]}, {"name": "body", "dataType": ["text"]}
    one = fingerprint_live({"Doc_v1": {"class": "Doc_v1", "properties": [title, body]}}, {"Doc": "Doc_v1"})
    other = fingerprint_live({"Doc_v1": {"class": "Doc_v1", "properties": [body, title]}}, {"Doc": "Doc_v1"})
    changed = fingerprint_live({"Doc_v1": {"class": "Doc_v1", "properties": [body]}}, {"Doc": "Doc_v1"})
    assert one == other != changed


@pytest.mark.parametrize("document, said", [
    ({"steps": []}, r"is not a schemactl plan \(expected format"),
    ({"format": "schemactl-plan/1", "steps": []}, "has no checksum: not a plan as schemactl saves it"),  # before: "modified"
])
def test_a_json_file_that_is_not_a_saved_plan_is_named_as_such(tmp_path, document, said):
    from schemactl.plan import FORMAT, from_document

    document = {**document, "format": FORMAT} if "format" in document else document
    with pytest.raises(SchemactlError, match=said):
        from_document(document, "junk.json")


def test_a_saved_plans_token_warning_is_the_appliers_not_the_planners():
    """The planner's token (say, a CI plan job's) is not the one apply sends: applied, a saved
    plan warns about the applier's bearer token instead, and not of what the planner's key could
    not ask (apply checks the plan against what the applier's key finds)."""
    import base64
    import time

    from schemactl import api
    from schemactl.connection import make_target
    from schemactl.diff import diff
    from schemactl.validate import parse_collection

    def hf(model: str):
        return parse_collection({"name": "Article", "properties": [{"name": "t", "dataType": "text"}],
                                 "vectorizer": {"module": "text2vec-huggingface", "model": model}})

    changes = diff({"Article": hf("org/a")}, {"Article": hf("org/b")}, physical={"Article": "Article_v1"})
    planned = make_plan(changes, target="http://x", desired_hash="d", live_fingerprint="l",
                        warnings=("the bearer token given (--bearer-token) expires in 5 min, ...", "a node is down",
                                  "Article: planned as a copy, as this key may not ask whether ..."))  # the planner's
    payload = base64.urlsafe_b64encode(f'{{"exp": {int(time.time()) + 600}}}'.encode()).decode().rstrip("=")
    applier = make_target("http://x", 50051, None, (), bearer_token=f"e30.{payload}.c2ln")
    warnings = api.with_callers_warnings(planned, applier).warnings
    assert warnings[0] == "a node is down" and len(warnings) == 2
    assert warnings[1].startswith("the bearer token given (--bearer-token / WEAVIATE_BEARER_TOKEN) expires in 10 min")
    keyed = api.with_callers_warnings(planned, make_target("http://x", 50051, "an-api-key", ()))
    assert keyed.warnings == ("a node is down",)
