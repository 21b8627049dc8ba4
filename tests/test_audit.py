"""`ptm audit`: locked files read from the store, formats told from bytes, pickles read without loading.

Every malicious file here is built by the test itself (no binary pickle is committed); where a payload
is hand-written, the test first proves that unpickling it really calls what it names, with a harmless
argument.
"""

from __future__ import annotations

import copy
import io
import json
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest

from fixtures.audit_payloads import (
    COMPUTED_NAME,
    DECOY_EXEC,
    GETATTR_EVAL,
    HOSTILE_TEMPLATE,
    Reduces,
    gguf_with_template,
    keras_with_lambda,
    malicious,
    npy,
    zipped,
)
from tests.conftest import one_line_error, subprocess_env, write_manifest
from tests.installing import torchhub_model
from tests.test_check_cli import SARIF_SUBSET

# ptm check's SARIF subset, and the logicalLocations (SARIF 2.1.0, section 3.28.4) that name the file.
SARIF_WITH_LOGICAL_LOCATIONS = copy.deepcopy(SARIF_SUBSET)
_LOCATION = SARIF_WITH_LOGICAL_LOCATIONS["properties"]["runs"]["items"]["properties"]["results"]["items"]
_LOCATION["properties"]["locations"]["items"]["properties"]["logicalLocations"] = {
    "type": "array",
    "items": {"type": "object", "required": ["fullyQualifiedName"]},
}
LOCAL = '[models.m]\nhub = "local"\npath = "model"\n'


