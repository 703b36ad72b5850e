"""Request pacing: stay under a vendor's rate limit instead of bouncing off its 429s."""

from __future__ import annotations

import collections
import re
import threading
import time
from collections.abc import Callable

from requests import Response

_COMBINED_FIELD = re.compile(r"(?:^|[,;\s])(limit|remaining|reset|r|t)\s*=\s*\"?(\d+(?:\.\d+)?)", re.IGNORECASE)


def parse_rate_limit_headers(response: Response) -> tuple[int | None, float | None]:
    """Reads (remaining, seconds-until-reset) from a response's rate-limit headers.

    Understands the split ``RateLimit-Remaining`` / ``RateLimit-Reset`` headers and the
    IETF draft's combined ``RateLimit`` header in both its forms
    (``limit=100, remaining=5, reset=30`` and ``"default";r=5;t=30``).
    """
    remaining_raw = response.headers.get("RateLimit-Remaining")
    reset_raw = response.headers.get("RateLimit-Reset")
    remaining = int(float(remaining_raw)) if remaining_raw and _is_number(remaining_raw) else None
    reset = float(reset_raw) if reset_raw and _is_number(reset_raw) else None
    combined = response.headers.get("RateLimit")
    if combined and (remaining is None or reset is None):
        fields = {k.lower(): float(v) for k, v in _COMBINED_FIELD.findall(combined)}
        if remaining is None:
            value = fields.get("remaining", fields.get("r"))
            remaining = int(value) if value is not None else None
        if reset is None:
            reset = fields.get("reset", fields.get("t"))
    return remaining, reset


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class RatePacer:
    """Decides how long to wait before each request, and how many may be in flight at once.

    Rules, each may be off:

    * ``max_requests`` per ``per_seconds`` on a rolling window, for vendors that publish a
      limit but send no headers (CuteHR). A rolling window never exceeds a fixed one.
    * The server's own ``RateLimit-*`` headers (HollyHR): the budget left in the window is the
      last ``RateLimit-Remaining`` less the requests sent since that the server may not have
      counted yet; when it falls to ``reserve``, every request waits until the window resets.
      Concurrent requests thereby never overrun a window the headers announced.
    * ``max_in_flight``: at most this many requests at once, and no more than the window's
      ``RateLimit-Limit`` less ``reserve``; with ``honour_headers``, one until the first answer
      has told the window's size.
    * A wait the server asked for (a 429's ``Retry-After``, see :meth:`hold`) holds every
      request of the route, not only the one that was refused.

    Thread-safe: one pacer is one route's budget, shared by every thread that calls it.
    Call :meth:`before_request` before and :meth:`request_done` after every attempt.
    """

    def __init__(
        self,
        max_requests: int | None = None,
        per_seconds: float = 60.0,
        reserve: int = 0,
        honour_headers: bool = True,
        max_in_flight: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_requests = max_requests
        self.per_seconds = per_seconds
        self.reserve = reserve
        self.honour_headers = honour_headers
        self.max_in_flight = max_in_flight
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Condition()
        self._sent: collections.deque[float] = collections.deque()
        self._blocked_until = 0.0
        self._budget: int | None = None  # requests left in the server's current window, as far as known
        self._window_end = 0.0
        self._window_limit: int | None = None
        self._in_flight = 0
        self._answered = False
        self.waited_seconds = 0.0
        self.holds = 0  # server-asked waits that held the route (one per refusal episode, not per thread)
        self.held_seconds = 0.0

    @property
    def in_flight_bound(self) -> int | None:
        """Requests allowed at once: ``max_in_flight``, lowered to what one window allows."""
        bound = self.max_in_flight
        if bound is not None and self.honour_headers and not self._answered:
            return 1  # the first answer tells the window's size: no burst before it
        if self._window_limit is not None:
            window = max(1, self._window_limit - self.reserve)
            bound = window if bound is None else min(bound, window)
        return bound

    def before_request(self) -> None:
        """Blocks until a request may be sent, and books its slot."""
        with self._lock:
            while True:
                now = self._clock()
                wait = max(0.0, self._blocked_until - now)
                if self._budget is not None and self._budget <= self.reserve:
                    if now < self._window_end:
                        wait = max(wait, self._window_end - now)
                    else:
                        self._budget = None  # the window turned over: the next answer tells the new budget
                if self.max_requests:
                    while self._sent and now - self._sent[0] >= self.per_seconds:
                        self._sent.popleft()
                    if len(self._sent) >= self.max_requests:
                        wait = max(wait, self._sent[0] + self.per_seconds - now)
                if wait > 0:
                    self.waited_seconds += wait
                    self._lock.release()
                    try:
                        self._sleep(wait)
                    finally:
                        self._lock.acquire()
                    continue
                bound = self.in_flight_bound
                if bound is not None and self._in_flight >= bound:
                    self._lock.wait()  # until request_done frees a slot
                    continue
                if self.max_requests:
                    self._sent.append(now)
                if self._budget is not None:
                    self._budget -= 1
                self._in_flight += 1
                return

    def request_done(self) -> None:
        """Frees the slot of an attempt that ended (answered or not)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            self._lock.notify_all()  # the bound may have grown with the answer, not only by one

    def after_response(self, response: Response) -> None:
        """Learns the server's remaining budget (and window size) from a response."""
        if not self.honour_headers:
            return
        self._answered = True
        remaining, reset = parse_rate_limit_headers(response)
        if remaining is None or reset is None:
            return
        limit_raw = response.headers.get("RateLimit-Limit")
        with self._lock:
            if limit_raw and limit_raw.isdigit() and int(limit_raw) > 0:
                self._window_limit = int(limit_raw)
            now = self._clock()
            # requests still in flight besides this one may not have been counted by the server yet
            budget = remaining - max(0, self._in_flight - 1)
            # a small margin so that we arrive after the server's window has turned over
            window_end = now + reset + 0.05
            if self._budget is None or window_end > self._window_end + 1.5:  # a later window than we knew
                self._budget, self._window_end = budget, window_end
            elif window_end < self._window_end - 1.5:
                pass  # a late answer from the window before: its small remainder says nothing of this one
            else:
                self._budget = min(self._budget, budget)
                self._window_end = max(self._window_end, window_end)

    def hold(self, seconds: float) -> bool:
        """Holds every request of the route for `seconds` (a wait the server asked for).

        Returns:
            True when this started a new hold, False when the route was already held about as long
            (another thread's refusal from the same moment).
        """
        with self._lock:
            now = self._clock()
            until = now + seconds + 0.05
            fresh = now >= self._blocked_until
            if until > self._blocked_until:
                if fresh:
                    self.holds += 1
                    self.held_seconds += seconds
                self._blocked_until = until
            return fresh
