"""`ptm verify --group G`: interchangeable models must share one input/output contract to be swapped
safely; how closely their outputs agree on the same probes is reported, not judged."""

from __future__ import annotations

import dataclasses

from ..errors import PtmError
from ..manifest import Manifest
from ..project import Project
from .checks import Check, VerifyOptions
from .compare import compare_outputs, tolerance
from .probes import make_inputs
from .records import ExportRecord
from .runtime import run_onnx
from .selection import exported_model
from .spec import InputSpec


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


def _shared_inputs(specs: list[tuple[InputSpec, ...]]) -> tuple[InputSpec, ...]:
    """The first member's inputs, with integer ranges narrowed to what every member accepts."""
    shared = []
    for position, spec in enumerate(specs[0]):
        ranges = [s[position].range for s in specs if s[position].range is not None]
        if spec.range is not None and ranges:
            low, high = max(r[0] for r in ranges), min(r[1] for r in ranges)
            spec = dataclasses.replace(spec, range=(low, high) if low < high else spec.range)
        shared.append(spec)
    return tuple(shared)


def _agreement(
    manifest: Manifest, group: str, records: dict[str, ExportRecord], options: VerifyOptions
) -> list[Check]:
    """Each member's outputs against the first member's, on the same probe inputs."""
    members = list(records)
    base = members[0]
    specs = [manifest.models[n].export for n in members]
    assert all(specs) and specs[0] is not None
    settings = specs[0].verify
    inputs = make_inputs(_shared_inputs([s.inputs for s in specs if s]), settings.probe_axes, settings.seed)
    provider = options.provider or settings.provider
    outputs = {n: run_onnx(records[n], inputs, provider)[0] for n in members}
    names = [o.name for o in records[base].outputs]
    dtypes = [o.dtype for o in records[base].outputs]
    atol, rtol = tolerance(None, dtypes, settings, (options.atol, options.rtol))
    subject = f"group {group} agreement with {base}"
    # Members may differ in their numbers by design: the figures are reported, not judged.
    return [
        Check(name, subject, True, compare_outputs(names, outputs[name], outputs[base], atol, rtol)[1])
        for name in members[1:]
    ]


def group_checks(manifest: Manifest, project: Project, group: str, options: VerifyOptions) -> list[Check]:
    """Every member's ONNX contract against the first member's, then how closely their outputs agree."""
    lock = project.lock()
    records = {
        name: exported_model(manifest.models[name], lock, project.lock_path).exports.get("onnx")
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
        problem = contract_difference(present[base], present[name])
        detail = f"{problem} (as {base} has)" if problem else f"same inputs and outputs as {base}"
        checks.append(Check(name, f"group {group} contract", problem is None, detail))
    if checks and all(c.ok for c in checks):
        checks += _agreement(manifest, group, present, options)
    return checks
