"""ByteHR walk consistency (records shifting across page boundaries) and snapshot delete detection."""

from __future__ import annotations

import pytest

from tests.bytehr.helpers import VENDOR, pages, resource_state, start
from tests.harness import Harness, on_each_destination


def _ids(harness: Harness, where: str = "true") -> set[int]:
    return {int(r[0]) for r in harness.query(f"select id from bytehr.employees where {where}")}


def _flagged(harness: Harness) -> set[int]:
    return _ids(harness, "_deleted_at is not null")


def _pages_read(app: object) -> list[str | None]:
    return [e.arg("currentpage") for e in app.requests("/employees")]  # type: ignore[attr-defined]


def test_record_deleted_from_page_one_after_it_was_read(harness: Harness) -> None:
    app = start(harness, employees=150)
    ids = app.ids("employees")
    victim, slipper = ids[10], ids[100]  # deleting the victim moves the slipper from page 2 to page 1
    app.after_request(1, lambda a: a.delete_employee(victim), route="/employees")
    harness.run(VENDOR, resources=["employees"])
    # pagination.total fell between page 1 and page 2: page 1 is read again, once
    assert _pages_read(app) == ["1", "2", "1"]
    assert slipper in _ids(harness)
    assert _ids(harness) == set(ids)  # every record that existed during the walk (the victim was read first)
    assert harness.distinct(VENDOR, "employees", "id") == 150
    # page 1's records came twice, but the walk passes each id once: the staging rows are declared
    # deduplicated (no ROW_NUMBER pass at load), so a repeat would land as a second row
    assert harness.scalar("select count(*) from bytehr.employees") == 150
    assert _flagged(harness) == set()  # the victim was seen by this walk: nothing to delete yet
    app.clear_log()
    harness.run(VENDOR, resources=["employees"])
    assert _pages_read(app) == ["1", "2"]  # nothing shifted: the floor
    assert _flagged(harness) == {victim}


def test_balanced_delete_and_add_during_a_walk_is_caught_by_id_continuity(harness: Harness) -> None:
    # one record deleted on page 1 and one added at the end: pagination.total does not move, but the
    # remembered id that slipped back is missing between page 1's last id and page 2's first id
    app = start(harness, employees=150)
    harness.run(VENDOR, resources=["employees"])
    ids = app.ids("employees")
    app.clear_log()

    def delete_and_add(a: object) -> None:
        a.delete_employee(ids[10])  # type: ignore[attr-defined]
        a.add_employee()  # type: ignore[attr-defined]

    app.after_request(1, delete_and_add, route="/employees")
    harness.run(VENDOR, resources=["employees"])
    assert _pages_read(app) == ["1", "2", "1"]
    assert _flagged(harness) == set()  # the slipped record was found again, so it is not taken for deleted
    assert _ids(harness) == set(ids) | set(app.ids("employees"))
    app.clear_log()
    harness.run(VENDOR, resources=["employees"])
    assert _pages_read(app) == ["1", "2"]
    assert _flagged(harness) == {ids[10]}


def test_deleted_last_record_is_confirmed_by_one_reread(harness: Harness) -> None:
    app = start(harness, employees=150)
    harness.run(VENDOR, resources=["employees"])
    last = app.ids("employees")[-1]
    app.delete_employee(last)
    app.clear_log()
    harness.run(VENDOR, resources=["employees"])
    # a remembered id beyond the last one read: deleted, or slipped onto the last page after it was read
    assert _pages_read(app) == ["1", "2", "2"]
    assert _flagged(harness) == {last}
    app.clear_log()
    harness.run(VENDOR, resources=["employees"])
    assert _pages_read(app) == ["1", "2"]


def test_deleted_record_at_a_page_boundary(harness: Harness) -> None:
    app = start(harness, employees=150)
    harness.run(VENDOR, resources=["employees"])
    boundary = app.ids("employees")[100]  # the first record of page 2
    app.delete_employee(boundary)
    app.clear_log()
    harness.run(VENDOR, resources=["employees"])
    assert _pages_read(app) == ["1", "2", "1"]  # the gap could be a slip: checked, then deleted
    assert _flagged(harness) == {boundary}


def test_reread_limit_makes_the_walk_delete_nothing(harness: Harness) -> None:
    app = start(harness, employees=150)
    harness.setenv("SOURCES__BYTEHR__MAX_REREADS", "0")
    harness.run(VENDOR, resources=["employees"])
    ids = app.ids("employees")
    app.delete_employee(ids[100])  # a gap at the page boundary that may not be checked
    app.clear_log()
    result = harness.run(VENDOR, resources=["employees"])
    assert _pages_read(app) == ["1", "2"]
    assert _flagged(harness) == set()
    assert any("deletes wait" in note for note in result.notes)


