"""Development aid for the test bed: an S3 store on loopback, for Weaviate's offload-s3 module.

SeaweedFS (Apache-2.0) serves S3 on 127.0.0.1 with one static identity from a config file, so a
test-bed Weaviate started with `weaviate_env()` can freeze (offload) tenants into it and thaw them.
`weed` is built once from the Go module proxy and cached. `go install` refuses the module (its go.mod
has a replace directive), so it is built as a dependency of a throw-away main module whose go.mod
repeats SeaweedFS's own. Not part of schemactl.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import processes

VERSION = "v0.0.0-20261109003541-7506e5f91cd6"  # `weed version`: 4.53
MODULE = "github.com/seaweedfs/seaweedfs"
BUCKET = "weaviate-offload"
ACCESS_KEY, SECRET_KEY = "schemactl-test", "schemactl-test-secret"  # loopback only


class S3StoreError(RuntimeError):
    """weed could not be built or would not start."""


def cache_dir() -> Path:
    root = os.environ.get("SCHEMACTL_CACHE") or Path.home() / ".cache" / "schemactl"
    return Path(root) / f"seaweedfs-{VERSION}"


def binary(*, log=sys.stderr) -> Path:
    """The cached `weed`, built when absent (2-4 minutes, ~2.6 GB of memory; the binary is ~233 MB)."""
    weed = cache_dir() / "weed"

    def build(go: str) -> None:
        env = dict(os.environ, CGO_ENABLED="0")
        with tempfile.TemporaryDirectory(prefix="weedbuild-") as work:
            source = Path(json.loads(_go(go, ["mod", "download", "-json", f"{MODULE}@{VERSION}"], work, env))["Dir"])
            go_mod = (source / "go.mod").read_text().replace(f"module {MODULE}\n", "module weedbuild\n", 1)
            Path(work, "go.mod").write_text(go_mod)
            Path(work, "go.sum").write_bytes((source / "go.sum").read_bytes())
            _go(go, ["mod", "edit", f"-require={MODULE}@{VERSION}"], work, env)
            partial = weed.with_suffix(".partial")
            _go(go, ["build", "-mod=mod", "-o", str(partial), f"{MODULE}/weed"], work, env)
            partial.replace(weed)

    return processes.cached_go_build(weed, f"SeaweedFS's weed {VERSION}", build, S3StoreError, log=log)


def _go(go: str, args: list[str], directory: str, env: dict[str, str]) -> str:
    result = subprocess.run([go, *args], cwd=directory, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise S3StoreError(f"go {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    return result.stdout


@dataclass
class S3Store:
    process: subprocess.Popen
    port: int
    directory: Path

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def weaviate_env(self) -> dict[str, str]:
        """What a Weaviate needs to offload tenants here (the AWS SDK's variables carry the identity)."""
        return {"ENABLE_MODULES": "offload-s3", "OFFLOAD_S3_ENDPOINT": self.endpoint, "OFFLOAD_S3_BUCKET": BUCKET,
                "OFFLOAD_S3_BUCKET_AUTO_CREATE": "true", "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": "us-east-1"}

    def stop(self, timeout: float = 3) -> None:
        """SIGTERM, then SIGKILL: weed takes ~30 s to stop politely, and its data is thrown away."""
        processes.stop(self.process, grace=timeout)


def start(directory: Path, timeout: float = 60) -> S3Store:
    """weed (master, volume, filer and S3 gateway) on free 127.0.0.1 ports, until `stop()`."""
    from .weaviate import free_ports

    weed = binary()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "data").mkdir(exist_ok=True)
    config = directory / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "schemactl_test", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}))
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
    command = [
        str(weed), "server", f"-dir={directory / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=0",
        "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={directory / 'filer.sock'}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-s3.localSocket={directory / 's3.sock'}", f"-s3.config={config}",
    ]
    with open(directory / "weed.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    store = S3Store(process, s3, directory)
    deadline = time.monotonic() + timeout
    while not _answers(store.endpoint):  # 403 to an anonymous request once the gateway is up
        if process.poll() is not None or time.monotonic() > deadline:
            store.stop()
            tail = "\n".join((directory / "weed.log").read_text(errors="replace").splitlines()[-20:])
            raise S3StoreError(f"weed did not start:\n{tail}")
        time.sleep(0.2)
    return store


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemactl.dev.s3_store", description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="build and cache weed (no-op when cached)")
    args = parser.parse_args(argv)
    if not args.build:
        parser.print_help()
        return 2
    try:
        print(binary())
    except S3StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
