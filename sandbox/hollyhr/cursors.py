"""Opaque, signed pagination cursors: ``cursor_`` + urlsafe base64 of (JSON payload + HMAC tag)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

PREFIX = "cursor_"
TAG_LEN = 16
MAX_AGE_MS = 24 * 3600 * 1000


class CursorError(ValueError):
    """A cursor that cannot be used; `expired` tells a stale cursor from a malformed one."""

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class CursorCodec:
    """Encodes and verifies cursors; `generation` lets the app invalidate every cursor issued so far."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self.generation = 0

    def _tag(self, raw: bytes) -> bytes:
        return hmac.new(self._secret, raw, hashlib.sha256).digest()[:TAG_LEN]

    def encode(self, route: str, position: tuple[str, str], filt: str | None, issued_ms: int) -> str:
        payload = {"v": 1, "r": route, "p": list(position), "f": filt, "t": issued_ms, "g": self.generation}
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
        return PREFIX + base64.urlsafe_b64encode(raw + self._tag(raw)).decode("ascii").rstrip("=")

    def decode(self, token: str, route: str, now_ms: int) -> dict[str, Any]:
        """Returns the payload of a valid cursor for `route`; raises :class:`CursorError` otherwise."""
        if not token.startswith(PREFIX):
            raise CursorError("Malformed cursor.")
        body = token[len(PREFIX):]
        try:
            blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (ValueError, TypeError) as exc:
            raise CursorError("Malformed cursor.") from exc
        raw, tag = blob[:-TAG_LEN], blob[-TAG_LEN:]
        if len(blob) <= TAG_LEN or not hmac.compare_digest(tag, self._tag(raw)):
            raise CursorError("Malformed cursor.")
        try:
            payload = json.loads(raw)
            pos = payload["p"]
            if not (isinstance(pos, list) and len(pos) == 2 and all(isinstance(x, str) for x in pos)):
                raise ValueError("bad position")
            issued, gen = int(payload["t"]), int(payload["g"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CursorError("Malformed cursor.") from exc
        if payload.get("r") != route:
            raise CursorError("Cursor belongs to a different endpoint.")
        if gen != self.generation or now_ms - issued > MAX_AGE_MS:
            raise CursorError("Cursor expired; restart the walk without a cursor.", expired=True)
        return payload
