"""ByteHR pacing when another tool shares the key: what is left is paced over the time left, so their
spending slows the walks down instead of stopping them. The connector's and the sandbox's clocks move together."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pendulum
import pytest

from pipelines.cli.main import main as cli
from sandbox.bytehr.data import default_custom_fields
from sources.bytehr import bytehr_source
from sources.bytehr.pacing import PacePolicy, decisions_from_state, plan_from_state
from tests.bytehr.helpers import RESOURCES, VENDOR, live_count, source_state
from tests.bytehr.test_pacing import CYCLE_START, HOURS, RESERVE, clocks, start_paced, walked
from tests.harness import Harness


def test_a_key_spent_down_by_another_user_still_gets_its_walks(harness: Harness,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    # the case: mid-cycle another user of the key has left 40 of 1,000; a full walk needs 8
    app = start_paced(harness, employees=300)
    harness.setenv("SOURCES__BYTEHR__SCHEDULE_RUNS_PER_DAY", "24")
    with clocks(app, CYCLE_START + timedelta(minutes=5)) as move:
        harness.run(VENDOR)
        middle = CYCLE_START + timedelta(days=15, minutes=5)
        move(middle)
        app.set_quota_remaining(40)
        changed = app.ids("employees")[7]
        app.update_employee(changed, last_name="Seen")
        app.clear_log()
        result = harness.run(VENDOR)
        assert walked(app) == set(RESOURCES), result.notes  # 30 above the reserve pay for this walk now
        assert harness.scalar(f"select last_name from bytehr.employees where id = {changed}") == "Seen"
        assert app.quota_remaining == 32
        # an hour later the 22 left wait for their turn: said, with when
        app.clear_log()
        move(middle + timedelta(hours=1))
        result = harness.run(VENDOR)
        assert app.requests() == [] or walked(app) == set()
        first = next(n for n in result.notes if n.startswith("custom_field_definitions: skipped (pace)"))
        assert "the 22 left above the reserve, paced over the time left, pay for a full run (8 requests) every" in first
        employees = next(n for n in result.notes if n.startswith("employees: skipped (pace)"))
        assert "custom_field_definitions comes first in walk_priority" in employees
        when = pendulum.parse(employees.rsplit("next affordable at ", 1)[1])
        assert CYCLE_START + timedelta(days=18) < when < CYCLE_START + timedelta(days=21)
        # the plan replays it: more walks before the reset, never below the reserve
        assert cli(["quota", "bytehr", "--pipelines-dir", harness.pipelines_dir]) == 0
        plan_text = capsys.readouterr().out
        plan = plan_from_state(source_state(harness), PacePolicy(), 100, pendulum.instance(middle + timedelta(hours=2)),
                               24)
        assert plan is not None and plan.walks["employees"] >= 2 and RESERVE <= plan.left_at_reset < RESERVE + 8
        assert f"at the reset {plan.left_at_reset} requests left" in plan_text
        # and at that time the walk comes
        app.update_employee(changed, last_name="Seen again")
        move(datetime.fromtimestamp(when.add(minutes=1).timestamp(), timezone.utc))
        harness.run(VENDOR)
        assert "employees" in walked(app)
        assert harness.scalar(f"select last_name from bytehr.employees where id = {changed}") == "Seen again"


def test_a_month_of_hourly_runs_with_a_second_user_of_the_key(harness: Harness) -> None:
    # 3,000 employees at one record a page (as tests/bytehr/test_pacing.py): a full run takes 35 requests.
    # On day 10 another tool spends the key down to 200 left; every hour decides from the state, and the
    # hours that walk run the source against the sandbox.
    app = start_paced(harness, employees=30, departments=1, positions=1, leave_requests=2,
                      custom_fields=default_custom_fields(1, CYCLE_START)[:1])
    harness.setenv("SOURCES__BYTEHR__PAGE_SIZE", "1")
    full_run, other_day = 35, 10
    pipeline = harness.pipeline(VENDOR, VENDOR)
    walks: dict[str, list[int]] = {name: [] for name in RESOURCES}
    statuses: Counter[int] = Counter()
    state, told = None, False
    with clocks(app, CYCLE_START) as move:
        for hour in range(HOURS):
            now = CYCLE_START + timedelta(hours=hour, minutes=5)
            move(now)
            if hour == other_day * 24:
                app.set_quota_remaining(200)
            if state is not None:
                decided = decisions_from_state(state, PacePolicy(), 1, pendulum.instance(now))
                expected = {name for name, d in decided.items() if d.walk}
                if not expected:
                    continue
            pipeline.extract(bytehr_source())
            did = walked(app)
            if hour > other_day * 24 and not told:  # the run's first answer tells what the other tool spent
                told, expected = True, did if did == {"custom_field_definitions"} else expected
            assert state is None or did == expected, (hour, did, expected)
            statuses.update(e.status for e in app.requests())
            app.clear_log()
            for name in did:
                walks[name].append(hour)
            state = pipeline.state["sources"][VENDOR]
        left_at_reset = app.quota_remaining
        pipeline.normalize()
        pipeline.load()
    assert set(statuses) == {200}
    assert RESERVE <= left_at_reset < RESERVE + full_run  # what was left was used, never the reserve
    after = [h for h in walks["employees"] if h >= other_day * 24]
    assert len(after) == (200 - RESERVE) // full_run  # every walk the 190 left pay for
    gaps = [b - a for a, b in zip([other_day * 24, *after], after, strict=False)]
    mean = (HOURS - other_day * 24) / (len(after) + 1)
    assert max(gaps) <= 1.5 * mean, gaps  # spread over the rest of the cycle, not bunched or stalled
    assert HOURS - after[-1] <= 1.5 * mean
    # every resource walked as often while what is left pays for them all; the last requests of the
    # cycle, too few for an employees walk, may go to the one-request walks
    counts = [len([h for h in hours if h < after[-1]]) for hours in walks.values()]
    assert max(counts) - min(counts) <= 1, walks
    assert live_count(harness, "employees") == 30
