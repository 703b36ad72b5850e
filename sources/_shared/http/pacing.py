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
    """Decides how long to wait before each request.

    Two independent rules, either may be off:

    * ``max_requests`` per ``per_seconds`` on a rolling window, for vendors that publish a
      limit but send no headers (CuteHR). A rolling window never exceeds a fixed one.
    * The server's own ``RateLimit-*`` headers: when the remaining budget falls to
      ``reserve``, wait until the window resets (HollyHR).

    Thread-safe, so concurrent extraction shares one budget.
    """

    def __init__(
        self,
        max_requests: int | None = None,
        per_seconds: float = 60.0,
        reserve: int = 0,
        honour_headers: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_requests = max_requests
        self.per_seconds = per_seconds
        self.reserve = reserve
        self.honour_headers = honour_headers
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._sent: collections.deque[float] = collections.deque()
        self._blocked_until = 0.0
        self.waited_seconds = 0.0

    def before_request(self) -> None:
        """Blocks until a request may be sent, and books its slot."""
        while True:
            with self._lock:
                now = self._clock()
                wait = max(0.0, self._blocked_until - now)
                if self.max_requests:
                    while self._sent and now - self._sent[0] >= self.per_seconds:
                        self._sent.popleft()
                    if len(self._sent) >= self.max_requests:
                        wait = max(wait, self._sent[0] + self.per_seconds - now)
                if wait <= 0:
                    if self.max_requests:
                        self._sent.append(now)
                    return
                self.waited_seconds += wait
            self._sleep(wait)

    def after_response(self, response: Response) -> None:
        """Learns the server's remaining budget from a response."""
        if not self.honour_headers:
            return
        remaining, reset = parse_rate_limit_headers(response)
        if remaining is None or reset is None:
            return
        if remaining <= self.reserve:
            with self._lock:
                # a small margin so that we arrive after the server's window has turned over
                self._blocked_until = max(self._blocked_until, self._clock() + reset + 0.05)
