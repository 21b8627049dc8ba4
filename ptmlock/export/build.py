"""Build the module to export from its loader, give it flat tensor outputs, and run it eagerly (torch)."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import inspect
import io
import logging
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import PtmError
from ..export_settings import IMPLIED_LOADER, SEQ2SEQ_TASK, TORCH_HUB_LOADER, ExportSpec
from ..project import Project
from .generation import DecoderWithPast, Encoder, cache_layout, decoder_inputs, encoder_inputs
from .inferred_inputs import implied_loader, infer_inputs, read_config, with_inputs
from .outcome import RunFailure, summarise
from .probes import example_inputs


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence progress bars, warnings and log lines from torch/transformers; our report says what matters."""
    torch_logger = logging.getLogger("torch")
    level = torch_logger.level
    torch_logger.setLevel(logging.ERROR)
    # transformers logs through its own handler, which redirecting stderr does not reach.
    hf_logging = sys.modules.get("transformers.utils.logging")
    hf_level = hf_logging.get_verbosity() if hf_logging else None
    if hf_logging:
        hf_logging.set_verbosity_error()
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        torch_logger.setLevel(level)
        if hf_logging and hf_level is not None:
            hf_logging.set_verbosity(hf_level)


@contextlib.contextmanager
def _importable_from(folder: Path) -> Iterator[None]:
    # A project's own loader module lives next to its ptm.toml.
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))


def _construct(name: str, factory: Any, settings: ExportSpec, snapshot: Path, project: Project) -> Any:
    kwargs = dict(settings.loader_kwargs)
    if settings.loader == TORCH_HUB_LOADER:  # the hubconf entry, from the installed tree and weights
        return factory(name, manifest=project.manifest_path, **kwargs)
    if settings.loader.startswith("transformers:"):
        return factory.from_pretrained(str(snapshot), local_files_only=True, **kwargs)
    return factory(snapshot, **kwargs)


def load_module(name: str, settings: ExportSpec, snapshot: Path, project: Project) -> torch.nn.Module:
    """``transformers:AutoX`` -> ``AutoX.from_pretrained(snapshot)``; ``pkg.mod:fn`` -> ``fn(snapshot)``;
    ``ptmlock:torch_hub_load`` -> the torch.hub entry. Each also gets the declared ``loader_kwargs``."""
    loader = settings.loader
    module_name, attribute = loader.split(":")
    try:
        with _importable_from(project.root):
            factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise PtmError(f"loader '{loader}' of '{name}' cannot be imported: {summarise(error)}") from error
    try:
        with quiet():
            module = _construct(name, factory, settings, snapshot, project)
    except PtmError:
        raise
    except Exception as error:  # a loader is user code: any failure is reported, not a traceback
        raise PtmError(f"loader '{loader}' failed for '{name}': {summarise(error)}") from error
    if not isinstance(module, torch.nn.Module):
        raise PtmError(
            f"loader '{loader}' returned {type(module).__name__} for '{name}', not a torch.nn.Module"
        )
    # Weights and computation in the declared precision (a loader's own dtype kwarg is kept if float32).
    if settings.dtype != "float32":
        module = module.to(getattr(torch, settings.dtype))
    return module.eval()


def _named(output: Any) -> list[tuple[str, Any]]:
    """A forward's result as named values: a tensor, a mapping (ModelOutput) or a tuple of them."""
    if isinstance(output, torch.Tensor):
        return [("output", output)]
    if isinstance(output, Mapping):
        return [(str(k), v) for k, v in output.items()]
    if isinstance(output, (tuple, list)):
        return [(f"output_{i}", v) for i, v in enumerate(output)]
    raise PtmError(
        f"the model returned {type(output).__name__}; expected tensors, a tuple or a mapping of them"
    )


def flatten_outputs(output: Any) -> list[tuple[str, torch.Tensor]]:
    """Named tensors of a forward's result."""
    return [(n, v) for n, v in _named(output) if isinstance(v, torch.Tensor)]


class FlatOutputs(torch.nn.Module):
    """Positional tensor inputs in declared order, a tuple of the chosen outputs: what exporters want."""

    def __init__(
        self,
        module: torch.nn.Module,
        input_names: Sequence[str],
        output_names: Sequence[str],
        left_out: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.module = module
        self.input_names = tuple(input_names)
        self.output_names = tuple(output_names)
        # Outputs that are not tensors (a KV cache object, say): no graph can return them.
        self.left_out = tuple(left_out)
        parameters = inspect.signature(module.forward).parameters
        # Keywords when forward names its inputs (transformers models), else positions (nn.Sequential).
        self.by_keyword = all(n in parameters for n in self.input_names)

    def call(self, *args: torch.Tensor) -> Any:
        if self.by_keyword:
            return self.module(**dict(zip(self.input_names, args, strict=True)))
        return self.module(*args)

    def forward(self, *args: torch.Tensor) -> tuple[torch.Tensor, ...]:
        named = dict(flatten_outputs(self.call(*args)))
        # numpy (and so onnxruntime's Python API) has no bfloat16: such outputs leave the graph as float32.
        return tuple(
            named[n].float() if named[n].dtype == torch.bfloat16 else named[n] for n in self.output_names
        )


def tensors(arrays: Mapping[str, np.ndarray]) -> tuple[torch.Tensor, ...]:
    return tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in arrays.values())


