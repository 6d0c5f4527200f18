"""Development embedding endpoint speaking Hugging Face's feature-extraction protocol.

DEVELOPMENT AND TEST AID. `/models/sentence-transformers/all-MiniLM-L6-v2` is the real model
(schemactl/dev/model.py, 384 dims). Every other path is a fast stand-in, not a model: vectors are
signed feature hashes of the words in a text, so texts that share words are close, which is
enough for nearText/hybrid to behave sensibly in big tests. Each such path `/models/<name>` is a
different "model": the name seeds the hashing and picks the dimension (`<anything>-<dim>`, e.g.
`/models/words-96`; default 64).

Weaviate's text2vec-huggingface module POSTs `{"inputs": [...], "options": {...}}` to its
`endpointURL` and expects `[[float, ...], ...]` back, one vector per input.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_DIMENSIONS = 64
_WORD = re.compile(r"[a-z0-9]+")
_DIM_SUFFIX = re.compile(r"-(\d{1,4})$")


def model_dimensions(model: str) -> int:
    """Dimension of a dev model: a trailing `-<n>` in its name, else 64."""
    match = _DIM_SUFFIX.search(model)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else DEFAULT_DIMENSIONS


def embed(text: str, model: str) -> list[float]:
    """Deterministic unit vector for `text` under `model`: signed hashing of its words."""
    dims = model_dimensions(model)
    vector = [0.0] * dims
    for word in _WORD.findall(text.lower()):
        digest = hashlib.blake2b(f"{model}\0{word}".encode(), digest_size=8).digest()
        slot = int.from_bytes(digest[:4], "little") % dims
        vector[slot] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:  # no words: a fixed, model-specific direction keeps the reply valid
        vector[0], norm = 1.0, 1.0
    return [x / norm for x in vector]


def vectors(model: str, texts: list[str]) -> tuple[int, object]:
    """(status, reply) for a batch: the real all-MiniLM-L6-v2 under its own name, hashed words
    under every other name."""
    from . import model as real

    if model.removesuffix("/") != real.NAME:
        return 200, [embed(text, model) for text in texts]
    try:
        return 200, real.embed_texts(texts)
    except real.MissingModel as error:
        return 503, {"error": f"development endpoint: {error}"}


@dataclass
class Faults:
    """Fail a share of requests with the given HTTP status (seeded, reproducible)."""

    rate: float = 0.0
    statuses: tuple[int, ...] = (500,)
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def pick(self) -> int | None:
        if self.rate > 0 and self.rng.random() < self.rate:
            return self.rng.choice(self.statuses)
        return None


@dataclass
class Stats:
    """What the endpoint embedded, per model path."""

    requests: int = 0
    texts: int = 0
    failed: int = 0
    per_model: dict[str, int] = field(default_factory=dict)
    last_options: dict = field(default_factory=dict)
    seen_texts: list[str] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    # Weaviate opens a connection per concurrent embedding request. With the standard library's
    # listen backlog of 5, bursts overflowed the accept queue and the kernel's SYN-ACK retries
    # held single writes for 1, 3, 7, 15 or 31 s (the 22-34 s stalls seen during migrations).
    request_queue_size = 1024
    daemon_threads = True


class EmbeddingEndpoint:
    """A threaded HTTP server on 127.0.0.1; use as a context manager or start()/stop()."""

    def __init__(self, port: int = 0, *, keep_texts: int = 10_000):
        self.stats = Stats()
        self.faults = Faults()
        self._keep_texts = keep_texts
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, model: str) -> str:
        """The endpointURL Weaviate should be given for `model`."""
        return f"http://127.0.0.1:{self.port}/models/{model}"

    def start(self) -> EmbeddingEndpoint:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> EmbeddingEndpoint:  # noqa: PYI034 - start() returns self
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reset(self) -> None:
        with self._lock:
            self.stats = Stats()
            self.faults = Faults()

    def fail(self, rate: float, statuses: tuple[int, ...] = (500, 429), seed: int = 0) -> None:
        """Fail about `rate` of the embedding requests from now on."""
        with self._lock:
            self.faults = Faults(rate, tuple(statuses), random.Random(seed))

    def handle_embed(self, model: str, body: dict) -> tuple[int, object]:
        inputs = body.get("inputs")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not all(isinstance(t, str) for t in inputs):
            return 400, {"error": "'inputs' must be a string or a list of strings"}
        with self._lock:
            status = self.faults.pick()
            self.stats.requests += 1
            if status is not None:
                self.stats.failed += 1
                return status, {"error": f"injected failure ({status}) by the dev endpoint"}
            self.stats.texts += len(inputs)
            self.stats.per_model[model] = self.stats.per_model.get(model, 0) + len(inputs)
            self.stats.last_options = dict(body.get("options") or {})
            room = self._keep_texts - len(self.stats.seen_texts)
            self.stats.seen_texts.extend(inputs[: max(room, 0)])
        return vectors(model, inputs)

    def stats_json(self) -> dict:
        with self._lock:
            s = self.stats
            return {"requests": s.requests, "texts": s.texts, "failed": s.failed,
                    "per_model": dict(s.per_model), "last_options": dict(s.last_options)}


class JsonHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with JSON replies, quiet: tests and quickstart read the counters instead of logs."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _reply(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _handler_for(endpoint: EmbeddingEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _body(self) -> dict | None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return None
            return body if isinstance(body, dict) else None

        def do_GET(self) -> None:
            if self.path == "/stats":
                return self._reply(200, endpoint.stats_json())
            if self.path == "/":
                return self._reply(200, {"about": "schemactl development embedding endpoint; not a model"})
            self._reply(404, {"error": f"no such path {self.path}"})

        def do_POST(self) -> None:
            body = self._body()
            if body is None:
                return self._reply(400, {"error": "body must be a JSON object"})
            if self.path == "/reset":
                endpoint.reset()
                return self._reply(200, {})
            if self.path == "/faults":
                endpoint.fail(float(body.get("rate", 0)), tuple(body.get("statuses", (500, 429))))
                return self._reply(200, {})
            if not self.path.startswith("/models/") or len(self.path) <= len("/models/"):
                return self._reply(404, {"error": "POST to /models/<name>"})
            self._reply(*endpoint.handle_embed(self.path[len("/models/"):], body))

    return Handler
