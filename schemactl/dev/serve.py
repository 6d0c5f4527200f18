"""`python -m schemactl.dev.serve`: the development embedding endpoint, and with --hosted-port the
impersonation of HF's hosted API in front of it. DEVELOPMENT AIDS, not a model host, not Hugging Face.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .embedder import EmbeddingEndpoint
from .hosted import HostedApi


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split()))  # the whole of it, not its first line
    parser.add_argument("--port", type=int, default=5555, help="the endpoint's port (default 5555)")
    parser.add_argument("--hosted-port", type=int, default=None,
                        help="also impersonate HF's hosted API through a proxy on this port (schemactl/dev/hosted.py)")
    parser.add_argument("--hosted-dir", default=".schemactl/hosted", help="where the proxy writes its CA")
    args = parser.parse_args(argv)
    endpoint = EmbeddingEndpoint(args.port)
    print(f"dev embedding endpoint (not a model) on http://127.0.0.1:{endpoint.port}/models/<name>", flush=True)
    if args.hosted_port is not None:
        hosted = HostedApi(endpoint, Path(args.hosted_dir).resolve(), port=args.hosted_port).start()
        settings = " ".join(f"{k}={v}" for k, v in hosted.env().items())
        print(f"impersonated HF hosted API (NOT Hugging Face); give the Weaviate server: {settings}", flush=True)
    try:
        endpoint._server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
