"""HollyHR's per-person requests, several in flight per route: same rows, bounded, paced, isolated, crash-safe.

Concurrency is counted at the sandbox (requests served at the same time per route), never by
timing the client.
"""

from __future__ import annotations

from typing import Any

import pytest

from sources._shared.errors import ProviderPartialFailure
from tests.contracts import contract_for
from tests.harness import Harness
from tests.resilience.crash import kill_run_at

EMPLOYMENT = "/people/*/employment"
HISTORY = "/people/*/employment-history"
SIZES = {"people": 40, "time_off_per_person": 1, "documents_per_person": 1, "history_per_person": 2}
SERVICE = {"fixed_s": 0.02}  # a service time, so that requests overlap at the server when the client lets them


def _start(harness: Harness, concurrency: int, **settings: Any) -> Any:
    app = harness.start("hollyhr", **{**SIZES, "latency": SERVICE, **settings})
    app.watch_in_flight(EMPLOYMENT)
    app.watch_in_flight(HISTORY)
    harness.setenv("SOURCES__HOLLYHR__CHILD_CONCURRENCY", str(concurrency))
    return app


def _child_rows(harness: Harness) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "employments": harness.query("select * exclude (_dlt_load_id, _dlt_id) from hollyhr.employments "
                                     "order by person_id"),
        "employment_history": harness.query("select * exclude (_dlt_load_id, _dlt_id) "
                                            "from hollyhr.employment_history order by id"),
    }


def test_concurrent_children_give_the_same_rows_as_sequential(harness: Harness) -> None:
    app = _start(harness, concurrency=1)
    harness.run("hollyhr")
    sequential = _child_rows(harness)
    assert app.max_in_flight(EMPLOYMENT) == 1 and app.max_in_flight(HISTORY) == 1

    harness.setenv("SOURCES__HOLLYHR__CHILD_CONCURRENCY", "3")
    harness.setenv("SOURCES__HOLLYHR__PAGE_SIZE", "10")  # four pages of people: dlt runs their children in parallel
    result = harness.run("hollyhr", full_refresh=True)
    assert _child_rows(harness) == sequential
    assert len(sequential["employments"]) == app.count("employments")
    assert len(sequential["employment_history"]) == app.count("employment_history")
    # concurrent, and never more than the bound, on each route (across pages of people too)
    assert 1 < app.max_in_flight(EMPLOYMENT) <= 3
    assert 1 < app.max_in_flight(HISTORY) <= 3
    # exactly once: one request per person and route, none refused
    assert len(app.requests(EMPLOYMENT)) == 2 * app.count("people")
    assert [e for e in app.requests() if e.status == 429] == [] and result.throttled == 0


def test_the_route_rate_limit_header_lowers_the_bound(harness: Harness) -> None:
    # 3 requests a second per route: 8 at once would be refused, so the pool follows RateLimit-Limit
    app = _start(harness, concurrency=8, people=12, route_limit=3, window_s=1)
    result = harness.run("hollyhr", resources=["employments"])
    assert app.max_in_flight(EMPLOYMENT) <= 3
    assert [e for e in app.requests() if e.status == 429] == [] and result.throttled == 0
    assert harness.count("hollyhr", "employments") == app.count("employments")


def test_429_mid_pool_is_waited_out_once_per_route(harness: Harness) -> None:
    app = _start(harness, concurrency=4, window_s=2)
    token = app.credentials()["api_token"]
    # another client on the same key spends the route's window after our 10th employment request
    app.after_request(10, lambda a: a.spend_route_budget("/people/{id}/employment", token), route=EMPLOYMENT)
    result = harness.run("hollyhr")
    refused = [e for e in app.requests(EMPLOYMENT) if e.status == 429]
    # only requests already in flight were refused; the pool then waited for the window as one
    assert 1 <= len(refused) <= 4
    assert result.throttled == len(refused)
    assert any("employments: the API refused requests (429) 1 time(s)" in n for n in result.notes), result.notes
    assert harness.count("hollyhr", "employments") == app.count("employments")
    assert harness.distinct("hollyhr", "employments", "person_id") == app.count("employments")


def test_missing_scope_mid_pool_fails_only_the_resources_that_need_it(harness: Harness) -> None:
    app = _start(harness, concurrency=4)
    app.add_key("hhr_children_key", ["people:read", "time_off:read", "documents:read"])
    harness.setenv("SOURCES__HOLLYHR__API_TOKEN", "hhr_children_key")
    # the scope is withdrawn while the pool is busy (after the people list was read)
    app.after_request(5, lambda a: a.add_key("hhr_children_key", ["time_off:read", "documents:read"]),
                      route=EMPLOYMENT)
    with pytest.raises(ProviderPartialFailure) as failure:
        harness.run("hollyhr")
    assert "permission_denied" in str(failure.value) and "hhr_children_key" not in str(failure.value)
    assert harness.count("hollyhr", "time_off") == app.count("time_off")
    assert harness.count("hollyhr", "documents") == app.count("documents")
    # the pool stopped: not one request per remaining person after the refusal
    refused = [e for e in app.requests(EMPLOYMENT) if e.status == 403]
    assert 1 <= len(refused) <= 4
    # what was read before the refusal is loaded, once
    loaded = harness.count("hollyhr", "employments")
    assert 0 < loaded < app.count("employments")
    assert harness.distinct("hollyhr", "employments", "person_id") == loaded


def test_run_killed_mid_pool_then_rerun_is_exact(harness: Harness) -> None:
    contract = contract_for("hollyhr")
    app = _start(harness, concurrency=4)
    # the 6th employment answer is held: the others of the pool go on
    kill_run_at(harness, "hollyhr", app, EMPLOYMENT, 6, "the held employment request")
    assert "employments" not in harness.tables("hollyhr")  # killed while extracting: nothing loaded
    harness.run("hollyhr")
    contract.assert_exact(harness, app)
    assert harness.run("hollyhr").rows == {}