@on_each_destination
@pytest.mark.parametrize("mode", ["flag", "hard_delete", "scd2"])
def test_snapshot_delete_modes(harness: Harness, mode: str) -> None:
    app = start(harness, employees=120)
    harness.setenv("SOURCES__BYTEHR__DELETE_MODE", mode)
    app.add_custom_field("cost code", "Cost code", "text", entity="department")  # a definition only
    selected = ["custom_field_definitions", "employees", "departments"]
    harness.run(VENDOR, resources=selected)
    ids = app.ids("employees")
    gone, changed = ids[3], ids[7]
    app.delete_employee(gone)
    app.update_employee(changed, last_name="Moved")
    app.delete_record("departments", 2)
    app.delete_record("custom_fields", "cost code")
    second = harness.run(VENDOR, resources=selected)
    definitions = harness.query("select key, _deleted_at is not null from bytehr.custom_field_definitions"
                                + (" where _dlt_valid_to is null" if mode == "scd2" else ""))
    if mode == "flag":
        assert ("cost code", True) in definitions and len(definitions) == app.count("custom_fields") + 1
    else:
        assert {k for k, _ in definitions} == set(app.ids("custom_fields"))
    assert second.rows["employees"] == 2  # the change and the tombstone
    tables = second.load_info.pipeline.default_schema.tables  # type: ignore[union-attr]
    # a walk passes each id once: flag and hard_delete merges skip dlt's dedup pass (scd2 has none)
    assert bool(tables["employees"].get("x-stage-data-deduplicated")) == (mode != "scd2")
    last_names = dict(harness.query("select id, last_name from bytehr.employees where _dlt_id is not null"
                                    + (" and _dlt_valid_to is null" if mode == "scd2" else "")))
    if mode == "flag":
        assert harness.count(VENDOR, "employees") == 120
        assert _flagged(harness) == {gone}
        assert last_names[changed] == "Moved"
        assert last_names[gone] is None  # the flagged row keeps its key; ByteHR no longer serves the rest
        assert harness.scalar("select count(*) from bytehr.departments where _deleted_at is not null") == 1
    elif mode == "hard_delete":
        assert harness.count(VENDOR, "employees") == 119
        assert gone not in _ids(harness)
        assert last_names[changed] == "Moved"
        assert harness.count(VENDOR, "departments") == app.count("departments")
    else:
        active = _ids(harness, "_dlt_valid_to is null")
        assert active == set(app.ids("employees"))
        assert harness.count(VENDOR, "employees") == 121  # + the retired version of `changed`
        retired = harness.query("select id, last_name from bytehr.employees where _dlt_valid_to is not null")
        assert {r[0] for r in retired} == {gone, changed}
        assert last_names[changed] == "Moved"
        assert _flagged(harness) == set()  # tombstones retire rows; they are never inserted
        assert harness.scalar("select count(*) from bytehr.departments where _dlt_valid_to is null") == \
            app.count("departments")
    third = harness.run(VENDOR, resources=selected)
    assert third.rows == {}  # unchanged records are not re-sent, and (scd2) not retired either
    if mode == "scd2":
        assert _ids(harness, "_dlt_valid_to is null") == set(app.ids("employees"))


def test_incomplete_walk_never_deletes(harness: Harness) -> None:
    app = start(harness, employees=350)  # 4 pages
    harness.setenv("SOURCES__BYTEHR__QUOTA_MODE", "partial")
    harness.run(VENDOR, resources=["employees"])
    gone = app.ids("employees")[-5]
    app.delete_employee(gone)
    reserve = 10
    app.set_quota_remaining(reserve + 2)
    app.clear_log()
    first = harness.run(VENDOR, resources=["employees"])
    assert _pages_read(app) == ["1", "2"]
    assert _flagged(harness) == set()
    assert any("continues at page 3" in note for note in first.notes)
    assert app.quota_remaining == reserve  # never beyond remaining minus the reserve
    # more quota: the last run saw the reserve reached, and the source trusts that until the monthly reset;
    # lowering the reserve lets this run ask (the first answer then shows the new remaining count)
    app.set_quota_remaining(1000)
    harness.setenv("SOURCES__BYTEHR__QUOTA_RESERVE", "0")
    app.clear_log()
    harness.run(VENDOR, resources=["employees"])
    assert _pages_read(app) == ["3", "4"]
    assert _flagged(harness) == {gone}
    assert resource_state(harness, "employees")["last_walk"]["records"] == 349
    assert pages(349) == 4
