"""Webhook signing and delivery (``HollyHR-Signature: t=<unix>,v1=<hex HMAC-SHA256>``)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
from urllib.parse import urlsplit

SIGNATURE_HEADER = "HollyHR-Signature"
EVENT_TYPES = (
    "person.created", "person.updated", "person.ended", "person.reactivated", "employment.updated",
    "employment_history.created", "time_off.created", "time_off.updated", "document.created",
    "document.updated", "document.deleted",
)


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def sign(secret: str, t: int, body: str | bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{t}.{body}"`` keyed with `secret` (the ``v1`` part of the header)."""
    return hmac.new(_bytes(secret), str(int(t)).encode("ascii") + b"." + _bytes(body), hashlib.sha256).hexdigest()


def signature_header(secret: str, t: int, body: str | bytes) -> str:
    """The full ``HollyHR-Signature`` header value: ``t=<unix seconds>,v1=<hex>``."""
    return f"t={int(t)},v1={sign(secret, t, body)}"


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> int:
    """POSTs a delivery (header names sent as spelled); returns the HTTP status (0: receiver unreachable)."""
    parts = urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = conn_cls(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return int(resp.status)
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        conn.close()