def safetensors(header: dict[str, Any], data: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def audit_files(
    ptm, files: dict[str, bytes], *args: str, policy: str = "", expect: int | None = None
) -> dict:
    """Lock and install a local model holding ``files``, then `ptm audit --format json` it."""
    for name, data in files.items():
        path = Path("model", name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    write_manifest(LOCAL)
    ptm("lock")
    ptm("install")
    if policy:  # after locking: [policy] is audit's, ptm lock's manifest does not read it (yet)
        write_manifest(LOCAL + "\n[policy]\n" + policy)
    result = ptm(["audit", "--format", "json", *args], expect=expect)
    return json.loads(result.stdout)


def by_file(report: dict, code: str | None = None) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for finding in report["findings"]:
        if code is None or finding["code"] == code:
            found.setdefault(finding["path"], []).append(finding)
    return found


def formats(report: dict) -> dict[str, str]:
    return {f["path"]: f["format"] for f in report["files"]}


# --- pickles that run code -------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_audit_names_the_global_and_offset_of_a_pickle_calling_os_system(ptm, protocol: int) -> None:
    payload = pickle.dumps({"weights": [1.0], "x": Reduces(os.system, "true")}, protocol=protocol)
    report = audit_files(ptm, {"evil.pkl": payload}, expect=1)
    (finding,) = by_file(report, "PTM101")["evil.pkl"]
    assert finding["subject"] == f"{os.system.__module__}.system"
    assert finding["severity"] == "error"
    opcode = payload[finding["offset"] : finding["offset"] + 1]
    assert opcode in (b"c", b"\x93"), "the offset points at the opcode that imports it"


def test_audit_finds_eval_reached_through_a_getattr_chain(ptm) -> None:
    payload = GETATTR_EVAL
    assert pickle.loads(payload) == 42  # the payload is real: loading it evaluates the string
    report = audit_files(ptm, {"pytorch_model.bin": payload}, expect=1)
    subjects = {f["subject"] for f in by_file(report, "PTM101")["pytorch_model.bin"]}
    assert subjects == {"builtins.getattr", "builtins.__import__"}
    assert formats(report)["pytorch_model.bin"] == "pickle"


def test_audit_follows_the_stack_to_the_names_stack_global_imports(ptm) -> None:
    payload = DECOY_EXEC  # the last two strings before its STACK_GLOBAL are a decoy's
    assert pickle.loads(payload) is None  # exec ran (and returns None)
    report = audit_files(ptm, {"model.ckpt": payload}, expect=1)
    assert [f["subject"] for f in by_file(report, "PTM101")["model.ckpt"]] == ["builtins.exec"]


def test_a_global_whose_name_is_built_at_load_time_is_a_finding(ptm) -> None:
    payload = COMPUTED_NAME
    report = audit_files(ptm, {"model.pkl": payload}, expect=1)
    subjects = [f["subject"] for f in by_file(report, "PTM101")["model.pkl"]]
    assert subjects == ["builtins.str", "<computed at load time by STACK_GLOBAL>"]


def test_audit_finds_a_reduce_to_subprocess(ptm) -> None:
    payload = pickle.dumps(Reduces(subprocess.Popen, ["true"]), protocol=2)
    assert b"commands" in payload  # protocol 2 writes Python 2's name, which the unpickler maps back
    report = audit_files(ptm, {"model.joblib": payload}, expect=1)
    assert [f["subject"] for f in by_file(report, "PTM101")["model.joblib"]] == ["subprocess.Popen"]


def test_audit_opens_archives_inside_archives(ptm) -> None:
    evil = pickle.dumps(Reduces(os.system, "true"))
    nested = zipped({"inner.zip": zipped({"deep/payload.pkl": evil, "readme.txt": b"hi"})})
    report = audit_files(ptm, {"bundle.zip": nested}, expect=1)
    (finding,) = by_file(report, "PTM101")["bundle.zip"]
    assert finding["member"] == "inner.zip!deep/payload.pkl"
    assert finding["subject"].endswith(".system")


def test_audit_finds_a_pickle_hidden_in_a_numpy_object_array(ptm) -> None:
    hidden = npy(np.array([Reduces(os.system, "true")], dtype=object))
    numbers = npy(np.arange(6, dtype=np.float32).reshape(2, 3))
    archive = zipped({"a.npy": numbers, "b.npy": hidden})
    report = audit_files(ptm, {"hidden.npy": hidden, "numbers.npy": numbers, "arrays.npz": archive}, expect=1)
    unsafe = by_file(report, "PTM101")
    assert set(unsafe) == {"hidden.npy", "arrays.npz"}
    assert unsafe["arrays.npz"][0]["member"] == "b.npy"
    assert unsafe["hidden.npy"][0]["offset"] > 128, "an offset in the file, after the .npy header"
    assert formats(report) == {"hidden.npy": "numpy", "numbers.npy": "numpy", "arrays.npz": "numpy"}


def test_every_file_of_the_malicious_corpus_is_an_error(ptm) -> None:
    corpus = malicious()  # what bench/audit.py compares scanners on
    report = audit_files(ptm, corpus, expect=1)
    errors = {f["path"] for f in report["findings"] if f["severity"] == "error"}
    assert errors == set(corpus)


def test_a_truncated_pickle_is_a_finding_not_a_pass(ptm) -> None:
    payload = pickle.dumps({"w": [1.0, 2.0]}, protocol=4)[:-5]
    report = audit_files(ptm, {"model.pkl": payload}, expect=1)
    (finding,) = by_file(report, "PTM103")["model.pkl"]
    assert "cannot be read statically" in finding["message"]


# --- benign torch checkpoints --------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch_checkpoints() -> dict[str, bytes]:
    import torch

    layer = torch.nn.Linear(3, 2)
    # A legacy file's raw storages follow its pickles, each led by its element count: 16 * 8 = 128 is
    # 0x80, PROTO's byte.
    wide = torch.nn.Linear(16, 8)
    saved = {}
    for name, obj, zip_format in (
        ("pytorch_model.bin", layer.state_dict(), True),
        ("legacy.pt", {"state_dict": wide.state_dict(), "epoch": 3, "half": torch.ones(2).half()}, False),
        ("whole_module.pth", layer, True),
    ):
        buffer = io.BytesIO()
        torch.save(obj, buffer, _use_new_zipfile_serialization=zip_format)
        saved[name] = buffer.getvalue()
    return saved


def test_torch_save_state_dicts_pass_and_a_pickled_module_does_not(ptm, torch_checkpoints) -> None:
    report = audit_files(ptm, torch_checkpoints, expect=1)
    assert formats(report) == {
        "pytorch_model.bin": "torch",
        "legacy.pt": "pickle",
        "whole_module.pth": "torch",
    }
    assert set(by_file(report)) == {None, "whole_module.pth"}  # None: the model's unknown licence
    unsafe = by_file(report, "PTM101")
    assert "torch.nn.modules.linear.Linear" in {f["subject"] for f in unsafe["whole_module.pth"]}


def test_a_clean_model_has_no_errors_and_exits_0_with_warnings_shown(ptm, torch_checkpoints) -> None:
    files = {"pytorch_model.bin": torch_checkpoints["pytorch_model.bin"], "config.json": b"{}"}
    report = audit_files(ptm, files, expect=0)
    assert [f["code"] for f in report["findings"]] == ["PTM107"]  # no licence: said, not failed
    assert report["summary"] == {"error": 0, "warning": 1}
    assert ptm("audit --strict", expect=1).stdout.endswith("Found 1 warning (2 files of 1 model).\n")


# --- formats from bytes --------------------------------------------------------------------------


def test_formats_are_told_from_bytes_not_names(ptm) -> None:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    tensor = safetensors({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, bytes(8))
    files = {
        "weights.bin": tensor,
        "model.safetensors": pickle.dumps([1, 2]),
        "graph.dat": helper.make_model(graph).SerializeToString(),
        "llm.weights": b"GGUF" + struct.pack("<IQQ", 3, 0, 0),
        "tokenizer.json": b'{"version": "1.0"}',
        "vocab.txt": b"[PAD]\nhello\n",
        "blob.bin": bytes(range(256)) * 4,
    }
    onnx.checker.check_model(onnx.load_from_string(files["graph.dat"]))
    report = audit_files(ptm, files)
    assert formats(report) == {
        "weights.bin": "safetensors",
        "model.safetensors": "pickle",
        "graph.dat": "onnx",
        "llm.weights": "gguf",
        "tokenizer.json": "json",
        "vocab.txt": "text",
        "blob.bin": "unknown",
    }
    assert [f["path"] for f in report["findings"] if f["code"] == "PTM111"] == ["blob.bin"]


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4096]}}, "lies outside the file"),
        (
            {"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}},
            "not the 12 its dtype and shape need",
        ),
        ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, "starts at 4, not at 0"),
        ({"w": {"dtype": "PY_OBJECT", "shape": [2], "data_offsets": [0, 8]}}, "no known dtype"),
    ],
)
def test_a_safetensors_header_is_bounds_checked(ptm, header: dict, problem: str) -> None:
    report = audit_files(ptm, {"model.safetensors": safetensors(header, bytes(8))}, expect=1)
    (finding,) = by_file(report, "PTM103")["model.safetensors"]
    assert problem in finding["message"]


