"""A history scenario against the sandbox: three daily runs with hires, leavers, department moves, a
future-dated change, retroactive corrections and an archived custom field, for a tenant at UTC+11.

What the warehouse should say is computed here from the sandbox's own records (as each run saw them
and as they are at the end), never from the models: the expected effective headcount of every vendor,
department and day, and the intervals of the people the scenario changed.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ZONE = "Etc/GMT-11"  # UTC+11 (POSIX signs)
RUN_HOUR_UTC = 20  # 07:00 the next day at UTC+11: the tenant's day is one ahead of UTC's
SIZES: dict[str, dict[str, Any]] = {
    "hollyhr": {"people": 24, "history_per_person": 2, "rate_limits": False},
    "bytehr": {"employees": 24},
    "cutehr": {"employees": 20, "timezone": ZONE},
}
EMPLOYED = ("active", "on_leave", "notice_period")


def local_day(moment: datetime) -> date:
    """The tenant's date of a UTC moment."""
    return moment.astimezone(ZoneInfo(ZONE)).date()


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


@dataclass
class Seen:
    """What one run saw of the vendors whose changes are dated only by observation."""

    day: date  # the run's local date
    departments: dict[str, dict[str, str | None]] = field(default_factory=dict)  # vendor -> employee -> dept


def snapshot(sb: Any, day: date) -> Seen:
    """The departments of ByteHR's and CuteHR's employees as a run on `day` sees them."""
    seen = Seen(day)
    byte_depts = {d["id"]: d["name"] for d in sb.bytehr.records("departments")}
    cute_depts = {d["id"]: d["name"] for d in sb.cutehr.records("departments")}
    seen.departments["bytehr"] = {str(e["id"]): byte_depts.get(e["department_id"])
                                  for e in sb.bytehr.records("employees")}
    seen.departments["cutehr"] = {str(e["id"]): cute_depts.get(e["department_id"])
                                  for e in sb.cutehr.records("employees")}
    return seen


def _observed_department(runs: list[Seen], vendor: str, employee: str, day: date) -> str | None:
    """The department of the latest run on or before `day` that saw the employee (the first run before them)."""
    seen = [run for run in runs if employee in run.departments[vendor]]
    current = seen[0].departments[vendor][employee]
    for run in seen:
        if run.day <= day:
            current = run.departments[vendor][employee]
    return current


Key = tuple[str, date, str | None]  # vendor, day, department


def expected_headcount(sb: Any, runs: list[Seen], today: date) -> tuple[Counter[Key], Counter[Key], Counter[Key]]:
    """Headcount, hires and leavers per vendor, day and department, from the sandbox's records."""
    headcount: Counter[Key] = Counter()
    hires: Counter[Key] = Counter()
    leavers: Counter[Key] = Counter()

    def count(vendor: str, start: date | None, end: date | None, department_on: Any) -> None:
        if start is None:
            return
        last = min(end, today) if end is not None else today
        day = start
        while day <= last:
            headcount[(vendor, day, department_on(day))] += 1
            day += timedelta(days=1)
        if start <= today:
            hires[(vendor, start, department_on(start))] += 1
        if end is not None and end <= today:
            leavers[(vendor, end, department_on(end))] += 1

    entries: dict[str, list[tuple[date, date, str | None]]] = {}
    for row in sb.hollyhr.records("employment_history"):
        entries.setdefault(row["person_id"], []).append((_day(row["start_date"]), _day(row["end_date"]) or date.max,
                                                         row["department"]))
    people = {p["id"]: p for p in sb.hollyhr.records("people")}
    for row in sb.hollyhr.records("employments"):
        entries.setdefault(row["person_id"], []).append((_day(row["start_date"]), date.max, row["department"]))
    for pid, person in people.items():
        ordered = sorted(entries.get(pid, [(_day(person["start_date"]), date.max, person["department"])]))

        def holly_department(day: date, ordered: list[tuple[date, date, str | None]] = ordered) -> str | None:
            return [dept for start, _, dept in ordered if start <= day][-1]

        count("hollyhr", _day(person["start_date"]), _day(person["end_date"]), holly_department)
    for vendor, rows, hired, left in (("bytehr", sb.bytehr.records("employees"), "hire_date", "termination_date"),
                                      ("cutehr", sb.cutehr.records("employees"), "date_of_joining", "date_of_exit")):
        for row in rows:
            employee = str(row["id"])
            count(vendor, _day(row[hired]), _day(row[left]),
                  lambda day, vendor=vendor, employee=employee: _observed_department(runs, vendor, employee, day))
    return headcount, hires, leavers


def final_records(sb: Any) -> dict[str, Any]:
    """A copy of the records the assertions look up by id at the end."""
    return {
        "people": {p["id"]: copy.deepcopy(p) for p in sb.hollyhr.records("people")},
        "history": {h["id"]: copy.deepcopy(h) for h in sb.hollyhr.records("employment_history")},
        "bytehr": {str(e["id"]): copy.deepcopy(e) for e in sb.bytehr.records("employees")},
    }
