"""What the development aids share: a program from Debian's packages or built once from a Go module
(and cached), waiting for its port, and stopping it. Not part of schemactl."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def system_binary(name: str, usual_path: str, package: str, error: type[Exception]) -> str:
    """The installed program `name` (on PATH, else at `usual_path`); `error` naming the package."""
    found = shutil.which(name) or (usual_path if Path(usual_path).exists() else None)
    if found is None:
        raise error(f"{name} is not installed (Debian: apt-get install {package}; .ci/run installs it)")
    return found


def cached_go_build(binary: Path, what: str, build: Callable[[str], None], error: type[Exception], *,
                    log=sys.stderr) -> Path:
    """`binary` when it is cached; else `build(go)` makes it (once), said on `log` before and after."""
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    go = shutil.which("go")
    if go is None:
        raise error(f"`go` is not on PATH; Go >= 1.26 is needed to build {what}")
    binary.parent.mkdir(parents=True, exist_ok=True)
    print(f"building {what} (once; cached in {binary.parent}) ...", file=log, flush=True)
    started = time.monotonic()
    build(go)
    print(f"built in {time.monotonic() - started:.0f}s", file=log, flush=True)
    return binary


def listening(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


def stop(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM, and SIGKILL after `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
