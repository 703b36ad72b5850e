"""dlt's warnings during a run, as one line of ours on the vendor's logger, never dlt's multi-line text.

dlt logs on the ``dlt`` logger (its own stderr handler, not propagated). Its warnings are written for
someone building a pipeline ("Unless type hints are provided ... use the 'columns' argument"), span
many lines and name no vendor. While a run is active, :func:`dlt_warnings_said` filters every
WARNING (and above) of that logger out and says it instead as one line on ``sources.<vendor>`` and
a summary note of the run (:meth:`RunContext.note`); INFO and below pass as dlt logs them.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pipelines.run.destination_causes import shorten
from sources._shared.context import RunContext

DLT_LOGGER = "dlt"

_NO_DATA = re.compile(r"columns in table [`']([^`']+)[`'] did not receive any data")
_LISTED = re.compile(r"^\s+- (\S+)", re.MULTILINE)


def our_line(message: str) -> str:
    """Dlt's warning in one line: the columns a load could not create, or dlt's first sentence."""
    found = _NO_DATA.search(message)
    if found:
        columns = ", ".join(_LISTED.findall(message)) or "some columns"
        untyped = "types inferred" in message or "materialized" in message
        why = ("got no value in this load and have no declared type, so they are not created yet"
               if untyped else "got no value in this load")
        return f"table {found.group(1)}: column(s) {columns} {why}"
    first = " ".join(message.strip().split("\n\n", 1)[0].split())
    return shorten(first or "(no text)")


class _Said(logging.Filter):
    """Turns the dlt logger's warnings into lines of the runs active in this process."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[int, tuple[str, RunContext]] = {}
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        with self.lock:
            run = self.runs.get(threading.get_ident()) or next(reversed(self.runs.values()), None)
        if run is None:
            return True
        vendor, context = run
        line = f"{vendor}: dlt: {our_line(record.getMessage())}"
        logging.getLogger(f"sources.{vendor}").log(record.levelno, line)
        context.note(vendor, f"dlt/{line}", line)
        return False


_FILTER = _Said()


@contextmanager
def dlt_warnings_said(vendor: str, context: RunContext) -> Iterator[None]:
    """While the block runs, dlt's warnings are said as one line each (see the module docstring)."""
    logger = logging.getLogger(DLT_LOGGER)
    ident = threading.get_ident()
    with _FILTER.lock:
        _FILTER.runs[ident] = (vendor, context)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    try:
        yield
    finally:
        with _FILTER.lock:
            _FILTER.runs.pop(ident, None)
            if not _FILTER.runs:
                logger.removeFilter(_FILTER)
