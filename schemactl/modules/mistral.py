"""text2vec-mistral. Unlike every other module, v1.39.0 skips properties unless told otherwise
(each property reports `skip: true`)."""
from __future__ import annotations

from .base import Setting, text2vec

MODULE = text2vec(
    "text2vec-mistral",
    Setting("model", default="mistral-embed"),
    Setting("baseURL", default="https://api.mistral.ai/v1/embeddings"),
    class_name=True, key_header="X-Mistral-Api-Key",
    property_defaults=(("skip", True), ("vectorizePropertyName", False)),
)
