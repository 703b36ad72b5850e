"""The ``hr-elt`` console script: Ctrl-C at any moment, imports included, ends in one line and exit 130.

Kept free of heavy imports so that the handler is in place before dlt, duckdb and the sources load.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

INTERRUPTED = "hr-elt: interrupted: nothing partial was marked done; the next run resumes"
"""True of every run: dlt commits a resource's state only inside a finished load package, and the run
path first loads the packages an interrupted run left pending (``pipelines.runner``)."""

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a process ended by Ctrl-C


def main() -> None:
    """Runs :func:`pipelines.cli.main`; a KeyboardInterrupt (dlt's signal exception included) exits 130."""
    logging.getLogger("dlt").addFilter(_quiet_after_signal)
    # a KeyboardInterrupt inside a C extension's import (pyarrow, duckdb) can crash the interpreter:
    # during the imports a Ctrl-C is only noted, and acted on once they are done
    noted: list[int] = []
    signal.signal(signal.SIGINT, lambda sig, frame: noted.append(sig))
    try:
        from pipelines.cli import main as cli_main
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    _watch_ctrl_c()
    try:
        code = cli_main(interrupted=bool(noted))  # a Ctrl-C during the imports still gets its summary file
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run is complete: a late Ctrl-C changes nothing
    except KeyboardInterrupt:
        interrupted()
    sys.exit(code)


_wakeup: list[int] = []  # read end of the pipe Python's C-level signal handler writes signal numbers into


def _watch_ctrl_c() -> None:
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


def raise_if_interrupted(exc: BaseException) -> None:
    """Raises KeyboardInterrupt when `exc` (e.g. dlt's PipelineStepFailed) stands for a Ctrl-C.

    dlt intercepts SIGINT while it normalizes and loads, drains its job pool and wraps the signal
    into the step's error; that is an interruption, not a failure.
    """
    if is_interruption(exc):
        raise KeyboardInterrupt from exc


def is_interruption(exc: BaseException) -> bool:
    """Whether `exc` is a Ctrl-C, or an error dlt made of one (its ``exception``, cause or context chain)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.append(current)
        inner = getattr(current, "exception", None)
        todo += [e for e in (inner, current.__cause__, current.__context__) if isinstance(e, BaseException)]
    return False


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


def _quiet_after_signal(record: logging.LogRecord) -> bool:
    """Drops dlt's own records about draining its pools once a signal came: the one line says it all."""
    signals = sys.modules.get("dlt.common.runtime.signals")
    return not (signals is not None and signals.was_signal_received())
