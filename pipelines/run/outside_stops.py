"""Stops an orchestrator raises inside a run, as the run path is told of them (it names no orchestrator).

A scheduler ends a task in its own way: Airflow's ``execution_timeout`` raises its timeout exception
from a SIGALRM handler, Dagster's run termination raises its interruption error from its SIGTERM
handler. Both derive from :class:`BaseException`, so ``except Exception`` lets them pass. The code that
runs a load for an orchestrator (:func:`pipelines.orchestration.run_load`) says, for the duration of
the load, which exception types are such a stop (:func:`counted_as_stops`); the run path then catches
them, records the run as ``interrupted`` (history row, alert), advances no cursor beyond the last
checkpoint, and raises them on to the orchestrator, which retries or ends the task as it would.

In such a process a ``KeyboardInterrupt`` is a stop from outside too (dlt turns a SIGTERM that comes
while it loads into one), so the recipes count it; in the console script it stays a person's Ctrl-C.
Kept free of heavy imports, like :mod:`pipelines.run.stops`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_counted: list[type[BaseException]] = []  # one entry per registration: overlapping loads each add theirs


@contextmanager
def counted_as_stops(*types: type[BaseException]) -> Iterator[None]:
    """Within the block, exceptions of `types` (anywhere in a run's error chain) are stops from outside."""
    with _lock:
        _counted.extend(types)
    try:
        yield
    finally:
        with _lock:
            for kind in types:
                _counted.remove(kind)


def stop_types() -> tuple[type[BaseException], ...]:
    """The exception types counted as stops from outside now (none outside an orchestrator's load)."""
    with _lock:
        return tuple(dict.fromkeys(_counted))


def caught_by_run_path() -> tuple[type[BaseException], ...]:
    """What the run path catches to record a run's end: every error, Ctrl-C, and the stops counted now."""
    return (Exception, KeyboardInterrupt, *stop_types())


def outside_stop(exc: BaseException) -> BaseException | None:
    """The counted stop in `exc`'s chain (itself, dlt's wrapped ``exception``, cause, context), or None."""
    kinds = stop_types()
    if not kinds:
        return None
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        if isinstance(current, kinds):
            return current
        seen.append(current)
        inner = getattr(current, "exception", None)
        todo += [e for e in (inner, current.__cause__, current.__context__) if isinstance(e, BaseException)]
    return None
