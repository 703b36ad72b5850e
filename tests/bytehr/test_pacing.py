"""ByteHR quota pacing against the sandbox: a month of hourly runs, hand runs, every skip said, key expiry,
the month boundary. The connector's clock (time-machine) and the sandbox's clock move together."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pendulum
import pytest
import time_machine

from pipelines.cli.main import main as cli
from pipelines.run.failures import error_line
from sandbox.bytehr.data import default_custom_fields
from sources._shared.context import RunContext, activated
from sources.bytehr import bytehr_source
from sources.bytehr.pacing import PacePolicy, decisions_from_state, plan_from_state
from tests.bytehr.helpers import RESOURCES, ROUTES, VENDOR, live_count, requests_by_resource, source_state, start
from tests.harness import Harness

RESERVE = 10
BIN = Path(sys.executable).parent
CYCLE_START = datetime(2027, 1, 1, tzinfo=timezone.utc)  # a 31-day cycle
RESET = datetime(2027, 2, 1, tzinfo=timezone.utc)
HOURS = int((RESET - CYCLE_START).total_seconds() // 3600)


def start_paced(harness: Harness, **sizes: Any) -> Any:
    """The sandbox, with the source's default pacing (the shared helper turns it off)."""
    app = start(harness, **sizes)
    harness.monkeypatch.delenv("SOURCES__BYTEHR__QUOTA_PACING")
    return app


@contextmanager
def clocks(app: Any, when: datetime) -> Iterator[Any]:
    """Freezes the connector's clock at `when` and sets the sandbox's; ``move(t)`` moves both."""
    with time_machine.travel(when, tick=True) as traveller:
        app.clock.set(when)

        def move(to: datetime) -> None:
            traveller.move_to(to)
            app.clock.set(to)

        yield move


def walked(app: Any) -> set[str]:
    """Resources whose walk began in the sandbox's log (page 1 asked)."""
    return {name for name, route in ROUTES.items() if any(e.arg("currentpage") == "1" for e in app.requests(route))}


@dataclass
class Month:
    """What a month of hourly runs did."""

    walks: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in RESOURCES})
    statuses: Counter[int] = field(default_factory=Counter)
    lowest_remaining: int = 10**9
    left_at_reset: int = 0
    runs: int = 0
    planned: dict[str, int] = field(default_factory=dict)
    planned_left: int = 0
    planned_per_day: str = ""
    plan_text: str = ""


def simulate_month(harness: Harness, app: Any, capsys: pytest.CaptureFixture[str], page_size: int) -> Month:
    """Hourly runs over one cycle, through dlt's API.

    Each hour asks the source's pacing decision (:func:`decisions_from_state`, from the state the last run
    left, as the source asks before its first request). An hour that walks nothing sends no request, so only
    the hours that walk run the source: ``pipeline.extract(bytehr_source())``, which commits the source's
    state like a run, against the sandbox; the packages load into DuckDB at the end of the month. Each
    such run must walk exactly what the decision said.
    """
    month, state, policy = Month(), None, PacePolicy()
    harness.setenv("SOURCES__BYTEHR__SCHEDULE_RUNS_PER_DAY", "24")
    pipeline = harness.pipeline(VENDOR, VENDOR)
    with clocks(app, CYCLE_START) as move:
        for hour in range(HOURS):
            now = CYCLE_START + timedelta(hours=hour, minutes=5)
            move(now)
            expected = None
            if state is not None:
                decided = decisions_from_state(state, policy, page_size, pendulum.instance(now))
                expected = {name for name, d in decided.items() if d.walk}
                if not expected:
                    continue
            pipeline.extract(bytehr_source())
            month.runs += 1
            did = walked(app)
            assert expected is None or did == expected, (hour, did, expected)
            month.statuses.update(e.status for e in app.requests())
            app.clear_log()
            month.lowest_remaining = min(month.lowest_remaining, app.quota_remaining)
            for name in did:
                month.walks[name].append(hour)
            state = pipeline.state["sources"][VENDOR]
            if hour == 0:  # the plan from the first run's state, for the rest of the month
                following = pendulum.instance(now + timedelta(hours=1))
                plan = plan_from_state(state, policy, page_size, following, 24)
                assert plan is not None
                month.planned, month.planned_left = dict(plan.walks), plan.left_at_reset
                month.planned_per_day = f"{plan.per_day('employees'):.2f}"
                move(now + timedelta(minutes=1))
                assert cli(["quota", "bytehr", "--pipelines-dir", harness.pipelines_dir]) == 0
                month.plan_text = capsys.readouterr().out
        month.left_at_reset = app.quota_remaining
        pipeline.normalize()
        pipeline.load()
    return month


