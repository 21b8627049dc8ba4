"""`ptm verify`: run the locked artifacts and compare them with PyTorch and with the locked reference.

``frozen`` compares with ptm.lock only and never imports torch or transformers: what CI runs with only
onnxruntime and tokenizers installed (ptmlock's cpu extra). An artifact or reference file comes from the
project's artifacts folder (what a clone has) or the store, a preprocessing file from the project's copy
or the installed model, and each is used only once its bytes are the locked ones; one that is missing,
changed or cannot be run, or a library a check needs and lacks, is a failed check, not an abort.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import progress
from ..errors import PtmError, VerificationError
from ..export_settings import ExportSpec
from ..extras import not_installed
from ..install.verify import installed_snapshot
from ..lockfile import LockedModel
from ..manifest import ModelSpec
from ..project import Project
from ..wording import count
from . import artifacts
from .compare import (
    Comparison,
    Looser,
    compare_outputs,
    compare_with_reference,
    describe_outputs,
    locked_tolerance,
)
from .copies import PREPROCESSING_FOLDER, PreprocessingCopy, preprocessing_copies
from .decode import generation_checks
from .group import group_checks, group_members
from .inferred_inputs import as_exported
from .outcome import Check, RunFailure, VerifyOptions
from .preprocessing import tokenizer_drift
from .probes import kept_positions, other_shapes, probe_inputs, probe_records, read_reference
from .processor import ProcessorRecord, processor_drift, processor_of
from .records import ExportRecord, TokenizerRecord, VerifyRecord, exports_of, verify_of
from .runtime import run_onnx
from .selection import export_targets, exported_model
from .trust import require_trust
from .versions import first_missing, installed_versions

REPAIR = "`ptm install --verify-hashes` restores the installed files"


@dataclass(frozen=True)
class _Run:
    """One model's verification inputs, the locked reference values and the judgement settings in force."""

    name: str
    settings: ExportSpec
    reference: VerifyRecord
    probe: dict[str, np.ndarray]
    options: VerifyOptions
    tolerance: tuple[float, float]  # the locked one, or a tighter (or allowed looser) one asked for
    folder: artifacts.ArtifactsFolder
    expected: tuple[np.ndarray, ...] | None  # the reference file's values; None when it is unusable
    unusable: str = ""  # why the reference file cannot be used

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.reference.outputs]

    @property
    def kept(self) -> np.ndarray | None:
        return kept_positions(self.settings.inputs, self.probe)

    def against_pytorch(
        self,
        subject: str,
        outputs: Sequence[np.ndarray],
        eager: Sequence[np.ndarray],
        prefix: str = "",
    ) -> Check:
        ok, detail = compare_outputs(self.names, outputs, eager, *self.tolerance, self.kept)
        return Check(self.name, subject, ok, prefix + detail)

    def against_lock(self, subject: str, outputs: Sequence[np.ndarray], prefix: str = "") -> Check:
        if self.expected is None:
            return Check(self.name, subject, False, f"{prefix}no reference to compare with: {self.unusable}")
        atol, rtol = self.tolerance
        comparisons: dict[str, Comparison] = {
            ref.name: compare_with_reference(output, ref, expected, atol, rtol, self.kept)
            for ref, output, expected in zip(self.reference.outputs, outputs, self.expected, strict=True)
        }
        ok = all(c.ok for c in comparisons.values())
        return Check(self.name, subject, ok, prefix + describe_outputs(comparisons, atol, rtol))


def _reference_values(
    folder: artifacts.ArtifactsFolder, record: VerifyRecord
) -> tuple[tuple[np.ndarray, ...] | None, str]:
    """The locked reference outputs from the reference file, or why they cannot be had."""
    try:
        located = artifacts.checked(folder, [record.reference])
    except VerificationError as error:
        return None, error.message
    values = read_reference(located.paths[0].read_bytes(), record.outputs)
    if values is None:
        return (
            None,
            f"{record.reference.path} does not hold the outputs ptm.lock lists; "
            f"run `ptm export {folder.model}`",
        )
    return tuple(values), ""


def _bytes_checks(run: _Run, fmt: str, record: ExportRecord) -> tuple[list[Check], artifacts.Located | None]:
    """One check per file of the artifact, and where they are when every one is the locked bytes."""
    try:
        located = artifacts.locate(run.folder, record.files)
    except VerificationError as error:
        return [Check(run.name, f"{fmt} bytes", False, error.message)], None
    checks = []
    for label, file, path in zip(("", " data"), record.files, located.paths, strict=False):
        problem = artifacts.bytes_problem(path, file)
        detail = (
            f"sha256 matches ptm.lock ({located.source()})"
            if problem is None
            else f"{located.copy_of(file)} {problem}"
        )
        if problem is None and fmt == "torchscript" and run.options.frozen:
            detail += "; not run under --frozen: TorchScript needs torch"
        checks.append(Check(run.name, f"{fmt}{label} bytes", problem is None, detail))
    return checks, located if all(c.ok for c in checks) else None


