"""HollyHR end to end: sandbox over real HTTP, real DuckDB."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pipelines.run.failures import error_line
from pipelines.run.naming import latest_pipeline_name
from sources._shared.errors import ProviderPartialFailure
from tests.contract import SourceContract
from tests.harness import Harness

SIZES = {"people": 60, "time_off_per_person": 2, "documents_per_person": 1, "history_per_person": 2}
LISTS = {"people": "people", "time_off": "time_off", "documents": "documents"}


def pages(n: int, size: int = 200) -> int:
    return max(1, math.ceil(n / size))


class TestHollyHRContract(SourceContract):
    vendor = "hollyhr"
    sizes = SIZES
    primary_keys = {"people": "id", "time_off": "id", "documents": "id", "employments": "person_id",
                    "employment_history": "id"}
    fault_route = "/people"
    credential_setting = "SOURCES__HOLLYHR__API_TOKEN"

    def expected_counts(self, app: Any) -> dict[str, int]:
        return {
            "people": app.count("people"),
            "time_off": app.count("time_off"),
            "documents": app.count("documents"),
            "employments": app.count("employments"),
            "employment_history": app.count("employment_history"),
        }

    def full_load_requests(self, app: Any) -> int:
        people = app.count("people")
        return sum(pages(app.count(r)) for r in LISTS) + 2 * people

    def unchanged_run_requests(self, app: Any) -> int:
        return len(LISTS)

    def add_field(self, app: Any) -> tuple[str, str, int]:
        # HollyHR ships a new attribute: set on a few people (their updated_at moves), null on the rest
        with_value = {pid: "she/her" for pid in app.person_ids()[:4]}
        app.add_person_field("pronouns", with_value)
        return "people", "pronouns", len(with_value)

    def mutate(self, app: Any) -> dict[str, int]:
        ids = app.person_ids()[:3]
        for pid in ids:
            app.update_person(pid, job_title="Staff Engineer")
        app.add_time_off(ids[0])
        app.delete_document(app.records("documents")[0]["id"])
        history = sum(1 for h in app.records("employment_history") if h["person_id"] in ids)
        return {"people": 3, "employments": 3, "employment_history": history, "time_off": 1, "documents": 1}

    def break_credentials(self, harness: Harness, app: Any) -> str:
        wrong = "hhr_wrong_token_0123456789"
        harness.setenv("SOURCES__HOLLYHR__API_TOKEN", wrong)
        return wrong

    def secrets(self, app: Any) -> list[str]:
        return [app.credentials()["api_token"]]

    deleted_predicate = {"documents": "deleted_at is not null"}

    def delete_some(self, app: Any) -> dict[str, tuple[int, int]]:
        live = [d["id"] for d in app.records("documents") if d["deleted_at"] is None]
        for doc_id in live[:2]:
            app.delete_document(doc_id)  # soft delete: kept and flagged by default
        flagged = sum(1 for d in app.records("documents") if d["deleted_at"] is not None)
        return {"documents": (app.count("documents"), flagged)}


def _max_updated_at(harness: Harness) -> str:
    rows = harness.query("select id from hollyhr.people order by updated_at desc, id desc limit 1")
    return str(rows[0][0])


def test_ties_at_the_boundary_are_loaded_exactly_once(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.run("hollyhr")
    last = max(p["updated_at"] for p in app.records("people"))
    at_boundary = [p["id"] for p in app.records("people") if p["updated_at"] == last]
    others = [pid for pid in app.person_ids() if pid not in at_boundary][:20]
    app.touch_people(others, updated_at=last)  # 20 people now share the last loaded updated_at
    # and one record already at the boundary changes without its updated_at moving
    app.update_person(at_boundary[0], job_title="Changed In The Same Millisecond", updated_at=last)

    second = harness.run("hollyhr")
    assert second.rows["people"] == 21
    assert harness.count("hollyhr", "people") == app.count("people")
    assert harness.distinct("hollyhr", "people", "id") == app.count("people")
    title = harness.scalar(f"select job_title from hollyhr.people where id = '{at_boundary[0]}'")
    assert title == "Changed In The Same Millisecond"

    third = harness.run("hollyhr")
    assert "people" not in third.rows


@pytest.mark.parametrize("mode", ["flag", "hard_delete"])
def test_soft_deleted_documents(harness: Harness, mode: str) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.setenv("SOURCES__HOLLYHR__DOCUMENT_DELETES", mode)
    harness.run("hollyhr")
    doc_id = next(d["id"] for d in app.records("documents") if d["deleted_at"] is None)
    app.delete_document(doc_id)
    harness.run("hollyhr")
    remaining = harness.count("hollyhr", "documents")
    if mode == "flag":
        assert remaining == app.count("documents")
        assert harness.scalar(f"select deleted_at is not null from hollyhr.documents where id = '{doc_id}'")
    else:
        assert remaining == sum(1 for d in app.records("documents") if d["deleted_at"] is None)
        assert harness.scalar(f"select count(*) from hollyhr.documents where id = '{doc_id}'") == 0


def test_429_with_retry_after_is_waited_out(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    app.inject("/people", "429", times=1, retry_after="1")
    harness.run("hollyhr")
    first, second = app.requests("/people")[:2]
    assert first.status == 429 and second.status == 200
    assert (second.at - first.at).total_seconds() >= 1.0
    assert harness.count("hollyhr", "people") == app.count("people")


def test_rate_limit_headers_pace_per_person_requests(harness: Harness) -> None:
    # a bucket of 25 requests per 2 s per route: 60 people need 3 windows per child route
    app = harness.start("hollyhr", **SIZES, route_limit=25, window_s=2)
    result = harness.run("hollyhr")
    assert [e for e in app.requests() if e.status == 429] == []
    assert result.throttled == 0
    assert harness.count("hollyhr", "employments") == app.count("employments")


def test_missing_scope_fails_only_that_resource(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    app.add_key("hhr_limited_key", ["people:read", "documents:read"])
    harness.setenv("SOURCES__HOLLYHR__API_TOKEN", "hhr_limited_key")
    with pytest.raises(ProviderPartialFailure) as failure:
        harness.run("hollyhr")
    line = error_line("hollyhr", failure.value)
    assert "time_off" in line and "permission_denied" in line and "time_off:read" in line
    assert "request_id req_" in line
    assert "hhr_limited_key" not in line
    assert harness.count("hollyhr", "people") == app.count("people")
    assert harness.count("hollyhr", "documents") == app.count("documents")
    # the failed resource's cursor did not move: with the scope granted, it loads in full
    app.add_key("hhr_limited_key", ["people:read", "documents:read", "time_off:read"])
    result = harness.run("hollyhr")
    assert result.rows["time_off"] == app.count("time_off")


def test_expired_cursor_restarts_the_walk(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.setenv("SOURCES__HOLLYHR__PAGE_SIZE", "25")
    app.after_request(1, lambda a: a.expire_cursors(), route="/people")
    harness.run("hollyhr", resources=["people"])
    statuses = [e.status for e in app.requests("/people")]
    assert statuses == [200, 400, 200, 200, 200]
    assert harness.count("hollyhr", "people") == app.count("people")
    assert harness.distinct("hollyhr", "people", "id") == app.count("people")


def _people_cursor(harness: Harness) -> str:
    state = harness.state("hollyhr")
    resource = state["sources"]["hollyhr"]["resources"]["people"]
    return str(resource["incremental"]["updated_at"]["last_value"])


@pytest.mark.parametrize("recovery", ["retry_pending", "abort_package"])
def test_failed_load_keeps_the_cursor_and_next_run_is_exact(harness: Harness, recovery: str) -> None:
    import dlt

    app = harness.start("hollyhr", **SIZES)
    harness.run("hollyhr", resources=["people"])
    cursor_before = _people_cursor(harness)
    for pid in app.person_ids()[:5]:
        app.update_person(pid, job_title="Moved")
    harness.query_write("alter table hollyhr.people rename to people_away")  # the load step will fail
    with pytest.raises(Exception, match="load"):
        harness.run("hollyhr", resources=["people"])
    harness.query_write("alter table hollyhr.people_away rename to people")
    assert harness.scalar("select count(*) from hollyhr.people where job_title = 'Moved'") == 0
    if recovery == "abort_package":
        # the failed package is thrown away: dlt restores the state from before it
        name = latest_pipeline_name("hollyhr", harness.pipelines_dir)
        dlt.attach(pipeline_name=name, pipelines_dir=harness.pipelines_dir).abort_packages()
        assert _people_cursor(harness) == cursor_before
    harness.run("hollyhr", resources=["people"])
    assert harness.scalar("select count(*) from hollyhr.people where job_title = 'Moved'") == 5
    assert harness.count("hollyhr", "people") == app.count("people")
    assert harness.distinct("hollyhr", "people", "id") == app.count("people")


def test_source_creation_sends_no_request(harness: Harness) -> None:
    from sources.hollyhr import hollyhr_source

    app = harness.start("hollyhr", **SIZES)
    hollyhr_source()
    assert app.requests() == []
