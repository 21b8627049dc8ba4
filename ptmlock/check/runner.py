"""`ptm check` end to end: collect files, scan them (in parallel when there are many), turn loads
into findings against ptm.toml and ptm.lock, apply suppressions and [check] settings, fix."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from ..project import Project
from .constants import forget_modules
from .declared import Declared, declared_findings, tied_to_lock
from .files import collect
from .loads import FileScan, Load
from .rules import FAILING, CheckSettings, Finding, apply_settings, pin_findings
from .scanner import scan_file

# Below this many files a pool costs more to start than it saves.
PARALLEL_FROM = 64


class CheckResult(NamedTuple):
    root: Path
    files: int
    findings: tuple[Finding, ...]
    loads: tuple[Load, ...]
    fixed: Mapping[str, int] = MappingProxyType({})

    @property
    def failed(self) -> bool:
        return any(f.severity in FAILING for f in self.findings)


def _workers() -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, 8))


def scan_files(paths: Sequence[str], root: Path) -> list[FileScan]:
    forget_modules()  # before workers fork: they start from what is on disk now
    scan = functools.partial(scan_file, root=str(root))
    workers = _workers()
    if len(paths) < PARALLEL_FROM or workers == 1:
        return [scan(p) for p in paths]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork starts workers in milliseconds with everything already imported; elsewhere the default.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork") if "fork" in methods else None
    chunk = max(1, len(paths) // (workers * 8))
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(scan, paths, chunksize=chunk))


def _findings(scans: Sequence[FileScan], settings: CheckSettings, declared: Declared | None) -> list[Finding]:
    found: list[Finding] = []
    for scan in scans:
        if scan.error:
            message = f"cannot check this file ({scan.error}); {scan.remedy}"
            found.append(Finding(scan.path, scan.error_line, 1, scan.error_line, 1, "PTM006", message))
        for load in scan.loads:
            own = pin_findings(load)
            items = declared_findings(load, own, declared) if declared else own
            found += [f for f in items if "*" not in load.ignores and f.code not in load.ignores]
    return sorted(apply_settings(found, settings), key=_order)


def _order(finding: Finding) -> tuple[str, int, int, str]:
    return (finding.path, finding.line, finding.column, finding.code)


def run_check(paths: Sequence[str], project: Project, *, fix: bool = False) -> CheckResult:
    has_manifest = project.manifest_path.is_file()
    manifest = project.declared() if has_manifest else None
    settings = manifest.check if manifest else CheckSettings()
    files = collect(paths, project.root, settings.exclude)
    scans = scan_files(files, project.root)
    declared = None
    if manifest:
        # ptm.lock is read only when a load is compared with it: most commits touch no model load.
        tied = any(tied_to_lock(load) for scan in scans for load in scan.loads)
        declared = Declared(manifest, project.lock(export_records=False) if tied else None)
    findings = _findings(scans, settings, declared)
    fixed: dict[str, int] = {}
    if fix:
        from .fix import apply_fixes  # here, as the edge rules: the hook's one-file runs need neither

        fixed = apply_fixes(findings)
    if fixed:
        rescanned = {s.path: s for s in scan_files(list(fixed), project.root)}
        scans = [rescanned.get(s.path, s) for s in scans]
        findings = _findings(scans, settings, declared)
    if manifest and not paths:
        # The edges rules compare the whole code with ptm.toml: some files (a pre-commit run on the files
        # changed) cannot tell an edge's evidence is missing, and a note is not shown where nothing
        # fails, so the hook does not pay for the flow pass.
        from .edges import edge_findings

        edges = edge_findings(scans, manifest, project.root)
        findings = sorted([*findings, *apply_settings(edges, settings)], key=_order)
    loads = tuple(load for scan in scans for load in scan.loads)
    return CheckResult(project.root, len(files), tuple(findings), loads, fixed)
