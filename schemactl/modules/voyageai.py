"""text2vec-voyageai."""
from __future__ import annotations

from .base import Setting, text2vec

MODULE = text2vec(
    "text2vec-voyageai",
    Setting("model", default="voyage-3"),
    Setting("dimensions", int),
    Setting("truncate", bool, True),
    Setting("baseURL", default="https://api.voyageai.com/v1"),
    class_name=True, key_header="X-VoyageAI-Api-Key",
)
