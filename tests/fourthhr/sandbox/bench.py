"""FourthHR's bench scenario, like a real vendor's ``sandbox/<vendor>/bench.py``: sizes, floors, the 1% change."""

from __future__ import annotations

import random
from typing import Any

from bench.specs import Floor, Scenario, Size, host_port, pages, sample
from tests.fourthhr import MAX_PAGE_SIZE, PROVIDER


class FourthHR(Scenario):
    """One list, inclusive ``updated_since`` over offset pages; removed workers stay listed."""

    name = PROVIDER
    smoke = {"workers": 130}
    resources = ("workers",)
    incremental_resources = resources
    page_size = MAX_PAGE_SIZE
    incremental_note = "`updated_since` on workers (inclusive: the newest record of the last run comes again)"

    def ladder(self, quick: bool) -> list[Size]:
        if quick:
            return [Size("200", {"workers": 200}), Size("1k", {"workers": 1_000}, big=True)]
        return [Size("1k", {"workers": 1_000}), Size("10k", {"workers": 10_000}, big=True)]

    def sandbox_kwargs(self, size: Size) -> dict[str, Any]:
        return {"workers": size.params["workers"]}

    def env(self, size: Size) -> dict[str, str]:
        return {"SOURCES__FOURTHHR__PAGE_SIZE": str(self.page_size)}  # the floor counts the API's largest page

    def classify(self, path: str) -> str:
        rest = path.split("/api", 1)[-1].split("?", 1)[0].rstrip("/")
        return {"/workers": "workers"}.get(rest, f"other:{rest}")

    def full_floor(self, app: Any, size: Size) -> Floor:
        floor = Floor()
        n = len(app.records())
        floor.requests["workers"], floor.rows["workers"] = pages(n, self.page_size), n
        return floor

    def snapshot(self, app: Any) -> str:
        return max((r["updated_at"] for r in app.records()), default="")

    def incremental_floor(self, app: Any, size: Size, snap: str) -> Floor:
        floor = Floor()
        sent = [r for r in app.records() if r["updated_at"] >= snap]  # the filter is inclusive
        floor.requests["workers"], floor.rows["workers"] = pages(len(sent), self.page_size), len(sent)
        return floor

    def mutate(self, app: Any, fraction: float, rng: random.Random) -> dict[str, int]:
        workers = sample(app.ids(), fraction, rng)
        for i, wid in enumerate(workers):
            app.update(wid, team=f"bench-team-{i % 5}")
        return {"workers": len(workers)}

    def probe_plan(self, app: Any, size: Size) -> dict[str, Any]:
        host, port, base = host_port(app.base_url)
        endpoints = [{"resource": "workers", "targets": [f"{base}/workers?limit={self.page_size}"], "repeat": 25,
                      "arrow": True, "selector": "data"}]
        return {"host": host, "port": port, "endpoints": endpoints,
                "headers": {"X-Api-Key": app.credentials()["api_key"], "Accept": "application/json"}}
