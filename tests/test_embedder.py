"""The dev embedding endpoint's contract, over real HTTP (no Weaviate needed)."""
from __future__ import annotations

import json
import math
import urllib.error
import urllib.request

from schemactl.dev.embedder import embed


def post(url: str, body: dict) -> tuple[int, object]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b))


def test_feature_extraction_protocol(embedder):
    status, vectors = post(embedder.url("words-96"), {"inputs": ["a b", "c"], "options": {"use_gpu": True}})
    assert status == 200
    assert [len(v) for v in vectors] == [96, 96]
    assert math.isclose(sum(x * x for x in vectors[0]), 1.0, rel_tol=1e-9)
    assert embedder.stats.last_options == {"use_gpu": True}


def test_models_differ_by_path_and_are_deterministic():
    assert embed("red fox", "m1-64") == embed("red fox", "m1-64")
    assert embed("red fox", "m1-64") != embed("red fox", "m2-64")
    assert len(embed("red fox", "m1")) == 64


def test_shared_words_bring_texts_closer():
    query = embed("quick brown fox", "words-256")
    near = embed("the brown fox jumps", "words-256")
    far = embed("violet ocean tide", "words-256")
    assert cosine(query, near) > cosine(query, far)


def test_counts_texts_and_injects_failures(embedder):
    embedder.reset()
    post(embedder.url("x"), {"inputs": ["one", "two", "three"]})
    assert (embedder.stats.requests, embedder.stats.texts) == (1, 3)
    embedder.fail(1.0, statuses=(429,))
    status, body = post(embedder.url("x"), {"inputs": ["four"]})
    assert status == 429 and "injected failure" in body["error"]
    assert embedder.stats.texts == 3
    embedder.reset()


def test_bad_body_is_a_400(embedder):
    status, body = post(embedder.url("x"), {"inputs": [1, 2]})
    assert status == 400 and "inputs" in body["error"]
