"""CuteHR end to end: the generic contract, login, errors and secrets, 429s and pacing.

Sandbox over real loopback HTTP, real DuckDB (and Postgres for the contract).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipelines.run.failures import error_line
from pipelines.run.naming import latest_pipeline_name
from sandbox.cutehr import DEFAULT_EMAIL, DEFAULT_PASSWORD
from sources._shared.errors import ProviderConfigError, exception_chain
from tests.contract import SourceContract
from tests.cutehr.helpers import (
    ROUTES,
    attendance_requests,
    lookback_start,
    pages,
    start_cutehr,
    today,
    tokens_seen,
    working_day_back,
)
from tests.harness import Harness

SIZES = {"employees": 250, "leaves_per_employee": 2}
DLT = Path(sys.executable).parent / "dlt"


def full_load_requests(app: Any, size: int = 200) -> int:
    """Login, every page of the three lists, and the look-back window of attendance."""
    lists = sum(pages(app.count(name), size) for name in ("employees", "departments", "leaves"))
    return 1 + lists + attendance_requests(app, lookback_start(), today(), size)


class TestCuteHRContract(SourceContract):
    vendor = "cutehr"
    sizes = SIZES
    primary_keys = {"employees": "id", "departments": "id", "leaves": "id", "attendance": "id"}
    fault_route = ROUTES["employees"]
    credential_setting = "SOURCES__CUTEHR__PASSWORD"
    deleted_predicate = {"employees": "_deleted_at is not null", "departments": "_deleted_at is not null"}

    def start(self, harness: Harness) -> Any:
        self.kept: dict[str, int] = {}  # rows the warehouse keeps after the API dropped them
        return start_cutehr(harness, **self.sizes)

    def expected_counts(self, app: Any) -> dict[str, int]:
        counts = {
            "employees": app.count("employees"),
            "departments": app.count("departments"),
            "leaves": app.count("leaves"),
            "attendance": app.attendance_count(lookback_start(), today()),
        }
        return {table: n + self.kept.get(table, 0) for table, n in counts.items()}

    def full_load_requests(self, app: Any) -> int:
        return full_load_requests(app)

    def unchanged_run_requests(self, app: Any) -> int:
        # leaves: one page at the boundary; everything else is read as on the first run
        return full_load_requests(app) - pages(app.count("leaves")) + 1

    def add_field(self, app: Any) -> tuple[str, str, int]:
        # CuteHR ships a new attribute: set on a few employees, null on the rest (employees are read whole)
        with_value = {e["id"]: "she/her" for e in app.records("employees")[:4]}
        app.add_employee_field("pronouns", with_value)
        return "employees", "pronouns", len(with_value)

    def mutate(self, app: Any) -> dict[str, int]:
        ids = [e["id"] for e in app.records("employees")][:3]
        for eid in ids:
            app.update_employee(eid, designation="Staff Engineer")
        app.add_leave(ids[0])
        app.update_leave(app.records("leaves")[0]["id"], status="cancelled")
        day = working_day_back(3)
        row = app.attendance_records(day, day)[0]
        app.correct_attendance(row["employee_id"], day, worked_hours=1.25, status="half_day")
        return {"employees": 3, "leaves": 2, "attendance": 1}

    def break_credentials(self, harness: Harness, app: Any) -> str:
        wrong = "Wr0ng-Pa55word-for-the-test"
        harness.setenv("SOURCES__CUTEHR__PASSWORD", wrong)
        return wrong

    def secrets(self, app: Any) -> list[str]:
        return [DEFAULT_PASSWORD, *tokens_seen(app)]

    def delete_some(self, app: Any) -> dict[str, tuple[int, int]]:
        employee = app.records("employees")[-1]["id"]
        loaded = sum(1 for r in app.attendance_records(lookback_start(), today()) if r["employee_id"] == employee)
        app.delete_employee(employee)
        app.delete_department(app.records("departments")[-1]["id"])
        self.kept = {"employees": 1, "departments": 1, "attendance": loaded}
        return {"employees": (app.count("employees") + 1, 1), "departments": (app.count("departments") + 1, 1)}


# --- laziness and configuration -------------------------------------------------------------

def test_source_creation_sends_no_request(harness: Harness) -> None:
    from sources.cutehr import cutehr_source

    app = start_cutehr(harness, employees=20)
    cutehr_source()
    assert app.requests() == []
    assert app.login_count == 0


@pytest.mark.parametrize("url", ["http://api.cutehr.io", "ftp://api.cutehr.io", "http://10.0.0.5:8080"])
def test_non_https_base_url_is_refused_before_any_request(harness: Harness, url: str) -> None:
    app = start_cutehr(harness, employees=20)
    harness.setenv("SOURCES__CUTEHR__BASE_URL", url)
    with pytest.raises(Exception) as failure:
        harness.run("cutehr")
    line = error_line("cutehr", failure.value)
    assert line.startswith("cutehr")
    assert "SOURCES__CUTEHR__BASE_URL" in line
    assert app.requests() == []


def test_https_and_loopback_base_urls_are_accepted() -> None:
    from sources.cutehr import cutehr_source

    for url in ("https://api.cutehr.io", "http://127.0.0.1:8080", "http://localhost:9"):
        source = cutehr_source(base_url=url, email="a@b.example", password="not-used-here")
        assert set(source.resources) == {"employees", "departments", "leaves", "attendance", "employees_versions"}


@pytest.mark.parametrize(("key", "value"), [("page_size", 201), ("attendance_window_days", 0),
                                            ("attendance_lookback_days", -1), ("delete_mode", "shred"),
                                            ("attendance_start_date", "last tuesday")])
def test_bad_settings_fail_before_any_request(key: str, value: Any) -> None:
    from sources.cutehr import cutehr_source

    with pytest.raises(ProviderConfigError) as failure:
        cutehr_source(base_url="https://api.cutehr.io", email="a@b.example", password="x" * 8, **{key: value})
    assert f"sources.cutehr.{key}" in str(failure.value)


# --- login ------------------------------------------------------------------------------------

def test_one_login_per_run_and_the_token_on_every_call(harness: Harness) -> None:
    app = start_cutehr(harness, **SIZES)
    harness.run("cutehr")
    assert app.login_count == 1
    assert len(app.requests(ROUTES["login"])) == 1
    data = [e for e in app.requests() if e.path != ROUTES["login"]]
    assert all(e.headers["authorization"].startswith("Bearer ") for e in data)
    assert len(tokens_seen(app)) == 1


def test_token_expiry_mid_run_costs_exactly_one_extra_login(harness: Harness) -> None:
    app = start_cutehr(harness, **SIZES)
    app.after_request(2, lambda a: a.expire_tokens(), route=ROUTES["attendance"])
    result = harness.run("cutehr")
    assert app.login_count == 2
    assert [e.status for e in app.requests()].count(401) == 1
    # the refused request is repeated once with the new token: +1 request, +1 login
    assert len(app.requests()) == full_load_requests(app) + 2
    assert result.requests == len(app.requests())
    assert harness.count("cutehr", "attendance") == app.attendance_count(lookback_start(), today())
    assert harness.distinct("cutehr", "attendance", "id") == harness.count("cutehr", "attendance")
    assert len(tokens_seen(app)) == 2


def test_a_second_401_fails_clearly_without_a_login_loop(harness: Harness) -> None:
    app = start_cutehr(harness, **SIZES)
    app.inject(ROUTES["employees"], "401", times=50)
    with pytest.raises(Exception) as failure:
        harness.run("cutehr")
    assert app.login_count == 2  # the run's login and one re-login, never more
    assert len(app.requests(ROUTES["employees"])) == 2
    line = error_line("cutehr", failure.value)
    assert line.startswith("cutehr [employees]: 401 token_invalid")
    assert "request_id req_" in line
    assert "SOURCES__CUTEHR__EMAIL" in line and "SOURCES__CUTEHR__PASSWORD" in line
    for secret in [DEFAULT_PASSWORD, *tokens_seen(app)]:
        assert secret not in line and secret not in repr(failure.value)


def _dlt_trace(harness: Harness) -> str:
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"}
    name = latest_pipeline_name("cutehr", harness.pipelines_dir)  # cutehr__<kind>_<hash8>, as the summary prints
    done = subprocess.run([str(DLT), "pipeline", "--pipelines-dir", harness.pipelines_dir, name, "trace"],
                          env=env, cwd=harness.tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def _chain(exc: BaseException) -> list[str]:
    return [text for error in exception_chain(exc) for text in (str(error), repr(error))]


def test_wrong_password_is_clear_and_secret_free(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    app = start_cutehr(harness, **SIZES)
    wrong = "Wr0ng-Pa55word-nobody-may-see"
    harness.setenv("SOURCES__CUTEHR__PASSWORD", wrong)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Exception) as failure:
        harness.run("cutehr")
    line = error_line("cutehr", failure.value)
    assert line.startswith("cutehr [auth]: 403 authentication_failed")
    assert DEFAULT_EMAIL in line and "SOURCES__CUTEHR__EMAIL" in line and "SOURCES__CUTEHR__PASSWORD" in line
    assert "request_id req_" in line
    assert app.failed_login_count == 1  # refused once: no other resource tries again
    assert [e.path for e in app.requests()] == [ROUTES["login"]]
    texts = [line, caplog.text, *(r.getMessage() for r in caplog.records), *_chain(failure.value), _dlt_trace(harness)]
    for text in texts:
        assert wrong not in text
        assert DEFAULT_PASSWORD not in text


def test_no_password_or_token_anywhere_after_a_run_with_a_relogin(harness: Harness,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    app = start_cutehr(harness, **SIZES)
    app.after_request(1, lambda a: a.expire_tokens(), route=ROUTES["leaves"])
    caplog.set_level(logging.DEBUG)
    harness.run("cutehr")
    assert app.login_count == 2
    secrets = [DEFAULT_PASSWORD, *tokens_seen(app)]
    assert len(secrets) == 3
    texts = [caplog.text, *(r.getMessage() for r in caplog.records), _dlt_trace(harness)]
    from sources.cutehr import cutehr_source

    source = cutehr_source()
    texts += [repr(source), str(source), *(repr(r) for r in source.resources.values())]
    for text in texts:
        for secret in secrets:
            assert secret not in text


# --- 429s and pacing -------------------------------------------------------------------------

def test_three_429s_without_retry_after_are_survived_with_exact_counts(harness: Harness) -> None:
    app = start_cutehr(harness, **SIZES)
    app.inject(ROUTES["leaves"], "429", times=3)  # no Retry-After, as CuteHR sends them
    result = harness.run("cutehr")
    assert [e.status for e in app.requests(ROUTES["leaves"])][:4] == [429, 429, 429, 200]
    assert len(app.requests()) == full_load_requests(app) + 3
    assert result.retries == 3 and result.throttled == 3
    assert harness.count("cutehr", "leaves") == app.count("leaves")
    assert harness.distinct("cutehr", "leaves", "id") == app.count("leaves")


def test_429s_beyond_max_attempts_fail_clearly(harness: Harness) -> None:
    app = start_cutehr(harness, employees=20)
    harness.setenv("SOURCES__CUTEHR__MAX_ATTEMPTS", "3")
    app.inject(ROUTES["employees"], "429", times=10)
    with pytest.raises(Exception) as failure:
        harness.run("cutehr")
    assert len(app.requests(ROUTES["employees"])) == 3
    line = error_line("cutehr", failure.value)
    assert "429 rate_limited" in line and "request_id req_" in line
    assert "SOURCES__CUTEHR__REQUESTS_PER_MINUTE" in line


def test_pacing_to_the_rate_limit_sees_no_429(harness: Harness) -> None:
    # 8 requests per 1.5 s per token in the sandbox, and the same limit configured
    app = start_cutehr(harness, employees=250, rate_limit=8, window_s=1.5)
    harness.setenv("SOURCES__CUTEHR__REQUESTS_PER_MINUTE", "8")
    harness.setenv("SOURCES__CUTEHR__RATE_WINDOW_SECONDS", "1.5")
    harness.setenv("SOURCES__CUTEHR__PAGE_SIZE", "100")
    result = harness.run("cutehr")
    assert len(app.requests()) == full_load_requests(app, 100)
    assert len(app.requests()) > 2 * 8  # the run needs three windows or more
    assert [e for e in app.requests() if e.status == 429] == []
    assert result.throttled == 0 and result.retries == 0
    assert harness.count("cutehr", "attendance") == app.attendance_count(lookback_start(), today())


def test_without_pacing_the_same_limit_answers_429s_that_backoff_survives(harness: Harness) -> None:
    app = start_cutehr(harness, employees=250, rate_limit=8, window_s=1.5)
    harness.setenv("SOURCES__CUTEHR__REQUESTS_PER_MINUTE", "0")
    harness.setenv("SOURCES__CUTEHR__MAX_ATTEMPTS", "30")
    harness.setenv("SOURCES__CUTEHR__BACKOFF_BASE", "0.05")
    harness.setenv("SOURCES__CUTEHR__BACKOFF_CAP", "0.4")
    harness.setenv("SOURCES__CUTEHR__PAGE_SIZE", "100")
    result = harness.run("cutehr")
    throttled = [e for e in app.requests() if e.status == 429]
    assert throttled and result.throttled == len(throttled)
    assert len(app.requests()) == full_load_requests(app, 100) + len(throttled)
    assert harness.count("cutehr", "attendance") == app.attendance_count(lookback_start(), today())


def test_failed_run_moves_no_cursor(harness: Harness) -> None:
    app = start_cutehr(harness, **SIZES)
    harness.run("cutehr")
    before = harness.state("cutehr")["sources"]["cutehr"]["resources"]
    leaves_cursor = before["leaves"]["incremental"]["modified_at"]["last_value"]
    attendance_cursor = before["attendance"]["incremental"]["date"]["last_value"]
    app.update_leave(app.records("leaves")[0]["id"], status="approved")
    app.inject(ROUTES["employees"], "401", times=2)
    with pytest.raises(Exception, match="401 token_invalid"):
        harness.run("cutehr")
    after = harness.state("cutehr")["sources"]["cutehr"]["resources"]
    assert after["leaves"]["incremental"]["modified_at"]["last_value"] == leaves_cursor
    assert after["attendance"]["incremental"]["date"]["last_value"] == attendance_cursor
    result = harness.run("cutehr")
    assert result.rows.get("leaves") == 1