def test_keras_lambda_layers_are_found_in_keras_and_h5_files(ptm) -> None:
    keras_zip = keras_with_lambda()
    h5 = b"\x89HDF\r\n\x1a\n" + bytes(600) + b'model_config{"class_name": "Lambda", "config": {}}' + bytes(64)
    plain_h5 = b"\x89HDF\r\n\x1a\n" + bytes(600)
    report = audit_files(ptm, {"model.keras": keras_zip, "model.h5": h5, "data.h5": plain_h5}, expect=1)
    runs = by_file(report, "PTM102")
    assert set(runs) == {"model.keras", "model.h5"}
    assert runs["model.keras"][0]["member"] == "config.json"
    assert runs["model.h5"][0]["offset"] == h5.index(b'"class_name"')
    assert formats(report) == {"model.keras": "keras", "model.h5": "keras", "data.h5": "hdf5"}


# --- policy --------------------------------------------------------------------------------------


def test_policy_formats_and_allow_pickle_never_refuse_benign_pickles(ptm, torch_checkpoints) -> None:
    files = {
        "pytorch_model.bin": torch_checkpoints["pytorch_model.bin"],
        "w.safetensors": safetensors({}, b""),
        "bundle.zip": zipped({"state.pkl": pickle.dumps({"w": [1.0]})}),  # benign, but a pickle all the same
    }
    report = audit_files(ptm, files, policy='formats = ["safetensors"]\nallow_pickle = "never"\n', expect=1)
    codes = {(f["code"], f["path"]) for f in report["findings"]}
    assert ("PTM104", "pytorch_model.bin") in codes and ("PTM105", "pytorch_model.bin") in codes
    assert ("PTM105", "bundle.zip") in codes
    assert not by_file(report).get("w.safetensors")


