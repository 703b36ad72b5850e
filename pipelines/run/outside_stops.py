"""Stops from outside a run: what a scheduler raises inside a run to end it.

A scheduler ends a task in its own way: Airflow's ``execution_timeout`` raises ``AirflowTaskTimeout``
from a SIGALRM handler and its SIGTERM handler ``AirflowTaskTerminated``; Dagster's run termination
raises ``DagsterExecutionInterruptedError``. Like ``SystemExit`` and ``KeyboardInterrupt``, they
derive from :class:`BaseException` and not from :class:`Exception`: Python's convention for what ends
a program rather than reports an error, which ``except Exception`` lets pass. The run path catches
them all, so it names no scheduler: it records the run as ``interrupted`` (history row, alert),
advances no cursor beyond the last checkpoint, and raises the stop on to the scheduler, which retries
or ends the task as it would.
"""

from __future__ import annotations

from pipelines.run.interrupts import wrapped_chain


def outside_stop(exc: BaseException) -> BaseException | None:
    """The stop in `exc`'s chain (itself, dlt's wrapped ``exception``, cause, context), or None.

    A stop is a :class:`BaseException` that is not an :class:`Exception` (module docstring), except
    two: ``GeneratorExit`` is a generator being closed, and ``KeyboardInterrupt`` keeps its own path
    (a Ctrl-C, or a SIGTERM the run path turned into one: :mod:`pipelines.run.stops`).
    """
    return next((e for e in wrapped_chain(exc)
                 if not isinstance(e, (Exception, GeneratorExit, KeyboardInterrupt))), None)
