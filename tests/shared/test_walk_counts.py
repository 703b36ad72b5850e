"""What a snapshot walk counts for the run summary: inserted, updated, unchanged, deleted, and its one delete note.

The sandbox suites (tests/pipelines/test_summary_json.py) check the counts against the warehouse;
these pin the cases a sandbox run does not reach: ids that are not integers, integer ids out of
order (the index's dict part), and an id that comes back after it was deleted.
"""

from __future__ import annotations

from typing import Any

import pytest

from sources._shared.context import RunContext
from sources._shared.resources import WalkEnd, WalkReport, snapshot_walk
from sources._shared.state.snapshot import SnapshotTracker

NOW = "2026-12-01T00:00:00.000Z"


def walk(state: dict[str, Any], pages: list[list[dict[str, Any]]], context: RunContext,
         mode: str = "flag") -> list[Any]:
    tracker = SnapshotTracker(state, "cutehr", "id")
    tracker.begin(NOW)
    report = WalkReport(context, "cutehr", "employees", mode)
    return list(snapshot_walk(tracker, pages, lambda: WalkEnd(True, True), lambda: NOW, report=report))


@pytest.mark.parametrize("ids", [[1, 2, 3, 4], ["e1", "e2", "e3", "e4"], [4, 2, 3, 1]],
                         ids=["ordered integers", "strings", "integers out of order"])
def test_new_changed_unchanged_and_deleted_ids_are_told_apart(ids: list[Any]) -> None:
    state: dict[str, Any] = {}
    first = RunContext()
    walk(state, [[{"id": i, "v": 0} for i in ids[:3]]], first)
    assert first.changes_of("cutehr") == {"employees": {"inserted": 3, "updated": 0, "unchanged": 0,
                                                        "deleted": 0, "deleted_as": "flagged"}}
    assert first.notes_of("cutehr") == []  # nothing deleted: no note

    second = RunContext(titles={"cutehr": "CuteHR"})  # the title as the source hands it in
    # ids[0] changed, ids[1] unchanged, ids[2] deleted, ids[3] new
    walk(state, [[{"id": ids[0], "v": 1}, {"id": ids[1], "v": 0}, {"id": ids[3], "v": 0}]], second)
    assert second.changes_of("cutehr")["employees"] == {"inserted": 1, "updated": 1, "unchanged": 1, "deleted": 1,
                                                        "deleted_as": "flagged"}
    assert second.notes_of("cutehr") == ["employees: 1 deleted at CuteHR (flagged)"]

    third = RunContext()  # the deleted id comes back: no memory of it is left, so it is inserted again
    walk(state, [[{"id": i, "v": 1 if i == ids[0] else 0} for i in ids]], third, mode="hard_delete")
    assert third.changes_of("cutehr")["employees"] == {"inserted": 1, "updated": 0, "unchanged": 3, "deleted": 0,
                                                       "deleted_as": "removed"}