def test_policy_allow_globals_extends_the_allow_list_and_always_trusts_every_pickle(ptm) -> None:
    payload = pickle.dumps(Reduces(subprocess.Popen, ["true"]), protocol=2)
    report = audit_files(ptm, {"m.pkl": payload}, policy='allow_globals = ["subprocess.Popen"]\n', expect=0)
    assert not by_file(report, "PTM101")
    write_manifest(LOCAL + '\n[policy]\nallow_pickle = "always"\n')
    assert not by_file(json.loads(ptm("audit --format json").stdout), "PTM101")


def test_trust_remote_code_false_makes_modelling_code_an_error(ptm) -> None:
    files = {
        "config.json": b'{"auto_map": {"AutoModel": "modeling_x.XModel"}}',
        "modeling_x.py": b"import os\n",
    }
    report = audit_files(ptm, files, expect=0)
    (warning,) = [f for f in report["findings"] if f["code"] == "PTM106"]
    assert warning["severity"] == "warning" and "modeling_x.XModel" in warning["message"]
    write_manifest(LOCAL + "\n[policy]\ntrust_remote_code = false\n")
    (error,) = [
        f
        for f in json.loads(ptm("audit --format json", expect=1).stdout)["findings"]
        if f["code"] == "PTM106"
    ]
    assert error["severity"] == "error" and error["subject"] == "modeling_x.py"


def test_licences_from_the_lock_are_checked_against_allow_and_deny(ptm, hub) -> None:
    bert = '[models.bert]\nrepo = "fixtures/tiny-bert"\ninclude = ["*.json", "*.bin"]\n'
    write_manifest(bert + '[models.mlp]\nrepo = "fixtures/tiny-mlp"\n')
    ptm("lock")
    ptm("install")
    policy = '\n[policy]\nlicenses = { allow = ["MIT", "apache-2.0"], deny = ["apache-2.0"] }\n'
    Path("ptm.toml").write_text(Path("ptm.toml").read_text() + policy)
    report = json.loads(ptm("audit --format json", expect=1).stdout)
    licences = [
        (f["model"], f["code"], f["subject"]) for f in report["findings"] if f["code"].startswith("PTM10")
    ]
    assert ("bert", "PTM108", "apache-2.0") in licences
    assert not [f for f in report["findings"] if f["model"] == "mlp"]
    assert not by_file(report, "PTM101"), "the hub's real torch.save checkpoint passes"
    assert formats(report)["pytorch_model.bin"] == "torch"


def test_a_bad_policy_is_one_line_naming_file_and_line(ptm) -> None:
    write_manifest(LOCAL)
    Path("model").mkdir()
    Path("model/a.txt").write_text("x")
    ptm("lock")
    write_manifest(LOCAL + '\n[policy]\nformats = ["safetensors"]\nallow_pickle = "sometimes"\n')
    error = one_line_error(ptm("audit", expect=2))
    assert error.startswith("error: ") and "ptm.toml:7: allow_pickle 'sometimes' is not known" in error
    write_manifest(LOCAL + '\n[policy]\nformats = ["safetensor"]\n')
    assert "ptm.toml:6: format 'safetensor' is not known" in one_line_error(ptm("audit", expect=2))


# --- the store -----------------------------------------------------------------------------------


def test_a_file_not_in_the_store_is_reported_not_skipped(ptm) -> None:
    audit_files(ptm, {"a.bin": b"\x00\x01"})
    for blob in (Path(os.environ["PTM_HOME"]) / "blobs").rglob("*"):
        if blob.is_file():
            blob.chmod(0o600)
            blob.unlink()
    report = json.loads(ptm("audit --format json --strict", expect=1).stdout)
    assert [(f["code"], f["path"]) for f in report["findings"] if f["path"]] == [("PTM109", "a.bin")]


def test_a_blob_changed_in_the_store_is_not_audited_as_the_locked_bytes(ptm) -> None:
    audit_files(ptm, {"a.pkl": pickle.dumps([1, 2])})
    (blob,) = [b for b in (Path(os.environ["PTM_HOME"]) / "blobs").rglob("*") if b.is_file()]
    blob.chmod(0o600)
    blob.write_bytes(pickle.dumps([1, 3]))
    report = json.loads(ptm("audit --format json", expect=1).stdout)
    assert [f["code"] for f in report["findings"] if f["path"]] == ["PTM110"]


