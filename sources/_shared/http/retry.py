"""Retries with exponential backoff and full jitter, honouring Retry-After, on top of tenacity (as dlt does)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

from requests import HTTPError, Response
from requests.exceptions import ChunkedEncodingError, ConnectionError, Timeout
from tenacity import RetryCallState, Retrying, retry_base, stop_after_attempt

from sources._shared.errors import InvalidJSONError
from sources._shared.http.pacing import parse_rate_limit_headers
from sources._shared.http.settings import HttpSettings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_EXCEPTIONS = (ConnectionError, Timeout, ChunkedEncodingError)

logger = logging.getLogger("sources.http")


def response_of(state: RetryCallState) -> Response | None:
    """The answer an attempt ended with: its result, or the response of the HTTP error it raised."""
    outcome = state.outcome
    if outcome is None:
        return None
    if outcome.failed:
        exc = outcome.exception()
        return exc.response if isinstance(exc, HTTPError) else None
    result = outcome.result()
    return result if isinstance(result, Response) else None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header, in delta-seconds or HTTP-date form."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def server_wait(response: Response) -> float | None:
    """How long the server asked us to wait: Retry-After, else a 429's rate-limit reset."""
    wait = parse_retry_after(response.headers.get("Retry-After"))
    if wait is None and response.status_code == 429:
        remaining, reset = parse_rate_limit_headers(response)
        if reset is not None and (remaining is None or remaining <= 0):
            wait = reset
    return wait


class wait_full_jitter_or_server:  # noqa: N801 - tenacity's naming style
    """Waits what the server asked for, else ``uniform(0, min(cap, base * 2**n))`` (full jitter)."""

    def __init__(self, base: float, cap: float, rng: random.Random | None = None,
                 on_server_wait: Callable[[float], None] | None = None) -> None:
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()
        self.on_server_wait = on_server_wait

    def __call__(self, state: RetryCallState) -> float:
        response = response_of(state)
        if response is not None:
            asked = server_wait(response)
            if asked is not None:
                if self.on_server_wait is not None:
                    self.on_server_wait(asked)
                return asked
        ceiling = min(self.cap, self.base * 2 ** (state.attempt_number - 1))
        return self.rng.uniform(0, ceiling)


class retry_if_transient(retry_base):  # noqa: N801 - tenacity's naming style
    """Retries connection errors and retryable statuses, unless the vendor says the error is final."""

    def __init__(self, settings: HttpSettings, is_final: Any) -> None:
        self.settings = settings
        self.is_final = is_final

    def __call__(self, state: RetryCallState) -> bool:
        outcome = state.outcome
        if outcome is None:
            return False
        exc = outcome.exception()
        if isinstance(exc, InvalidJSONError):
            return True
        response = response_of(state)
        if response is None:
            return isinstance(exc, RETRY_EXCEPTIONS)
        if response.status_code not in RETRY_STATUSES or self.is_final(response):
            return False
        asked = server_wait(response)
        return asked is None or asked <= self.settings.max_retry_after


def make_retrying(settings: HttpSettings, is_final: Any, describe: Any,
                  on_server_wait: Callable[[float], None] | None = None) -> Retrying:
    """A tenacity policy for one provider's session.

    Args:
        settings: Attempts and backoff.
        is_final: ``is_final(response) -> bool``: True for errors no retry can fix (e.g. a spent quota).
        describe: ``describe(state) -> str``: a secret-free description of the failed attempt, for the log.
        on_server_wait: Called with the seconds of a wait the server asked for, before it is waited
            out (the session holds the whole route with it).
    """

    def log_retry(state: RetryCallState) -> None:
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning("%s; retry %d/%d in %.2fs", describe(state), state.attempt_number,
                       settings.max_attempts - 1, wait)

    return Retrying(
        wait=wait_full_jitter_or_server(settings.backoff_base, settings.backoff_cap,
                                        on_server_wait=on_server_wait),
        retry=retry_if_transient(settings, is_final),
        stop=stop_after_attempt(settings.max_attempts),
        before_sleep=log_retry,
        reraise=True,
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
