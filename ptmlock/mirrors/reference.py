"""`oci://registry[:port]/repository[:tag]` references, as `ptm push` and `[mirrors] oci` take them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..errors import PtmError

# The OCI distribution spec's grammar: path components of lowercase alphanumerics joined by separators.
_REPOSITORY_RE = re.compile(
    r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*"
)
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_REGISTRY_RE = re.compile(r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?|\[[0-9A-Fa-f:]+\](?::[0-9]{1,5})?")
# Registries on this machine speak plain HTTP, as Docker assumes for localhost.
_LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


@dataclass(frozen=True)
class OciReference:
    registry: str  # host[:port]
    repository: str
    tag: str | None = None

    @property
    def base_url(self) -> str:
        host = self.registry.rsplit(":", 1)[0] if not self.registry.startswith("[") else self.registry
        insecure = host in _LOOPBACK or os.environ.get("PTM_OCI_INSECURE") == "1"
        return f"{'http' if insecure else 'https'}://{self.registry}"

    def child(self, name: str, tag: str) -> OciReference:
        """The repository of one model under this prefix: ``<repository>/<name>:<tag>``."""
        return OciReference(self.registry, f"{self.repository}/{name.lower()}", tag)

    def __str__(self) -> str:
        return f"oci://{self.registry}/{self.repository}" + (f":{self.tag}" if self.tag else "")


def parse_reference(text: str, where: str) -> OciReference:
    """``oci://host[:port]/repo[/more][:tag]``; a one-line error naming ``where`` and the fix otherwise."""
    example = "e.g. oci://registry.example.com/team/models"
    if not text.startswith("oci://"):
        raise PtmError(
            f"{where}: {text!r} is not an OCI reference; write oci://REGISTRY/REPOSITORY, {example}",
            exit_code=2,
        )
    registry, slash, rest = text.removeprefix("oci://").partition("/")
    if not slash or not _REGISTRY_RE.fullmatch(registry):
        raise PtmError(f"{where}: {text!r} names no registry host; {example}", exit_code=2)
    repository, tag = rest, None
    last = rest.rsplit("/", 1)[-1]
    if ":" in last:
        repository, _, tag = rest.rpartition(":")
        if not _TAG_RE.fullmatch(tag):
            raise PtmError(
                f"{where}: {tag!r} is not a valid tag (letters, digits, . _ -; at most 128)", exit_code=2
            )
    if not _REPOSITORY_RE.fullmatch(repository):
        raise PtmError(
            f"{where}: {repository!r} is not a valid repository name: lowercase letters, digits and . _ - "
            f"separated by /; {example}",
            exit_code=2,
        )
    return OciReference(registry, repository, tag)