def run(module: torch.nn.Module, arrays: Mapping[str, np.ndarray], what: str) -> list[np.ndarray]:
    """``module``'s outputs on ``arrays``; RunFailure names ``what`` failed (a model, an artifact)."""
    try:
        with torch.no_grad(), quiet():
            return [t.detach().cpu().numpy() for t in module(*tensors(arrays))]
    except Exception as error:  # the module is user code or a loaded artifact
        raise RunFailure(f"{what} failed: {summarise(error)}") from error


def flat_module(
    name: str, module: torch.nn.Module, example: Mapping[str, np.ndarray], wanted: Sequence[str] | None
) -> FlatOutputs:
    """Wrap ``module``, naming its outputs from one eager run; ``wanted`` picks and orders them."""
    wrapper = FlatOutputs(module, list(example), ())
    try:
        with torch.no_grad(), quiet():
            output = wrapper.call(*tensors(example))
            found = [n for n, _ in flatten_outputs(output)]
    except PtmError:
        raise
    except Exception as error:
        raise PtmError(f"'{name}' failed on its declared example inputs: {summarise(error)}") from error
    missing = [n for n in wanted or () if n not in found]
    if missing:
        raise PtmError(f"'{name}' has no output '{missing[0]}'; its outputs are: {', '.join(found)}")
    left_out = [n for n, v in _named(output) if v is not None and not isinstance(v, torch.Tensor)]
    return FlatOutputs(module, list(example), list(wanted or found), left_out).eval()


def _exported(settings: ExportSpec, module: torch.nn.Module) -> torch.nn.Module:
    """What is exported of the loaded model: itself, or for a generation task its decoder step with the
    KV cache as tensors."""
    return module if settings.task is None else DecoderWithPast(module, settings.task == SEQ2SEQ_TASK)


def build_module(name: str, settings: ExportSpec, snapshot: Path, project: Project) -> FlatOutputs:
    """The module ``settings`` declare, loaded from ``snapshot`` and wrapped for export."""
    module = _exported(settings, load_module(name, settings, snapshot, project))
    return flat_module(name, module, example_inputs(settings), settings.outputs)


def build_for_export(
    name: str, settings: ExportSpec, snapshot: Path, project: Project
) -> tuple[ExportSpec, FlatOutputs]:
    """The module to export and the settings it is exported with: those declared, or with the inputs (and
    the loader, when none is declared) inferred from the snapshot's config.json and the forward's
    parameters."""
    if not settings.inputs_inferred:
        return settings, build_module(name, settings, snapshot, project)
    config = read_config(name, snapshot)
    loader = implied_loader(name, config) if settings.loader == IMPLIED_LOADER else settings.loader
    module = load_module(name, dataclasses.replace(settings, loader=loader), snapshot, project)
    if settings.task is not None:
        with quiet():
            layout = cache_layout(name, module, settings.task)
        inputs = decoder_inputs(layout, settings.task == SEQ2SEQ_TASK)
    else:
        parameters = inspect.signature(module.forward).parameters
        required = [
            n
            for n, p in parameters.items()
            if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        inputs = infer_inputs(name, config, list(parameters), required)
    resolved = with_inputs(name, settings, inputs, loader)
    exported = _exported(resolved, module)
    return resolved, flat_module(name, exported, example_inputs(resolved), resolved.outputs)


def build_encoder(
    name: str, settings: ExportSpec, decoder: FlatOutputs, snapshot: Path
) -> tuple[ExportSpec, FlatOutputs]:
    """The encoder graph of an encoder-decoder generation export beside its decoder-with-past
    ``decoder`` (exported with ``settings``): the encoder's settings (its inputs) and module."""
    wrapped = decoder.module
    assert isinstance(wrapped, DecoderWithPast)
    inputs = encoder_inputs(name, wrapped.model, read_config(name, snapshot))
    encoder_settings = with_inputs(name, dataclasses.replace(settings, outputs=None), inputs, settings.loader)
    module = Encoder(wrapped.model).eval()
    return encoder_settings, flat_module(name, module, example_inputs(encoder_settings), None)
