"""Shared fixtures: a real Weaviate v1.39.0 and the dev embedding endpoint, started once per run."""
from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.dev.embedder import EmbeddingEndpoint

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def embedder():
    """The development embedding endpoint (not a model) on a free loopback port."""
    with EmbeddingEndpoint() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def weaviate_server(tmp_path_factory):
    """One real weaviate-server for the whole run (built once and cached)."""
    from schemactl.dev import weaviate as testbed

    server = testbed.start(tmp_path_factory.mktemp("weaviate-data"))
    yield server
    server.stop()
