"""What one run learns as it goes: requests per resource, notes, isolated failures, last pages.

A :class:`RunContext` belongs to one source instance. The run path (``pipelines.run.runner``) makes one
per run and activates it while it builds the source; a source built outside the run path (plain
``pipeline.run(hollyhr_source())``) makes its own. The source's clients and resources hold the
context they were built with, so dlt's worker threads report into the right run without any
module-level counter, and two runs in one process never mix.

Usage inside a ``@dlt.source`` function::

    context = context_for_new_source()
    client = make_client(..., context=context)
    source = ...
    return attach(source, context)
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

_ATTRIBUTE = "_hr_elt_run_context"


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


@dataclass
class RunContext:
    """Run facts of one source instance; every method is thread-safe.

    Keys are ``provider/resource`` (requests, failures, pages) or ``provider/topic`` (notes).

    Attributes:
        run_id: A fresh id per context, for logs and run history.
        requests: Attempts sent per key.
        retries: Attempts that were retries, per key.
        throttled: Answers with status 429, per key.
        failures: Resources that failed on their own while the rest of the source went on.
        notes: One summary line per topic; a later note on the same topic replaces it.
        warnings: Like notes, for what a user must act on (absent or empty fields, schema drift);
            each is also logged as a WARNING on the provider's logger (``sources.<provider>``).
        facts: Named values a vendor learned about its account this run (``quota_remaining``,
            ``quota_reset``, ``key_expires_at``), for run history and status.
        pages: The latest successful page per key, named in errors about records found on it.
        changes: What a resource's rows were, per key: ``inserted``, ``updated``, ``deleted``,
            ``unchanged`` counts where the source knows them, and ``deleted_as`` (``flagged``, ...).
        parts: Per-run objects of other modules, by name (e.g. the field coverage meter).
        titles: The vendors' display names (``HollyHR``), as the run path knows them from the registry.
    """

    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    requests: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    pages: dict[str, PageRef] = field(default_factory=dict)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    parts: dict[str, Any] = field(default_factory=dict)
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
        """Records a resource (``provider/resource``) that failed on its own."""
        with self._lock:
            self.failures[key] = message

    def note(self, provider: str, topic: str, text: str) -> None:
        """Records one line for the run summary; a later note on the same `topic` replaces it."""
        with self._lock:
            self.notes[f"{provider}/{topic}"] = text

    def warn(self, provider: str, topic: str, text: str) -> None:
        """Records one warning for the run summary and logs it on ``sources.<provider>``; same topic rule as notes."""
        logging.getLogger(f"sources.{provider}").warning("%s", text)
        with self._lock:
            self.warnings[f"{provider}/{topic}"] = text

    def warnings_of(self, provider: str) -> list[str]:
        """Warnings of one provider, in the order their topics first appeared."""
        with self._lock:
            return [text for k, text in self.warnings.items() if _provider(k) == provider]

    def title_of(self, provider: str) -> str:
        """The vendor's display name (``HollyHR``); its name when the run path did not say (a plain dlt run)."""
        return self.titles.get(provider, provider)

    def set_fact(self, provider: str, name: str, value: Any) -> None:
        """Records a fact about the vendor account (e.g. ``quota_remaining``); a later value replaces it."""
        with self._lock:
            self.facts[f"{provider}/{name}"] = value

    def facts_of(self, provider: str) -> dict[str, Any]:
        """Facts of one provider, ``name -> value``."""
        with self._lock:
            return {k.split("/", 1)[1]: v for k, v in self.facts.items() if _provider(k) == provider}

    def count_changes(self, provider: str, resource: str, deleted_as: str | None = None, **counts: int) -> None:
        """Adds to a resource's row counts (``inserted=3, updated=1``); only counts a source truly knows."""
        with self._lock:
            entry = self.changes.setdefault(f"{provider}/{resource}", {})
            for name, n in counts.items():
                entry[name] = entry.get(name, 0) + n
            if deleted_as is not None:
                entry["deleted_as"] = deleted_as

    def changes_of(self, provider: str) -> dict[str, dict[str, Any]]:
        """Row counts of one provider's resources, ``resource -> {name: value}``."""
        with self._lock:
            return {k.split("/", 1)[1]: dict(v) for k, v in self.changes.items() if _provider(k) == provider}
    def part(self, name: str, factory: Callable[[], T]) -> T:
        """The run's object `name`, made by `factory` on first use (one per run, never a module global)."""
        with self._lock:
            if name not in self.parts:
                self.parts[name] = factory()
            made: T = self.parts[name]
            return made

    def note_page(self, key: str, where: str, request_id: str | None) -> None:
        """Remembers the latest page of `key` (``provider/resource``)."""
        with self._lock:
            self.pages[key] = PageRef(where, request_id)

    def last_page(self, provider: str, resource: str | None = None) -> PageRef | None:
        """The latest page of a resource; None when it made no request."""
        with self._lock:
            return self.pages.get(f"{provider}/{resource}")

    def notes_of(self, provider: str) -> list[str]:
        """Summary lines of one provider, in the order their topics first appeared."""
        with self._lock:
            return [text for k, text in self.notes.items() if _provider(k) == provider]

    def failures_of(self, provider: str) -> dict[str, str]:
        """Failed resources of one provider, ``resource -> message``."""
        with self._lock:
            return {k.split("/", 1)[1]: m for k, m in self.failures.items() if _provider(k) == provider}

    def total(self, provider: str | None = None, counter: str = "requests") -> int:
        """Attempts (or ``retries``, ``throttled``) in all, or of one provider."""
        with self._lock:
            counts: Counter[str] = getattr(self, counter)
            return sum(n for k, n in counts.items() if provider is None or _provider(k) == provider)


def _provider(key: str) -> str:
    return key.split("/", 1)[0]


_ACTIVE: ContextVar[RunContext | None] = ContextVar("hr_elt_run_context", default=None)


@contextmanager
def activated(context: RunContext) -> Iterator[RunContext]:
    """Makes `context` the one sources built inside this block (in this thread) report into."""
    token = _ACTIVE.set(context)
    try:
        yield context
    finally:
        _ACTIVE.reset(token)


def context_for_new_source() -> RunContext:
    """The context a source being built reports into: the run path's, or a fresh one."""
    return _ACTIVE.get() or RunContext()


S = TypeVar("S")


def attach(source: S, context: RunContext) -> S:
    """Ties `context` to a source (or resource) object, so callers can read it back with :func:`context_of`."""
    setattr(source, _ATTRIBUTE, context)  # noqa: B010 - a name no dlt attribute uses
    return source


def context_of(source: Any) -> RunContext | None:
    """The context a source reports into; None for a source not built by hr-elt."""
    context = getattr(source, _ATTRIBUTE, None)
    return context if isinstance(context, RunContext) else None
