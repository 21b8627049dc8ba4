"""`ptm export`: build each model from its installed snapshot, export it, check it, record it in ptm.lock."""

from __future__ import annotations

import dataclasses
import importlib.util
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..api import installed_snapshot
from ..errors import PtmError
from ..lockfile import Lock, LockedFile, LockedModel, staleness, write_lock
from ..manifest import ModelSpec
from ..project import Project
from . import artifacts, runtime
from .compare import compare_outputs, tolerance
from .preprocessing import has_tokenizer, preprocessing_files, record_tokenizer
from .probes import example_inputs, output_reference, probe_inputs, probe_records
from .records import ExportRecord, TensorSignature, VerifyRecord
from .selection import export_targets, locked_model
from .spec import ExportSpec
from .versions import installed_versions

if TYPE_CHECKING:
    from .build import FlatOutputs

NEEDS = {"onnx": ("torch", "onnx", "onnxscript"), "torchscript": ("torch",)}


@dataclass(frozen=True)
class Exported:
    model: LockedModel  # the lock entry with its new records
    lines: tuple[str, ...]  # what was done, for the command line


@dataclass(frozen=True)
class _Subject:
    """One model ready to export: the wrapped module, its inputs and PyTorch's reference outputs."""

    name: str
    settings: ExportSpec
    module: FlatOutputs
    example: Mapping[str, np.ndarray]
    probe: Mapping[str, np.ndarray]
    reference: list[np.ndarray]
    base: ExportRecord  # the fields every format's record shares

    @property
    def dtypes(self) -> list[str]:
        return [r.dtype.name for r in self.reference]

    def tolerance(self, provider: str | None) -> tuple[float, float]:
        return tolerance(provider, self.dtypes, self.settings.verify)

    def check(self, what: str, outputs: Sequence[np.ndarray], provider: str | None) -> str:
        """The numbers against PyTorch; an error when they exceed the tolerance."""
        ok, detail = compare_outputs(
            self.module.output_names, outputs, self.reference, *self.tolerance(provider)
        )
        if not ok:
            raise PtmError(f"{what} of '{self.name}' disagrees with PyTorch on the probe inputs: {detail}")
        return detail

    def line(self, record: ExportRecord, detail: str) -> str:
        return f"{self.name}  {record.format}  {record.size} bytes  {record.sha256[:12]}  {detail}"

    def stored(self, fmt: str, path: Path, **fields: Any) -> ExportRecord:
        """The record of the artifact at ``path``, once it is in the store."""
        sha256, size = artifacts.put(path)
        return dataclasses.replace(self.base, format=fmt, sha256=sha256, size=size, **fields)


def _require(formats: Sequence[str]) -> None:
    for fmt in formats:
        for module in NEEDS[fmt]:
            if importlib.util.find_spec(module) is None:
                raise PtmError(f"{fmt} export needs {module}: pip install 'ptmlock[export,cpu]'")


def _symbolic_shape(
    example: tuple[int, ...], probe: tuple[int, ...], settings: ExportSpec
) -> tuple[str | int, ...]:
    """Name the output axes that follow an input axis, from the output's shape at two input sizes."""
    axes = {(settings.example_axes[s], settings.verify.probe_axes[s]): s for s in settings.symbols}
    return tuple(e if e == p else axes.get((e, p), "dynamic") for e, p in zip(example, probe, strict=True))


def _onnx(subject: _Subject, folder: Path) -> tuple[ExportRecord, list[np.ndarray], str, str]:
    """The ONNX record, onnxruntime's outputs on the probe, the provider it used, a line for the user."""
    from .onnx_export import export_onnx, onnx_signature

    settings = subject.settings
    path = export_onnx(subject.name, subject.module, settings, dict(subject.example), folder)
    session = runtime.open_session(path, settings.verify.provider)
    provider = runtime.used_provider(session)
    outputs = [np.asarray(o) for o in session.run(list(subject.module.output_names), dict(subject.probe))]
    detail = subject.check("the ONNX export", outputs, provider)
    inputs, signature = onnx_signature(path)
    external = None
    for data_file in (p for p in folder.iterdir() if p != path):
        sha256, size = artifacts.put(data_file)
        external = LockedFile(data_file.name, size, sha256)
    record = subject.stored(
        "onnx",
        path,
        tools={**subject.base.tools, **installed_versions("onnx", "onnxscript")},
        inputs=inputs,
        outputs=signature,
        opset=settings.opset,
        external_data=external,
    )
    return record, outputs, provider, subject.line(record, f"opset {settings.opset}  {provider}: {detail}")


