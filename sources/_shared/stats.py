"""Counts what a run spent on the wire, for the run summary and for tests."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RequestStats:
    """Requests sent per provider and resource, with retries and throttling."""

    requests: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, key: str, status: int | None, retry: bool) -> None:
        """Records one attempt; `key` is ``provider/resource``."""
        with self._lock:
            self.requests[key] += 1
            if retry:
                self.retries[key] += 1
            if status == 429:
                self.throttled[key] += 1

    def record_failure(self, key: str, message: str) -> None:
        """Records a resource that failed on its own while the rest of the source went on."""
        with self._lock:
            self.failures[key] = message

    def note(self, provider: str, topic: str, text: str) -> None:
        """Records one line for the run summary; a later note on the same `topic` replaces it."""
        with self._lock:
            self.notes[f"{provider}/{topic}"] = text

    def notes_of(self, provider: str) -> list[str]:
        """Summary lines of one provider, in the order their topics first appeared."""
        with self._lock:
            return [text for k, text in self.notes.items() if k.split("/")[0] == provider]

    def failures_of(self, provider: str) -> dict[str, str]:
        """Failed resources of one provider, ``resource -> message``."""
        with self._lock:
            return {k.split("/", 1)[1]: m for k, m in self.failures.items() if k.split("/")[0] == provider}

    def total(self, provider: str | None = None) -> int:
        """Requests sent in all, or by one provider."""
        with self._lock:
            return sum(n for k, n in self.requests.items() if provider is None or k.split("/")[0] == provider)

    def reset(self) -> None:
        """Forgets everything counted so far."""
        with self._lock:
            self.requests.clear()
            self.retries.clear()
            self.throttled.clear()
            self.failures.clear()
            self.notes.clear()


# The run-wide counter: pipelines reset it at the start of a run and read it for the summary.
STATS = RequestStats()
