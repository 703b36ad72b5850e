"""The dbt project's layout keeps every vendor in its own staging folder (no database needed).

A vendor is the folder ``dbt/models/staging/<vendor>/``: its sources, staging views and one
conformed model ``<vendor>__<hr model>`` per mart it feeds, all enabled by the vendor's presence in
``var('hr_vendors')``. The only line about it elsewhere is its ``hr_conformed_models`` entry in
``dbt_project.yml``, which dbt needs while it parses.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from pipelines.dbt.runner import DBT_PROJECT_DIR
from pipelines.observe.history import STATUSES


def vendor_folders(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "models" / "staging").iterdir() if p.is_dir())


def project_vars(project: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((project / "dbt_project.yml").read_text())
    return dict(doc["vars"])


def layout_problems(project: Path) -> list[str]:
    """What breaks the one-folder-per-vendor rule in ``project`` (empty when it holds)."""
    problems: list[str] = []
    vendors = vendor_folders(project)
    marts = sorted(p.stem for p in (project / "models" / "marts").glob("hr_*.sql"))
    declared = project_vars(project)["hr_conformed_models"]
    if sorted(declared) != vendors:
        problems.append(f"hr_conformed_models lists {sorted(declared)}, staging folders are {vendors}")
    for vendor in vendors:
        folder = project / "models" / "staging" / vendor
        conformed = sorted(p.stem[len(vendor) + 2:] for p in folder.glob(f"{vendor}__*.sql"))
        if sorted(declared.get(vendor, [])) != conformed:
            problems.append(f"{vendor}: hr_conformed_models {declared.get(vendor)} but conformed models {conformed}")
        problems += [f"{vendor}: {name} is no mart" for name in conformed if name not in marts]
        enabled = f"{{{{ '{vendor}' in var('hr_vendors', var('hr_conformed_models')) }}}}"
        models = {m["name"]: m for m in yaml.safe_load((folder / f"_{vendor}__models.yml").read_text())["models"]}
        for sql in sorted(folder.glob("*.sql")):
            if models.get(sql.stem, {}).get("config", {}).get("enabled") != enabled:
                problems.append(f"{vendor}: {sql.name} is not enabled by {enabled} in _{vendor}__models.yml")
        sources = yaml.safe_load((folder / f"_{vendor}__sources.yml").read_text())["sources"]
        if [s["name"] for s in sources] != [vendor] or sources[0]["config"].get("enabled") != enabled:
            problems.append(f"{vendor}: _{vendor}__sources.yml must declare source {vendor} enabled by {enabled}")
    # every other file (marts, macros, dbt tests, profiles, the project's comments) names no vendor
    names = re.compile("|".join(vendors), re.IGNORECASE)
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if not path.is_file() or path.suffix not in (".sql", ".yml", ".md", ".csv") or path.name.startswith(".") \
                or relative.parts[0] in ("target", "logs", "dbt_packages"):
            continue  # the project's sources, not what dbt writes beside them
        if relative.parts[:2] == ("models", "staging") and len(relative.parts) > 3:
            continue
        text = path.read_text()
        if relative == Path("dbt_project.yml"):  # bar the hr_conformed_models entries
            text = re.sub(r"(?m)^  hr_conformed_models:\n(    \w+: \[.*\]\n)+", "", text)
        problems += [f"{relative} names {m.group(0)}" for m in names.finditer(text)]
    return problems


def test_each_vendor_lives_in_its_own_staging_folder() -> None:
    assert vendor_folders(DBT_PROJECT_DIR) == ["bytehr", "cutehr", "hollyhr"]
    assert layout_problems(DBT_PROJECT_DIR) == []


def test_the_layout_check_catches_a_vendor_outside_its_folder(tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "models" / "staging" / "cutehr" / "cutehr__hr_custom_fields.sql").write_text("select 1 as x\n")
    mart = project / "models" / "marts" / "hr_time_off.sql"
    mart.write_text(mart.read_text() + "-- CuteHR's leaves\n")
    assert layout_problems(project) == [
        "cutehr: hr_conformed_models ['hr_employees', 'hr_departments', 'hr_time_off', 'hr_data_quality', "
        "'hr_employment_history'] but conformed models ['hr_custom_fields', 'hr_data_quality', 'hr_departments', "
        "'hr_employees', 'hr_employment_history', 'hr_time_off']",
        "cutehr: cutehr__hr_custom_fields.sql is not enabled by "
        "{{ 'cutehr' in var('hr_vendors', var('hr_conformed_models')) }} in _cutehr__models.yml",
        "models/marts/hr_time_off.sql names CuteHR",
    ]


def test_hr_vendors_defaults_to_every_vendor_folder() -> None:
    """``dbt build`` by hand (README, "Running dbt yourself") builds every vendor."""
    values = project_vars(DBT_PROJECT_DIR)
    assert "hr_vendors" not in values  # macros/union_vendors.sql: hr_vendors() falls back to these
    assert sorted(values["hr_conformed_models"]) == vendor_folders(DBT_PROJECT_DIR)


def test_run_history_statuses_are_those_dbt_accepts() -> None:
    """A run stopped by SIGTERM, a task timeout or its time budget must not fail the next ``dbt build``."""
    for vendor in vendor_folders(DBT_PROJECT_DIR):
        doc = yaml.safe_load((DBT_PROJECT_DIR / "models" / "staging" / vendor / f"_{vendor}__sources.yml").read_text())
        runs = [t for s in doc["sources"] for t in s.get("tables", []) if t["name"] == "_hr_elt_runs"]
        assert len(runs) == 1, vendor
        status = next(c for c in runs[0]["columns"] if c["name"] == "status")
        accepted = [test["accepted_values"]["arguments"]["values"] for test in status.get("data_tests", [])
                    if isinstance(test, dict) and "accepted_values" in test]
        assert accepted == [list(STATUSES)], (vendor, accepted)
