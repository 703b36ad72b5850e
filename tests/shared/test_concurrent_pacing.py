"""Pacing shared by concurrent requests, and the ordered fan-out that makes them (no network: a fake clock)."""

from __future__ import annotations

import threading

import pytest

from sources._shared.fanout import fan_out
from sources._shared.http.pacing import RatePacer
from tests.shared.test_http_layer import FakeTime, response_with


def test_budget_counts_the_requests_still_in_flight() -> None:
    t = FakeTime()
    pacer = RatePacer(sleep=t.sleep, clock=lambda: t.now)
    for _ in range(3):
        pacer.before_request()
    # the first answer says 2 left; the two others in flight may not have been counted yet
    pacer.after_response(response_with({"RateLimit-Remaining": "2", "RateLimit-Reset": "10"}))
    pacer.request_done()
    pacer.before_request()
    assert t.slept and 10.0 <= t.slept[0] <= 10.1


def test_a_late_answer_from_the_previous_window_does_not_spend_the_new_one() -> None:
    t = FakeTime()
    pacer = RatePacer(sleep=t.sleep, clock=lambda: t.now)
    for _ in range(2):
        pacer.before_request()  # sent just before the server's window turned over (60 s)
    t.now = 59.5
    pacer.after_response(response_with({"RateLimit-Remaining": "598", "RateLimit-Reset": "60"}))  # new window
    pacer.request_done()
    pacer.after_response(response_with({"RateLimit-Remaining": "0", "RateLimit-Reset": "1"}))  # the old one's
    pacer.request_done()
    pacer.before_request()
    assert t.slept == []


def test_a_server_asked_wait_holds_the_route_once() -> None:
    t = FakeTime()
    pacer = RatePacer(sleep=t.sleep, clock=lambda: t.now)
    assert pacer.hold(2.0) is True
    assert pacer.hold(2.0) is False  # another worker's refusal of the same moment: the same hold
    pacer.before_request()
    assert pacer.holds == 1 and len(t.slept) == 1 and 2.0 <= t.slept[0] <= 2.1
    assert pacer.hold(2.0) is True  # a later refusal is a new hold
    assert pacer.holds == 2


def test_in_flight_bound_is_one_until_the_first_answer_then_the_window_limit() -> None:
    pacer = RatePacer(max_in_flight=8)
    assert pacer.in_flight_bound == 1
    pacer.after_response(response_with({"RateLimit-Limit": "3", "RateLimit-Remaining": "2", "RateLimit-Reset": "1"}))
    assert pacer.in_flight_bound == 3
    assert RatePacer(max_in_flight=8, honour_headers=False).in_flight_bound == 8


def test_bound_holds_across_threads() -> None:
    pacer = RatePacer(max_in_flight=3, honour_headers=False)
    lock = threading.Lock()
    now = [0]
    peak = [0]

    def request(_: int) -> None:
        pacer.before_request()
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        threading.Event().wait(0.002)
        with lock:
            now[0] -= 1
        pacer.request_done()

    list(fan_out(request, list(range(60)), 8))
    assert 1 <= peak[0] <= 3


def test_fan_out_yields_in_order() -> None:
    def slow_for_small(n: int) -> int:
        threading.Event().wait(0.001 * (10 - n % 10))  # earlier items finish later
        return n * n

    assert list(fan_out(slow_for_small, list(range(30)), 5)) == [n * n for n in range(30)]


def test_fan_out_stops_at_the_first_failure() -> None:
    calls: list[int] = []
    lock = threading.Lock()
    failed = threading.Event()

    def call(n: int) -> int:
        with lock:
            calls.append(n)
        if n == 3:
            failed.set()
            raise ValueError("refused")
        failed.wait(10)  # the calls running beside the failing one end after it
        return n

    got: list[int] = []
    with pytest.raises(ValueError, match="refused"):
        for value in fan_out(call, list(range(100)), 4):
            got.append(value)
    assert got == [0, 1, 2]  # everything before the failure, nothing after it
    assert sorted(calls) == [0, 1, 2, 3]  # no call started after the failure
