"""`ptm verify`: run the locked artifacts and compare them with PyTorch and with the locked reference.

``frozen`` compares with ptm.lock only and never imports torch or transformers: what CI runs with only
onnxruntime installed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..api import installed_snapshot
from ..manifest import ModelSpec
from ..project import Project
from . import artifacts
from .checks import Check, VerifyOptions
from .compare import Comparison, compare_outputs, compare_with_reference, describe_outputs, tolerance
from .group import group_checks, group_members
from .preprocessing import tokenizer_drift
from .probes import probe_inputs, probe_records
from .records import ExportRecord, VerifyRecord
from .runtime import run_onnx
from .selection import export_targets, exported_model
from .spec import ExportSpec
from .versions import installed_versions


@dataclass(frozen=True)
class _Run:
    """One model's verification inputs and the judgement settings in force."""

    name: str
    settings: ExportSpec
    reference: VerifyRecord
    probe: dict[str, np.ndarray]
    options: VerifyOptions
    dtypes: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.reference.outputs]

    def tolerance(self, provider: str | None) -> tuple[float, float]:
        return tolerance(provider, self.dtypes, self.settings.verify, (self.options.atol, self.options.rtol))

    def against_pytorch(
        self,
        subject: str,
        outputs: Sequence[np.ndarray],
        eager: Sequence[np.ndarray],
        provider: str | None,
        prefix: str = "",
    ) -> Check:
        ok, detail = compare_outputs(self.names, outputs, eager, *self.tolerance(provider))
        return Check(self.name, subject, ok, prefix + detail)

    def against_lock(
        self, subject: str, outputs: Sequence[np.ndarray], provider: str | None, prefix: str = ""
    ) -> Check:
        atol, rtol = self.tolerance(provider)
        comparisons = {}
        for name, output in zip(self.names, outputs, strict=True):
            ref = self.reference.output(name)
            missing = Comparison(ok=False, note="not in the locked reference")
            comparisons[name] = missing if ref is None else compare_with_reference(output, ref, atol, rtol)
        ok = all(c.ok for c in comparisons.values())
        return Check(self.name, subject, ok, prefix + describe_outputs(comparisons, atol, rtol))


def _bytes_checks(name: str, fmt: str, record: ExportRecord, frozen: bool) -> list[Check]:
    checks = []
    for label, locked in (("", record), (" data", record.external_data)):
        if locked is None:
            continue
        actual = artifacts.file_sha256(artifacts.get(locked.sha256))
        ok = actual == locked.sha256
        detail = (
            "sha256 matches ptm.lock"
            if ok
            else f"sha256 {actual[:12]} is not the locked {locked.sha256[:12]}"
        )
        if fmt == "torchscript" and frozen:
            detail += " (not run under --frozen: TorchScript needs torch)"
        checks.append(Check(name, f"{fmt}{label} bytes", ok, detail))
    return checks


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
        "PyTorch vs ptm.lock", eager, None, "" if then == now else f"torch {then} then, {now} now: "
    )
    if check.ok:
        return check
    hint = "; the installed files or torch changed since the export (`ptm install` restores the files)"
    return dataclasses.replace(check, detail=check.detail + hint)


def _artifact_checks(
    run: _Run, fmt: str, record: ExportRecord, eager: list[np.ndarray] | None, comparable: bool
) -> list[Check]:
    checks = _bytes_checks(run.name, fmt, record, run.options.frozen)
    if fmt == "onnx":
        outputs, used = run_onnx(record, run.probe, run.options.provider or run.settings.verify.provider)
        if eager is not None:
            checks.append(run.against_pytorch("onnx vs PyTorch", outputs, eager, used, f"on {used}: "))
        if comparable:
            checks.append(run.against_lock("onnx vs ptm.lock", outputs, used, f"on {used}: "))
    elif eager is not None:
        from .build import run as run_module
        from .torchscript import load_torchscript

        outputs = run_module(load_torchscript(artifacts.get(record.sha256)), run.probe)
        checks.append(run.against_pytorch("torchscript vs PyTorch", outputs, eager, None))
    return checks


def verify_model(spec: ModelSpec, project: Project, options: VerifyOptions) -> list[Check]:
    assert spec.export is not None
    locked = exported_model(spec, project.lock(), project.lock_path)
    assert locked.verify is not None
    dtypes = tuple(s.dtype for r in locked.exports.values() for s in r.outputs)
    run = _Run(spec.name, spec.export, locked.verify, probe_inputs(spec.export), options, dtypes)
    probe_problem = _probe_check(run)
    checks = [probe_problem] if probe_problem else []
    eager = None
    if not options.frozen:
        from .build import build_module
        from .build import run as run_module

        module = build_module(spec.name, spec.export, installed_snapshot(locked), project.root)
        eager = run_module(module, run.probe)
        if probe_problem is None:
            checks.append(_eager_check(run, eager))
    for fmt, record in sorted(locked.exports.items()):
        checks += _artifact_checks(run, fmt, record, eager, comparable=probe_problem is None)
    if run.reference.tokenizer is not None:
        ok, detail = tokenizer_drift(run.reference.tokenizer, installed_snapshot(locked), options.frozen)
        checks.append(Check(spec.name, "tokenizer", ok, detail))
    return checks


def verify_models(
    project: Project, names: Sequence[str], group: str | None, options: VerifyOptions
) -> list[Check]:
    manifest = project.manifest()
    members = group_members(manifest, group) if group else []
    targets = export_targets(manifest, [*names, *members])
    checks = [c for spec in targets for c in verify_model(spec, project, options)]
    if group:
        checks += group_checks(manifest, project, group, options)
    return checks
