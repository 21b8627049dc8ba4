"""`ptm export` of a generation task, after its decoder graph: the encoder graph (encoder-decoder
models), checked on its probe inputs, and the greedy decode of N tokens by the graphs in onnxruntime,
which must give PyTorch ``generate``'s ids exactly; both recorded in ptm.lock."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import PtmError
from ..export_settings import SEQ2SEQ_TASK, ExportSpec
from ..lockfile import LockedFile
from . import runtime
from .artifacts import Located
from .build import FlatOutputs, build_encoder, quiet, run
from .compare import compare_outputs
from .decode import decode_check, onnx_greedy, prompt_arrays, prompt_ids
from .generation import decoder_start, pytorch_greedy
from .onnx_export import export_onnx, onnx_signature
from .probes import example_inputs, probe_inputs
from .records import EXPORTER_TOOL, ExportRecord, GenerationRecord
from .versions import installed_versions

ENCODER_NAME = "encoder_model.onnx"


@dataclass(frozen=True)
class GenerationExport:
    record: GenerationRecord
    files: tuple[tuple[LockedFile, Path], ...]  # the encoder graph's project copy, and where it is now
    lines: tuple[str, ...]


def _encoder(
    name: str,
    settings: ExportSpec,
    decoder: FlatOutputs,
    snapshot: Path,
    folder: Path,
    tolerance: tuple[float, float],
    store: Callable[..., ExportRecord],
) -> tuple[ExportRecord, Path, str]:
    """The encoder exported and checked against PyTorch on its probe inputs: its record, path and line."""
    encoder_settings, module = build_encoder(name, settings, decoder, snapshot)
    exported = export_onnx(
        name, module, encoder_settings, example_inputs(encoder_settings), folder, ENCODER_NAME
    )
    if len(list(folder.iterdir())) > 1:
        raise PtmError(
            f"the encoder of '{name}' needs external data, which generation exports do not support"
        )
    probe = probe_inputs(encoder_settings)
    session = runtime.open_session(exported.path, settings.verify.provider)
    outputs = runtime.run_session(session, list(module.output_names), probe, f"the encoder graph of '{name}'")
    provider = runtime.used_provider(session, exported.path, probe)
    reference = run(module, probe, f"the encoder of '{name}' on its probe inputs")
    ok, detail = compare_outputs(module.output_names, outputs, reference, *tolerance, None)
    if not ok:
        raise PtmError(f"the ONNX encoder of '{name}' disagrees with PyTorch on its probe inputs: {detail}")
    inputs, signature = onnx_signature(exported.path)
    record = store("onnx", exported.path, inputs=inputs, outputs=signature, opset=settings.opset)
    tools = {**record.tools, **installed_versions("onnx", "onnxscript"), EXPORTER_TOOL: exported.exporter}
    record = dataclasses.replace(record, tools=tools)
    where = f"{record.path}  {record.size} bytes  {record.sha256[:12]}"
    line = (
        f"{name}  onnx  {where}  encoder, opset {settings.opset} by {exported.exporter}  {provider}: {detail}"
    )
    return record, exported.path, line


def export_generation(
    name: str,
    settings: ExportSpec,
    decoder: FlatOutputs,
    graph: tuple[ExportRecord, Sequence[Path]],
    snapshot: Path,
    folder: Path,
    tolerance: tuple[float, float],
    store: Callable[..., ExportRecord],
) -> GenerationExport:
    """The encoder (encoder-decoder) and the greedy-decode check, for the decoder graph ``graph`` (its
    record and files) exported from ``decoder``; ``store(format, path, **fields)`` puts a file in the
    store and gives its record; the encoder is judged with ``tolerance``."""
    assert settings.task is not None
    record, paths = graph
    encoder = None
    files: list[tuple[LockedFile, Path]] = []
    lines = []
    if settings.task == SEQ2SEQ_TASK:
        encoder_record, path, line = _encoder(
            name, settings, decoder, snapshot, folder / "encoder", tolerance, store
        )
        encoder = (encoder_record, Located((path,), in_project=True))
        files.append((encoder_record.files[0], path))
        lines.append(line)
    vocab = next(o.shape[-1] for o in record.outputs if o.name == "logits")
    assert isinstance(vocab, int)
    names = ["input_ids"] if encoder is None else [i.name for i in encoder[0].inputs]
    prompt = prompt_ids(settings, vocab)
    steps = settings.verify.decode_steps
    start = decoder_start(decoder)
    with quiet():
        eager = pytorch_greedy(decoder, prompt_arrays(prompt, names), steps, start)
    generation = GenerationRecord(
        settings.task, steps, start, tuple(prompt), tuple(eager), encoder and encoder[0]
    )
    ids = onnx_greedy(
        (record, Located(tuple(paths), in_project=True)), encoder, generation, settings.verify.provider
    )
    check = decode_check(name, "greedy decode", ids, eager, "PyTorch generate's")
    if not check.ok:
        raise PtmError(f"the ONNX graphs' greedy decode of '{name}' disagrees with PyTorch: {check.detail}")
    lines.append(f"{name}  greedy decode  {check.detail} (onnxruntime, with the KV cache)")
    return GenerationExport(generation, tuple(files), tuple(lines))
