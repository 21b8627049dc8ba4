"""Tie loads in code to ptm.toml and ptm.lock: undeclared models, revisions that differ from the
lock, and unpinned loads of declared models, each with the fix (the locked commit or ptmlock.path)."""

from __future__ import annotations

from dataclasses import dataclass

from ..lockfile import Lock
from ..manifest import Manifest, ModelSpec
from .catalog import HUGGINGFACE
from .loads import MUTABLE, PINNED, UNPINNED, Load
from .rules import Finding, finding


@dataclass(frozen=True)
class Declared:
    manifest: Manifest
    lock: Lock | None

    def models_for(self, repo: str) -> list[ModelSpec]:
        """Declared models of a repo; a bare legacy id ('gpt2') matches 'openai-community/gpt2'."""
        specs = [s for s in self.manifest.models.values() if s.hub == HUGGINGFACE and s.repo]
        wanted = repo.lower()
        exact = [s for s in specs if s.repo and s.repo.lower() == wanted]
        if exact or "/" in repo:
            return exact
        return [s for s in specs if s.repo and s.repo.lower().rsplit("/", 1)[-1] == wanted]

    def commit(self, name: str) -> str | None:
        locked = self.lock.models.get(name) if self.lock else None
        return locked.commit if locked else None


def _pin_advice(load: Load, name: str, commit: str | None) -> str:
    if commit is None:
        return (
            f"'{name}' is declared but not locked: run `ptm lock`, then pin its commit "
            f'or load ptmlock.path("{name}")'
        )
    how = f'pass revision="{commit}"' if load.fix is not None else f"pin it to {commit}"
    return f'{how} (its commit in ptm.lock) or load ptmlock.path("{name}")'


def declared_findings(load: Load, own: list[Finding], declared: Declared) -> list[Finding]:
    """The findings of a Hugging Face model load once ptm.toml and ptm.lock are known.

    An unpinned load of a declared model becomes PTM012 and a revision other than the declared one
    PTM011, both naming the fix; a fix that --fix can apply carries the locked commit.
    """
    pin = load.pin
    if load.hub != HUGGINGFACE or pin.kind != "model" or pin.repo is None:
        return own
    specs = declared.models_for(pin.repo)
    if not specs:
        advice = f"declare it with `ptm add {pin.repo}` and pin it with `ptm lock`"
        return [*own, finding(load, "PTM010", f'"{pin.repo}" is not declared in ptm.toml; {advice}')]
    others = [f for f in own if f.code not in ("PTM001", "PTM002")]
    commits = {spec.name: declared.commit(spec.name) for spec in specs}
    if pin.state == PINNED:
        locked = ", ".join(f"'{n}' at {c}" for n, c in commits.items() if c)
        if not locked or pin.revision in commits.values():
            return own
        spec = specs[0]
        message = (
            f"revision {pin.revision} differs from ptm.lock, which pins {locked}; "
            f"{_pin_advice(load, spec.name, commits[spec.name])}"
        )
        return [*others, finding(load, "PTM011", message)]
    if pin.state not in (UNPINNED, MUTABLE):
        return own
    # No revision is the default branch: the model declared at "main" is the one this load means.
    wanted = pin.revision or "main"
    spec = next((s for s in specs if s.revision == wanted), None)
    if spec is None:
        spec = specs[0]
        what = f'revision "{pin.revision}"' if pin.revision else "no revision (the default branch)"
        message = (
            f"{what} differs from ptm.toml and ptm.lock, which declare '{spec.name}' at "
            f'"{spec.revision}"; {_pin_advice(load, spec.name, commits[spec.name])}'
        )
        return [*others, finding(load, "PTM011", message)]
    commit = commits[spec.name]
    advice = _pin_advice(load, spec.name, commit)
    if pin.state == UNPINNED:
        message = f"loads model '{spec.name}' with no revision; {advice}"
        return [*others, finding(load, "PTM012", message, load.fix, commit)]
    return [*others, finding(load, "PTM002", f"{pin.reason}; {advice}", load.fix, commit)]
