"""Careless and hostile input without a server: bounded parsing, secrets never echoed, one line
and exit 1 instead of a traceback."""
from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemactl.cli import cli
from schemactl.redact import endpoint, redact, register


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CLOSED = f"http://127.0.0.1:{closed_port()}"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def alias_bomb(levels: int) -> str:
    lines = ["name: Bomb", 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [6, 7, 9])
def test_a_yaml_alias_bomb_is_refused_with_its_position(tmp_path, levels):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(levels))
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}:7:")
    assert "aliases expand this file to more than 100,000 values" in result.stdout


def test_small_aliases_and_merge_keys_still_work(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("name: Doc\ndefaults: &text {dataType: text, tokenization: word}\n"
                    "properties:\n  - {<<: *text, name: title}\n  - {<<: *text, name: body}\n")
    result = run("validate", str(path))
    assert len(result.stdout.splitlines()) == 1  # only the unknown field is reported,
    assert "unknown field 'defaults'" in result.stdout  # not the aliases or merge keys


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("name: Loop\nproperties: &p [*p]\n")
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "alias *p refers to a node that contains it" in result.stdout


def test_a_name_too_long_for_its_versions_is_refused_offline(tmp_path):
    (tmp_path / "long.yaml").write_text(f"name: A{'b' * 249}\nproperties: []\n")
    (tmp_path / "fits.yaml").write_text(f"name: C{'d' * 248}\nproperties: []\n")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        (f"{tmp_path / 'long.yaml'}:1:7: collection name is 250 characters; at most 249, so that the versions "
        "schemactl creates (Abbbbbbb..._v1) stay within Weaviate's 255")]


SECRET = "hf_S3cretValueNeverShown"


@pytest.mark.parametrize("header", [f"X-HuggingFace-Api-Key:{SECRET}", f"X-HuggingFace-Api-Key: {SECRET}",
                                    f"X-HuggingFace-Api-Key={SECRET}"])
def test_a_header_with_a_colon_or_equals_is_accepted_and_never_shown(header):
    result = run("status", "--url", CLOSED, "--header", header)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"FAIL REST         {CLOSED}: cannot reach Weaviate")
    assert SECRET not in result.output


@pytest.mark.parametrize("header", [SECRET, f"bad name={SECRET}", f"={SECRET}"])
def test_a_malformed_header_is_refused_without_its_value(header):
    result = run("status", "--url", CLOSED, "--header", header)
    assert result.exit_code == 1
    assert result.stderr == ("error: --header #1: expected NAME=VALUE (or NAME: VALUE) with a header name made "
                             "of letters, digits and -; the value is not shown\n")


@pytest.mark.parametrize("option, env", [
    (["--header", "X-HuggingFace-Api-Key=\u201chf_abcdef\u201d"], {}),
    (["--api-key", "\u201ckey-abcdef\u201d"], {}),
    ([], {"WEAVIATE_API_KEY": "\u201ckey-abcdef\u201d"}),
    ([], {"HUGGINGFACE_APIKEY": "\u201chf_abcdef\u201d"}),
])
@pytest.mark.parametrize("command", ["status", "plan", "history"])
def test_curly_quotes_in_a_key_are_one_clear_line(command, option, env, tmp_path):
    args = [command, *option, "--url", CLOSED] + ([str(tmp_path)] if command == "plan" else [])
    result = run(*args, env=env)
    assert result.exit_code == 1
    assert "Traceback" not in result.output and len(result.stderr.splitlines()) == 1
    assert "non-ASCII character (U+201C) at position 1" in result.stderr
    assert "a curly quote pasted from a web page?" in result.stderr
    assert "abcdef" not in result.output


def test_a_password_in_the_url_is_never_echoed():
    url = f"http://alice:pw-Sup3rSecret@127.0.0.1:{closed_port()}"
    for command in ("status", "history"):
        result = run(command, "--url", url)
        assert result.exit_code == 1
        assert "pw-Sup3rSecret" not in result.output
        assert "alice:***@127.0.0.1" in result.output


@pytest.mark.parametrize("command", ["history", "force-unlock"])
def test_commands_against_a_closed_port_fail_instead_of_answering(command):
    result = run(command, "--url", CLOSED)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot reach Weaviate at {CLOSED}")
    assert "No applies recorded" not in result.output


