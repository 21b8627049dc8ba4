"""How the labelled benchmarks (check_recall.py, edge_recall.py) print their scores."""

from __future__ import annotations


def ratio(part: int, whole: int) -> str:
    """``part/whole`` with its percentage, or a dash where there is nothing to divide by."""
    return f"{part}/{whole} {100 * part / whole:5.1f}%" if whole else f"{part}/{whole}     -"


def listing(title: str, lines: list[str], show: int) -> None:
    """``title`` with how many ``lines``, and the first ``show`` of them."""
    if not lines:
        return
    print(f"\n{title} ({len(lines)}):")
    for line in lines[:show]:
        print(f"  {line}")
    if len(lines) > show:
        print(f"  ... {len(lines) - show} more (--show {len(lines)})")
