"""The machine-readable run summary: ``hr-elt run ... --json`` and ``--summary-file F``.

One document per command: ``{"schema_version", "status", "exit_code", "runs": [...], "skipped": [...]}``,
one run object per vendor/tenant, for a failed run too. The keys are listed in README.md
("Machine-readable summary"); :data:`SCHEMA_VERSION` changes when a key changes meaning or goes.

Row counts are only what is known, never a guess: ``inserted`` and ``updated`` come from the sources
that remember what they loaded (snapshot walks: an id not remembered is inserted, a remembered one
with new content updated); a resource without that memory (an ``updated_since`` listing merged on its
key) reports its rows as ``upserted`` with ``inserted`` and ``updated`` null. ``deleted`` is counted
by the resources that can tell deletes (:func:`sources._shared.state.deletes.report_deletes`); null
elsewhere.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from pipelines.run.budget import EXIT_INCOMPLETE
from pipelines.run.interrupts import EXIT_INTERRUPTED, EXIT_TERMINATED, TERMINATED_LINE
from pipelines.run.interrupts import INTERRUPTED as INTERRUPTED_LINE
from pipelines.run.result import PHASES, RunResult, absolute_path, failed_run_of, run_object
from pipelines.run.tenants import Target

SCHEMA_VERSION = 1
INTERRUPTED = INTERRUPTED_LINE.removeprefix("hr-elt: ")
"""The ``error`` of an interrupted run and document: the line printed on stderr, as ``error`` holds the others."""


def unstarted_run_object(target: Target, destination: str, dataset: str | None, pipelines_dir: str | None,
                         error: str, status: str = "failed") -> dict[str, Any]:
    """The summary of a run that failed (or was interrupted) before its pipeline ran (settings, destination, lock)."""
    return {
        "vendor": target.vendor,
        "tenant": target.tenant,
        "pipeline": {"name": None, "pipelines_dir": absolute_path(pipelines_dir)},
        "destination": {"kind": destination, "location": None},
        "dataset": dataset or target.name,
        "status": status,
        "error": error,
        "seconds": None,
        "phases": dict.fromkeys(PHASES),
        "requests": {"total": 0, "retries": 0, "throttled": 0},
        "resources": {},
        "tables": {},
        "notes": [],
        "warnings": [],
        "failures": {},
    }


class SummaryDocument:
    """The JSON document of one ``hr-elt run`` command: its runs, in order, and the vendors skipped."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []
        self.skipped: list[str] = []
        self.error: str | None = None

    def add(self, result: RunResult, error: str | None = None) -> None:
        """Adds a run that ran (ok, partial, or failed after its pipeline started)."""
        self.runs.append(run_object(result, error))

    def add_failure(self, target: Target, destination: str, exc: BaseException, line: str,
                    dataset: str | None = None, pipelines_dir: str | None = None) -> None:
        """Adds a run that raised: its facts if it got as far as running, else what the command knew."""
        result = failed_run_of(exc)
        if result is None:
            self.runs.append(unstarted_run_object(target, destination, dataset, pipelines_dir, line))
        else:
            self.add(result, line)

    def add_interrupted(self, target: Target, destination: str, interrupt: BaseException,
                        dataset: str | None = None, pipelines_dir: str | None = None) -> None:
        """Adds the run a Ctrl-C stopped: its facts so far if its pipeline ran, else what the command knew."""
        result = failed_run_of(interrupt)
        if result is None:
            self.runs.append(unstarted_run_object(target, destination, dataset, pipelines_dir, INTERRUPTED,
                                                  status="interrupted"))
        else:
            result.status = "interrupted"
            self.add(result, INTERRUPTED)

    def as_dict(self, exit_code: int) -> dict[str, Any]:
        """The document, with its ``status``.

        ``interrupted`` after a Ctrl-C (exit 130) or SIGTERM (exit 143), ``incomplete`` when a time
        budget stopped a run at a checkpoint (exit 75, the next run goes on), else ``ok`` when every run
        was, ``failed`` when none ran or all failed, ``partial`` otherwise.
        """
        statuses = {run["status"] for run in self.runs}
        if exit_code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
            status = "interrupted"
        elif exit_code == EXIT_INCOMPLETE and statuses <= {"ok", "incomplete"}:
            status = "incomplete"
        elif not self.runs or statuses == {"failed"}:
            status = "failed"
        elif exit_code == 0 and statuses == {"ok"}:
            status = "ok"
        else:
            status = "partial"
        error = {EXIT_INTERRUPTED: INTERRUPTED,
                 EXIT_TERMINATED: TERMINATED_LINE.removeprefix("hr-elt: ")}.get(exit_code, self.error)
        return {"schema_version": SCHEMA_VERSION, "status": status, "exit_code": exit_code, "error": error,
                "runs": self.runs, "skipped": list(self.skipped)}

    def dumps(self, exit_code: int) -> str:
        """The document as indented JSON."""
        return json.dumps(self.as_dict(exit_code), indent=2, default=str)

    def hand_over(self, exit_code: int, to_stdout: bool, path: str | None) -> int:
        """Prints the document (``--json``) and writes it to `path` (``--summary-file``); returns `exit_code`.

        A file that cannot be written is one line on stderr and exit 1: a scheduler reading it
        must not take an old file for this run's.
        """
        if to_stdout:
            print(self.dumps(exit_code))
        if path:
            try:
                self.write(path, exit_code)
            except OSError as exc:
                print(f"hr-elt: cannot write the summary file {path}: {exc.strerror or exc}", file=sys.stderr)
                return 1
        return exit_code

    def write(self, path: str, exit_code: int) -> None:
        """Writes the document to `path` (whole or not at all: a temp file renamed over it)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temp.write_text(self.dumps(exit_code) + "\n", encoding="utf-8")
        os.replace(temp, target)
