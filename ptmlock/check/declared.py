"""Tie loads in code to ptm.toml and ptm.lock: undeclared models, revisions that differ from the
lock, and unpinned loads of declared models, each with the fix (the locked commit, ptmlock.path or
ptmlock.torch_hub_load)."""

from __future__ import annotations

import functools

from ..lockfile import Lock, staleness
from ..manifest import Manifest, ModelSpec
from .catalog import HUGGINGFACE, TORCHHUB
from .loads import MUTABLE, PINNED, UNPINNED, Load
from .rules import Finding, finding

# The hubs whose loads name a repo and a git revision that ptm.toml declares and ptm.lock pins.
TIED_HUBS = (HUGGINGFACE, TORCHHUB)


class Declared:
    """ptm.toml and ptm.lock as `ptm check` compares loads with them (a plain class: a dataclass costs the
    hook's start-up ~4M instructions to define)."""

    def __init__(self, manifest: Manifest, lock: Lock | None) -> None:
        self.manifest = manifest
        self.lock = lock

    def models_for(self, hub: str, repo: str) -> list[ModelSpec]:
        """Declared models of a repo; a bare legacy id ('gpt2') matches 'openai-community/gpt2'."""
        specs = [s for s in self.manifest.models.values() if s.hub == hub and s.repo]
        wanted = repo.lower()
        exact = [s for s in specs if s.repo and s.repo.lower() == wanted]
        if exact or "/" in repo:
            return exact
        return [s for s in specs if s.repo and s.repo.lower().rsplit("/", 1)[-1] == wanted]

    @functools.cached_property
    def _changed(self) -> frozenset[str]:
        """Models whose entry in ptm.toml changed since they were locked: their commit is not the truth."""
        return frozenset(staleness(self.manifest, self.lock).changed) if self.lock else frozenset()

    def commit(self, name: str) -> str | None:
        """The commit ptm.lock pins a declared model to; None when it is not locked or locked stale."""
        locked = self.lock.models.get(name) if self.lock else None
        return locked.commit if locked and name not in self._changed else None

    def stale(self, name: str) -> bool:
        return name in self._changed

    def locked(self, name: str) -> bool:
        """Whether ptm.lock holds the model as ptm.toml declares it now (url and local models too)."""
        return self.lock is not None and name in self.lock.models and name not in self._changed


def _loader(load: Load, spec: ModelSpec) -> str:
    """How code loads the installed model instead of fetching it."""
    if spec.hub != TORCHHUB:
        return f'ptmlock.path("{spec.name}")'
    entry = load.pin.entry
    if entry is None or entry == spec.options.get("entry"):
        return f'ptmlock.torch_hub_load("{spec.name}")'
    return f'torch.hub.load(ptmlock.path("{spec.name}"), "{entry}", source="local")'


def _pin_advice(load: Load, spec: ModelSpec, declared: Declared) -> str:
    name, loader, commit = spec.name, _loader(load, spec), declared.commit(spec.name)
    if declared.stale(name):
        return (
            f"'{name}' changed in ptm.toml since it was locked, so ptm.lock does not pin it: run "
            f"`ptm lock`, then pin its new commit or load {loader}"
        )
    if commit is None:
        return f"'{name}' is declared but not locked: run `ptm lock`, then pin its commit or load {loader}"
    if spec.hub == TORCHHUB:
        how = f'load "{spec.repo}:{commit}"'
    else:
        how = f'pass revision="{commit}"' if load.fix is not None else f"pin it to {commit}"
    return f"{how} (its commit in ptm.lock) or load {loader}"


def _declare_advice(load: Load, repo: str) -> str:
    if load.hub != TORCHHUB:
        return f"declare it with `ptm add {repo}` and pin it with `ptm lock`"
    entry = load.pin.entry
    fields = f'hub = "torchhub", repo = "{repo}", revision = "{load.pin.revision or "main"}"'
    fields += f', entry = "{entry or "<its hubconf function>"}"'
    return (
        f"declare it as [models.{entry or repo.rsplit('/', 1)[-1]}] with {fields} and pin it with `ptm lock`"
    )