def test_redaction_masks_registered_secrets_and_url_passwords():
    register("tok-1234567890")
    assert redact("sent tok-1234567890 to https://u:p4ss@h:1/x") == "sent *** to https://u:***@h:1/x"
    assert endpoint("HTTP://u:p@LocalHost:80/") == "http://localhost"
    assert endpoint("http://[::1]:8080/") == "http://[::1]:8080"


header_values = st.text(min_size=1, max_size=30)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=12), value=header_values, key=st.one_of(st.none(), header_values),
       url=st.one_of(st.just(CLOSED), st.text(max_size=30).filter(lambda u: "://" not in u),
                     st.sampled_from(["http://[::1", "http://127.0.0.1:99999", "http://[::1]:x", "ftp://127.0.0.1:1",
                                      f"http://user:pa\u201css@127.0.0.1:{closed_port()}", "http://:1"])))
def test_any_header_key_or_url_gives_one_line_and_exit_1(name, value, key, url):
    args = ["status", "--url", url, "--header", f"{name}={value}"] + (["--api-key", key] if key is not None else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    neutral = ["status", "--url", url, "--header", f"{name}=placeholder"] + (["--api-key", "x"] if key else [])
    wording = CliRunner().invoke(cli, neutral).output  # what the message says whatever the secrets are
    for secret in (value.strip(), (key or "").strip()):
        if len(secret) >= 6 and secret not in wording:  # e.g. a value "error:" is in every message
            assert secret not in result.output


def test_a_short_credential_is_masked_as_a_quoted_or_form_value_and_json_stays_json():
    """Before: a secret shorter than six characters was never masked, so an issuer echoing the
    login form printed `"password": "Pw9x!"` in clear. A short header value that is no credential
    is not masked, and masking never breaks the JSON schemactl prints or records."""
    import json

    register("Pw9x!", "3")
    register("eu", credential=False)
    assert redact('refused {"username": "ada", "password": "Pw9x!"}') == 'refused {"username": "ada", "password": "***"}'
    assert redact("grant_type=password&password=Pw9x!&scope=x") == "grant_type=password&password=***&scope=x"
    document = json.dumps({"step": 3, "factor": 3, "region": "eu", "words": "Pw9x!s"})
    assert json.loads(redact(document)) == json.loads(document)


def test_a_server_error_puts_its_root_cause_first():
    from schemactl.live import cause_first

    wrapped = ("put object: import into index schemactlledger: shard schemactlledger_abc: "
               "store is read-only due to resource pressure")
    assert cause_first(wrapped) == ("store is read-only due to resource pressure (while: put object: import into "
                                    "index schemactlledger: shard schemactlledger_abc)")
    assert cause_first("class Doc already exists") == "class Doc already exists"


@pytest.mark.parametrize("message", ["disk on fire\nsecond line", "", " \n "])
def test_an_unexpected_error_is_one_line_even_without_a_message(monkeypatch, tmp_path, message):
    def broken(paths, environment=None):
        raise RuntimeError(message)

    monkeypatch.setattr("schemactl.validate.validate_paths", broken)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    first = message.strip().splitlines()[0] if message.strip() else ""
    assert result.stderr == f"error: unexpected RuntimeError: {first} (set SCHEMACTL_DEBUG=1 for a traceback)\n"


def test_a_replication_scale_step_is_checked_for_its_permissions_before_apply():
    from schemactl.changes import FieldChange, ScaleReplication
    from schemactl.permissions import for_plan, missing
    from schemactl.plan import make_plan
    from schemactl.validate import parse_collection

    doc = parse_collection({"name": "Doc", "vectorizer": {"module": "none"}, "replicationConfig": {"factor": 3}})
    step = ScaleReplication("Doc", physical="Doc_v1", fields=(FieldChange("replicationConfig.factor", 1, 3),),
                            definition=doc)
    plan = make_plan((step,), target="http://x", desired_hash="d", live_fingerprint="l")
    needs = for_plan(plan.steps, {"Doc_v1"}, {"Doc": "Doc_v1"}, set())
    collections_only = [{"action": "manage_collections", "collections": {"collection": "*"}}]
    assert [(n.action, n.collection) for n in missing(collections_only, needs)] == [
        ("read_replicate", "Doc_v1"), ("update_replicate", "Doc_v1")]
    replicate = collections_only + [{"action": f"{verb}_replicate", "replicate": {"collection": "Doc_*", "shard": "*"}}
                                    for verb in ("read", "update")]
    assert missing(replicate, needs) == []


def test_a_rename_is_checked_for_the_aliases_it_makes_and_removes_before_apply():
    """A rename makes the new name's alias and removes the old name's: a role allowed only to
    re-point aliases would fail at the cutover, after the whole copy."""
    from schemactl.changes import FieldChange, RecreateCollection
    from schemactl.permissions import for_plan
    from schemactl.plan import make_plan
    from schemactl.validate import parse_collection

    article = parse_collection({"name": "Article", "renamedFrom": "Doc", "vectorizer": {"module": "none"}})
    step = RecreateCollection("Article", physical="Doc_v1", reasons=(FieldChange("name", "Doc", "Article"),),
                              definition=article)
    plan = make_plan((step,), target="http://x", desired_hash="d", live_fingerprint="l")
    aliases = {(n.action, n.collection, n.alias) for n in for_plan(plan.steps, {"Doc_v1"}, {"Doc": "Doc_v1"}, set())
               if n.alias}
    assert aliases == {("create_aliases", "Article_v1", "Article"), ("delete_aliases", "Doc_v1", "Doc")}


def test_a_saved_plan_whose_alias_an_earlier_run_moved_asks_for_what_its_hand_over_needs():
    """Applied again after a kill that came after its cutover: nothing is made or re-pointed; what
    is left is the hand-over, to the version the alias serves."""
    from schemactl.changes import FieldChange, RecreateCollection
    from schemactl.permissions import for_plan
    from schemactl.plan import make_plan
    from schemactl.validate import parse_collection

    doc = parse_collection({"name": "Doc", "vectorizer": {"module": "none"}})
    step = RecreateCollection("Doc", physical="Doc_v1", reasons=(FieldChange("vectorIndexConfig.distance", "a", "b"),),
                              definition=doc)
    plan = make_plan((step,), target="http://x", desired_hash="d", live_fingerprint="l")
    needs = for_plan(plan.steps, {"Doc_v1", "Doc_v2"}, {"Doc": "Doc_v2"}, {"Doc_v1", "Doc_v2"})
    assert not [n for n in needs if n.alias or n.action == "create_collections" or n.collection == "Doc_v3"]
    assert ("update_tenants", "Doc_v2") in {(n.action, n.collection) for n in needs}


def test_only_a_step_that_touches_objects_needs_the_data_path():
    """A rename's cutover left by a stopped run is an alias to remove: no gRPC needed for it."""
    from schemactl.apply.guards import Limits, Situation, data_path
    from schemactl.changes import FinishHandOver
    from schemactl.connection import Target
    from schemactl.plan import make_plan

    unreachable = Target("http://127.0.0.1:9", 10)

    def refusals(multi_tenant: bool) -> list[str]:
        step = FinishHandOver("Docs", physical="Mt_v1", target="Mt_v2", old_alias="Mt", multi_tenant=multi_tenant)
        plan = make_plan((step,), target="http://127.0.0.1:9", desired_hash="d", live_fingerprint="l")
        return data_path(Situation(plan, Limits(), target=unreachable))

    assert refusals(multi_tenant=False) == []
    [refused] = refusals(multi_tenant=True)
    assert refused.startswith("step 1 finish-hand-over Docs copies data over gRPC, which cannot be used")


def test_a_password_in_the_url_with_an_api_key_is_one_line_that_shows_neither():
    """Before: the API key was replaced by the URL's Basic header, and the server answered 401."""
    result = run("status", "--url", f"http://alice:pw-Sup3rSecret@{CLOSED.removeprefix('http://')}",
                 "--api-key", "key-abcdef123")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: --url has a user and password in it (sent as `Authorization: Basic`) "
                                    "and an API key is given as well")
    assert len(result.stderr.splitlines()) == 1
    assert "pw-Sup3rSecret" not in result.output and "key-abcdef123" not in result.output


