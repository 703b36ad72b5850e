"""ByteHR's bench scenario: sizes, sandbox settings, request floors, the 1% change, the probe plan."""

from __future__ import annotations

import random
from typing import Any

from bench.specs import Floor, Scenario, Size, host_port, pages, sample


class ByteHR(Scenario):
    """Page numbers, no update filter: every sync walks every list (a snapshot API)."""

    name = "bytehr"
    floor_note = ("ByteHR has no update filter, so every run is a full walk: the bench sets `min_interval_hours` "
                  "to 0, without which a re-run within 24 h sends no request")
    smoke = {"employees": 40}
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

    wan_size = Size("1k", {"employees": 1_000})
    rate_note = "no per-second limit; a monthly quota (raised above the run)"

    def wan_sandbox_kwargs(self, size: Size, service_s: float) -> dict[str, Any]:
        return {**self.sandbox_kwargs(size), "rate_limits": True, "latency": {"fixed_s": service_s}}

    def wan_env(self, size: Size) -> dict[str, str]:
        return self.env(size)

    def env(self, size: Size) -> dict[str, str]:
        # every run walks every list: the quota is far above any run, and unpaced runs say so plainly
        return {"SOURCES__BYTEHR__QUOTA_PACING": "off"}

    resume_size = Size("10k", {"employees": 10_000})
    resume_quick = Size("2k", {"employees": 2_000})
    checkpoint_pages = 5  # sources/bytehr/settings.py CHECKPOINT_PAGES, the default

    def resume_interval(self) -> dict[str, Any]:
        # a walk stops after 5 pages read in a chunk; dlt round-robins the walks' generators, so a chunk
        # holds up to 5 pages of each list that is still walking
        return {"note": f"{self.checkpoint_pages} pages a walk (checkpoint_pages) or 60 s",
                "requests": self.checkpoint_pages, "requests_bound": self.checkpoint_pages * len(self.resources),
                "seconds": 60}

    def checkpoints_off_env(self) -> dict[str, str]:
        return {**super().checkpoints_off_env(), "SOURCES__BYTEHR__CHECKPOINT_PAGES": str(10**9)}

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
        employees = sample(app.ids("employees"), fraction, rng)
        for eid in employees:
            app.update_employee(eid, employment_status="on_leave")
        leaves = sample(app.ids("leave_requests"), fraction, rng)
        for lid in leaves:
            app.update_record("leave_requests", lid, status="cancelled")
        return {"employees": len(employees), "leave_requests": len(leaves)}

    def probe_plan(self, app: Any, size: Size) -> dict[str, Any]:
        host, port, base = host_port(app.base_url)
        endpoints = [{"resource": r, "targets": [f"{base}{p}?limit={self.page_size}&currentpage=1"], "repeat": 25,
                      "arrow": True, "selector": "data", "pivot": "custom_fields" if r == "employees" else None}
                     for r, p in self.paths.items()]
        return {"host": host, "port": port, "endpoints": endpoints,
                "headers": {"X-API-Key": app.credentials()["api_key"], "Accept": "application/json"}}
