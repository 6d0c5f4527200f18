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
