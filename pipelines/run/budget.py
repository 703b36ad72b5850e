"""A run's time budget (``hr-elt run --max-duration 50m``): stop at a checkpoint before it runs out.

A scheduler that kills a task at its timeout throws away the extract in flight; a run that knows its
budget asks its resources to stop at their next checkpoint early enough for that chunk to be loaded.
Such a run ends with status ``incomplete`` and exit code :data:`EXIT_INCOMPLETE`: everything it read is
committed and the next run resumes from there, so a first sync longer than any one run completes over
several scheduled runs.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sources._shared.checkpoint import Checkpoints

EXIT_INCOMPLETE = 75
"""Exit code of a run stopped by its time budget (sysexits' EX_TEMPFAIL: run again to go on)."""

BUDGET = "time budget"
"""The reason a budget stop gives (``Checkpoints.stop_reason``)."""

_UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> float:
    """``50m``, ``2h``, ``90s``, ``1h30m`` or plain seconds, as seconds.

    Raises:
        ValueError: not a duration above 0 (one line naming the value).
    """
    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        seconds = float(value)
    elif re.fullmatch(r"(\d+(\.\d+)?[hms])+", value):
        seconds = sum(float(n) * _UNITS[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([hms])", value))
    else:
        raise ValueError(f"--max-duration {text!r} is not a duration such as 50m, 2h, 1h30m or 900 (seconds)")
    if seconds <= 0:
        raise ValueError(f"--max-duration {text!r} must be above 0")
    return seconds


def reserve(budget: float, checkpoint_seconds: float) -> float:
    """Seconds kept back at the end of a budget: for the last chunk to reach its checkpoint and load.

    A tenth of the budget, at least one checkpoint interval, and never more than half the budget.
    """
    return min(budget / 2, max(budget / 10, checkpoint_seconds))


@contextmanager
def time_budget(checkpoints: Checkpoints, budget: float | None, began: float | None = None) -> Iterator[None]:
    """Asks `checkpoints` to stop when the budget, less its reserve, has passed since `began` (monotonic)."""
    if budget is None:
        yield
        return
    began = time.monotonic() if began is None else began
    interval = checkpoints.policy.max_seconds if checkpoints.policy is not None else 60.0
    left = budget - reserve(budget, interval) - (time.monotonic() - began)
    timer = threading.Timer(max(left, 0.0), checkpoints.request_stop, args=(BUDGET,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
