"""The one cheap request that proves a source's credentials, declared by the vendor (``hr-elt check``).

A vendor's ``@dlt.source`` function builds its probe next to its clients (it knows the cheapest
authenticated request of its API) and attaches it to one of the resources it returns::

    attach_probe(people, CredentialsProbe(
        request="GET /people?limit=1",
        send=lambda: request_id(client_for("people").get("/people", params={"limit": 1})),
    ))

Nothing is sent when the source is built: :func:`probe_of` finds the probe on the built source and
``hr-elt check`` calls ``send`` at most once. A vendor whose requests count against a paid quota
says so (``spends_quota``): the check then sends nothing unless told to spend, and says what it
would cost (``cost``, from the source state earlier runs saved).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from requests import Response

_ATTRIBUTE = "_hr_elt_credentials_probe"


def _no_cost(state: Mapping[str, Any]) -> str | None:
    return None


@dataclass(frozen=True)
class CredentialsProbe:
    """How to prove a source's credentials with one request.

    Attributes:
        request: What is sent, without host or secrets (``GET /people?limit=1``, ``POST /auth/login``).
        send: Sends it; returns the vendor's request id of the answer (None when it sends none).
            Raises :class:`~sources._shared.errors.ProviderError` when the vendor refuses.
        spends_quota: True when the request counts against a quota the customer pays for.
        cost: What one request costs, from the vendor's saved source state (``1 of your 912
            requests left this cycle``); None when unknown.
    """

    request: str
    send: Callable[[], str | None]
    spends_quota: bool = False
    cost: Callable[[Mapping[str, Any]], str | None] = _no_cost


R = TypeVar("R")


def attach_probe(resource: R, probe: CredentialsProbe) -> R:
    """Ties `probe` to a resource the source returns; :func:`probe_of` finds it on the built source."""
    setattr(resource, _ATTRIBUTE, probe)  # noqa: B010 - a name no dlt attribute uses
    return resource


def probe_of(source: Any) -> CredentialsProbe | None:
    """The probe one of the source's resources carries; None when the vendor declares none."""
    for resource in source.resources.values():
        probe = getattr(resource, _ATTRIBUTE, None)
        if isinstance(probe, CredentialsProbe):
            return probe
    return None


def request_id(response: Response, header: str) -> str | None:
    """The vendor's request id of an answer (its `header`), for the check's output."""
    value = response.headers.get(header)
    return str(value) if value else None
