"""Load every model of the mixed example from its installed bytes and run the pipeline once.

Run after `ptm install`, with no network: nothing here knows a URL or a repository, only model names.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoModel, AutoTokenizer

import ptmlock
from fixtures.export import tiny_mlp  # the projector is published as config.json + safetensors

TEXTS = ["the cat sat on the mat", "a new model for the hub"]


def scorer(folder: Path) -> torch.nn.Module:
    config = json.loads((folder / "config.json").read_text())
    model = torch.nn.Linear(config["in_features"], config["out_features"])
    model.load_state_dict(load_file(folder / "model.safetensors"))
    return model.eval()


def main() -> None:
    encoder_dir = ptmlock.path("encoder")  # the locked snapshot in the Hugging Face cache
    tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
    encoder = AutoModel.from_pretrained(encoder_dir).eval()
    projector_hub = ptmlock.torch_hub_load("projector-hub", pretrained=True)  # hubconf + weights, offline
    projector_url = tiny_mlp(ptmlock.path("projector-url")).eval()
    score = scorer(ptmlock.path("scorer"))  # the bytes ptm.lock pins, copied into the store
    with torch.no_grad():
        batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
        features = encoder(**batch).last_hidden_state[:, 0, :8]
        hub_out, url_out = projector_hub(features), projector_url(features)
        scores = score(torch.cat([hub_out, url_out], dim=-1)).squeeze(-1)
    for text, value in zip(TEXTS, scores.tolist(), strict=True):
        print(f"score {value:+.4f}  {text}")
    # Both projectors were published from the same weights, one through torch.hub, one as plain files.
    print(f"projectors agree: {torch.equal(hub_out, url_out)}")


if __name__ == "__main__":
    main()