@pytest.mark.parametrize("args, said", [
    (["plan", "--bogus"], "error: No such option '--bogus'. Did you mean '--out'? (schemactl plan --help for usage)"),
    (["rollback"], "error: Missing argument 'NAME'. (schemactl rollback --help for usage)"),
    (["nosuch"], "error: No such command 'nosuch'. (schemactl --help for usage)"),
])
def test_a_usage_error_is_one_line_and_exit_1(args, said):
    result = CliRunner().invoke(cli, args, prog_name="schemactl")
    assert result.exit_code == 1 and result.stderr == said + "\n"


def test_every_missing_permission_is_listed():
    """Before: the first eight, then "and 6 more", with no way to see the rest."""
    from schemactl.permissions import Need, lacking_message

    needs = [Need("create_collections", f"Doc{i}_v2", why=f"recreate Doc{i}") for i in range(14)]
    said = lacking_message(needs, "this apply")
    assert all(f"Doc{i}_v2" in said for i in range(14)) and "more" not in said


def test_a_copy_needs_to_drop_its_own_records_and_says_so_first():
    """Before: a role without delete_data on SchemactlCheckpoint passed every check, then the
    recreate failed after its cutover fence ("drop a progress record failed (403)")."""
    from schemactl.owned import CHECKPOINTS, LEDGER, LOCK
    from schemactl.permissions import Need, for_bookkeeping

    needs = for_bookkeeping(LOCK, (LEDGER, CHECKPOINTS), (CHECKPOINTS,))
    assert Need("delete_data", CHECKPOINTS, why="drop schemactl's records a copy is done with") in needs
    assert not [n for n in for_bookkeeping(LOCK, (LEDGER,)) if n.action == "delete_data"]  # nothing copied: not asked


