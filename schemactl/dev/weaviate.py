"""Build, start and stop a local Weaviate — one node, or an N-node cluster — for development and tests.

The server is built once from its Go module and cached:
  CGO_ENABLED=0 GOBIN=<cache> go install github.com/weaviate/weaviate/cmd/weaviate-server@<version>
Every server gets its own data dir and free loopback ports, so several can run side by side.
A cluster's nodes run on loopback too (CLUSTER_IN_LOCALHOST): node i is `node<i>`, with its own
ports; a test can SIGKILL one node and start it again on the same ports and data.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import processes

DEFAULT_VERSION = "v1.39.3"  # the newest 1.39 release that builds here (v1.39.4+ need modules the proxy lacks)
# SCHEMACTL_WEAVIATE=v1.38.8 runs the test bed (and so the suite) on another release
WEAVIATE_VERSION = os.environ.get("SCHEMACTL_WEAVIATE") or DEFAULT_VERSION
GO_PACKAGE = "github.com/weaviate/weaviate/cmd/weaviate-server"


class TestbedError(RuntimeError):
    """The local server could not be built or started."""


def cache_dir() -> Path:
    root = os.environ.get("SCHEMACTL_CACHE") or Path.home() / ".cache" / "schemactl"
    return Path(root) / f"weaviate-{WEAVIATE_VERSION}"


def binary_path() -> Path:
    return cache_dir() / "weaviate-server"


def ensure_binary(*, log=sys.stderr) -> Path:
    """Return the cached server binary, building it with `go install` when absent."""
    binary = binary_path()

    def build(go: str) -> None:
        env = dict(os.environ, CGO_ENABLED="0", GOBIN=str(binary.parent))
        command = [go, "install", f"{GO_PACKAGE}@{WEAVIATE_VERSION}"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not binary.is_file():
            raise TestbedError(f"{' '.join(command)} failed:\n{result.stderr[-4000:]}")

    return processes.cached_go_build(binary, f"Weaviate {WEAVIATE_VERSION}", build, TestbedError, log=log)


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (held open together so none repeats)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class Ports:
    http: int
    grpc: int
    gossip: int
    data: int
    raft: int
    raft_rpc: int

    @classmethod
    def pick(cls, http: int | None = None, grpc: int | None = None) -> Ports:
        spare = free_ports(6)
        return cls(http or spare[0], grpc or spare[1], *spare[2:])

    @classmethod
    def pick_cluster_node(cls, taken: set[int]) -> Ports:
        """Ports for a cluster node: with CLUSTER_IN_LOCALHOST the data port must be gossip + 1
        and the Raft RPC port Raft + 1, so it needs four consecutive free ports."""
        for _ in range(200):
            base = free_ports(1)[0]
            block = set(range(base, base + 4))
            if base + 4 < 65535 and not block & taken and all(_port_free(p) for p in block):
                http, grpc = free_ports(2)
                if not {http, grpc} & (taken | block):
                    return cls(http, grpc, gossip=base + 2, data=base + 3, raft=base, raft_rpc=base + 1)
        raise TestbedError("no four consecutive free loopback ports for a cluster node")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def server_env(data_dir: Path, ports: Ports, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PERSISTENCE_DATA_PATH": str(data_dir),
        "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "true",
        "DEFAULT_VECTORIZER_MODULE": "none",
        "ENABLE_MODULES": "text2vec-huggingface",
        "CLUSTER_HOSTNAME": "node1",
        "CLUSTER_ADVERTISE_ADDR": "127.0.0.1",
        "CLUSTER_BIND_ADDR": "127.0.0.1",
        "CLUSTER_GOSSIP_BIND_PORT": str(ports.gossip),
        "CLUSTER_DATA_BIND_PORT": str(ports.data),
        "RAFT_PORT": str(ports.raft),
        "RAFT_INTERNAL_RPC_PORT": str(ports.raft_rpc),
        "RAFT_BOOTSTRAP_EXPECT": "1",
        "GRPC_PORT": str(ports.grpc),
        "DISABLE_TELEMETRY": "true",
        "GO_PROFILING_DISABLE": "true",
        "QUERY_DEFAULTS_LIMIT": "25",
        "LOG_LEVEL": "warning",
    }
    env.update(extra or {})
    return {k: v for k, v in env.items() if v != ""}  # an empty value unsets a default


@dataclass
class Server:
    """A running weaviate-server process."""

    process: subprocess.Popen
    ports: Ports
    data_dir: Path
    log_path: Path
    host: str = "127.0.0.1"
    env: dict[str, str] | None = None  # what it was started with beyond the defaults (kept for restarts)
    name: str = "node1"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.ports.http}"

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM, then SIGKILL if it will not go."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def kill(self) -> None:
        """SIGKILL: the node dies as in a crash, nothing flushed."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def start(data_dir: Path, *, http_port: int | None = None, grpc_port: int | None = None,
          env: dict[str, str] | None = None, timeout: float = 120, detach: bool = False,
          ports: Ports | None = None, host: str = "127.0.0.1") -> Server:
    """Start a node on loopback (127.0.0.1, or ::1) and wait until /v1/.well-known/ready answers."""
    binary = ensure_binary()
    data_dir.mkdir(parents=True, exist_ok=True)
    ports = ports or Ports.pick(http_port, grpc_port)
    log_path = data_dir / "weaviate.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [str(binary), "--host", host, "--port", str(ports.http), "--scheme", "http"],
            env=server_env(data_dir, ports, env), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=detach,
        )
    server = Server(process, ports, data_dir, log_path, host, env, (env or {}).get("CLUSTER_HOSTNAME", "node1"))
    if timeout:
        wait_ready(server, timeout)
    return server


