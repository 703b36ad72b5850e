"""``hr-elt webhooks serve``: HollyHR webhook deliveries trigger incremental runs of what changed.

A delivery is ``POST`` JSON ``{"id": "evt_...", "type": "person.updated", "created_at": ..., "data": {...}}``
with ``HollyHR-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``. This module
holds what is HollyHR's: the signature scheme and which resources an event type touches
(``person.*`` -> people, employments, employment history; ``time_off.*`` -> time off;
``document.*`` -> documents). Verification order, dedup, debouncing and the HTTP server are the
shared machinery of the app's receiver (``pipelines.webhooks.server``), handed :data:`PROTOCOL`.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
from collections.abc import Iterable

import dlt

from sources._shared import declare
from sources._shared.spec import AppFacade, CliPlugin
from sources._shared.webhooks import SignatureError, WebhookProtocol
from sources.hollyhr import settings
from sources.hollyhr.declaration import RESOURCES

VENDOR = settings.PROVIDER
SIGNATURE_HEADER = "HollyHR-Signature"
SECRET_SETTING = "sources.hollyhr.webhook_secret (env SOURCES__HOLLYHR__WEBHOOK_SECRET)"

# event type prefix -> resources whose incremental run picks the change up
EVENT_RESOURCES: dict[str, tuple[str, ...]] = declare.event_resources(RESOURCES)


def resources_for(event_type: str) -> tuple[str, ...]:
    """The resources an event type touches; empty for types the connector does not load."""
    return EVENT_RESOURCES.get(event_type.split(".", 1)[0], ())


def verify_signature(header: str | None, body: bytes, secrets: Iterable[str], now: float, tolerance: float) -> int:
    """Checks a ``HollyHR-Signature`` header against the raw body.

    Args:
        header: ``t=<unix seconds>,v1=<hex>`` (several ``v1`` allowed).
        body: The request body exactly as received.
        secrets: Accepted signing secrets (the current one, and the previous one during a rotation).
        now: Current unix time.
        tolerance: Largest accepted distance between ``t`` and `now`, in seconds.

    Returns:
        The signed timestamp.

    Raises:
        SignatureError: the delivery must be refused.
    """
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    stamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                stamp = int(value)
            except ValueError:
                raise SignatureError("malformed timestamp in signature header") from None
        elif key == "v1" and value:
            candidates.append(value.strip())
    if stamp is None or not candidates:
        raise SignatureError("malformed signature header")
    if abs(now - stamp) > tolerance:
        raise SignatureError(f"timestamp outside the {tolerance:.0f}s tolerance window (replayed or delayed)")
    signed = str(stamp).encode("ascii") + b"." + body
    matched = False
    for secret in secrets:
        expected = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
        for candidate in candidates:
            # constant-time; evaluate every pair so timing tells nothing about which one matched
            matched |= hmac.compare_digest(expected.encode("ascii"), candidate.encode("ascii", "replace"))
    if not matched:
        raise SignatureError("signature does not match")
    return stamp


class HollyHRWebhooks(WebhookProtocol):
    """HollyHR's signature scheme and event types."""

    vendor = VENDOR
    signature_header = SIGNATURE_HEADER
    secret_setting = SECRET_SETTING

    def verify(self, header: str | None, body: bytes, secrets: Iterable[str], now: float, tolerance: float) -> int:
        """See :func:`verify_signature`."""
        return verify_signature(header, body, secrets, now, tolerance)

    def resources_for(self, event_type: str) -> tuple[str, ...]:
        """See :func:`resources_for`."""
        return resources_for(event_type)


PROTOCOL = HollyHRWebhooks()


def _add_arguments(parser: argparse.ArgumentParser, app: AppFacade) -> None:
    sub = parser.add_subparsers(dest="webhooks_command", required=True)
    app.add_webhook_arguments(sub.add_parser("serve", help="verify signed deliveries and run the affected resources"),
                              VENDOR)


def _run(args: argparse.Namespace, app: AppFacade) -> int:
    return app.serve_webhooks(PROTOCOL, dlt.secrets.get("sources.hollyhr.webhook_secret"), args)


CLI_PLUGIN = CliPlugin(name="webhooks", help="HollyHR webhook receiver: deliveries trigger incremental runs",
                       add_arguments=_add_arguments, run=_run, settings=("webhook_secret",))
