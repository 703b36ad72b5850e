"""PII controls: drop or pseudonymise per column, before anything leaves extraction.

Raw values must appear nowhere: not in the warehouse, not in dlt's local files (extracted,
normalized and loaded packages, state, schemas, trace), not in ``_rejected``, also when a run is
killed half-way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from pipelines.run.failures import error_line
from sources import registry
from sources._shared.guard.privacy import PiiSettings
from sources.registry import pii_defaults, pii_policy
from tests.contracts import contract_for
from tests.harness import Harness
from tests.privacy.grep import find_any
from tests.resilience.crash import RunProcess

SIZES = {"people": 20, "time_off_per_person": 1, "documents_per_person": 1, "history_per_person": 1}
KEY = "test-pii-key-0123456789abcdef"
PEOPLE_PII = ("first_name", "last_name", "preferred_name", "work_email")


def expected_pseudonym(value: str, field: str, key: str = KEY) -> str:
    text = value.strip().lower() if "email" in field else value.strip()
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def raw_pii(app: Any) -> list[str]:
    """Distinctive raw PII of the sandbox: e-mail addresses and names (long enough not to occur by chance)."""
    people = app.records("people")
    names = {p[f] for p in people for f in ("first_name", "last_name", "preferred_name") if p[f] and len(p[f]) >= 6}
    return [p["work_email"] for p in people] + sorted(names)


def warehouse_text(harness: Harness, dataset: str) -> str:
    """Every text value of every table of a dataset, as one string."""
    tables = [r[0] for r in harness.query(
        f"select table_name from information_schema.tables where table_schema = '{dataset}'")]
    out = []
    for table in tables:
        out.append(json.dumps(harness.query(f'select * from "{dataset}"."{table}"'), default=str, ensure_ascii=False))
    return "\n".join(out)


def pseudonymise_all(harness: Harness) -> None:
    harness.setenv("HR_ELT__PII__ACTION", "pseudonymise")
    harness.setenv("HR_ELT__PII__HMAC_KEY", KEY)


def test_default_pii_columns_are_pseudonymised_with_a_keyed_hmac(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    pseudonymise_all(harness)
    harness.run("hollyhr")
    person = app.records("people")[0]
    row = dict(zip(harness.columns("hollyhr", "people"),
                   harness.query(f"select * from hollyhr.people where id = '{person['id']}'")[0], strict=True))
    for field in PEOPLE_PII:
        if person[field] is None:
            assert row.get(field) is None
        else:
            assert row[field] == expected_pseudonym(person[field], field)
    assert row["job_title"] == person["job_title"]  # not PII by default: untouched
    doc = app.records("documents")[0]
    title = harness.scalar(f"select title from hollyhr.documents where id = '{doc['id']}'")
    assert title == expected_pseudonym(doc["title"], "title")
    # employments and history (fed by the pseudonymised people) still load exactly, by id
    assert harness.count("hollyhr", "employments") == app.count("employments")

    leaks = find_any(raw_pii(app), harness.pipelines_dir)
    assert leaks == [], leaks[:5]
    text = warehouse_text(harness, "hollyhr")
    assert [v for v in raw_pii(app) if v in text] == []
    assert KEY not in text


def test_per_column_drop_and_keep_override_the_default(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    pseudonymise_all(harness)
    harness.setenv("HR_ELT__PII__COLUMNS", json.dumps({"hollyhr.people.work_email": "drop",
                                                       "hollyhr.people.first_name": "keep",
                                                       "hollyhr.time_off.policy": "pseudonymise"}))
    harness.run("hollyhr")
    columns = harness.columns("hollyhr", "people")
    assert "work_email" not in columns
    person = app.records("people")[0]
    assert harness.scalar(f"select first_name from hollyhr.people where id = '{person['id']}'") == person["first_name"]
    assert harness.scalar(f"select last_name from hollyhr.people where id = '{person['id']}'") == \
        expected_pseudonym(person["last_name"], "last_name")
    tof = app.records("time_off")[0]
    assert harness.scalar(f"select policy from hollyhr.time_off where id = '{tof['id']}'") == \
        expected_pseudonym(tof["policy"], "policy")
    assert find_any([p["work_email"] for p in app.records("people")], harness.pipelines_dir) == []


def test_same_value_same_pseudonym_across_runs_and_a_new_key_changes_it(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    pseudonymise_all(harness)
    harness.run("hollyhr")
    pid = app.person_ids()[3]
    first = harness.scalar(f"select work_email from hollyhr.people where id = '{pid}'")
    app.update_person(pid, job_title="Moved")
    harness.run("hollyhr")
    assert harness.scalar(f"select work_email from hollyhr.people where id = '{pid}'") == first
    policy = pii_policy("hollyhr", PiiSettings(action="pseudonymise", hmac_key="another-key-0123456789"))
    rules = policy.rules_for("people")
    assert rules is not None
    assert rules.apply({"work_email": app.person(pid)["work_email"]})["work_email"] != first


def test_pii_in_quarantined_records_is_protected_too(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    pseudonymise_all(harness)
    pid = app.person_ids()[5]
    app.update_person(pid, job_title="z" * 1_100_000)  # quarantined: longer than max_string_length
    harness.run("hollyhr")
    record = harness.scalar("select record from hollyhr._rejected")
    record = json.loads(record) if isinstance(record, str) else record
    assert record["work_email"] == expected_pseudonym(app.person(pid)["work_email"], "work_email")
    assert find_any([app.person(pid)["work_email"]], harness.pipelines_dir) == []


def test_killed_mid_run_leaves_no_raw_pii_in_local_files(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    pseudonymise_all(harness)
    run = RunProcess(harness, "hollyhr", pause_at="normalize")  # extracted and normalized files on disk
    try:
        assert run.wait_paused() == "normalize"
        assert find_any(raw_pii(app), harness.pipelines_dir) == []
    finally:
        run.kill()
    assert find_any(raw_pii(app), harness.pipelines_dir) == []


def test_pseudonymising_without_a_key_fails_before_any_request(harness: Harness) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.setenv("HR_ELT__PII__ACTION", "pseudonymise")
    with pytest.raises(Exception) as failure:
        harness.run("hollyhr")
    line = error_line("hollyhr", failure.value)
    assert "hr_elt.pii.hmac_key (env HR_ELT__PII__HMAC_KEY)" in line
    assert app.requests() == []


@pytest.mark.parametrize("rule", [{"hollyhr.people.id": "drop"}, {"hollyhr.*.id": "pseudonymise"},
                                  {"hollyhr.time_off.updated_at": "drop"}])
def test_rules_on_a_primary_key_or_cursor_are_refused(harness: Harness, rule: dict[str, str]) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.setenv("HR_ELT__PII__COLUMNS", json.dumps(rule))
    harness.setenv("HR_ELT__PII__HMAC_KEY", KEY)
    with pytest.raises(Exception) as failure:
        harness.run("hollyhr")
    assert "primary key or incremental cursor" in error_line("hollyhr", failure.value)
    assert app.requests() == []


def test_defaults_cover_every_vendor() -> None:
    assert set(registry.names()) == {"hollyhr", "bytehr", "cutehr"}
    for vendor in registry.names():
        tables = pii_defaults(vendor)
        assert tables and all(tables.values()), vendor
    with pytest.raises(ValueError, match="unknown vendor 'nohr'"):
        pii_defaults("nohr")


EMAIL_FIELD = {"hollyhr": ("people", "work_email"), "bytehr": ("employees", "email"), "cutehr": ("employees", "email")}


@pytest.mark.parametrize("vendor", sorted(registry.names()))
def test_every_vendors_default_pii_columns_are_pseudonymised(harness: Harness, vendor: str) -> None:
    contract = contract_for(vendor)
    app = contract.start(harness)
    pseudonymise_all(harness)
    harness.run(vendor)
    hexdigits = set("0123456789abcdef")
    checked = 0
    for table, patterns in pii_defaults(vendor).items():
        columns = harness.columns(vendor, table)
        for pattern in patterns:
            prefix = pattern.replace(".", "__").rstrip("*")
            matching = [c for c in columns if c == pattern or (pattern.endswith("*") and c.startswith(prefix))]
            assert matching or pattern.endswith("*") or pattern == "preferred_name", (table, pattern, columns)
            for column in matching:
                for (value,) in harness.query(f'select "{column}" from "{vendor}"."{table}"'):
                    assert value is None or (len(value) == 64 and set(value) <= hexdigits), (table, column, value)
                    checked += 1
    assert checked
    table, field = EMAIL_FIELD[vendor]
    emails = [r[field] for r in app.records(table) if r.get(field)]
    assert emails and find_any(emails, harness.pipelines_dir) == []
    text = warehouse_text(harness, vendor)
    assert [e for e in emails if e in text] == []
