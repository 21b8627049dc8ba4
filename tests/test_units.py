"""The pure middle, without a CLI or a server: when one of these fails, the fault is in that function.

Lock staleness (ptmlock.lockfile.staleness), how a load call is classified (ptmlock.check.classify) and
the graph's problems and training sets (ptmlock.graph).
"""

from __future__ import annotations

import ast

import pytest

from ptmlock.check import catalog
from ptmlock.check.classify import classify
from ptmlock.check.loads import DYNAMIC, LOCAL, MUTABLE, PINNED, UNPINNED, Classified
from ptmlock.check.values import CallArgs, Scope
from ptmlock.errors import ManifestError, PtmError
from ptmlock.graph import (
    ERROR,
    WARNING,
    Problem,
    raise_on_errors,
    require_node,
    split_training_sets,
    training_sets,
)
from ptmlock.lockfile import Lock, LockedModel, Staleness, staleness
from ptmlock.manifest import Manifest, parse_manifest

COMMIT = "0123456789abcdef0123456789abcdef01234567"

# -- lock staleness ----------------------------------------------------------------------------------------
TWO = '[models.a]\nrepo = "org/a"\n\n[models.b]\nrepo = "org/b"\nrevision = "main"\n'


def locked(manifest: Manifest) -> Lock:
    """The lock `ptm lock` would write for ``manifest``, as far as staleness looks (hashes, names)."""
    return Lock(
        {
            name: LockedModel(name, spec.hub, spec.revision, COMMIT, spec.declaration_hash, ())
            for name, spec in manifest.models.items()
        },
    )


def stale_after(edited: str, written_from: str = TWO) -> Staleness:
    return staleness(parse_manifest(edited), locked(parse_manifest(written_from)))


def test_a_lock_written_from_the_manifest_is_fresh() -> None:
    fresh = stale_after(TWO)
    assert fresh == Staleness() and not fresh.stale and fresh.describe() == []


def test_comments_and_layout_do_not_make_the_lock_stale() -> None:
    relaid = '# models\n[models.b]\nrevision = "main"   # moves\nrepo = "org/b"\n\n[models.a]\nrepo="org/a"\n'
    assert not stale_after(relaid).stale


def test_a_model_declared_but_not_locked_is_added_and_one_no_longer_declared_is_removed() -> None:
    found = stale_after(TWO.replace("[models.a]", "[models.c]"))
    assert (found.added, found.removed, found.changed) == (("c",), ("a",), ())
    assert found.describe() == ["c: declared in ptm.toml but not locked", "a: locked but no longer declared"]


@pytest.mark.parametrize(
    "edit",
    [
        'repo = "org/b"\nrevision = "v1.0"',
        'repo = "org/b"\nrevision = "main"\ninclude = ["*.json"]',
        'repo = "org/b2"\nrevision = "main"',
    ],
    ids=["revision", "include", "repo"],
)
def test_changing_what_pins_a_model_changes_that_model_alone(edit: str) -> None:
    found = stale_after(TWO.replace('repo = "org/b"\nrevision = "main"', edit))
    assert found.changed == ("b",) and not found.added and not found.removed
    assert found.describe() == ["b: its entry in ptm.toml changed since it was locked"]


@pytest.mark.parametrize(
    "addition",
    ['description = "the second"\n', '\n[[edges]]\nfrom = "a"\nto = "b"\nkind = "evaluation"\n'],
    ids=["description", "edge"],
)
def test_a_change_that_pins_nothing_leaves_the_lock_current(addition: str) -> None:
    assert stale_after(TWO + addition) == Staleness()


def test_the_check_table_never_makes_the_lock_stale() -> None:
    assert not stale_after(TWO + '\n[check]\nexclude = ["vendor"]\nseverity = { PTM010 = "off" }\n').stale


# -- classifying a load call -------------------------------------------------------------------------------
def classified(qualname: str, arguments: str, exists: frozenset[str] = frozenset()) -> Classified | None:
    """How ptm check classifies ``qualname(arguments)`` in a module that binds no names; ``exists``
    are the relative paths found on disk."""
    api = catalog.match(qualname)
    assert api is not None, f"{qualname} is not in the catalog"
    call = ast.parse(f"f({arguments})", mode="eval").body
    assert isinstance(call, ast.Call)
    return classify(api, CallArgs(call, Scope(None)), qualname.rsplit(".", 1)[-1], exists.__contains__)


