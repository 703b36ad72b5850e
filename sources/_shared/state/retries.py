"""The parents whose child request failed: read again first on the next run (a child resource's retry set).

A child resource (a dlt transformer that sends one request per parent, e.g. HollyHR's employment
per person) is fed only the parents its parent resource yields this run: new or changed since the
parent's cursor. When the child fails part-way (an isolated ``403``), the parent's cursor still
advances with the parent's rows, so the next run would never send those parents to the child again.
:class:`ChildRetries` keeps, in the child's own dlt resource state (committed with the load that
carries its rows, so a killed run changes nothing), the ids of the parents whose request failed or
was never sent; the next run reads them first and drops an id only once its child rows were
yielded. A parent that is gone since (the vendor answers ``404``) is the vendor's call to handle:
the child's request function answers "nothing" for it, which clears the id.

The set is bounded (``limit`` ids): past it the ids are not kept and every run fails the child
resource (an isolated failure, exit 1) until ``--full-refresh`` reads all parents again.

Its parent resource must end with an empty page when :func:`retries_pending` says so: dlt calls a
transformer only for what its parent yields, and a run with no changed parents yields nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import dlt

from sources._shared.context import RunContext
from sources._shared.progress import progress_of

PENDING_KEY = "retry_parent_ids"
OVERFLOW_KEY = "retry_overflow"
DEFAULT_LIMIT = 20_000  # ids per child resource: about 0.5 MB of state for 20-character ids


def retries_pending(children: Iterable[str]) -> bool:
    """True when one of the `children` resources has parents to read again (reads the source state, writes nothing)."""
    resources = dlt.current.source_state().get("resources", {})
    return any(resources.get(name, {}).get(PENDING_KEY) or resources.get(name, {}).get(OVERFLOW_KEY)
               for name in children)


class ChildRetries:
    """The retry set of one child resource for one run (thread-safe: dlt runs pages of parents in parallel).

    Args:
        context: The run's context (notes, failures).
        provider: The vendor, e.g. ``"hollyhr"``.
        resource: The child resource, e.g. ``"employments"``.
        what: How the summary names the parents and the child, e.g. ``("people", "employment")``.
        key: The parent's id field.
        limit: Ids kept at most.
    """

    def __init__(self, context: RunContext, provider: str, resource: str, what: tuple[str, str],
                 key: str = "id", limit: int = DEFAULT_LIMIT) -> None:
        self._context = context
        self._provider = provider
        self._resource = resource
        self._parents, self._child = what
        self._key = key
        self._limit = limit
        self._lock = threading.Lock()
        self._taken = False

    def read(self, call: Callable[[dict[str, Any]], Any], parents: Sequence[dict[str, Any]],
             fan_out: Callable[[Callable[[dict[str, Any]], Any], Sequence[dict[str, Any]]], Iterator[Any]],
             ) -> Iterator[Any]:
        """``fan_out(call, parents)``, the retry set's parents first (on the run's first page); keeps the set.

        What was not answered, because its call or an earlier one raised, goes into the set; what
        was answered leaves it. The exception is raised on, for the caller's isolation to judge.
        """
        state = dlt.current.resource_state(self._resource)  # by name: dlt runs pages in its worker threads
        todo = self._take(state, parents)
        answered = 0
        try:
            for result in fan_out(call, todo):
                answered += 1
                yield result
        finally:
            self._keep(state, todo, answered)

    def _take(self, state: dict[str, Any], parents: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        with self._lock:
            if self._taken:
                return list(parents)
            self._taken = True
            if state.get(OVERFLOW_KEY):
                self._overflowed()
            pending = list(state.get(PENDING_KEY, []))
        if not pending:
            return list(parents)
        text = (f"{self._resource}: {len(pending)} {self._parents} whose {self._child} failed last run "
                f"are read again")
        logging.getLogger(f"sources.{self._provider}").info("%s", text)
        self._context.note(self._provider, f"{self._resource}_retried", text)
        in_page = {parent[self._key] for parent in parents}
        again = [{self._key: pid} for pid in pending if pid not in in_page]
        progress_of(self._context).add(self._provider, self._resource, total=len(again))  # queued besides the page
        return again + list(parents)

    def _keep(self, state: dict[str, Any], todo: list[dict[str, Any]], answered: int) -> None:
        done = {parent[self._key] for parent in todo[:answered]}
        failed = [parent[self._key] for parent in todo[answered:]]
        with self._lock:
            before = state.get(PENDING_KEY, [])
            if not failed and not before:
                return
            kept = dict.fromkeys(pid for pid in before if pid not in done)
            kept.update(dict.fromkeys(failed))
            if len(kept) > self._limit:
                state[OVERFLOW_KEY] = True
                kept = {}
                self._overflowed()
            if kept:
                state[PENDING_KEY] = list(kept)
            else:
                state.pop(PENDING_KEY, None)

    def _overflowed(self) -> None:
        self._context.record_failure(
            f"{self._provider}/{self._resource}",
            f"{self._provider}: {self._resource}: the {self._child} of more than {self._limit} {self._parents} "
            f"failed in one run, too many to read again one by one; rows may be missing until "
            f"`hr-elt run {self._provider} --full-refresh`")
