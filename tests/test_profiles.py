"""Install profiles from the graph: `runtime` leaves out models used only to evaluate or to guide training."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptmlock.errors import PtmError
from ptmlock.graph import profile_models
from ptmlock.manifest import load_manifest, parse_manifest
from tests.conftest import REPO_ROOT

MODELS = "".join(f'[models.{n}]\nrepo = "org/{n}"\n\n' for n in ("gen", "judge", "guide", "tagger", "alone"))


def runtime(edges: str, extra: str = "") -> set[str]:
    return profile_models(parse_manifest(MODELS + extra + edges), "runtime")


def edge(source: str, target: str, kind: str, stage: str | None = None) -> str:
    text = f'[[edges]]\nfrom = "{source}"\nto = "{target}"\nkind = "{kind}"\n'
    text += 'mode = "sequential"\n' if kind == "feature-handoff" else ""
    return text + (f'stage = "{stage}"\n' if stage else "")


ALL = {"gen", "judge", "guide", "tagger", "alone"}


@pytest.mark.parametrize("stage", [None, "evaluation"])
def test_runtime_leaves_out_an_offline_evaluator(stage: str | None) -> None:
    assert runtime(edge("gen", "judge", "evaluation", stage)) == ALL - {"judge"}


def test_runtime_leaves_out_a_model_that_only_guides_training() -> None:
    assert runtime(edge("guide", "gen", "feedback-guidance", "fine-tuning")) == ALL - {"guide"}


def test_runtime_keeps_guidance_and_checks_that_run_while_serving() -> None:
    edges = edge("guide", "gen", "feedback-guidance", "inference")
    edges += edge("gen", "judge", "evaluation", "post-processing")
    edges += edge("guide", "tagger", "feedback-guidance")
    assert runtime(edges) == ALL


def test_runtime_keeps_a_model_with_any_runtime_use() -> None:
    edges = edge("gen", "judge", "evaluation") + edge("judge", "tagger", "feature-handoff", "inference")
    assert runtime(edges) == ALL


def test_an_evaluator_feeding_a_metric_stays_evaluation_only() -> None:
    edges = edge("gen", "judge", "evaluation") + edge("judge", "tagger", "feature-handoff", "evaluation")
    assert runtime(edges) == ALL - {"judge", "tagger"}


def test_runtime_keeps_the_base_an_adapter_loads_onto() -> None:
    adapter = '[models.lora]\nrepo = "org/lora"\nbase = "judge"\nadaptation = "adapter"\nadapter = "lora"\n\n'
    assert runtime(edge("gen", "judge", "evaluation"), adapter) == ALL | {"lora"}
    tuned = adapter.replace('"adapter"\nadapter = "lora"', '"weights"')
    assert runtime(edge("gen", "judge", "evaluation"), tuned) == ALL - {"judge"} | {"lora"}


def test_the_base_of_an_adapter_is_needed_only_where_the_adapter_is() -> None:
    adapter = (
        '[models.lora]\nrepo = "org/lora"\nbase = "tagger"\nadaptation = "adapter"\nadapter = "lora"\n\n'
    )
    assert runtime(edge("gen", "lora", "evaluation"), adapter) == ALL - {"tagger"}
    on_top = adapter.replace("lora", "lora2").replace('base = "tagger"', 'base = "lora"')
    chain = adapter + on_top  # tagger <- lora <- lora2, and lora2 runs while serving
    edges = edge("gen", "lora", "evaluation") + edge("gen", "lora2", "feature-handoff")
    assert runtime(edges, chain) == ALL | {"lora", "lora2"}


def test_all_profile_and_unknown_profile() -> None:
    manifest = parse_manifest(MODELS + edge("gen", "judge", "evaluation"))
    assert profile_models(manifest, "all") == ALL
    with pytest.raises(PtmError, match="unknown install profile 'lean'; use one of: all, runtime"):
        profile_models(manifest, "lean")


@pytest.mark.parametrize(
    ("example", "left_out"),
    [("text-to-image", {"clip-scorer"}), ("text-to-audio", {"clap"}), ("retrieval", set())],
)
def test_runtime_profile_of_the_examples(example: str, left_out: set[str]) -> None:
    manifest = load_manifest(Path(REPO_ROOT, "examples", example, "ptm.toml"))
    assert profile_models(manifest, "runtime") == set(manifest.models) - left_out
