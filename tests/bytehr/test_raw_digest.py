"""ByteHR digests are taken before the custom-field pivot and mean what the pivot loads; timestamps load typed."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from sources.bytehr.custom_fields import ColumnNames, pivot, raw_digest
from tests.bytehr.helpers import RESOURCES, VENDOR, start
from tests.harness import Harness


def employee() -> dict[str, Any]:
    return {"id": 7, "name": "Ada", "updated_at": "2026-11-20T08:00:00Z", "custom_fields": [
        {"key": "Team Name", "label": "Team Name", "type": "text", "value": "Core"},
        {"key": "badge_number", "label": "Badge", "type": "number", "value": 4411},
        {"key": "start", "label": "Start", "type": "date", "value": "2021-03-01"},
        {"key": "skills", "label": "Skills", "type": "multi_select", "value": ["AWS", "PMP"]},
        {"key": "hobby", "label": "Hobby", "type": "text", "value": None},
    ]}


def changed(edit: Any) -> bool:
    record = employee()
    edit(record)
    return raw_digest(record) != raw_digest(employee())


def test_what_the_pivot_ignores_leaves_the_digest_alone() -> None:
    assert not changed(lambda r: r["custom_fields"][0].update(label="Squad"))  # label rename
    assert not changed(lambda r: r["custom_fields"].reverse())  # list order
    assert not changed(lambda r: r["custom_fields"].append(
        {"key": "new", "label": "New", "type": "text", "value": None}))  # a new field, null here
    assert not changed(lambda r: r["custom_fields"].pop())  # a null field gone
    assert not changed(lambda r: r["custom_fields"][1].update(value=4411.0))  # number: one double column


def test_what_the_pivot_loads_changes_the_digest() -> None:
    assert changed(lambda r: r.update(name="Ada L."))
    assert changed(lambda r: r["custom_fields"][0].update(value="Edge"))
    assert changed(lambda r: r["custom_fields"][4].update(value="chess"))
    assert changed(lambda r: r["custom_fields"][2].update(value="2021-03-02"))
    assert changed(lambda r: r["custom_fields"][1].update(type="text", value="B-4411"))
    assert changed(lambda r: r["custom_fields"][3].update(value=["AWS"]))
    assert changed(lambda r: r["custom_fields"].pop(0))


def test_digest_does_not_touch_the_record() -> None:
    record = employee()
    before = copy.deepcopy(record)
    raw_digest(record)
    assert record == before
    pivoted = pivot(copy.deepcopy(record), ColumnNames({}))
    assert pivoted["custom_fields"] == {"team_name": "Core", "badge_number": 4411.0,
                                        "start": datetime.date(2021, 3, 1), "skills": ["AWS", "PMP"]}


def test_timestamps_load_as_sent_and_unchanged_rerun_loads_nothing(harness: Harness) -> None:
    app = start(harness)
    harness.run(VENDOR)
    for resource, field in (("employees", "updated_at"), ("leave_requests", "updated_at"),
                            ("departments", "updated_at"), ("positions", "updated_at"),
                            ("custom_field_definitions", "created_at")):
        kind = harness.scalar("select data_type from information_schema.columns where table_schema = 'bytehr' "
                              f"and table_name = '{resource}' and column_name = '{field}'")
        assert kind == "TIMESTAMP WITH TIME ZONE", resource
        assert not [c for c in harness.columns(VENDOR, resource) if c.startswith(f"{field}__v_")], resource
        key = "key" if resource == "custom_field_definitions" else "id"
        loaded = dict(harness.query(f"select {key}, {field} from bytehr.{resource}"))
        sent = {r[key]: datetime.datetime.fromisoformat(r[field]).astimezone(datetime.timezone.utc)
                for r in app.records(RESOURCES[resource]) if r.get(field) is not None}
        assert {k: v for k, v in loaded.items() if v is not None} == sent, resource
    assert harness.run(VENDOR).rows == {}