def _probe_check(run: _Run) -> Check | None:
    if probe_records(run.probe) == run.reference.inputs:
        return None
    then, now = run.reference.tools.get("numpy"), installed_versions("numpy").get("numpy")
    return Check(
        run.name,
        "probe inputs",
        False,
        f"differ from the locked ones (numpy {then} then, {now} now); "
        f"run `ptm export {run.name}` to record a new reference",
    )


def _eager_check(run: _Run, eager: list[np.ndarray]) -> Check:
    then, now = run.reference.tools.get("torch"), installed_versions("torch").get("torch")
    check = run.against_lock(
        "PyTorch vs ptm.lock", eager, "" if then == now else f"torch {then} then, {now} now: "
    )
    if check.ok or run.expected is None:
        return check
    hint = f"; the installed files or torch changed since the export ({REPAIR})"
    return dataclasses.replace(check, detail=check.detail + hint)


def _runner(
    run: _Run, fmt: str, record: ExportRecord, located: artifacts.Located
) -> Callable[[Mapping[str, np.ndarray]], tuple[list[np.ndarray], str | None]]:
    """Runs the artifact on some inputs: its outputs, and the provider (ONNX) they were computed on."""
    if fmt == "onnx":
        provider = run.options.provider or run.settings.verify.provider
        return lambda inputs: run_onnx(record, located, inputs, provider)
    from .build import run as run_module
    from .torchscript import load_torchscript

    script = load_torchscript(located.paths[0])
    return lambda inputs: (run_module(script, inputs, "the TorchScript artifact"), None)


def _run_checks(
    run: _Run,
    fmt: str,
    record: ExportRecord,
    located: artifacts.Located,
    pytorch: _PyTorch | None,
    comparable: bool,
) -> list[Check]:
    if fmt != "onnx" and pytorch is None:  # TorchScript needs torch, which --frozen never imports
        return []
    artifact = _runner(run, fmt, record, located)
    outputs, used = artifact(run.probe)
    locked = run.reference.provider
    # Another provider than the locked run's computes other numbers: say so beside them.
    where = (
        ""
        if used is None
        else f"on {used}: "
        if locked in (None, used)
        else f"on {used}, not the locked {locked}: "
    )
    checks = []
    if pytorch is not None:
        checks.append(run.against_pytorch(f"{fmt} vs PyTorch", outputs, pytorch.probe_outputs, where))
    if comparable and fmt == "onnx":
        checks.append(run.against_lock("onnx vs ptm.lock", outputs, where))
    if pytorch is not None:  # other sizes than the probe, against PyTorch on the same inputs
        for label, inputs in other_shapes(run.settings):
            eager = pytorch.outputs(inputs, f"'{run.name}' at {label}")
            kept = kept_positions(run.settings.inputs, inputs)
            ok, detail = compare_outputs(run.names, artifact(inputs)[0], eager, *run.tolerance, kept)
            checks.append(Check(run.name, f"{fmt} vs PyTorch at {label}", ok, detail))
    return checks


def _artifact_checks(
    run: _Run, fmt: str, record: ExportRecord, pytorch: _PyTorch | None, comparable: bool
) -> list[Check]:
    checks, located = _bytes_checks(run, fmt, record)
    if located is None:  # other bytes than the locked ones are not run: the failure above says enough
        return checks
    if fmt == "onnx" and (missing := first_missing("onnxruntime")):
        return [*checks, Check(run.name, "onnx run", False, f"not run: {not_installed(missing)}")]
    try:
        return checks + _run_checks(run, fmt, record, located, pytorch, comparable)
    except RunFailure as error:
        return [*checks, Check(run.name, f"{fmt} run", False, error.message)]


def _require_pytorch(spec: ModelSpec, reference: VerifyRecord) -> None:
    assert spec.export is not None
    transformers = spec.export.loader.startswith("transformers:") or reference.tokenizer is not None
    if missing := first_missing("torch", *(["transformers"] if transformers else [])):
        raise PtmError(
            f"`ptm verify` runs '{spec.name}' in PyTorch, which needs {missing}: "
            "pip install 'ptmlock[export,cpu]'; or compare with ptm.lock only: `ptm verify --frozen`"
        )


