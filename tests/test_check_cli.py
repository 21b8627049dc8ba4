"""`ptm check` as a command: exit codes, output formats, suppressions, [check] settings, file
selection, and what it imports (it must start fast, without any ML library)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import subprocess_env, write_manifest

UNPINNED = 'from transformers import AutoModel\nAutoModel.from_pretrained("org/model")\n'
PINNED = (
    f'from transformers import AutoModel\nAutoModel.from_pretrained("org/model", revision="{"a" * 40}")\n'
)

# The parts of SARIF 2.1.0 (OASIS) that ptm emits, closed (additionalProperties: false) the way the
# official schema closes them, so a misspelt or misplaced property fails.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
_ARTIFACT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["uri"],
    "properties": {"uri": {"type": "string", "format": "uri-reference"}, "uriBaseId": {"type": "string"}},
}
_REGION = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "startLine": {"type": "integer", "minimum": 1},
        "startColumn": {"type": "integer", "minimum": 1},
        "endLine": {"type": "integer", "minimum": 1},
        "endColumn": {"type": "integer", "minimum": 1},
        "byteOffset": {"type": "integer", "minimum": 0},
        "byteLength": {"type": "integer", "minimum": 0},
    },
}
SARIF_SUBSET = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string", "format": "uri"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "additionalProperties": False,
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "name": {"type": "string"},
                                                "shortDescription": _MESSAGE,
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "additionalProperties": False,
                                                    "properties": {
                                                        "level": {
                                                            "enum": ["none", "note", "warning", "error"]
                                                        }
                                                    },
                                                },
                                                "properties": {"type": "object"},
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "originalUriBaseIds": {"type": "object", "additionalProperties": _ARTIFACT},
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["message"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": _MESSAGE,
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "additionalProperties": False,
                                                "properties": {
                                                    "artifactLocation": _ARTIFACT,
                                                    "region": _REGION,
                                                },
                                            }
                                        },
                                    },
                                },
                                "fixes": {"type": "array"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_clean_code_exits_zero_and_says_so(ptm) -> None:
    Path("app.py").write_text(PINNED)
    assert "No problems (1 file, 1 model load)." in ptm("check").stdout


def test_findings_print_path_line_col_code_and_exit_one(ptm) -> None:
    Path("src").mkdir()
    Path("src/app.py").write_text(UNPINNED)
    result = ptm("check", expect=1)
    first = result.stdout.splitlines()[0]
    assert first.startswith('src/app.py:2:1: PTM001 AutoModel.from_pretrained("org/model"): no revision')
    assert result.stdout.splitlines()[-1] == "Found 1 warning (1 file, 1 model load)."


def test_info_findings_are_shown_but_do_not_fail(ptm) -> None:
    Path("app.py").write_text(
        "from transformers import AutoModel\ndef f(name):\n    AutoModel.from_pretrained(name)\n"
    )
    result = ptm("check")
    assert "app.py:3:5: PTM005" in result.stdout and "Found 1 info" in result.stdout


def test_a_revision_only_known_at_run_time_fails_unless_a_helper_forwards_it(ptm) -> None:
    Path("app.py").write_text(
        "from transformers import AutoModel\n"
        "def known(rev):\n"
        '    return AutoModel.from_pretrained("org/model", revision=rev)\n'
        "def helper(name, rev):\n"
        "    return AutoModel.from_pretrained(name, revision=rev)\n"
    )
    result = ptm("check", expect=1)
    assert "app.py:3:12: PTM004 " in result.stdout and "app.py:5:12: PTM005 " in result.stdout
    assert "Found 1 warning, 1 info" in result.stdout


def test_an_uppercase_commit_is_named_as_such(ptm) -> None:
    sha = "ABCDEF0123" * 4
    Path("app.py").write_text(
        f'from transformers import AutoModel\nAutoModel.from_pretrained("o/m", revision="{sha}")\n'
    )
    result = ptm("check", expect=1)
    assert f'revision "{sha}" is not a pinned commit: a commit is 40 lowercase hex digits' in result.stdout
    assert "short hex" not in result.stdout


def test_paths_below_the_current_folder_are_shown_relative(ptm, monkeypatch: pytest.MonkeyPatch) -> None:
    Path("src").mkdir()
    Path("src/app.py").write_text(UNPINNED)
    Path("top.py").write_text(UNPINNED)
    write_manifest('[check]\nseverity = { PTM010 = "off" }\n')
    top = Path("top.py").resolve()
    monkeypatch.chdir("src")
    lines = ptm("check", expect=1).stdout.splitlines()
    assert [line.split(": ")[0] for line in lines[:2]] == [f"{top}:2:1", "app.py:2:1"]


def test_a_missing_path_is_a_usage_error(ptm) -> None:
    result = ptm("check nowhere.py", expect=2)
    assert result.stderr.strip() == "error: nowhere.py: no such file or folder"


def test_json_lists_findings_and_every_load_with_its_state(ptm) -> None:
    Path("app.py").write_text(UNPINNED + 'AutoModel.from_pretrained("./local")\n')
    data = json.loads(ptm("check --format json", expect=1).stdout)
    assert data["summary"] == {"error": 0, "warning": 1, "info": 0, "fixed": 0}
    (finding,) = data["findings"]
    assert (finding["code"], finding["rule"], finding["line"], finding["column"]) == (
        "PTM001",
        "unpinned-load",
        2,
        1,
    )
    assert [(x["state"], x["model"]) for x in data["loads"]] == [
        ("unpinned", "org/model"),
        ("local", "./local"),
    ]


def test_sarif_output_has_the_shape_of_sarif_2_1_0(ptm) -> None:
    Path("app.py").write_text(UNPINNED + 'AutoModel.from_pretrained("org/m", trust_remote_code=True)\n')
    log = json.loads(ptm("check --format sarif", expect=1).stdout)
    jsonschema.Draft202012Validator(
        SARIF_SUBSET, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["PTM001", "PTM001", "PTM003"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert results[2]["level"] == "error" and results[0]["level"] == "warning"
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "app.py", "uriBaseId": "SRCROOT"}
    assert location["region"]["startLine"] == 2
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == Path.cwd().as_uri() + "/"
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_uris_are_encoded_and_absolute_ones_take_no_base(ptm) -> None:
    Path("my dir").mkdir()
    Path("my dir/app #1.py").write_text(UNPINNED)
    outside = Path("../outside/x.py")
    outside.parent.mkdir()
    outside.write_text(UNPINNED)
    log = json.loads(ptm(["check", "--format", "sarif", ".", str(outside)], expect=1).stdout)
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]
    assert locations == [
        {"uri": outside.resolve().as_uri()},
        {"uri": "my%20dir/app%20%231.py", "uriBaseId": "SRCROOT"},
    ]


def test_inline_suppression_by_code_or_for_all(ptm) -> None:
    Path("app.py").write_text(
        "from transformers import AutoModel\n"
        'AutoModel.from_pretrained("org/a", trust_remote_code=True)  # ptm: ignore[PTM001]\n'
        'AutoModel.from_pretrained("org/b")  # ptm: ignore\n'
        "AutoModel.from_pretrained(\n"
        '    "org/c",\n'
        ")  # ptm: ignore[PTM001, PTM010]\n"
        'AutoModel.from_pretrained("org/d")  # ptm: ignore[PTM002]\n'
        'AutoModel.from_pretrained("org/e"); note = "# ptm: ignore"\n'
    )
    data = json.loads(ptm("check --format json", expect=1).stdout)
    assert [(f["line"], f["code"]) for f in data["findings"]] == [(2, "PTM003"), (7, "PTM001"), (8, "PTM001")]


def test_check_settings_change_severity_and_turn_rules_off(ptm) -> None:
    Path("app.py").write_text(UNPINNED + 'AutoModel.from_pretrained("org/m", trust_remote_code=True)\n')
    write_manifest('[check]\nseverity = { PTM001 = "info", PTM003 = "off", PTM010 = "off" }\n')
    data = json.loads(ptm("check --format json").stdout)
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [("PTM001", "info")] * 2


@pytest.mark.parametrize(
    ("check_table", "message"),
    [
        ('severity = { PTM999 = "error" }', "ptm.toml:3: unknown rule 'PTM999' in [check].severity"),
        ('severity = { PTM001 = "fatal" }', "ptm.toml:3: severity 'fatal' of PTM001 must be one of"),
        ("exclude = 3", "ptm.toml:3: 'exclude' must be a list of glob patterns"),
        ("exclude_paths = []", "ptm.toml:3: unknown key 'exclude_paths' in [check]; did you mean 'exclude'?"),
    ],
)
def test_bad_check_settings_name_the_line(ptm, check_table: str, message: str) -> None:
    write_manifest(f"# settings\n[check]\n{check_table}\n")
    result = ptm("check", expect=2)
    assert result.stderr.startswith("error: ") and message in result.stderr


def test_excludes_apply_to_walked_and_given_files(ptm) -> None:
    for path in ("legacy/old.py", "gen/models_pb2.py", "src/app.py", ".venv/lib/site.py", "build/x.py"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(UNPINNED)
    write_manifest('[check]\nexclude = ["legacy", "gen/*_pb2.py"]\n')
    data = json.loads(ptm("check --format json", expect=1).stdout)
    assert {f["path"] for f in data["findings"]} == {"src/app.py"}
    assert data["files"] == 1
    assert "No problems (0 files" in ptm("check legacy/old.py gen/models_pb2.py").stdout
    # A folder given by name is read even where the walk would skip it.
    assert json.loads(ptm("check --format json build", expect=1).stdout)["files"] == 1


def test_a_file_that_does_not_parse_is_reported(ptm) -> None:
    Path("broken.py").write_text("from transformers import AutoModel\nAutoModel.from_pretrained(\n")
    result = ptm("check", expect=1)
    assert "broken.py:2:1: PTM006 cannot check this file (syntax error:" in result.stdout


def test_relative_imports_resolve_inside_a_package(ptm) -> None:
    Path("transformers/models/bert").mkdir(parents=True)
    for folder in ("transformers", "transformers/models", "transformers/models/bert"):
        Path(folder, "__init__.py").write_text("")
    Path("transformers/models/bert/tok.py").write_text(
        'from ..auto import AutoTokenizer\nAutoTokenizer.from_pretrained("org/vocab")\n'
    )
    Path("mypkg").mkdir()
    Path("mypkg/__init__.py").write_text("")
    Path("mypkg/use.py").write_text("from .loader import Loader\nLoader.from_pretrained(NAME)\n")
    data = json.loads(ptm("check --format json", expect=1).stdout)
    assert [(f["path"], f["code"]) for f in data["findings"]] == [
        ("transformers/models/bert/tok.py", "PTM001")
    ]


def test_many_files_are_scanned_in_parallel_with_the_same_result(tmp_path: Path) -> None:
    for i in range(80):
        Path(f"m{i:02}.py").write_text(UNPINNED if i % 2 else PINNED)
    result = subprocess.run(
        [sys.executable, "-m", "ptmlock", "check", "--format", "json"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["files"] == 80 and len(data["loads"]) == 80
    assert [f["path"] for f in data["findings"]] == [f"m{i:02}.py" for i in range(1, 80, 2)]


def test_check_as_a_process_writes_all_its_output_and_exit_code_before_it_ends() -> None:
    """The console script ends `ptm check` without the interpreter's teardown: every buffered line of
    stdout and stderr must still come out, and the exit code with them."""
    loads = "".join(f'AutoModel.from_pretrained("org/model-{i}")\n' for i in range(600))
    dynamic = "AutoModel.from_pretrained(name)\n"
    Path("app.py").write_text(f"from transformers import AutoModel\nname = input()\n{loads}{dynamic}")
    for output_format in ("text", "json"):
        result = subprocess.run(
            [sys.executable, "-m", "ptmlock", "check", "--format", output_format, "app.py"],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            timeout=60,
        )
        assert result.returncode == 1, result.stderr
        assert len(result.stdout) > 64 * 1024  # more than any pipe or stdio buffer holds
        if output_format == "json":
            assert len(json.loads(result.stdout)["findings"]) == 601
        else:
            assert (
                result.stdout.count("PTM001") == 600
                and "Found 600 warnings" in result.stdout.splitlines()[-1]
            )
        assert result.stderr.strip().endswith("(not blocking)"), result.stderr


def test_check_imports_no_ml_library_nor_the_hub_client() -> None:
    Path("app.py").write_text(UNPINNED + "import torch\ntorch.hub.load('pytorch/vision', 'resnet18')\n")
    write_manifest('[models.m]\nrepo = "org/model"\n')
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ptmlock", "check"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert result.returncode == 1 and "PTM001" in result.stdout
    modules = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    imported = {module.split(".")[0] for module in modules}
    assert "ptmlock" in imported
    assert not imported & {
        "torch",
        "transformers",
        "huggingface_hub",
        "httpx",
        "httpx2",
        "numpy",
        "tensorflow",
        "jsonschema",
        "tomlkit",
    }
    # tests/test_import_direction.py says the same from the source; this is what really ran.
    layers = ("ptmlock.hubs", "ptmlock.install", "ptmlock.export")
    assert not {m for m in modules if m in layers or m.startswith(tuple(f"{layer}." for layer in layers))}


def test_check_reads_a_lock_with_export_records_without_jsonschema(hub, ptm) -> None:
    """The hook compares loads with the pins; `ptm export`'s records, which it never reads, are not
    checked (with jsonschema, whose import alone costs more than the whole check)."""

    from ptmlock.export.records import with_records
    from ptmlock.lockfile import read_lock, write_lock
    from tests.test_remove import export_record

    write_manifest('[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    ptm("lock")
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    model = with_records(lock.models["mlp"], {"onnx": export_record("artifacts/mlp/model.onnx", b"x")}, None)
    write_lock(Path("ptm.lock"), lock._replace(models={"mlp": model}))
    load = 'AutoModel.from_pretrained("fixtures/tiny-mlp", revision="main")'
    Path("app.py").write_text(f"from transformers import AutoModel\n{load}\n")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ptmlock", "check"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert result.returncode == 1 and "PTM002" in result.stdout, result.stdout + result.stderr
    assert lock.models["mlp"].commit in result.stdout  # the fix names the locked commit: the lock was read
    modules = {
        line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line
    }
    assert "jsonschema" not in modules
