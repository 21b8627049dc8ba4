"""`ptm export`: build each model from its checked snapshot, export it, check it, record it in ptm.lock.

Artifacts go into the store and into the project's artifacts folders, and ptm.lock is written, only once
every model exported; what a previous export left there and this one replaces is removed after.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import progress
from ..errors import ManifestError, PtmError
from ..export_settings import ARTIFACTS_FOLDER, DECODER_TASK, SEQ2SEQ_TASK, ExportSpec
from ..install.verify import installed_snapshot
from ..lockfile import Lock, LockedFile, LockedModel, write_lock
from ..manifest import Manifest, ModelSpec
from ..project import Project
from . import artifacts, runtime
from .compare import compare_outputs, tolerance
from .copies import copy_sources
from .inferred_inputs import recorded
from .preprocessing import has_tokenizer, preprocessing_files, record_tokenizer
from .probes import (
    REFERENCE_NAME,
    example_inputs,
    kept_positions,
    output_reference,
    probe_inputs,
    probe_records,
    reference_bytes,
)
from .processor import record_processor, with_processor
from .records import (
    EXPORTER_TOOL,
    ExportRecord,
    TensorSignature,
    VerifyRecord,
    project_files,
    with_records,
)
from .selection import export_targets, locked_model
from .trust import require_trust
from .versions import first_missing, installed_versions

if TYPE_CHECKING:
    from .build import FlatOutputs

NEEDS = {"onnx": ("torch", "onnx", "onnxscript"), "torchscript": ("torch",)}


@dataclass(frozen=True)
class Exported:
    model: LockedModel  # the lock entry with its new records
    lines: tuple[str, ...]  # what was done, for the command line
    files: tuple[tuple[LockedFile, Path], ...]  # each project copy to write, and where its bytes are now


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
        """The outputs' dtypes and the one the model computes in (a bfloat16 model has float32 outputs)."""
        return [*(r.dtype.name for r in self.reference), self.settings.dtype]

    def tolerance(self, provider: str | None) -> tuple[float, float]:
        return tolerance(provider, self.dtypes, self.settings.verify)

    def check(self, what: str, outputs: Sequence[np.ndarray], provider: str | None) -> str:
        """The numbers against PyTorch; an error when they exceed the tolerance."""
        kept = kept_positions(self.settings.inputs, self.probe)
        ok, detail = compare_outputs(
            self.module.output_names, outputs, self.reference, *self.tolerance(provider), kept
        )
        if not ok:
            raise PtmError(f"{what} of '{self.name}' disagrees with PyTorch on the probe inputs: {detail}")
        return detail

    def line(self, record: ExportRecord, detail: str) -> str:
        where = f"{record.path}  {record.size} bytes  {record.sha256[:12]}"
        return f"{self.name}  {record.format}  {where}  {detail}"

    def project_file(self, path: Path) -> LockedFile:
        """``path`` put in the store, as the file it becomes in the project's artifacts folder."""
        sha256, size = artifacts.put(path)
        return LockedFile(f"{self.settings.artifacts}/{path.name}", size, sha256)

    def stored(self, fmt: str, path: Path, **fields: Any) -> ExportRecord:
        """The record of the artifact at ``path``, once it is in the store."""
        file = self.project_file(path)
        return dataclasses.replace(
            self.base, format=fmt, sha256=file.sha256, size=file.size, path=file.path, **fields
        )


def _require(formats: Sequence[str]) -> None:
    for fmt in formats:
        if missing := first_missing(*NEEDS[fmt]):
            raise PtmError(f"{fmt} export needs {missing}: pip install 'ptmlock[export,cpu]'")


def _check_folders(manifest: Manifest) -> None:
    """Two models exporting into one folder would overwrite each other's model.onnx."""
    owners: dict[str, str] = {}
    for spec in manifest.models.values():
        if spec.export is None:
            continue
        owner = owners.setdefault(spec.export.artifacts, spec.name)
        if owner != spec.name:
            raise ManifestError(
                manifest.path,
                spec.line,
                f"'{spec.name}' and '{owner}' both export into {spec.export.artifacts}/; "
                f'give [models.{spec.name}.export] its own artifacts = "..." folder',
            )


def _symbolic_shape(
    example: tuple[int, ...], probe: tuple[int, ...], settings: ExportSpec
) -> tuple[str | int, ...]:
    """Name the output axes that follow an input axis, from the output's shape at two input sizes."""
    axes = {(settings.example_axes[s], settings.verify.probe_axes[s]): s for s in settings.symbols}
    return tuple(e if e == p else axes.get((e, p), "dynamic") for e, p in zip(example, probe, strict=True))