# --- output --------------------------------------------------------------------------------------


def test_text_and_sarif_name_file_global_and_offset(ptm) -> None:
    payload = pickle.dumps(Reduces(os.system, "true"), protocol=4)
    audit_files(ptm, {"evil.pkl": payload}, expect=1)
    text = ptm("audit", expect=1).stdout
    offset = payload.index(b"\x93")  # STACK_GLOBAL
    assert f"m/evil.pkl@{offset}: PTM101 error: imports " in text
    log = json.loads(ptm("audit --format sarif", expect=1).stdout)
    jsonschema.Draft202012Validator(SARIF_WITH_LOGICAL_LOCATIONS).validate(log)
    run = log["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "PTM101")
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "PTM101"
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "ptm.lock", "uriBaseId": "SRCROOT"}
    lock_lines = Path("ptm.lock").read_text().splitlines()
    assert lock_lines[location["physicalLocation"]["region"]["startLine"] - 1] == "[models.m]"
    assert location["logicalLocations"][0]["fullyQualifiedName"].startswith("m/evil.pkl@")


def test_audit_of_an_unknown_model_names_the_locked_ones(ptm) -> None:
    audit_files(ptm, {"a.txt": b"x"})
    assert "no model named 'nope' in ptm.lock (locked: m)" in one_line_error(ptm("audit nope", expect=2))


