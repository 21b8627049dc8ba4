"""`ptm verify --group G`: interchangeable models must share one input/output contract to be swapped
safely; how closely their outputs agree on the same probes is reported, not judged."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import PtmError, VerificationError
from ..export_settings import ExportSpec, InputSpec
from ..manifest import Manifest
from ..project import Project
from . import artifacts
from .compare import compare_outputs, tolerance
from .inferred_inputs import as_exported
from .outcome import Check, RunFailure, VerifyOptions
from .probes import kept_positions, make_inputs
from .records import ExportRecord, exports_of, verify_of
from .runtime import run_onnx
from .selection import exported_model


def group_members(manifest: Manifest, group: str) -> list[str]:
    members = sorted(n for n, s in manifest.models.items() if s.group == group)
    if not members:
        known = sorted({s.group for s in manifest.models.values() if s.group})
        raise PtmError(f"no model is in group '{group}' (groups: {', '.join(known) or 'none'})")
    return members


def contract_difference(base: ExportRecord, other: ExportRecord) -> str | None:
    """The first way ``other`` cannot stand in for ``base``, or None."""
    for kind, ours, theirs in (
        ("inputs", base.inputs, other.inputs),
        ("outputs", base.outputs, other.outputs),
    ):
        for a, b in zip(ours, theirs, strict=False):
            if a != b:
                return f"{kind[:-1]} {b} instead of {a}"
        if len(ours) != len(theirs):
            return f"{len(theirs)} {kind} instead of {len(ours)}"
    return None


def range_difference(base: tuple[InputSpec, ...], other: tuple[InputSpec, ...]) -> str | None:
    """The first input whose declared integer range differs: an id one member accepts may be out of the
    other's range (another vocabulary size), so the one cannot be fed the other's inputs."""
    for a, b in zip(base, other, strict=False):
        if a.range != b.range and a.range is not None and b.range is not None:
            theirs, ours = (f"[{r[0]}, {r[1]})" for r in (b.range, a.range))
            return f"input {b.name} takes values in {theirs} instead of {ours}"
    return None


def _settings(manifest: Manifest, project: Project, name: str) -> ExportSpec:
    """The member's export settings as exported: with the inputs `ptm export` inferred, if it did."""
    spec = manifest.models[name]
    assert spec.export is not None  # every member was checked to declare an export
    locked = exported_model(spec, project.lock(), project.lock_path)
    return as_exported(name, spec.export, verify_of(locked))


def _outputs(
    folder: artifacts.ArtifactsFolder, record: ExportRecord, inputs: Mapping[str, np.ndarray], provider: str
) -> list[np.ndarray] | str:
    """The member's ONNX outputs on ``inputs``, or why they cannot be had."""
    try:
        located = artifacts.checked(folder, record.files)
        return run_onnx(record, located, inputs, provider)[0]
    except (VerificationError, RunFailure) as error:
        return error.message


def _agreement(
    manifest: Manifest, project: Project, group: str, records: dict[str, ExportRecord], options: VerifyOptions
) -> list[Check]:
    """Each member's outputs against the first member's, on the same probe inputs."""
    members = list(records)
    base = members[0]
    settings = _settings(manifest, project, base)
    verify = settings.verify
    # The contract check made sure every member takes the same inputs, value ranges included.
    inputs = make_inputs(settings.inputs, verify.probe_axes, verify.seed)
    provider = options.provider or verify.provider
    folders = {n: artifacts.ArtifactsFolder.of(project.root, manifest.models[n]) for n in members}
    outputs = {n: _outputs(folders[n], records[n], inputs, provider) for n in members}
    names = [o.name for o in records[base].outputs]
    dtypes = [o.dtype for o in records[base].outputs]
    atol, rtol = tolerance(None, dtypes, verify, (options.atol, options.rtol))
    subject = f"group {group} agreement with {base}"
    checks = []
    for name in members[1:]:
        ours, theirs = outputs[base], outputs[name]
        if isinstance(ours, str) or isinstance(theirs, str):
            problem = ours if isinstance(ours, str) else theirs
            checks.append(Check(name, subject, False, f"not compared: {problem}"))
            continue
        # Members may differ in their numbers by design: the figures are reported, not judged.
        figures = compare_outputs(names, theirs, ours, atol, rtol, kept_positions(settings.inputs, inputs))[1]
        checks.append(Check(name, subject, True, figures, judged=False))
    return checks


def group_checks(manifest: Manifest, project: Project, group: str, options: VerifyOptions) -> list[Check]:
    """Every member's ONNX contract against the first member's, then how closely their outputs agree."""
    lock = project.lock()
    records = {
        name: exports_of(exported_model(manifest.models[name], lock, project.lock_path)).get("onnx")
        for name in group_members(manifest, group)
    }
    missing = [name for name, record in records.items() if record is None]
    if missing:
        detail = 'has no onnx export to compare; add "onnx" to its formats'
        return [Check(name, f"group {group}", False, detail) for name in missing]
    present = {name: record for name, record in records.items() if record is not None}
    base, *others = present
    checks = []
    for name in others:
        problem = contract_difference(present[base], present[name]) or range_difference(
            _settings(manifest, project, base).inputs, _settings(manifest, project, name).inputs
        )
        detail = f"{problem} (as {base} has)" if problem else f"same inputs and outputs as {base}"
        checks.append(Check(name, f"group {group} contract", problem is None, detail))
    if checks and all(c.ok for c in checks):
        checks += _agreement(manifest, project, group, present, options)
    return checks
