"""A requests session that merges per-request settings without requests' generic machinery.

Per-person child calls (HollyHR: two per person) make the HTTP client's own CPU the cost of a
sync: on loopback a request takes ~0.2 ms on the wire and ~0.55 ms in requests (bench/README.md).
Two steps of ``requests.Session`` are generic where ours are simple:

* ``prepare_request`` merges cookies through cookie jars and headers/params through
  ``merge_setting``, which checks each value against a runtime ``typing.Protocol``
  (``SupportsItems``, ~3 us per check, nine per request in requests 2.34);
* ``merge_environment_settings`` does the same merging for proxies, stream, verify and cert.

:class:`LeanSession` does both with plain dict operations when nothing needs the generic path:
no cookies on the session or the request, mapping headers and params, and ``trust_env`` off
(the provider session reads the environment once, for the API's origin). Otherwise it calls
requests' own implementation. The result is the same ``PreparedRequest`` and the same send
settings; tests compare both paths. :class:`LeanAdapter` then sends plain requests over the
``http.client`` connections of :mod:`sources._shared.connections` instead of urllib3's pool.
"""

from __future__ import annotations

import http.client
import io
import re
import ssl
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import urlsplit

from dlt.sources.helpers.requests.session import Session
from requests import PreparedRequest, Request, Response
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.exceptions import ConnectionError, ContentDecodingError, ReadTimeout, SSLError
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.exceptions import DecodeError
from urllib3.response import HTTPResponse
from urllib3.util import Timeout

from sources._shared.connections import DEFAULT_PORTS, DirectConnections, OriginKey


def _merged(session_value: Mapping[Any, Any] | None, request_value: Mapping[Any, Any] | None,
            into: Any = dict) -> Any:
    """The ``merge_setting`` of requests for two mappings: request over session, None values removed."""
    merged = into(session_value or {})
    if request_value:
        merged.update(request_value)
    for key in [k for k, v in merged.items() if v is None]:
        del merged[key]
    return merged


# an http(s) URL that requests' prepare_url returns as it is: lower-case scheme and host, a port without
# leading zeros, a path of unreserved characters without dot segments or empty ones, no query,
# fragment or user info (HollyHR's per-person child URLs are all of this kind)
_PORT = r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
_PLAIN_URL = re.compile(
    rf"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::{_PORT})?(?:(?:/(?!\.)[A-Za-z0-9._~-]+)+/?|/)\Z")


class LeanSession(Session):
    """dlt's requests ``Session`` with the per-request merging done by plain dict operations."""

    def _needs_generic_path(self, request: Request) -> bool:
        return bool(
            self.trust_env
            or request.cookies
            or len(self.cookies)
            or not isinstance(request.headers or {}, Mapping)
            or not isinstance(request.params or {}, Mapping)
            or not isinstance(self.params or {}, Mapping)
        )

    def prepare_request(self, request: Request) -> PreparedRequest:
        """Like ``requests.Session.prepare_request``; see the module docstring for when it differs in cost."""
        if self._needs_generic_path(request):
            return super().prepare_request(request)
        hooks = default_hooks()
        for event, session_hooks in (self.hooks or {}).items():
            hooks.setdefault(event, []).extend(session_hooks)
        for event, request_hooks in (request.hooks or {}).items():
            # requests: a request's hooks replace the session's for that event when both exist
            if request_hooks:
                hooks[event] = list(request_hooks)
        params = _merged(cast("Mapping[Any, Any]", self.params), cast("Mapping[Any, Any]", request.params))
        auth = request.auth if request.auth is not None else self.auth
        # PreparedRequest.prepare, step by step, less what cannot change the result on this path
        prepared = PreparedRequest()
        prepared.prepare_method((request.method or "GET").upper())
        if not params and isinstance(request.url, str) and _PLAIN_URL.match(request.url):
            prepared.url = request.url  # requests' parsing and requoting would give it back unchanged
        else:
            prepared.prepare_url(request.url, params)
        prepared.prepare_headers(_merged(self.headers, request.headers, CaseInsensitiveDict))
        prepared._cookies = RequestsCookieJar()  # type: ignore[attr-defined]  # no cookies here: no Cookie header
        prepared.prepare_body(request.data, request.files, request.json)
        prepared.prepare_auth(auth, request.url)  # last but hooks, as in requests (an auth may add hooks)
        prepared.prepare_hooks(hooks)
        return prepared

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        """Like ``requests.Session.merge_environment_settings``; without ``trust_env`` no lookup is needed."""
        if self.trust_env or not isinstance(proxies or {}, Mapping):
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        return {
            "proxies": _merged(self.proxies, proxies),
            "stream": self.stream if stream is None else stream,
            "verify": self.verify if verify is None else verify,
            "cert": self.cert if cert is None else cert,
        }