def test_audit_runs_without_importing_ml_network_or_schema_libraries(ptm) -> None:
    audit_files(
        ptm, {"evil.pkl": pickle.dumps(Reduces(os.system, "true")), "w.npy": npy(np.arange(3))}, expect=1
    )
    code = (
        "import sys\nfrom ptmlock.cli import cli\n"
        "try:\n    cli(['audit', '--format', 'sarif'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], env=subprocess_env(), capture_output=True, text=True)
    assert '"ruleId": "PTM101"' in run.stdout
    loaded = {name.split(".")[0] for name in run.stderr.split()}
    assert not loaded & {"torch", "numpy", "huggingface_hub", "httpx", "httpx2", "jsonschema", "cyclonedx"}


def test_a_torch_hub_model_lists_its_hubconf_and_its_weights_pass(ptm, github, files) -> None:
    write_manifest(torchhub_model(files.url))
    ptm("lock")
    ptm("install")
    report = json.loads(ptm("audit --format json").stdout)
    (code,) = [f for f in report["findings"] if f["code"] == "PTM106"]
    assert "hubconf.py" in code["subject"].split(", ")
    assert formats(report)["tiny_mlp-v1.pth"] == "torch"
    assert not by_file(report, "PTM101") and not by_file(report, "PTM109")


def test_policy_findings_is_the_audit_under_ptm_tomls_policy(ptm, torch_checkpoints) -> None:
    from ptmlock.audit.run import policy_findings
    from ptmlock.install.store import Store
    from ptmlock.lockfile import read_lock

    audit_files(
        ptm, {"pytorch_model.bin": torch_checkpoints["pytorch_model.bin"]}, policy='allow_pickle = "never"\n'
    )
    lock = read_lock(Path("ptm.lock"))
    assert lock is not None
    found = policy_findings(Path("ptm.toml"), lock, Store(Path(os.environ["PTM_HOME"])))
    assert [(f.code, f.severity, f.path) for f in found] == [
        ("PTM104", "error", "pytorch_model.bin"),
        ("PTM107", "warning", ""),
    ]


def test_onnx_external_data_outside_the_model_folder_is_an_error(ptm) -> None:
    from onnx import TensorProto, helper

    def model_with_external_data(location: str) -> bytes:
        tensor = helper.make_tensor("w", TensorProto.FLOAT, [1], [1.0])
        tensor.ClearField("float_data")
        tensor.data_location = TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", "0"), ("length", "4")):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        output = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
        graph = helper.make_graph([helper.make_node("Identity", ["w"], ["y"])], "g", [], [output], [tensor])
        return helper.make_model(graph).SerializeToString()

    files = {
        "escapes.onnx": model_with_external_data("../../../home/user/.ssh/id_rsa"),
        "absolute.onnx": model_with_external_data("/etc/passwd"),
        "beside.onnx": model_with_external_data("weights/beside.onnx.data"),
        "weights/beside.onnx.data": bytes(4),
    }
    report = audit_files(ptm, files, expect=1)
    outside = by_file(report, "PTM112")
    assert set(outside) == {"escapes.onnx", "absolute.onnx"}
    assert outside["absolute.onnx"][0]["subject"] == "/etc/passwd"
    assert formats(report)["beside.onnx"] == "onnx"


def test_a_file_that_breaks_the_reader_is_a_finding_and_the_others_are_still_audited(ptm) -> None:
    deep = b'{"class_name": "Sequential", "config": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    keras = zipped({"metadata.json": b"{}", "config.json": deep, "model.weights.h5": b"\x89HDF\r\n\x1a\n"})
    evil = pickle.dumps(Reduces(os.system, "true"))
    report = audit_files(ptm, {"model.keras": keras, "evil.pkl": evil}, expect=1)
    assert by_file(report, "PTM101")["evil.pkl"]
    (broken,) = by_file(report, "PTM103")["model.keras"]
    assert "RecursionError" in broken["message"]


def test_a_gguf_chat_template_reaching_python_internals_is_an_error(ptm) -> None:
    benign = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\\n{% endfor %}"
    files = {"benign.gguf": gguf_with_template(benign), "hostile.gguf": gguf_with_template(HOSTILE_TEMPLATE)}
    report = audit_files(ptm, files, expect=1)
    (finding,) = by_file(report, "PTM102")["hostile.gguf"]
    assert finding["subject"] == "__init__"
    assert set(by_file(report)) == {None, "hostile.gguf"}
    assert formats(report) == {"benign.gguf": "gguf", "hostile.gguf": "gguf"}


# --- [policy] enforced by ptm install --------------------------------------------------------------


def test_install_refuses_a_model_the_policy_refuses_and_installs_the_others(ptm) -> None:
    """The gate runs on the fetched store before anything is linked: the poisoned model is not installed,
    the clean one is, and the error names the file and the rule."""
    files = {
        "good/model.safetensors": safetensors(
            {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4
        ),
        "bad/model.pkl": pickle.dumps({"w": Reduces(os.system, "true")}),
    }
    for name, data in files.items():
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_bytes(data)
    write_manifest(
        '[models.good]\nhub = "local"\npath = "good"\n\n[models.bad]\nhub = "local"\npath = "bad"\n\n'
        '[policy]\nallow_pickle = "allow-listed"\n'
    )
    ptm("lock")
    result = ptm("install", expect=1)
    line = one_line_error(result)
    assert "model 'bad' file model.pkl" in line and "refused by ptm.toml [policy]" in line and "os" in line
    from ptmlock.api import path as locked_path

    assert (locked_path("good") / "model.safetensors").read_bytes() == files["good/model.safetensors"]
    with pytest.raises(Exception, match="bad"):
        locked_path("bad")
    write_manifest('[models.good]\nhub = "local"\npath = "good"\n\n[policy]\nallow_pickle = "allow-listed"\n')
    ptm("lock")
    ptm("install")  # without the refused model, the install passes the policy


def test_lock_refuses_a_pin_the_policy_refuses_and_writes_nothing(ptm, hub) -> None:
    """At lock time the licence is known (the model card), and nothing of the refused lock is written."""
    models = '[models.bert]\nrepo = "fixtures/tiny-bert"\n\n[models.mlp]\nrepo = "fixtures/tiny-mlp"\n'
    write_manifest(models + '\n[policy]\nlicenses = { deny = ["apache-2.0"] }\n')
    line = one_line_error(ptm("lock", expect=1))
    assert "model 'bert': PTM108" in line and "refused by ptm.toml [policy], nothing written" in line
    assert not Path("ptm.lock").exists()
    write_manifest(models + '\n[policy]\nlicenses = { allow = ["apache-2.0", "mit"] }\n')
    result = ptm("lock")
    assert Path("ptm.lock").exists() and "Wrote ptm.lock (2 models)." in result.stdout
