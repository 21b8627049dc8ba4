"""The pure planning step of `ptm install`: each blob fetched once, from disk when it can be."""

from __future__ import annotations

from ptmlock.install_plan import IN_STORE, INSTALLED, MISSING, ON_DISK, plan


def test_plan_fetches_each_blob_once_and_links_every_entry() -> None:
    statuses = [INSTALLED, IN_STORE, MISSING, MISSING, MISSING]
    shas = ["a", "b", "c", "c", "d"]
    work = plan(statuses, shas)
    assert work.link == (1, 2, 3, 4)
    assert sorted(shas[i] for i in work.fetch) == ["c", "d"]
    assert work.missing == (2, 3, 4)


def test_plan_prefers_a_copy_already_on_disk_and_then_nothing_is_missing() -> None:
    statuses = [MISSING, ON_DISK, MISSING]
    shas = ["x", "x", "y"]
    work = plan(statuses, shas)
    assert sorted(work.fetch) == [1, 2]
    assert work.missing == (2,)
