"""text2vec-weaviate (Weaviate Embeddings)."""
from __future__ import annotations

from .base import Setting, text2vec

MODULE = text2vec(
    "text2vec-weaviate",
    Setting("model", default="Snowflake/snowflake-arctic-embed-l-v2.0"),
    Setting("dimensions", int),
    Setting("baseURL", default=""),
    class_name=True,
)
