"""A loader whose module torch.export cannot capture, to see how `ptm export` reports it."""

from __future__ import annotations

from pathlib import Path

import torch


class _DataDependent(torch.nn.Module):
    """Branches on a value, which torch.export cannot capture: the exporter fails."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2 if x.sum() > 0 else x


def data_dependent(snapshot: Path) -> torch.nn.Module:
    return _DataDependent()
