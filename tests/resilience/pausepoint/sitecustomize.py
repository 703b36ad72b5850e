"""Test-only: freezes a real ``hr-elt run`` subprocess at a chosen point of a dlt phase.

Put this directory on ``PYTHONPATH`` and set ``HR_ELT_TEST_PAUSE_AT`` and ``HR_ELT_TEST_PAUSE_MARKER``;
Python imports this module at start-up, before ``hr-elt`` runs. When the chosen point is
reached the process writes the marker file (with the point's name) and blocks forever, so the
test can inspect the pipeline's working directory and SIGKILL it there. Nothing is mocked: the
pipeline, the sandbox and the database are all real; this only decides *when* the kill lands.

Points:
    normalize      normalized files written to load/new/<load_id>, package not yet committed
    load           the first load job completed (its data is in the warehouse), others pending
    load-commit    every job (merges included) done, the load not yet recorded in _dlt_loads
"""

from __future__ import annotations

import os
import threading

POINT = os.environ.get("HR_ELT_TEST_PAUSE_AT", "")
MARKER = os.environ.get("HR_ELT_TEST_PAUSE_MARKER", "")


def _pause(point: str) -> None:
    with open(MARKER, "w", encoding="utf-8") as marker:
        marker.write(point)
    threading.Event().wait()  # until SIGKILL


def _install() -> None:
    from dlt.common.storages.load_storage import LoadStorage
    from dlt.load.load import Load

    if POINT == "normalize":
        original_commit = LoadStorage.commit_new_load_package

        def commit_new_load_package(self, load_id, *args, **kwargs):  # type: ignore[no-untyped-def]
            _pause(POINT)
            return original_commit(self, load_id, *args, **kwargs)

        LoadStorage.commit_new_load_package = commit_new_load_package  # type: ignore[method-assign]
    elif POINT == "load":
        original_complete = Load.complete_jobs

        def complete_jobs(self, load_id, jobs, schema):  # type: ignore[no-untyped-def]
            remaining, finalized, exc = original_complete(self, load_id, jobs, schema)
            if any(job.state() == "completed" for job in finalized):
                _pause(POINT)
            return remaining, finalized, exc

        Load.complete_jobs = complete_jobs  # type: ignore[method-assign]
    elif POINT == "load-commit":
        original_package = Load.complete_package

        def complete_package(self, load_id, schema, aborted=False):  # type: ignore[no-untyped-def]
            _pause(POINT)
            return original_package(self, load_id, schema, aborted)

        Load.complete_package = complete_package  # type: ignore[method-assign]
    else:
        raise RuntimeError(f"unknown HR_ELT_TEST_PAUSE_AT point {POINT!r}")


if POINT and MARKER:
    _install()
