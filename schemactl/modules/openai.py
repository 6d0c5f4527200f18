"""text2vec-openai (OpenAI and Azure OpenAI). Defaults as v1.39.0 reports them."""
from __future__ import annotations

from .base import Setting, text2vec

MODULE = text2vec(
    "text2vec-openai",
    Setting("model", default="text-embedding-3-small"),
    Setting("modelVersion"),
    Setting("type", choices=("text", "code")),
    Setting("dimensions", int),
    Setting("baseURL", default="https://api.openai.com"),
    Setting("isAzure", bool),
    Setting("resourceName"),
    Setting("deploymentId"),
    Setting("apiVersion"),
    class_name=True, key_header="X-OpenAI-Api-Key",
)
