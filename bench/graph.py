"""How the graph checks and drawings scale with the size of the system, measured side by side in one run.

A synthetic manifest of N models in chains of 10 (feature handoffs), every tenth model evaluated by a shared
evaluator, interchangeable pairs and training pairs; each size is checked and drawn in every format but svg.
Prints seconds per size and the ratio to the smallest, per model, so growth beyond linear shows.
"""

from __future__ import annotations

import time

from ptmlock.graph import check_system, profile_models
from ptmlock.manifest import parse_manifest
from ptmlock.render import render

SIZES = (50, 200, 800)
FORMATS = ("text", "dot", "mermaid", "html", "json")


def manifest_text(n: int) -> str:
    parts = ['[models.judge]\nrepo = "org/judge"\n\n']
    for i in range(n):
        extra = f'role = "interchangeable"\ngroup = "g{i // 2}"\ntask = "t"\n' if i % 10 in (8, 9) else ""
        extra += f'trained_with = ["m{i - 1}"]\n' if i % 10 == 3 else ""
        parts.append(f'[models.m{i}]\nrepo = "org/m{i}"\n{extra}\n')
    for i in range(n):
        if i % 10 not in (0, 9):
            kind = 'kind = "feature-handoff"\nmode = "sequential"\nstage = "inference"'
            parts.append(f'[[edges]]\nfrom = "m{i - 1}"\nto = "m{i}"\n{kind}\n\n')
        if i % 10 == 9:
            parts.append(
                f'[[edges]]\nfrom = "m{i - 1}"\nto = "m{i}"\nkind = "feature-handoff"\nmode = "parallel"\n\n'
            )
            parts.append(
                f'[[edges]]\nfrom = "m{i}"\nto = "judge"\nkind = "evaluation"\nstage = "evaluation"\n\n'
            )
    return "".join(parts)


def timed(n: int) -> dict[str, float]:
    text = manifest_text(n)
    times = {}
    start = time.perf_counter()
    manifest = parse_manifest(text)
    times["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    problems = check_system(manifest)
    profile_models(manifest, "runtime")
    times["check"] = time.perf_counter() - start
    assert not [p for p in problems if p.severity == "error"], problems[:3]
    for fmt in FORMATS:
        start = time.perf_counter()
        render(manifest, None, fmt)
        times[fmt] = time.perf_counter() - start
    return times


def main() -> None:
    results = {n: timed(n) for n in SIZES}
    base = SIZES[0]
    print(f"{'step':<8}" + "".join(f"{f'{n} models':>14}" for n in SIZES) + "   per-model cost vs smallest")
    for step in results[base]:
        row = "".join(f"{results[n][step]:>13.4f}s" for n in SIZES)
        ratios = "  ".join(f"x{(results[n][step] / n) / (results[base][step] / base):.2f}" for n in SIZES[1:])
        print(f"{step:<8}{row}   {ratios}")


if __name__ == "__main__":
    main()
