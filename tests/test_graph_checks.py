"""Graph checks (cycles, groups, base chains, unconnected nodes) in `ptm validate` and `ptm lock`."""

from __future__ import annotations

from pathlib import Path

from ptmlock.graph import ERROR, WARNING, check_system
from ptmlock.manifest import parse_manifest
from tests.conftest import write_manifest


def model(name: str, **keys: str) -> str:
    lines = [f"[models.{name}]", f'repo = "org/{name}"'] + [f'{k} = "{v}"' for k, v in keys.items()]
    return "\n".join(lines) + "\n\n"


def edge(source: str, target: str, kind: str = "feature-handoff", mode: str | None = "sequential") -> str:
    mode_line = f'mode = "{mode}"\n' if kind == "feature-handoff" and mode else ""
    return f'[[edges]]\nfrom = "{source}"\nto = "{target}"\nkind = "{kind}"\n{mode_line}\n'


def problems(text: str, **kwargs) -> list[tuple[str, int | None, str]]:
    return [(p.severity, p.line, p.message) for p in check_system(parse_manifest(text), **kwargs)]


LOOP = model("a") + model("b") + model("c") + edge("a", "b") + edge("b", "c") + edge("c", "a")


def test_cycle_of_handoffs_is_an_error_naming_the_loop_and_edge_lines() -> None:
    [(severity, line, message)] = problems(LOOP)
    assert severity == ERROR and line == 10
    assert "cycle a -> b -> c -> a (edges at lines 10, 16, 22) has no feedback-guidance edge" in message


def test_cycle_through_feedback_guidance_is_allowed() -> None:
    text = LOOP.replace(
        'from = "c"\nto = "a"\nkind = "feature-handoff"\nmode = "sequential"',
        'from = "c"\nto = "a"\nkind = "feedback-guidance"',
    )
    assert problems(text) == []


def test_self_loop_is_a_cycle() -> None:
    [(_, _, message)] = problems(model("a") + edge("a", "a", "post-processing"))
    assert "cycle a -> a" in message


def test_two_separate_cycles_are_both_reported() -> None:
    text = LOOP + model("x") + model("y") + edge("x", "y") + edge("y", "x", "evaluation")
    assert [m.split(" (")[0] for _, _, m in problems(text)] == ["cycle a -> b -> c -> a", "cycle x -> y -> x"]


def test_every_cycle_is_reported_not_one_per_tangle() -> None:
    text = model("a") + model("b") + edge("a", "b", "evaluation") + edge("b", "a", "post-processing")
    text += edge("a", "a")
    assert [(line, m.split(" has no")[0]) for _, line, m in problems(text)] == [
        (7, "cycle a -> b -> a (edges at lines 7, 12)"),
        (17, "cycle a -> a (edge at line 17)"),
    ]


def test_parallel_edges_make_separate_cycles() -> None:
    text = (
        model("a") + model("b") + edge("a", "b") + edge("a", "b", "evaluation") + edge("b", "a", "evaluation")
    )
    assert [m.split(" has no")[0] for _, _, m in problems(text)] == [
        "cycle a -> b -> a (edges at lines 7, 18)",
        "cycle a -> b -> a (edges at lines 13, 18)",
    ]


def test_beyond_twenty_cycles_the_rest_are_counted() -> None:
    names = [f"n{i}" for i in range(5)]  # every pair linked both ways: 84 simple cycles
    text = "".join(model(n) for n in names)
    text += "".join(edge(a, b, "evaluation") for a in names for b in names if a != b)
    found = problems(text)
    assert len(found) == 21 and all(severity == ERROR for severity, _, _ in found)
    assert all(m.startswith("cycle ") for _, _, m in found[:20])
    assert found[20][2] == (
        "64 more cycles without a feedback-guidance edge are not listed here; fix those listed and run "
        "`ptm validate` again"
    )


GROUP = (
    model("e5", role="interchangeable", group="embedder", task="feature-extraction")
    + model("bge", role="interchangeable", group="embedder", task="feature-extraction")
    + model("ranker")
    + edge("e5", "ranker")
    + edge("bge", "ranker")
)


def test_interchangeable_group_of_one_is_an_error() -> None:
    text = model("e5", role="interchangeable", group="embedder", task="t")
    [(severity, line, message)] = problems(text)
    assert severity == ERROR and line == 4
    assert "group 'embedder' has only one member ('e5')" in message


def test_group_members_must_do_the_same_task() -> None:
    assert problems(GROUP) == []
    [(_, line, message)] = problems(
        GROUP.replace(
            'task = "feature-extraction"\n\n[models.ranker]', 'task = "fill-mask"\n\n[models.ranker]'
        )
    )
    assert line == 11
    assert "'bge' has task 'fill-mask' but 'e5' in group 'embedder' has 'feature-extraction'" in message


def test_group_member_without_task_is_an_error_on_its_group_line() -> None:
    [(_, line, message)] = problems(
        GROUP.replace('task = "feature-extraction"\n\n[models.ranker]', "\n[models.ranker]")
    )
    assert line == 10 and "'bge' in group 'embedder' declares no task" in message
    assert 'e.g. task = "feature-extraction"' in message


