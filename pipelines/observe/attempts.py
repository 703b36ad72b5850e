"""Attempts that died without a word (SIGKILL, out of memory, a lost node): found and recorded by the next run.

A run writes ``<pipelines_dir>/<pipeline>.attempt.json`` when it starts (and updates it at each
checkpoint) and removes it when it ends in any way it can say (ok, partial, failed, interrupted,
incomplete). The pipeline lock (:mod:`pipelines.run.lock`) makes the next run of the same pipeline the
only one that can see the file; finding it there means the attempt that wrote it never ended: the
next run records it in ``_hr_elt_runs`` with status ``killed`` (so ``hr-elt status`` shows it) before
its own row.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from dlt.common.pipeline import get_dlt_pipelines_dir

from pipelines.observe.history import RunRecord, utc_now
from pipelines.run.observer import RunFacts


def attempt_path(run: RunFacts) -> Path:
    """``<pipelines_dir>/<pipeline>.attempt.json``, beside the pipeline's lock file."""
    return Path(run.pipelines_dir or get_dlt_pipelines_dir()) / f"{run.pipeline.pipeline_name}.attempt.json"


def begin(run: RunFacts, started_at: datetime) -> None:
    """Marks the attempt of `run` as in progress."""
    _write(run, {"run_id": run.context.run_id, "pid": os.getpid(), "started_at": started_at.isoformat(),
                 "load_ids": [], "checkpoints": 0})


def checkpoint(run: RunFacts, load_ids: list[str]) -> None:
    """Adds a committed checkpoint to the attempt's mark (what a kill after it does not lose)."""
    found = _read(attempt_path(run))
    if found is None:
        return
    found["load_ids"] = [*found.get("load_ids", []), *load_ids]
    found["checkpoints"] = int(found.get("checkpoints", 0)) + 1
    _write(run, found)


def stopped_at_once(run: RunFacts) -> None:
    """Stopped at once after a SIGTERM (grace over, a second signal): the next run records it ``interrupted``.

    Nothing else is written now: a stop at once must not wait for a load into the warehouse.
    """
    found = _read(attempt_path(run))
    if found is not None:
        _write(run, {**found, "status": "interrupted"})


def end(run: RunFacts) -> None:
    """The attempt ended in a way it could say: its mark goes."""
    attempt_path(run).unlink(missing_ok=True)


def killed_before(run: RunFacts) -> RunRecord | None:
    """The ``killed`` (or ``interrupted``) row of an earlier attempt that never recorded its end; None if none."""
    found = _read(attempt_path(run))
    if found is None or found.get("run_id") == run.context.run_id:
        return None
    try:
        started = datetime.fromisoformat(str(found["started_at"]))
    except (KeyError, ValueError):
        started = utc_now()
    kept = int(found.get("checkpoints", 0))
    committed = (f"what its {kept} checkpoint(s) committed stayed loaded" if kept
                 else "nothing of it was committed")
    status = "interrupted" if found.get("status") == "interrupted" else "killed"
    how = ("was stopped at once after a SIGTERM (grace period over, or a second signal), before it could record "
           "itself" if status == "interrupted"
           else "ended without a word: killed (SIGKILL, out of memory, a lost node)")
    target = run.target
    return RunRecord(
        run_id=str(found.get("run_id") or ""), vendor=target.vendor, tenant=target.tenant,
        pipeline_name=run.pipeline.pipeline_name, destination=run.ref.kind, location=run.ref.location,
        started_at=started, ended_at=utc_now(), status=status,
        error=f"the attempt (pid {found.get('pid')}) {how}; {committed}; found by run {run.context.run_id}, "
              "which resumes",
        load_ids=[str(i) for i in found.get("load_ids", [])],
    )


def _read(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"run_id": "", "started_at": utc_now().isoformat()}  # a mark cut short by the kill itself
    return found if isinstance(found, dict) else {"run_id": "", "started_at": utc_now().isoformat()}


def _write(run: RunFacts, values: dict[str, Any]) -> None:
    path = attempt_path(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(values))
    os.replace(partial, path)  # a kill mid-write leaves the old mark or the new one, never half of one
