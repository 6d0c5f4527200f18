"""text2vec-nvidia. v1.39.0 reports its base URL as `baseUrl`."""
from __future__ import annotations

from .base import Setting, text2vec

MODULE = text2vec(
    "text2vec-nvidia",
    Setting("model", default="nvidia/nv-embed-v1"),
    Setting("truncate", default="NONE", choices=("NONE", "START", "END")),
    Setting("baseUrl", default="https://integrate.api.nvidia.com"),
    class_name=False,
)
