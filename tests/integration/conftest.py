from __future__ import annotations

import pytest

import schemactl.connection  # noqa: F401  (quiets weaviate-client's import-time warning)
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
