"""A long HollyHR sync commits at checkpoints through the run path; a short one stays one load.

The interval is ``hr_elt.checkpoint.max_requests`` (the seconds limit is set far out, so only the
request count decides and the tests do not depend on timing). HollyHR counts a page of people with
the per-person requests its records will cost (employment and history), so a chunk is about one
interval of work, rounded up to a page.
"""

from __future__ import annotations

from typing import Any

from tests.harness import Harness

PEOPLE = 120
PAGE = 10
INTERVAL = 60  # requests: three pages of ten people (each page: 1 + 10 * 2 requests)


def _long_sync(harness: Harness, people: int = PEOPLE) -> Any:
    app = harness.start("hollyhr", people=people, time_off_per_person=0, documents_per_person=0,
                        history_per_person=1)
    harness.setenv("SOURCES__HOLLYHR__PAGE_SIZE", str(PAGE))
    harness.setenv("HR_ELT__CHECKPOINT__MAX_REQUESTS", str(INTERVAL))
    harness.setenv("HR_ELT__CHECKPOINT__MAX_SECONDS", "3600")
    return app


def _loads(harness: Harness) -> list[str]:
    return [r[0] for r in harness.query(
        "select load_id from hollyhr._dlt_loads where schema_name = 'hollyhr' and status = 0 order by load_id")]


def _exact(harness: Harness, app: Any) -> None:
    for table, key in (("people", "id"), ("employments", "person_id"), ("employment_history", "id")):
        assert harness.count("hollyhr", table) == app.count(table), table
        assert harness.distinct("hollyhr", table, key) == app.count(table), f"duplicate keys in {table}"


def test_a_long_first_sync_commits_at_checkpoints_and_sums_its_chunks(harness: Harness) -> None:
    app = _long_sync(harness)
    result = harness.run("hollyhr")
    _exact(harness, app)
    loads = _loads(harness)
    # 12 pages of people at 21 requests of work each: a checkpoint every 3 pages; a chunk's first page
    # repeats the boundary person (the filter is inclusive), so the last chunk may be a short fifth
    assert PEOPLE // PAGE // 3 <= len(loads) <= PEOPLE // PAGE // 3 + 1, loads
    # the summary is the run's, not its last chunk's
    assert result.rows["people"] == PEOPLE
    assert result.rows["employments"] == app.count("employments")
    assert result.rows["employment_history"] == app.count("employment_history")
    assert result.requests == len(app.requests())
    assert result.resources["employments"]["requests"] == PEOPLE
    assert result.status == "ok"

    before = len(app.requests())
    again = harness.run("hollyhr")  # nothing changed: one short incremental run
    assert again.rows == {}
    assert len(_loads(harness)) <= len(loads) + 1  # at most one load (of state): no chunks
    assert len(app.requests()) - before <= 3  # the boundary page of each listing, nothing more


def test_a_short_incremental_run_stays_one_load(harness: Harness) -> None:
    app = _long_sync(harness, people=30)
    harness.run("hollyhr")
    loads = _loads(harness)
    changed = [r[0] for r in harness.query("select id from hollyhr.people order by id limit 2")]
    for person in changed:
        app.update_person(person, job_title="Checkpoint Tester")
    result = harness.run("hollyhr")
    assert result.rows["people"] == 2
    assert len(_loads(harness)) == len(loads) + 1  # one load: no checkpoint overhead where nothing is long
    _exact(harness, app)


def test_a_bad_interval_is_refused_before_any_request(harness: Harness) -> None:
    app = harness.start("hollyhr", people=3)
    harness.setenv("HR_ELT__CHECKPOINT__MAX_REQUESTS", "many")
    try:
        harness.run("hollyhr")
    except Exception as exc:  # noqa: BLE001 - the message is what is checked
        message = str(exc)
    else:
        raise AssertionError("a bad checkpoint interval was accepted")
    assert "checkpoint.max_requests 'many' is not a whole number above 0" in message
    assert "HR_ELT__CHECKPOINT__MAX_REQUESTS" in message
    assert app.requests() == []
