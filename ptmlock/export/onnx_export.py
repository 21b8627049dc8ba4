"""ONNX export with torch's torch.export-based exporter, checked with onnx.checker (full checks)."""

from __future__ import annotations

from pathlib import Path

import onnx
import torch

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


def export_onnx(name: str, module: FlatOutputs, spec: ExportSpec, example: dict, folder: Path) -> Path:
    """Export to ``folder/model.onnx`` (plus its data file when external) with the declared dynamic axes."""
    dims = {symbol: torch.export.Dim(symbol) for symbol in spec.symbols}
    dynamic_shapes = (
        tuple({i: dims[d] for i, d in enumerate(s.shape) if isinstance(d, str)} or None for s in spec.inputs),
    )
    external = spec.external_data
    if external is None:
        external = _weight_bytes(module) > EXTERNAL_DATA_BYTES
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ONNX_NAME
    try:
        with quiet():
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
    except Exception as error:  # the exporter raises many types; each becomes one line
        raise PtmError(f"ONNX export of '{name}' failed: {summarise(error)}") from error
    try:
        onnx.checker.check_model(str(path), full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as error:
        raise PtmError(f"the ONNX export of '{name}' fails onnx.checker: {summarise(error)}") from error
    written = opset_of(path)
    if written != spec.opset:
        # The exporter converts to the asked opset when it can, and otherwise keeps its own, silently.
        raise PtmError(
            f"the ONNX export of '{name}' has opset {written}, not the declared {spec.opset}: torch "
            f"{torch.__version__} cannot convert it; declare an opset it can write (e.g. opset = {written})"
        )
    return path


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