def state(qualname: str, arguments: str, exists: frozenset[str] = frozenset()) -> str | None:
    found = classified(qualname, arguments, exists)
    return found and found.state


AUTO = "transformers.AutoModel.from_pretrained"


def test_only_a_full_lowercase_commit_pins_a_revision() -> None:
    assert state(AUTO, f'"org/m", revision="{COMMIT}"') == PINNED
    upper = classified(AUTO, f'"org/m", revision="{COMMIT.upper()}"')
    assert upper is not None and upper.state == MUTABLE and f'"{COMMIT}"' in upper.reason
    short = classified(AUTO, '"org/m", revision="0123abc"')
    assert short is not None and short.state == MUTABLE and "short hex name is a tag" in short.reason
    branch = classified(AUTO, '"org/m", revision="main"')
    assert branch is not None and branch.state == MUTABLE and "branch or tag, which can move" in branch.reason


def test_no_revision_is_unpinned_and_names_the_repo() -> None:
    found = classified(AUTO, '"org/m"')
    assert found is not None and (found.state, found.repo, found.revision) == (UNPINNED, "org/m", None)


def test_what_is_only_known_at_run_time_is_dynamic_and_says_which_part() -> None:
    revision = classified(AUTO, '"org/m", revision=rev')
    model = classified(AUTO, "name")
    assert revision is not None and (revision.state, revision.dynamic) == (DYNAMIC, "revision")
    assert model is not None and (model.state, model.dynamic) == (DYNAMIC, "model")


@pytest.mark.parametrize("path", ["./checkpoint", "/models/bert", "~/bert", "runs/a/b", "model.safetensors"])
def test_a_path_is_a_local_load_not_a_hub_one(path: str) -> None:
    assert state(AUTO, f'"{path}"') == LOCAL


def test_an_id_that_exists_on_disk_is_local() -> None:
    assert state(AUTO, '"org/m"', exists=frozenset({"org/m"})) == LOCAL


def test_trust_remote_code_is_reported_beside_the_pin_state() -> None:
    found = classified(AUTO, f'"org/m", revision="{COMMIT}", trust_remote_code=True')
    assert found is not None and found.state == PINNED and "runs Python code" in (found.remote_code or "")


def test_a_pipeline_without_a_model_is_unpinned_for_its_default() -> None:
    found = classified("transformers.pipeline", '"text-classification"')
    assert found is not None and found.state == UNPINNED and "task's default" in found.reason


def test_sentence_transformers_puts_its_org_before_a_bare_id_but_not_before_a_legacy_one() -> None:
    bare = classified("sentence_transformers.SentenceTransformer", '"all-MiniLM-L6-v2"')
    legacy = classified("sentence_transformers.SentenceTransformer", '"bert-base-uncased"')
    assert bare is not None and bare.repo == "sentence-transformers/all-MiniLM-L6-v2"
    assert legacy is not None and legacy.repo == "bert-base-uncased"


def test_torch_hub_pins_by_the_ref_in_the_repo_and_always_runs_code() -> None:
    assert state("torch.hub.load", '"owner/repo", "resnet18"') == UNPINNED
    assert state("torch.hub.load", '"owner/repo:v1.0", "resnet18"') == MUTABLE
    pinned = classified("torch.hub.load", f'"owner/repo:{COMMIT}", "resnet18"')
    assert pinned is not None and (pinned.state, pinned.repo, pinned.entry) == (
        PINNED,
        "owner/repo",
        "resnet18",
    )
    assert "hubconf.py" in (pinned.remote_code or "")
    assert state("torch.hub.load", '"./here", "resnet18", source="local"') == LOCAL


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ('"https://example.org/w/resnet.pth"', UNPINNED),
        ('"https://example.org/w/resnet-f37072fd.pth", check_hash=True', PINNED),
        ('"https://example.org/w/resnet-f37072fd.pth"', UNPINNED),  # named by its hash, never checked
        (f'"https://huggingface.co/org/m/resolve/{COMMIT}/model.bin"', PINNED),
        ('"https://huggingface.co/org/m/resolve/main/model.bin"', MUTABLE),
    ],
)
def test_a_download_url_is_pinned_only_by_a_checked_hash_or_an_immutable_path(
    url: str, expected: str
) -> None:
    assert state("torch.hub.load_state_dict_from_url", url) == expected


