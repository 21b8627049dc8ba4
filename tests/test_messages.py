"""Messages that say what is really wrong: offline mode, a refused token, a leftover export table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import one_line_error, subprocess_env, write_manifest

TWO_MODELS = '[models.mlp]\nrepo = "fixtures/tiny-mlp"\n\n[models.bert]\nrepo = "fixtures/tiny-bert"\n'


def test_lock_in_offline_mode_says_offline_mode_is_on_once(hub) -> None:
    write_manifest(TWO_MODELS)
    # huggingface_hub reads HF_HUB_OFFLINE when it is imported: a child process of its own.
    child = subprocess.run(
        [sys.executable, "-m", "ptmlock", "lock"],
        capture_output=True,
        text=True,
        env=subprocess_env(HF_HUB_OFFLINE="1"),
    )
    assert child.returncode == 1
    assert child.stderr.splitlines() == [
        "error: HF_HUB_OFFLINE is set (huggingface_hub's offline mode), and locking or downloading needs "
        "the hub; unset HF_HUB_OFFLINE (`ptm install --offline` installs what the store already holds)"
    ]
    assert "network" not in child.stderr and not Path("ptm.lock").exists()


def test_a_wrong_token_is_said_to_be_refused(hub, ptm, monkeypatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_one")
    for repo in ("fixtures/gated-mlp", "fixtures/private-bert"):
        if repo == "fixtures/private-bert":
            hub.hub.create_repo(repo, private=True)
            hub.hub.commit(repo, {"config.json": b"{}"})
        write_manifest(f'[models.x]\nrepo = "{repo}"\n')
        line = one_line_error(ptm("lock", expect=1))
        assert line == (
            f"error: model 'x' ({repo}@main): {hub.url} refused the token from HF_TOKEN (401: not a valid "
            "token, or expired or revoked); replace it with a valid one (https://huggingface.co/settings/tokens)"
        )


def test_a_leftover_export_table_names_its_line_and_model(ptm) -> None:
    write_manifest(
        '[models.mlp]\nrepo = "fixtures/tiny-mlp"\n\n'
        '[models.encoder.export]\nloader = "transformers:AutoModel"\n'
        'inputs = [{ name = "x", dtype = "float32", shape = [1, 8] }]\n'
    )
    line = one_line_error(ptm("validate", expect=2))
    assert line == (
        f"error: {Path('ptm.toml').resolve()}:4: [models.encoder.export] is left without its model: ptm.toml "
        "declares no [models.encoder] (hub, repo, ...); declare model 'encoder' again, "
        "or delete [models.encoder.export]"
    )


def test_why_with_one_dependent_reads_in_the_singular(ptm) -> None:
    write_manifest(
        TWO_MODELS + '\n[[edges]]\nfrom = "bert"\nto = "mlp"\nkind = "feature-handoff"\nmode = "sequential"\n'
    )
    assert ptm("why bert").stdout.splitlines()[0] == "1 depends on bert:"
