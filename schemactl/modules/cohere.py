"""text2vec-cohere. v1.39.0 also reports a default `baseUrl`,
which the module does not read when `baseURL` is set."""
from __future__ import annotations

from .base import Setting, text2vec

MODULE = text2vec(
    "text2vec-cohere",
    Setting("model", default="embed-multilingual-v3.0"),
    Setting("dimensions", int),
    Setting("truncate", default="END", choices=("NONE", "START", "END", "LEFT", "RIGHT")),
    Setting("baseURL"),
    ignored=(("baseUrl", "https://api.cohere.ai"),),  # filled in by the server; the module reads baseURL
    class_name=True, key_header="X-Cohere-Api-Key",
)