def test_node_reads_are_granted_per_verbosity_as_weaviate_grants_them():
    """Weaviate authorizes ?output=verbose against the verbose verbosity: a role with only the
    minimal one passed every check, then the multi-tenant copy's fence read answered 403 after the
    whole copy. (Built-in roles name verbose alone and read both: minimal is met by either.)"""
    from schemactl.permissions import for_shard_status, for_the_cluster, missing

    verbose = [{"action": "read_nodes", "nodes": {"verbosity": "verbose", "collection": "*"}}, {"action": "read_cluster"}]
    minimal = [{"action": "read_nodes", "nodes": {"verbosity": "minimal", "collection": "*"}}, {"action": "read_cluster"}]
    assert missing(verbose, for_the_cluster()) == missing(minimal, for_the_cluster()) == []
    assert [n.action for n in missing([], for_the_cluster())] == ["read_nodes", "read_cluster"]
    assert missing(minimal, [for_shard_status("Mt_v1")]) == [for_shard_status("Mt_v1")]
    assert missing(verbose, [for_shard_status("Mt_v1")]) == []
    assert for_shard_status("Mt_v1").describe().startswith("read_nodes (verbose) on collection Mt_v1")


@pytest.mark.parametrize("factor", [1, 3])
def test_a_copy_from_replicas_asks_up_front_to_read_how_their_repair_stands(factor):
    """Apply reads Weaviate's repair status of the old version's replicas (verbose node reads)
    before it copies a replicated collection: a role without it is told before the first change."""
    from schemactl.apply.guards import Limits, Situation, permitted
    from schemactl.changes import RecreateCollection
    from schemactl.live import LiveState
    from schemactl.plan import make_plan
    from schemactl.validate import parse_collection

    doc = parse_collection({"name": "Doc", "vectorizer": {"module": "none"}, "replicationConfig": {"factor": factor}})
    plan = make_plan((RecreateCollection("Doc", physical="Doc_v1", definition=doc),), target="t", desired_hash="d",
                     live_fingerprint="l")
    live = LiveState("1.39.3", {"Doc": doc}, {"Doc": "Doc_v1"}, {"Doc_v1": {"replicationConfig": {"factor": factor}}},
                     {"Doc": "Doc_v1"})
    [lacking] = permitted(Situation(plan, Limits(), live=live, permissions=[]))
    assert ("read_nodes (verbose) on collection Doc_v1 (see the shards of Doc_v1 on every node" in lacking) \
        is (factor > 1)
