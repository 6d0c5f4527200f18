"""The command line through click's CliRunner: stdout, stderr and exit codes apart."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from schemactl.cli import cli
from tests.conftest import REPO


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_validate_examples_ok():
    result = run("validate", str(REPO / "schemas"))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "collection(s) valid" in result.stderr


def test_validate_reports_on_stdout_and_exits_1():
    path = REPO / "tests/cases/many_errors.yaml"
    result = run("validate", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and all(line.startswith(f"{path}:") for line in lines)
    assert "5 error(s) in 1 file(s)" in result.stderr


def test_validate_json():
    result = run("validate", "--json", str(REPO / "tests/cases/many_errors.yaml"))
    document = json.loads(result.stdout)
    assert result.exit_code == 1
    assert document["valid"] is False and document["files"] == 1
    assert {f["line"] for f in document["findings"]} == {5, 8, 9, 15, 16}


def test_validate_missing_path_is_an_error():
    result = run("validate", "/no/such/dir")
    assert result.exit_code == 1
    assert "/no/such/dir: no such file or directory" in result.stdout  # no line:column where there is no file
    assert result.stderr == "1 error(s); no file read\n"  # before: "1 error(s) in 1 file(s)"


def test_a_file_named_twice_is_validated_once(tmp_path):
    (tmp_path / "b.yaml").write_text("name: B04\nproperties:\n  - name: t\n    dataType: text\n")
    result = run("validate", str(tmp_path / "b.yaml"), str(tmp_path), str(tmp_path / "b.yaml"))
    assert result.exit_code == 0, result.output  # not "already defined in b.yaml" of itself


def test_usage_errors_exit_1_never_2():
    """2 means 'changes pending' for drift checks; a typo must not look like drift."""
    result = run("validate", "--no-such-flag")
    assert result.exit_code == 1
    assert "No such option" in result.stderr


def test_status_names_what_fails_and_how_to_fix_it():
    result = run("status", "--url", "http://127.0.0.1:9", "--grpc-port", "10")
    assert result.exit_code == 1 and "Traceback" not in result.output
    [rest] = result.stdout.splitlines()  # nothing beyond an unreachable REST is checked
    assert rest.startswith("FAIL REST         http://127.0.0.1:9: cannot reach Weaviate")
    assert rest.endswith("— fix: check --url / WEAVIATE_URL, and that the server runs")
    assert result.stderr == "error: 1 check(s) failed\n"


def test_a_data_path_that_cannot_be_used_is_one_line_naming_where_it_went():
    from schemactl.connection import Target, connect
    from schemactl.errors import ConnectionFailed

    with pytest.raises(ConnectionFailed) as failed:
        connect(Target("http://127.0.0.1:9", 10))
    message = str(failed.value)
    assert message.startswith("cannot use Weaviate at http://127.0.0.1:9 (gRPC at http://127.0.0.1:10, "
                              "from the REST host with --grpc-port)")
    assert "Connection refused" in message and "\n" not in message


def test_bad_url_is_one_line():
    result = run("status", "--url", "localhost:8080")
    assert result.exit_code == 1
    assert "must be an http(s) URL" in result.stderr


def test_jsonschema_command_prints_the_shipped_schema():
    result = run("jsonschema")
    assert json.loads(result.stdout)["title"] == "schemactl collection"
    assert result.stdout == (REPO / "schemactl/collection.schema.json").read_text()


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("schemactl, version ")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout and "schemactl " + command in result.stdout


def test_server_too_old_for_aliases_is_one_clear_message():
    from schemactl.errors import SchemactlError
    from schemactl.live import require

    require("aliases", "1.39.0", "aliases")
    with pytest.raises(SchemactlError) as refused:
        require("aliases", "1.31.4", "aliases (zero-downtime cutover)")
    assert str(refused.value) == ("Weaviate 1.31.4 is too old for aliases (zero-downtime cutover): "
                                  "schemactl needs >= 1.32.0")


def test_a_failure_under_json_is_a_json_document_on_stdout_too(tmp_path):
    """Before: stdout was empty and `schemactl plan --json | jq` in a CI step without pipefail passed."""
    import json

    failed = run("history", "--json", "--url", "http://127.0.0.1:1")
    assert failed.exit_code == 1 and failed.stderr.startswith("error: cannot reach Weaviate")
    assert json.loads(failed.stdout) == {"error": failed.stderr.strip().removeprefix("error: ")}
    (tmp_path / "bad.yaml").write_text("name: x\n")
    invalid = run("validate", str(tmp_path), "--json")  # its own document already said so: nothing added
    assert invalid.exit_code == 1 and json.loads(invalid.stdout)["valid"] is False


@pytest.mark.parametrize("raised, said", [
    (KeyboardInterrupt(), "interrupted"),
    ("apply", "interrupted during step 2 (recreate Product); what it finished is kept: apply again to resume"),
])
def test_ctrl_c_says_interrupted_and_which_step_it_stopped_in(monkeypatch, raised, said):
    """click turns Ctrl-C into its Abort: before, every interrupted apply said only 'aborted'."""
    from schemactl.errors import Interrupted

    def stopped(*_args, **_kwargs):
        if raised == "apply":
            raise Interrupted("during step 2 (recreate Product); what it finished is kept: apply again to resume")
        raise raised

    monkeypatch.setattr("schemactl.validate.validate_paths", stopped)
    result = run("validate", str(REPO / "schemas"))
    assert result.exit_code == 1
    assert result.stderr.strip() == said


@pytest.fixture
def not_weaviate():
    """Another service on a loopback port answering every request with `answers[0]` as JSON."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    answers = [b'"hello"']

    class Answer(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answers[0])))
            self.end_headers()
            self.wfile.write(answers[0])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", answers
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("answer, said", [
    (b'"hello"', "GET /v1/meta answered a JSON str, not as Weaviate does"),
    (b'[1, 2]', "GET /v1/meta answered no version, not as Weaviate does"),
    (b'{"name": "another API"}', "GET /v1/meta answered no version, not as Weaviate does"),
    (b'{"version": "1.39.3", "classes": "x", "aliases": 3}', "GET /v1/schema answered classes not as a list of objects"),
])
def test_a_service_that_is_not_weaviate_is_named_as_such(not_weaviate, tmp_path, answer, said):
    """Before: `unexpected AttributeError: 'str' object has no attribute 'get'`."""
    url, answers = not_weaviate
    answers[0] = answer
    (tmp_path / "doc.yaml").write_text("name: Doc\nvectorizer: {module: none}\n")
    reading_meta_only = [["history"]] if "/v1/meta" in said else []  # history reads the schema of its own only
    for command in (["plan", str(tmp_path)], ["force-unlock"], *reading_meta_only):
        result = run(*command, "--url", url)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: {said}") and result.stderr.endswith(f"is {url} Weaviate?\n"), \
            result.stderr
    if "/v1/meta" in said:  # (status reads no schema: a /v1/meta like Weaviate's passes it)
        status = run("status", "--url", url)
        assert status.exit_code == 1 and "unexpected" not in status.output, status.output
        assert f"FAIL REST         {url}: {said}" in status.stdout, status.output


