"""`ptm init` and `ptm add` keep users' comments and never write an invalid manifest."""

from __future__ import annotations

from pathlib import Path

from ptmlock.manifest import load_manifest


def test_init_creates_a_commented_manifest_that_parses(ptm) -> None:
    result = ptm("init")
    text = Path("ptm.toml").read_text()
    assert "Created ptm.toml" in result.stdout
    assert text.startswith("# ptm.toml")
    assert load_manifest(Path("ptm.toml")).models == {}


def test_init_refuses_to_overwrite_without_force(ptm) -> None:
    Path("ptm.toml").write_text("# mine\n")
    result = ptm("init", expect=1)
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert Path("ptm.toml").read_text() == "# mine\n"
    ptm("init --force")
    assert Path("ptm.toml").read_text().startswith("# ptm.toml")


def test_add_then_update_keeps_comments_and_layout(ptm) -> None:
    ptm("init")
    ptm("add fixtures/tiny-bert --name bert --revision v1.0 --task feature-extraction")
    text = (
        Path("ptm.toml").read_text().replace('revision = "v1.0"', 'revision = "v1.0"  # the paper used v1.0')
    )
    Path("ptm.toml").write_text(text + "\n# trailing note\n")
    result = ptm("add fixtures/tiny-bert --name bert --include *.json --include *.safetensors")
    assert "Updated model 'bert'" in result.stdout
    text = Path("ptm.toml").read_text()
    assert 'revision = "v1.0"  # the paper used v1.0' in text
    assert "# trailing note" in text
    spec = load_manifest(Path("ptm.toml")).models["bert"]
    assert spec.include == ("*.json", "*.safetensors") and spec.task == "feature-extraction"


def test_add_names_the_model_after_the_repo_and_groups_imply_interchangeable(ptm) -> None:
    ptm("init")
    ptm("add fixtures/tiny-mlp --group head")
    spec = load_manifest(Path("ptm.toml")).models["tiny-mlp"]
    assert spec.role == "interchangeable" and spec.group == "head"


def test_add_with_bad_revision_leaves_manifest_untouched(ptm) -> None:
    ptm("init")
    before = Path("ptm.toml").read_text()
    result = ptm(["add", "fixtures/tiny-bert", "--revision", "bad..rev"], expect=2)
    assert result.stderr == (
        "error: ptm add: revision 'bad..rev' is not a valid branch, tag or commit name; "
        "ptm.toml was left unchanged\n"
    )
    assert Path("ptm.toml").read_text() == before
    assert sorted(p.name for p in Path().iterdir()) == ["ptm.toml"]


LAID_OUT = """\
# our models

[models.encoder]
repo = "fixtures/tiny-bert"

# the classifier head
[models.head]
repo = "fixtures/tiny-mlp"

[[edges]]
from = "encoder"
to = "head"
kind = "feature-handoff"
mode = "sequential"
"""


def test_add_puts_new_keys_in_their_table_and_new_tables_apart(ptm) -> None:
    Path("ptm.toml").write_text(LAID_OUT)
    ptm("add fixtures/tiny-bert --name encoder --revision v1.0")
    ptm("add fixtures/tiny-mlp --name other --task text-classification")
    assert Path("ptm.toml").read_text() == LAID_OUT.replace(
        'repo = "fixtures/tiny-bert"\n', 'repo = "fixtures/tiny-bert"\nrevision = "v1.0"\n'
    ).replace(
        "\n[[edges]]",
        '\n[models.other]\nrepo = "fixtures/tiny-mlp"\ntask = "text-classification"\n\n[[edges]]',
    )


def test_add_of_a_bad_repo_id_names_the_repo(ptm) -> None:
    ptm("init")
    result = ptm(["add", "not a repo"], expect=2)
    assert result.stderr.startswith("error: ptm add: repo 'not a repo' is not a Hugging Face repo id")


def test_add_to_a_broken_manifest_names_the_broken_line(ptm) -> None:
    for text, line in (
        ('[models.a]\nrepo = "x/y"\nrepo = "x/z"\n', 'ptm.toml:3: invalid TOML: Key "repo" already exists.'),
        ("# notes\n[models.a\n", "ptm.toml:2: invalid TOML: Unexpected character"),
    ):
        Path("ptm.toml").write_text(text)
        result = ptm("add fixtures/tiny-bert", expect=2)
        assert len(result.stderr.splitlines()) == 1 and line in result.stderr
        assert Path("ptm.toml").read_text() == text


def test_add_without_manifest_says_how_to_create_one(ptm) -> None:
    result = ptm("add fixtures/tiny-bert", expect=1)
    assert "ptm init" in result.stderr


def test_init_from_code_declares_the_hub_models_the_code_loads(hub, ptm) -> None:
    Path("src").mkdir()
    Path("src/train.py").write_text(
        "from transformers import AutoModel, AutoTokenizer\n"
        "from huggingface_hub import snapshot_download\n"
        'AutoTokenizer.from_pretrained("fixtures/tiny-bert")\n'
        'AutoModel.from_pretrained("fixtures/tiny-bert")\n'
        'AutoModel.from_pretrained("fixtures/tiny-bert", revision="v1.0")\n'
        'snapshot_download("fixtures/tiny-mlp")\n'
        'AutoModel.from_pretrained("./checkpoints/best")\n'
        "def load(name):\n"
        "    return AutoModel.from_pretrained(name)\n"
    )
    result = ptm("init --from-code src")
    assert "declaring 3 models found in src" in result.stdout
    models = load_manifest(Path("ptm.toml")).models
    assert {n: (m.repo, m.revision) for n, m in models.items()} == {
        "tiny-bert": ("fixtures/tiny-bert", "main"),
        "fixtures-tiny-bert": ("fixtures/tiny-bert", "v1.0"),
        "tiny-mlp": ("fixtures/tiny-mlp", "main"),
    }
    assert Path("ptm.toml").read_text().startswith("# ptm.toml")
    ptm("lock")
    assert "PTM012" in ptm("check src", expect=1).stdout  # declared and locked: now check names the pins
    assert "Fixed 4 loads" in ptm("check --fix src").stdout
    assert "Found 1 info" in ptm("check src").stdout  # clean now; only the dynamic load is noted


def test_init_from_code_keeps_an_existing_manifest_without_force(ptm) -> None:
    Path("app.py").write_text('from transformers import AutoModel\nAutoModel.from_pretrained("org/model")\n')
    Path("ptm.toml").write_text("# mine\n")
    result = ptm("init --from-code", expect=1)
    assert "already exists" in result.stderr
    assert Path("ptm.toml").read_text() == "# mine\n"
    ptm("init --from-code --force")
    assert load_manifest(Path("ptm.toml")).models["model"].repo == "org/model"