def _onnx(
    subject: _Subject, folder: Path, shown: progress.Bar
) -> tuple[ExportRecord, list[np.ndarray], str, list[Path], str]:
    """The ONNX record, onnxruntime's outputs on the probe, the provider it used, the exported files (graph
    first) and a line for the user."""
    from .onnx_export import export_onnx, onnx_signature

    settings = subject.settings
    shown.describe(f"{subject.name}: exporting to ONNX")
    exported = export_onnx(subject.name, subject.module, settings, dict(subject.example), folder)
    path = exported.path
    shown.describe(f"{subject.name}: checking the ONNX export in onnxruntime")
    session = runtime.open_session(path, settings.verify.provider)
    names = list(subject.module.output_names)
    outputs = runtime.run_session(session, names, subject.probe, f"the ONNX export of '{subject.name}'")
    provider = runtime.used_provider(session, path, subject.probe)
    detail = subject.check("the ONNX export", outputs, provider)
    inputs, signature = onnx_signature(path)
    data_files = [p for p in folder.iterdir() if p != path]
    external = None
    for data_file in data_files:
        sha256, size = artifacts.put(data_file)
        external = LockedFile(data_file.name, size, sha256)
    record = subject.stored(
        "onnx",
        path,
        tools={
            **subject.base.tools,
            **installed_versions("onnx", "onnxscript"),
            EXPORTER_TOOL: exported.exporter,
        },
        inputs=inputs,
        outputs=signature,
        opset=settings.opset,
        external_data=external,
    )
    by = f"opset {settings.opset} by {exported.exporter}" + "".join(
        f" ({exporter} failed: {why})" for exporter, why in exported.failures
    )
    line = subject.line(record, f"{by}  {provider}: {detail}")
    return record, outputs, provider, [path, *data_files], line


def _torchscript(subject: _Subject, folder: Path, shown: progress.Bar) -> tuple[ExportRecord, Path, str]:
    from .build import run
    from .torchscript import export_torchscript, load_torchscript

    shown.describe(f"{subject.name}: exporting to TorchScript and checking a save/load round trip")
    path = export_torchscript(subject.name, subject.module, dict(subject.example), folder)
    outputs = run(
        load_torchscript(path),
        subject.probe,
        f"the TorchScript export of '{subject.name}' on the probe inputs",
    )
    detail = subject.check("TorchScript after a save/load round trip", outputs, None)
    at_example = run(subject.module, subject.example, f"'{subject.name}' on its example inputs")
    record = subject.stored(
        "torchscript",
        path,
        inputs=tuple(TensorSignature(s.name, s.dtype, s.shape) for s in subject.settings.inputs),
        outputs=tuple(
            TensorSignature(n, r.dtype.name, _symbolic_shape(e.shape, r.shape, subject.settings))
            for n, e, r in zip(subject.module.output_names, at_example, subject.reference, strict=True)
        ),
    )
    return record, path, subject.line(record, f"round trip: {detail}")


def _left_out(name: str, module: FlatOutputs) -> list[str]:
    """A line for the outputs no graph can return (not tensors), never a silent drop; the KV cache's says
    which task exports it."""
    if not module.left_out:
        return []
    caches = [n for n in module.left_out if n in ("cache", "past_key_values")]
    task = (
        f'; task = "{DECODER_TASK}" (or "{SEQ2SEQ_TASK}") exports a graph with the KV cache' if caches else ""
    )
    return [f"{name}  note: output {', '.join(module.left_out)} left out (not a tensor){task}"]


def _subject(spec: ModelSpec, locked: LockedModel, snapshot: Path, project: Project) -> _Subject:
    from .build import build_for_export, run

    assert spec.export is not None
    settings, wrapped = build_for_export(spec.name, spec.export, snapshot, project)
    example, probe = example_inputs(settings), probe_inputs(settings)
    producers = installed_versions(
        "torch", *(["transformers"] if settings.loader.startswith("transformers:") else [])
    )
    base = ExportRecord(
        format="",
        sha256="",
        size=0,
        path="",
        settings_hash=settings.settings_hash,
        tools=producers,
        inputs=(),
        outputs=(),
        preprocessing=preprocessing_files(locked, settings.preprocessing),
    )
    reference = run(wrapped, probe, f"'{spec.name}' on its probe inputs")
    return _Subject(spec.name, settings, wrapped, example, probe, reference, base)


