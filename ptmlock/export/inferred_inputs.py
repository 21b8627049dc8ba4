"""A transformers model's inputs, inferred from its config.json and its forward's parameters, for an
``[models.X.export]`` that declares no ``inputs``.

The config is plain JSON (no torch); the forward's parameters come from the loaded model. What `ptm
export` inferred is recorded in ptm.lock, so `ptm verify` (``--frozen`` on a clone without the weights
too) probes with exactly the inputs the artifacts were exported and checked with.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import PtmError
from ..export_settings import ExportSpec, InputSpec, default_axes, symbols_of
from .records import InferredRecord, VerifyRecord

CONFIG_NAME = "config.json"
TEXT_SHAPE = ("batch", "sequence")
TARGET_SHAPE = ("batch", "target")
CONVOLUTIONAL_IMAGE_SIZE = (64, 64)


def _declare(name: str) -> str:
    return f"declare inputs = [{{ name = ..., dtype = ..., shape = [...] }}, ...] in [models.{name}.export]"


def read_config(name: str, snapshot: Path) -> dict[str, Any]:
    """The model's config.json; an error naming the fix when there is none to infer inputs from."""
    path = snapshot / CONFIG_NAME
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PtmError(f"'{name}' has no {CONFIG_NAME} to infer its inputs from; {_declare(name)}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PtmError(
            f"the {CONFIG_NAME} of '{name}' cannot be read to infer its inputs ({error}); {_declare(name)}"
        ) from error
    if not isinstance(config, dict):
        raise PtmError(f"the {CONFIG_NAME} of '{name}' is not a JSON object; {_declare(name)}")
    return config


def implied_loader(name: str, config: Mapping[str, Any]) -> str:
    """``transformers:<the class config.json's architectures name>``: the model as it was saved."""
    architectures = config.get("architectures")
    if not (isinstance(architectures, list) and architectures and isinstance(architectures[0], str)):
        raise PtmError(
            f"the {CONFIG_NAME} of '{name}' names no architecture; declare "
            f'loader = "transformers:AutoModelFor..." in [models.{name}.export]'
        )
    return f"transformers:{architectures[0]}"


def _positive(config: Mapping[str, Any], key: str) -> int | None:
    value = config.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _part(config: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A composite model's sub-config (CLIP's text_config, vision_config), else the config itself."""
    part = config.get(key)
    return part if isinstance(part, Mapping) else config


def _image_size(vision: Mapping[str, Any]) -> tuple[int, int] | None:
    size = vision.get("image_size")
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        return size, size
    if isinstance(size, list) and len(size) == 2 and all(isinstance(s, int) and s > 0 for s in size):
        return size[0], size[1]
    return None


def _candidates(config: Mapping[str, Any]) -> dict[str, InputSpec | str]:
    """Each input the config describes, or why it cannot be inferred, by forward parameter name."""
    text, vision = _part(config, "text_config"), _part(config, "vision_config")
    found: dict[str, InputSpec | str] = {}
    if vocab := _positive(text, "vocab_size"):
        found["input_ids"] = InputSpec("input_ids", "int64", TEXT_SHAPE, range=(0, vocab))
        found["attention_mask"] = InputSpec("attention_mask", "int64", TEXT_SHAPE, mask="right-padded")
        if config.get("is_encoder_decoder") is True:
            found["decoder_input_ids"] = InputSpec(
                "decoder_input_ids", "int64", TARGET_SHAPE, range=(0, vocab)
            )
    else:
        found["input_ids"] = "config.json has no vocab_size"
    if types := _positive(text, "type_vocab_size"):
        found["token_type_ids"] = InputSpec("token_type_ids", "int64", TEXT_SHAPE, range=(0, types))
    size, channels = _image_size(vision), _positive(vision, "num_channels")
    if size is None and channels:
        # A convolutional network (ResNet, ConvNeXt) takes images of any size and its config names none:
        # the 64x64 that optimum's dummy inputs use too.
        size = CONVOLUTIONAL_IMAGE_SIZE
    if size is not None:
        found["pixel_values"] = InputSpec("pixel_values", "float32", ("batch", channels or 3, *size))
    else:
        found["pixel_values"] = "config.json has neither image_size nor num_channels"
    mel_bins, positions = _positive(config, "num_mel_bins"), _positive(config, "max_source_positions")
    if mel_bins and positions:
        # Whisper's encoder takes exactly twice its positions in frames (two convolutions, one of stride 2).
        found["input_features"] = InputSpec("input_features", "float32", ("batch", mel_bins, 2 * positions))
    else:
        found["input_features"] = "config.json has no num_mel_bins and max_source_positions"
    return found


def infer_inputs(
    name: str, config: Mapping[str, Any], parameters: Sequence[str], required: Sequence[str]
) -> tuple[InputSpec, ...]:
    """The inputs of a model whose forward takes ``parameters`` (``required`` ones without a default),
    in the forward's order: those the config describes; attention masks only beside token ids."""
    found = _candidates(config)
    inputs = [spec for p in parameters if isinstance(spec := found.get(p), InputSpec)]
    names = [spec.name for spec in inputs]
    if "attention_mask" in names and "input_ids" not in names:  # an audio or image model's mask is optional
        inputs = [spec for spec in inputs if spec.name != "attention_mask"]
    missing = [p for p in required if p not in names]
    if missing or not inputs:
        what = missing[0] if missing else "any input its forward takes"
        why = found.get(what)
        because = f" ({why})" if isinstance(why, str) else ""
        raise PtmError(f"cannot infer {what} of '{name}' from its {CONFIG_NAME}{because}; {_declare(name)}")
    return tuple(inputs)


def with_inputs(name: str, settings: ExportSpec, inputs: tuple[InputSpec, ...], loader: str) -> ExportSpec:
    """``settings`` with inferred ``inputs`` and ``loader``: the axes declared for them over the defaults."""
    symbols = symbols_of(inputs)
    declared_example = {s: n for s, n in settings.example_axes.items() if s in symbols}
    declared_probe = {s: n for s, n in settings.verify.probe_axes.items() if s in symbols}
    example = {**default_axes(symbols, probe=False), **declared_example}
    probe = {**default_axes(symbols, probe=True), **declared_probe}
    if symbols and example == probe:
        raise PtmError(
            f"the probe axes of '{name}' equal the export example's; make one differ in "
            f"[models.{name}.verify] axes to test dynamic axes"
        )
    return dataclasses.replace(
        settings,
        loader=loader,
        inputs=inputs,
        example_axes=MappingProxyType(example),
        verify=dataclasses.replace(settings.verify, probe_axes=MappingProxyType(probe)),
    )


def recorded(settings: ExportSpec) -> InferredRecord | None:
    """What ptm.lock keeps of an inference (None when ``settings`` declared their inputs)."""
    if not settings.inputs_inferred:
        return None
    return InferredRecord(loader=settings.loader, inputs=settings.inputs)


def as_exported(name: str, settings: ExportSpec, reference: VerifyRecord | None) -> ExportSpec:
    """The settings `ptm export` used: the declared ones, or with the inputs it inferred, from ptm.lock."""
    if not settings.inputs_inferred:
        return settings
    if reference is None or reference.inferred is None:
        raise PtmError(f"ptm.lock has no inputs inferred for '{name}'; run `ptm export {name}`")
    return with_inputs(name, settings, reference.inferred.inputs, reference.inferred.loader)
