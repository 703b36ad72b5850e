"""The last page each resource received: named in errors about records found on it."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class PageRef:
    """Where a page came from, without host or credentials.

    Attributes:
        where: ``GET /path?query`` of the request that returned the page.
        request_id: The vendor's request id of that answer, if it sent one.
    """

    where: str
    request_id: str | None = None

    def __str__(self) -> str:
        return self.where + (f" (request_id {self.request_id})" if self.request_id else "")


class PageLog:
    """Thread-safe map ``provider/resource -> PageRef`` of the latest successful answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: dict[str, PageRef] = {}

    def note(self, key: str, where: str, request_id: str | None) -> None:
        """Remembers the latest page of `key` (``provider/resource``)."""
        with self._lock:
            self._pages[key] = PageRef(where, request_id)

    def last(self, provider: str, resource: str | None = None) -> PageRef | None:
        """The latest page of a resource; None when it made no request."""
        with self._lock:
            return self._pages.get(f"{provider}/{resource}")


PAGES = PageLog()
