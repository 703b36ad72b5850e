"""Service time in the sandbox: applied per vendor and per route, served concurrently, limits kept.

Checked at the server side (its counters), never by timing the client.
"""

from __future__ import annotations

import threading

import pytest
import requests

from sandbox import Sandbox
from sandbox.hollyhr import DEFAULT_TOKEN

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Accept": "application/json"}


def test_service_time_is_applied_per_route() -> None:
    latency = {"fixed_s": 0.01, "jitter_s": 0.0, "routes": {"/people*": (0.05, 0.0)}}
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 3, "latency": latency}) as sb:
        app = sb.hollyhr
        for _ in range(2):
            assert requests.get(app.base_url + "/people", headers=AUTH, timeout=10).status_code == 200
        requests.get(app.base_url + "/no-such-route", headers=AUTH, timeout=10)
        assert app.latency.applied == 3
        assert app.latency.seconds == pytest.approx(2 * 0.05 + 0.01)


def test_requests_are_served_concurrently_and_limits_stay_on() -> None:
    n = 4
    latency = {"fixed_s": 0.5}
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 3, "route_limit": 2, "latency": latency}) as sb:
        app = sb.hollyhr
        start = threading.Barrier(n)
        statuses: list[int] = []

        def call() -> None:
            start.wait()
            statuses.append(requests.get(app.base_url + "/people", headers=AUTH, timeout=30).status_code)

        threads = [threading.Thread(target=call) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert app.latency.max_in_flight > 1  # a serial server would show exactly 1
        assert app.latency.applied == n
        assert sorted(statuses) == [200, 200, 429, 429]  # the documented per-route limit still answers 429
