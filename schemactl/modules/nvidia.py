"""text2vec-nvidia. v1.39.0 also reports a default `baseUrl`,
which the module does not read when `baseURL` is set."""
from __future__ import annotations

from .base import Setting, text2vec

MODULE = text2vec(
    "text2vec-nvidia",
    Setting("model", default="nvidia/nv-embed-v1"),
    Setting("truncate", default="NONE", choices=("NONE", "START", "END")),
    Setting("baseURL"),
    ignored=(("baseUrl", "https://integrate.api.nvidia.com"),),  # filled in by the server; the module reads baseURL
    class_name=False, key_header="X-Nvidia-Api-Key",
)
