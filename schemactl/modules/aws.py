"""text2vec-aws: Bedrock (model) or SageMaker (endpoint)."""
from __future__ import annotations

from .base import Setting, text2vec

MODULE = text2vec(
    "text2vec-aws",
    Setting("region"),
    Setting("service", default="bedrock", choices=("bedrock", "sagemaker")),
    Setting("model"),
    Setting("endpoint"),
    Setting("targetModel"),
    Setting("targetVariant"),
    Setting("dimensions", int),
    class_name=False,
    needs_one_of=(("region",), ("model", "endpoint")),
)