def _gaps(hours: list[int]) -> list[int]:
    return [b - a for a, b in zip(hours, hours[1:], strict=False)]


def check_month(walks: dict[str, list[int]], left_at_reset: int, employees: int) -> None:
    """What a month of hourly runs must have done, from the hours (since the cycle start) each walk began."""
    full_run = 1 + 1 + 1 + employees // 100 + 2
    assert RESERVE <= left_at_reset < RESERVE + full_run  # never below the reserve, and the month's quota used
    counts = [len(hours) for hours in walks.values()]
    assert max(counts) - min(counts) <= 1  # every resource as often (a one-request walk may fit once more at the end)
    if full_run * HOURS / 24 <= 1000 - RESERVE:  # the month pays for a walk of everything a day: at least daily
        for hours in walks.values():
            assert hours[0] == 0 and max(_gaps(hours)) <= 24 and HOURS - hours[-1] <= 24
    employee_walks = walks["employees"]
    gaps = _gaps(employee_walks)
    mean_gap = (employee_walks[-1] - employee_walks[0]) / len(gaps)
    assert max(gaps) <= 1.5 * mean_gap
    assert HOURS - employee_walks[-1] <= 1.5 * mean_gap  # the walks reach the end of the cycle


def check_plan_text(text: str, pages: int, walks_a_day: str, left_at_reset: int) -> None:
    assert "schedule     schedule_runs_per_day 24 (quota_pacing even)" in text
    line = next(li for li in text.splitlines() if li.strip().startswith("employees"))
    assert line.split()[1].rstrip(",") == walks_a_day and f"{pages} requests a walk" in line
    if pages == 100:  # about every 3 days, as the issue reckoned
        every = float(line.split("(every ")[1].split()[0])
        assert 3 <= every <= 4 and abs(every - 1 / float(walks_a_day)) < 0.1
    assert f"at the reset {left_at_reset} requests left" in text


@pytest.mark.parametrize("employees", [3000, 10_000])
def test_a_month_of_hourly_runs(harness: Harness, capsys: pytest.CaptureFixture[str], employees: int) -> None:
    # the company's pages at one record a page: 1 custom field, 1 department, 1 position, employees / 100
    # employees, 2 leave requests walk in the same requests as the real company at 100 a page, with 1% of
    # the records to serve and digest
    pages = employees // 100
    app = start_paced(harness, employees=pages, departments=1, positions=1, leave_requests=2,
                      custom_fields=default_custom_fields(1, CYCLE_START)[:1])
    harness.setenv("SOURCES__BYTEHR__PAGE_SIZE", "1")
    month = simulate_month(harness, app, capsys, page_size=1)
    assert set(month.statuses) == {200}  # no 429, no error
    assert month.lowest_remaining == month.left_at_reset == month.planned_left
    check_month(month.walks, month.left_at_reset, employees)
    assert {name: len(hours) - 1 for name, hours in month.walks.items()} == month.planned  # as the plan said
    check_plan_text(month.plan_text, pages, month.planned_per_day, month.planned_left)
    assert live_count(harness, "employees") == pages  # every package of the month loaded