@dataclass(frozen=True)
class _Preprocessing:
    """The model's preprocessing files, re-hashed: the project's copies (what a clone has), else the
    installed model's files."""

    check: Check
    paths: frozenset[str]  # the files' snapshot paths
    folder: Path | None = None  # holds every file at its snapshot path, each the locked bytes
    changed: bool = False  # a file was found with other bytes than the locked ones

    def holding(self, path: str) -> Path | None:
        """The folder to read ``path`` from, None when it is none of these files or nowhere to be found;
        VerificationError when it is not the locked bytes."""
        if path in self.paths and self.changed:
            raise VerificationError("the preprocessing files are not the locked ones (their check failed)")
        return self.folder if path in self.paths else None


def _preprocessing(
    locked: LockedModel, folder: artifacts.ArtifactsFolder, copies: Sequence[PreprocessingCopy]
) -> _Preprocessing:
    def done(ok: bool, detail: str, where: Path | None = None, changed: bool = False) -> _Preprocessing:
        check = Check(locked.name, "preprocessing files", ok, detail)
        return _Preprocessing(check, frozenset(c.file.path for c in copies), where, changed)

    in_project = [folder.path(c.copy) for c in copies]
    if all(p.is_file() for p in in_project):
        where, source = folder.root / folder.relative / PREPROCESSING_FOLDER, "from the project"
        labels, repair = [c.copy.path for c in copies], f"run `ptm export {locked.name}` to copy it again"
    else:  # exported before ptm copied them, or not committed: the installed model has the same bytes
        missing = next(c.copy.path for c, p in zip(copies, in_project, strict=True) if not p.is_file())
        try:
            where = installed_snapshot(locked)
        except PtmError as error:
            return done(
                False,
                f"{missing} is missing (run `ptm export {locked.name}` and commit {folder.relative}/), "
                f"and {error.message}",
            )
        source, labels = "from the installed model", [f"the installed {c.file.path}" for c in copies]
        repair = REPAIR
    for copy, label in zip(copies, labels, strict=True):
        if problem := artifacts.bytes_problem(where / copy.file.path, copy.file):
            return done(False, f"{label} {problem}; {repair}", changed=True)
    agree = "matches" if len(copies) == 1 else "match"
    return done(True, f"{count(len(copies), 'file')} {agree} ptm.lock's sha256 ({source})", where)


def _tokenizer_check(
    locked: LockedModel, tokenizer: TokenizerRecord, frozen: bool, preprocessing: _Preprocessing | None
) -> Check:
    try:
        # Under --frozen a fresh clone has the project's copy of tokenizer.json (without one, from an older
        # export: the installed file); otherwise transformers loads the installed tokenizer as users do.
        copied = preprocessing.holding("tokenizer.json") if frozen and preprocessing else None
        ok, detail = tokenizer_drift(tokenizer, copied or installed_snapshot(locked), frozen)
    except PtmError as error:
        return Check(locked.name, "tokenizer", False, f"not checked: {error.message}")
    return Check(locked.name, "tokenizer", ok, detail)


def _processor_check(locked: LockedModel, processor: ProcessorRecord, frozen: bool) -> Check:
    if frozen:  # reported, not judged: its files are re-hashed, its outputs need transformers (and torch)
        detail = "not run under --frozen: the processor runs in transformers; its files are checked"
        return Check(locked.name, "processor", True, detail, judged=False)
    try:
        ok, detail = processor_drift(processor, installed_snapshot(locked))
    except PtmError as error:
        return Check(locked.name, "processor", False, f"not checked: {error.message}")
    return Check(locked.name, "processor", ok, detail)


def _tolerance(
    spec: ModelSpec, project: Project, options: VerifyOptions
) -> tuple[tuple[float, float], tuple[Looser, ...]]:
    """The tolerance ``spec`` is judged with, and what of it is looser than the locked one: refused (exit
    2) unless --allow-looser, as a looser value in ptm.toml or on the command line would turn a failing
    verification green."""
    assert spec.export is not None
    reference = verify_of(exported_model(spec, project.lock(), project.lock_path))
    assert reference is not None  # exported_model refuses a model without one
    tolerance, looser = locked_tolerance(
        (reference.atol, reference.rtol),
        spec.export.verify,
        (options.atol, options.rtol),
        project.manifest_path.name,
    )
    if looser and not options.allow_looser:
        raise PtmError(
            f"{looser[0].describe(spec.name)} of '{spec.name}'; run `ptm export {spec.name}` to lock the "
            "new tolerance, or pass --allow-looser",
            exit_code=2,
        )
    return tolerance, looser


def _installed_files_check(locked: LockedModel) -> Check:
    """Every installed file of the model (weights, preprocessing) re-hashed: a file of the locked size with
    other bytes (a flipped bit in a weight) is what the size check before loading cannot see."""
    from ..files import sha256_or_reason
    from ..install.layouts import layout

    placements = layout(locked).placements
    changed = [p.file.path for p in placements if sha256_or_reason(p.path)[0] != p.file.sha256]
    if changed:
        detail = (
            f"{changed[0]} has other bytes than ptm.lock's sha256 ({len(changed)} of {len(placements)} "
            f"files changed); {REPAIR}"
        )
        return Check(locked.name, "installed files", False, detail)
    return Check(
        locked.name, "installed files", True, f"{count(len(placements), 'file')} match ptm.lock's sha256"
    )


