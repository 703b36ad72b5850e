"""How one vendor spells its errors, and which of them no retry can fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from requests import PreparedRequest, Response

from sources._shared.errors import ProviderAuthError, ProviderError


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


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