def _torchscript(subject: _Subject, folder: Path) -> tuple[ExportRecord, str]:
    from .build import run
    from .torchscript import export_torchscript, load_torchscript

    path = export_torchscript(subject.name, subject.module, dict(subject.example), folder)
    detail = subject.check(
        "TorchScript after a save/load round trip", run(load_torchscript(path), subject.probe), None
    )
    at_example = run(subject.module, subject.example)
    record = subject.stored(
        "torchscript",
        path,
        inputs=tuple(TensorSignature(s.name, s.dtype, s.shape) for s in subject.settings.inputs),
        outputs=tuple(
            TensorSignature(n, r.dtype.name, _symbolic_shape(e.shape, r.shape, subject.settings))
            for n, e, r in zip(subject.module.output_names, at_example, subject.reference, strict=True)
        ),
    )
    return record, subject.line(record, f"round trip: {detail}")


def _subject(spec: ModelSpec, locked: LockedModel, snapshot: Path, project_root: Path) -> _Subject:
    from .build import build_module, run

    assert spec.export is not None
    settings = spec.export
    example, probe = example_inputs(settings), probe_inputs(settings)
    wrapped = build_module(spec.name, settings, snapshot, project_root)
    producers = installed_versions(
        "torch", *(["transformers"] if settings.loader.startswith("transformers:") else [])
    )
    base = ExportRecord(
        format="",
        sha256="",
        size=0,
        settings_hash=settings.settings_hash,
        tools=producers,
        inputs=(),
        outputs=(),
        preprocessing=preprocessing_files(locked, settings.preprocessing),
    )
    return _Subject(spec.name, settings, wrapped, example, probe, run(wrapped, probe), base)


def export_model(spec: ModelSpec, locked: LockedModel, project_root: Path) -> Exported:
    assert spec.export is not None
    _require(spec.export.formats)
    snapshot = installed_snapshot(locked)
    subject = _subject(spec, locked, snapshot, project_root)
    records: dict[str, ExportRecord] = {}
    lines: list[str] = []
    runtime_outputs: Sequence[np.ndarray | None] = [None] * len(subject.reference)
    provider = None
    with tempfile.TemporaryDirectory(prefix="ptm-export-") as tmp:
        if "onnx" in spec.export.formats:
            records["onnx"], runtime_outputs, provider, line = _onnx(subject, Path(tmp) / "onnx")
            lines.append(line)
        if "torchscript" in spec.export.formats:
            records["torchscript"], line = _torchscript(subject, Path(tmp) / "torchscript")
            lines.append(line)
    tokenizer = record_tokenizer(snapshot, spec.export.verify.texts) if has_tokenizer(locked) else None
    if tokenizer is not None:
        versions = ", ".join(f"{k} {v}" for k, v in sorted(tokenizer.tools.items()))
        lines.append(f"{spec.name}  tokenizer  {len(tokenizer.probes)} probe texts recorded ({versions})")
    atol, rtol = subject.tolerance(provider)
    verify = VerifyRecord(
        seed=spec.export.verify.seed,
        atol=atol,
        rtol=rtol,
        tools={
            **installed_versions("numpy", "torch"),
            **({"onnxruntime": runtime.version()} if provider else {}),
        },
        inputs=probe_records(subject.probe),
        outputs=tuple(
            output_reference(n, r, o)
            for n, r, o in zip(subject.module.output_names, subject.reference, runtime_outputs, strict=True)
        ),
        provider=provider,
        tokenizer=tokenizer,
    )
    return Exported(dataclasses.replace(locked, exports=records, verify=verify), tuple(lines))


def export_models(project: Project, names: Sequence[str]) -> tuple[list[Exported], bool]:
    """Export the named models (all that declare an export when none are named); ptm.lock is written
    once, after every export succeeded. Also says whether the lock's text changed."""
    manifest, lock = project.manifest(), project.lock()
    targets = export_targets(manifest, names)
    done = [export_model(spec, locked_model(spec, lock, project.lock_path), project.root) for spec in targets]
    assert lock is not None  # locked_model checked it
    stale = staleness(manifest, lock)
    # Export settings live in ptm.toml; when they were its only change, the lock matches it again.
    manifest_hash = (
        manifest.content_hash if not (stale.added or stale.removed or stale.changed) else lock.manifest_hash
    )
    models = {**lock.models, **{e.model.name: e.model for e in done}}
    wrote = write_lock(
        project.lock_path, Lock(manifest_hash=manifest_hash, models=models, version=lock.version)
    )
    return done, wrote
