"""`ptm verify --group G`: interchangeable models must share one input/output contract to be swapped
safely; how closely their outputs agree on the same probes is reported, not judged."""

from __future__ import annotations

import dataclasses

from ..errors import PtmError
from ..manifest import Manifest
from ..project import Project
from .checks import Check, VerifyOptions
from .compare import compare, describe_outputs, tolerance
from .probes import make_inputs
from .records import ExportRecord, TensorSignature
from .runtime import run_onnx
from .selection import exported_model
from .spec import InputSpec


def group_members(manifest: Manifest, group: str) -> list[str]:
    members = sorted(n for n, s in manifest.models.items() if s.group == group)
    if not members:
        known = sorted({s.group for s in manifest.models.values() if s.group})
        raise PtmError(f"no model is in group '{group}' (groups: {', '.join(known) or 'none'})")
    return members


def _shown(signature: TensorSignature) -> str:
    return f"{signature.name}: {signature.dtype}[{', '.join(map(str, signature.shape))}]"


def contract_difference(base: ExportRecord, other: ExportRecord) -> str | None:
    """The first way ``other`` cannot stand in for ``base``, or None."""
    for kind, ours, theirs in (
        ("inputs", base.inputs, other.inputs),
        ("outputs", base.outputs, other.outputs),
    ):
        for a, b in zip(ours, theirs, strict=False):
            if a != b:
                return f"{kind[:-1]} {_shown(b)} instead of {_shown(a)}"
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


def group_checks(manifest: Manifest, project: Project, group: str, options: VerifyOptions) -> list[Check]:
    members = group_members(manifest, group)
    lock = project.lock()
    records: dict[str, ExportRecord] = {}
    checks: list[Check] = []
    for name in members:
        record = exported_model(manifest.models[name], lock, project.lock_path).exports.get("onnx")
        if record is None:
            checks.append(
                Check(
                    name, f"group {group}", False, 'has no onnx export to compare; add "onnx" to its formats'
                )
            )
        records[name] = record
    if checks:
        return checks
    base = members[0]
    for name in members[1:]:
        problem = contract_difference(records[base], records[name])
        detail = f"{problem} (as {base} has)" if problem else f"same inputs and outputs as {base}"
        checks.append(Check(name, f"group {group} contract", problem is None, detail))
    if not all(c.ok for c in checks) or len(members) < 2:
        return checks
    specs = [manifest.models[n].export for n in members]
    base_spec = specs[0]
    inputs = make_inputs(
        _shared_inputs([s.inputs for s in specs]), base_spec.verify.probe_axes, base_spec.verify.seed
    )
    provider = options.provider or base_spec.verify.provider
    outputs = {n: run_onnx(records[n], inputs, provider)[0] for n in members}
    names = [o.name for o in records[base].outputs]
    dtypes = [o.dtype for o in records[base].outputs]
    atol, rtol = tolerance(
        None, dtypes, (base_spec.verify.atol, base_spec.verify.rtol), (options.atol, options.rtol)
    )
    for name in members[1:]:
        comparisons = {
            n: compare(o, b, atol, rtol) for n, o, b in zip(names, outputs[name], outputs[base], strict=True)
        }
        checks.append(
            Check(
                name, f"group {group} agreement with {base}", True, describe_outputs(comparisons, atol, rtol)
            )
        )
    return checks
