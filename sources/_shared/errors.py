"""One exception type for every vendor error, carrying what a person needs to act on it."""

from __future__ import annotations

from typing import Any

from requests import HTTPError, Response

from sources._shared.http.redaction import redact


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it, outermost first (``__cause__``, else ``__context__``; cycles cut)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


class ProviderError(HTTPError):
    """An error answered by (or about) a vendor API.

    Subclasses :class:`requests.HTTPError` so that dlt's retry machinery still sees the
    response of a retryable status. The message names the provider, the HTTP status, the
    vendor's error code and request id, and the setting to fix; it never holds a secret.

    Attributes:
        provider: Vendor name, e.g. ``"hollyhr"``.
        status: HTTP status code, or None for errors raised before any response.
        code: The vendor's machine-readable error code, if any.
        request_id: The vendor's request id, if any.
        hint: What the user should do, usually naming a config setting.
        resource: The dlt resource that was being extracted, if known.
    """

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        hint: str | None = None,
        resource: str | None = None,
        response: Response | None = None,
        details: Any = None,
    ) -> None:
        self.provider = provider
        self.status = status
        self.code = code
        self.request_id = request_id
        self.hint = hint
        self.resource = resource
        self.details = details
        self.detail_message = redact(message)
        super().__init__(self._render(), response=response)

    def _render(self) -> str:
        head = f"{self.provider}"
        if self.resource:
            head += f" [{self.resource}]"
        parts = []
        if self.status is not None:
            parts.append(str(self.status))
        if self.code:
            parts.append(self.code)
        text = f"{head}: {' '.join(parts) + ': ' if parts else ''}{self.detail_message}"
        if self.request_id:
            text += f" (request_id {self.request_id})"
        if self.hint:
            text += f". {self.hint}"
        return redact(text)

    def __str__(self) -> str:
        return self._render()


class ProviderAuthError(ProviderError):
    """Credentials are missing, wrong, expired or lack a scope: retrying will not help."""


class ProviderQuotaError(ProviderError):
    """A request quota is spent (or would be crossed): nothing more may be sent until it resets."""


class ProviderConfigError(ProviderError):
    """A setting is invalid; raised before any request is sent."""


class ProviderDataError(ProviderError):
    """The vendor answered something that is not what its contract promises (bad JSON, missing field)."""


class InvalidJSONError(ProviderDataError):
    """A successful answer whose body is not valid JSON (often cut off in transfer): retried, then fatal."""


class ProviderPartialFailure(ProviderError):
    """Some resources failed on their own (e.g. a missing scope); the others were loaded.

    Attributes:
        failures: ``resource -> message`` of each failed resource.
        result: What the run loaded (a ``pipelines.run.result.RunResult``), when raised by the runner.
    """

    def __init__(self, provider: str, failures: dict[str, str], result: Any = None) -> None:
        self.failures = dict(failures)
        self.result = result
        names = ", ".join(sorted(failures))
        detail = "; ".join(failures[name] for name in sorted(failures))
        super().__init__(provider, f"{len(failures)} resource(s) failed ({names}), the others loaded: {detail}")


class ForeignHostError(ProviderDataError):
    """A next link or redirect points outside the configured base URL; it was not followed.

    Credentials are only ever sent to the scheme, host and port of the source's ``base_url``.
    """


class BadRecordError(ProviderDataError):
    """A record broke the data contract (no primary key, a huge string, a type flip).

    Raised when ``hr_elt.bad_records`` is ``fail``; nothing of the run is loaded and no cursor moves.
    """
