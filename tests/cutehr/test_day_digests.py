"""DayDigests: which attendance rows are remembered, and which are skipped as unchanged."""

from __future__ import annotations

from datetime import date
from typing import Any

from sources.cutehr.windows import DayDigests


def row(i: int, day: str, status: str = "present") -> dict[str, Any]:
    return {"id": i, "date": day, "status": status}


def test_backfill_days_before_the_lookback_are_passed_on_without_digests() -> None:
    state: dict[str, Any] = {}
    digests = DayDigests(state, enabled=True, remember_from=date(2026, 11, 20))
    rows = [row(1, "2026-11-02"), row(2, "2026-11-19"), row(3, "2026-11-20"), row(4, "2026-11-27")]
    assert digests.fresh(rows) == rows
    assert sorted(digests.by_day) == ["2026-11-20", "2026-11-27"]
    assert digests.fresh(rows) == rows[:2]  # remembered days skip their unchanged rows
    digests.save(date(2026, 11, 20))
    assert sorted(state["digests"]) == ["2026-11-20", "2026-11-27"]


def test_an_old_day_that_has_digests_is_still_checked() -> None:
    state: dict[str, Any] = {}
    earlier = DayDigests(state, enabled=True, remember_from=date(2026, 11, 13))
    earlier.fresh([row(1, "2026-11-13"), row(2, "2026-11-13")])
    earlier.save(date(2026, 11, 13))
    # a week later the look-back starts on the 20th, but the run starts where the last one left off
    later = DayDigests(state, enabled=True, remember_from=date(2026, 11, 20))
    assert later.fresh([row(1, "2026-11-13"), row(2, "2026-11-13", status="sick")]) == [row(2, "2026-11-13", "sick")]
    assert later.unchanged == 1


def test_disabled_digests_pass_everything() -> None:
    digests = DayDigests({}, enabled=False, remember_from=date(2026, 11, 20))
    rows = [row(1, "2026-11-27")]
    assert digests.fresh(rows) == rows and digests.fresh(rows) == rows
