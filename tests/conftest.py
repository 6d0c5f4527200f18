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


HF_DEV_KEY = "hf_development_key_for_tests"


@pytest.fixture(scope="session")
def hosted(embedder, tmp_path_factory):
    """The impersonation of HF's hosted Inference API (a development aid), reached by the server's
    text2vec-huggingface module through HTTPS_PROXY with a CA made for this run."""
    from schemactl.dev.hosted import HostedApi

    api = HostedApi(embedder, tmp_path_factory.mktemp("hosted"), keys={HF_DEV_KEY}).start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def weaviate_server(tmp_path_factory, hosted):
    """One real weaviate-server for the whole run (built once and cached); its hosted-API calls
    reach the impersonation, with a development key."""
    from schemactl.dev import weaviate as testbed

    server = testbed.start(tmp_path_factory.mktemp("weaviate-data"),
                           env={**hosted.env(), "HUGGINGFACE_APIKEY": HF_DEV_KEY,
                                "RUNTIME_REINDEX_ENABLED": "true"})  # 1.39.3+: index tasks only with it
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def secrets_of_this_test_only():
    """Secrets registered for redaction while one test runs (CliRunner runs commands in this
    process) are forgotten after it: a word another test used as a key is not masked elsewhere."""
    from schemactl import redact

    before = set(redact._secrets), set(redact._short_secrets)
    yield
    for kept, was in zip((redact._secrets, redact._short_secrets), before):
        kept.clear()
        kept.update(was)
