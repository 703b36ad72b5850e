"""After a run whose per-person requests failed part-way, the next run reads those people's children again.

The people cursor advances with the people rows; the children of the people whose request failed (or
was never sent) are kept in the child resource's state and read first on the next run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sandbox import Sandbox
from sources._shared.errors import ProviderPartialFailure
from sources._shared.state.retries import PENDING_KEY
from sources.hollyhr import settings
from tests.harness import Harness
from tests.resilience.crash import kill_run_at

EMPLOYMENT = "/people/*/employment"
HISTORY = "/people/*/employment-history"
KEY = "hhr_retry_key"
ALL_SCOPES = ["people:read", "time_off:read", "documents:read"]
NO_PEOPLE_SCOPE = ["time_off:read", "documents:read"]
BIN = Path(sys.executable).parent


def _withdraw_scope_mid_pool(app: Any) -> None:
    """The key loses ``people:read`` after the 5th employment request: both child routes fail part-way."""
    app.add_key(KEY, ALL_SCOPES)
    app.after_request(5, lambda a: a.add_key(KEY, NO_PEOPLE_SCOPE), route=EMPLOYMENT)


def _children(harness: Harness) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "employments": harness.query("select person_id from hollyhr.employments order by person_id"),
        "employment_history": harness.query("select id, person_id from hollyhr.employment_history order by id"),
    }


def _sandbox_children(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "employments": sorted((r["person_id"],) for r in app.records("employments")),
        "employment_history": sorted((r["id"], r["person_id"]) for r in app.records("employment_history")),
    }


def test_failed_children_are_read_again_on_the_next_run(harness: Harness) -> None:
    app = harness.start("hollyhr", people=30, time_off_per_person=0, documents_per_person=0, history_per_person=2)
    harness.setenv("SOURCES__HOLLYHR__CHILD_CONCURRENCY", "3")
    harness.setenv("SOURCES__HOLLYHR__PAGE_SIZE", "10")  # three pages of people: dlt runs their children in parallel
    harness.setenv("SOURCES__HOLLYHR__API_TOKEN", KEY)
    _withdraw_scope_mid_pool(app)
    with pytest.raises(ProviderPartialFailure):
        harness.run("hollyhr")
    assert harness.count("hollyhr", "people") == app.count("people")  # the people cursor moved on
    missing = app.count("employments") - harness.count("hollyhr", "employments")
    assert missing > 0
    pending = harness.state("hollyhr")["sources"]["hollyhr"]["resources"]["employments"][PENDING_KEY]
    assert len(pending) == missing

    app.add_key(KEY, ALL_SCOPES)  # the scope is back
    changed = harness.query("select min(person_id) from hollyhr.employments")[0][0]
    app.update_person(changed, job_title="Retry Tester")  # and one person whose employment loaded changed since
    requests_before = len(app.requests(EMPLOYMENT))
    second = harness.run("hollyhr")
    assert _children(harness) == _sandbox_children(app)  # every person's children, exactly
    assert harness.distinct("hollyhr", "employments", "person_id") == harness.count("hollyhr", "employments")
    assert f"employments: {missing} people whose employment failed last run are read again" in second.notes
    assert any(n.startswith("employment_history: ") and "people whose employment history failed last run"
               in n for n in second.notes), second.notes
    # only the people missing and the one changed, once each
    assert len(app.requests(EMPLOYMENT)) - requests_before == missing + 1
    assert harness.query(f"select job_title from hollyhr.employments where person_id = '{changed}'") == [
        ("Retry Tester",)]

    requests_before = len(app.requests(EMPLOYMENT)) + len(app.requests(HISTORY))
    third = harness.run("hollyhr")
    assert third.rows == {} and not [n for n in third.notes if "read again" in n]
    assert len(app.requests(EMPLOYMENT)) + len(app.requests(HISTORY)) == requests_before


def test_retry_run_killed_mid_pool_then_rerun_is_exact(harness: Harness) -> None:
    app = harness.start("hollyhr", people=20, time_off_per_person=0, documents_per_person=0, history_per_person=1)
    harness.setenv("SOURCES__HOLLYHR__CHILD_CONCURRENCY", "3")
    harness.setenv("SOURCES__HOLLYHR__API_TOKEN", KEY)
    _withdraw_scope_mid_pool(app)
    with pytest.raises(ProviderPartialFailure):
        harness.run("hollyhr")
    pending = harness.state("hollyhr")["sources"]["hollyhr"]["resources"]["employments"][PENDING_KEY]
    app.add_key(KEY, ALL_SCOPES)
    # the retry run is killed while it reads the people of the retry set
    kill_run_at(harness, "hollyhr", app, EMPLOYMENT, 3, "the held employment request")
    # nothing of the killed run committed: the retry set is as run 1 left it
    assert harness.state("hollyhr")["sources"]["hollyhr"]["resources"]["employments"][PENDING_KEY] == pending
    result = harness.run("hollyhr")
    assert f"employments: {len(pending)} people whose employment failed last run are read again" in result.notes
    assert _children(harness) == _sandbox_children(app)


def test_a_person_gone_since_clears_their_retry(harness: Harness) -> None:
    app = harness.start("hollyhr", people=12, time_off_per_person=0, documents_per_person=0, history_per_person=1)
    harness.setenv("SOURCES__HOLLYHR__CHILD_CONCURRENCY", "1")
    harness.setenv("SOURCES__HOLLYHR__API_TOKEN", KEY)
    _withdraw_scope_mid_pool(app)
    with pytest.raises(ProviderPartialFailure):
        harness.run("hollyhr")
    state = harness.state("hollyhr")["sources"]["hollyhr"]["resources"]
    gone = state["employments"][PENDING_KEY][-1]
    app.purge_person(gone)  # the vendor answers 404 for them from now on
    app.add_key(KEY, ALL_SCOPES)
    harness.run("hollyhr")
    state = harness.state("hollyhr")["sources"]["hollyhr"]["resources"]
    assert PENDING_KEY not in state["employments"] and PENDING_KEY not in state["employment_history"]
    assert harness.count("hollyhr", "employments") == app.count("employments")


def test_a_5xx_after_retries_mid_pool_commits_nothing_and_the_next_run_is_exact(harness: Harness) -> None:
    app = harness.start("hollyhr", people=12, time_off_per_person=0, documents_per_person=0, history_per_person=1)
    harness.setenv("SOURCES__HOLLYHR__CHILD_CONCURRENCY", "3")
    app.inject("/people/*/employment", "503", times=1000, after=4)  # every retry of every later request fails
    with pytest.raises(Exception) as failure:
        harness.run("hollyhr")
    assert not isinstance(failure.value, ProviderPartialFailure)  # not isolated: the whole run fails
    assert "people" not in harness.tables("hollyhr")  # nothing committed, the people cursor included
    app.faults.clear()
    harness.run("hollyhr")
    assert _children(harness) == _sandbox_children(app)


def test_too_many_failed_people_fail_the_child_until_a_full_refresh(harness: Harness,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "CHILD_RETRY_LIMIT", 5)
    app = harness.start("hollyhr", people=12, time_off_per_person=0, documents_per_person=0, history_per_person=1)
    harness.setenv("SOURCES__HOLLYHR__CHILD_CONCURRENCY", "1")
    harness.setenv("SOURCES__HOLLYHR__API_TOKEN", KEY)
    _withdraw_scope_mid_pool(app)  # 7 of 12 people's employment unread: more than 5
    with pytest.raises(ProviderPartialFailure):
        harness.run("hollyhr")
    app.add_key(KEY, ALL_SCOPES)
    with pytest.raises(ProviderPartialFailure) as failure:  # not an exit 0 with rows missing
        harness.run("hollyhr")
    assert "more than 5 people" in str(failure.value) and "--full-refresh" in str(failure.value)
    harness.run("hollyhr", full_refresh=True)
    assert _children(harness) == _sandbox_children(app)
    assert harness.run("hollyhr").rows == {}


def test_hr_elt_run_after_a_partial_failure_reads_the_missing_children(tmp_path: Path) -> None:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 20, "history_per_person": 1}) as sandbox:
        app = sandbox.apps["hollyhr"]
        _withdraw_scope_mid_pool(app)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
        env.update(sandbox.env(), RUNTIME__DLTHUB_TELEMETRY="false", SOURCES__HOLLYHR__API_TOKEN=KEY)
        run = ["run", "hollyhr", "--pipelines-dir", str(tmp_path / "pipes"),
               "--duckdb-path", str(tmp_path / "w.duckdb")]
        first = _hr_elt(run, env, tmp_path)
        assert first.returncode == 1, first.stderr
        app.add_key(KEY, ALL_SCOPES)
        second = _hr_elt(["--verbose", *run], env, tmp_path)
        assert second.returncode == 0, second.stderr
        assert "people whose employment failed last run are read again" in second.stdout, second.stdout
        assert "INFO sources.hollyhr: employments: " in second.stderr  # the record, with --verbose


def _hr_elt(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "hr-elt"), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
