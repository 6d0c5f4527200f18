from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from schemactl.connection import quiet_client_warnings

quiet_client_warnings()  # before weaviate-client is imported
import weaviate


def pytest_collection_modifyitems(items):
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def wipe(client: weaviate.WeaviateClient) -> None:
    """Delete every alias and collection: each test starts from an empty cluster."""
    for alias in client.alias.list_all():
        client.alias.delete(alias_name=alias)
    client.collections.delete_all()


@pytest.fixture
def client(weaviate_server, embedder):
    """A v4 client on a clean cluster; the embedder's counters start at zero."""
    connection = weaviate.connect_to_local(
        host="127.0.0.1", port=weaviate_server.ports.http, grpc_port=weaviate_server.ports.grpc)
    wipe(connection)
    embedder.reset()
    yield connection
    wipe(connection)
    connection.close()


@pytest.fixture
def cli_run(weaviate_server):
    """schemactl through CliRunner, pointed at the test server."""
    def run(*args: str, env: dict | None = None, stdin: str | None = None):
        from schemactl.cli import cli

        connection = ["--url", weaviate_server.url, "--grpc-port", str(weaviate_server.ports.grpc)]
        return CliRunner().invoke(cli, [*args, *connection], env=env, input=stdin, catch_exceptions=False)
    return run


@pytest.fixture
def files(tmp_path):
    """An editable copy of schemas/."""
    from tests.conftest import REPO

    target = tmp_path / "schemas"
    shutil.copytree(REPO / "schemas", target)
    return target


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


ALL_MODULES_ENV = {
    "ENABLE_MODULES": "",  # v1.39's default: every API-based module (43), as real clusters have them
    "OBJECTS_TTL_DELETE_SCHEDULE": "0 * * * *",  # object expiry can only be enabled with a schedule
    "ASYNC_INDEXING": "true",  # dynamic indexes need it
}


@pytest.fixture(scope="session")
def modules_server(tmp_path_factory):
    """A second server as v1.39 runs by default: every API-based module enabled."""
    from schemactl.dev import weaviate as testbed

    server = testbed.start(tmp_path_factory.mktemp("modules-data"), env=ALL_MODULES_ENV)
    yield server
    server.stop()


def apply_stopped_after(cli_run, monkeypatch, directory, sent, *args: str) -> list[str]:
    """An apply of `directory` stopped as SIGKILL stops it (no request after) once the request
    for which `sent(method, path, body)` is true has reached the server; the lock it leaves
    released. Returns the paths of the requests sent."""
    from schemactl.live import RestClient

    real, requests, stopped = RestClient.send, [], []

    def send(self, method, path, body, what):
        if stopped:
            raise KeyboardInterrupt
        answer = real(self, method, path, body, what)
        requests.append(path)
        stopped.extend([path] if sent(method, path, body) else [])
        return answer

    with monkeypatch.context() as patch:
        patch.setattr(RestClient, "send", send)
        assert cli_run("apply", str(directory), "--auto-approve", *args).exit_code != 0
    assert stopped and cli_run("force-unlock").exit_code == 0
    return requests


def apply_killed_once_it_deletes(cli_run, monkeypatch, directory, collection: str, *, after: bool = True) -> None:
    """An apply of `directory` (--allow-destructive) stopped as SIGKILL stops it (no request after)
    just after (`after`) or just before it deletes `collection`; the lock it leaves released."""
    from schemactl.live import RestClient

    real, stopped = RestClient.send, []

    def send(self, method, path, body, what):
        deleting = method == "DELETE" and path == f"/v1/schema/{collection}"
        if stopped or (deleting and not after):
            stopped.append(path)
            raise KeyboardInterrupt
        answer = real(self, method, path, body, what)
        stopped.extend([path] if deleting else [])
        return answer

    with monkeypatch.context() as patch:
        patch.setattr(RestClient, "send", send)
        assert cli_run("apply", str(directory), "--auto-approve", "--allow-destructive").exit_code != 0
    assert stopped and cli_run("force-unlock").exit_code == 0