def test_status_names_a_grpc_address_that_is_the_rest_address():
    """Before: `FAIL gRPC ... (from --grpc-url): give that one` (the message cut at its own parenthesis)."""
    from schemactl.connection import make_target
    from schemactl.doctor import _grpc

    check = _grpc(make_target("http://127.0.0.1:8080", 50051, None, (), grpc_url="http://127.0.0.1:8080"))
    assert not check.ok
    assert check.detail.startswith("gRPC at http://127.0.0.1:8080 (from --grpc-url) is the REST address itself: "
                                   "Weaviate serves gRPC on a port of its own (50051 unless set): give that one")


@pytest.mark.parametrize("given, said", [
    ("x.yaml", ("--out {out} names a file: pull writes one file per collection (<name>.yaml) into a directory; "
                "give a directory, e.g. --out schemas/")),
    ("x.YML", ("--out {out} names a file: pull writes one file per collection (<name>.yaml) into a directory; "
               "give a directory, e.g. --out schemas/")),
    ("notes.txt", ("--out {out} is an existing file: pull writes one file per collection into a directory; "
                   "give a directory, e.g. --out schemas/")),
    ("a/b/pulled", ("--out {out}: directory {parent} does not exist (only the last directory of the path is "
                    "created, as for plan --out)")),
])
def test_pull_out_names_a_directory_and_is_checked_before_the_cluster_is_read(tmp_path, given, said):
    """Before: `pull --out x.yaml` made a directory x.yaml (and any missing parents) and wrote the
    files into it; an existing file got click's "Directory 'notes.txt' is a file"."""
    (tmp_path / "notes.txt").write_text("kept\n")
    out = tmp_path / given
    result = run("pull", "--out", str(out), "--url", "http://127.0.0.1:9")  # nothing listens: never reached
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "error: " + said.format(out=out, parent=out.parent) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "kept\n"


def test_pull_out_takes_an_existing_directory_whatever_its_name(tmp_path):
    (tmp_path / "old.yaml").mkdir()
    result = run("pull", "--out", str(tmp_path / "old.yaml"), "--url", "http://127.0.0.1:9")
    assert result.stderr.startswith("error: cannot reach Weaviate at http://127.0.0.1:9"), result.stderr


