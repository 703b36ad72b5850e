"""ByteHR custom fields: nested typed columns, stable names for awkward keys, schema evolution, contracts."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.run.failures import error_line
from sources.bytehr.custom_fields import column_base
from tests.bytehr.helpers import VENDOR, source_state, start
from tests.harness import Harness, on_each_destination

EXPECTED_COLUMNS = {
    "tshirt_size": "custom_fields__tshirt_size",
    "badge_number": "custom_fields__badge_number",
    "remote_eligible": "custom_fields__remote_eligible",
    "visa_expiry": "custom_fields__visa_expiry",
    "Shoe Size": "custom_fields__shoe_size",
    "Größe": "custom_fields__groesse",
    "Team Name": "custom_fields__team_name",
    "部署コード": f"custom_fields__{column_base('部署コード')}",
}


def _values(app: Any, key: str) -> dict[int, Any]:
    """employee id -> the sandbox's value of one custom field (non-null only)."""
    out = {}
    for record in app.records("employees"):
        for field in record["custom_fields"]:
            if field["key"] == key and field["value"] is not None:
                out[record["id"]] = field["value"]
    return out


def _definitions(harness: Harness) -> dict[str, tuple[Any, ...]]:
    rows = harness.query("select key, label, type, archived, column_name, table_name "
                         "from bytehr.custom_field_definitions")
    return {r[0]: r[1:] for r in rows}


@on_each_destination
def test_custom_fields_land_as_typed_columns(harness: Harness) -> None:
    app = start(harness)
    harness.run(VENDOR)
    types = harness.column_types(VENDOR, "employees")
    for column in EXPECTED_COLUMNS.values():
        assert column in types
    assert "double" in types["custom_fields__badge_number"]  # number: one double column, ints and decimals
    assert "double" in types["custom_fields__groesse"]
    assert types["custom_fields__remote_eligible"] == "boolean"
    assert types["custom_fields__visa_expiry"] == "date"
    assert types["custom_fields__team_name"] in ("varchar", "text", "character varying")
    assert not any(c.startswith("custom_fields__certifications") for c in types)
    # definitions show where each key landed
    definitions = _definitions(harness)
    for key, column in EXPECTED_COLUMNS.items():
        assert definitions[key][3] == column and definitions[key][4] == "employees"
    assert definitions["certifications"][4] == "employees__custom_fields__certifications"
    # values are the sandbox's, keyed by key (never by label)
    for key, column in EXPECTED_COLUMNS.items():
        landed = dict(harness.query(f'select id, "{column}" from bytehr.employees where "{column}" is not null'))
        expected = _values(app, key)
        assert set(landed) == set(expected), key
        for emp_id, value in expected.items():
            got = landed[emp_id]
            assert (str(got) if key == "visa_expiry" else got) == value, (key, emp_id)
    # multi_select: a child table of values, joined to the employee by _dlt_parent_id
    certs = harness.query("select e.id, c.value from bytehr.employees e join "
                          "bytehr.employees__custom_fields__certifications c on c._dlt_parent_id = e._dlt_id")
    expected_certs = {(emp_id, v) for emp_id, values in _values(app, "certifications").items() for v in values}
    assert set(certs) == expected_certs and len(certs) == len(expected_certs)


def test_custom_field_lifecycle_across_runs(harness: Harness) -> None:
    app = start(harness)
    harness.run(VENDOR)

    # a new field: a new column; only employees with a value are written again
    app.add_custom_field("Hobby", "Hobby", "text")
    hobbies = _values(app, "Hobby")
    result = harness.run(VENDOR)
    assert result.rows["employees"] == len(hobbies) < app.count("employees")
    assert result.rows["custom_field_definitions"] == 1
    assert dict(harness.query("select id, custom_fields__hobby from bytehr.employees "
                              "where custom_fields__hobby is not null")) == hobbies

    # a label rename: no column, no employee row written
    columns_before = harness.columns(VENDOR, "employees")
    app.rename_custom_field("Team Name", "Squad")
    result = harness.run(VENDOR)
    assert "employees" not in result.rows and result.rows["custom_field_definitions"] == 1
    assert harness.columns(VENDOR, "employees") == columns_before
    assert _definitions(harness)["Team Name"][:1] == ("Squad",)
    assert _definitions(harness)["Team Name"][3] == "custom_fields__team_name"

    # archived: the column stays; rows written from now on have it null
    had_shoe_size = _values(app, "Shoe Size")
    app.archive_custom_field("Shoe Size")
    result = harness.run(VENDOR)
    assert result.rows["employees"] == len(had_shoe_size)
    assert "custom_fields__shoe_size" in harness.columns(VENDOR, "employees")
    assert harness.scalar("select count(custom_fields__shoe_size) from bytehr.employees") == 0
    assert _definitions(harness)["Shoe Size"][2] is True

    # a type change the values cannot follow: the load goes on, new values land in a variant column
    badges = _values(app, "badge_number")
    app.change_custom_field_type("badge_number", "text", convert=lambda v: f"B-{v}")
    result = harness.run(VENDOR)
    assert result.rows["employees"] == len(badges)
    variant = dict(harness.query("select id, custom_fields__badge_number__v_text from bytehr.employees "
                                 "where custom_fields__badge_number__v_text is not null"))
    assert variant == {emp_id: f"B-{v}" for emp_id, v in badges.items()}
    assert harness.scalar("select count(custom_fields__badge_number) from bytehr.employees") == 0
    assert _definitions(harness)["badge_number"][1] == "text"

    # a type change whose values still parse as the old type: they stay in the old column
    heights = _values(app, "Größe")
    app.change_custom_field_type("Größe", "text")  # 1.72 -> "1.72"
    harness.run(VENDOR)
    assert not any(c.startswith("custom_fields__groesse__v_") for c in harness.columns(VENDOR, "employees"))
    assert dict(harness.query("select id, custom_fields__groesse from bytehr.employees "
                              "where custom_fields__groesse is not null")) == heights

    # and a run with nothing changed writes nothing
    assert harness.run(VENDOR).rows == {}


