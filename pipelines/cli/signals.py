"""Ctrl-C as the console script sees it: noted in a pipe while dlt holds SIGINT, one line and exit 130.

Kept free of heavy imports: :mod:`pipelines.cli.entry` installs it before dlt, duckdb and the sources load.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pipelines.run.interrupts import EXIT_INTERRUPTED, INTERRUPTED

_wakeup: list[int] = []  # read end of the pipe Python's C-level signal handler writes signal numbers into


def watch_ctrl_c() -> None:
    """Has every SIGINT the process receives noted in a pipe (:func:`signal.set_wakeup_fd`).

    dlt takes SIGINT over while it normalizes and loads: it drains the running jobs and, when they
    were the package's last, completes it and forgets the signal. The pipe still holds it.
    """
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    _wakeup.append(read)


def ctrl_c_seen() -> bool:
    """Whether a SIGINT came since the last call (always False unless run by the console script)."""
    seen = False
    for fd in _wakeup:
        try:
            while chunk := os.read(fd, 512):
                seen = seen or signal.SIGINT in chunk
        except BlockingIOError:
            pass
    return seen


@contextmanager
def interrupts_ignored() -> Iterator[None]:
    """Ignores Ctrl-C inside the block (main thread only): a second one must not cut the summary short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def interrupted() -> None:
    """Prints the one line and leaves at once, without waiting for dlt's worker threads or a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the line short
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass  # a closed pipe: the line on stderr still matters
    print(INTERRUPTED, file=sys.stderr, flush=True)
    # os._exit: the run's lock and files were released while the exception unwound; joining dlt's
    # pool threads at interpreter exit could block, or print their tracebacks, after the line
    os._exit(EXIT_INTERRUPTED)