def _by_name_findings(load: Load, name: str, declared: Declared) -> list[Finding]:
    """A load through ptmlock.path/revision/torch_hub_load("name"): pinned by ptm.lock by construction,
    so what can be wrong is the name (not declared, not locked) or what it is used for."""
    spec = declared.manifest.models.get(name)
    function = "path" if load.pin.model is None else "revision"
    call = f'ptmlock.{"torch_hub_load" if load.api == "ptmlock.torch_hub_load" else function}("{name}")'
    if spec is None:
        add = f"`ptm add {load.pin.model} --name {name}`" if load.pin.model else f"[models.{name}]"
        message = f"'{name}' is not declared in ptm.toml; declare it with {add} and pin it with `ptm lock`"
        return [finding(load, "PTM010", message)]
    if load.api == "ptmlock.torch_hub_load" and spec.hub != TORCHHUB:
        message = (
            f"'{name}' is a {spec.hub} model in ptm.toml, not a torch.hub one; load ptmlock.path(\"{name}\")"
        )
        return [finding(load, "PTM011", message)]
    repo = load.pin.model
    if repo is not None and spec.repo and spec not in declared.models_for(spec.hub, repo):
        message = (
            f'the revision ptmlock.revision("{name}") is the commit of "{spec.repo}", not of "{repo}"; '
            f'load "{spec.repo}" or the model ptm.toml declares for "{repo}"'
        )
        return [finding(load, "PTM011", message)]
    if declared.locked(name):
        return []
    why = "changed in ptm.toml since it was locked" if declared.stale(name) else "is declared but not locked"
    return [finding(load, "PTM012", f"'{name}' {why}, so {call} has no pin to load; run `ptm lock`")]


def tied_to_lock(load: Load) -> bool:
    """Whether a load is compared with ptm.toml and ptm.lock: a hub model's, or one named through ptmlock."""
    pin = load.pin
    hub = pin.hub or load.hub
    return pin.declared is not None or (hub in TIED_HUBS and pin.kind == "model" and pin.repo is not None)


def model_of(load: Load, declared: Declared) -> str | None:
    """The declared model a load fetches: the one it names through ptmlock, else the one declared for its
    repo (its hubconf entry, then its revision, first); None when ptm.toml declares none."""
    pin = load.pin
    if pin.declared is not None:
        return pin.declared if pin.declared in declared.manifest.models else None
    if not tied_to_lock(load) or pin.repo is None:
        return None
    specs = declared.models_for(pin.hub or load.hub, pin.repo)
    wanted = pin.revision or "main"
    specs.sort(key=lambda s: (s.options.get("entry") != pin.entry, s.revision != wanted))
    return specs[0].name if specs else None


def declared_findings(load: Load, own: list[Finding], declared: Declared) -> list[Finding]:
    """The findings of a Hugging Face or torch.hub model load once ptm.toml and ptm.lock are known.

    An unpinned load of a declared model becomes PTM012 and a revision other than the declared one
    PTM011, both naming the fix; a fix that --fix can apply carries the locked commit.
    """
    pin = load.pin
    if pin.declared is not None:
        return [*own, *_by_name_findings(load, pin.declared, declared)]
    if not tied_to_lock(load) or pin.repo is None:
        return own
    specs = declared.models_for(pin.hub or load.hub, pin.repo)
    if not specs:
        message = f'"{pin.repo}" is not declared in ptm.toml; {_declare_advice(load, pin.repo)}'
        return [*own, finding(load, "PTM010", message)]
    # Of models declared from one torch.hub repo, the one whose hubconf entry the code calls.
    specs.sort(key=lambda s: s.options.get("entry") != pin.entry)
    others = [f for f in own if f.code not in ("PTM001", "PTM002")]
    commits = {spec.name: declared.commit(spec.name) for spec in specs}
    if pin.state == PINNED:
        locked = ", ".join(f"'{n}' at {c}" for n, c in commits.items() if c)
        if not locked or pin.revision in commits.values():
            return own
        message = f"revision {pin.revision} differs from ptm.lock, which pins {locked}; "
        return [*others, finding(load, "PTM011", message + _pin_advice(load, specs[0], declared))]
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
            f'"{spec.revision}"; {_pin_advice(load, spec, declared)}'
        )
        return [*others, finding(load, "PTM011", message)]
    commit = commits[spec.name]
    advice = _pin_advice(load, spec, declared)
    if pin.state == UNPINNED:
        message = f"loads model '{spec.name}' with no revision; {advice}"
        return [*others, finding(load, "PTM012", message, load.fix, commit)]
    return [*others, finding(load, "PTM002", f"{pin.reason}; {advice}", load.fix, commit)]
