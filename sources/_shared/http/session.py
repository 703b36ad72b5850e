"""dlt's requests ``Session`` with our retry policy, pacing, request counting and the foreign-host guard.

Stock requests underneath: ``HTTPAdapter`` (urllib3's keep-alive pool), requests' TLS
verification, proxies and CA bundle from the environment as requests reads them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import orjson
from dlt.sources.helpers.requests import Session
from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState

from sources._shared.context import PageRef, RunContext
from sources._shared.errors import ForeignHostError, InvalidJSONError, ProviderError
from sources._shared.http.pacing import RatePacer
from sources._shared.http.profile import ProviderProfile, describe_request
from sources._shared.http.redaction import redact
from sources._shared.http.retry import RETRY_EXCEPTIONS, make_retrying, response_of
from sources._shared.http.settings import HttpSettings

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_CONNECTIONS = 50  # kept-alive connections per host, as dlt's Client keeps


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL (default ports made explicit, host lower-cased)."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port or DEFAULT_PORTS.get(scheme)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def _loads(body: bytes) -> Any:
    """JSON through orjson (3-4x faster on a page); what orjson refuses (NaN, integers past 64 bits) through json."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


class ProviderSession(Session):
    """One resource's session: every attempt paced, counted and checked; failed attempts retried.

    Redirects are followed by requests through :meth:`send` again, so each hop passes the same
    checks. Thread-safe as far as requests' sessions are: dlt's worker threads may share it.

    Args:
        profile: The vendor's error spelling and final errors.
        resource: The resource (or ``auth``) the session serves, for messages and counting.
        settings: Timeout, attempts and backoff.
        context: The run's context, which every attempt is counted in.
        base_url: Credentials are only sent to this URL's scheme, host and port; None: anywhere.
        pacer: Waits before each attempt and learns from each answer; None: no pacing.
        on_response: Called with every answer (also failed ones), e.g. to read quota headers.
    """

    def __init__(
        self,
        profile: ProviderProfile,
        resource: str,
        settings: HttpSettings,
        context: RunContext,
        base_url: str | None = None,
        pacer: RatePacer | None = None,
        on_response: Callable[[Response], None] | None = None,
    ) -> None:
        super().__init__(timeout=settings.timeout, raise_for_status=False)
        adapter = HTTPAdapter(pool_maxsize=MAX_CONNECTIONS)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self.profile = profile
        self.resource = resource
        self.settings = settings
        self.context = context
        self.pacer = pacer
        self.on_response = on_response
        self.allowed_origin = origin_of(base_url) if base_url else None
        self._key = f"{profile.name}/{resource}"
        self._last_answer: tuple[PageRef, int] | None = None
        self._retrying = make_retrying(settings, profile.is_final, self._describe_attempt, self._hold_route)
        # every answer is noted before requests follows a redirect; a request with its own response
        # hooks replaces these (requests' rule), so ProviderRESTClient's hook notes it too
        self.hooks["response"].append(self._note_hook)

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
        """Sends `request` with retries; see the class docstring."""
        attempts = 0

        def attempt() -> Response:
            nonlocal attempts
            attempts += 1
            started = time.perf_counter()
            status: int | str = "error"
            try:
                answer = self._send_once(request, attempts > 1, **kwargs)
                status = answer.status_code
                return answer
            except ProviderError as exc:
                status = exc.status or "error"
                raise
            except Exception as exc:
                status = type(exc).__name__
                raise
            finally:
                self._log_attempt(request, status, started, attempts)

        response: Response = self._retrying(attempt)
        return response

    def _log_attempt(self, request: PreparedRequest, status: int | str, started: float, attempt: int) -> None:
        # DEBUG on the vendor's logger: `hr-elt -v` shows it; never the host or a credential
        log = logging.getLogger(f"sources.{self.profile.name}")
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s [%s]: %s -> %s in %.0f ms (attempt %d)", self.profile.name, self.resource,
                      redact(describe_request(request)), status, (time.perf_counter() - started) * 1000, attempt)

    def _send_once(self, request: PreparedRequest, retry: bool, **kwargs: Any) -> Response:
        self._refuse_foreign_host(request)
        if self.pacer is not None:
            self.pacer.before_request()
        try:
            response: Response = super().send(request, **kwargs)  # type: ignore[no-untyped-call]
        except ProviderError as exc:  # raised by a response hook for non-2xx answers
            self._observe(exc.response)
            self.context.record(self._key, exc.status, retry=retry)
            raise
        except RETRY_EXCEPTIONS:
            self.context.record(self._key, None, retry=retry)
            raise
        else:
            self._observe(response)
        finally:
            # after the answer was observed: a thread waiting for the slot sees the budget it left
            if self.pacer is not None:
                self.pacer.request_done()
        self.context.record(self._key, response.status_code, retry=retry)
        page = self.note_answer(response)
        if response.status_code < 300:
            self.context.note_page(self._key, page.where, page.request_id)
            self._parse_json_once(response)
        return response

    def _note_hook(self, response: Response, *args: Any, **kwargs: Any) -> None:
        self.note_answer(response)

    def note_answer(self, response: Response) -> PageRef:
        """Remembers the latest answer (a redirect is noted before requests follows it)."""
        page = PageRef(describe_request(response.request), response.headers.get(self.profile.request_id_header))
        self._last_answer = (page, response.status_code)
        return page

    def _refuse_foreign_host(self, request: PreparedRequest) -> None:
        """Refuses to send a request (with its credentials) anywhere but the base URL's origin.

        Next links and redirects (requests follows them through this same session) are both
        checked here, before anything is sent.
        """
        url = request.url or ""
        if self.allowed_origin is None or origin_of(url) == self.allowed_origin:
            return
        target = urlsplit(url).netloc.rpartition("@")[2] or "?"
        if self._last_answer is None:
            source = "the first request"
        else:
            page, status = self._last_answer
            kind = "a redirect" if 300 <= status < 400 else "a next link"
            source = f"{kind} in the answer to {page.where}"
        rid = self._last_answer[0].request_id if self._last_answer else None
        raise ForeignHostError(
            self.profile.name,
            f"refused to follow {source} to another host ({target}); credentials are only sent to "
            f"{self.allowed_origin}",
            request_id=rid, resource=self.resource,
            hint=f"If the API really moved, set sources.{self.profile.name}.base_url "
                 f"(env SOURCES__{self.profile.name.upper()}__BASE_URL)",
        )

    def _parse_json_once(self, response: Response) -> None:
        """Parses a JSON body once, inside the attempt (the paginator and the data selector both read it).

        A body that does not parse (e.g. cut off mid-transfer) raises :class:`InvalidJSONError`,
        which the retry policy treats as transient.
        """
        content_type = response.headers.get("Content-Type", "")
        if not response.content or ("json" not in content_type and content_type):
            return
        try:
            parsed = _loads(response.content)
        except ValueError as exc:
            raise InvalidJSONError(
                self.profile.name,
                f"the answer to {describe_request(response.request)} is not valid JSON ({exc})",
                status=response.status_code, request_id=response.headers.get(self.profile.request_id_header),
                resource=self.resource, response=response,
            ) from None
        response.json = lambda **_: parsed  # type: ignore[method-assign]

    def _observe(self, response: Response | None) -> None:
        if response is None:
            return
        if self.pacer is not None:
            self.pacer.after_response(response)
        if self.on_response is not None:
            self.on_response(response)

    def _hold_route(self, seconds: float) -> None:
        """A wait the server asked for holds every thread on this route, not only the refused one."""
        if self.pacer is None or not self.pacer.hold(seconds):
            return
        self.context.note(self.profile.name, f"held:{self.resource}",
                          f"{self.resource}: the API refused requests (429) {self.pacer.holds} time(s); every "
                          f"request of the route waited {self.pacer.held_seconds:.1f} s in all for its window")

    def _describe_attempt(self, state: RetryCallState) -> str:
        response = response_of(state)
        if response is not None:
            body = self.profile.parse_error(response)
            rid = f" (request_id {body.request_id})" if body.request_id else ""
            return f"{self.profile.name} [{self.resource}]: {describe_request(response.request)} " \
                   f"answered {response.status_code}{rid}"
        exc = state.outcome.exception() if state.outcome else None
        return f"{self.profile.name} [{self.resource}]: {type(exc).__name__} talking to the API"
