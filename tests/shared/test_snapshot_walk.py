"""The shared snapshot walk (sources/_shared/resources.py) and the guard's type-change check, on their own.

The vendors' suites (tests/bytehr, tests/cutehr) run the walk over the sandbox; these pin the order
the walk promises: rows before the state that says they were loaded, tombstones last, a closed walk
keeping its resume point.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sources._shared.guard.type_changes import TypeChanges
from sources._shared.resources import WalkEnd, snapshot_walk
from sources._shared.state.snapshot import SnapshotTracker

NOW = "2026-12-01T00:00:00.000Z"


def _tracker(state: dict[str, Any]) -> SnapshotTracker:
    tracker = SnapshotTracker(state, "test", "id")
    tracker.begin(NOW)
    return tracker


def test_rows_leave_before_the_state_and_tombstones_come_last() -> None:
    state: dict[str, Any] = {}
    first = list(snapshot_walk(_tracker(state), [[{"id": 1, "v": 1}, {"id": 2, "v": 2}], [{"id": 3, "v": 3}]],
                               lambda: WalkEnd(True, True), lambda: NOW))
    assert first == [[{"id": 1, "v": 1}, {"id": 2, "v": 2}], [{"id": 3, "v": 3}]]
    assert state["last_walk"]["records"] == 3
    digests_after_first = dict(state["digests"])

    walk = snapshot_walk(_tracker(state), [[{"id": 1, "v": 9}], [{"id": 3, "v": 3}]],
                         lambda: WalkEnd(True, True, facts={"pages": 2}), lambda: NOW)
    changed = next(walk)
    assert changed == [{"id": 1, "v": 9}]  # id 3 is unchanged: never yielded
    assert state["digests"] == digests_after_first  # the state moves only once the rows have left
    assert next(walk) == [{"id": 2, "_deleted_at": NOW}]
    assert state["digests"] != digests_after_first
    assert state["last_walk"]["deleted"] == 1 and state["last_walk"]["pages"] == 2
    assert list(walk) == []


def test_an_unverified_walk_deletes_nothing_and_no_outcome_keeps_the_state() -> None:
    state: dict[str, Any] = {}
    list(snapshot_walk(_tracker(state), [[{"id": 1}, {"id": 2}]], lambda: WalkEnd(True, True), lambda: NOW))
    kept = dict(state)
    items = list(snapshot_walk(_tracker(state), [[{"id": 1}]], lambda: WalkEnd(True, False), lambda: NOW))
    assert items == []  # id 1 unchanged, id 2 unseen but the walk was not verified
    assert state["last_walk"]["deleted"] == 0

    state = dict(kept)
    items = list(snapshot_walk(_tracker(state), [[{"id": 5}]], lambda: None, lambda: NOW))
    assert items == [[{"id": 5}]]
    assert state == kept


def test_a_closed_walk_keeps_its_resume_point_and_closes_its_pages() -> None:
    state: dict[str, Any] = {}
    closed: list[bool] = []

    def pages() -> Iterator[list[dict[str, Any]]]:
        try:
            yield [{"id": 1}]
            yield [{"id": 2}]
        finally:
            closed.append(True)

    walk = snapshot_walk(_tracker(state), pages(), lambda: WalkEnd(True, True), lambda: NOW,
                         reshape=lambda rows: [{**row, "shaped": True} for row in rows],
                         on_close=lambda: {"page": 2})
    assert next(walk) == [{"id": 1, "shaped": True}]
    walk.close()
    assert closed == [True]
    assert state["walk"]["resume"] == {"page": 2}
    assert "last_walk" not in state
    resumed = SnapshotTracker(state, "test", "id")
    assert resumed.resuming and 1 in resumed.seen


def test_type_changes_in_nested_objects_are_found_on_every_record() -> None:
    check = TypeChanges("test", "employees")
    assert check.problem({"id": 1, "custom": {"badge": 7}}) is None
    assert check.problem({"id": 2, "custom": {"badge": 8}}) is None  # the second record reuses the names
    assert check.problem({"id": 3, "custom": {"badge": "x7"}}) == (
        "field custom__badge changed type: text where bigint was loaded before")
