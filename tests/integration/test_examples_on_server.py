"""Every example in schemas/ creates on the real server a collection whose REST JSON matches it."""
from __future__ import annotations

import json
import urllib.request

import pytest

from schemactl.rest_json import to_rest
from schemactl.validate import validate_paths
from tests.conftest import REPO

EXAMPLES = validate_paths([REPO / "schemas"])
# Referenced collections first, so cross-references resolve on creation.
ORDER = sorted(EXAMPLES.collections, key=lambda n: any(
    p.is_reference for p in EXAMPLES.collections[n].properties))


def live_class(server, name: str) -> dict:
    with urllib.request.urlopen(f"{server.url}/v1/schema/{name}") as reply:
        return json.loads(reply.read())


def mismatches(expected, actual, path="") -> list[str]:
    """Where `actual` differs from `expected`, looking only at what `expected` sets."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected a mapping, got {actual!r}"]
        return [m for k, v in expected.items() for m in mismatches(v, actual.get(k), f"{path}.{k}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        return [m for i, (e, a) in enumerate(zip(expected, actual)) for m in mismatches(e, a, f"{path}[{i}]")]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def test_examples_are_valid():
    assert EXAMPLES.ok, [str(f) for f in EXAMPLES.findings]
    assert len(EXAMPLES.collections) >= 4


@pytest.mark.parametrize("name", ORDER)
def test_example_creates_matching_collection(name, client, weaviate_server):
    for dependency in ORDER[: ORDER.index(name)]:
        client.collections.create_from_dict(to_rest(EXAMPLES.collections[dependency]))
    body = to_rest(EXAMPLES.collections[name])
    client.collections.create_from_dict(body)
    assert mismatches(body, live_class(weaviate_server, name)) == []