def test_awkward_keys_get_stable_distinct_columns(harness: Harness) -> None:
    app = start(harness, employees=30)
    awkward = {"shoe size": 1, "SHOE_SIZE": 2, "名前": "n", "住所": "a", "2fa enabled": True, "Über-Größe": 3,
               "  spaced  out  ": "s", "café": "c"}
    for key, value in awkward.items():
        app.add_custom_field(key, key.strip(), "boolean" if isinstance(value, bool) else
                             "number" if isinstance(value, int) else "text", value_fn=value)
    harness.run(VENDOR)
    definitions = _definitions(harness)
    names = {key: definitions[key][3] for key in definitions if definitions[key][3]}
    assert len(set(names.values())) == len(names)  # no two keys share a column
    assert names["Shoe Size"] == "custom_fields__shoe_size"  # first come keeps the plain name
    assert names["shoe size"].startswith("custom_fields__shoe_size_") and names["shoe size"] != names["SHOE_SIZE"]
    assert names["2fa enabled"] == "custom_fields__cf_2fa_enabled"
    assert names["Über-Größe"] == "custom_fields__ueber_groesse"
    assert names["  spaced  out  "] == "custom_fields__spaced_out"
    assert names["café"] == "custom_fields__cafe"
    assert names["名前"].startswith("custom_fields__cf_") and names["住所"].startswith("custom_fields__cf_")
    columns = set(harness.columns(VENDOR, "employees"))
    for key, value in awkward.items():
        column = names[key]
        assert column in columns, key
        expected = float(value) if isinstance(value, int) and not isinstance(value, bool) else value
        assert harness.query(f'select distinct "{column}" from bytehr.employees') == [(expected,)], key
    # the names are kept in dlt state: a later run (and a key added later) changes none of them
    saved = dict(source_state(harness)["custom_field_columns"])
    app.add_custom_field("Shoe-Size", "Shoe-Size", "number", value_fn=4)
    harness.run(VENDOR)
    again = _definitions(harness)
    assert {key: again[key][3] for key in names} == names
    assert again["Shoe-Size"][3].startswith("custom_fields__shoe_size_")
    assert {k: v for k, v in source_state(harness)["custom_field_columns"].items() if k in saved} == saved


def test_full_refresh_gives_the_same_names(harness: Harness) -> None:
    app = start(harness, employees=10)
    app.add_custom_field("shoe size", "x", "number", value_fn=1)
    harness.run(VENDOR)
    first = _definitions(harness)
    harness.run(VENDOR, full_refresh=True)
    assert _definitions(harness) == first


def test_frozen_schema_names_the_new_field(harness: Harness) -> None:
    app = start(harness)
    harness.setenv("SOURCES__BYTEHR__SCHEMA_CONTRACT", "freeze")
    harness.run(VENDOR)  # the first load creates the tables
    columns = harness.columns(VENDOR, "employees")
    app.add_custom_field("Hobby", "Hobby", "text")
    with pytest.raises(Exception) as failure:
        harness.run(VENDOR)
    line = error_line(VENDOR, failure.value)
    assert line.startswith("bytehr [employees]")
    assert "custom field 'Hobby' is new" in line and "custom_fields__hobby" in line
    assert "SOURCES__BYTEHR__SCHEMA_CONTRACT" in line
    assert harness.columns(VENDOR, "employees") == columns
    # a new multi_select field would add a table: refused the same way
    app.archive_custom_field("Hobby")
    app.add_custom_field("Languages", "Languages", "multi_select", value_fn=["en", "de"])
    with pytest.raises(Exception) as failure:
        harness.run(VENDOR)
    assert "employees__custom_fields__languages" in error_line(VENDOR, failure.value)
    # evolve lets both in
    harness.setenv("SOURCES__BYTEHR__SCHEMA_CONTRACT", "evolve")
    app.archive_custom_field("Hobby", archived=False)
    harness.run(VENDOR)
    assert "custom_fields__hobby" in harness.columns(VENDOR, "employees")
    assert harness.count(VENDOR, "employees__custom_fields__languages") == 2 * app.count("employees")
