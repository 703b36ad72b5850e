"""Ctrl-C and SIGTERM as the console script sees them.

Ctrl-C: noted in a pipe while dlt holds SIGINT, one line and exit 130. SIGTERM (what Kubernetes,
systemd, Airflow and Dagster send): a graceful stop. Every run of the process stops at its next
checkpoint (:mod:`pipelines.run.stops`), what is complete is committed and recorded, exit 143; when
no checkpoint comes within the grace period, or a second signal comes, the run stops at once as on
Ctrl-C (exit 143 all the same).

Kept free of heavy imports: :mod:`pipelines.cli.entry` installs it before dlt, duckdb and the sources load.
"""

from __future__ import annotations

import _thread
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pipelines.run.interrupts import EXIT_INTERRUPTED, EXIT_TERMINATED, INTERRUPTED
from pipelines.run.stops import TERMINATED, request_stop

_wakeup: list[int] = []  # read end of the pipe Python's C-level signal handler writes signal numbers into
_terms: list[int] = []  # SIGTERMs received (a process-wide fact, as the signal is)
_done = threading.Event()  # the command finished: a grace period that ends later stops nothing


def note_sigterm() -> None:
    """While the imports run: a SIGTERM is only noted (see :func:`terminated`), as Ctrl-C is."""
    signal.signal(signal.SIGTERM, lambda sig, frame: _terms.append(sig))


def watch_sigterm(grace: Callable[[], float]) -> None:
    """Makes SIGTERM a graceful stop: at the next checkpoint; at once after `grace()` seconds or a second signal."""
    def handler(sig: int, frame: object) -> None:
        _terms.append(sig)
        if len(_terms) == 1:  # the work (locks, config) is done on a thread, never inside the handler
            threading.Thread(target=_graceful, args=(grace,), name="hr-elt-sigterm", daemon=True).start()
        elif not _done.is_set():
            _thread.interrupt_main()  # a second signal: stop at once

    signal.signal(signal.SIGTERM, handler)
    if _terms:  # one came during the imports
        threading.Thread(target=_graceful, args=(grace,), name="hr-elt-sigterm", daemon=True).start()


def _graceful(grace: Callable[[], float]) -> None:
    request_stop(TERMINATED)
    try:
        seconds = grace()
    except Exception:  # noqa: BLE001 - an invalid setting fails the run itself; the stop keeps a default
        seconds = 20.0
    if not _done.wait(seconds):
        _thread.interrupt_main()  # no checkpoint within the grace period: stop at once


def terminated() -> bool:
    """Whether a SIGTERM came (the command stops at the next checkpoint and exits 143)."""
    return bool(_terms)


def command_done() -> None:
    """The command is complete: a grace period still running ends without stopping anything."""
    _done.set()


def exit_interrupted() -> int:
    """The exit code of a stop: 143 after SIGTERM, 130 after Ctrl-C."""
    return EXIT_TERMINATED if _terms else EXIT_INTERRUPTED


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
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass  # a closed pipe: the line on stderr still matters
    print(INTERRUPTED, file=sys.stderr, flush=True)
    # os._exit: the run's lock and files were released while the exception unwound; joining dlt's
    # pool threads at interpreter exit could block, or print their tracebacks, after the line
    os._exit(exit_interrupted())