def restart(server: Server, timeout: float = 120) -> Server:
    """Stop a node and start it again on the same ports, data and settings (a restart mid-work)."""
    server.stop()
    return start(server.data_dir, ports=server.ports, timeout=timeout, host=server.host, env=server.env)


@dataclass
class Cluster:
    """N nodes on loopback forming one cluster; `nodes[0]` is node1."""

    nodes: list[Server]

    @property
    def url(self) -> str:
        return self.nodes[0].url

    def node(self, name: str) -> Server:
        return next(n for n in self.nodes if n.name == name)

    def kill(self, name: str) -> None:
        self.node(name).kill()

    def start_again(self, name: str, timeout: float = 120) -> Server:
        """Start a stopped or killed node on its ports and data."""
        old = self.node(name)
        old.stop()
        new = start(old.data_dir, ports=old.ports, timeout=timeout, host=old.host, env=old.env)
        self.nodes[self.nodes.index(old)] = new
        return new

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def cluster_env(index: int, all_ports: list[Ports]) -> dict[str, str]:
    # node i's own ports come from Ports (server_env); these settings tie the nodes together
    """The settings that make node `index` (1-based) one of `len(all_ports)` nodes on loopback."""
    env = {
        "CLUSTER_HOSTNAME": f"node{index}",
        "CLUSTER_IN_LOCALHOST": "true",
        # IPv4 loopback: advertised as the machine's IPv6 address, v1.39's replica movement fails
        # ("invalid target address fd00::2:40432 ... too many colons in address")
        "CLUSTER_ADVERTISE_ADDR": "127.0.0.1",
        "CLUSTER_BIND_ADDR": "127.0.0.1",
        "RAFT_JOIN": ",".join(f"node{i}:{p.raft}" for i, p in enumerate(all_ports, 1)),
        "RAFT_BOOTSTRAP_EXPECT": str(len(all_ports)),
    }
    if index > 1:
        env["CLUSTER_JOIN"] = f"127.0.0.1:{all_ports[0].gossip}"
    return env


def start_cluster(data_dir: Path, nodes: int = 3, *, env: dict[str, str] | None = None, timeout: float = 180,
                  detach: bool = False, http_port: int | None = None, grpc_port: int | None = None,
                  attempts: int = 3) -> Cluster:
    """Start `nodes` nodes together (they elect a leader once all have joined) and wait for all.
    A port taken between picking and binding (another process's outgoing connection) is a race
    on any machine: then it starts again on other ports."""
    for attempt in range(1, attempts + 1):
        try:
            return _start_cluster_once(data_dir, nodes, env, timeout, detach, http_port, grpc_port)
        except TestbedError as error:
            if "address already in use" not in str(error) or attempt == attempts:
                raise
            shutil.rmtree(data_dir, ignore_errors=True)
    raise AssertionError("unreachable")