def test_torchvision_default_weights_move_and_named_ones_do_not() -> None:
    assert state("torchvision.models.resnet50", 'weights="DEFAULT"') == MUTABLE
    assert state("torchvision.models.resnet50", 'weights="IMAGENET1K_V2"') == PINNED
    assert classified("torchvision.models.resnet50", "pretrained=False") is None  # loads no weights


def test_timm_pins_only_an_hf_hub_name_with_a_commit() -> None:
    assert state("timm.create_model", '"resnet50", pretrained=True') == UNPINNED
    assert state("timm.create_model", f'"hf-hub:timm/resnet50.a1_in1k@{COMMIT}", pretrained=True') == PINNED
    assert classified("timm.create_model", '"resnet50"') is None  # no pretrained weights


def test_a_tensorflow_hub_handle_is_pinned_by_its_version() -> None:
    assert state("tensorflow_hub.load", '"https://tfhub.dev/google/x/1"') == PINNED
    assert state("tensorflow_hub.load", '"https://tfhub.dev/google/x"') == UNPINNED


# -- the graph ---------------------------------------------------------------------------------------------
def models(*entries: str) -> Manifest:
    return parse_manifest("\n".join(f'[models.{entry}]\nrepo = "org/x"\n' for entry in entries))


def test_training_sets_join_trained_with_both_ways_and_transitively() -> None:
    manifest = models(
        'a]\ntrained_with = ["b"', "b", 'c]\ntrained_with = ["b"', 'd]\ntrained_with = ["e"', "e", "f"
    )
    assert training_sets(manifest) == (frozenset("abc"), frozenset("de"))


def test_moving_part_of_a_training_set_names_what_moves_and_what_stays() -> None:
    manifest = models('a]\ntrained_with = ["b", "c"', "b", "c", 'd]\ntrained_with = ["e"', "e")
    assert split_training_sets(manifest, ["b", "d", "e"]) == [(["b"], ["a", "c"])]
    assert split_training_sets(manifest, ["a", "b", "c"]) == []


def test_the_first_error_stops_with_how_many_more_and_warnings_pass() -> None:
    warning = Problem(WARNING, parse_manifest("").path, 1, "unconnected")
    raise_on_errors([warning])
    errors = [Problem(ERROR, warning.path, line, f"error {line}") for line in (3, 7, 9)]
    with pytest.raises(ManifestError) as raised:
        raise_on_errors([warning, *errors])
    assert "error 3 (and 2 more; see `ptm validate`)" in str(raised.value)
    assert "error 7" not in str(raised.value)


def test_an_unknown_node_suggests_the_closest_declared_name() -> None:
    manifest = models("encoder", "decoder")
    require_node(manifest, "encoder")
    with pytest.raises(PtmError) as close:
        require_node(manifest, "encodr")
    assert close.value.exit_code == 2
    assert close.value.message == "'encodr' is not a model or component in ptm.toml; did you mean 'encoder'?"
    with pytest.raises(PtmError) as far:
        require_node(manifest, "zzz")
    assert far.value.message.endswith("declared: encoder, decoder")


def test_huggingface_hubs_client_is_replaced_once_however_many_threads_resolve_at_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Replacing it closes the client in use: a second replacement would close one another thread is
    sending on ('Cannot send a request, as the client has been closed')."""
    import threading
    import time

    import huggingface_hub

    from ptmlock.hubs import huggingface

    calls: list[object] = []

    def slow_set(factory: object) -> None:
        time.sleep(0.05)  # long enough for every thread to arrive while the first is here
        calls.append(factory)

    monkeypatch.setattr(huggingface_hub, "set_client_factory", slow_set)
    monkeypatch.setattr(huggingface, "_client_factory_set", False)
    threads = [threading.Thread(target=huggingface._use_retrying_client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
