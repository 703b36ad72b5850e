"""CuteHR leaves: inclusive ``modified_since``, ties at the boundary, and a list that moves mid-walk."""

from __future__ import annotations

from typing import Any

from tests.cutehr.helpers import ROUTES, pages, start_cutehr
from tests.harness import Harness

SIZES = {"employees": 150, "leaves_per_employee": 2}  # 300 leaves


def leaves_cursor(harness: Harness) -> str:
    resources = harness.state("cutehr")["sources"]["cutehr"]["resources"]
    return str(resources["leaves"]["incremental"]["modified_at"]["last_value"])


def loaded_ids(harness: Harness) -> set[int]:
    return {int(r[0]) for r in harness.query("select id from cutehr.leaves")}


def assert_exact(harness: Harness, app: Any) -> None:
    assert harness.count("cutehr", "leaves") == app.count("leaves")
    assert loaded_ids(harness) == {lv["id"] for lv in app.records("leaves")}


def test_full_then_incremental_by_modified_since(harness: Harness) -> None:
    app = start_cutehr(harness, **SIZES)
    harness.run("cutehr", resources=["leaves"])
    assert len(app.requests(ROUTES["leaves"])) == pages(app.count("leaves"))
    assert app.requests(ROUTES["leaves"])[0].arg("modified_since") is None
    assert_exact(harness, app)
    last = max(lv["modified_at"] for lv in app.records("leaves"))
    assert leaves_cursor(harness) == last

    app.clear_log()
    lid = app.add_leave(app.records("employees")[0]["id"])
    result = harness.run("cutehr", resources=["leaves"])
    (entry,) = app.requests(ROUTES["leaves"])
    assert entry.arg("modified_since") == last
    assert result.rows == {"leaves": 1}
    assert_exact(harness, app)
    assert harness.scalar(f"select status from cutehr.leaves where id = {lid}") == "pending"


def test_ties_at_the_boundary_are_loaded_exactly_once(harness: Harness) -> None:
    app = start_cutehr(harness, **SIZES)
    harness.run("cutehr", resources=["leaves"])
    last = max(lv["modified_at"] for lv in app.records("leaves"))
    at_boundary = [lv["id"] for lv in app.records("leaves") if lv["modified_at"] == last]
    others = [lv["id"] for lv in app.records("leaves") if lv["modified_at"] != last][:20]
    app.touch_leaves(others, modified_at=last)  # 20 leaves now share the last loaded modified_at
    # and a leave already at the boundary changes without its modified_at moving
    app.update_leave(at_boundary[0], status="cancelled", modified_at=last)

    second = harness.run("cutehr", resources=["leaves"])
    assert second.rows == {"leaves": 21}
    assert_exact(harness, app)
    assert harness.scalar(f"select status from cutehr.leaves where id = {at_boundary[0]}") == "cancelled"

    third = harness.run("cutehr", resources=["leaves"])
    assert third.rows == {}
    assert_exact(harness, app)


def test_the_bulk_approval_ties_of_the_seed_load_once(harness: Harness) -> None:
    app = start_cutehr(harness, **SIZES)
    harness.setenv("SOURCES__CUTEHR__PAGE_SIZE", "7")  # page boundaries fall inside runs of equal modified_at
    harness.run("cutehr", resources=["leaves"])
    assert_exact(harness, app)
    assert harness.distinct("cutehr", "leaves", "id") == app.count("leaves")


def test_a_leave_changed_mid_walk_is_not_lost(harness: Harness) -> None:
    """The sandbox pages by offset: a leave changed after its page was read jumps to the end, every
    later leave shifts one place, and the leave at the next page boundary is never served."""
    app = start_cutehr(harness, **SIZES)
    harness.setenv("SOURCES__CUTEHR__PAGE_SIZE", "50")
    before = app.records("leaves")
    moved, skipped = before[10], before[100]  # page 1's 11th leave moves; page 3's first one slides to page 2

    app.after_request(2, lambda a: a.update_leave(moved["id"], status="cancelled"), route=ROUTES["leaves"])
    first = harness.run("cutehr", resources=["leaves"])
    assert skipped["id"] not in loaded_ids(harness)  # the walk really skipped it
    assert first.rows["leaves"] == app.count("leaves")  # 299 distinct + the moved leave twice
    # the cursor went back to where the skipped leave can be found again
    assert leaves_cursor(harness) <= skipped["modified_at"]
    assert leaves_cursor(harness) == moved["modified_at"]

    harness.run("cutehr", resources=["leaves"])
    assert_exact(harness, app)
    assert harness.scalar(f"select status from cutehr.leaves where id = {moved['id']}") == "cancelled"
    # and the run after that is back to one page at the boundary
    app.clear_log()
    third = harness.run("cutehr", resources=["leaves"])
    assert len(app.requests(ROUTES["leaves"])) == 1
    assert third.rows == {}


def test_a_leave_deleted_mid_walk_does_not_lose_the_next_one(harness: Harness) -> None:
    app = start_cutehr(harness, **SIZES)
    harness.setenv("SOURCES__CUTEHR__PAGE_SIZE", "50")
    before = app.records("leaves")
    deleted, skipped = before[20], before[100]
    app.after_request(2, lambda a: a.delete_leave(deleted["id"]), route=ROUTES["leaves"])
    harness.run("cutehr", resources=["leaves"])
    assert skipped["id"] not in loaded_ids(harness)
    assert leaves_cursor(harness) <= skipped["modified_at"]
    harness.run("cutehr", resources=["leaves"])
    assert loaded_ids(harness) - {deleted["id"]} == {lv["id"] for lv in app.records("leaves")}


def test_a_leave_changed_before_its_page_was_read_needs_no_rewind(harness: Harness) -> None:
    app = start_cutehr(harness, **SIZES)
    harness.setenv("SOURCES__CUTEHR__PAGE_SIZE", "50")
    later = app.records("leaves")[250]
    app.after_request(2, lambda a: a.update_leave(later["id"], status="cancelled"), route=ROUTES["leaves"])
    harness.run("cutehr", resources=["leaves"])
    assert_exact(harness, app)
    assert leaves_cursor(harness) == max(lv["modified_at"] for lv in app.records("leaves"))