@pytest.mark.parametrize("variables, said", [
    ({"WEAVIATE_URL": "localhost:8080"},
     "WEAVIATE_URL must be an http(s) URL such as http://localhost:8080, got 'localhost:8080'"),
    ({"WEAVIATE_URL": "http://127.0.0.1:99999"}, "WEAVIATE_URL has an invalid port: 'http://127.0.0.1:99999'"),
    ({"WEAVIATE_GRPC_URL": "grpc.example.com:443"},
     "WEAVIATE_GRPC_URL must be an http(s) URL such as http://localhost:8080, got 'grpc.example.com:443'"),
    ({"WEAVIATE_GRPC_PORT": "fifty"}, "WEAVIATE_GRPC_PORT: 'fifty' is not a valid integer."),
    ({"WEAVIATE_TIMEOUT": "nan"}, "WEAVIATE_TIMEOUT: 'nan' is not a valid number."),
    ({"WEAVIATE_TIMEOUT": "abc"}, "WEAVIATE_TIMEOUT: 'abc' is not a valid number."),  # was "… valid float range."
    ({"WEAVIATE_TIMEOUT": "inf"}, "WEAVIATE_TIMEOUT: inf is not in the range 0.1<=x<=86400."),
    ({"WEAVIATE_CA_CERT": "/no/such/ca.pem"},
     ("WEAVIATE_CA_CERT /no/such/ca.pem: not a readable PEM file of CA certificates ([Errno 2] No such file or "
      "directory)")),
])
def test_a_bad_connection_setting_from_a_variable_is_named_as_that_variable(variables, said):
    """Before: `error: --url must be an http(s) URL ...` for a WEAVIATE_URL the user had exported
    (never having passed --url); `Invalid value for '--grpc-port'` for WEAVIATE_GRPC_PORT."""
    result = CliRunner().invoke(cli, ["status"], env=variables, catch_exceptions=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"error: {said}\n"


def test_a_bad_connection_setting_given_on_the_command_line_is_named_as_the_option():
    variables = {"WEAVIATE_URL": "http://127.0.0.1:9", "WEAVIATE_GRPC_URL": "http://127.0.0.1:9"}
    url = CliRunner().invoke(cli, ["status", "--url", "localhost:8080"], env=variables)
    assert url.stderr == "error: --url must be an http(s) URL such as http://localhost:8080, got 'localhost:8080'\n"
    grpc = CliRunner().invoke(cli, ["status", "--grpc-url", "grpc:1"], env=variables)
    assert grpc.stderr == "error: --grpc-url must be an http(s) URL such as http://localhost:8080, got 'grpc:1'\n"
    port = CliRunner().invoke(cli, ["status", "--grpc-port", "fifty"], env={"WEAVIATE_GRPC_PORT": "50051"})
    assert port.stderr.startswith("error: Invalid value for '--grpc-port': 'fifty' is not a valid integer."), port.stderr


def test_under_env_a_setting_of_the_environment_is_named_as_its_even_with_the_variable_set():
    from schemactl.connection import make_target
    from schemactl.environments import Chosen, Environment
    from schemactl.errors import ConnectionFailed

    dev = Chosen("dev", Environment(url="htp://127.0.0.1:9"))
    with pytest.raises(ConnectionFailed, match=r"^--url / url of environment dev must be an http\(s\) URL"):
        make_target("htp://127.0.0.1:9", 50051, None, (), environment=dev, variables=(("url", "WEAVIATE_URL"),))
    with pytest.raises(ConnectionFailed, match=r"^WEAVIATE_URL must be an http\(s\) URL"):
        make_target("htp://127.0.0.1:9", 50051, None, (), environment=Chosen("dev", Environment()),
                    variables=(("url", "WEAVIATE_URL"),))


def test_an_option_without_its_value_points_at_its_own_commands_help():
    """Before: "Option '--status' requires an argument. (schemactl --help for usage)", the
    group's help, which does not list the option."""
    result = run("tenants", "Docs", "--status")
    assert result.exit_code == 1
    assert result.stderr == "error: Option '--status' requires an argument. (schemactl tenants --help for usage)\n"


def test_the_pre_commit_hook_validates_a_commit_of_one_referencing_file(monkeypatch):
    """Before: the hook passed the staged files alone, so a commit changing only article.yaml
    failed on its reference to Author ("… which no file defines"), defined in author.yaml."""
    import yaml

    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    staged = ["schemas/article.yaml"]
    command = hook["entry"].split()[1:] + hook.get("args", []) + (staged if hook.get("pass_filenames", True) else [])
    monkeypatch.chdir(REPO)
    result = run(*command)
    assert result.exit_code == 0, result.output


def test_history_says_how_many_steps_an_interrupted_apply_did(monkeypatch):
    """Before: an apply killed during its second step was listed with both steps and "interrupted",
    nothing saying the first (Author's cutover) was done."""
    import json as _json

    from schemactl import api
    from schemactl.state import Record

    steps = _json.dumps([{"step": 1, "kind": "recreate", "collection": "Author"},
                         {"step": 2, "kind": "recreate", "collection": "Book"}])
    records = [Record("a", "c" * 64, "2026-12-07T10:00:00Z", "interrupted", "1.0", "ci", "{}", steps, [1]),
               Record("k", "e" * 64, "2026-12-07T10:30:00Z", "running", "1.0", "ci", "{}", steps, []),  # killed
               Record("b", "d" * 64, "2026-12-07T11:00:00Z", "applied", "1.0", "ci", "{}", steps, [1, 2])]
    monkeypatch.setattr(api, "history", lambda target: records)
    lines = run("history", "--url", "http://127.0.0.1:9").stdout.splitlines()
    assert "recreate Author, recreate Book [1 of 2 done]" in lines[0]
    assert "recreate Author, recreate Book [0 of 2 done]" in lines[1]
    assert lines[2].endswith("recreate Author, recreate Book  by ci")
