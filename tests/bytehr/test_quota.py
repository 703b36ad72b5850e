"""ByteHR quota, key expiry and minimum intervals, against the sandbox's quota counter."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from pipelines.cli.main import main as cli
from pipelines.run.failures import error_line
from sandbox.bytehr import DEFAULT_KEY
from sources._shared.errors import ProviderError, ProviderPartialFailure
from tests.bytehr.helpers import VENDOR, requests_by_resource, resource_state, source_state, start
from tests.harness import Harness

RESERVE = 10  # the default quota_reserve


def _reset_of(app: object) -> str:
    now = app.clock.now()  # type: ignore[attr-defined]
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = first.replace(year=first.year + 1, month=1) if first.month == 12 else \
        first.replace(month=first.month + 1)
    return following.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_summary_line_and_saved_quota(harness: Harness) -> None:
    app = start(harness)
    result = harness.run(VENDOR)
    remaining = app.quota_remaining
    assert remaining == 1000 - 7
    line = next(n for n in result.notes if n.startswith("quota:"))
    assert line == (f"quota: 7 requests this run; {remaining} of 1000 left until {_reset_of(app)} (reserve {RESERVE}); "
                    f"a full run needs 7: {(remaining - RESERVE) // 7} more full runs fit before the reset")
    saved = source_state(harness)["quota"]
    assert (saved["limit"], saved["remaining"], saved["reset"]) == (1000, remaining, _reset_of(app))
    assert DEFAULT_KEY not in str(source_state(harness))
    # others sharing the key spent 500: the server's count is the truth
    app.spend(500)
    result = harness.run(VENDOR)
    assert f"{app.quota_remaining} of 1000 left" in next(n for n in result.notes if n.startswith("quota:"))
    assert app.quota_remaining == 1000 - 7 - 500 - 7


def test_refuse_mode_sends_nothing_for_a_walk_that_cannot_finish(harness: Harness) -> None:
    app = start(harness)  # walks: definitions 1, departments 1, positions 1, employees 2, leave requests 2
    harness.run(VENDOR)
    before = resource_state(harness, "leave_requests")["last_walk"]
    app.set_quota_remaining(RESERVE + 3)
    app.clear_log()
    with pytest.raises(ProviderPartialFailure) as failure:
        harness.run(VENDOR)
    # walk_priority: definitions 1 and employees 2 fit the 3 above the reserve; the rest is refused
    assert requests_by_resource(app) == {"custom_field_definitions": 1, "departments": 0, "positions": 0,
                                         "employees": 2, "leave_requests": 0}
    assert app.quota_remaining == RESERVE
    assert sorted(failure.value.failures) == ["departments", "leave_requests", "positions"]
    line = error_line(VENDOR, failure.value)
    assert line.startswith("bytehr")
    assert "[departments]" in line and "the walk does not fit in the quota" in line
    assert f"resets at {_reset_of(app)}" in line
    assert "quota_reserve" in line and "SOURCES__BYTEHR__QUOTA_MODE" in line and "request_id req_" in line
    assert resource_state(harness, "leave_requests")["last_walk"] == before  # nothing advanced
    assert "walk" not in resource_state(harness, "leave_requests")
    # more quota (and a lower reserve, since the last answer said the reserve was reached): all walks complete
    app.set_quota_remaining(1000)
    harness.setenv("SOURCES__BYTEHR__QUOTA_RESERVE", "0")
    app.clear_log()
    harness.run(VENDOR)
    assert requests_by_resource(app) == {"custom_field_definitions": 1, "departments": 1, "positions": 1,
                                         "employees": 2, "leave_requests": 2}
    assert harness.count(VENDOR, "employees") == app.count("employees")


def test_refuse_mode_first_walk_learns_the_page_count_from_one_page(harness: Harness) -> None:
    app = start(harness, employees=350)  # 4 pages, never walked before
    app.set_quota_remaining(RESERVE + 2)
    with pytest.raises(ProviderPartialFailure) as failure:
        harness.run(VENDOR, resources=["employees"])
    assert [e.arg("currentpage") for e in app.requests("/employees")] == ["1"]
    assert "the walk needs 3 requests" in str(failure.value)
    assert harness.count(VENDOR, "employees") == 100  # the page that was paid for is loaded
    assert resource_state(harness, "employees")["walk"]["resume"]["page"] == 2
    app.set_quota_remaining(1000)
    harness.setenv("SOURCES__BYTEHR__QUOTA_RESERVE", "0")
    app.clear_log()
    harness.run(VENDOR, resources=["employees"])
    assert [e.arg("currentpage") for e in app.requests("/employees")] == ["2", "3", "4"]  # 1 + 3 = the floor
    assert harness.count(VENDOR, "employees") == 350
    assert harness.distinct(VENDOR, "employees", "id") == 350


def test_partial_mode_walks_what_fits_and_resumes(harness: Harness) -> None:
    app = start(harness)
    harness.setenv("SOURCES__BYTEHR__QUOTA_MODE", "partial")
    app.set_quota_remaining(RESERVE + 4)
    result = harness.run(VENDOR)  # no failure: a partial walk is the plan
    # the quota goes to the walks in walk_priority's order: definitions, employees, leave requests, ...
    assert requests_by_resource(app) == {"custom_field_definitions": 1, "employees": 2, "leave_requests": 1,
                                         "departments": 0, "positions": 0}
    assert app.quota_remaining == RESERVE
    assert harness.count(VENDOR, "employees") == app.count("employees")
    assert harness.count(VENDOR, "leave_requests") == 100
    assert any(n.startswith("leave_requests: walk incomplete") and "continues at page 2 of 2" in n
               for n in result.notes)
    assert any(n.startswith("departments: not walked") for n in result.notes)
    assert any(n.startswith("positions: not walked") for n in result.notes)
    app.set_quota_remaining(1000)
    harness.setenv("SOURCES__BYTEHR__QUOTA_RESERVE", "0")
    app.clear_log()
    harness.run(VENDOR)
    assert requests_by_resource(app) == {"custom_field_definitions": 1, "employees": 2, "leave_requests": 1,
                                         "departments": 1, "positions": 1}
    for table, control in (("employees", "employees"), ("leave_requests", "leave_requests")):
        assert harness.count(VENDOR, table) == app.count(control)
        assert harness.distinct(VENDOR, table, "id") == app.count(control)
    assert resource_state(harness, "employees")["last_walk"]["records"] == app.count("employees")


def test_retries_count_against_the_quota_and_never_cross_the_reserve(harness: Harness) -> None:
    app = start(harness, employees=350)
    harness.setenv("SOURCES__BYTEHR__QUOTA_MODE", "partial")
    app.set_quota_remaining(RESERVE + 3)
    app.inject("/employees", "503", times=1)
    harness.run(VENDOR, resources=["employees"])
    attempts = [(e.arg("currentpage"), e.status) for e in app.requests("/employees")]
    assert attempts == [("1", 503), ("1", 200), ("2", 200)]
    assert app.quota_remaining == RESERVE


def test_spent_quota_stops_at_once_without_retries(harness: Harness) -> None:
    app = start(harness, employees=350)
    app.after_request(1, lambda a: a.spend(10_000), route="/employees")  # someone else spends the rest
    with pytest.raises(ProviderPartialFailure) as failure:
        harness.run(VENDOR, resources=["employees"])
    assert [e.status for e in app.requests("/employees")] == [200, 429]
    line = error_line(VENDOR, failure.value)
    assert "429 quota_exceeded" in line
    assert f"used 1000 of 1000 requests this cycle, 0 remaining, resets at {_reset_of(app)}" in line
    assert "request_id req_" in line and DEFAULT_KEY not in line
    assert harness.count(VENDOR, "employees") == 100  # the page read before is kept, the walk resumes later
    assert resource_state(harness, "employees")["walk"]["resume"]["page"] == 2
    # the next run knows the quota is spent: it sends nothing at all
    app.clear_log()
    with pytest.raises(ProviderPartialFailure) as again:
        harness.run(VENDOR, resources=["employees"])
    assert app.requests() == []
    assert "0 remaining" in str(again.value)
    # a reset key (another company key in the sandbox, same data): what was saved about the old key is
    # ignored, and the walk continues where it stopped: 4 pages in all, the floor
    app.add_key("bhr_reset_key_0000000001")
    harness.setenv("SOURCES__BYTEHR__API_KEY", "bhr_reset_key_0000000001")
    harness.run(VENDOR, resources=["employees"])
    assert [e.arg("currentpage") for e in app.requests("/employees")] == ["2", "3", "4"]
    assert harness.count(VENDOR, "employees") == 350
    assert harness.distinct(VENDOR, "employees", "id") == 350


def test_key_expiry_warning(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    soon = datetime.now(timezone.utc) + timedelta(days=10, hours=12)
    start(harness, key_expires_at=soon)
    with caplog.at_level(logging.WARNING, logger="sources.bytehr"):
        result = harness.run(VENDOR)
    note = next(n for n in result.notes if n.startswith("API key expires"))
    assert "(in 10 days)" in note and "sources.bytehr.api_key" in note
    assert any("API key expires" in r.getMessage() for r in caplog.records)


def test_no_expiry_warning_far_from_expiry(harness: Harness) -> None:
    start(harness, key_expires_at=datetime.now(timezone.utc) + timedelta(days=200))
    result = harness.run(VENDOR)
    assert not any("expires" in n for n in result.notes)


def test_expired_key_fails_with_one_clear_message(harness: Harness) -> None:
    app = start(harness)
    app.set_key_expiry(app.clock.now() - timedelta(days=1))
    with pytest.raises(Exception) as failure:
        harness.run(VENDOR)
    line = error_line(VENDOR, failure.value)
    assert line.startswith("bytehr [")
    assert "401 api_key_expired" in line and "expired at" in line
    assert "reset the key in ByteHR and put the new one in sources.bytehr.api_key" in line
    assert "SOURCES__BYTEHR__API_KEY" in line and "request_id req_" in line
    assert DEFAULT_KEY not in line and DEFAULT_KEY not in repr(failure.value)
    assert len(app.requests()) == 1  # an auth error is not retried


def test_cadence_cap_skips_resources_that_are_not_due(harness: Harness) -> None:
    app = start(harness)
    harness.setenv("SOURCES__BYTEHR__MIN_INTERVAL_HOURS", '{"*": 168, "employees": 24}')
    harness.run(VENDOR)
    assert len(app.requests()) == 7  # the first run: everything is due
    app.update_employee(app.ids("employees")[0], last_name="Changed")
    app.clear_log()
    result = harness.run(VENDOR)
    assert app.requests() == [] and result.requests == 0 and result.rows == {}
    employees = next(n for n in result.notes if n.startswith("employees: skipped (cadence cap)"))
    assert "its walk needs 2 requests; min_interval_hours 24; next affordable at " in employees
    assert any(n.startswith("departments: skipped (cadence cap)") and "min_interval_hours 168" in n
               for n in result.notes)
    harness.setenv("SOURCES__BYTEHR__MIN_INTERVAL_HOURS", '{"*": 168, "employees": 0}')
    result = harness.run(VENDOR)
    assert requests_by_resource(app) == {"custom_field_definitions": 0, "departments": 0, "positions": 0,
                                         "employees": 2, "leave_requests": 0}
    assert result.rows["employees"] == 1


def test_quota_command_from_state_and_live(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    app = start(harness)
    harness.run(VENDOR)
    app.clear_log()
    assert cli(["quota", "bytehr", "--pipelines-dir", harness.pipelines_dir]) == 0
    out = capsys.readouterr().out
    remaining = app.quota_remaining
    assert app.requests() == []  # from the pipeline state: no request
    assert "as of the last run" in out
    assert "used         7 of 1000 requests this cycle" in out
    assert f"remaining    {remaining}, {remaining - RESERVE} above the reserve of {RESERVE}" in out
    assert f"resets at    {_reset_of(app)}" in out
    assert "a full run   7 requests (custom_field_definitions 1, employees 2, leave_requests 2, departments 1, " \
           "positions 1;" in out  # walk_priority's order, the order the resources are declared in
    assert f"runs left    {(remaining - RESERVE) // 7} full runs fit before the reset" in out
    app.spend(100)
    assert cli(["quota", "bytehr", "--pipelines-dir", harness.pipelines_dir, "--live"]) == 0
    out = capsys.readouterr().out
    assert [(e.path, e.arg("limit")) for e in app.requests()] == [("/api/custom-fields", "1")]
    assert "live" in out and f"remaining    {app.quota_remaining}," in out
    assert DEFAULT_KEY not in out


def test_quota_command_with_a_wrong_key(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    start(harness)
    harness.setenv("SOURCES__BYTEHR__API_KEY", "bhr_not_a_key_000000")
    assert cli(["quota", "bytehr", "--pipelines-dir", harness.pipelines_dir, "--live"]) == 1
    err = capsys.readouterr().err
    assert "invalid_api_key" in err and "SOURCES__BYTEHR__API_KEY" in err and "bhr_not_a_key_000000" not in err


def test_bad_settings_are_refused_before_any_request(harness: Harness) -> None:
    app = start(harness)
    for key, value, named in (("QUOTA_MODE", "sometimes", "quota_mode"), ("DELETE_MODE", "shred", "delete_mode"),
                              ("PAGE_SIZE", "500", "page_size"),
                              ("MIN_INTERVAL_HOURS", '{"staff": 1}', "min_interval_hours"),
                              ("QUOTA_PACING", "sometimes", "quota_pacing"),
                              ("WALK_PRIORITY", '["employees"]', "walk_priority"),
                              ("PACE_BURST_RUNS", "-1", "pace_burst_runs")):
        harness.setenv(f"SOURCES__BYTEHR__{key}", value)
        with pytest.raises(Exception) as failure:
            harness.run(VENDOR)
        assert named in error_line(VENDOR, failure.value) or isinstance(failure.value, ProviderError)
        harness.monkeypatch.delenv(f"SOURCES__BYTEHR__{key}")
    assert app.requests() == []


def test_a_key_with_no_quota_at_all_fails_with_the_quota_line(harness: Harness) -> None:
    harness.start(VENDOR, employees=5, quota=0)  # the defaults: the first run walks (the quota is not known yet)
    with pytest.raises(ProviderPartialFailure) as failure:
        harness.run(VENDOR)
    line = error_line(VENDOR, failure.value)
    assert "nothing loaded" in line and "quota" in line
