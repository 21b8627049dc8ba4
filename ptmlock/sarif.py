"""What every SARIF 2.1.0 log ptm writes shares (`ptm check`, `ptm audit`), in a module that imports
nothing, so that a command pays only for its own report."""

from __future__ import annotations

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/ptmlock/ptmlock"
# ptm's severities as SARIF levels.
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