def export_model(
    spec: ModelSpec, locked: LockedModel, project: Project, folder: Path, shown: progress.Bar
) -> Exported:
    """Export ``spec`` into ``folder`` (kept until its files are copied into the project) and the store;
    ``shown`` says which step runs."""
    assert spec.export is not None
    _require(spec.export.formats)
    shown.describe(f"{spec.name}: checking the installed files")
    snapshot = installed_snapshot(locked, hashed=True)
    shown.describe(f"{spec.name}: loading it in PyTorch and running it on the probe inputs")
    subject = _subject(spec, locked, snapshot, project)
    records: dict[str, ExportRecord] = {}
    lines: list[str] = []
    exported: list[Path] = []
    runtime_outputs: Sequence[np.ndarray | None] = [None] * len(subject.reference)
    provider = None
    lines += _left_out(spec.name, subject.module)
    if "onnx" in spec.export.formats:
        records["onnx"], runtime_outputs, provider, paths, line = _onnx(subject, folder / "onnx", shown)
        exported += paths
        lines.append(line)
    if "torchscript" in spec.export.formats:
        records["torchscript"], path, line = _torchscript(subject, folder / "torchscript", shown)
        exported.append(path)
        lines.append(line)
    generation = None
    if spec.export.task is not None:  # the parse made sure ONNX is exported
        from .generation_export import export_generation

        shown.describe(f"{spec.name}: greedy decoding with the ONNX graphs and with PyTorch")
        generation = export_generation(
            spec.name,
            subject.settings,
            subject.module,
            (records["onnx"], paths),
            snapshot,
            folder,
            subject.tolerance(provider),
            subject.stored,
        )
        lines += generation.lines
    reference_path = folder / REFERENCE_NAME
    folder.mkdir(parents=True, exist_ok=True)
    reference_path.write_bytes(reference_bytes(subject.reference))
    reference = subject.project_file(reference_path)
    tokenizer = record_tokenizer(snapshot, spec.export.verify.texts) if has_tokenizer(locked) else None
    if tokenizer is not None:
        versions = ", ".join(f"{k} {v}" for k, v in sorted(tokenizer.tools.items()))
        lines.append(f"{spec.name}  tokenizer  {len(tokenizer.probes)} probe texts recorded ({versions})")
    processor = record_processor(snapshot, subject.base.preprocessing, spec.export.verify.seed)
    if processor is not None:
        lines.append(f"{spec.name}  processor  {processor.describe(processor.tools)}")
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
        reference=reference,
        provider=provider,
        tokenizer=tokenizer,
        inferred=recorded(subject.settings),
        generation=generation.record if generation else None,
    )
    project_files = [f for r in records.values() for f in r.files]
    return Exported(
        with_processor(with_records(locked, records, verify), processor),
        tuple(lines),
        (
            *zip(project_files, exported, strict=True),
            (reference, reference_path),
            *(generation.files if generation else ()),
            *copy_sources(records.values(), snapshot),
        ),
    )


def export_models(project: Project, names: Sequence[str], trusted: bool) -> tuple[list[Exported], bool]:
    """Export the named models (all that declare an export when none are named); the project's copies and
    ptm.lock are written once, after every export succeeded. Also says whether the lock's text changed.
    ``trusted``: loader_kwargs that run code from the model's files are allowed (--trust)."""
    manifest, lock = project.manifest(), project.lock()
    targets = export_targets(manifest, names)
    require_trust(manifest.path, targets, trusted)
    _check_folders(manifest)
    with (
        tempfile.TemporaryDirectory(prefix="ptm-export-") as tmp,
        progress.bar("Exporting", len(targets)) as shown,
    ):
        done = []
        for spec in targets:
            locked = locked_model(spec, lock, project.lock_path)
            done.append(export_model(spec, locked, project, Path(tmp) / spec.name, shown))
            shown.advance()
        for spec, exported in zip(targets, done, strict=True):
            folder = artifacts.ArtifactsFolder.of(project.root, spec)
            for file, source in exported.files:
                artifacts.publish(folder, file, source)
    assert lock is not None  # locked_model checked it
    models = {**lock.models, **{e.model.name: e.model for e in done}}
    wrote = write_lock(project.lock_path, Lock(models=models))
    for spec, exported in zip(targets, done, strict=True):
        kept = {f.path for f, _ in exported.files}
        # The previous copies are where ptm.toml puts them now, or in the default folder it moved from.
        default = artifacts.ArtifactsFolder(project.root, f"{ARTIFACTS_FOLDER}/{spec.name}", spec.name)
        folders = (artifacts.ArtifactsFolder.of(project.root, spec), default)
        artifacts.remove_stale(folders, project_files(lock.models[spec.name]), kept)
    return done, wrote
