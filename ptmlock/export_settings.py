"""The [models.X.export] and [models.X.verify] tables of ptm.toml, checked with file and line.

These settings do not change a model's bytes, so they stay out of its declaration_hash; their own hash
(``ExportSpec.settings_hash``) goes into each export record, which goes stale when they change.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .canonical import canonical_hash
from .toml_checker import TomlChecker

if TYPE_CHECKING:
    from .errors import ManifestError

FORMATS = ("onnx", "torchscript")
FLOAT_DTYPES = ("float16", "float32", "float64")
INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8")
DTYPES = (*FLOAT_DTYPES, *INT_DTYPES, "bool")
PROVIDERS = ("auto", "cuda", "cpu")
# torch's ONNX exporters: auto tries the torch.export-based (dynamo) one, then the TorchScript-based one.
EXPORTERS = ("auto", "dynamo", "torchscript")
# The precision a model is exported in (its weights and computation), besides the float32 it loads in.
MODEL_DTYPES = ("float32", "float16", "bfloat16")
EXPORT_KEYS = (
    "formats",
    "loader",
    "loader_kwargs",
    "inputs",
    "outputs",
    "opset",
    "axes",
    "external_data",
    "preprocessing",
    "artifacts",
    "exporter",
    "dtype",
    "task",
)
VERIFY_KEYS = ("atol", "rtol", "provider", "seed", "axes", "texts", "decode_steps")
# Generation-ready graphs with a KV cache (export/generation.py), as optimum's "-with-past" tasks.
DECODER_TASK = "text-generation-with-past"  # one decoder graph, past_key_values in, present out
SEQ2SEQ_TASK = "text2text-generation-with-past"  # an encoder graph and a decoder-with-past graph
TASKS = (DECODER_TASK, SEQ2SEQ_TASK)
DEFAULT_DECODE_STEPS = 8
INPUT_KEYS = ("name", "dtype", "shape", "range", "fill", "mask")
# An attention mask as a batch of padded sequences: 1 for each row's first (random) length, then 0.
MASKS = ("right-padded",)
DEFAULT_OPSET = 18
LATER_DEFAULTS = {"exporter": "auto", "dtype": "float32", "inputs_inferred": False, "task": None}
# A torch.hub model is built by its hubconf.py entry, from the installed tree and weights.
TORCH_HUB_LOADER = "ptmlock:torch_hub_load"
DEFAULT_LOADERS = {"huggingface": "transformers:AutoModel", "torchhub": TORCH_HUB_LOADER}
# Without inputs or a loader, a transformers model is loaded as the class its config.json names.
IMPLIED_LOADER = "transformers:<config.json architectures>"
# The hubs whose models may have a transformers config.json to infer inputs from.
CONFIG_HUBS = ("huggingface", "local")
# The symbolic axes inferred inputs use (export/inferred_inputs.py, export/generation.py): what `axes`
# may size for them.
INFERRED_SYMBOLS = ("batch", "sequence", "target", "past_sequence")
ARTIFACTS_FOLDER = "artifacts"
# Fixed texts whose token ids are locked: plain words, punctuation, digits, accents, emoji, odd spacing.
PROBE_TEXTS = (
    "Hello world!",
    "The cat sat on the mat.",
    "ptmlock pins 3 models; naïve café déjà vu 🤗",
    "  Leading and trailing spaces, UPPER case  ",
)
LOADER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$")
SYMBOL_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# Each key, the one value that is safe (anything else, 0 or "no" included, is taken as the risky one:
# torch and transformers only test truthiness) and what the risky value does. `ptm export` and
# `ptm verify` refuse the risky ones without --trust (export/trust.py).
RISKY_KWARGS = {
    "weights_only": (True, "unpickles the weights, and a pickle can run any code"),
    "trust_remote_code": (False, "runs the Python code of the model's repository"),
}


@dataclass(frozen=True)
class Risk:
    """A loader keyword argument that runs code from the model's files, where ptm.toml sets it."""

    key: str
    value: Any
    line: int | None

    def describe(self) -> str:
        value = json.dumps(self.value, ensure_ascii=False, default=str)  # TOML spells booleans the same
        return f"loader_kwargs {self.key} = {value}, which {RISKY_KWARGS[self.key][1]}"


def risky_keys(kwargs: Mapping[str, Any]) -> list[str]:
    return [key for key, (safe, _) in RISKY_KWARGS.items() if key in kwargs and kwargs[key] is not safe]


Dim = str | int


@dataclass(frozen=True)
class InputSpec:
    """One model input: random values within ``range`` (integers) or normal (floats), or a constant."""

    name: str
    dtype: str
    shape: tuple[Dim, ...]
    range: tuple[int, int] | None = None
    fill: float | int | None = None
    mask: str | None = None  # "right-padded": an attention mask whose 0s mark positions not compared


