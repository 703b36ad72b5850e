"""ByteHR's walks take turns in walk_priority order (sources/bytehr/turns.py), in refuse mode too."""

from __future__ import annotations

import pytest

from sources._shared.errors import ProviderPartialFailure
from tests.bytehr.helpers import VENDOR, requests_by_resource, start
from tests.harness import Harness

RESERVE = 10  # the default quota_reserve


def test_refuse_mode_first_run_spends_a_short_quota_in_walk_priority_order(harness: Harness) -> None:
    # a first run: no walk knows its page count before its first page (definitions 1, employees 2,
    # leave requests 2, departments 1, positions 1); 4 requests above the reserve
    app = start(harness)
    app.set_quota_remaining(RESERVE + 4)
    with pytest.raises(ProviderPartialFailure) as failure:
        harness.run(VENDOR)
    # dlt's round-robin would have sent page 1 of each walk before the employees knew they need 2
    assert [e.path.rsplit("/", 1)[-1] for e in app.requests()][:3] == ["custom-fields", "employees", "employees"]
    assert requests_by_resource(app) == {"custom_field_definitions": 1, "employees": 2, "leave_requests": 1,
                                         "departments": 0, "positions": 0}
    assert harness.count(VENDOR, "employees") == app.count("employees")
    # the leave requests' first page took the last request above the reserve: the walk continues next run;
    # the walks after it could not start
    assert harness.count(VENDOR, "leave_requests") == 100
    assert sorted(failure.value.failures) == ["departments", "positions"]
    assert "no request fits above the quota reserve" in failure.value.failures["departments"]
