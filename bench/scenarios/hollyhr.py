"""HollyHR's bench scenario: sizes, sandbox settings, request floors, the 1% change, the probe plan."""

from __future__ import annotations

import random
from typing import Any

from bench.specs import Floor, Scenario, Size, host_port, pages, sample


class HollyHR(Scenario):
    """Cursor pages and ``updated_since``; employment and history per person (two requests each)."""

    name = "hollyhr"
    smoke = {"people": 40}
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

    wan_size = Size("1k", {"people": 1_000})
    route_limit, window_s = 600, 60.0  # documented: 600 requests a minute per route
    rate_note = "600 requests a minute per route"
    rate_target = 1.15  # the WAN target: elapsed / rate floor

    def wan_sandbox_kwargs(self, size: Size, service_s: float) -> dict[str, Any]:
        return {"people": size.params["people"], **self.per_person, "rate_limits": True,
                "route_limit": self.route_limit, "window_s": self.window_s, "latency": {"fixed_s": service_s}}

    def rate_floor(self, floor: Floor) -> tuple[float, str] | None:
        # every resource is its own route with its own window: the busiest one sets the pace
        busiest = max(floor.requests, key=lambda r: floor.requests[r])
        return floor.requests[busiest] / (self.route_limit / self.window_s), busiest

    resume_size = Size("5k", {"people": 5_000})
    resume_quick = Size("1k", {"people": 1_000})

    def resume_interval(self) -> dict[str, Any]:
        # a checkpoint comes at the first page boundary after 500 requests of work (a page of people
        # counts with its per-person requests): at most 500 + one page's 1 + 2 x 200 requests
        return {"note": "500 requests or 60 s (hr_elt.checkpoint), at a page of people", "requests": 500,
                "requests_bound": 500 + 1 + 2 * self.page_size, "seconds": 60}

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
        people = sample(app.person_ids(), fraction, rng)
        for i, pid in enumerate(people):
            app.update_person(pid, job_title=f"Bench Title {i % 7}")  # the employment changes with it
        time_off = sample([r["id"] for r in app.records("time_off")], fraction, rng)
        for tid in time_off:
            app.update_time_off(tid, status="cancelled")
        documents = sample([r["id"] for r in app.records("documents")], fraction, rng)
        for did in documents:
            app.update_document(did, title="Bench re-titled")
        return {"people": len(people), "time_off": len(time_off), "documents": len(documents)}

    def probe_plan(self, app: Any, size: Size) -> dict[str, Any]:
        host, port, base = host_port(app.base_url)
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
