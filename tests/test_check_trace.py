"""`ptm check` traces model ids and revisions through the code to the load, in statement order.

Snippet table as in test_check_snippets.py: `# expect: PTM001` on the line where a call starts for
its findings, `# state: pinned` for a load found and classified without a finding; lines without a
mark produce nothing. Every way of tracing has an unpinned and a pinned variant.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write_manifest
from tests.snippets import SHA, check_snippet

LOCKED_MANIFEST = """
[models.bert]
repo = "fixtures/tiny-bert"
revision = "main"

[models.mlp]
repo = "fixtures/tiny-mlp"
revision = "main"
"""

SNIPPETS = {
    # --- item 2: values traced through the code ----------------------------------------------
    "function parameter default": f"""
        from transformers import AutoModel
        def load(name="org/model", revision=None):
            return AutoModel.from_pretrained(name, revision=revision)  # expect: PTM001
        def load_pinned(name="org/model", revision="{SHA}"):
            return AutoModel.from_pretrained(name, revision=revision)  # state: pinned
        def load_unpinned(name="org/model"):
            return AutoModel.from_pretrained(name)  # expect: PTM001
        def load_any(name="org/model", revision=None):
            return AutoModel.from_pretrained(name, revision=revision)  # expect: PTM004
        load()
    """,
    "keyword-only default and a default from a constant": f"""
        from transformers import AutoModel
        MODEL = "org/model"
        def load(*, name=MODEL, rev="main"):
            return AutoModel.from_pretrained(name, revision=rev)  # expect: PTM002
        def load_pinned(*, name=MODEL, rev="{SHA}"):
            return AutoModel.from_pretrained(name, revision=rev)  # state: pinned
    """,
    "class attribute": f"""
        from transformers import AutoModel
        class Embedder:
            model_name = "org/model"
            revision = "{SHA}"
            def unpinned(self):
                return AutoModel.from_pretrained(self.model_name)  # expect: PTM001
            def pinned(self):
                return AutoModel.from_pretrained(self.model_name, revision=self.revision)  # state: pinned
        AutoModel.from_pretrained(Embedder.model_name)  # expect: PTM001
    """,
    "self attribute from a constructor default": f"""
        from transformers import AutoModel
        class Embedder:
            def __init__(self, model="org/model", revision="{SHA}"):
                self.model = model
                self.revision = revision
            def unpinned(self):
                return AutoModel.from_pretrained(self.model)  # expect: PTM001
            def pinned(self):
                return AutoModel.from_pretrained(self.model, revision=self.revision)  # state: pinned
    """,
    "self attributes set by one tuple assignment": f"""
        from transformers import AutoModel
        class Embedder:
            def __init__(self, model="org/model", revision="{SHA}"):
                self.model, self.revision = model, revision
                self.first, *self.rest = model, revision
            def unpinned(self):
                return AutoModel.from_pretrained(self.model)  # expect: PTM001
            def pinned(self):
                return AutoModel.from_pretrained(self.model, revision=self.revision)  # state: pinned
            def unknown(self):
                return AutoModel.from_pretrained(self.first)  # expect: PTM005
    """,
    "self is still the instance after its attributes take a call's items": f"""
        from transformers import AutoModel, CLIPModel
        def load_pair():
            return None, None
        class Embedder:
            def __init__(self, model="org/model", revision="{SHA}"):
                self.name, self.revision = model, revision
                self.clip, self.preprocess = load_pair()
                self.model = AutoModel.from_pretrained(self.name, revision=self.revision)  # state: pinned
                self.unpinned = CLIPModel.from_pretrained(self.name)  # expect: PTM001
    """,
    "dataclass fields read through HfArgumentParser": f"""
        from dataclasses import dataclass, field
        from transformers import AutoModel, HfArgumentParser, TrainingArguments
        @dataclass
        class ModelArguments:
            model_name_or_path: str = field(default="org/model", metadata={{"help": "id"}})
            model_revision: str = field(default="main")
            pinned_revision: str = "{SHA}"
        parser = HfArgumentParser((ModelArguments, TrainingArguments))
        args, training_args = parser.parse_args_into_dataclasses()
        AutoModel.from_pretrained(args.model_name_or_path)  # expect: PTM001
        AutoModel.from_pretrained(args.model_name_or_path, revision=args.model_revision)  # expect: PTM002
        AutoModel.from_pretrained(args.model_name_or_path, revision=args.pinned_revision)  # state: pinned
    """,
    "argparse defaults": f"""
        import argparse
        from transformers import AutoModel
        parser = argparse.ArgumentParser()
        parser.add_argument("--model-name", default="org/model")
        parser.add_argument("--revision", dest="rev", default="{SHA}")
        parser.add_argument("--output")
        args = parser.parse_args()
        AutoModel.from_pretrained(args.model_name)  # expect: PTM001
        AutoModel.from_pretrained(args.model_name, revision=args.rev)  # state: pinned
        AutoModel.from_pretrained(args.output)  # expect: PTM005
    """,
    "a training script's output folder, saved to and loaded back": """
        import argparse
        from diffusers import ControlNetModel, DiffusionPipeline
        def parse_args():
            parser = argparse.ArgumentParser()
            parser.add_argument("--output_dir", default="controlnet-model")
            parser.add_argument("--lora_dir", default="org/lora")
            parser.add_argument("--base", default="org/base")
            return parser.parse_args()
        def log_validation(args):
            return ControlNetModel.from_pretrained(args.output_dir)  # state: local
        def main(args):
            pipeline = DiffusionPipeline.from_pretrained(args.base)  # expect: PTM001
            pipeline.load_lora_weights(args.lora_dir)  # expect: PTM001
            DiffusionPipeline.save_lora_weights(save_directory="trained-lora")
            pipeline.load_lora_weights("trained-lora")  # state: local
            log_validation(args)
        main(parse_args())  # the main training loop: main(args) in a comment
    """,
    "argparse inside a function": """
        import argparse
        from transformers import AutoModel
        def parse():
            parser = argparse.ArgumentParser()
            parser.add_argument("--model", type=str, default="org/model")
            return parser.parse_args()
        def main():
            args = parse()
            AutoModel.from_pretrained(args.model)  # expect: PTM001
    """,
    "click and typer options": f"""
        import click
        import typer
        from transformers import AutoModel
        @click.command()
        @click.option("--model", default="org/model")
        @click.option("--revision", default="{SHA}")
        def main(model, revision):
            AutoModel.from_pretrained(model)  # expect: PTM001
            AutoModel.from_pretrained(model, revision=revision)  # state: pinned
        def cli(model: str = typer.Option("org/model"), revision: str = typer.Option("{SHA}")):
            AutoModel.from_pretrained(model)  # expect: PTM001
            AutoModel.from_pretrained(model, revision=revision)  # state: pinned
    """,
    "loop over a literal list or dict": f"""
        from transformers import AutoModel
        for name in ["org/small", "org/large"]:
            AutoModel.from_pretrained(name)  # expect: PTM001
        for name in ("./a", "./b"):
            AutoModel.from_pretrained(name)  # state: local
        PINS = {{"org/small": "{SHA}", "org/large": "{SHA}"}}
        for name, revision in PINS.items():
            AutoModel.from_pretrained(name, revision=revision)  # state: pinned
        for name in PINS:
            AutoModel.from_pretrained(name)  # expect: PTM001
        models = [AutoModel.from_pretrained(m) for m in ["org/a", "org/b"]]  # expect: PTM001
    """,
    "walrus": f"""
        from transformers import AutoModel
        if (name := "org/model"):
            AutoModel.from_pretrained(name)  # expect: PTM001
        if (commit := "{SHA}"):
            AutoModel.from_pretrained("org/model", revision=commit)  # state: pinned
    """,
    "Path of a hub id as text": f"""
        from pathlib import Path
        from transformers import AutoModel
        AutoModel.from_pretrained(Path("org/model").as_posix())  # expect: PTM001
        AutoModel.from_pretrained(str(Path("org/model")))  # expect: PTM001
        AutoModel.from_pretrained(str(Path("org/model")), revision="{SHA}")  # state: pinned
        AutoModel.from_pretrained(str(Path("checkpoints") / "best"))  # state: local
    """,
    "or-default and conditional expression": f"""
        import sys
        from transformers import AutoModel
        name = sys.argv[1] if len(sys.argv) > 1 else "org/model"
        AutoModel.from_pretrained(name)  # expect: PTM001
        AutoModel.from_pretrained(sys.argv[1] or "org/model", revision="{SHA}")  # state: pinned
    """,
    "augmented assignment": """
        from transformers import AutoModel
        name = "org/"
        name += "model"
        AutoModel.from_pretrained(name)  # expect: PTM001
    """,
    "what a local function returns": f"""
        from transformers import AutoModel
        def model_id():
            return "org/model"
        def commit():
            return "{SHA}"
        AutoModel.from_pretrained(model_id())  # expect: PTM001
        AutoModel.from_pretrained(model_id(), revision=commit())  # state: pinned
    """,
    "what the file's calls pass to a parameter": f"""
        import os
        from huggingface_hub import hf_hub_download
        from transformers import AutoModel
        def fetch(repo_id, filename, revision=None):
            return hf_hub_download(repo_id=repo_id, filename=filename, revision=revision)  # expect: PTM001
        fetch("org/model", "config.json")
        def fetch_pinned(repo_id, revision):
            return hf_hub_download(repo_id, "config.json", revision=revision)  # state: pinned
        fetch_pinned("org/model", "{SHA}")
        def download(name):
            return hf_hub_download(name, "config.json")  # expect: PTM001
        for repo in ["org/a", "org/b"]:
            download(repo)
        def load(model_name):
            model_name = os.path.expanduser(model_name)
            return AutoModel.from_pretrained(model_name)  # expect: PTM001
        load("org/model")
        def handed_on(name):
            return AutoModel.from_pretrained(name)  # expect: PTM005
        callbacks = [handed_on]
    """,
    "what a with statement's body binds replaces what was bound before it": f"""
        import torch
        from transformers import AutoModel
        revision = "main"
        with torch.no_grad():
            revision = "{SHA}"
        AutoModel.from_pretrained("org/model", revision=revision)  # state: pinned
        name = "org/model"
        with open("name.txt") as handle:
            name = handle.read().strip()
        AutoModel.from_pretrained(name)  # expect: PTM005
    """,
    "a function also named in strings and comments": """
        import logging
        from transformers import AutoModel
        def load(name):
            logging.info("load(%s) starts", name)  # load is what the CLI calls
            return AutoModel.from_pretrained(name)  # expect: PTM001
        load("org/model")
        HELP = '''
        load reads a model'''
        def handed_on(name):
            return AutoModel.from_pretrained(name)  # expect: PTM005
        handed_on("org/model")
        run(handed_on, key="handed_on")
    """,
    "one entry of a literal dict chosen at run time": f"""
        from transformers import AutoModel
        MODELS = {{"en": "org/english", "fr": "org/french"}}
        PINS = {{"en": "{SHA}", "fr": "{SHA}"}}
        def load(language):
            return AutoModel.from_pretrained(MODELS[language])  # expect: PTM001
        def load_pinned(language):
            return AutoModel.from_pretrained(MODELS[language], revision=PINS[language])  # state: pinned
    """,
    "a parameter named as a folder": """
        from transformers import AutoModel
        def load_model_hook(models, input_dir):
            return AutoModel.from_pretrained(input_dir, subfolder="unet")  # state: local
        def load(model):
            return AutoModel.from_pretrained(model)  # expect: PTM005
    """,
    "pytest parametrize": f"""
        import pytest
        from transformers import AutoModel
        @pytest.mark.parametrize("name", ["org/a", pytest.param("org/b", id="b")])
        def test_load(name):
            AutoModel.from_pretrained(name)  # expect: PTM001
        @pytest.mark.parametrize(("name", "revision"), [("org/a", "{SHA}"), ("org/b", "{SHA}")])
        def test_pinned(name, revision):
            AutoModel.from_pretrained(name, revision=revision)  # state: pinned
    """,
    "a folder filled in when none is given": """
        import os
        from transformers import AutoModel
        class Tokenizer:
            def __init__(self, path=None):
                if path is None:
                    path = os.path.join(os.path.dirname(__file__), "tokenizer")
                self.tokenizer = AutoModel.from_pretrained(path)  # state: local
            def load(self, name=None):
                return AutoModel.from_pretrained(name or "org/model")  # expect: PTM001
    """,
    # --- statement order ---------------------------------------------------------------------
    "a name reassigned after the load lends nothing": f"""
        from transformers import AutoModel
        revision = "{SHA}"
        AutoModel.from_pretrained("org/model", revision=revision)  # state: pinned
        revision = "main"
        AutoModel.from_pretrained("org/model", revision=revision)  # expect: PTM002
        name = "./checkpoints/best"
        AutoModel.from_pretrained(name)  # state: local
        name = "org/model"
        AutoModel.from_pretrained(name)  # expect: PTM001
    """,
    "statement order inside a function": f"""
        from transformers import AutoModel
        def load():
            revision = "main"
            revision = "{SHA}"
            AutoModel.from_pretrained("org/model", revision=revision)  # state: pinned
            revision = "dev"
    """,
    "a branch that may not run keeps both values": f"""
        import sys
        from transformers import AutoModel
        revision = "{SHA}"
        if sys.argv[1:]:
            revision = "main"
        AutoModel.from_pretrained("org/model", revision=revision)  # expect: PTM002
        commit = "{SHA}"
        if sys.argv[1:]:
            commit = "{SHA}"
        AutoModel.from_pretrained("org/model", revision=commit)  # state: pinned
    """,
    "a later assignment in the same loop reaches the load": f"""
        from transformers import AutoModel
        revision = "{SHA}"
        for _ in range(2):
            AutoModel.from_pretrained("org/model", revision=revision)  # expect: PTM002
            revision = "main"
        pinned = "{SHA}"
        for _ in range(2):
            AutoModel.from_pretrained("org/model", revision=pinned)  # state: pinned
    """,
    "a module global a function sets is read in the others": f"""
        from transformers import AutoModel
        MODEL_ID = None
        REVISION = None
        def configure(pinned):
            global MODEL_ID, REVISION
            MODEL_ID = "org/model"
            REVISION = "{SHA}" if pinned else "main"
        def load():
            return AutoModel.from_pretrained(MODEL_ID, revision=REVISION)  # expect: PTM002
    """,
    "a nested loop target takes the parts of each item": f"""
        from transformers import AutoModel
        for name, (revision, _) in [("org/model", ("{SHA}", 1))]:
            AutoModel.from_pretrained(name, revision=revision)  # state: pinned
        for name, (revision, _) in [("org/model", ("main", 1))]:
            AutoModel.from_pretrained(name, revision=revision)  # expect: PTM002
    """,
    "an assignment the loop makes before the load every round hides the later one": f"""
        from transformers import AutoModel
        for revision in ["{SHA}"]:
            AutoModel.from_pretrained("org/model", revision=revision)  # state: pinned
            revision = "main"
        for _ in range(2):
            commit = "{SHA}"
            AutoModel.from_pretrained("org/model", revision=commit)  # state: pinned
            commit = "main"
        for _ in range(2):
            if _:
                tag = "{SHA}"
            AutoModel.from_pretrained("org/model", revision=tag)  # expect: PTM002
            tag = "main"
    """,
    # --- item 4: local values ----------------------------------------------------------------
    "a folder the script saved a model to": f"""
        from transformers import AutoModel
        model = AutoModel.from_pretrained("org/model", revision="{SHA}")  # state: pinned
        model.save_pretrained("my-model")
        AutoModel.from_pretrained("my-model")  # state: local
        output_dir = "finetuned"
        model.save_pretrained(output_dir)
        AutoModel.from_pretrained(output_dir)  # state: local
        AutoModel.from_pretrained("other-model")  # expect: PTM001
    """,
    "a folder saved by the trainer": """
        from transformers import AutoModel
        def train(trainer, training_args):
            trainer.save_model(training_args.output_dir)
            return AutoModel.from_pretrained(training_args.output_dir)  # state: local
        def evaluate(training_args):
            return AutoModel.from_pretrained(training_args.hub_id)  # expect: PTM005
    """,
    "temporary folders": """
        import tempfile
        from transformers import AutoModel
        def test_roundtrip(tmp_path):
            AutoModel.from_pretrained(tmp_path)  # state: local
            AutoModel.from_pretrained(str(tmp_path / "model"))  # state: local
        with tempfile.TemporaryDirectory() as folder:
            AutoModel.from_pretrained(folder)  # state: local
        AutoModel.from_pretrained(tempfile.mkdtemp())  # state: local
        def test_hub(name):
            AutoModel.from_pretrained(name)  # expect: PTM005
    """,
    # --- item 5: loads are not lost -------------------------------------------------------------
    "the base model named by an adapter's config": f"""
        from peft import PeftConfig, PeftModel
        from transformers import AutoModelForCausalLM
        config = PeftConfig.from_pretrained("org/adapter", revision="{SHA}")  # state: pinned
        base = AutoModelForCausalLM.from_pretrained(config.base_model_name_or_path)  # expect: PTM005
        model = AutoModelForCausalLM.from_pretrained("org/base", revision="{SHA}")  # state: pinned
        PeftModel.from_pretrained(model, "org/adapter", revision="{SHA}")  # state: pinned
    """,
    "an attribute set on a class keeps the class": f"""
        from transformers import AutoModel
        class Settings:
            model = "org/model"
            revision = "{SHA}"
        Settings.extra = 1
        AutoModel.from_pretrained(Settings.model)  # expect: PTM001
        AutoModel.from_pretrained(Settings.model, revision=Settings.revision)  # state: pinned
    """,
    "an attribute set on a module or function keeps it": f"""
        import torch
        from huggingface_hub import hf_hub_download
        torch.hub.dir = "/cache"
        hf_hub_download.cache = {{}}
        torch.hub.load("pytorch/vision", "resnet18")  # expect: PTM001 PTM003
        torch.hub.load("pytorch/vision:{SHA}", "resnet18")  # state: pinned
        hf_hub_download("org/model", "config.json")  # expect: PTM001
        hf_hub_download("org/model", "config.json", revision="{SHA}")  # state: pinned
    """,
}


@pytest.mark.parametrize("name", list(SNIPPETS))
def test_check_traces_values_to_the_load(name: str, ptm) -> None:
    check_snippet(SNIPPETS[name], ptm)


def test_constants_imported_from_the_project_are_traced_when_one_file_is_checked(ptm) -> None:
    """As pre-commit runs it: only the changed file is given; the modules it imports are read."""
    Path("pkg/settings").mkdir(parents=True)
    Path("pkg/__init__.py").write_text("")
    Path("pkg/settings/__init__.py").write_text("")
    Path("pkg/settings/base.py").write_text('ORG = "org"\n')
    Path("pkg/settings/models.py").write_text(
        f'from .base import ORG\nMODEL_ID = f"{{ORG}}/model"\nCOMMIT = "{SHA}"\nBRANCH = "main"\n'
    )
    Path("pkg/train.py").write_text(
        "from transformers import AutoModel\n"
        "from .settings.models import MODEL_ID, COMMIT\n"
        "from .settings import models\n"
        "import pkg.settings.models as cfg\n"
        "AutoModel.from_pretrained(MODEL_ID)\n"
        "AutoModel.from_pretrained(MODEL_ID, revision=COMMIT)\n"
        "AutoModel.from_pretrained(models.MODEL_ID, revision=models.BRANCH)\n"
        "AutoModel.from_pretrained(cfg.MODEL_ID, revision=cfg.COMMIT)\n"
        "AutoModel.from_pretrained(models.UNKNOWN)\n"
    )
    data = json.loads(ptm("check --format json pkg/train.py", expect=1).stdout)
    assert {f"{f['line']}:{f['code']}" for f in data["findings"]} == {"5:PTM001", "7:PTM002", "9:PTM005"}
    assert {load["line"]: load["state"] for load in data["loads"]} == {
        5: "unpinned",
        6: "pinned",
        7: "mutable",
        8: "pinned",
        9: "dynamic",
    }
    assert {load["repo"] for load in data["loads"] if load["line"] < 9} == {"org/model"}


def test_a_module_is_read_only_inside_the_project(tmp_path: Path, ptm) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "config.py").write_text('MODEL_ID = "org/model"\n')
    Path("config.py").symlink_to(outside / "config.py")
    Path("inside.py").write_text('MODEL_ID = "org/model"\n')
    Path("train.py").write_text(
        "from transformers import AutoModel\n"
        "import config, inside\n"
        "AutoModel.from_pretrained(config.MODEL_ID)\n"
        "AutoModel.from_pretrained(inside.MODEL_ID)\n"
    )
    data = json.loads(ptm("check --format json train.py", expect=1).stdout)
    assert {f"{f['line']}:{f['code']}" for f in data["findings"]} == {"3:PTM005", "4:PTM001"}


def test_a_folder_next_to_the_file_is_local(ptm) -> None:
    Path("app/models/bert").mkdir(parents=True)
    Path("app/run.py").write_text(
        "from transformers import AutoModel\n"
        'AutoModel.from_pretrained("models/bert")\n'
        'AutoModel.from_pretrained("models/gpt")\n'
    )
    data = json.loads(ptm("check --format json app/run.py", expect=1).stdout)
    assert {f"{f['line']}:{f['code']}" for f in data["findings"]} == {"3:PTM001"}
    assert {load["line"]: load["state"] for load in data["loads"]} == {2: "local", 3: "unpinned"}


def test_notes_are_counted_on_stderr(ptm) -> None:
    Path("app.py").write_text(
        "from transformers import AutoModel\n"
        "def load(name):\n"
        "    AutoModel.from_pretrained(name)\n"
        "    AutoModel.from_pretrained(name, trust_remote_code=False)\n"
    )
    result = ptm("check --format json")
    assert result.stderr == "ptm check: 2 notes on model loads it cannot check statically (not blocking)\n"
    Path("app.py").write_text(
        f'from transformers import AutoModel\nAutoModel.from_pretrained("o/m", revision="{SHA}")\n'
    )
    assert ptm("check").stderr == ""


@pytest.mark.hand_edited_lock
def test_ptm_lock_is_read_only_when_a_load_is_compared_with_it(ptm) -> None:
    Path("ptm.toml").write_text('[models.bert]\nrepo = "org/model"\nrevision = "main"\n')
    Path("ptm.lock").write_text("this is not TOML [\n")
    Path("app.py").write_text("import torch\ntorch.load('weights.pt')\nprint('no hub load')\n")
    assert "No problems" in ptm("check").stdout
    Path("app.py").write_text('from transformers import AutoModel\nAutoModel.from_pretrained("org/model")\n')
    result = ptm("check", expect=1)
    assert "ptm.lock: invalid TOML" in result.stderr and result.stdout == ""


def test_cycles_end_in_unknown_and_the_rest_is_traced(ptm) -> None:
    """Import cycles, recursion and self-reference give a note, not a hang or a crash."""
    Path("a.py").write_text(
        "from transformers import AutoModel\n"
        "from b import FROM_A, LOOP\n"
        'MODEL = "org/model"\n'
        "AutoModel.from_pretrained(FROM_A)\n"
        "AutoModel.from_pretrained(LOOP)\n"
        "def again():\n"
        "    return again()\n"
        "AutoModel.from_pretrained(again())\n"
        "def ping(name):\n"
        "    return pong(name)\n"
        "def pong(name):\n"
        "    return ping(name)\n"
        "AutoModel.from_pretrained(ping('org/model'))\n"
        "class Grow:\n"
        "    def __init__(self):\n"
        "        self.name = self.name + 'x'\n"
        "    def load(self):\n"
        "        return AutoModel.from_pretrained(self.name)\n"
    )
    Path("b.py").write_text("from a import MODEL, LOOP\nFROM_A = MODEL\n")
    data = json.loads(ptm("check --format json a.py", expect=1).stdout)
    assert {f"{f['line']}:{f['code']}" for f in data["findings"]} == {
        "4:PTM001",
        "5:PTM005",
        "8:PTM005",
        "13:PTM005",
        "18:PTM005",
    }


def test_a_load_in_a_loop_over_several_ids_is_reported_but_not_fixed(hub, ptm) -> None:
    """--fix writes one locked commit: never into a load that takes one of several models."""
    write_manifest(LOCKED_MANIFEST)
    ptm("lock")
    loop = 'for name in ["fixtures/tiny-bert", "fixtures/tiny-mlp"]:\n    AutoModel.from_pretrained(name)\n'
    Path("app.py").write_text(
        f'from transformers import AutoModel\n{loop}AutoModel.from_pretrained("fixtures/tiny-bert")\n'
    )
    data = json.loads(ptm("check --format json", expect=1).stdout)
    assert {(f["line"], f["code"], f["fixable"]) for f in data["findings"]} == {
        (3, "PTM012", False),
        (4, "PTM012", True),
    }
    assert "Fixed 1 load in 1 file." in ptm("check --fix", expect=1).stdout
    commit = hub.hub.resolve("fixtures/tiny-bert", "main")
    pinned = f'AutoModel.from_pretrained("fixtures/tiny-bert", revision="{commit}")\n'
    assert Path("app.py").read_text() == f"from transformers import AutoModel\n{loop}{pinned}"


def test_an_imported_constant_is_read_again_on_the_next_run(ptm) -> None:
    Path("config.py").write_text(f'REVISION = "{SHA}"\n')
    Path("train.py").write_text(
        "from transformers import AutoModel\n"
        "from config import REVISION\n"
        'AutoModel.from_pretrained("org/model", revision=REVISION)\n'
    )
    assert "No problems" in ptm("check train.py").stdout
    Path("config.py").write_text('REVISION = "main"\n')
    assert "train.py:3:1: PTM002" in ptm("check train.py", expect=1).stdout
