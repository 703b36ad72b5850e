"""Child requests for a page of parents, a bounded number at a time, results in the parents' order.

A vendor that needs one request per parent record (HollyHR: employment and history per person)
spends its time waiting on the network, not on CPU: with a service time of 100 ms or more, one
request at a time leaves most of a route's rate limit unused. :func:`fan_out` runs the calls on a
small thread pool and hands back their results in the order of the inputs, so what a resource
yields is the same as sequential calls would have yielded, only sooner. The route's
:class:`~sources._shared.http.pacing.RatePacer` bounds and paces the requests themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def fan_out(call: Callable[[T], R], items: Sequence[T], workers: int, name: str = "fan-out") -> Iterator[R]:
    """``call(item)`` for every item, up to `workers` at once; yields the results in the items' order.

    The first call that raises ends it: no call starts after it, the ones running are waited for,
    and its exception is raised to the caller once the results before it were yielded.

    Args:
        call: The work for one item (thread-safe).
        items: The inputs, e.g. a page of parent records.
        workers: Calls at once; 1 (or a single item) runs them in the caller's thread.
        name: Prefix of the worker threads' names (shown in logs and tracebacks).
    """
    if workers <= 1 or len(items) <= 1:
        for item in items:
            yield call(item)
        return
    failed = threading.Event()

    def guarded(item: T) -> R:
        if failed.is_set():  # an earlier call failed: send nothing more
            raise _Skipped
        try:
            return call(item)
        except BaseException:
            failed.set()
            raise

    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix=name)
    try:
        # calls start in the items' order, so every call before a failed one has started and is waited for
        futures = [pool.submit(guarded, item) for item in items]
        for future in futures:
            yield future.result()
    finally:
        # on an error, or a consumer that stopped early: what has not started never will
        failed.set()
        pool.shutdown(wait=True, cancel_futures=True)


class _Skipped(Exception):
    """A call not made because an earlier one failed (never seen by the caller: the failure is raised first)."""
