"""dlt's RESTClient and requests Client, specialised once for all three vendors.

* :class:`ProviderProfile` says how one vendor spells errors and which of them are final.
* :class:`ProviderSession` subclasses dlt's retrying ``Client``: full-jitter backoff, pacing,
  request counting.
* :class:`ProviderRESTClient` subclasses dlt's ``RESTClient``: every non-2xx answer becomes one
  :class:`ProviderError` with the vendor's code and request id; a body that is not JSON becomes
  a :class:`ProviderDataError` naming the page.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import orjson
from dlt.common import jsonpath
from dlt.common import logger as dlt_logger
from dlt.sources.helpers.requests.retry import Client, _get_retry_response
from dlt.sources.helpers.rest_client.client import RESTClient
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import PreparedRequest, Response
from requests.auth import AuthBase
from tenacity import RetryCallState

from sources._shared.connections import DEFAULT_PORTS
from sources._shared.context import PageRef, RunContext
from sources._shared.errors import (
    ForeignHostError,
    InvalidJSONError,
    ProviderAuthError,
    ProviderDataError,
    ProviderError,
)
from sources._shared.pacing import RatePacer
from sources._shared.retry import RETRY_EXCEPTIONS, HttpSettings, make_retrying
from sources._shared.transport import LeanAdapter, LeanSession


@dataclass
class ErrorBody:
    """What a vendor said about a failed request."""

    code: str | None = None
    message: str | None = None
    request_id: str | None = None
    details: Any = None


@dataclass
class ProviderProfile:
    """How one vendor reports errors, and what the user should do about each.

    Subclass per vendor and override :meth:`parse_error`, :meth:`hint` and :meth:`is_final`.
    """

    name: str
    request_id_header: str = "X-Request-Id"
    auth_statuses: frozenset[int] = field(default_factory=lambda: frozenset({401, 403}))

    def parse_error(self, response: Response) -> ErrorBody:
        """Reads the vendor's error envelope; tolerant of bodies that are not JSON."""
        try:
            payload = response.json()
        except ValueError:
            payload = None
        body = ErrorBody(request_id=response.headers.get(self.request_id_header))
        if isinstance(payload, dict):
            nested = payload.get("error")
            inner: dict[str, Any] = nested if isinstance(nested, dict) else payload
            body.code = _str_or_none(inner.get("code"))
            body.message = _str_or_none(inner.get("message") or inner.get("detail"))
            body.request_id = _str_or_none(inner.get("request_id")) or body.request_id
            body.details = inner.get("details")
        return body

    def hint(self, status: int, body: ErrorBody) -> str | None:
        """The action that fixes this error, usually naming a setting; None when there is none."""
        return None

    def is_final(self, response: Response) -> bool:
        """True for a retryable status that must not be retried (e.g. a spent quota)."""
        return False

    def exception_class(self, status: int, body: ErrorBody) -> type[ProviderError]:
        """The exception type raised for this error."""
        return ProviderAuthError if status in self.auth_statuses else ProviderError

    def to_exception(self, response: Response, resource: str | None = None) -> ProviderError:
        """Turns a failed response into one secret-free exception."""
        body = self.parse_error(response)
        status = response.status_code
        where = describe_request(response.request)
        message = f"{body.message or response.reason or 'request failed'} on {where}"
        cls = self.exception_class(status, body)
        return cls(self.name, message, status=status, code=body.code, request_id=body.request_id,
                   hint=self.hint(status, body), resource=resource, response=response, details=body.details)