def test_a_month_of_hourly_runs_at_300_employees(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    # 123 walks a month: the first run is real, the rest the plan's replay of the same decisions (the real
    # runs above walk exactly what this replay says, hour by hour; 123 dlt runs would take minutes)
    app = start_paced(harness, employees=300, leave_requests=120)
    harness.setenv("SOURCES__BYTEHR__SCHEDULE_RUNS_PER_DAY", "24")
    with clocks(app, CYCLE_START + timedelta(minutes=5)):
        harness.run(VENDOR)
        state = source_state(harness)
        assert cli(["quota", "bytehr", "--pipelines-dir", harness.pipelines_dir]) == 0
    plan = plan_from_state(state, PacePolicy(), 100, pendulum.instance(CYCLE_START + timedelta(hours=1, minutes=5)), 24)
    assert plan is not None
    walks = {name: [0] + [int((t - pendulum.instance(CYCLE_START)).total_seconds() // 3600) for t in times]
             for name, times in plan.walked_at.items()}
    check_month(walks, plan.left_at_reset, 300)
    check_plan_text(capsys.readouterr().out, 3, f"{plan.per_day('employees'):.2f}", plan.left_at_reset)


def test_two_hand_runs_in_a_row_both_walk_and_land_the_changes(harness: Harness) -> None:
    app = start_paced(harness, employees=150)
    with clocks(app, CYCLE_START + timedelta(days=9, hours=10)) as move:
        harness.run(VENDOR)
        first = requests_by_resource(app)
        assert all(n >= 1 for n in first.values())
        app.clear_log()
        app.add_custom_field("Hobby", "Hobby", "text")
        app.rename_custom_field("Team Name", "Squad")
        app.change_custom_field_type("badge_number", "text", convert=lambda v: f"B-{v}")
        app.archive_custom_field("Shoe Size")
        deleted = app.ids("employees")[10:15]
        for employee in deleted:
            app.delete_employee(employee)
        move(CYCLE_START + timedelta(days=9, hours=10, minutes=3))
        result = harness.run(VENDOR)
    assert walked(app) == set(RESOURCES)
    assert not [n for n in result.notes if "skipped" in n]
    definitions = {r[0]: r[1:] for r in harness.query(
        "select key, label, type, archived from bytehr.custom_field_definitions")}
    assert definitions["Hobby"] == ("Hobby", "text", False)
    assert definitions["Team Name"][0] == "Squad"
    assert definitions["badge_number"][1] == "text"
    assert definitions["Shoe Size"][2] is True
    assert harness.scalar("select count(custom_fields__hobby) from bytehr.employees") > 0
    assert harness.scalar("select count(custom_fields__badge_number__v_text) from bytehr.employees") > 0
    flagged = {r[0] for r in harness.query("select id from bytehr.employees where _deleted_at is not null")}
    assert flagged == set(deleted)
    assert live_count(harness, "employees") == app.count("employees")


def test_a_key_that_expires_between_paced_runs_fails_the_next_walk(harness: Harness) -> None:
    app = start_paced(harness, employees=50)
    harness.setenv("SOURCES__BYTEHR__PACE_BURST_RUNS", "1")  # no burst beyond one run: the next hour is paced
    harness.setenv("SOURCES__BYTEHR__PACE_BURST_SHARE", "0")
    first = CYCLE_START + timedelta(minutes=10)
    with clocks(app, first) as move:
        app.set_key_expiry(first + timedelta(minutes=30))  # a key lives a year: its end is told from the start
        result = harness.run(VENDOR)
        assert any(n.startswith("API key expires at 2027-01-01T00:40:00Z") for n in result.notes)
        later = pendulum.instance(first + timedelta(hours=1))
        paced = decisions_from_state(source_state(harness), PacePolicy(burst_runs=1, burst_share=0), 100, later)
        assert not any(d.walk for d in paced.values())  # the pace alone: this run would send nothing
        app.clear_log()
        move(first + timedelta(hours=1))
        with pytest.raises(Exception) as failure:
            harness.run(VENDOR)
    line = error_line(VENDOR, failure.value)
    assert "401 api_key_expired" in line and "expired at 2027-01-01T00:40:00Z" in line
    assert "reset the key in ByteHR and put the new one in sources.bytehr.api_key" in line
    assert len(app.requests()) == 1


def test_a_skip_is_an_info_record_through_plain_dlt(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    app = start_paced(harness, employees=250)
    pipeline = harness.pipeline("plain_bytehr", "plain_bytehr")
    at = CYCLE_START + timedelta(days=20)
    with clocks(app, at) as move:
        context = RunContext()
        with activated(context):
            source = bytehr_source(pace_burst_runs=1, pace_burst_share=0)
        pipeline.run(source)
        facts = context.facts_of(VENDOR)
        assert facts["quota_remaining"] == app.quota_remaining == 1000 - 8
        assert facts["quota_reset"] == "2027-02-01T00:00:00Z"
        assert facts["key_expires_at"] == app.key_expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        app.spend(640)  # others sharing the key: the pace left for this source is gone for now
        app.clear_log()
        move(at + timedelta(hours=1))
        with caplog.at_level(logging.INFO, logger="sources.bytehr"):
            pipeline.run(bytehr_source(pace_burst_runs=1, pace_burst_share=0))
    assert requests_by_resource(app) == {"custom_field_definitions": 1, "departments": 0, "positions": 0,
                                         "employees": 0, "leave_requests": 0}
    skips = [r for r in caplog.records if r.name == "sources.bytehr" and "skipped" in r.getMessage()]
    assert all(r.levelno == logging.INFO for r in skips)
    by_resource = {r.getMessage().split(":")[0]: r.getMessage() for r in skips}
    assert sorted(by_resource) == ["departments", "employees", "leave_requests", "positions"]
    assert len(skips) == 4
    employees = by_resource["employees"]
    assert employees.startswith("employees: skipped (pace): its walk needs 3 requests;")
    assert "the key has spent 649" in employees and "next affordable at 2027-01-" in employees
    # lower in walk_priority than employees, which waits for the pace others spent: they wait too
    assert "employees comes first in walk_priority" in by_resource["departments"]


def test_first_run_after_the_reset_walks_everything(harness: Harness) -> None:
    app = start_paced(harness, employees=150)
    with clocks(app, CYCLE_START + timedelta(days=30, hours=20)) as move:
        harness.run(VENDOR)
        app.set_quota_remaining(RESERVE + 1)  # others spent the cycle down to the reserve and one request
        app.clear_log()
        move(CYCLE_START + timedelta(days=30, hours=23))
        result = harness.run(VENDOR)
        assert requests_by_resource(app) == {"custom_field_definitions": 1, "departments": 0, "positions": 0,
                                             "employees": 0, "leave_requests": 0}
        assert app.quota_remaining == RESERVE
        employees = next(n for n in result.notes if n.startswith("employees: skipped (reserve)"))
        assert "10 of 1000 left, quota_reserve 10; next affordable at 2027-02-01T00:00:00Z" in employees
        app.clear_log()
        move(RESET + timedelta(minutes=5))
        result = harness.run(VENDOR)
    assert walked(app) == set(RESOURCES)
    assert not [n for n in result.notes if "skipped" in n]
    assert app.quota_remaining == 1000 - 7


def test_quota_command_prints_the_plan(harness: Harness) -> None:
    app = start_paced(harness, employees=250)
    harness.run(VENDOR)
    env = {**os.environ, "SOURCES__BYTEHR__SCHEDULE_RUNS_PER_DAY": "24"}
    app.clear_log()
    done = subprocess.run([str(BIN / "hr-elt"), "quota", "bytehr", "--pipelines-dir", harness.pipelines_dir],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert app.requests() == []  # the plan comes from the state: no request
    out = done.stdout
    assert "schedule     schedule_runs_per_day 24 (quota_pacing even)" in out
    assert "plan         24 runs a day until the reset: walks a day per resource" in out
    for name, pages in (("custom_field_definitions", 1), ("departments", 1), ("positions", 1), ("employees", 3),
                        ("leave_requests", 2)):
        line = next(li for li in out.splitlines() if li.strip().startswith(name))
        assert line.endswith(f", {pages} requests a walk") and float(line.split()[1].rstrip(",")) > 0
    left = int(out.split("at the reset ")[1].split()[0])
    assert RESERVE <= left < RESERVE + 8
    del env["SOURCES__BYTEHR__SCHEDULE_RUNS_PER_DAY"]  # one run: no schedule to learn from yet
    done = subprocess.run([str(BIN / "hr-elt"), "quota", "bytehr", "--pipelines-dir", harness.pipelines_dir],
                          env=env, capture_output=True, text=True, timeout=120)
    assert "unknown schedule: set sources.bytehr.schedule_runs_per_day, or run a few times first" in done.stdout


def test_the_plan_learns_the_schedule_from_past_runs(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    app = start_paced(harness, employees=50)
    with clocks(app, CYCLE_START + timedelta(days=3)) as move:
        for hour in range(4):  # every 6 hours
            move(CYCLE_START + timedelta(days=3, hours=6 * hour))
            harness.run(VENDOR)
        assert cli(["quota", "bytehr", "--pipelines-dir", harness.pipelines_dir]) == 0
    out = capsys.readouterr().out
    assert "schedule     learned from the last runs: about 4 a day (quota_pacing even)" in out
    assert "plan         4 runs a day until the reset" in out