def test_known_signatures_of_group_members_must_agree() -> None:
    same = {"e5": ("text", "float[384]"), "bge": ("text", "float[384]")}
    assert problems(GROUP, signatures=same) == []
    assert problems(GROUP, signatures={"e5": ("text", "float[384]")}) == []
    [(_, line, message)] = problems(GROUP, signatures={**same, "bge": ("text", "float[768]")})
    assert (
        line == 10 and "'bge' and 'e5' in group 'embedder' have different input/output signatures" in message
    )


def test_base_chain_that_loops_is_an_error() -> None:
    text = model("a", base="b", adaptation="weights") + model("b", base="a", adaptation="weights")
    [(severity, line, message)] = problems(text)
    assert severity == ERROR and line in (3, 8) and "base chain" in message and "loops back" in message


def test_unconnected_model_is_a_warning_only_when_the_manifest_has_edges() -> None:
    text = GROUP + model("stray") + '[components.glue]\nkind = "glue"\n'
    found = problems(text)
    assert [(s, line) for s, line, _ in found] == [(WARNING, 28), (WARNING, 31)]
    assert "model 'stray' is not connected to anything" in found[0][2]
    assert "component 'glue' is not connected" in found[1][2]
    assert problems(model("alone") + model("other")) == []


def test_base_and_training_links_count_as_connections() -> None:
    text = GROUP + model("tuned", base="ranker", adaptation="weights") + model("pair", trained_with="x")
    text = text.replace('trained_with = "x"', 'trained_with = ["ranker"]')
    assert problems(text) == []


def test_validate_prints_every_problem_with_file_and_line_and_exits_2(ptm) -> None:
    write_manifest(LOOP + model("e5", role="interchangeable", group="g", task="t"))
    result = ptm("validate", expect=2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("error: ") and "ptm.toml:10: cycle a -> b -> c -> a" in lines[0]
    assert lines[1].startswith("warning: ") and "ptm.toml:28: model 'e5' is not connected" in lines[1]
    assert lines[2].startswith("error: ") and "ptm.toml:31: group 'g' has only one member" in lines[2]
    assert result.stdout == ""


def test_validate_passes_with_warnings_unless_strict(ptm) -> None:
    write_manifest(GROUP + model("stray"))
    result = ptm("validate")
    assert "ptm.toml is valid (4 models, 0 components, 2 edges; 1 warning)" in result.stdout
    assert "warning: " in result.stderr and "ptm.toml:28: model 'stray'" in result.stderr
    assert "model 'stray'" in ptm("validate --strict", expect=2).stderr


def test_validate_reports_parse_errors_as_one_line(ptm) -> None:
    write_manifest(GROUP.replace('to = "ranker"', 'to = "rankr"', 1))
    lines = ptm("validate", expect=2).stderr.strip().splitlines()
    assert len(lines) == 1 and "ptm.toml:18: edge to 'rankr' is not a declared model or component" in lines[0]


def test_lock_refuses_an_inconsistent_graph_before_touching_the_network(ptm) -> None:
    write_manifest(LOOP)
    [line] = ptm("lock", expect=2).stderr.strip().splitlines()
    assert line.startswith("error: ") and line.endswith(
        "ptm.toml:10: cycle a -> b -> c -> a (edges at lines 10, 16, 22) has no feedback-guidance edge; "
        'only feedback guidance may loop back: make one of them kind = "feedback-guidance" or remove it'
    )
    assert not Path("ptm.lock").exists()


def test_lock_counts_further_errors(ptm) -> None:
    write_manifest(LOOP + model("e5", role="interchangeable", group="g", task="t"))
    assert "(and 1 more; see `ptm validate`)" in ptm("lock", expect=2).stderr


def test_lock_prints_graph_warnings_after_a_successful_lock(hub, ptm) -> None:
    write_manifest(
        '[models.bert]\nrepo = "fixtures/tiny-bert"\n\n[models.mlp]\nrepo = "fixtures/tiny-mlp"\n\n'
        '[models.stray]\nrepo = "fixtures/tiny-mlp"\n\n' + edge("bert", "mlp")
    )
    result = ptm("lock")
    assert "Wrote ptm.lock (3 models)" in result.stdout
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("warning: ") and line.endswith(
        "ptm.toml:7: model 'stray' is not connected to anything: add an [[edges]] entry for it, "
        "or remove it if the system does not use it"
    )
    assert "model 'stray'" in ptm("lock --check").stderr


def test_an_edge_on_one_interchangeable_member_connects_its_whole_group() -> None:
    text = (
        model("enc-a", role="interchangeable", group="enc", task="t")
        + model("enc-b", role="interchangeable", group="enc", task="t")
        + model("head")
        + edge("enc-a", "head")
    )
    assert problems(text) == []
    assert [s for s, _, m in problems(text + model("stray")) if "stray" in m] == [WARNING]
