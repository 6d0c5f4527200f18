"""Development aid for the test bed: a company's forward proxy, on loopback.

tinyproxy (Debian's package) listens on one loopback address and connects out from another, so a
server that serves only that second address is reachable only through the proxy. It tunnels TLS
with HTTP CONNECT, as corporate proxies do, and logs each tunnel. Not part of schemactl.
"""
from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import processes

LISTEN, OUTGOING = "127.0.0.4", "127.0.0.5"


class ForwardProxyError(RuntimeError):
    """tinyproxy is missing or would not start."""


@dataclass
class ForwardProxy:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{LISTEN}:{self.port}"

    def tunnels(self) -> list[str]:
        """host:port of each CONNECT the proxy was asked for, in order."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        marker = "): CONNECT "  # "... Request (file descriptor 5): CONNECT host:port HTTP/1.1"
        return [line.split(marker, 1)[1].split()[0] for line in text.splitlines() if marker in line]

    def stop(self) -> None:
        processes.stop(self.process)


def binary() -> str:
    return processes.system_binary("tinyproxy", "/usr/bin/tinyproxy", "tinyproxy-bin", ForwardProxyError)


def start(directory: Path, timeout: float = 10) -> ForwardProxy:
    """tinyproxy on LISTEN, connecting out from OUTGOING, until `stop()`."""
    directory.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind((LISTEN, 0))
        port = probe.getsockname()[1]
    log = directory / "tinyproxy.log"
    (directory / "tinyproxy.conf").write_text(
        f"Port {port}\nListen {LISTEN}\nBind {OUTGOING}\nTimeout 600\nMaxClients 50\nAllow 127.0.0.0/8\n"
        f"LogFile \"{log}\"\nLogLevel Info\nPidFile \"{directory}/tinyproxy.pid\"\n")
    with open(directory / "tinyproxy.out", "wb") as out:
        process = subprocess.Popen([binary(), "-d", "-c", str(directory / "tinyproxy.conf")],
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    proxy = ForwardProxy(process, port, log)
    deadline = time.monotonic() + timeout
    while not processes.listening(LISTEN, port):
        if process.poll() is not None or time.monotonic() > deadline:
            proxy.stop()
            raise ForwardProxyError(f"tinyproxy did not start: {(directory / 'tinyproxy.out').read_text()}")
        time.sleep(0.1)
    return proxy
