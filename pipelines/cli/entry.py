"""The ``hr-elt`` console script: Ctrl-C at any moment, imports included, ends in one line and exit 130.

SIGTERM stops gracefully at the next checkpoint and exits 143 (:mod:`pipelines.cli.signals`).

Kept free of heavy imports so that the handler is in place before dlt, duckdb and the sources load.
"""

from __future__ import annotations

import logging
import signal
import sys

from pipelines.cli.signals import command_done, interrupted, note_sigterm, watch_ctrl_c, watch_sigterm


def main() -> None:
    """Runs :func:`pipelines.cli.main.main`; a KeyboardInterrupt (dlt's signal exception included) exits 130."""
    logging.getLogger("dlt").addFilter(_quiet_after_signal)
    # a KeyboardInterrupt inside a C extension's import (pyarrow, duckdb) can crash the interpreter:
    # during the imports a Ctrl-C is only noted, and acted on once they are done
    noted: list[int] = []
    signal.signal(signal.SIGINT, lambda sig, frame: noted.append(sig))
    note_sigterm()
    try:  # imported here, not at the top: the handler above must be in place before dlt, duckdb and pyarrow load
        from pipelines.cli import main as cli
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    watch_ctrl_c()
    watch_sigterm(cli.grace_seconds)
    try:
        code = cli.main(interrupted=bool(noted))  # a Ctrl-C during the imports still gets its summary file
        command_done()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run is complete: a late Ctrl-C changes nothing
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    except KeyboardInterrupt:
        interrupted()
    sys.exit(code)


def _quiet_after_signal(record: logging.LogRecord) -> bool:
    """Drops dlt's own records about draining its pools once a signal came: the one line says it all."""
    signals = sys.modules.get("dlt.common.runtime.signals")
    return not (signals is not None and signals.was_signal_received())
