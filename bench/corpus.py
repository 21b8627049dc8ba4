"""Synthetic model repos for benchmarks: many small models with real-looking file sets, no torch needed."""

from __future__ import annotations

import json
import random

from fixtures.hub import FakeHub


def model_files(index: int, weight_bytes: int, extra_files: int = 0) -> dict[str, bytes]:
    rng = random.Random(index)
    files = {
        "config.json": json.dumps({"model_type": "mlp", "hidden": 16 + index}).encode(),
        "README.md": f"---\nlicense: mit\n---\n# bench model {index}\n".encode(),
        "tokenizer_config.json": json.dumps({"model_max_length": 64}).encode(),
        "model.safetensors": rng.randbytes(weight_bytes),
    }
    for extra in range(extra_files):
        files[f"extra/part_{extra:02d}.safetensors"] = rng.randbytes(weight_bytes // 4 + extra)
    return files


def populate(hub: FakeHub, count: int, weight_bytes: int = 64_000, extra_files: int = 0) -> list[str]:
    """Create ``count`` repos bench/model-NN and return their ids."""
    repos = []
    for index in range(count):
        repo = f"bench/model-{index:02d}"
        hub.create_repo(repo)
        hub.commit(repo, model_files(index, weight_bytes, extra_files), message="initial")
        repos.append(repo)
    return repos


def manifest_for(repos: list[str]) -> str:
    return "".join(f'[models.m{i:02d}]\nrepo = "{repo}"\n\n' for i, repo in enumerate(repos))
