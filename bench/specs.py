"""What the bench knows per vendor: sizes, sandbox settings, request floors, the 1% change, probes.

A floor is what the API makes necessary and nothing more: ``ceil(rows / max page size)``
requests per resource (at least one: an empty list still has to be asked), child requests only
for the people that changed, the vendor's own fixed costs (CuteHR's login, its 31-day attendance
windows). Floors are computed from the sandbox's own data, never from what a run did.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

UTC = timezone.utc


def pages(rows: int, page_size: int) -> int:
    """Requests to read `rows` records: at least one, since an empty list must be asked too."""
    return max(1, math.ceil(rows / page_size))


@dataclass
class Size:
    """One point of a vendor's size ladder."""

    label: str  # e.g. "10k"
    params: dict[str, Any]  # the vendor spec's own knobs (employees, attendance rows, ...)
    big: bool = False  # the size the throughput targets are judged on


@dataclass
class Floor:
    """Requests and rows a run cannot do with less."""

    requests: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def as_dict(self) -> dict[str, Any]:
        return {"requests": dict(self.requests), "requests_total": self.total, "rows": dict(self.rows),
                "rows_total": sum(self.rows.values())}


class VendorSpec:
    """Base class: one vendor's bench settings."""

    name = ""
    resources: tuple[str, ...] = ()
    incremental_note = ""  # what "incremental" means for this vendor, for the README
    incremental_resources: tuple[str, ...] = ()  # resources with an update filter: one page when nothing changed

    def __init__(self, today: date) -> None:
        self.today = today

    # sizes ------------------------------------------------------------------------------------
    def ladder(self, quick: bool) -> list[Size]:
        raise NotImplementedError

    def sandbox_kwargs(self, size: Size) -> dict[str, Any]:
        raise NotImplementedError

    def env(self, size: Size) -> dict[str, str]:
        """Extra settings for our source (e.g. pacing off: the sandbox's limits are off too)."""
        return {}

    def baseline_kwargs(self, size: Size, phase: str) -> dict[str, Any]:
        return {}

    # requests -----------------------------------------------------------------------------
    def classify(self, path: str) -> str:
        raise NotImplementedError

    def full_floor(self, app: Any, size: Size) -> Floor:
        raise NotImplementedError

    def snapshot(self, app: Any) -> Any:
        """What an incremental floor needs to know about the data as of the last sync."""
        return None

    def incremental_floor(self, app: Any, size: Size, snap: Any) -> Floor:
        raise NotImplementedError

    def mutate(self, app: Any, fraction: float, rng: random.Random) -> dict[str, int]:
        raise NotImplementedError

    # physical floor probe --------------------------------------------------------------------
    def probe_plan(self, app: Any, size: Size) -> dict[str, Any]:
        raise NotImplementedError


def _sample(items: list[Any], fraction: float, rng: random.Random) -> list[Any]:
    k = max(1, round(len(items) * fraction)) if items else 0
    return rng.sample(items, k)


def _host_port(base_url: str) -> tuple[str, int, str]:
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    return parts.hostname or "127.0.0.1", int(parts.port or 80), parts.path.rstrip("/")


