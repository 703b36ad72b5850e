"""History on two timelines, end to end: three daily runs of the three vendors against the sandbox
(real loopback HTTP, the real pipelines), then ``dbt build`` of the history marts, on DuckDB and on
Postgres. The tenant is at UTC+11 and the runs happen at 20:00 UTC, when its day is already the next.

Expected headcounts and intervals come from the sandbox's records (tests/history/scenario.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import time_machine

from sandbox import Sandbox
from sandbox.core import Clock
from tests.dbt.warehouse import Warehouse, assert_clean
from tests.history.scenario import (
    EMPLOYED,
    RUN_HOUR_UTC,
    SIZES,
    ZONE,
    Seen,
    expected_headcount,
    final_records,
    local_day,
    snapshot,
)
from tests.postgres_server import PostgresServer

VENDORS = ("bytehr", "cutehr", "hollyhr")
ARCHIVED_KEY = "tshirt_size"

pytestmark = pytest.mark.timeout(900)  # the module's warehouse: nine runs and a dbt build (2-4 min on 2 cores)


class Scenario:
    """The warehouse after the three runs, what each run saw, and the ids the scenario changed."""

    def __init__(self, warehouse: Warehouse, runs: list[Seen], ids: dict[str, Any], final: dict[str, Any]) -> None:
        self.warehouse = warehouse
        self.runs = runs
        self.ids = ids
        self.final = final
        self.today = runs[-1].day

    def intervals(self, vendor: str, employee: str, timeline: str) -> list[tuple[Any, ...]]:
        return [
            (_as_date(r[0]), _as_date(r[1]), r[2], r[3], r[4]) for r in self.warehouse.query(
                "select valid_from, valid_to, department, employment_status, is_current "
                "from hr_unified.hr_employment_history "
                f"where provider = '{vendor}' and employee_id = '{employee}' and timeline = '{timeline}' "
                "order by valid_from")
        ]


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def _run_all(warehouse: Warehouse, sb: Sandbox, moment: datetime) -> Seen:
    sb.clock.set(moment)
    with time_machine.travel(moment, tick=True):
        seen = snapshot(sb, local_day(moment))
        for vendor in VENDORS:
            warehouse.run(vendor)
    return seen


def _play(warehouse: Warehouse, sb: Sandbox, first: datetime) -> Scenario:
    """Run 1; hires, leavers, moves, a future-dated change, an archived field; run 2; corrections; run 3."""
    days = [first + timedelta(days=k) for k in range(3)]
    runs = [_run_all(warehouse, sb, days[0])]
    local2 = local_day(days[1])
    holly = [p["id"] for p in sb.hollyhr.records("people") if p["status"] == "active"]
    byte = [e["id"] for e in sb.bytehr.records("employees") if e["employment_status"] == "active"]
    cute = [e["id"] for e in sb.cutehr.records("employees") if e["status"] == "active"]
    byte_depts = [d["id"] for d in sb.bytehr.records("departments")]
    cute_depts = [d["id"] for d in sb.cutehr.records("departments")]
    ids: dict[str, Any] = {"holly_leaver": holly[0], "holly_mover": holly[1], "holly_future": holly[2],
                           "holly_corrected": holly[3], "byte_leaver": byte[0], "byte_mover": byte[1],
                           "byte_rehired": byte[2], "cute_leaver": cute[0], "cute_mover": cute[1]}
    sb.clock.set(days[1] - timedelta(hours=1))
    ids["holly_hire"] = sb.hollyhr.add_person(start_date=local2.isoformat(), department="Newcomers")
    sb.hollyhr.end_person(ids["holly_leaver"], end_date=(local2 - timedelta(days=1)).isoformat())
    sb.hollyhr.change_employment(ids["holly_mover"], local2.isoformat(), department="Moved Here")
    ids["future_day"] = local2 + timedelta(days=10)
    sb.hollyhr.change_employment(ids["holly_future"], ids["future_day"].isoformat(), department="Future Team")
    ids["byte_hire"] = sb.bytehr.add_employee(hire_date=local2.isoformat(), department_id=byte_depts[0],
                                              employment_status="active")
    sb.bytehr.update_employee(ids["byte_leaver"], employment_status="terminated",
                              termination_date=(local2 - timedelta(days=1)).isoformat())
    mover = sb.bytehr.record("employees", ids["byte_mover"])
    ids["byte_mover_from"] = mover["department_id"]
    ids["byte_mover_to"] = next(d for d in byte_depts if d != mover["department_id"])
    sb.bytehr.update_employee(ids["byte_mover"], department_id=ids["byte_mover_to"])
    sb.bytehr.archive_custom_field(ARCHIVED_KEY)
    ids["cute_hire"] = sb.cutehr.add_employee(date_of_joining=local2.isoformat(), department_id=cute_depts[0])
    sb.cutehr.update_employee(ids["cute_leaver"], status="exited", date_of_exit=local2.isoformat())
    moved = next(e for e in sb.cutehr.records("employees") if e["id"] == ids["cute_mover"])
    sb.cutehr.update_employee(ids["cute_mover"],
                              department_id=next(d for d in cute_depts if d != moved["department_id"]))
    runs.append(_run_all(warehouse, sb, days[1]))
    sb.clock.set(days[2] - timedelta(hours=1))
    corrected = min((h for h in sb.hollyhr.records("employment_history")
                     if h["person_id"] == ids["holly_corrected"]), key=lambda h: h["start_date"])
    ids["corrected_entry"] = corrected["id"]
    sb.hollyhr.correct_history(corrected["id"], department="Corrected Dept")
    old_hire = date.fromisoformat(str(sb.bytehr.record("employees", ids["byte_rehired"])["hire_date"]))
    ids["byte_new_hire_date"] = old_hire - timedelta(days=30)
    sb.bytehr.update_employee(ids["byte_rehired"], hire_date=ids["byte_new_hire_date"].isoformat())
    runs.append(_run_all(warehouse, sb, days[2]))
    return Scenario(warehouse, runs, ids, final_records(sb))


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    destination = request.param
    postgres: PostgresServer | None = request.getfixturevalue("postgres_server") if destination == "postgres" else None
    root = tmp_path_factory.mktemp(f"history_{destination}")
    today = datetime.now(timezone.utc).date()
    first = datetime.combine(today - timedelta(days=5), time(RUN_HOUR_UTC), tzinfo=timezone.utc)
    with pytest.MonkeyPatch.context() as mp, Sandbox(clock=Clock(first), **SIZES) as sb:  # type: ignore[arg-type]
        warehouse = Warehouse(root, destination, mp, sb, postgres)
        for vendor in VENDORS:
            mp.setenv(f"SOURCES__{vendor.upper()}__TIMEZONE", ZONE)
        try:
            played = _play(warehouse, sb, first)
            result = warehouse.dbt(variables={"hr_today": played.today.isoformat()})
            assert_clean(result)  # unique keys, no overlapping intervals, headcount = intervals covering the day
            yield played
        finally:
            warehouse.close()


def test_attendance_reaches_the_tenants_today_and_every_day_loads_once(scenario: Scenario) -> None:
    sb = scenario.warehouse.sandbox
    windows = [(date.fromisoformat(str(e.arg("date_from"))), date.fromisoformat(str(e.arg("date_to"))))
               for e in sb.cutehr.requests() if e.path.endswith("/attendance") and e.status == 200]
    assert max(end for _, end in windows) == scenario.today  # 07:00 at UTC+11 while UTC is still a day behind
    first = min(start for start, _ in windows)
    days = {first + timedelta(days=k) for k in range((scenario.today - first).days + 1)}
    assert days <= {start + timedelta(days=k) for start, end in windows for k in range((end - start).days + 1)}
    loaded = scenario.warehouse.scalar(
        f"select count(*) from cutehr.attendance where \"date\" between '{first}' and '{scenario.today}'")
    assert loaded == sb.cutehr.attendance_count(first, scenario.today)


def test_headcount_hires_and_leavers_match_the_vendors_records(scenario: Scenario) -> None:
    headcount, hires, leavers = expected_headcount(scenario.warehouse.sandbox, scenario.runs, scenario.today)
    rows = scenario.warehouse.query(
        'select vendor, "date", department, headcount, hires, leavers from hr_unified.hr_headcount_daily')
    got_headcount: Counter[Any] = Counter()
    got_hires: Counter[Any] = Counter()
    got_leavers: Counter[Any] = Counter()
    for vendor, day, department, count, hired, left in rows:
        key = (vendor, _as_date(day), department)
        got_headcount[key] += count
        got_hires[key] += hired
        got_leavers[key] += left
    assert +got_headcount == +headcount
    assert +got_hires == +hires
    assert +got_leavers == +leavers
    assert max(_as_date(r[1]) for r in rows) == scenario.today  # to the tenant's today, not UTC's


def test_a_department_move_is_dated_by_the_run_that_saw_it_in_the_tenants_zone(scenario: Scenario) -> None:
    mover = str(scenario.ids["byte_mover"])
    observed = scenario.intervals("bytehr", mover, "observed")
    second = scenario.runs[1].day
    assert [(r[0], r[1]) for r in observed] == [(scenario.runs[0].day, second - timedelta(days=1)), (second, None)]
    assert observed[0][2] != observed[1][2]
    effective = scenario.intervals("bytehr", mover, "effective")
    assert effective[-1][0] == second and effective[-1][2] == observed[1][2]
    hire = scenario.final["bytehr"][mover]["hire_date"]
    assert effective[0][0] == date.fromisoformat(str(hire))  # the first state reaches back to the hire date


def test_a_future_dated_change_is_not_current_before_its_date(scenario: Scenario) -> None:
    future = scenario.ids["future_day"]
    effective = scenario.intervals("hollyhr", scenario.ids["holly_future"], "effective")
    assert effective[-1][:3] == (future, None, "Future Team") and effective[-1][4] is False
    current = [r for r in effective if r[4]]
    assert len(current) == 1 and current[0][1] == future - timedelta(days=1) and current[0][2] != "Future Team"
    counted = scenario.warehouse.scalar(
        "select sum(headcount) from hr_unified.hr_headcount_daily "
        f"where vendor = 'hollyhr' and department = 'Future Team' and \"date\" = '{scenario.today}'")
    assert not counted  # nobody is in the future team today


def test_a_retroactive_correction_rewrites_effective_only(scenario: Scenario) -> None:
    holly = scenario.ids["holly_corrected"]
    entry = scenario.final["history"][scenario.ids["corrected_entry"]]
    effective = scenario.intervals("hollyhr", holly, "effective")
    assert (date.fromisoformat(entry["start_date"]), "Corrected Dept") in [(r[0], r[2]) for r in effective]
    assert "Corrected Dept" not in [r[2] for r in scenario.intervals("hollyhr", holly, "observed")]
    byte = str(scenario.ids["byte_rehired"])
    assert scenario.intervals("bytehr", byte, "effective")[0][0] == scenario.ids["byte_new_hire_date"]
    observed = scenario.intervals("bytehr", byte, "observed")
    assert [r[0] for r in observed] == [scenario.runs[0].day]  # the hire date is no observed state change


def test_leavers_keep_their_history_then_one_terminated_interval(scenario: Scenario) -> None:
    for vendor, key in (("hollyhr", "holly_leaver"), ("bytehr", "byte_leaver"), ("cutehr", "cute_leaver")):
        effective = scenario.intervals(vendor, str(scenario.ids[key]), "effective")
        assert len(effective) >= 2, (vendor, effective)
        assert [r[3] in EMPLOYED for r in effective] == [True] * (len(effective) - 1) + [False], (vendor, effective)
        assert effective[-1][1] is None and effective[-2][1] == effective[-1][0] - timedelta(days=1)
        observed = scenario.intervals(vendor, str(scenario.ids[key]), "observed")
        assert observed[0][0] == scenario.runs[0].day and observed[-1][3] == "terminated", (vendor, observed)


def test_hires_start_on_their_date(scenario: Scenario) -> None:
    for vendor, key in (("hollyhr", "holly_hire"), ("bytehr", "byte_hire"), ("cutehr", "cute_hire")):
        effective = scenario.intervals(vendor, str(scenario.ids[key]), "effective")
        assert effective and effective[0][0] == scenario.runs[1].day and effective[0][3] == "active", vendor


def test_an_archived_custom_field_keeps_its_last_value_open(scenario: Scenario) -> None:
    rows = scenario.warehouse.query(
        "select employee_id, value, valid_from, valid_to, archived from hr_unified.hr_custom_field_history "
        f"where \"key\" = '{ARCHIVED_KEY}'")
    assert rows
    for _employee, value, valid_from, valid_to, archived in rows:
        assert archived is True and value is not None and valid_to is None
        assert _as_date(valid_from) == scenario.runs[0].day
    values = scenario.warehouse.query(
        "select value_number, value_boolean from hr_unified.hr_custom_field_history where \"key\" = 'badge_number'")
    assert values and all(number is not None and boolean is None for number, boolean in values)


def test_date_only_fields_are_the_vendors_days(scenario: Scenario) -> None:
    rows = dict(scenario.warehouse.query(
        "select source_id, hire_date from hr_unified.hr_employees where provider = 'bytehr'"))
    for employee, record in scenario.final["bytehr"].items():
        assert _as_date(rows[employee]) == date.fromisoformat(str(record["hire_date"])[:10])


def _doc_queries() -> list[str]:
    text = (Path(__file__).resolve().parents[2] / "docs" / "dbt-history.md").read_text()
    return [q for q in re.findall(r"```sql\n(.*?)```", text, re.S) if "{{" not in q]


def test_the_queries_in_the_docs_answer(scenario: Scenario) -> None:
    monthly, moves, timelines, custom = _doc_queries()
    rows = scenario.warehouse.query(monthly)
    assert rows and {r[0] for r in rows} == set(VENDORS)
    ends = scenario.warehouse.query(
        "select vendor, \"date\", department, headcount from hr_unified.hr_headcount_daily as d where \"date\" in "
        "(select month_end from hr_unified.hr_headcount_monthly)")
    assert sorted((r[0], _as_date(r[2]), r[3], r[4]) for r in rows) == sorted(
        (r[0], _as_date(r[1]), r[2], r[3]) for r in ends)
    scenario.warehouse.query(moves)  # last quarter: runs as written (the scenario's moves are this week)
    recent = moves.replace("date_trunc('quarter', current_date) - interval '3 months'",
                           f"cast('{scenario.runs[0].day}' as date)").replace(
        "date_trunc('quarter', current_date)", f"cast('{scenario.today + timedelta(days=1)}' as date)")
    moved = {(r[0], r[1]) for r in scenario.warehouse.query(recent)}
    assert ("hollyhr", scenario.ids["holly_mover"]) in moved
    assert ("bytehr", str(scenario.ids["byte_mover"])) in moved
    assert scenario.warehouse.query(timelines)
    scenario.warehouse.query(custom)
