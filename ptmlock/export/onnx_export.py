"""ONNX export with torch's torch.export-based (dynamo) exporter or its TorchScript-based one, checked with
onnx.checker (full checks)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import onnx
import torch
from torch.onnx import _constants

from ..errors import PtmError
from ..export_settings import ExportSpec
from .build import FlatOutputs, quiet, tensors
from .outcome import summarise
from .records import TensorSignature

# protobuf caps one file at 2 GiB; weights near that go to a data file, leaving room for the graph.
EXTERNAL_DATA_BYTES = 2**31 - 2**28
ONNX_NAME = "model.onnx"
STACK_TRACE = "pkg.torch.onnx.stack_trace"


def _weight_bytes(module: torch.nn.Module) -> int:
    tensors_ = [*module.parameters(), *module.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors_)


# The ONNX exporters torch has, and the opsets each writes reliably: the dynamo one builds opset 18
# graphs and converts them upwards (down-converted graphs break, e.g. Split's num_outputs at opset 17).
OPSETS = {
    "dynamo": (18, _constants.ONNX_MAX_OPSET),
    "torchscript": (_constants.ONNX_MIN_OPSET, _constants.ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET),
}
TRIED = {"auto": ("dynamo", "torchscript"), "dynamo": ("dynamo",), "torchscript": ("torchscript",)}


@dataclass(frozen=True)
class OnnxExport:
    path: Path  # the graph; a data file beside it when external
    exporter: str  # the one that succeeded
    failures: tuple[tuple[str, str], ...]  # (exporter, why it failed) of those tried before it


def _ranges(exporters: Sequence[str]) -> str:
    return ", ".join(f"{e} {OPSETS[e][0]}-{OPSETS[e][1]}" for e in exporters)


def _exporters(name: str, spec: ExportSpec) -> tuple[str, ...]:
    """The exporters to try, in order, that can write the declared opset."""
    tried = TRIED[spec.exporter]
    able = tuple(e for e in tried if OPSETS[e][0] <= spec.opset <= OPSETS[e][1])
    if not able:
        raise PtmError(
            f"opset {spec.opset} of '{name}' is outside what torch {torch.__version__}'s ONNX exporter can "
            f"write ({_ranges(tried)}); declare an opset in that range"
            + ("" if spec.exporter == "auto" else ', or exporter = "auto"')
        )
    return able


def _dynamo(module: FlatOutputs, spec: ExportSpec, example: dict, path: Path, external: bool) -> None:
    dims = {symbol: torch.export.Dim(symbol) for symbol in spec.symbols}
    dynamic_shapes = (
        tuple({i: dims[d] for i, d in enumerate(s.shape) if isinstance(d, str)} or None for s in spec.inputs),
    )
    program = torch.onnx.export(
        module,
        tensors(example),
        None,
        dynamo=True,
        opset_version=spec.opset,
        input_names=list(module.input_names),
        output_names=list(module.output_names),
        dynamic_shapes=dynamic_shapes,
    )
    # Stack traces name this machine's source paths; without them an export is reproducible.
    for function in (program.model.graph, *program.model.functions.values()):
        for node in function.all_nodes():
            node.metadata_props.pop(STACK_TRACE, None)
    program.save(str(path), external_data=external)


def _torchscript(module: FlatOutputs, spec: ExportSpec, example: dict, path: Path, external: bool) -> None:
    axes = {s.name: {i: d for i, d in enumerate(s.shape) if isinstance(d, str)} for s in spec.inputs}
    torch.onnx.export(
        module,
        tensors(example),
        str(path),
        dynamo=False,
        opset_version=spec.opset,
        input_names=list(module.input_names),
        output_names=list(module.output_names),
        dynamic_axes={name: dims for name, dims in axes.items() if dims},
    )
    if external:  # one data file beside the graph, named as the dynamo exporter names it
        model = onnx.load(str(path))
        onnx.save_model(model, str(path), save_as_external_data=True, location=f"{path.name}.data")


EXPORT = {"dynamo": _dynamo, "torchscript": _torchscript}


def export_onnx(
    name: str, module: FlatOutputs, spec: ExportSpec, example: dict, folder: Path, filename: str = ONNX_NAME
) -> OnnxExport:
    """Export to ``folder/filename`` (plus its data file when external) with the declared dynamic axes,
    by the first of the declared exporters that succeeds."""
    exporters = _exporters(name, spec)
    external = spec.external_data
    if external is None:
        external = _weight_bytes(module) > EXTERNAL_DATA_BYTES
    path = folder / filename
    failures: list[tuple[str, str]] = []
    for exporter in exporters:
        shutil.rmtree(folder, ignore_errors=True)  # nothing of a failed attempt is kept
        folder.mkdir(parents=True)
        try:
            with quiet():
                EXPORT[exporter](module, spec, example, path, external)
        except Exception as error:  # the exporters raise many types; each becomes one line
            failures.append((exporter, summarise(error)))
            continue
        _check(name, path, spec.opset)
        return OnnxExport(path, exporter, tuple(failures))
    tried = "; ".join(f"{exporter}: {why}" for exporter, why in failures)
    hint = 'exporter = "auto" tries both exporters; or ' if spec.exporter != "auto" else ""
    raise PtmError(
        f"ONNX export of '{name}' failed with exporter {' and '.join(exporters)} ({tried}); {hint}"
        'declare a loader = "package.module:function" returning a module the exporter can capture'
    )


def _check(name: str, path: Path, opset: int) -> None:
    try:
        onnx.checker.check_model(str(path), full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as error:
        raise PtmError(f"the ONNX export of '{name}' fails onnx.checker: {summarise(error)}") from error
    written = opset_of(path)
    if written != opset:
        # The exporter converts to the asked opset when it can, and otherwise keeps its own, silently.
        raise PtmError(
            f"the ONNX export of '{name}' has opset {written}, not the declared {opset}: torch "
            f"{torch.__version__} cannot convert it; declare an opset it can write (e.g. opset = {written})"
        )


def opset_of(path: Path) -> int | None:
    """The default (ai.onnx) domain's opset the graph imports."""
    model = onnx.load(str(path), load_external_data=False)
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)


def _signature(value: onnx.ValueInfoProto) -> TensorSignature:
    tensor = value.type.tensor_type
    dtype = onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type).name
    shape = tuple(d.dim_param or d.dim_value for d in tensor.shape.dim)
    return TensorSignature(value.name, dtype, shape)


def onnx_signature(path: Path) -> tuple[tuple[TensorSignature, ...], tuple[TensorSignature, ...]]:
    """Inputs and outputs as the graph declares them (symbolic axes keep their names)."""
    graph = onnx.load(str(path), load_external_data=False).graph
    initializers = {i.name for i in graph.initializer}
    inputs = tuple(_signature(v) for v in graph.input if v.name not in initializers)
    return inputs, tuple(_signature(v) for v in graph.output)
