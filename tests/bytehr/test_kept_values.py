"""ByteHR: what the warehouse keeps when ByteHR stops sending a custom field (archived) or changes its type,
typed as a user types it (``hr-elt run bytehr``) against the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.bytehr.helpers import VENDOR, start
from tests.harness import Harness, on_each_destination

BIN = Path(sys.executable).parent


def _values(app: Any, key: str) -> dict[int, Any]:
    """employee id -> the sandbox's value of one custom field (non-null only)."""
    return {r["id"]: f["value"] for r in app.records("employees") for f in r["custom_fields"]
            if f["key"] == key and f["value"] is not None}


def hr_elt_run(harness: Harness) -> subprocess.CompletedProcess[str]:
    args = [str(BIN / "hr-elt"), "run", VENDOR, "--pipelines-dir", harness.pipelines_dir,
            "--destination", harness.destination]
    if harness.destination == "duckdb":
        args += ["--duckdb-path", harness.duckdb_path]
    done = subprocess.run(args, env=dict(os.environ), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _kept(harness: Harness, key: str, column: str = "value") -> dict[int, Any]:
    return dict(harness.query(f"select employee_id, {column} from bytehr.custom_field_values "
                              f"where key = '{key}' and _dlt_valid_to is null and {column} is not null"))


@on_each_destination
def test_an_archived_field_keeps_its_values_and_a_restored_one_continues(harness: Harness) -> None:
    app = start(harness)
    hr_elt_run(harness)
    sizes = _values(app, "tshirt_size")
    assert sizes and _kept(harness, "tshirt_size") == sizes
    app.archive_custom_field("tshirt_size")
    changed = app.ids("employees")[3]
    app.update_employee(changed, last_name="Moved")  # a record written again while the field is archived
    out = hr_elt_run(harness).stdout
    # the values loaded before stay queryable per employee, the ones written again included
    assert _kept(harness, "tshirt_size") == sizes
    assert harness.scalar("select count(*) from bytehr.custom_field_values where key = 'tshirt_size' "
                          "and _dlt_valid_to is not null") == 0
    assert harness.scalar(f"select last_name from bytehr.employees where id = {changed}") == "Moved"
    # the definitions say when it was archived; the summary says what happened, truly
    archived = harness.query("select archived from bytehr.custom_field_definitions where key = 'tshirt_size'")
    assert archived == [(True,)]
    line = next(li for li in out.splitlines() if "custom field 'tshirt_size' archived" in li)
    assert "its values stay in custom_field_values" in line and "keeps its earlier values" not in line
    # restored: the same values come back and continue the same rows; a changed one gets a new version
    app.archive_custom_field("tshirt_size", archived=False)
    moved = app.ids("employees")[5]
    app.set_custom_value(moved, "tshirt_size", "4XL")
    hr_elt_run(harness)
    assert _kept(harness, "tshirt_size") == {**sizes, moved: "4XL"}
    retired = harness.query("select employee_id, value from bytehr.custom_field_values where key = 'tshirt_size' "
                            "and _dlt_valid_to is not null")
    assert retired == ([(moved, sizes[moved])] if moved in sizes else [])
    assert harness.scalar("select count(custom_fields__tshirt_size) from bytehr.employees") == len(
        {**sizes, moved: "4XL"})


@on_each_destination
def test_a_retyped_field_keeps_its_old_values_and_reads_its_new_ones(harness: Harness) -> None:
    app = start(harness)
    hr_elt_run(harness)
    badges = _values(app, "badge_number")
    app.change_custom_field_type("badge_number", "text", convert=lambda v: f"B-{v}")
    out = hr_elt_run(harness).stdout
    # the new values: current; the old ones: kept as retired versions, typed
    assert _kept(harness, "badge_number") == {e: f"B-{v}" for e, v in badges.items()}
    old = dict(harness.query("select employee_id, value_number from bytehr.custom_field_values "
                             "where key = 'badge_number' and _dlt_valid_to is not null"))
    assert old == {e: float(v) for e, v in badges.items()}
    line = next(li for li in out.splitlines() if "custom field 'badge_number' retyped" in li)
    assert "custom_field_values keeps the values of the old type" in line
    assert "keeps the values of its old type)" not in out
