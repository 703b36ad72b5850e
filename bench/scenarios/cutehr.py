"""CuteHR's bench scenario: sizes, sandbox settings, request floors, the 1% change, the probe plan."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

from bench.specs import Floor, Scenario, Size, host_port, pages, sample


class CuteHR(Scenario):
    """Next links, a login, leaves by ``modified_since``, attendance in windows of at most 31 days."""

    name = "cutehr"
    floor_note = "CuteHR's login and 31-day attendance windows"
    smoke = {"employees": 20, "attendance": 300}
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

    wan_size = Size("1k/31d", {"employees": 1_000, "days": 31})
    rate_limit, window_s = 120, 60.0  # documented: 120 requests a minute per token
    rate_note = "120 requests a minute per token"
    rate_target = 1.05  # the WAN target: elapsed / rate floor

    def wan_sandbox_kwargs(self, size: Size, service_s: float) -> dict[str, Any]:
        return {"employees": size.params["employees"], "rate_limits": True, "rate_limit": self.rate_limit,
                "window_s": self.window_s, "attendance_start": self.attendance_start(size),
                "latency": {"fixed_s": service_s}}

    def wan_env(self, size: Size) -> dict[str, str]:
        return {"SOURCES__CUTEHR__ATTENDANCE_START_DATE": self.attendance_start(size).isoformat()}

    def rate_floor(self, floor: Floor) -> tuple[float, str] | None:
        # one budget for every request of the token, the login included
        return floor.total / (self.rate_limit / self.window_s), "all requests"

    def attendance_start(self, size: Size) -> date:
        if "days" in size.params:  # the last `days` calendar days, today included
            return self.today - timedelta(days=size.params["days"] - 1)
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
        employees = sample([r["id"] for r in app.records("employees")], fraction, rng)
        for i, eid in enumerate(employees):
            app.update_employee(eid, designation=f"Bench Designation {i % 5}")
        leaves = sample([r["id"] for r in app.records("leaves")], fraction, rng)
        for lid in leaves:
            app.update_leave(lid, status="cancelled")
        recent = app.attendance_records(self.today - timedelta(days=self.lookback_days) + timedelta(days=1),
                                        self.today - timedelta(days=1))
        corrected = sample([(r["employee_id"], r["date"]) for r in recent], fraction, rng)
        for eid, day in corrected:
            app.correct_attendance(eid, day, worked_hours=7.77)
        return {"employees": len(employees), "leaves": len(leaves), "attendance": len(corrected)}

    def probe_plan(self, app: Any, size: Size) -> dict[str, Any]:
        host, port, _ = host_port(app.base_url)
        first = max(self.attendance_start(size), self.today - timedelta(days=self.window_days - 1))
        ps = self.page_size
        endpoints = [{"resource": r, "targets": [f"/api/v1/{r}?page_size={ps}"], "repeat": 25, "arrow": True,
                      "selector": "results"} for r in ("employees", "departments", "leaves")]
        endpoints.append({"resource": "attendance", "repeat": 25, "arrow": True, "selector": "results",
                          "targets": [f"/api/v1/attendance?date_from={first}&date_to={self.today}&page_size={ps}"]})
        creds = app.credentials()
        return {"host": host, "port": port, "endpoints": endpoints, "headers": {"Accept": "application/json"},
                "login": {"url": app.base_url.rstrip("/") + "/api/v1/auth/login", "body": creds}}
