"""Development aid for the test bed: a deployment shaped like the clusters users run, on loopback.

nginx (Debian's package) terminates TLS with a certificate from a private CA made at start, in
front of a Weaviate the test bed started: REST on one address, gRPC on another, the same port on
both (as Weaviate Cloud serves `CLUSTER:443` and `grpc-CLUSTER:443`, and Kubernetes ingresses do).
Only loopback addresses are used. Not part of schemactl.
"""
from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import processes
from .certificates import issue

REST_HOST, GRPC_HOST = "127.0.0.2", "127.0.0.3"


class ProxyError(RuntimeError):
    """nginx is missing or would not start."""


@dataclass
class TlsProxy:
    process: subprocess.Popen
    port: int
    ca_file: Path
    directory: Path

    @property
    def rest_url(self) -> str:
        return f"https://{REST_HOST}:{self.port}"

    @property
    def grpc_url(self) -> str:
        return f"https://{GRPC_HOST}:{self.port}"

    def stop(self) -> None:
        processes.stop(self.process)


def nginx_binary() -> str:
    return processes.system_binary("nginx", "/usr/sbin/nginx", "nginx-light", ProxyError)


def make_ca_and_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) PEM files: a CA made now, and a
    certificate it signs for the proxy's loopback addresses."""
    issued = issue("schemactl test bed CA (development aid)", REST_HOST, addresses=(REST_HOST, GRPC_HOST), days=2)
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    for path, content in zip(paths, (issued.ca, issued.certificate, issued.key)):
        path.write_bytes(content)
    return paths


def config(directory: Path, port: int, http_port: int, grpc_port: int, certificate: Path, key: Path,
           only_from: str | None = None) -> str:
    """nginx's configuration; `only_from`: the one client address served (others get 403), as a
    cluster reachable only through a company proxy."""
    tls = f"ssl_certificate {certificate}; ssl_certificate_key {key};"
    if only_from:
        tls += f" allow {only_from}; deny all;"
    return f"""
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {directory}/body; proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi; uwsgi_temp_path {directory}/uwsgi; scgi_temp_path {directory}/scgi;
  client_max_body_size 0;
  server {{
    listen {REST_HOST}:{port} ssl; {tls}
    location / {{ proxy_pass http://127.0.0.1:{http_port}; proxy_read_timeout 300s; }}
  }}
  server {{
    listen {GRPC_HOST}:{port} ssl http2; {tls}
    location / {{ grpc_pass grpc://127.0.0.1:{grpc_port}; grpc_read_timeout 300s; grpc_send_timeout 300s; }}
  }}
}}
"""


def start(directory: Path, http_port: int, grpc_port: int, timeout: float = 20,
          only_from: str | None = None) -> TlsProxy:
    """nginx in front of Weaviate's `http_port` and `grpc_port`, until `stop()`."""
    directory.mkdir(parents=True, exist_ok=True)
    ca, certificate, key = make_ca_and_certificate(directory)
    port = _free_port_on_both()
    (directory / "nginx.conf").write_text(config(directory, port, http_port, grpc_port, certificate, key,
                                                 only_from))
    with open(directory / "nginx.out", "wb") as log:
        process = subprocess.Popen([nginx_binary(), "-p", str(directory), "-c", str(directory / "nginx.conf")],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    proxy = TlsProxy(process, port, ca, directory)
    deadline = time.monotonic() + timeout
    while not all(processes.listening(h, port) for h in (REST_HOST, GRPC_HOST)):
        if process.poll() is not None or time.monotonic() > deadline:
            proxy.stop()
            errors = (directory / "error.log").read_text() if (directory / "error.log").exists() else ""
            raise ProxyError(f"nginx did not start: {(directory / 'nginx.out').read_text()}{errors}")
        time.sleep(0.1)
    return proxy


def _free_port_on_both() -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((REST_HOST, 0))
            port = probe.getsockname()[1]
        try:
            with socket.socket() as other:
                other.bind((GRPC_HOST, port))
            return port
        except OSError:
            continue
    raise ProxyError("no port free on both loopback addresses")
