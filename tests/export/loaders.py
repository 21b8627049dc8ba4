"""Model-specific loaders for the fixture hub's models, as a project would keep them beside ptm.toml."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file


def tiny_mlp(snapshot: Path) -> torch.nn.Module:
    """fixtures/tiny-mlp: Linear -> ReLU -> Linear, sizes from config.json, weights from safetensors."""
    config = json.loads((snapshot / "config.json").read_text())
    model = torch.nn.Sequential(
        torch.nn.Linear(config["in_features"], config["hidden"]),
        torch.nn.ReLU(),
        torch.nn.Linear(config["hidden"], config["out_features"]),
    )
    model.load_state_dict(load_file(snapshot / "model.safetensors"))
    return model


class _DataDependent(torch.nn.Module):
    """Branches on a value, which torch.export cannot capture: the exporter fails."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2 if x.sum() > 0 else x


def data_dependent(snapshot: Path) -> torch.nn.Module:
    return _DataDependent()
