"""Malformed and hostile answers: each has a defined outcome, and nothing already loaded is lost.

| fault | outcome |
|---|---|
| a page with invalid JSON | retried, then the run fails naming resource, page, request id |
| a record without its primary key | quarantined into `_rejected` (default) or the run fails (`bad_records = fail`) |
| a field whose type flips | a dlt variant column (default) or quarantined (`type_changes = reject`) |
| a huge string | quarantined (longer than `max_string_length`) or the run fails |
| a redirect / next link to another host | never followed; the run fails naming resource, page, request id |

The answers are made malformed by the sandbox itself (mutations, ``truncated`` faults) or by a
real reverse proxy in front of it (tests/resilience/hostile.py); nothing is mocked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.hollyhr.test_hollyhr as holly
from pipelines.run.failures import error_line
from sources._shared.errors import BadRecordError, ForeignHostError
from tests.harness import Harness, on_each_destination, raised
from tests.resilience.crash import assert_cursors_not_ahead, committed_state, cursors
from tests.resilience.hostile import EvilServer, HostileProxy

SIZES = {"people": 25, "time_off_per_person": 2, "documents_per_person": 1, "history_per_person": 1}
CONTRACT = holly.TestHollyHRContract()


@pytest.fixture
def proxy(harness: Harness) -> Iterator[HostileProxy]:
    app = harness.start("hollyhr", **SIZES)
    hostile = HostileProxy(app.base_url)
    harness.setenv("SOURCES__HOLLYHR__BASE_URL", hostile.base_url)
    yield hostile
    hostile.close()


@pytest.fixture
def evil() -> Iterator[EvilServer]:
    server = EvilServer()
    yield server
    server.close()


def app_of(harness: Harness) -> Any:
    assert harness.sandbox is not None
    return harness.sandbox.hollyhr


def rejected(harness: Harness) -> list[dict[str, Any]]:
    cols = ["table_name", "resource", "reason", "page", "request_id", "record"]
    rows = harness.query(f"select {', '.join(cols)} from hollyhr._rejected order by reason")
    return [dict(zip(cols, row, strict=True)) for row in rows]


def snapshot(harness: Harness) -> dict[str, Any]:
    """What the warehouse holds: counts per table and the committed cursors."""
    counts = {t: harness.count("hollyhr", t) for t in CONTRACT.expected_counts(app_of(harness))}
    return {"counts": counts, "cursors": cursors(committed_state(harness, "hollyhr") or {}, "hollyhr")}


# --- a record without its primary key ----------------------------------------------------------
@on_each_destination
def test_record_without_primary_key_is_quarantined(harness: Harness, proxy: HostileProxy) -> None:
    app = app_of(harness)
    victim: dict[str, Any] = {}

    def drop_id(payload: Any) -> None:
        victim.update(payload["data"][3])
        del payload["data"][3]["id"]

    proxy.on_json("/people", drop_id)
    result = harness.run("hollyhr")
    assert result.rows["_rejected"] == 1 and result.rows["people"] == app.count("people") - 1
    assert any("1 record(s) of people set aside in table _rejected" in note for note in result.notes)
    [row] = rejected(harness)
    assert row["table_name"] == "people" and row["reason"] == "missing primary key id"
    # a first sync asks from the epoch with checkpoints on (issue 26: the API orders by updated_at then)
    assert row["page"] == "GET /api/v1/people?limit=200&updated_since=1970-01-01T00%3A00%3A00.000Z"
    assert row["request_id"].startswith("req_")
    record = json.loads(row["record"]) if isinstance(row["record"], str) else row["record"]
    assert record["updated_at"] == victim["updated_at"] and "id" not in record
    # the others are exact; the quarantined person's employment was not fetched (2 requests fewer)
    assert harness.count("hollyhr", "people") == app.count("people") - 1
    assert len(app.requests()) == CONTRACT.full_load_requests(app) - 2
    assert_cursors_not_ahead(harness, "hollyhr", harness.state("hollyhr"))

    # the vendor fixes the record: the next run loads it (the quarantine never hid it from the cursor)
    app.update_person(victim["id"], job_title="Fixed")
    harness.run("hollyhr")
    CONTRACT.assert_exact(harness, app)
    assert len(rejected(harness)) == 1  # _rejected keeps the history of what was refused


def test_record_without_primary_key_fails_the_run_when_set(harness: Harness, proxy: HostileProxy) -> None:
    app = app_of(harness)
    harness.run("hollyhr")
    before = snapshot(harness)
    CONTRACT.mutate(app)
    harness.setenv("HR_ELT__BAD_RECORDS", "fail")
    proxy.on_json("/people", lambda payload: payload["data"][1].pop("id"))
    with pytest.raises(Exception) as failure:
        harness.run("hollyhr")
    error = raised(failure.value, BadRecordError)
    line = error_line("hollyhr", failure.value)
    assert line == str(error)
    for part in ("hollyhr [people]", "missing primary key id", "GET /api/v1/people?", "request_id req_",
                 "nothing of this run was loaded", "HR_ELT__BAD_RECORDS"):
        assert part in line, part
    assert snapshot(harness) == before  # nothing lost, nothing half-loaded, no cursor moved

    harness.run("hollyhr")  # the answer is fine again
    CONTRACT.assert_exact(harness, app)


# --- a huge string -------------------------------------------------------------------------------
def test_huge_string_is_quarantined_without_its_bulk(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    pid = app.person_ids()[7]
    app.update_person(pid, job_title="x" * 1_500_000)  # over the default limit of 1,000,000 characters
    result = harness.run("hollyhr")
    assert result.rows["_rejected"] == 1
    [row] = rejected(harness)
    assert row["reason"] == "field job_title holds a string of 1,500,000 characters " \
                            "(hr_elt.max_string_length is 1,000,000)"
    assert len(str(row["record"])) < 5_000  # the copy keeps the first 1,000 characters
    assert harness.count("hollyhr", "people") == app.count("people") - 1
    bulk = "x" * 5_000
    for path in Path(harness.pipelines_dir).rglob("*"):
        if path.is_file() and path.suffix != ".lock":
            assert bulk.encode() not in path.read_bytes(), path

    app.update_person(pid, job_title="Engineer")
    harness.run("hollyhr")
    CONTRACT.assert_exact(harness, app)


def test_huge_string_fails_the_run_when_set(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.setenv("HR_ELT__BAD_RECORDS", "fail")
    harness.setenv("HR_ELT__MAX_STRING_LENGTH", "1000")
    app.update_person(app.person_ids()[2], job_title="y" * 1001)
    with pytest.raises(Exception) as failure:
        harness.run("hollyhr")
    line = error_line("hollyhr", failure.value)
    assert "hollyhr [people]" in line and "field job_title holds a string of 1,001 characters" in line
    assert "request_id req_" in line
    assert not harness.query("select table_name from information_schema.tables where table_schema = 'hollyhr' "
                             "and table_name = 'people'")


# --- a field whose type flips ---------------------------------------------------------------------
def test_type_flip_lands_in_a_variant_column_by_default(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.run("hollyhr")
    flipped = app.records("time_off")[4]["id"]
    app.update_time_off(flipped, duration_days="half a day")
    result = harness.run("hollyhr")
    assert result.rows["time_off"] == 1 and "_rejected" not in result.rows
    assert "duration_days__v_text" in harness.columns("hollyhr", "time_off")
    assert harness.scalar(f"select duration_days__v_text from hollyhr.time_off where id = '{flipped}'") == \
        "half a day"
    CONTRACT.assert_exact(harness, app)


def test_type_flip_is_quarantined_when_set(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.setenv("HR_ELT__TYPE_CHANGES", "reject")
    harness.run("hollyhr")
    flipped = app.records("time_off")[4]["id"]
    app.update_time_off(flipped, duration_days="half a day")
    app.add_time_off(app.person_ids()[0])  # a good record in the same page still loads
    result = harness.run("hollyhr")
    assert result.rows == {"_rejected": 1, "time_off": 1}
    [row] = rejected(harness)
    assert row["reason"] == "field duration_days changed type: text where double was loaded before"
    assert "duration_days__v_text" not in harness.columns("hollyhr", "time_off")


# --- a page with invalid JSON ---------------------------------------------------------------------
def test_invalid_json_fails_clearly_and_loses_nothing(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.run("hollyhr")
    before = snapshot(harness)
    CONTRACT.mutate(app)
    harness.setenv("SOURCES__HOLLYHR__MAX_ATTEMPTS", "3")
    app.inject("/time-off", "truncated", times=3)
    app.clear_log()
    with pytest.raises(Exception) as failure:
        harness.run("hollyhr")
    line = error_line("hollyhr", failure.value)
    for part in ("hollyhr [time_off]", "GET /api/v1/time-off?", "not valid JSON", "request_id req_"):
        assert part in line, part
    assert len(app.requests("/time-off")) == 3  # max_attempts, then the run stops
    assert snapshot(harness) == before

    harness.run("hollyhr")
    CONTRACT.assert_exact(harness, app)


# --- a redirect or next link to another host --------------------------------------------------------
@pytest.mark.parametrize("after", [0, 1], ids=["first-page", "second-page"])
def test_redirect_to_another_host_is_never_followed(harness: Harness, proxy: HostileProxy, evil: EvilServer,
                                                    after: int) -> None:
    app = app_of(harness)
    harness.setenv("SOURCES__HOLLYHR__PAGE_SIZE", "10")
    harness.run("hollyhr", resources=["time_off"])
    before = harness.count("hollyhr", "time_off")
    app.touch_people(app.person_ids()[:12])
    proxy.redirect("/people", f"{evil.origin}/api/v1/people?limit=10", after=after)
    with pytest.raises(Exception) as failure:
        harness.run("hollyhr")
    error = raised(failure.value, ForeignHostError)
    line = error_line("hollyhr", failure.value)
    assert line == str(error)
    assert "hollyhr [people]" in line and "refused to follow a redirect in the answer to GET /api/v1/people?" in line
    assert "127.0.0.2" in line and "request_id req_" in line and "SOURCES__HOLLYHR__BASE_URL" in line
    assert evil.seen == []  # not a single request, so no credential, ever reached the other host
    token = app.credentials()["api_token"]
    assert token not in line + repr(error)
    assert harness.count("hollyhr", "time_off") == before  # nothing already loaded is lost


# --- what transient faults cost ---------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "options", "extra"), [
    ("truncated", {}, 1),  # a cut-off body: retried like a 5xx
    ("slow", {"delay": 0.2}, 0),  # slower than usual but within sources.<vendor>.timeout: no retry
    ("slow", {"delay": 15.0}, 1),  # beyond the timeout: one timed-out attempt, retried
    ("429", {"retry_after": "0"}, 1),
    ("503", {}, 1),
    ("drop", {}, 1),
])
def test_what_each_transient_fault_costs(harness: Harness, kind: str, options: dict[str, Any], extra: int) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.setenv("SOURCES__HOLLYHR__TIMEOUT", "5")
    app.inject("/time-off", kind, times=1, **options)
    result = harness.run("hollyhr")
    assert len(app.requests()) == CONTRACT.full_load_requests(app) + extra
    assert result.retries == extra
    CONTRACT.assert_exact(harness, app)
