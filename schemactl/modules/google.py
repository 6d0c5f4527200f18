"""text2vec-google: Vertex AI (projectId) or AI Studio (apiEndpoint generativelanguage.googleapis.com)."""
from __future__ import annotations

from .base import Setting, text2vec

MODULE = text2vec(
    "text2vec-google",
    Setting("projectId"),
    Setting("apiEndpoint"),
    Setting("model"),
    Setting("modelId"),
    Setting("location"),
    Setting("dimensions", int),
    Setting("taskType"),
    Setting("titleProperty"),
    class_name=False,
    needs_one_of=(("projectId", "apiEndpoint"),),
)
