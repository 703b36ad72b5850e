"""The ``timezone`` setting: checked before any request, and CuteHR's attendance days in the tenant's zone.

A tenant at UTC-8 whose runs happen at 02:00 UTC (18:00 the day before there): the UTC day that has
not begun for the tenant is never asked for, and over consecutive runs every day is read and loaded
once. (UTC+11 is the history scenario's tenant, tests/history/test_history_scenario.py.)
"""

from __future__ import annotations

import inspect
from datetime import date, datetime, time, timedelta, timezone

import pytest
import time_machine

from sources import registry
from sources._shared.errors import ProviderConfigError
from tests.docs.test_readme import build_source
from tests.harness import Harness, raised

WEST = "Etc/GMT+8"  # UTC-8 (POSIX signs)


@pytest.mark.parametrize("vendor", [spec.name for spec in registry.specs()
                                    if "timezone" in inspect.signature(spec.source).parameters])
def test_an_unknown_time_zone_fails_in_one_line_naming_the_setting(vendor: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{registry.get(vendor).env_prefix}TIMEZONE", "Mars/Olympus_Mons")
    with pytest.raises(Exception) as caught:
        build_source(vendor, monkeypatch)
    error = raised(caught.value, ProviderConfigError)
    line = str(error)
    assert "\n" not in line and vendor in line and "Mars/Olympus_Mons" in line
    assert f"SOURCES__{vendor.upper()}__TIMEZONE" in line


@pytest.mark.parametrize("destination", ["duckdb"])
def test_a_utc_minus_8_tenant_gets_every_day_once_and_none_early(harness: Harness) -> None:
    app = harness.start("cutehr", employees=6, timezone=WEST)
    harness.setenv("SOURCES__CUTEHR__TIMEZONE", WEST)
    harness.setenv("SOURCES__CUTEHR__ATTENDANCE_LOOKBACK_DAYS", "0")
    utc_today = datetime.now(timezone.utc).date()
    requested: list[tuple[date, date]] = []
    for offset in (3, 2, 1):
        moment = datetime.combine(utc_today - timedelta(days=offset), time(2), tzinfo=timezone.utc)
        local_today = moment.date() - timedelta(days=1)  # 18:00 the day before at UTC-8
        app.clock.set(moment)
        app.clear_log()
        with time_machine.travel(moment, tick=True):
            harness.run("cutehr", resources=["attendance"])
        windows = [(date.fromisoformat(str(e.arg("date_from"))), date.fromisoformat(str(e.arg("date_to"))))
                   for e in app.requests() if e.path.endswith("/attendance") and e.status == 200]
        assert windows and max(end for _, end in windows) == local_today, (moment, windows)
        requested += windows
    first = min(start for start, _ in requested)
    last = max(end for _, end in requested)
    read = {start + timedelta(days=k) for start, end in requested for k in range((end - start).days + 1)}
    assert read == {first + timedelta(days=k) for k in range((last - first).days + 1)}  # no day skipped
    count, distinct = harness.query(f"select count(*), count(distinct id) from cutehr.attendance "
                                    f"where \"date\" between '{first}' and '{last}'")[0]
    assert count == distinct == app.attendance_count(first, last)  # every day's rows once
