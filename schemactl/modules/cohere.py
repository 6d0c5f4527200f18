"""text2vec-cohere. v1.39.0 reports its base URL as `baseUrl`."""
from __future__ import annotations

from .base import Setting, text2vec

MODULE = text2vec(
    "text2vec-cohere",
    Setting("model", default="embed-multilingual-v3.0"),
    Setting("dimensions", int),
    Setting("truncate", default="END", choices=("NONE", "START", "END", "LEFT", "RIGHT")),
    Setting("baseUrl", default="https://api.cohere.ai"),
    class_name=True,
)
