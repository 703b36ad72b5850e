"""A real ``hr-elt run`` killed with SIGKILL in each phase, then run again: the warehouse ends exact.

For each vendor: a full load, a change at the vendor, then an incremental ``hr-elt run`` subprocess
that is frozen in a phase and killed there:

* ``extract``: the sandbox holds its answer to a page request (an ``after_request`` hook), so
  the kill lands mid-walk, with earlier pages already extracted;
* ``normalize``: normalized files written, the package not yet committed;
* ``load``: the first load job's data is in the warehouse, the other jobs are not;
* ``load-commit``: every job (merges included) done, the load not yet recorded in ``_dlt_loads``.

After the kill the warehouse's committed state has not moved and no cursor is ahead of the data;
one next run (after more changes at the vendor) ends with exact counts, no duplicate keys and
cursors at the data; one more run loads nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contracts import contract_for
from tests.harness import Harness
from tests.resilience.crash import (
    Case,
    Gate,
    RunProcess,
    assert_cursors_not_ahead,
    committed_state,
    completed_jobs,
    cursors,
    packages,
)

PHASES = ["extract", "normalize", "load", "load-commit"]


def _case(vendor: str, sizes: dict[str, Any] | None = None) -> Any:
    contract = contract_for(vendor)
    if sizes:
        contract.sizes = sizes  # smaller than the contract suite's: a crash test runs five times
    return pytest.param(Case(vendor, contract, contract.fault_route), id=vendor)


CASES = [
    _case("hollyhr",
          {"people": 15, "time_off_per_person": 1, "documents_per_person": 1, "history_per_person": 1}),
    _case("bytehr"),
    _case("cutehr", {"employees": 30, "leaves_per_employee": 1}),
]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("case", CASES)
def test_run_killed_in_each_phase_then_rerun_is_exact(harness: Harness, case: Case, phase: str) -> None:
    vendor, contract = case.vendor, case.contract
    app = contract.start(harness)
    harness.run(vendor)
    committed_before = committed_state(harness, vendor)
    contract.mutate(app)

    if phase == "extract":
        gate = Gate(app, case.gate_route)
        run = RunProcess(harness, vendor)
        try:
            run.wait_for(gate.reached.is_set, "the held page request")
            held = packages(harness, vendor)
            assert held["extracted"] == [] and held["normalized"] == []  # still extracting
            run.kill()
        finally:
            gate.open()
    else:
        run = RunProcess(harness, vendor, pause_at=phase)
        assert run.wait_paused() == phase
        held = packages(harness, vendor)
        if phase == "normalize":
            assert len(held["extracted"]) == 1 and held["normalizing"] == held["extracted"]
            assert held["normalized"] == []
        else:
            assert held["extracted"] == [] and len(held["normalized"]) == 1
            done = completed_jobs(harness, vendor, held["normalized"][0])
            assert done, "the load phase had not finished any job"
        run.kill()

    # the kill left the warehouse's committed state where the full load put it
    committed = committed_state(harness, vendor)
    assert committed is not None and committed_before is not None
    assert cursors(committed, vendor) == cursors(committed_before, vendor)
    assert_cursors_not_ahead(harness, vendor, committed)

    contract.mutate(app)  # more changes while the pipeline was down
    rerun = harness.run(vendor)  # one run: finishes what is pending, then extracts what is new
    if phase != "extract":
        assert any("an earlier run had extracted but not loaded" in note for note in rerun.notes)
    contract.assert_exact(harness, app)
    assert_cursors_not_ahead(harness, vendor, committed_state(harness, vendor))
    assert_cursors_not_ahead(harness, vendor, harness.state(vendor))
    assert packages(harness, vendor)["normalized"] == []

    again = harness.run(vendor)
    assert again.rows == {}
    contract.assert_exact(harness, app)
