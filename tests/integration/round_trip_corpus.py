"""Collections as users create them with weaviate-client on v1.39 (REST class JSON, sent with
`create_from_dict`): every module family, named and single vectors, and every collection-level
setting schemactl models. Each must survive pull -> validate -> plan -> apply under another name."""
from __future__ import annotations

TEXT = [{"name": "title", "dataType": ["text"]}, {"name": "body", "dataType": ["text"]}]


def single(name: str, module: str, settings: dict | None = None, **extra) -> dict:
    body = {"class": name, "properties": TEXT, "vectorizer": module, **extra}
    if settings is not None:
        body["moduleConfig"] = {module: settings}
    return body


def named(name: str, vectors: dict, properties: list | None = None, **extra) -> dict:
    config = {n: {"vectorizer": {m: s}, "vectorIndexType": "hnsw"} for n, (m, s) in vectors.items()}
    return {"class": name, "properties": properties or TEXT, "vectorConfig": config, **extra}


WITH_DATES = [*TEXT, {"name": "published", "dataType": ["date"]}, {"name": "year", "dataType": ["int"]}]
MEDIA = [*TEXT, {"name": "image", "dataType": ["blob"]}]
HF_ENDPOINT = "http://127.0.0.1:9/embed"

CORPUS = [
    single("Plain", "none"),
    single("HfModel", "text2vec-huggingface", {"model": "sentence-transformers/all-MiniLM-L6-v2"}),
    single("HfEndpoint", "text2vec-huggingface",
           {"endpointURL": HF_ENDPOINT, "options": {"waitForModel": True, "useCache": False}}),
    single("HfNoClassName", "text2vec-huggingface", {"model": "org/m", "vectorizeClassName": False},
           properties=[{"name": "title", "dataType": ["text"],
                        "moduleConfig": {"text2vec-huggingface": {"vectorizePropertyName": True}}},
                       {"name": "code", "dataType": ["text"],
                        "moduleConfig": {"text2vec-huggingface": {"skip": True}}}]),
    single("OpenAiDefault", "text2vec-openai"),
    single("OpenAiLarge", "text2vec-openai", {"model": "text-embedding-3-large", "dimensions": 1024, "type": "text"}),
    single("OpenAiAzure", "text2vec-openai", {"isAzure": True, "resourceName": "res", "deploymentId": "dep",
                                               "apiVersion": "2024-02-01"}),
    single("CohereDefault", "text2vec-cohere"),
    single("CohereTuned", "text2vec-cohere", {"model": "embed-english-v3.0", "truncate": "START",
                                               "baseURL": "https://cohere.example.com"}),
    single("Voyage", "text2vec-voyageai", {"model": "voyage-3-large", "truncate": False}),
    single("Jina", "text2vec-jinaai", {"model": "jina-embeddings-v3", "dimensions": 512}),
    single("GoogleVertex", "text2vec-google", {"projectId": "my-project", "modelId": "text-embedding-005"}),
    single("GoogleStudio", "text2vec-google", {"apiEndpoint": "generativelanguage.googleapis.com",
                                                "model": "gemini-embedding-001"}),
    single("AwsBedrock", "text2vec-aws", {"region": "eu-west-1", "model": "amazon.titan-embed-text-v2:0"}),
    single("AwsSagemaker", "text2vec-aws", {"region": "us-east-1", "service": "sagemaker", "endpoint": "my-ep"}),
    single("Mistral", "text2vec-mistral", properties=[
        {"name": "title", "dataType": ["text"], "moduleConfig": {"text2vec-mistral": {"skip": False}}},
        {"name": "body", "dataType": ["text"]}]),
    single("Nvidia", "text2vec-nvidia", {"model": "nvidia/nv-embedqa-e5-v5", "truncate": "END"}),
    single("WeaviateEmbeddings", "text2vec-weaviate", {"model": "Snowflake/snowflake-arctic-embed-m-v1.5"}),
    single("Databricks", "text2vec-databricks", {"endpoint": "https://dbc.example.com/serving-endpoints/e"}),
    single("DigitalOcean", "text2vec-digitalocean", {"model": "gte-large"}),
    single("Morph", "text2vec-morph"),
    single("OctoAi", "text2vec-octoai", {"model": "thenlper/gte-large"}),
    named("ColBert", {"colbert": ("text2multivec-jinaai", {})}),
    named("ColBertMuvera", {"colbert": ("text2multivec-jinaai", {"dimensions": 64})},
          ),
    named("ClipLike", {"media": ("multi2vec-jinaai", {"textFields": ["title"], "imageFields": ["image"]})},
          properties=MEDIA),
    named("Multi2Multi", {"pages": ("multi2multivec-jinaai", {"imageFields": ["image"]})}, properties=MEDIA),
    named("VoyageMultimodal", {"media": ("multi2vec-voyageai", {"textFields": ["title"], "imageFields": ["image"],
                                                               "weights": {"textFields": [0.3],
                                                                           "imageFields": [0.7]}})},
          properties=MEDIA),
    named("MixedVectors", {"hf": ("text2vec-huggingface", {"endpointURL": HF_ENDPOINT, "properties": ["title"]}),
                           "openai": ("text2vec-openai", {"properties": ["body"]}),
                           "own": ("none", {})}),
    named("IntSource", {"main": ("text2vec-huggingface", {"model": "org/m", "properties": ["title", "year"]})},
          properties=WITH_DATES),
    named("OwnMultivector", {"own": ("none", {})}),
    single("WithGenerative", "none", moduleConfig={"generative-openai": {"model": "gpt-4o"},
                                                   "reranker-cohere": {"model": "rerank-v3.5"}}),
    single("WithAnthropic", "text2vec-openai", moduleConfig={"text2vec-openai": {},
                                                             "generative-anthropic": {"model": "claude-sonnet-4",
                                                                                      "maxTokens": 2048}}),
    single("RerankOnly", "none", moduleConfig={"reranker-voyageai": {}}),
    single("WithQna", "text2vec-openai", moduleConfig={"text2vec-openai": {}, "qna-openai": {"model": "gpt-3.5-turbo-instruct"},
                                                       "generative-cohere": {}}),
    single("ExpiresOnDate", "none", properties=WITH_DATES,
           objectTtlConfig={"enabled": True, "deleteOn": "published", "defaultTtl": 86400}),
    single("ExpiresAfterCreation", "none", invertedIndexConfig={"indexTimestamps": True},
           objectTtlConfig={"enabled": True, "deleteOn": "_creationTimeUnix", "defaultTtl": 3600,
                            "filterExpiredObjects": True}),
    single("Analyzed", "none", properties=[
        {"name": "title", "dataType": ["text"],
         "textAnalyzer": {"asciiFold": True, "asciiFoldIgnore": ["é"], "stopwordPreset": "french"}},
        {"name": "body", "dataType": ["text"], "textAnalyzer": {"stopwordPreset": "none"}}],
        invertedIndexConfig={"stopwordPresets": {"french": ["le", "la", "les"]}}),
    single("NoDefaultQuantization", "none", vectorIndexConfig={"skipDefaultQuantization": True}),
    single("FlatBq", "none", vectorIndexType="flat", vectorIndexConfig={"bq": {"enabled": True}}),
    single("RqOpenAi", "text2vec-openai", vectorIndexConfig={"rq": {"enabled": True, "bits": 8}}),
    single("PqHnsw", "none", vectorIndexConfig={"pq": {"enabled": True, "segments": 8}, "maxConnections": 16}),
    single("Dynamic", "none", vectorIndexType="dynamic", vectorIndexConfig={"threshold": 5000}),
    single("TenantsOpenAi", "text2vec-openai",
           multiTenancyConfig={"enabled": True, "autoTenantCreation": True}),
    single("Replicated", "none", replicationConfig={"deletionStrategy": "DeleteOnConflict"},
           shardingConfig={"desiredCount": 2}),
    single("Nested", "none", properties=[
        {"name": "meta", "dataType": ["object"], "nestedProperties": [
            {"name": "label", "dataType": ["text"], "textAnalyzer": {"asciiFold": True}},
            {"name": "count", "dataType": ["int"]}]}]),
    single("Writer", "text2vec-cohere"),
    single("Essay", "text2vec-cohere", properties=[*TEXT, {"name": "writtenBy", "dataType": ["Writer"]}]),
]
# muvera and an own multi-vector index, which `named` leaves at the defaults
CORPUS[[c["class"] for c in CORPUS].index("ColBertMuvera")]["vectorConfig"]["colbert"]["vectorIndexConfig"] = {
    "multivector": {"enabled": True, "muvera": {"enabled": True, "ksim": 5, "repetitions": 8}}}
CORPUS[[c["class"] for c in CORPUS].index("OwnMultivector")]["vectorConfig"]["own"]["vectorIndexConfig"] = {
    "multivector": {"enabled": True}}
