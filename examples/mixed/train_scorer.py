"""Train the scorer from scratch: a linear layer over the two projectors' outputs (4 + 4 features -> 1).

It stands for a model the team trains itself; its output, models/scorer/, is committed and declared in
ptm.toml as a local model, with this script and the data as its provenance. Run it again to retrain:
`ptm lock --check` then reports the scorer as stale until `ptm lock` records the new bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file

OUT = Path(__file__).resolve().parent / "models" / "scorer"
EPOCHS = 200


def main() -> None:
    torch.manual_seed(0)
    features = torch.randn(256, 8)  # synthetic: the two projectors' outputs side by side
    target = features @ torch.linspace(-1.0, 1.0, 8) + 0.1 + 0.05 * torch.randn(256)
    model = torch.nn.Linear(8, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(EPOCHS):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(features).squeeze(-1), target)
        loss.backward()
        optimizer.step()
    OUT.mkdir(parents=True, exist_ok=True)
    tensors = {name: value.detach().contiguous() for name, value in model.state_dict().items()}
    save_file(tensors, str(OUT / "model.safetensors"), metadata={"format": "pt"})
    config = {"in_features": 8, "out_features": 1, "epochs": EPOCHS, "final_loss": round(loss.item(), 6)}
    (OUT / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    print(f"trained the scorer: loss {loss.item():.6f}; wrote {OUT}")


if __name__ == "__main__":
    main()