@dataclass(frozen=True)
class VerifySpec:
    """How `ptm verify` probes and judges; ``atol``/``rtol`` None means the provider/dtype default."""

    probe_axes: Mapping[str, int]
    seed: int = 0
    provider: str = "auto"
    atol: float | None = None
    rtol: float | None = None
    texts: tuple[str, ...] = PROBE_TEXTS
    decode_steps: int = DEFAULT_DECODE_STEPS  # tokens the greedy-decode check generates (with a task)


@dataclass(frozen=True)
class ExportSpec:
    formats: tuple[str, ...]
    loader: str
    inputs: tuple[InputSpec, ...]
    example_axes: Mapping[str, int]
    verify: VerifySpec
    outputs: tuple[str, ...] | None = None
    opset: int = DEFAULT_OPSET
    external_data: bool | None = None  # None: only when the weights approach protobuf's 2 GB limit
    preprocessing: tuple[str, ...] | None = None  # None: the tokenizer/processor files found in the lock
    # Keyword arguments for the loader: from_pretrained's, the function's, or the hubconf entry's.
    loader_kwargs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    artifacts: str = ""  # the project folder (relative to ptm.toml) the artifacts are copied into
    exporter: str = "auto"
    dtype: str = "float32"
    # No inputs declared: `ptm export` infers them (and the loader, if none is declared) from config.json.
    inputs_inferred: bool = False
    task: str | None = None  # a generation-ready export (TASKS), its inputs and outputs built for it
    settings_hash: str = ""
    # The loader_kwargs that run code from the model's files (they need --trust), with their lines.
    risks: tuple[Risk, ...] = field(default=(), compare=False)

    @property
    def symbols(self) -> tuple[str, ...]:
        return symbols_of(self.inputs)


def symbols_of(inputs: tuple[InputSpec, ...]) -> tuple[str, ...]:
    """Symbolic axis names in order of first appearance."""
    return tuple(dict.fromkeys(d for spec in inputs for d in spec.shape if isinstance(d, str)))