def _k(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k" if n >= 1000 else str(n)


# --- HollyHR -----------------------------------------------------------------------------------


class HollyHR(VendorSpec):
    """Cursor pages and ``updated_since``; employment and history per person (two requests each)."""

    name = "hollyhr"
    resources = ("people", "employments", "employment_history", "time_off", "documents")
    lists = ("people", "time_off", "documents")
    incremental_resources = lists
    page_size = 200
    incremental_note = ("`updated_since` on people, time off and documents; employment and history only for "
                        "changed people")
    # per person: 2 time-off requests, 1 document, 2 past positions (the sandbox's defaults), the
    # current employment: 7 rows and 2 child requests per person
    per_person = {"time_off_per_person": 2, "documents_per_person": 1, "history_per_person": 2}

    def ladder(self, quick: bool) -> list[Size]:
        if quick:
            return [Size("200", {"people": 200}), Size("1k", {"people": 1000}, big=True)]
        # 25k at the top, not 100k: a full HollyHR sync reads two child endpoints per person, so
        # 100k people are 200k requests (hours on the real API's 600 a minute per route, ~10 min
        # here with the baseline); the per-request cost is what scales, and 25k shows it
        return [Size("1k", {"people": 1_000}), Size("5k", {"people": 5_000}),
                Size("25k", {"people": 25_000}, big=True)]

    def sandbox_kwargs(self, size: Size) -> dict[str, Any]:
        # rate limits off, and a route limit no run reaches: HollyHR sends RateLimit headers
        # either way, and the connector paces by them
        return {"people": size.params["people"], **self.per_person, "rate_limits": False,
                "route_limit": 10**9, "preauth_limit": 10**9}

    def classify(self, path: str) -> str:
        rest = path.split("/api/v1", 1)[-1].rstrip("/")
        if rest.startswith("/people/") and rest.endswith("/employment"):
            return "employments"
        if rest.startswith("/people/") and rest.endswith("/employment-history"):
            return "employment_history"
        return {"/people": "people", "/time-off": "time_off", "/documents": "documents"}.get(rest, f"other:{rest}")

    def full_floor(self, app: Any, size: Size) -> Floor:
        floor = Floor()
        for name in self.lists:
            n = app.count(name)
            floor.requests[name], floor.rows[name] = pages(n, self.page_size), n
        history = app.records("employment_history")
        per_person: dict[str, int] = {}
        for h in history:
            per_person[h["person_id"]] = per_person.get(h["person_id"], 0) + 1
        people = app.person_ids()
        floor.requests["employments"], floor.rows["employments"] = len(people), app.count("employments")
        floor.requests["employment_history"] = sum(pages(per_person.get(p, 0), self.page_size) for p in people)
        floor.rows["employment_history"] = len(history)
        return floor

    def snapshot(self, app: Any) -> dict[str, str]:
        return {name: max((r["updated_at"] for r in app.records(name)), default="") for name in self.lists}

    def incremental_floor(self, app: Any, size: Size, snap: dict[str, str]) -> Floor:
        floor = Floor()
        changed: set[str] = set()
        for name in self.lists:
            records = app.records(name)
            # the filter is inclusive: the records at the last synced updated_at come again
            sent = [r for r in records if r["updated_at"] >= snap[name]]
            floor.requests[name], floor.rows[name] = pages(len(sent), self.page_size), len(sent)
            if name == "people":
                changed = {r["id"] for r in records if r["updated_at"] > snap[name]}
        history = [h for h in app.records("employment_history") if h["person_id"] in changed]
        floor.requests["employments"], floor.rows["employments"] = len(changed), len(changed)
        floor.requests["employment_history"] = len(changed)  # at most 200 entries per person: one page each
        floor.rows["employment_history"] = len(history)
        return floor

    def mutate(self, app: Any, fraction: float, rng: random.Random) -> dict[str, int]:
        people = _sample(app.person_ids(), fraction, rng)
        for i, pid in enumerate(people):
            app.update_person(pid, job_title=f"Bench Title {i % 7}")  # the employment changes with it
        time_off = _sample([r["id"] for r in app.records("time_off")], fraction, rng)
        for tid in time_off:
            app.update_time_off(tid, status="cancelled")
        documents = _sample([r["id"] for r in app.records("documents")], fraction, rng)
        for did in documents:
            app.update_document(did, title="Bench re-titled")
        return {"people": len(people), "time_off": len(time_off), "documents": len(documents)}

    def probe_plan(self, app: Any, size: Size) -> dict[str, Any]:
        host, port, base = _host_port(app.base_url)
        ids = app.person_ids()
        step = max(1, len(ids) // 200)
        some = ids[::step][:200]
        lists = {"people": "/people", "time_off": "/time-off", "documents": "/documents"}
        endpoints = [{"resource": r, "targets": [f"{base}{p}?limit={self.page_size}"], "repeat": 25, "arrow": True,
                      "selector": "data"} for r, p in lists.items()]
        endpoints.append({"resource": "employments", "targets": [f"{base}/people/{p}/employment" for p in some],
                          "repeat": 1, "arrow": True, "selector": None})
        endpoints.append({"resource": "employment_history",
                          "targets": [f"{base}/people/{p}/employment-history?limit={self.page_size}" for p in some],
                          "repeat": 1, "arrow": True, "selector": "data"})
        token = app.credentials()["api_token"]
        return {"host": host, "port": port, "endpoints": endpoints,
                "headers": {"Authorization": f"Bearer {token}", "Accept": "application/json"}}


# --- CuteHR ------------------------------------------------------------------------------------


class CuteHR(VendorSpec):
    """Next links, a login, leaves by ``modified_since``, attendance in windows of at most 31 days."""

    name = "cutehr"
    resources = ("login", "employees", "departments", "leaves", "attendance")
    incremental_resources = ("leaves",)
    page_size = 200
    window_days = 31
    lookback_days = 7
    incremental_note = ("employees and departments read whole (contract), leaves by `modified_since`, "
                        "attendance: the 7-day look-back window")

    def ladder(self, quick: bool) -> list[Size]:
        if quick:
            return [Size("200/2k", {"employees": 200, "attendance": 2_000}),
                    Size("1k/20k", {"employees": 1_000, "attendance": 20_000}, big=True)]
        return [Size("1k/100k", {"employees": 1_000, "attendance": 100_000}),
                Size("10k/100k", {"employees": 10_000, "attendance": 100_000}),
                Size("100k/1M", {"employees": 100_000, "attendance": 1_000_000}, big=True)]

    def attendance_start(self, size: Size) -> date:
        # weekdays back from today so that employees x weekdays ~ the attendance rows wanted
        # (~90% of employees are employed on a given day)
        weekdays = max(1, math.ceil(size.params["attendance"] / (0.9 * size.params["employees"])))
        day, counted = self.today, 0
        while True:
            if day.weekday() < 5:
                counted += 1
                if counted >= weekdays:
                    return day
            day -= timedelta(days=1)

    def sandbox_kwargs(self, size: Size) -> dict[str, Any]:
        return {"employees": size.params["employees"], "rate_limits": False,
                "attendance_start": self.attendance_start(size)}

    def env(self, size: Size) -> dict[str, str]:
        return {"SOURCES__CUTEHR__ATTENDANCE_START_DATE": self.attendance_start(size).isoformat(),
                "SOURCES__CUTEHR__REQUESTS_PER_MINUTE": "0"}

    def baseline_kwargs(self, size: Size, phase: str) -> dict[str, Any]:
        start = self.attendance_start(size) if phase == "full" else self.today - timedelta(days=self.lookback_days)
        return {"attendance_from": start.isoformat(), "today": self.today.isoformat()}

    def classify(self, path: str) -> str:
        rest = path.rstrip("/")
        known = {"/api/v1/auth/login": "login", "/api/v1/employees": "employees",
                 "/api/v1/departments": "departments", "/api/v1/leaves": "leaves", "/api/v1/attendance": "attendance"}
        return known.get(rest, f"other:{rest}")

    def _windows(self, start: date, end: date) -> list[tuple[date, date]]:
        out = []
        while start <= end:
            last = min(start + timedelta(days=self.window_days - 1), end)
            out.append((start, last))
            start = last + timedelta(days=1)
        return out

    def _attendance(self, app: Any, start: date) -> tuple[int, int]:
        requests = rows = 0
        for first, last in self._windows(start, self.today):
            n = app.attendance_count(first, last)
            requests, rows = requests + pages(n, self.page_size), rows + n
        return requests, rows

    def full_floor(self, app: Any, size: Size) -> Floor:
        floor = Floor(requests={"login": 1}, rows={"login": 0})
        for name in ("employees", "departments", "leaves"):
            n = app.count(name)
            floor.requests[name], floor.rows[name] = pages(n, self.page_size), n
        floor.requests["attendance"], floor.rows["attendance"] = self._attendance(app, self.attendance_start(size))
        return floor

    def snapshot(self, app: Any) -> str:
        return max((r["modified_at"] for r in app.records("leaves")), default="")

    def incremental_floor(self, app: Any, size: Size, snap: str) -> Floor:
        floor = Floor(requests={"login": 1}, rows={"login": 0})
        for name in ("employees", "departments"):  # no filter in the API: read whole every run
            n = app.count(name)
            floor.requests[name], floor.rows[name] = pages(n, self.page_size), n
        sent = sum(1 for r in app.records("leaves") if r["modified_at"] >= snap)
        floor.requests["leaves"], floor.rows["leaves"] = pages(sent, self.page_size), sent
        start = max(self.attendance_start(size), self.today - timedelta(days=self.lookback_days))
        floor.requests["attendance"], floor.rows["attendance"] = self._attendance(app, start)
        return floor

    def mutate(self, app: Any, fraction: float, rng: random.Random) -> dict[str, int]:
        employees = _sample([r["id"] for r in app.records("employees")], fraction, rng)
        for i, eid in enumerate(employees):
            app.update_employee(eid, designation=f"Bench Designation {i % 5}")
        leaves = _sample([r["id"] for r in app.records("leaves")], fraction, rng)
        for lid in leaves:
            app.update_leave(lid, status="cancelled")
        recent = app.attendance_records(self.today - timedelta(days=self.lookback_days) + timedelta(days=1),
                                        self.today - timedelta(days=1))
        corrected = _sample([(r["employee_id"], r["date"]) for r in recent], fraction, rng)
        for eid, day in corrected:
            app.correct_attendance(eid, day, worked_hours=7.77)
        return {"employees": len(employees), "leaves": len(leaves), "attendance": len(corrected)}

    def probe_plan(self, app: Any, size: Size) -> dict[str, Any]:
        host, port, _ = _host_port(app.base_url)
        first = max(self.attendance_start(size), self.today - timedelta(days=self.window_days - 1))
        ps = self.page_size
        endpoints = [{"resource": r, "targets": [f"/api/v1/{r}?page_size={ps}"], "repeat": 25, "arrow": True,
                      "selector": "results"} for r in ("employees", "departments", "leaves")]
        endpoints.append({"resource": "attendance", "repeat": 25, "arrow": True, "selector": "results",
                          "targets": [f"/api/v1/attendance?date_from={first}&date_to={self.today}&page_size={ps}"]})
        creds = app.credentials()
        return {"host": host, "port": port, "endpoints": endpoints, "headers": {"Accept": "application/json"},
                "login": {"url": app.base_url.rstrip("/") + "/api/v1/auth/login", "body": creds}}


# --- ByteHR ------------------------------------------------------------------------------------


class ByteHR(VendorSpec):
    """Page numbers, no update filter: every sync walks every list (a snapshot API)."""

    name = "bytehr"
    resources = ("custom_field_definitions", "departments", "positions", "employees", "leave_requests")
    paths = {"custom_field_definitions": "/custom-fields", "departments": "/departments", "positions": "/positions",
             "employees": "/employees", "leave_requests": "/leave-requests"}
    page_size = 100
    incremental_note = "none in the API: every run walks every list (deletes found by complete walks)"

    def ladder(self, quick: bool) -> list[Size]:
        if quick:
            return [Size("200", {"employees": 200}), Size("1k", {"employees": 1000}, big=True)]
        return [Size("1k", {"employees": 1_000}), Size("10k", {"employees": 10_000}),
                Size("100k", {"employees": 100_000}, big=True)]

    def sandbox_kwargs(self, size: Size) -> dict[str, Any]:
        n = size.params["employees"]
        # a company of n people: a department per ~40 people, a position per ~15, three leave
        # requests per person and year; the quota raised far above any run
        return {"employees": n, "departments": max(10, n // 40), "positions": max(25, n // 15),
                "leave_requests": 3 * n, "quota": 10**9, "rate_limits": False}

    def env(self, size: Size) -> dict[str, str]:
        # every run walks every list: by default a list walked less than its interval ago (24 h
        # for employees) is skipped without a request, which would make re-runs free here
        return {"SOURCES__BYTEHR__MIN_INTERVAL_HOURS": '{"*": 0}'}

    def classify(self, path: str) -> str:
        rest = path.split("/api", 1)[-1].rstrip("/")
        for name, p in self.paths.items():
            if rest == p:
                return name
        return f"other:{rest}"

    def full_floor(self, app: Any, size: Size) -> Floor:
        floor = Floor()
        for name in self.resources:
            n = app.count("custom_fields" if name == "custom_field_definitions" else name)
            floor.requests[name], floor.rows[name] = pages(n, self.page_size), n
        return floor

    def incremental_floor(self, app: Any, size: Size, snap: Any) -> Floor:
        return self.full_floor(app, size)  # no filter by update time: the whole snapshot, every run

    def mutate(self, app: Any, fraction: float, rng: random.Random) -> dict[str, int]:
        employees = _sample(app.ids("employees"), fraction, rng)
        for eid in employees:
            app.update_employee(eid, employment_status="on_leave")
        leaves = _sample(app.ids("leave_requests"), fraction, rng)
        for lid in leaves:
            app.update_record("leave_requests", lid, status="cancelled")
        return {"employees": len(employees), "leave_requests": len(leaves)}

    def probe_plan(self, app: Any, size: Size) -> dict[str, Any]:
        host, port, base = _host_port(app.base_url)
        endpoints = [{"resource": r, "targets": [f"{base}{p}?limit={self.page_size}&currentpage=1"], "repeat": 25,
                      "arrow": True, "selector": "data", "pivot": "custom_fields" if r == "employees" else None}
                     for r, p in self.paths.items()]
        return {"host": host, "port": port, "endpoints": endpoints,
                "headers": {"X-API-Key": app.credentials()["api_key"], "Accept": "application/json"}}


SPECS: dict[str, type[VendorSpec]] = {"hollyhr": HollyHR, "cutehr": CuteHR, "bytehr": ByteHR}


def make_specs(names: Iterable[str], now: datetime | None = None) -> list[VendorSpec]:
    today = (now or datetime.now(UTC)).date()
    return [SPECS[n](today) for n in names]
