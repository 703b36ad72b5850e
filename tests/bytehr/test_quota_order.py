"""ByteHR: ``walk_priority`` decides who gets a short quota in every pacing mode, and the plan agrees."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
import pytest

from sources._shared.errors import ProviderPartialFailure
from sources.bytehr.pacing import PacePolicy, decisions_from_state
from tests.bytehr.helpers import VENDOR, requests_by_resource, source_state, start
from tests.bytehr.test_pacing import CYCLE_START, RESET, clocks
from tests.harness import Harness

RESERVE = 10


@pytest.mark.parametrize("pacing", ["off", "even"])
def test_a_short_quota_goes_to_employees_first(harness: Harness, pacing: str) -> None:
    app = start(harness)  # a walk: definitions 1, departments 1, positions 1, employees 2, leave requests 2
    harness.setenv("SOURCES__BYTEHR__QUOTA_PACING", pacing)
    with clocks(app, CYCLE_START + timedelta(minutes=5)) as move:
        harness.run(VENDOR)
        move(RESET - timedelta(days=1))  # a day before the reset, the last walk 30 days ago
        _second_run(harness, app, pacing)


def _second_run(harness: Harness, app: Any, pacing: str) -> None:
    app.set_quota_remaining(RESERVE + 4)  # 4 above the reserve: definitions 1 + employees 2 + one more
    app.update_employee(app.ids("employees")[0], last_name="Changed")
    app.clear_log()
    policy = PacePolicy(pacing=pacing)
    # what the plan replays, from the quota the run is about to see (the last answer said 14)
    state = source_state(harness)
    state["quota"]["remaining"] = RESERVE + 4
    planned = {name for name, d in decisions_from_state(state, policy, 100, pendulum.now("UTC")).items() if d.walk}
    if pacing == "off":
        with pytest.raises(ProviderPartialFailure) as failure:  # refuse mode: what does not fit fails, named
            harness.run(VENDOR)
        assert sorted(failure.value.failures) == ["leave_requests", "positions"]
    else:
        harness.run(VENDOR)
    assert requests_by_resource(app) == {"custom_field_definitions": 1, "employees": 2, "departments": 1,
                                         "leave_requests": 0, "positions": 0}
    assert app.quota_remaining == RESERVE
    assert harness.scalar(f"select last_name from {VENDOR}.employees where id = {app.ids('employees')[0]}") == \
        "Changed"
    assert planned == {"custom_field_definitions", "employees", "departments"}
