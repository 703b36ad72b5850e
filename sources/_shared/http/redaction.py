"""Keeps secrets out of logs, exceptions and traces.

Every source registers the secrets it was given; a logging filter on the root and dlt
loggers replaces them with ``***`` in every record, and :func:`redact` scrubs any text
built for an exception message.
"""

from __future__ import annotations

import logging
import threading

_MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remembers a secret so that it is masked wherever it would be printed."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)
    _install_filter()


def redact(text: str) -> str:
    """Returns `text` with every registered secret replaced by ``***``."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, _MASK)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in the rendered message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


_filter = RedactingFilter()
_installed: set[str] = set()


def _install_filter() -> None:
    for name in ("", "dlt", "urllib3", "requests", "sources", "pipelines"):
        if name not in _installed:
            logger = logging.getLogger(name)
            logger.addFilter(_filter)
            for handler in logger.handlers:
                handler.addFilter(_filter)
            _installed.add(name)
