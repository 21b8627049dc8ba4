"""What `ptm export` writes into ptm.lock: per-format artifact records and the verification reference.

Plain frozen data with ``to_data``/``from_data`` for the lock's TOML; nothing here needs numpy or torch,
so reading a lock stays light.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ..export_settings import InputSpec
from ..lockfile import LockedFile, LockedModel
from .copies import preprocessing_copies

Dim = str | int
# The ONNX exporter that wrote an artifact (dynamo or torchscript), among the tools that produced it.
EXPORTER_TOOL = "exporter"


def _file_data(file: LockedFile) -> dict[str, Any]:
    return {"path": file.path, "size": file.size, "sha256": file.sha256}


def _present(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without its None values: optional fields are left out of the lock, not written empty."""
    return {k: v for k, v in data.items() if v is not None}


def _file(data: Mapping[str, Any]) -> LockedFile:
    return LockedFile(data["path"], data["size"], data["sha256"])


@dataclass(frozen=True)
class TensorSignature:
    """A graph input or output: symbolic axes are names (``batch``), fixed axes are sizes."""

    name: str
    dtype: str
    shape: tuple[Dim, ...]

    def __str__(self) -> str:
        return f"{self.name}: {self.dtype}[{', '.join(map(str, self.shape))}]"

    def to_data(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "shape": list(self.shape)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> TensorSignature:
        return cls(data["name"], data["dtype"], tuple(data["shape"]))


@dataclass(frozen=True)
class ExportRecord:
    """One exported artifact: stored by sha256 in the artifact store and copied to ``path`` in the project
    (relative to ptm.toml), so that a clone has it too; an external data file lies beside it."""

    format: str
    sha256: str
    size: int
    path: str
    settings_hash: str
    tools: Mapping[str, str]
    inputs: tuple[TensorSignature, ...]
    outputs: tuple[TensorSignature, ...]
    preprocessing: tuple[LockedFile, ...] = ()
    opset: int | None = None
    external_data: LockedFile | None = None  # the weights file next to a > 2 GB ONNX graph

    @property
    def exporter(self) -> str | None:
        return self.tools.get(EXPORTER_TOOL)

    @property
    def files(self) -> tuple[LockedFile, ...]:
        """Every file of the artifact, by project path: the graph first, then its data file."""
        main = LockedFile(self.path, self.size, self.sha256)
        if self.external_data is None:
            return (main,)
        folder = PurePosixPath(self.path).parent
        return main, LockedFile(
            str(folder / self.external_data.path), self.external_data.size, self.external_data.sha256
        )

    def to_data(self) -> dict[str, Any]:
        return _present(
            {
                "path": self.path,
                "sha256": self.sha256,
                "size": self.size,
                "external_data": self.external_data and _file_data(self.external_data),
                "opset": self.opset,
                "settings_hash": self.settings_hash,
                "tools": dict(sorted(self.tools.items())),
                "inputs": [s.to_data() for s in self.inputs],
                "outputs": [s.to_data() for s in self.outputs],
                "preprocessing": [_file_data(f) for f in self.preprocessing],
            }
        )

    @classmethod
    def from_data(cls, fmt: str, data: Mapping[str, Any]) -> ExportRecord:
        external = data.get("external_data")
        return cls(
            format=fmt,
            sha256=data["sha256"],
            size=data["size"],
            path=data["path"],
            settings_hash=data["settings_hash"],
            tools=dict(data["tools"]),
            inputs=tuple(TensorSignature.from_data(s) for s in data["inputs"]),
            outputs=tuple(TensorSignature.from_data(s) for s in data["outputs"]),
            preprocessing=tuple(_file(f) for f in data["preprocessing"]),
            opset=data.get("opset"),
            external_data=_file(external) if external else None,
        )


@dataclass(frozen=True)
class ProbeInput:
    name: str
    shape: tuple[int, ...]
    sha256: str  # of the generated values: a changed random stream is reported as such, not as drift


@dataclass(frozen=True)
class OutputReference:
    """PyTorch eager's output on the probe inputs: its dtype, shape and hash.

    The values themselves are in the verify record's reference file, every one of them, so a comparison
    with the lock sees any element that moved. ``runtime_sha256`` is onnxruntime's output at export
    time: equal bytes later mean the artifact and runtime behave identically.
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    sha256: str
    runtime_sha256: str | None = None

    def to_data(self) -> dict[str, Any]:
        return _present(
            {
                "dtype": self.dtype,
                "shape": list(self.shape),
                "sha256": self.sha256,
                "runtime_sha256": self.runtime_sha256,
            }
        )

    @classmethod
    def from_data(cls, name: str, data: Mapping[str, Any]) -> OutputReference:
        return cls(name, data["dtype"], tuple(data["shape"]), data["sha256"], data.get("runtime_sha256"))


@dataclass(frozen=True)
class TokenizerProbe:
    text: str
    ids: tuple[int, ...]


@dataclass(frozen=True)
class TokenizerRecord:
    """Token ids of fixed texts from the model's tokenizer, loaded as users load it (transformers).

    ``tokenizer_json`` says whether tokenizer.json alone (the ``tokenizers`` library) gives the same
    ids, which lets `ptm verify --frozen` check them without importing transformers (and so torch).
    """

    tools: Mapping[str, str]
    probes: tuple[TokenizerProbe, ...]
    tokenizer_json: bool

    def to_data(self) -> dict[str, Any]:
        return {
            "tokenizer_json": self.tokenizer_json,
            "tools": dict(sorted(self.tools.items())),
            "probes": [{"text": p.text, "ids": list(p.ids)} for p in self.probes],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> TokenizerRecord:
        return cls(
            tools=dict(data["tools"]),
            probes=tuple(TokenizerProbe(p["text"], tuple(p["ids"])) for p in data["probes"]),
            tokenizer_json=data["tokenizer_json"],
        )


def _input_data(spec: InputSpec) -> dict[str, Any]:
    return _present(
        {
            "name": spec.name,
            "dtype": spec.dtype,
            "shape": list(spec.shape),
            "range": spec.range and list(spec.range),
            "fill": spec.fill,
            "mask": spec.mask,
        }
    )


def _input_spec(data: Mapping[str, Any]) -> InputSpec:
    value_range = data.get("range")
    return InputSpec(
        name=data["name"],
        dtype=data["dtype"],
        shape=tuple(data["shape"]),
        range=(value_range[0], value_range[1]) if value_range else None,
        fill=data.get("fill"),
        mask=data.get("mask"),
    )


@dataclass(frozen=True)
class InferredRecord:
    """The loader and inputs `ptm export` inferred from the model's config.json (none were declared):
    `ptm verify` probes with them, and `--frozen` needs no config.json or weights for it."""

    loader: str
    inputs: tuple[InputSpec, ...]

    def to_data(self) -> dict[str, Any]:
        return {"loader": self.loader, "inputs": [_input_data(i) for i in self.inputs]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> InferredRecord:
        return cls(data["loader"], tuple(_input_spec(i) for i in data["inputs"]))


@dataclass(frozen=True)
class GenerationRecord:
    """The greedy decode of a generation-ready export: ``steps`` tokens from ``prompt`` (token ids; an
    encoder-decoder starts decoding from ``start``), the ids PyTorch's ``generate`` and the graphs both
    produced, and the encoder graph of an encoder-decoder model (the decoder-with-past graph is the
    model's onnx export)."""

    task: str
    steps: int
    start: int
    prompt: tuple[int, ...]
    ids: tuple[int, ...]
    encoder: ExportRecord | None = None

    def to_data(self) -> dict[str, Any]:
        return _present(
            {
                "task": self.task,
                "steps": self.steps,
                "start": self.start,
                "prompt": list(self.prompt),
                "ids": list(self.ids),
                "encoder": self.encoder and self.encoder.to_data(),
            }
        )

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> GenerationRecord:
        encoder = data.get("encoder")
        return cls(
            task=data["task"],
            steps=data["steps"],
            start=data["start"],
            prompt=tuple(data["prompt"]),
            ids=tuple(data["ids"]),
            encoder=ExportRecord.from_data("onnx", encoder) if encoder else None,
        )


@dataclass(frozen=True)
class VerifyRecord:
    """The reference `ptm verify` compares with: probe seed and shapes, reference outputs, tokenizer ids.

    ``reference`` is the file holding PyTorch's outputs (stored and copied into the project like the
    artifacts); ``provider`` is the execution provider onnxruntime really used at export (None without
    ONNX); ``atol``/``rtol`` are the tolerances the artifacts met against PyTorch then.
    """

    seed: int
    atol: float
    rtol: float
    tools: Mapping[str, str]
    inputs: tuple[ProbeInput, ...]
    outputs: tuple[OutputReference, ...]
    reference: LockedFile
    provider: str | None = None
    tokenizer: TokenizerRecord | None = field(default=None)
    inferred: InferredRecord | None = None
    generation: GenerationRecord | None = None

    def to_data(self) -> dict[str, Any]:
        return _present(
            {
                "seed": self.seed,
                "provider": self.provider,
                "atol": self.atol,
                "rtol": self.rtol,
                "tools": dict(sorted(self.tools.items())),
                "inputs": [{"name": i.name, "shape": list(i.shape), "sha256": i.sha256} for i in self.inputs],
                "outputs": {o.name: o.to_data() for o in self.outputs},
                "reference": _file_data(self.reference),
                "tokenizer": self.tokenizer and self.tokenizer.to_data(),
                "inferred": self.inferred and self.inferred.to_data(),
                "generation": self.generation and self.generation.to_data(),
            }
        )

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> VerifyRecord:
        return cls(
            seed=data["seed"],
            atol=data["atol"],
            rtol=data["rtol"],
            tools=dict(data["tools"]),
            inputs=tuple(ProbeInput(i["name"], tuple(i["shape"]), i["sha256"]) for i in data["inputs"]),
            outputs=tuple(OutputReference.from_data(name, o) for name, o in data["outputs"].items()),
            reference=_file(data["reference"]),
            provider=data.get("provider"),
            tokenizer=TokenizerRecord.from_data(data["tokenizer"]) if "tokenizer" in data else None,
            inferred=InferredRecord.from_data(data["inferred"]) if "inferred" in data else None,
            generation=GenerationRecord.from_data(data["generation"]) if "generation" in data else None,
        )


def exports_of(model: LockedModel) -> dict[str, ExportRecord]:
    """The model's export records by format, read from the lock's plain [models.X.exports] tables."""
    tables = model.export_tables.get("exports", {})
    return {fmt: ExportRecord.from_data(fmt, data) for fmt, data in tables.items()}


def verify_of(model: LockedModel) -> VerifyRecord | None:
    """The model's verification reference, from [models.X.verify], if `ptm export` wrote one."""
    data = model.export_tables.get("verify")
    return VerifyRecord.from_data(data) if data is not None else None


def project_files(model: LockedModel) -> list[LockedFile]:
    """The files `ptm export` put in the project for ``model``: its artifacts, the copies of its
    preprocessing files and its reference outputs."""
    exports = exports_of(model).values()
    files = [f for record in exports for f in record.files]
    files += [c.copy for c in preprocessing_copies(exports)]
    verify = verify_of(model)
    if verify is None:
        return files
    encoder = verify.generation and verify.generation.encoder
    return [*files, verify.reference, *(encoder.files if encoder else ())]


def with_records(
    model: LockedModel, exports: Mapping[str, ExportRecord], verify: VerifyRecord | None
) -> LockedModel:
    """``model`` carrying these records, as the plain tables the lock renders (formats sorted)."""
    tables: dict[str, Any] = {}
    if exports:
        tables["exports"] = {fmt: exports[fmt].to_data() for fmt in sorted(exports)}
    if verify is not None:
        tables["verify"] = verify.to_data()
    return model._replace(export_tables=tables)


def contract_signatures(models: Mapping[str, Any]) -> dict[str, str]:
    """Each exported model's input/output contract (from its ONNX record, else its first), for group checks.

    ``models`` maps names to locked models; those without export records have no known contract yet.
    """
    signatures = {}
    for name, model in models.items():
        if exports := exports_of(model):
            record = exports.get("onnx") or next(iter(exports.values()))
            inputs, outputs = (", ".join(map(str, tensors)) for tensors in (record.inputs, record.outputs))
            signatures[name] = f"({inputs}) -> ({outputs})"
    return signatures