def _start_cluster_once(data_dir: Path, nodes: int, env: dict[str, str] | None, timeout: float, detach: bool,
                        http_port: int | None, grpc_port: int | None) -> Cluster:
    all_ports: list[Ports] = []
    taken: set[int] = {p for p in (http_port, grpc_port) if p}
    for i in range(nodes):
        ports = Ports.pick_cluster_node(taken)
        if i == 0:
            ports.http, ports.grpc = http_port or ports.http, grpc_port or ports.grpc
        taken |= {ports.http, ports.grpc, ports.raft, ports.raft_rpc, ports.gossip, ports.data}
        all_ports.append(ports)
    servers: list[Server] = []
    for i, p in enumerate(all_ports, 1):
        servers.append(start(data_dir / f"node{i}", ports=p, env={**(env or {}), **cluster_env(i, all_ports)},
                             timeout=0, detach=detach))
        if i == 1:  # the others join node1's gossip port: 1.37.5 gives up for good when it is not open yet
            _wait_listening(p.gossip, servers[0], JOIN_WAIT)
    cluster = Cluster(servers)
    try:
        for server in servers:
            wait_ready(server, timeout)
    except TestbedError as error:
        cluster.stop()
        logs = "\n".join(_tail(s.log_path, 5) for s in servers)
        raise TestbedError(f"{error}\n{logs}") from None
    return cluster


JOIN_WAIT = 30.0  # seconds for node1's gossip port to open


def _wait_listening(port: int, server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.process.poll() is None:
        if not _port_free(port):
            return
        time.sleep(0.05)


def wait_ready(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise TestbedError(f"weaviate-server exited with {server.process.returncode}:\n"
                               + _tail(server.log_path))
        if is_ready(server.url):
            return
        time.sleep(0.2)
    server.stop()
    raise TestbedError(f"weaviate-server not ready after {timeout:.0f}s:\n" + _tail(server.log_path))


def is_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/v1/.well-known/ready", timeout=2) as reply:
            return 200 <= reply.status < 300
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# ---- command line: scripts/weaviate build|start|stop|status -------------------------------

def _state_file(data_dir: Path) -> Path:
    return data_dir / "schemactl-dev-server.json"


def _cmd_start(args) -> int:
    data_dir = Path(args.data_dir).resolve()
    state = _state_file(data_dir)
    if state.exists():
        known = json.loads(state.read_text())
        if all(_alive(n["pid"]) for n in _nodes(known)) and is_ready(known["url"]):
            print(f"already running: {known['url']} (grpc {known['grpc_port']}, {len(_nodes(known))} node(s))")
            return 0
    extra = dict(pair.split("=", 1) for pair in args.env)
    if args.nodes > 1:
        servers = start_cluster(data_dir, args.nodes, env=extra, detach=True, http_port=args.port,
                                grpc_port=args.grpc_port).nodes
    else:
        servers = [start(data_dir, http_port=args.port, grpc_port=args.grpc_port, env=extra, detach=True)]
    first = servers[0]
    state.write_text(json.dumps({"pid": first.process.pid, "url": first.url, "grpc_port": first.ports.grpc,
                                 "nodes": [{"name": s.name, "pid": s.process.pid, "url": s.url,
                                            "grpc_port": s.ports.grpc} for s in servers]}))
    for server in servers:
        print(f"Weaviate {WEAVIATE_VERSION} {server.name} ready at {server.url} (grpc {server.ports.grpc}, "
              f"pid {server.process.pid}, data {server.data_dir})")
    return 0


def _nodes(known: dict) -> list[dict]:
    return known.get("nodes") or [{"name": "node1", "pid": known["pid"]}]


def _cmd_stop(args) -> int:
    state = _state_file(Path(args.data_dir).resolve())
    if not state.exists():
        print("not running")
        return 0
    for node in _nodes(json.loads(state.read_text())):
        _stop_pid(node["pid"])
        print(f"stopped {node['name']} (pid {node['pid']})")
    state.unlink()
    return 0


def _stop_pid(pid: int) -> None:
    if not _alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(150):
        if not _alive(pid):
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)


def _env_pair(text: str) -> str:
    if "=" not in text or not text.split("=", 1)[0]:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return text


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie (exited, not yet reaped) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/weaviate", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build and cache weaviate-server (no-op when cached)")
    for name in ("start", "stop"):
        p = sub.add_parser(name, help=f"{name} a detached local node")
        p.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "schemactl-weaviate"))
        if name == "start":
            p.add_argument("--port", type=int, default=None, help="HTTP port (default: a free one)")
            p.add_argument("--grpc-port", type=int, default=None, help="gRPC port (default: a free one)")
            p.add_argument("--nodes", type=int, default=1, choices=range(1, 10), metavar="N",
                           help="nodes in the cluster (default 1); --port/--grpc-port are node1's")
            p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", type=_env_pair,
                           help="an environment variable for the server (repeatable)")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            print(ensure_binary())
            return 0
        return _cmd_start(args) if args.command == "start" else _cmd_stop(args)
    except TestbedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
