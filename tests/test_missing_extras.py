"""A missing optional library is one line naming the extra that brings it, never a traceback.

Each command runs in a child process in which the library cannot be imported (its sys.modules entry is
None, as if it were not installed), so nothing is uninstalled.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import subprocess_env, write_manifest

WITHOUT = (
    "import sys\n"
    "for name in sys.argv[1].split(','):\n"
    "    sys.modules[name] = None\n"
    "from ptmlock.cli import cli\n"
    "cli(sys.argv[2:], prog_name='ptm')\n"
)

MANIFEST = '[models.mlp]\nrepo = "fixtures/tiny-mlp"\n\n[models.mlp.export]\nloader = "x:y"\n'


def ptm_without(libraries: str, args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT, libraries, *args.split()],
        capture_output=True,
        text=True,
        env=subprocess_env(),
    )


@pytest.mark.parametrize(
    ("libraries", "args", "install"),
    [
        ("numpy", "export", "pip install 'ptmlock[export,cpu]'"),
        ("numpy", "verify", "pip install 'ptmlock[export,cpu]'"),
        ("numpy,onnxruntime", "verify --frozen", "pip install 'ptmlock[cpu]'"),
    ],
)
def test_a_missing_library_is_one_line_naming_the_extra(libraries: str, args: str, install: str) -> None:
    write_manifest(MANIFEST)
    child = ptm_without(libraries, args)
    assert child.returncode == 1, child.stderr
    assert child.stderr.splitlines() == [
        f"error: `ptm {args}` needs numpy, which is not installed: {install}"
        " (or 'ptmlock[gpu]' for onnxruntime on CUDA)"
    ]