class LeanAdapter(HTTPAdapter):
    """requests' ``HTTPAdapter`` that sends plain requests over ``http.client`` connections it keeps open.

    requests streams every body through ``iter_content`` after the adapter returns, parses the
    URL three more times and extracts cookies twice, and urllib3 wraps each request in pool,
    retry, timeout and response objects; for a ~1 KB JSON answer that is half of the client's
    time. The fast path (requests without proxies, client certificates, streaming or a
    (connect, read) timeout pair) sends over :class:`~sources._shared.connections.DirectConnections`
    and reads the whole answer; a compressed answer is decoded by urllib3, as requests does.
    Failures raise the same requests exceptions as ``HTTPAdapter.send``; other requests take it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._direct = DirectConnections(self._pool_maxsize)  # type: ignore[attr-defined]

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]
        self._direct = DirectConnections(self._pool_maxsize)  # type: ignore[attr-defined]

    def close(self) -> None:
        """Closes the kept connections and urllib3's pools."""
        self._direct.close()
        super().close()

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None, verify: Any = True,
             cert: Any = None, proxies: Mapping[str, str] | None = None) -> Response:
        """Sends `request`; see the class docstring for which requests take the fast path."""
        key = None
        if not (stream or cert or proxies or isinstance(timeout, (tuple, Timeout))) and _plain_body(request):
            key = _origin(request.url or "", verify)
        if key is None:
            return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)
        conn = self._direct.checkout(key, timeout, request)
        body = request.body.encode("utf-8") if isinstance(request.body, str) else request.body  # as urllib3 2
        try:
            conn.request(request.method or "GET", request.path_url, body=body, headers=request.headers)
            answer = conn.getresponse()
            content = answer.read()
        except TimeoutError as exc:
            conn.close()
            raise ReadTimeout(exc, request=request) from exc
        except ssl.SSLError as exc:
            conn.close()
            raise SSLError(exc, request=request) from exc
        except (http.client.HTTPException, OSError) as exc:
            conn.close()
            raise ConnectionError(exc, request=request) from exc
        if answer.will_close:
            conn.close()
        else:
            self._direct.checkin(key, conn)
        return self._response(request, answer, content)

    def _response(self, request: PreparedRequest, answer: http.client.HTTPResponse, content: bytes) -> Response:
        headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        for name, value in answer.getheaders():  # repeated headers joined, as urllib3 does
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        encoding = headers.get("content-encoding")
        if encoding and encoding.strip().lower() != "identity":
            content = _decoded(request, answer, headers, content)
        response = Response()
        response.status_code = answer.status
        response.headers = headers
        response.encoding = get_encoding_from_headers(headers)
        response.raw = raw = _ReadAnswer(answer)
        response.reason = answer.reason or ""
        response.url = request.url or ""
        response.request = request
        response.connection = self
        response._content = content
        response._content_consumed = True  # type: ignore[attr-defined]
        if "set-cookie" in headers:
            extract_cookies_to_jar(response.cookies, request, raw)  # type: ignore[no-untyped-call]
        return response


class _ReadAnswer:
    """``Response.raw`` of a fast-path answer, whose body is already in ``Response.content``.

    Carries what requests reads from ``raw`` besides the body: ``_original_response`` (the
    ``http.client`` answer, whose headers cookie extraction reads, in the adapter and again in
    ``Session.send``), status, reason, version and headers.
    """

    def __init__(self, answer: http.client.HTTPResponse) -> None:
        self._original_response = answer
        self.status, self.reason, self.version, self.headers = answer.status, answer.reason, answer.version, answer.msg

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        """Nothing left to read: the body was read with the answer."""
        return b""

    def close(self) -> None:
        """Nothing to close: the connection went back to the adapter."""


def _origin(url: str, verify: Any) -> OriginKey | None:
    """The connection key of `url`, or None for what only requests' own path handles."""
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:  # a bad port: requests' path raises its own error for it
        return None
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme], verify if scheme == "https" else None


def _decoded(request: PreparedRequest, answer: http.client.HTTPResponse, headers: Mapping[str, str],
             content: bytes) -> bytes:
    """A compressed body decoded by urllib3 (gzip, deflate; br and zstd when their packages are installed)."""
    try:
        return bytes(HTTPResponse(body=io.BytesIO(content), headers=dict(headers), status=answer.status,
                                  preload_content=True, decode_content=True).data)
    except DecodeError as exc:
        raise ContentDecodingError(exc, request=request) from exc


def _plain_body(request: PreparedRequest) -> bool:
    return request.body is None or (isinstance(request.body, (bytes, str)) and "Content-Length" in request.headers)
