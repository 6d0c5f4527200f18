"""An impersonation of Hugging Face's hosted Inference API, for Weaviate's real
text2vec-huggingface module in `model` / `passageModel` mode on a machine that cannot reach HF.

DEVELOPMENT AND TEST AID — NOT HUGGING FACE. Weaviate's module uses Go's default HTTP transport,
so with `HTTPS_PROXY` pointing here and `SSL_CERT_FILE` naming the certificate authority this
makes at start (both given only to the Weaviate process: `env()`), its calls to
router.huggingface.co arrive here: the proxy accepts CONNECT for HF's hosts only, terminates TLS
with a certificate from that CA, and answers in HF's format. Behaviour as HF documents it: the
Bearer key is checked; a model that is "loading" answers 503 `{"error": "... is currently
loading", "estimated_time": N}` unless `wait_for_model` is set (then the answer waits); 429 can
be injected. Embeddings come from the shared development endpoint (the real all-MiniLM-L6-v2
under its own name, hashed words for the other names), which also counts them.
"""
from __future__ import annotations

import json
import re
import socketserver
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from .certificates import issue
from .embedder import EmbeddingEndpoint, JsonHandler

HOSTS = ("router.huggingface.co", "api-inference.huggingface.co")
FEATURE_EXTRACTION = re.compile(r"^/hf-inference/models/(?P<model>.+?)/pipeline/feature-extraction/?$")


class HostedApi:
    """The proxy and the impersonated API; `env()` is what the Weaviate process needs."""

    def __init__(self, endpoint: EmbeddingEndpoint, directory: Path, keys: set[str] | None = None, port: int = 0):
        self.endpoint = endpoint
        self.keys = keys  # None: any key, or none, is accepted
        self.loading: dict[str, float] = {}  # model -> monotonic time its loading ends
        self.rate_limited = 0  # answer 429 to this many of the next requests
        self.log: list[dict] = []  # one entry per request: model, texts, options, had_key (never the key)
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)
        self.ca_file = directory / "hosted-ca.pem"
        self._tls = _tls_context(directory, self.ca_file)
        self._server = _Proxy(("127.0.0.1", port), _proxy_handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def env(self) -> dict[str, str]:
        return {"HTTPS_PROXY": f"http://127.0.0.1:{self.port}", "SSL_CERT_FILE": str(self.ca_file),
                "NO_PROXY": "127.0.0.1,localhost,::1"}

    def start(self) -> HostedApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.loading.clear()
            self.rate_limited = 0
            self.log.clear()

    def load_slowly(self, model: str, seconds: float) -> None:
        """`model` answers "currently loading" for the next `seconds`."""
        with self._lock:
            self.loading[model] = time.monotonic() + seconds

    def answer(self, model: str, body: dict, authorization: str | None) -> tuple[int, object]:
        """HF's reply to one feature-extraction request."""
        key = (authorization or "").removeprefix("Bearer ").strip() or None
        options = body.get("options") or {}
        inputs = body.get("inputs")
        with self._lock:
            self.log.append({"model": model, "texts": len(inputs) if isinstance(inputs, list) else 1,
                             "options": dict(options), "had_key": key is not None})
            if self.keys is not None and key not in self.keys:
                return 401, {"error": "Invalid credentials in Authorization header"}
            if self.rate_limited > 0:
                self.rate_limited -= 1
                return 429, {"error": "Rate limit reached. You reached free usage limit (reset hourly)."}
            ready_at = self.loading.get(model, 0.0)
        wait = ready_at - time.monotonic()
        if wait > 0:
            if not options.get("wait_for_model"):
                return 503, {"error": f"Model {model} is currently loading", "estimated_time": round(wait, 1)}
            time.sleep(wait)
        return self.endpoint.handle_embed(model, body)


class _Proxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _proxy_handler(api: HostedApi) -> type[socketserver.StreamRequestHandler]:
    class Connect(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            request = self.rfile.readline().decode("latin-1").split()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # the CONNECT request's headers
            if len(request) < 2 or request[0] != "CONNECT" or request[1].rsplit(":", 1)[0] not in HOSTS:
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return  # only Hugging Face's hosts: nothing else is reachable through here
            self.wfile.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            self.wfile.flush()
            try:
                tls = api._tls.wrap_socket(self.connection, server_side=True)
            except (ssl.SSLError, OSError):
                return
            _api_handler(api)(tls, self.client_address, self.server)
    return Connect


def _api_handler(api: HostedApi) -> type[BaseHTTPRequestHandler]:
    class Api(JsonHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._reply(400, {"error": "body must be JSON"})
            match = FEATURE_EXTRACTION.match(self.path)
            if match is None or not isinstance(body, dict):
                return self._reply(404, {"error": f"no such path {self.path} (development aid)"})
            self._reply(*api.answer(match["model"], body, self.headers.get("Authorization")))
    return Api


def _tls_context(directory: Path, ca_file: Path) -> ssl.SSLContext:
    """A CA made now (written to `ca_file`) and a certificate it signs for HF's hosts."""
    issued = issue("schemactl development CA (not Hugging Face)", HOSTS[0], hosts=HOSTS, addresses=("127.0.0.1",))
    ca_file.write_bytes(issued.ca)
    chain = directory / "hosted-leaf.pem"
    chain.write_bytes(issued.certificate + issued.key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return context
