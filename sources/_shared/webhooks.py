"""What a vendor's webhooks are, for the receiver in ``pipelines.webhooks``: the signature scheme and event types.

A vendor that sends webhooks subclasses :class:`WebhookProtocol` in its own package; the receiver
(verification order, dedup, debouncing, the HTTP server) is the app's and is handed the protocol.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable


class SignatureError(ValueError):
    """A delivery whose signature is missing, malformed, wrong or outside the tolerance window."""


class WebhookProtocol:
    """What differs between vendors' webhooks: the signature scheme and the event types.

    A vendor subclasses it in its own package and sets the class attributes.

    Attributes:
        vendor: The vendor's name (runs, logs, the default delivery path ``/webhooks/<vendor>``).
        signature_header: The request header carrying the signature.
        secret_setting: The setting of the signing secret(s), as named in error messages.
    """

    vendor: str = ""
    signature_header: str = ""
    secret_setting: str = ""

    def verify(self, header: str | None, body: bytes, secrets: Iterable[str], now: float, tolerance: float) -> int:
        """Checks a signature header against the raw body; returns the signed timestamp.

        Raises:
            SignatureError: the delivery must be refused.
        """
        raise NotImplementedError

    def resources_for(self, event_type: str) -> tuple[str, ...]:
        """The resources an event type touches; empty for types the connector does not load."""
        raise NotImplementedError

    @property
    def logger(self) -> logging.Logger:
        """The vendor's logger: what the receiver refuses, skips or schedules is said there."""
        return logging.getLogger(f"sources.{self.vendor}")
