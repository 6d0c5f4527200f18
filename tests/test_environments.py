"""Environments in schemactl.yaml: one set of files for dev and prod, no server."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from schemactl.cli import cli
from schemactl.environments import Chosen, Environment
from schemactl.validate import validate_paths

CONFIG = """
environments:
  dev:
    url: http://127.0.0.1:9
  prod:
    url: https://abc.c0.europe-west3.gcp.weaviate.cloud
    apiKeyEnv: PROD_WEAVIATE_KEY
    consistency: QUORUM
    policy: {allowDestructive: false}
    overrides:
      "*": {replicationConfig: {factor: 3}}
      Article: {vectorizer: {endpointURL: https://hf.example.com/models/minilm}}
"""
ARTICLE = """name: Article
properties:
  - name: title
    dataType: text
vectorizer:
  module: text2vec-huggingface
  endpointURL: http://127.0.0.1:1/models/a
replicationConfig:
  factor: 1
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "schemactl.yaml").write_text(CONFIG)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "article.yaml").write_text(ARTICLE)
    (tmp_path / "schemas" / "note.yaml").write_text("name: Note\nvectorizer:\n  module: none\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _prod() -> Environment:
    from datetime import date

    from schemactl.policy import environment

    return environment(Path("schemactl.yaml"), "prod", date.today())


def test_overrides_are_laid_over_every_file_and_the_named_one(project):
    collections = validate_paths([Path("schemas")], _prod()).collections
    assert collections["Article"].replication_factor == collections["Note"].replication_factor == 3
    assert collections["Article"].vectorizer.endpointURL == "https://hf.example.com/models/minilm"
    assert validate_paths([Path("schemas")]).collections["Article"].replication_factor == 1  # the files as they are


def test_an_override_that_breaks_a_file_is_found_offline(project):
    (project / "schemactl.yaml").write_text(CONFIG.replace("{factor: 3}", "{factor: 0}"))
    result = CliRunner().invoke(cli, ["validate", "schemas", "--env", "prod"])
    assert result.exit_code == 1 and "factor" in result.output
    assert result.output.startswith("schemactl.yaml:")  # where the value is, not the file's factor: 1
    assert CliRunner().invoke(cli, ["validate", "schemas"]).exit_code == 0


def test_an_unknown_environment_names_those_there_are(project):
    result = CliRunner().invoke(cli, ["plan", "schemas", "--env", "staging"])
    assert result.exit_code == 1
    assert "--env staging: schemactl.yaml defines no environment 'staging' (it has: dev, prod)" in result.stderr
    from_variable = CliRunner().invoke(cli, ["plan", "schemas"], env={"SCHEMACTL_ENV": "Prod"})
    assert from_variable.exit_code == 1  # named as where it came from (before: as --env Prod, never given)
    assert "SCHEMACTL_ENV=Prod: schemactl.yaml defines no environment 'Prod' (it has: dev, prod)" in from_variable.stderr


def test_credentials_come_from_the_variable_the_environment_names(project, monkeypatch):
    monkeypatch.delenv("PROD_WEAVIATE_KEY", raising=False)
    result = CliRunner().invoke(cli, ["status", "--env", "prod"])
    assert result.exit_code == 1
    assert "environment prod reads its API key from the variable PROD_WEAVIATE_KEY, which is not set" in result.stderr


def test_the_environment_picks_the_cluster_and_the_command_line_wins(project):
    from schemactl import cli as cli_module

    seen = []
    real = cli_module.connection_options

    @real
    def probe(target):
        seen.append(target)

    command = cli_module.click.command()(probe)
    CliRunner().invoke(command, ["--env", "dev"], catch_exceptions=False)
    CliRunner().invoke(command, ["--env", "dev", "--url", "http://127.0.0.1:7"], catch_exceptions=False)
    CliRunner().invoke(command, ["--env", "dev"], env={"WEAVIATE_URL": "http://127.0.0.1:8"}, catch_exceptions=False)
    assert [t.url for t in seen] == ["http://127.0.0.1:9", "http://127.0.0.1:7", "http://127.0.0.1:9"]
    assert seen[0].environment == Chosen("dev", Environment(url="http://127.0.0.1:9"))


def test_a_port_forward_on_the_command_line_sets_aside_the_environments_grpc_address(project):
    """Before: `--env k8s --url http://127.0.0.1:38180 --grpc-port 38151` still sent gRPC to the
    environment's grpcUrl, named as if --grpc-url had been given; --url alone kept it too, so REST
    and gRPC went to two clusters."""
    from schemactl import cli as cli_module

    (project / "schemactl.yaml").write_text(
        "environments:\n  k8s:\n    url: http://weaviate.svc\n    grpcUrl: http://weaviate-grpc.svc:50051\n")
    seen = []

    @cli_module.connection_options
    def probe(target):
        seen.append(target.grpc.display)

    command = cli_module.click.command()(probe)
    for extra in ([], ["--url", "http://127.0.0.1:38180", "--grpc-port", "38151"], ["--url", "http://127.0.0.1:38180"],
                  ["--grpc-port", "38151"]):
        CliRunner().invoke(command, ["--env", "k8s", *extra], catch_exceptions=False,
                           env={"WEAVIATE_GRPC_URL": "http://other-cluster:50051"})  # not this environment's
    assert seen == ["http://weaviate-grpc.svc:50051", "http://127.0.0.1:38151", "http://127.0.0.1:50051",
                    "http://weaviate.svc:38151"]


def test_a_plan_made_in_one_environment_is_refused_in_another():
    from schemactl.apply.guards import Situation, fresh
    from schemactl.connection import Target
    from schemactl.live import LiveState
    from schemactl.plan import make_plan

    plan = make_plan((), target="http://127.0.0.1:9", desired_hash="d", live_fingerprint="l", environment="prod")
    situation = Situation(plan, None, Target("http://127.0.0.1:9", environment=Chosen("dev", Environment())),  # type: ignore[arg-type]
                          live=LiveState.__new__(LiveState))
    [problem] = fresh(situation)
    assert problem.startswith("this plan was made for environment prod, not environment dev")


def test_the_environment_has_its_own_policy(project):
    from datetime import date

    from schemactl.policy import load

    loaded = load(Path("schemactl.yaml"), date.today())
    assert loaded.policy.allowDestructive is True
    assert loaded.for_environment("prod").policy.allowDestructive is False
    assert loaded.for_environment("dev").policy.allowDestructive is True


def test_a_saved_plan_keeps_its_environment_and_overrides():
    from schemactl.plan import from_document, make_plan, to_document

    plan = make_plan((), target="t", desired_hash="d", live_fingerprint="l", environment="prod",
                     overridden=("Article: replicationConfig.factor",))
    again = from_document(to_document(plan))
    assert (again.environment, again.overridden) == ("prod", ("Article: replicationConfig.factor",))


def test_an_override_for_a_collection_no_file_declares_is_an_error(project):
    (project / "schemactl.yaml").write_text(CONFIG.replace("      Article:", "      Articel:"))
    result = validate_paths([Path("schemas")], _prod())
    assert not result.ok
    found = [f for f in result.findings if "the environment overrides Articel" in f.message]
    expected = "the environment overrides Articel, which no file declares (they declare: Article, Note)"
    assert [f.message for f in found] == [expected]
    line = next(n for n, text in enumerate(CONFIG.splitlines(), 1) if text.startswith("      Article:"))
    assert (found[0].path, found[0].line, found[0].column) == ("schemactl.yaml", line, 7)  # where the typo is


def test_an_override_cannot_rename_a_collection(project):
    """Before: `"*": {name: Renamed}` validated, and the plan created Renamed and, with --prune,
    deleted the real collections as unmanaged."""
    (project / "schemactl.yaml").write_text(CONFIG.replace('"*": {replicationConfig: {factor: 3}}',
                                                           '"*": {name: Renamed}'))
    result = validate_paths([Path("schemas")], _prod())
    line = next(n for n, text in enumerate(CONFIG.splitlines(), 1) if text.startswith('      "*":'))
    assert [(f.path, f.line, f.message) for f in result.findings if "sets name" in f.message] == [
        ("schemactl.yaml", line, ("the environment's override for * sets name: a collection has the same name in "
                                  "every environment (rename it in its file)"))]


def test_a_misspelt_setting_in_an_override_is_reported_where_the_override_is(project):
    """Before: `schemas/article.yaml:1:1: unknown field 'vectorIndexConfg'`, a line that has no such key."""
    (project / "schemactl.yaml").write_text(CONFIG.replace("Article: {vectorizer:", "Article: {vectorIndexConfg: {ef: 1}, "
                                                                                     "vectorizer:"))
    result = validate_paths([Path("schemas")], _prod())
    [found] = [f for f in result.findings if "vectorIndexConfg" in f.message]
    line = next(n for n, text in enumerate(CONFIG.splitlines(), 1) if text.startswith("      Article:"))
    assert (found.path, found.line) == ("schemactl.yaml", line)
    assert found.message.startswith("the environment's override for Article: unknown field 'vectorIndexConfg'")


def test_an_environments_policy_is_checked_when_the_file_is_read(project):
    from datetime import date

    from schemactl.policy import PolicyInvalid, load

    (project / "schemactl.yaml").write_text(CONFIG.replace("{allowDestructive: false}", "{allowDestructiv: false}"))
    with pytest.raises(PolicyInvalid, match="environments.prod.policy.allowDestructiv"):
        load(Path("schemactl.yaml"), date.today())


def test_with_an_environment_a_key_from_the_shell_is_not_sent_and_the_command_line_still_wins(project, monkeypatch):
    from schemactl import cli as cli_module

    seen = []

    @cli_module.connection_options
    def probe(target):
        seen.append(target)

    command = cli_module.click.command()(probe)
    monkeypatch.delenv("PROD_WEAVIATE_KEY", raising=False)
    CliRunner().invoke(command, ["--env", "dev"], env={"WEAVIATE_API_KEY": "dev-shell-key"}, catch_exceptions=False)
    CliRunner().invoke(command, ["--env", "prod", "--api-key", "given-here"], catch_exceptions=False)
    assert [t.api_key for t in seen] == [None, "given-here"]  # prod's variable is not needed when a key is given


def test_a_plan_for_an_environment_the_policy_file_lacks_is_refused(project):
    from datetime import date

    from schemactl.policy import PolicyInvalid, load

    with pytest.raises(PolicyInvalid, match="made for environment staging, which this policy file does not define"):
        load(Path("schemactl.yaml"), date.today()).for_environment("staging")


def test_a_refused_key_names_where_keys_come_from_under_an_environment():
    from schemactl.connection import Target
    from schemactl.environments import Chosen, Environment

    assert Target("http://x", api_key="k").auth_mechanism == "an API key (--api-key / WEAVIATE_API_KEY)"
    prod = Chosen("prod", Environment(url="http://x", apiKeyEnv="PROD_WEAVIATE_KEY"))
    assert Target("http://x", api_key="k", environment=prod).auth_mechanism == \
        "an API key (--api-key / PROD_WEAVIATE_KEY, named by environment prod)"
    stage = Chosen("stage", Environment(url="http://x"))
    assert Target("http://x", environment=stage).credential_options("apiKeyEnv", "api-key", "WEAVIATE_API_KEY") == \
        "--api-key; environment stage names no apiKeyEnv, and WEAVIATE_API_KEY is not read under --env"


def test_grpc_set_by_an_environment_is_named_as_the_environments():
    from schemactl.connection import make_target
    from schemactl.environments import Chosen, Environment

    prod = Chosen("prod", Environment(url="http://x", grpcPort=50052))
    assert make_target("http://x", 50052, None, (), environment=prod).grpc.source == \
        "the REST host with --grpc-port / grpcPort of environment prod"
    grpc_host = Chosen("prod", Environment(url="http://x", grpcUrl="http://grpc-host"))
    assert make_target("http://x", 50051, None, (), grpc_url="http://grpc-host", environment=grpc_host).grpc.source == \
        "--grpc-url / grpcUrl of environment prod"
    assert make_target("http://x", 50052, None, ()).grpc.source == "the REST host with --grpc-port"


@pytest.mark.parametrize("text", ["", "# settings to come\n", "---\n", "~\n"])
def test_an_empty_settings_file_has_no_policy_and_no_environments(tmp_path, text):
    """Before: "cannot read the policy: the file is empty; expected a collection definition", and
    every plan in that directory failed."""
    from datetime import date

    from schemactl.policy import load

    (tmp_path / "schemactl.yaml").write_text(text)
    policy = load(tmp_path / "schemactl.yaml", date.today())
    assert policy.environments == {} and policy.overrides == []


def test_a_settings_file_that_is_not_a_mapping_says_what_it_should_hold(tmp_path):
    from datetime import date

    from schemactl.policy import PolicyInvalid, load

    (tmp_path / "schemactl.yaml").write_text("- dev\n")
    with pytest.raises(PolicyInvalid, match=r"1:1: cannot read the policy: expected a mapping \(schemactl's settings\), "
                                            "found a list"):
        load(tmp_path / "schemactl.yaml", date.today())


def test_a_malformed_url_in_an_environment_is_named_as_the_environments(project):
    """Before: `--url must be an http(s) URL` for a typo in schemactl.yaml."""
    (project / "schemactl.yaml").write_text(CONFIG.replace("url: http://127.0.0.1:9", "url: htp://127.0.0.1:9"))
    result = CliRunner().invoke(cli, ["plan", "schemas", "--env", "dev"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "error: --url / url of environment dev must be an http(s) URL such as http://localhost:8080, got " \
           "'htp://127.0.0.1:9'" in result.stderr, result.output


def test_a_saved_plan_for_another_environment_is_refused_before_it_is_shown(project):
    """Before: the plan was printed first, headed "changes to <the other cluster>", then refused.
    Refused before anything is read from the cluster."""
    import json

    from schemactl.plan import make_plan, to_document

    plan = make_plan((), target="http://127.0.0.1:9", desired_hash="d", live_fingerprint="l", environment="prod")
    (project / "plan.json").write_text(json.dumps(to_document(plan)))
    result = CliRunner().invoke(cli, ["apply", "plan.json", "--env", "dev", "--auto-approve"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: this plan was made for environment prod, not environment dev"), result.output
    assert "changes" not in result.stdout and result.stdout == ""


def test_a_key_written_into_an_environment_points_at_the_variable_it_belongs_in(project):
    from datetime import date

    from schemactl.policy import PolicyInvalid, load

    (project / "schemactl.yaml").write_text(CONFIG.replace("    apiKeyEnv: PROD_WEAVIATE_KEY", "    apiKey: s3cr3t-value"))
    with pytest.raises(PolicyInvalid) as refused:
        load(Path("schemactl.yaml"), date.today())
    assert "environments.prod.apiKey: Extra inputs are not permitted (secrets are not written in schemactl.yaml: " \
           "give apiKeyEnv, the name of the environment variable that holds it)" in str(refused.value)
    assert "s3cr3t-value" not in str(refused.value)
