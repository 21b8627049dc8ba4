"""The greedy-decode check of generation-ready graphs: N tokens decoded by onnxruntime with the KV cache
the graphs pass along, against the ids locked at export and (without --frozen) PyTorch's ``generate``.

numpy and onnxruntime only, so that `ptm verify --frozen` runs it; PyTorch's side is export/generation.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import VerificationError
from ..export_settings import ExportSpec, InputSpec
from . import artifacts, runtime
from .outcome import Check, RunFailure
from .probes import make_inputs
from .records import ExportRecord, GenerationRecord, VerifyRecord

DECODER_IDS = "decoder_input_ids"
ENCODER_STATES = "encoder_hidden_states"
ENCODER_MASK = "encoder_attention_mask"
PROMPT_LENGTH = 5


def past_names(layers: int) -> list[str]:
    return [f"past_key_values.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]


def present_names(layers: int) -> list[str]:
    return [f"present.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]


def prompt_ids(settings: ExportSpec, vocab: int) -> list[int]:
    """The prompt's token ids: seeded like the probes, so an export is reproducible."""
    spec = InputSpec("input_ids", "int64", ("batch", "sequence"), range=(0, vocab))
    ids = make_inputs([spec], {"batch": 1, "sequence": PROMPT_LENGTH}, settings.verify.seed + 2)
    return [int(i) for i in ids["input_ids"][0]]


def prompt_arrays(ids: Sequence[int], names: Sequence[str]) -> dict[str, np.ndarray]:
    """The prompt as the inputs ``names`` (token ids, and a mask of ones) in one row."""
    row = np.array([list(ids)], dtype=np.int64)
    return {name: row if name == "input_ids" else np.ones_like(row) for name in names}


Step = Callable[[Mapping[str, np.ndarray]], list[np.ndarray]]


def greedy_decode(
    decoder: Step,
    encoder: Step | None,
    past: Sequence[tuple[str, tuple[int, int]]],
    prompt: Mapping[str, np.ndarray],
    start: int,
    steps: int,
) -> list[int]:
    """``steps`` argmax tokens: ``decoder`` returns logits and the present keys and values, fed back as
    the next step's past (``past``: each past input's name with its heads and head size; empty at first).
    ``encoder`` (encoder-decoder graphs) runs once on the prompt; decoding then starts from ``start``."""
    cache = {name: np.zeros((1, heads, 0, size), np.float32) for name, (heads, size) in past}
    if encoder is None:
        ids_name, ids, context = "input_ids", prompt["input_ids"], {}
    else:
        states = encoder(prompt)[0]
        mask = prompt.get("attention_mask", np.ones(states.shape[:2], np.int64))
        ids_name, ids = DECODER_IDS, np.array([[start]], np.int64)
        context = {ENCODER_STATES: states, ENCODER_MASK: mask}
    tokens: list[int] = []
    for _ in range(steps):
        logits, *present = decoder({ids_name: ids, **context, **cache})
        tokens.append(int(logits[0, -1].argmax()))
        cache = dict(zip(cache, present, strict=True))
        ids = np.array([[tokens[-1]]], np.int64)
    return tokens


def past_layout(record: ExportRecord) -> list[tuple[str, tuple[int, int]]]:
    """Each past input of the decoder graph with its heads and head size, from the graph's signature."""
    layout = []
    for tensor in record.inputs:
        if tensor.name.startswith("past_key_values."):
            heads, size = tensor.shape[1], tensor.shape[3]
            if not (isinstance(heads, int) and isinstance(size, int)):
                raise RunFailure(f"{record.path}: {tensor.name} has symbolic heads or head size {tensor}")
            layout.append((tensor.name, (heads, size)))
    return layout


@contextlib.contextmanager
def _step(
    record: ExportRecord, located: artifacts.Located, provider: str, outputs: Sequence[str]
) -> Iterator[Step]:
    with runtime.onnx_file(record, located) as path:
        session = runtime.open_session(path, provider)
        yield lambda inputs: runtime.run_session(session, list(outputs), inputs, record.path)


def onnx_greedy(
    decoder: tuple[ExportRecord, artifacts.Located],
    encoder: tuple[ExportRecord, artifacts.Located] | None,
    generation: GenerationRecord,
    provider: str,
) -> list[int]:
    """The graphs' greedy decode of the locked prompt, on ``provider``."""
    record, located = decoder
    with contextlib.ExitStack() as stack:
        step = stack.enter_context(_step(record, located, provider, [o.name for o in record.outputs]))
        encode = None
        names = ["input_ids"]
        if encoder is not None:
            encode = stack.enter_context(_step(*encoder, provider, ["last_hidden_state"]))
            names = [i.name for i in encoder[0].inputs]
        prompt = prompt_arrays(generation.prompt, names)
        return greedy_decode(step, encode, past_layout(record), prompt, generation.start, generation.steps)


def _ids(ids: Sequence[int]) -> str:
    return "[" + ", ".join(map(str, ids)) + "]"


def decode_check(name: str, subject: str, ids: Sequence[int], expected: Sequence[int], of: str) -> Check:
    """Equal token ids, or where they first differ."""
    if list(ids) == list(expected):
        return Check(name, subject, True, f"{len(ids)} tokens {_ids(ids)} equal {of}")
    first = next((i for i, (a, b) in enumerate(zip(ids, expected, strict=False)) if a != b), len(ids))
    return Check(name, subject, False, f"token {first} differs: {_ids(ids)}, {of} {_ids(expected)}")


def generation_checks(
    name: str,
    reference: VerifyRecord,
    exports: Mapping[str, ExportRecord],
    folder: artifacts.ArtifactsFolder,
    provider: str,
    pytorch: Any | None,
) -> list[Check]:
    """For a generation export (none for the others): the encoder graph's bytes (encoder-decoder), then
    the greedy decode of the locked prompt by the graphs on ``provider`` against the locked ids and, given
    the PyTorch module `ptm verify` built, against its ``generate``."""
    generation, onnx = reference.generation, exports.get("onnx")
    if generation is None or onnx is None:
        return []
    checks = []
    try:
        decoder = (onnx, artifacts.checked(folder, onnx.files))
        encoder = None
        if generation.encoder is not None:
            encoder = (generation.encoder, artifacts.checked(folder, generation.encoder.files))
            checks.append(
                Check(name, "encoder bytes", True, f"sha256 matches ptm.lock ({encoder[1].source()})")
            )
    except VerificationError as error:
        return [*checks, Check(name, "greedy decode", False, f"not run: {error.message}")]
    try:
        ids = onnx_greedy(decoder, encoder, generation, provider)
    except RunFailure as error:
        return [*checks, Check(name, "greedy decode", False, error.message)]
    checks.append(decode_check(name, "greedy decode vs ptm.lock", ids, generation.ids, "the locked ids"))
    if pytorch is not None:
        from .build import quiet
        from .generation import pytorch_greedy

        names = ["input_ids"] if encoder is None else [i.name for i in encoder[0].inputs]
        prompt = prompt_arrays(generation.prompt, names)
        with quiet():
            eager = pytorch_greedy(pytorch, prompt, generation.steps, generation.start)
        checks.append(decode_check(name, "greedy decode vs PyTorch", ids, eager, "PyTorch generate's"))
    return checks
