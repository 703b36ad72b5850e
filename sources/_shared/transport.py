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
settings; tests compare both paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from dlt.sources.helpers.requests.session import Session
from requests import PreparedRequest, Request, Response
from requests.adapters import HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.exceptions import ConnectionError, ConnectTimeout, InvalidURL, ReadTimeout
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPConnectionPool
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    HTTPError,
    LocationValueError,
    MaxRetryError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util import Timeout


def _merged(session_value: Mapping[Any, Any] | None, request_value: Mapping[Any, Any] | None,
            into: Any = dict) -> Any:
    """The ``merge_setting`` of requests for two mappings: request over session, None values removed."""
    merged = into(session_value or {})
    if request_value:
        merged.update(request_value)
    for key in [k for k, v in merged.items() if v is None]:
        del merged[key]
    return merged


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
        prepared = PreparedRequest()
        prepared.prepare(
            method=(request.method or "GET").upper(),
            url=request.url,
            files=request.files,
            data=request.data,
            json=request.json,
            headers=_merged(self.headers, request.headers, CaseInsensitiveDict),
            params=_merged(cast("Mapping[Any, Any]", self.params), cast("Mapping[Any, Any]", request.params)),
            auth=request.auth if request.auth is not None else self.auth,
            hooks=hooks,
        )
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
    """requests' ``HTTPAdapter`` that reads a whole answer while sending it, for plain requests.

    requests streams every body through ``iter_content`` after the adapter returns, parses the
    URL three more times and extracts cookies twice; for a ~1 KB JSON answer that is a fifth of
    the client's time. The fast path applies to requests without proxies, client certificates or
    streaming; it maps urllib3's errors to the same requests exceptions as ``HTTPAdapter.send``.
    """

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None, verify: Any = True,
             cert: Any = None, proxies: Mapping[str, str] | None = None) -> Response:
        """Sends `request`; see the class docstring for which requests take the fast path."""
        if stream or cert or proxies or isinstance(timeout, (tuple, Timeout)) or not _plain_body(request):
            return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)
        try:
            pool = cast(HTTPConnectionPool,
                        self.get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert))
        except LocationValueError as exc:
            raise InvalidURL(exc, request=request) from exc
        self.cert_verify(pool, request.url, verify, cert)  # type: ignore[no-untyped-call]
        try:
            answer = pool.urlopen(
                method=request.method or "GET", url=request.path_url, body=request.body, headers=request.headers,
                redirect=False, assert_same_host=False, preload_content=True, decode_content=True,
                retries=self.max_retries, timeout=Timeout(connect=timeout, read=timeout), chunked=False,
            )
        except (ReadTimeoutError, ConnectTimeoutError) as exc:
            raise (ReadTimeout if isinstance(exc, ReadTimeoutError) else ConnectTimeout)(exc, request=request) from exc
        except (ProtocolError, OSError, MaxRetryError, ClosedPoolError, HTTPError) as exc:
            raise ConnectionError(exc, request=request) from exc
        response = Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(answer.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = answer
        response.reason = answer.reason or ""
        response.url = request.url or ""
        response.request = request
        response.connection = self
        response._content = answer.data
        response._content_consumed = True  # type: ignore[attr-defined]
        if "set-cookie" in answer.headers:
            extract_cookies_to_jar(response.cookies, request, answer)  # type: ignore[no-untyped-call]
        return response


def _plain_body(request: PreparedRequest) -> bool:
    return request.body is None or (isinstance(request.body, (bytes, str)) and "Content-Length" in request.headers)
