"""Every other module Weaviate v1.39 ships: generic blocks, their keys kept verbatim.

What is known of them is only what the server fills in when a key is left out (measured on
v1.39.0), so that `pull` writes what the user chose and not the server's defaults. Any change of
a generic vectorizer's settings is treated as changing the vectors: schemactl re-embeds, and the
plan says it was not sure.
"""
from __future__ import annotations

from .base import Module



def _vectorizer(name: str, per_property: bool = True, multivector: bool = False, **defaults) -> Module:
    return Module(name, "vectorizer", per_property=per_property, multivector=multivector, defaults=defaults)


def _multi2vec(name: str, multivector: bool = False, **defaults) -> Module:
    return Module(name, "vectorizer", per_property=False, multivector=multivector, defaults=defaults)


VECTORIZERS = (
    _vectorizer("text2vec-databricks", vectorizeClassName=True),
    _vectorizer("text2vec-digitalocean", baseURL="https://inference.do-ai.run", vectorizeClassName=True),
    _vectorizer("text2vec-morph", baseURL="https://api.morphllm.com", model="morph-embedding-v3",
                vectorizeClassName=False),
    _vectorizer("text2vec-octoai", model="thenlper/gte-large", vectorizeClassName=True),
    # local modules (they need their inference container; not enabled by default)
    _vectorizer("text2vec-transformers"), _vectorizer("text2vec-ollama"), _vectorizer("text2vec-model2vec"),
    _vectorizer("text2vec-contextionary"), _vectorizer("text2vec-gpt4all"), _vectorizer("text2vec-bigram"),
    _multi2vec("multi2vec-aws"), _multi2vec("multi2vec-cohere"), _multi2vec("multi2vec-google"),
    _multi2vec("multi2vec-nvidia"),
    _multi2vec("multi2vec-jinaai", baseURL="https://api.jina.ai", model="jina-clip-v2", vectorizeClassName=False),
    _multi2vec("multi2vec-twelvelabs", baseURL="https://api.twelvelabs.io/v1.3", model="marengo3.0",
               vectorizeClassName=False),
    _multi2vec("multi2vec-voyageai", baseURL="https://api.voyageai.com/v1", model="voyage-multimodal-3",
               truncate=True, vectorizeClassName=False),
    _multi2vec("multi2multivec-jinaai", multivector=True, baseURL="https://api.jina.ai",
               model="jina-embeddings-v4", vectorizeClassName=False),
    _multi2vec("multi2multivec-weaviate", multivector=True, baseURL="", model="ModernVBERT/colmodernvbert",
               vectorizeClassName=False),
    _multi2vec("multi2vec-clip"), _multi2vec("multi2vec-bind"), _multi2vec("img2vec-neural"),
    _multi2vec("ref2vec-centroid"),
)

GENERATIVE = tuple(Module(f"generative-{n}", "generative") for n in (
    "anthropic", "anyscale", "aws", "cohere", "contextualai", "databricks", "deepseek", "friendliai",
    "google", "mistral", "nvidia", "octoai", "ollama", "openai", "xai"))

QNA = tuple(Module(f"qna-{n}", "qna") for n in ("openai", "transformers"))

RERANKERS = tuple(Module(f"reranker-{n}", "reranker") for n in (
    "cohere", "contextualai", "jinaai", "nvidia", "transformers", "voyageai"))
