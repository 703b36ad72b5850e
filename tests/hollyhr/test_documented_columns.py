"""Documented columns exist from the first load with their type; dlt's warnings reach the user as our lines.

Issue 27, item 8: a HollyHR tenant with no deleted document used to get no ``documents.deleted_at``
column (a user's ``where deleted_at is null`` failed) and dlt's multi-line "did not receive any
data ... Unless type hints are provided" warning on stderr.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.run.dlt_log import dlt_warnings_said, our_line
from sandbox import Sandbox
from sources._shared.context import RunContext

BIN = Path(sys.executable).parent


def test_deleted_at_exists_from_a_first_load_without_deletes_and_no_raw_dlt_warning(tmp_path: Path) -> None:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 12}) as sandbox:
        app = sandbox.apps["hollyhr"]
        for document in app.records("documents"):
            if document.get("deleted_at") is not None:
                app.update_document(document["id"], deleted_at=None)
        assert all(d.get("deleted_at") is None for d in app.records("documents"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "HR_ELT__"))}
        env.update(sandbox.env(), RUNTIME__DLTHUB_TELEMETRY="false")
        db = tmp_path / "w.duckdb"
        done = subprocess.run([str(BIN / "hr-elt"), "run", "hollyhr", "--pipelines-dir", str(tmp_path / "p"),
                               "--duckdb-path", str(db)], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "did not receive any data" not in done.stderr and "Unless type hints" not in done.stderr, done.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        types = dict(con.execute("select column_name, data_type from information_schema.columns "
                                 "where table_schema = 'hollyhr' and table_name = 'documents'").fetchall())
        live = con.execute("select count(*) from hollyhr.documents where deleted_at is null").fetchone()
    assert types.get("deleted_at") == "TIMESTAMP WITH TIME ZONE", types
    assert live is not None and live[0] > 0


def test_a_dlt_warning_is_one_line_on_the_vendors_logger_and_a_note(caplog: object) -> None:
    context = RunContext()
    dlt_logger = logging.getLogger("dlt")
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    ours = logging.getLogger("sources.hollyhr")
    keep = Keep()
    ours.addHandler(keep)
    raw = Keep()
    dlt_logger.addHandler(raw)
    text = ("The following columns in table 'documents' did not receive any data during this load and therefore "
            "could not have their types inferred:\n  - deleted_at\n\nUnless type hints are provided, these columns "
            "will not be materialized in the destination.\nOne way to provide type hints is ...")
    try:
        with dlt_warnings_said("hollyhr", context):
            dlt_logger.warning(text)
        dlt_logger.warning("passes as dlt logs it")  # no run active: dlt says it itself
    finally:
        ours.removeHandler(keep)
        dlt_logger.removeHandler(raw)
    said = [r.getMessage() for r in seen if r.name == "sources.hollyhr"]
    assert said == ["hollyhr: dlt: table documents: column(s) deleted_at got no value in this load and have no "
                    "declared type, so they are not created yet"]
    assert [r.getMessage() for r in seen if r.name == "dlt"] == ["passes as dlt logs it"]
    assert context.notes_of("hollyhr") == said
    assert "\n" not in our_line("first sentence.\n\nsecond paragraph")
