"""`ptm verify --frozen` in a fresh clone: only ptm.toml, ptm.lock and artifacts/, no store, no installed
model; the tokenizer runs from the preprocessing files `ptm export` copied beside the artifacts, each
checked against ptm.lock. A library a check needs and lacks fails that check, not the whole run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import subprocess_env
from tests.export.support import heavy_imports, run_ptm

INSTALL_CPU = "pip install 'ptmlock[cpu]' (or 'ptmlock[gpu]' for onnxruntime on CUDA)"
# `python -c WITHOUT LIBRARIES ARGS...`: the real CLI in a process where the comma-separated LIBRARIES
# cannot be imported (each is None in sys.modules, as if it were not installed; nothing is uninstalled).
WITHOUT = """
import sys

for name in sys.argv[1].split(","):
    sys.modules[name] = None
sys.argv = ["ptm", *sys.argv[2:]]
from ptmlock.cli import main
main()
"""


def fresh_clone(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """What a CI job checks out, with an empty store and Hugging Face cache: its manifest and environment."""
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("ptm.toml", "ptm.lock"):
        shutil.copy(name, clone / name)
    shutil.copytree("artifacts", clone / "artifacts")
    empty = tmp_path / "empty"
    return str(clone / "ptm.toml"), subprocess_env(PTM_HOME=str(empty / "ptm"), HF_HOME=str(empty / "hf"))


def without(libraries: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT, libraries, *args],
        capture_output=True,
        text=True,
        env=subprocess_env(),
    )


def failed(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("FAIL")]


def test_a_fresh_clone_verifies_frozen_with_no_store_and_no_weights(exported: Path, tmp_path: Path) -> None:
    copies = sorted(p.name for p in Path("artifacts/bert/preprocessing").iterdir())
    assert copies == ["tokenizer.json", "tokenizer_config.json", "vocab.txt"]
    assert not Path("artifacts/bert/preprocessing/model.safetensors").exists()  # no weights copied
    manifest, env = fresh_clone(tmp_path)
    result = run_ptm("--manifest", manifest, "verify", "--frozen", env=env)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert (
        "ok    bert  preprocessing files: 3 files match ptm.lock's sha256 (from the project)" in result.stdout
    )
    assert "ok    bert  tokenizer: 4 probe texts give the locked ids (tokenizers " in result.stdout
    assert "ok    bert  onnx vs ptm.lock: on " in result.stdout
    assert not heavy_imports(result.stderr)
    assert not (tmp_path / "empty" / "hf").exists()  # nothing was installed to get there


def test_a_tampered_tokenizer_copy_fails_its_check(exported: Path, ptm) -> None:
    copy = Path("artifacts/bert/preprocessing/tokenizer.json")
    copy.write_text(copy.read_text().replace('"hello"', '"hellp"', 1))  # a token that now maps elsewhere
    result = ptm("verify --frozen bert", expect=4)
    assert (
        "FAIL  bert  preprocessing files: artifacts/bert/preprocessing/tokenizer.json has sha256 "
    ) in result.stdout
    assert "run `ptm export bert` to copy it again" in result.stdout
    assert (
        "FAIL  bert  tokenizer: not checked: the preprocessing files are not the locked ones "
        "(their check failed)"
    ) in result.stdout
    assert "ok    bert  onnx vs ptm.lock: on " in result.stdout  # the other checks still ran


def test_without_tokenizers_only_the_tokenizer_check_fails(exported: Path) -> None:
    result = without("tokenizers", "verify", "--frozen", "bert", "mlp")
    assert result.returncode == 4, result.stderr[-2000:]
    assert failed(result.stdout) == [
        f"FAIL  bert  tokenizer: not checked: needs tokenizers, which is not installed: {INSTALL_CPU}"
    ]
    assert (
        "ok    bert  onnx vs ptm.lock: on " in result.stdout
        and "ok    mlp  onnx vs ptm.lock" in result.stdout
    )


def test_without_onnxruntime_each_model_fails_its_run_and_the_rest_is_checked(exported: Path) -> None:
    result = without("onnxruntime", "verify", "--frozen", "bert", "mlp")
    assert result.returncode == 4, result.stderr[-2000:]
    assert failed(result.stdout) == [
        f"FAIL  {name}  onnx run: not run: needs onnxruntime, which is not installed: {INSTALL_CPU}"
        for name in ("bert", "mlp")
    ]
    assert "ok    bert  onnx bytes: sha256 matches ptm.lock" in result.stdout
    assert "ok    bert  tokenizer: 4 probe texts give the locked ids" in result.stdout


def test_remove_deletes_the_preprocessing_copies_with_the_artifacts(exported: Path, ptm) -> None:
    assert Path("artifacts/bert/preprocessing/tokenizer.json").is_file()
    result = ptm("remove bert")
    assert "artifacts/bert/preprocessing/tokenizer.json" in result.stdout
    assert not Path("artifacts/bert").exists()
    assert Path("artifacts/bert-v1/preprocessing/tokenizer.json").is_file()  # another model's are kept