def default_axes(symbols: tuple[str, ...], *, probe: bool) -> dict[str, int]:
    # Distinct sizes per axis (so the exporter cannot mistake one axis for another), all above 1
    # (torch.export specialises 0 and 1), and never the same in the probe as in the export example.
    return {s: (3 + 5 * i) if probe else (2 + 4 * i) for i, s in enumerate(symbols)}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Reader:
    """Reads one table of the export settings, failing with the line of the offending key."""

    def __init__(self, toml: TomlChecker, table: tuple[str | int, ...], data: Any, title: str) -> None:
        if not isinstance(data, Mapping):
            raise toml.fail(table[:-1], str(table[-1]), f"{title} must be a table, e.g. [{title}]")
        self.toml, self.table, self.data = toml, table, data

    def fail(self, key: str | None, message: str) -> ManifestError:
        return self.toml.fail(self.table, key, message)

    def names(self, key: str) -> tuple[str, ...] | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, f"'{key}' must be a list of non-empty strings")
        if len(set(value)) != len(value):
            raise self.fail(key, f"'{key}' lists a name twice")
        return tuple(value)

    def integer(self, key: str, default: int, minimum: int) -> int:
        value = self.data.get(key, default)
        if not _is_int(value) or value < minimum:
            raise self.fail(key, f"'{key}' must be an integer >= {minimum}")
        return value

    def tolerance(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is not None and (not _is_number(value) or tolerance_problem(value)):
            raise self.fail(key, f"'{key}' must be a finite, non-negative number, e.g. {key} = 1e-4")
        return None if value is None else float(value)

    def folder(self, key: str, default: str) -> str:
        """A folder inside the project, written with forward slashes (it is recorded in ptm.lock)."""
        from .paths import unsafe_path_reason

        value = self.data.get(key, default)
        problem = "must be a string" if not isinstance(value, str) else unsafe_path_reason(value.rstrip("/"))
        if problem:
            raise self.fail(
                key, f"'{key}' {problem}; it must be a folder inside the project, e.g. \"{default}\""
            )
        return value.rstrip("/")

    def axes(self, symbols: tuple[str, ...], default: dict[str, int]) -> dict[str, int]:
        value = self.data.get("axes", {})
        if not isinstance(value, Mapping):
            raise self.fail("axes", "'axes' must be a table of axis sizes, e.g. axes = { batch = 2 }")
        for symbol, size in value.items():
            if symbol not in symbols:
                known = ", ".join(symbols) or "none"
                raise self.fail("axes", f"axis '{symbol}' is not used by any input (symbolic axes: {known})")
            if not _is_int(size) or size < 1:
                raise self.fail("axes", f"axis '{symbol}' must be a positive integer size")
        return {**default, **value}


def tolerance_problem(value: float) -> str | None:
    """Why ``value`` cannot be a tolerance (NaN compares false with everything: it would pass any run)."""
    return None if math.isfinite(value) and value >= 0 else "must be a finite number >= 0"


def _input(reader: _Reader, index: int, data: Any) -> InputSpec:
    where = f"inputs[{index}]"
    if not isinstance(data, Mapping):
        raise reader.fail("inputs", f"{where} must be a table: {{ name = ..., dtype = ..., shape = [...] }}")
    unknown = sorted(set(data) - set(INPUT_KEYS))
    if unknown:
        raise reader.fail(
            "inputs", f"{where} has unknown key '{unknown[0]}'; allowed: {', '.join(INPUT_KEYS)}"
        )
    name, dtype, shape = data.get("name"), data.get("dtype"), data.get("shape")
    if not isinstance(name, str) or not name:
        raise reader.fail("inputs", f"{where} needs a name")
    if dtype not in DTYPES:
        raise reader.fail(
            "inputs", f"input '{name}' has dtype {dtype!r}; expected one of: {', '.join(DTYPES)}"
        )
    if not isinstance(shape, list) or not all(
        (_is_int(d) and d >= 1) or (isinstance(d, str) and SYMBOL_RE.match(d)) for d in shape
    ):
        raise reader.fail(
            "inputs", f"input '{name}' needs shape = a list of sizes or axis names, e.g. [\"batch\", 8]"
        )
    value_range, fill, mask = data.get("range"), data.get("fill"), data.get("mask")
    if sum(v is not None for v in (value_range, fill, mask)) > 1:
        raise reader.fail("inputs", f"input '{name}' has more than one of range, fill and mask; keep one")
    if mask is not None and (mask not in MASKS or dtype not in INT_DTYPES or len(shape) != 2):
        raise reader.fail(
            "inputs",
            f"input '{name}': mask = \"right-padded\" is for an integer input of shape [batch, sequence]",
        )
    if value_range is not None and not (
        dtype in INT_DTYPES
        and isinstance(value_range, list)
        and len(value_range) == 2
        and all(_is_int(v) for v in value_range)
        and value_range[0] < value_range[1]
    ):
        raise reader.fail(
            "inputs", f"input '{name}': range = [low, high) of two integers is for integer inputs only"
        )
    if fill is not None and not _is_number(fill):
        raise reader.fail("inputs", f"input '{name}': fill must be a number")
    if dtype in INT_DTYPES and value_range is None and fill is None and mask is None:
        raise reader.fail(
            "inputs", f"integer input '{name}' needs range = [low, high) (e.g. [0, vocab size]) or fill"
        )
    return InputSpec(
        name=name,
        dtype=dtype,
        shape=tuple(shape),
        range=(value_range[0], value_range[1]) if value_range else None,
        fill=fill,
        mask=mask,
    )


def _inputs(reader: _Reader) -> tuple[InputSpec, ...] | None:
    """The declared inputs; None when there are none to infer them from the model's config."""
    if "inputs" not in reader.data:
        return None
    raw = reader.data.get("inputs")
    if not isinstance(raw, list) or not raw:
        raise reader.fail(
            "inputs",
            "export needs inputs = [{ name = ..., dtype = ..., shape = [...] }, ...] (the model's arguments)",
        )
    inputs = tuple(_input(reader, i, entry) for i, entry in enumerate(raw))
    names = [spec.name for spec in inputs]
    if len(set(names)) != len(names):
        raise reader.fail("inputs", "two inputs share a name")
    return inputs


def _verify(
    toml: TomlChecker, table: tuple[str, ...], data: Any, symbols: tuple[str, ...], inferred: bool
) -> VerifySpec:
    reader = _Reader(toml, table, data, ".".join(table))
    toml.known_keys(table, data, VERIFY_KEYS)
    texts = reader.names("texts")
    defaults = {} if inferred else default_axes(symbols, probe=True)
    return VerifySpec(
        probe_axes=MappingProxyType(reader.axes(symbols, defaults)),
        seed=reader.integer("seed", 0, 0),
        provider=toml.string(table, data, "provider", choices=PROVIDERS) or "auto",
        atol=reader.tolerance("atol"),
        rtol=reader.tolerance("rtol"),
        texts=PROBE_TEXTS if texts is None else texts,
        decode_steps=reader.integer("decode_steps", DEFAULT_DECODE_STEPS, 1),
    )


def parse_export(toml: TomlChecker, name: str, hub: str, export: Any, verify: Any) -> ExportSpec:
    """The checked export settings of model ``name`` (``verify`` may be None)."""
    table = ("models", name, "export")
    reader = _Reader(toml, table, export, f"models.{name}.export")
    toml.known_keys(table, export, EXPORT_KEYS)
    formats = reader.names("formats") or ("onnx",)
    for fmt in formats:
        if fmt not in FORMATS:
            raise reader.fail(
                "formats", f"format '{fmt}' is not known; expected one of: {', '.join(FORMATS)}"
            )
    inputs = _inputs(reader)
    declared_loader = toml.string(table, export, "loader")
    inferred = inputs is None
    task = toml.string(table, export, "task", choices=TASKS)
    if task and not inferred:
        raise reader.fail(
            "inputs", f"task = \"{task}\" builds the graphs' inputs from the model's config; remove inputs"
        )
    if task and formats != ("onnx",):
        raise reader.fail("formats", f'task = "{task}" exports ONNX graphs only; declare formats = ["onnx"]')
    if inferred and hub not in CONFIG_HUBS:
        raise reader.fail(
            None,
            f"export needs inputs = [{{ name = ..., dtype = ..., shape = [...] }}, ...] (the model's "
            f"arguments): they are inferred only for transformers models ({', '.join(CONFIG_HUBS)} hubs)",
        )
    implied = IMPLIED_LOADER if inferred else DEFAULT_LOADERS.get(hub)
    loader = declared_loader or implied
    if loader is None:
        raise reader.fail(None, f"models from hub '{hub}' need loader = \"package.module:function\"")
    if loader == TORCH_HUB_LOADER and hub != "torchhub":
        raise reader.fail(
            "loader", f"loader '{loader}' builds torch.hub models; '{name}' is from hub '{hub}'"
        )
    if declared_loader and not LOADER_RE.match(loader):
        raise reader.fail(
            "loader",
            f'loader \'{loader}\' must look like "transformers:AutoModel" or "package.module:function"',
        )
    kwargs = export.get("loader_kwargs", {})
    if not isinstance(kwargs, Mapping):
        raise reader.fail("loader_kwargs", "'loader_kwargs' must be a table, e.g. { pretrained = true }")
    external = export.get("external_data", "auto")
    if external != "auto" and not isinstance(external, bool):
        raise reader.fail("external_data", 'external_data must be true, false or "auto"')
    # Inferred inputs are known at export: their axes get defaults then (inferred_inputs.with_inputs).
    symbols = INFERRED_SYMBOLS if inputs is None else symbols_of(inputs)
    example_axes = reader.axes(symbols, {} if inferred else default_axes(symbols, probe=False))
    checks = _verify(toml, ("models", name, "verify"), {} if verify is None else verify, symbols, inferred)
    if symbols and not inferred and dict(checks.probe_axes) == example_axes:
        raise toml.fail(
            ("models", name, "verify"),
            "axes",
            f"the probe axes of '{name}' equal the export example's; make one differ to test dynamic axes",
        )
    spec = ExportSpec(
        formats=formats,
        loader=loader,
        inputs=inputs or (),
        example_axes=MappingProxyType(example_axes),
        verify=checks,
        outputs=reader.names("outputs"),
        opset=reader.integer("opset", DEFAULT_OPSET, 1),
        external_data=None if external == "auto" else external,
        preprocessing=reader.names("preprocessing"),
        loader_kwargs=MappingProxyType(dict(kwargs)),
        artifacts=reader.folder("artifacts", f"{ARTIFACTS_FOLDER}/{name}"),
        exporter=toml.string(table, export, "exporter", choices=EXPORTERS) or "auto",
        dtype=toml.string(table, export, "dtype", choices=MODEL_DTYPES) or "float32",
        inputs_inferred=inferred,
        task=task,
        risks=tuple(
            Risk(key, kwargs[key], toml.line((*table, "loader_kwargs"), key)) for key in risky_keys(kwargs)
        ),
    )
    # Tolerances and the provider judge a run; they do not change what an export records.
    recorded = {
        **{
            f.name: getattr(spec, f.name)
            for f in dataclasses.fields(spec)
            if f.name not in ("verify", "settings_hash", "risks")
            # Settings added later count only when set: records exported before them stay fresh.
            and not (f.name in LATER_DEFAULTS and getattr(spec, f.name) == LATER_DEFAULTS[f.name])
        },
        # An input without a mask hashes as before masks existed: records exported then stay fresh.
        "inputs": [
            {k: v for k, v in dataclasses.asdict(i).items() if k != "mask" or v} for i in inputs or ()
        ],
        "loader_kwargs": dict(kwargs),
        "example_axes": example_axes,
        "probe": {
            "axes": dict(checks.probe_axes),
            "seed": checks.seed,
            "texts": checks.texts,
            # Only a generation export decodes: the others' records stay fresh.
            **({"decode_steps": checks.decode_steps} if task else {}),
        },
    }
    return dataclasses.replace(spec, settings_hash=canonical_hash(recorded))