@dataclass(frozen=True)
class _PyTorch:
    """The model built in PyTorch, and its outputs on the probe inputs."""

    module: Any
    probe_outputs: list[np.ndarray]

    def outputs(self, inputs: Mapping[str, np.ndarray], what: str) -> list[np.ndarray]:
        from .build import run as run_module

        return run_module(self.module, inputs, what)


def _pytorch(spec: ModelSpec, locked: LockedModel, run: _Run, project: Project) -> _PyTorch | Check:
    """The model in PyTorch with its probe outputs, or the failed check saying why it cannot be run."""
    from .build import build_module
    from .build import run as run_module

    assert spec.export is not None
    try:
        module = build_module(spec.name, spec.export, installed_snapshot(locked), project)
        return _PyTorch(module, run_module(module, run.probe, f"'{spec.name}' on its probe inputs"))
    except PtmError as error:
        return Check(spec.name, "PyTorch run", False, f"not run: {error.message}")


def verify_model(
    spec: ModelSpec,
    project: Project,
    options: VerifyOptions,
    tolerance: tuple[tuple[float, float], tuple[Looser, ...]],
    shown: progress.Bar,
) -> list[Check]:
    """Every check of one model, judged with ``tolerance`` (from ``_tolerance``); ``shown`` says which
    step runs."""
    assert spec.export is not None
    locked = exported_model(spec, project.lock(), project.lock_path)
    exports, reference = exports_of(locked), verify_of(locked)
    assert reference is not None  # exported_model refuses a model without one
    spec = spec._replace(export=as_exported(spec.name, spec.export, reference))
    assert spec.export is not None  # with the inputs ptm export inferred, if it did
    if not options.frozen:
        _require_pytorch(spec, reference)
    folder = artifacts.ArtifactsFolder.of(project.root, spec)
    expected, unusable = _reference_values(folder, reference)
    judged, looser = tolerance
    run = _Run(
        spec.name,
        spec.export,
        reference,
        probe_inputs(spec.export),
        options,
        judged,
        folder,
        expected,
        unusable,
    )
    checks = [
        Check(spec.name, "tolerance", True, f"{item.describe(spec.name)}: allowed by --allow-looser", False)
        for item in looser
    ]
    probe_problem = _probe_check(run)
    checks += [probe_problem] if probe_problem else []
    pytorch = None
    if not options.frozen:
        shown.describe(f"{spec.name}: loading it in PyTorch and running it on the probe inputs")
        built = _pytorch(spec, locked, run, project)
        if isinstance(built, Check):
            checks.append(built)
        else:
            pytorch = built
            checks.append(_installed_files_check(locked))
            if probe_problem is None:
                checks.append(_eager_check(run, pytorch.probe_outputs))
    for fmt, record in sorted(exports.items()):
        shown.describe(f"{spec.name}: checking and running the {fmt} export")
        checks += _artifact_checks(run, fmt, record, pytorch, comparable=probe_problem is None)
    provider = options.provider or spec.export.verify.provider
    checks += generation_checks(spec.name, reference, exports, folder, provider, pytorch and pytorch.module)
    copies = preprocessing_copies(exports.values())
    preprocessing = _preprocessing(locked, folder, copies) if copies else None
    checks += [preprocessing.check] if preprocessing else []
    if reference.tokenizer is not None:
        checks.append(_tokenizer_check(locked, reference.tokenizer, options.frozen, preprocessing))
    if (processor := processor_of(locked)) is not None:
        shown.describe(f"{spec.name}: running its processor")
        checks.append(_processor_check(locked, processor, options.frozen))
    return checks


def verify_models(
    project: Project, names: Sequence[str], group: str | None, options: VerifyOptions
) -> list[Check]:
    manifest = project.manifest()
    members = group_members(manifest, group) if group else []
    targets = export_targets(manifest, [*names, *members], group)
    if not options.frozen:  # --frozen never builds a model: onnxruntime runs the checked artifacts only
        require_trust(manifest.path, targets, options.trusted)
    tolerances = [_tolerance(spec, project, options) for spec in targets]  # refused before any run
    checks = []
    with progress.bar("Verifying", len(targets) + (1 if group else 0)) as shown:
        for spec, tolerance in zip(targets, tolerances, strict=True):
            checks += verify_model(spec, project, options, tolerance, shown)
            shown.advance()
        if group:
            shown.describe(f"group {group}: comparing its members")
            checks += group_checks(manifest, project, group, options)
    return checks
