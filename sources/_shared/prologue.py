"""The start every ``@dlt.source`` function makes, written once: settings checks, secrets, run context, clients.

Before a source builds its resources it (1) checks the base URL (https where the vendor requires
it; loopback excepted), (2) refuses empty credentials with a line naming the setting, (3) registers
the secret ones for redaction, so no log line, error or trace can carry them, (4) takes the run's
context (the run path's, or its own outside it), and (5) gives each resource its own API client,
made on first use under a lock, since parallel transformers ask for theirs at the same moment.
The credentials probe (:mod:`sources._shared.probe`) and failure isolation
(:func:`sources._shared.resources.isolate_failure`) are the other two shared pieces of a source.

Usage inside a source function::

    start = begin_source(settings.PROVIDER, base_url, secrets={"api_key": api_key})
    clients = ClientCache(lambda resource: make_client(start.base_url, start.secret("api_key"), resource, ...))
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from sources._shared.config import check_base_url, check_secret
from sources._shared.context import RunContext, context_for_new_source
from sources._shared.http.redaction import register_secret

C = TypeVar("C")


@dataclass(frozen=True)
class SourceStart:
    """What a source knows after its prologue.

    Attributes:
        provider: The vendor name (named in every error).
        base_url: The checked API root, without a trailing slash.
        credentials: Every checked credential by setting name (secrets and required values alike).
        context: The run's context the source reports into.
    """

    provider: str
    base_url: str
    credentials: Mapping[str, str]
    context: RunContext

    def secret(self, name: str) -> str:
        """The checked value of credential setting `name`."""
        return self.credentials[name]


def begin_source(provider: str, base_url: str, *, secrets: Mapping[str, str | None],
                 required: Mapping[str, str | None] | None = None, https_only: bool = False,
                 title: str | None = None) -> SourceStart:
    """Runs the checks every source makes before anything else; sends no request.

    Args:
        provider: The vendor name.
        base_url: The ``base_url`` setting.
        secrets: Secret settings by name (API keys, passwords): refused when empty, then registered
            for redaction.
        required: Settings that must not be empty but are no secret (a login e-mail): refused when
            empty, kept as given (stripped), never redacted.
        https_only: Refuse a plain-http base URL (loopback excepted).
        title: The vendor's display name (``CuteHR``), for the run's notes.

    Raises:
        ProviderConfigError: a bad base URL or an empty credential, naming the setting to fix.
    """
    url = check_base_url(provider, base_url, https_only=https_only)
    credentials = {name: check_secret(provider, name, value).strip() for name, value in (required or {}).items()}
    for name, value in secrets.items():
        credentials[name] = check_secret(provider, name, value)
        register_secret(credentials[name])
    context = context_for_new_source()
    if title:
        context.titles.setdefault(provider, title)
    return SourceStart(provider=provider, base_url=url, credentials=credentials, context=context)


class ClientCache(Generic[C]):
    """One API client per resource, made on first use; thread-safe (parallel transformers ask at once).

    Args:
        make: Builds the client of one resource (its own rate window, pacing and request counts).
    """

    def __init__(self, make: Callable[[str], C]) -> None:
        self._make = make
        self._clients: dict[str, C] = {}
        self._lock = threading.Lock()

    def __call__(self, resource: str) -> C:
        """The client of `resource`, made the first time it is asked for."""
        with self._lock:
            if resource not in self._clients:
                self._clients[resource] = self._make(resource)
            return self._clients[resource]
