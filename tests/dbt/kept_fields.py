"""ByteHR custom fields the vendor retypes or stops sending, read through the marts (shared by the
DuckDB and Postgres dbt tests: it mutates the module's sandbox, so each module runs it last)."""

from __future__ import annotations

from typing import Any

from tests.dbt.warehouse import Warehouse, assert_clean


def _values(app: Any, key: str) -> dict[int, Any]:
    """employee id -> the sandbox's value of one custom field (non-null only)."""
    return {r["id"]: f["value"] for r in app.records("employees") for f in r["custom_fields"]
            if f["key"] == key and f["value"] is not None}


def check_retyped_and_archived_fields_show_current_values(warehouse: Warehouse) -> None:
    """A retyped field's mart column holds its new values, an archived one its last values."""
    byte = warehouse.sandbox.bytehr
    sizes = _values(byte, "tshirt_size")
    assert sizes
    byte.change_custom_field_type("badge_number", "text", convert=lambda v: f"B-{v}")
    byte.archive_custom_field("tshirt_size")
    rewritten = byte.ids("employees")[2]
    byte.update_employee(rewritten, last_name="Moved")  # written again while tshirt_size is archived
    warehouse.run("bytehr", source_kwargs={"min_interval_hours": {"*": 0}})  # walk now, not in 24 h
    # the loaded tables: new badge values in the variant column, the archived field null where rewritten
    assert "custom_fields__badge_number__v_text" in warehouse.columns("bytehr", "employees")
    assert warehouse.scalar(f"select custom_fields__tshirt_size from bytehr.employees where id = {rewritten}") is None
    # the whole project: on Postgres dbt replaces a view with a cascade, dropping the views on top of it
    assert_clean(warehouse.dbt())

    badges = dict(warehouse.query("select source_id, custom_fields__badge_number from hr_unified.hr_employees "
                                  "where provider = 'bytehr'"))
    assert {int(k): v for k, v in badges.items() if v is not None} == _values(byte, "badge_number")
    assert all(str(v).startswith("B-") for v in badges.values() if v is not None)
    kept = dict(warehouse.query("select source_id, custom_fields__tshirt_size from hr_unified.hr_employees "
                                "where provider = 'bytehr' and custom_fields__tshirt_size is not null"))
    assert {int(k): v for k, v in kept.items()} == sizes  # the rewritten employee's included
    assert warehouse.scalar("select last_name from hr_unified.hr_employees "
                            f"where person_key = 'bytehr:{rewritten}'") == "Moved"
    # one column per field: the variant column is folded into the field's column, typed text now
    columns = warehouse.columns("hr_unified", "hr_employees")
    assert "custom_fields__badge_number__v_text" not in columns
    fields = {r[0]: r[1:] for r in warehouse.query(
        "select field_key, hr_employees_column, hr_employees_column_type, archived, field_type "
        "from hr_unified.hr_custom_fields")}
    assert fields["badge_number"][0] == "custom_fields__badge_number"
    assert fields["badge_number"][1] == columns["custom_fields__badge_number"]
    assert columns["custom_fields__badge_number"] in ("varchar", "text", "character varying")
    assert fields["badge_number"][3] == "text"
    assert fields["tshirt_size"][0] == "custom_fields__tshirt_size" and fields["tshirt_size"][2] is True
    # the old type's values are kept (retired versions in the loaded table)
    old = warehouse.scalar("select count(*) from bytehr.custom_field_values where key = 'badge_number' "
                           "and _dlt_valid_to is not null and value_number is not null")
    assert old == len(_values(byte, "badge_number"))
