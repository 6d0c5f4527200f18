"""text2vec-jinaai (single vectors) and text2multivec-jinaai (ColBERT-style multi-vectors)."""
from __future__ import annotations

from .base import Setting, text2vec

MODULE = text2vec(
    "text2vec-jinaai",
    Setting("model", default="jina-embeddings-v4"),
    Setting("dimensions", int),
    Setting("baseURL", default="https://api.jina.ai"),
    class_name=False, key_header="X-JinaAI-Api-Key",
)
MULTIVECTOR = text2vec(
    "text2multivec-jinaai",
    Setting("model", default="jina-colbert-v2"),
    Setting("dimensions", int, 128),
    Setting("baseURL", default="https://api.jina.ai"),
    class_name=True, key_header="X-JinaAI-Api-Key", multivector=True,
)