def describe_request(request: PreparedRequest | None) -> str:
    """``GET /path?query`` of a request, without host or credentials."""
    if request is None or not request.url:
        return "request"
    parts = urlsplit(request.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{request.method} {path}"


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


@lru_cache(maxsize=64)
def compiled_path(path: str) -> jsonpath.TJsonPath:
    """A JSONPath compiled once per process (compiling builds a parser: ~0.3 ms each time)."""
    return jsonpath.compile_path(path)


def _loads(body: bytes) -> Any:
    """JSON through orjson (3-4x faster on a page); what orjson refuses (NaN, integers past 64 bits) through json."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


MAX_CONNECTIONS = 50  # per host, as dlt's Client


class ProviderSession(Client):
    """dlt's retrying requests ``Client`` with our retry policy, pacing and request counting."""

    def __init__(
        self,
        profile: ProviderProfile,
        resource: str,
        settings: HttpSettings,
        context: RunContext,
        pacer: RatePacer | None = None,
        on_response: Callable[[Response], None] | None = None,
    ) -> None:
        super().__init__(request_timeout=settings.timeout, raise_for_status=False,
                         request_max_attempts=settings.max_attempts, max_connections=MAX_CONNECTIONS)
        self._adapter = LeanAdapter(pool_maxsize=MAX_CONNECTIONS)
        self.profile = profile
        self.resource = resource
        self.settings = settings
        self.pacer = pacer
        self.context = context
        self.on_response = on_response
        # scheme://host:port credentials may go to; set by ProviderRESTClient from its base URL
        self.allowed_origin: str | None = None
        self._last_answer: tuple[PageRef, int] | None = None

    def _make_session(self) -> LeanSession:
        session = LeanSession(timeout=self.settings.timeout, raise_for_status=False)
        session.mount("http://", self._adapter)
        session.mount("https://", self._adapter)
        # note every answer before requests follows a redirect (requests made through the session itself)
        session.hooks["response"].append(lambda response, *args, **kwargs: self.note_answer(response) and None)
        self._pin_environment(session)
        send_once = session.send
        key = f"{self.profile.name}/{self.resource}"
        attempts = {"n": 0}

        def send(request: PreparedRequest, **kwargs: Any) -> Response:
            self._refuse_foreign_host(request)
            if self.pacer is not None:
                self.pacer.before_request()
            attempts["n"] += 1
            try:
                response: Response = send_once(request, **kwargs)  # type: ignore[no-untyped-call]
            except ProviderError as exc:  # raised by the response hook for non-2xx answers
                self._observe(exc.response)
                self.context.record(key, exc.status, retry=attempts["n"] > 1)
                raise
            except RETRY_EXCEPTIONS:
                self.context.record(key, None, retry=attempts["n"] > 1)
                raise
            self._observe(response)
            self.context.record(key, response.status_code, retry=attempts["n"] > 1)
            page = self.note_answer(response)
            if response.status_code < 300:
                self.context.note_page(key, page.where, page.request_id)
                self._parse_json_once(response)
            return response

        retrying = make_retrying(self.settings, self.profile.is_final, self._describe_attempt)

        def send_with_retries(request: PreparedRequest, **kwargs: Any) -> Response:
            attempts["n"] = 0
            return retrying(send, request, **kwargs)

        session.send = send_with_retries  # type: ignore[method-assign]
        return session

    def _pin_environment(self, session: LeanSession) -> None:
        """Reads the proxy and CA-bundle environment variables once, for the base URL's origin.

        requests reads them again on every request (``trust_env``): about 0.2 ms a request,
        a sixth of the client's time per request on per-person child calls (bench/). Requests
        only ever go to that one origin (:meth:`_refuse_foreign_host`), so one reading serves
        the whole run.
        """
        if self.allowed_origin is None:
            return
        env = session.merge_environment_settings(self.allowed_origin, {}, None, None, None)
        session.trust_env = False
        session.proxies.update(env["proxies"] or {})
        if env["verify"] not in (None, True):
            session.verify = env["verify"]
        if env["cert"] is not None:
            session.cert = env["cert"]

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
        # "scheme://host:port/" as a prefix proves the origin without parsing the URL (every request)
        if self.allowed_origin is None or url.startswith(self.allowed_origin + "/") or \
                origin_of(url) == self.allowed_origin:
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
        """Parses a JSON body once (the paginator and the data selector both read it).

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

    def _describe_attempt(self, state: RetryCallState) -> str:
        response = _get_retry_response(state)
        if response is not None:
            body = self.profile.parse_error(response)
            rid = f" (request_id {body.request_id})" if body.request_id else ""
            return f"{self.profile.name} [{self.resource}]: {describe_request(response.request)} " \
                   f"answered {response.status_code}{rid}"
        exc = state.outcome.exception() if state.outcome else None
        return f"{self.profile.name} [{self.resource}]: {type(exc).__name__} talking to the API"


class ProviderRESTClient(RESTClient):
    """dlt's RESTClient that raises :class:`ProviderError` for every failed answer."""

    def __init__(
        self,
        base_url: str,
        profile: ProviderProfile,
        resource: str,
        settings: HttpSettings,
        context: RunContext,
        auth: AuthBase | None = None,
        paginator: BasePaginator | None = None,
        data_selector: jsonpath.TJsonPath | None = None,
        headers: dict[str, str] | None = None,
        pacer: RatePacer | None = None,
        on_response: Callable[[Response], None] | None = None,
    ) -> None:
        self.profile = profile
        self.resource = resource
        self.http = ProviderSession(profile, resource, settings, context, pacer=pacer, on_response=on_response)
        self.http.allowed_origin = origin_of(base_url)
        super().__init__(base_url=base_url, headers=headers, auth=auth, paginator=paginator,
                         data_selector=data_selector, session=self.http.session)

    def _create_response_handler(self) -> Callable[..., None]:
        def raise_for_status(response: Response, *args: Any, **kwargs: Any) -> None:
            self.http.note_answer(response)  # runs before requests follows a redirect
            if response.status_code >= 400:
                raise self.profile.to_exception(response, self.resource)

        return raise_for_status

    def request(self, path: str = "", method: Any = "GET", **kwargs: Any) -> Response:
        """Like RESTClient.request, but failed answers raise :class:`ProviderError`."""
        kwargs.setdefault("hooks", {"response": [self._create_response_handler()]})
        return super().request(path, method=method, **kwargs)

    def _log_request(self, request: Any, prepared_url: str) -> None:
        """Writes dlt's "Making GET request to ..." line, only when dlt's log would show it.

        dlt sanitizes the URL for that line on every request whatever the log level
        (~15 us a request, bench/).
        """
        if dlt_logger.LOGGER is not None and dlt_logger.LOGGER.isEnabledFor(logging.INFO):
            super()._log_request(request, prepared_url)

    def extract_response(self, response: Response, data_selector: jsonpath.TJsonPath) -> list[Any]:
        """Like RESTClient.extract_response, but a body that is not JSON is a clear error.

        A string selector is compiled once, not per page: dlt compiles it on every call, and
        building jsonpath_ng's parser cost about a third of a millisecond a page (bench/).
        """
        if isinstance(data_selector, str):
            data_selector = compiled_path(data_selector)
        try:
            return super().extract_response(response, data_selector)
        except (ValueError, json.JSONDecodeError) as exc:
            rid = response.headers.get(self.profile.request_id_header)
            raise ProviderDataError(
                self.profile.name, f"the answer to {describe_request(response.request)} is not valid JSON ({exc})",
                status=response.status_code, request_id=rid, resource=self.resource, response=response,
            ) from None
