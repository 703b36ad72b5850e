"""A fourth vendor added with no central file edited: registered here, then put through what every vendor meets.

The generic contract suite (tests/contract.py), the run path (``pipelines.app.run_vendor`` into
DuckDB), the CLI, PII defaults from its spec and the docs check on its own README all find it
through the registry alone.
"""

from __future__ import annotations

import math
import random
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bench.specs import Size
from pipelines.app import run_vendor
from pipelines.dbt.runner import DBT_PROJECT_DIR, run_dbt
from sandbox import Sandbox
from sources import registry
from sources._shared.spec import BigQueryLayout, SpecError, VendorSpec
from tests.contract import SourceContract
from tests.contracts import contract_for
from tests.dbt.test_dbt_project import layout_problems
from tests.docs.test_readme import check_config_defaults, check_config_reference, check_resource_table
from tests.fourthhr.sandbox import API_KEY
from tests.fourthhr.spec import SPEC
from tests.harness import Harness
from tests.shared.test_declaration import check_readme_tables

PAGE_SIZE = 50


@pytest.fixture(autouse=True)
def fourthhr_registered() -> Iterator[VendorSpec]:
    """Registered for each test and removed after: the other suites see only the product's vendors."""
    registry.register(SPEC)
    yield SPEC
    registry.unregister(SPEC.name)


class TestFourthHRContract(SourceContract):
    vendor = "fourthhr"
    sizes = {"workers": 120}
    primary_keys = {"workers": "id"}
    fault_route = "/workers"
    credential_setting = "SOURCES__FOURTHHR__API_KEY"
    deleted_predicate = {"workers": "deleted_at is not null"}

    def expected_counts(self, app: Any) -> dict[str, int]:
        return {"workers": len(app.records())}

    def full_load_requests(self, app: Any) -> int:
        return max(1, math.ceil(len(app.records()) / PAGE_SIZE))

    def unchanged_run_requests(self, app: Any) -> int:
        return 1  # the inclusive filter sends the last run's newest record(s) again: one page

    def mutate(self, app: Any) -> dict[str, int]:
        for wid in app.ids()[:7]:
            app.update(wid, team="team-moved")
        return {"workers": 7}

    def break_credentials(self, harness: Harness, app: Any) -> str:
        wrong = "fourthhr-wrong-key-9876543210"
        harness.setenv("SOURCES__FOURTHHR__API_KEY", wrong)
        return wrong

    def secrets(self, app: Any) -> list[str]:
        return [API_KEY]

    def delete_some(self, app: Any) -> dict[str, tuple[int, int]]:
        for wid in app.ids()[:5]:
            app.delete(wid)
        return {"workers": (len(app.records()), 5)}

    def add_field(self, app: Any) -> tuple[str, str, int]:
        for wid in app.ids()[:4]:
            app.update(wid, nickname="Nick")
        return "workers", "nickname", 4


def test_the_registry_knows_it_only_once_registered() -> None:
    assert SPEC.name in registry.names()
    assert registry.get("fourthhr") is SPEC
    registry.register(SPEC)  # the same spec again: a no-op
    assert registry.names().count("fourthhr") == 1
    registry.unregister("fourthhr")
    with pytest.raises(ValueError, match="unknown vendor 'fourthhr': choose one of bytehr, cutehr, hollyhr"):
        registry.get("fourthhr")


def test_another_vendor_of_the_same_name_is_refused() -> None:
    from dataclasses import replace

    with pytest.raises(SpecError, match="registered already"):
        registry.register(replace(SPEC, title="Impostor"))


def test_its_contract_suite_is_found_by_convention() -> None:
    assert type(contract_for("fourthhr")) is TestFourthHRContract


def test_run_path_loads_it_into_duckdb(harness: Harness) -> None:
    app = harness.start("fourthhr", workers=60)
    result = run_vendor("fourthhr", pipelines_dir=harness.pipelines_dir, duckdb_path=harness.duckdb_path)
    assert result.rows == {"workers": 60}
    assert harness.count("fourthhr", "workers") == 60
    assert len(app.requests()) == 2


def test_pii_defaults_come_from_its_spec(harness: Harness) -> None:
    harness.start("fourthhr", workers=10)
    harness.setenv("HR_ELT__PII__ACTION", "drop")
    harness.run("fourthhr")
    columns = harness.columns("fourthhr", "workers")
    assert "email" not in columns and "name" not in columns
    assert {"id", "team", "updated_at"} <= set(columns)


def test_sandbox_serves_it_by_name() -> None:
    with Sandbox(vendors=("fourthhr",), fourthhr={"workers": 3}) as sandbox:
        assert len(sandbox.fourthhr.records()) == 3
        assert sandbox.env()["SOURCES__FOURTHHR__API_KEY"] == API_KEY
        assert sandbox.env()["SOURCES__FOURTHHR__BASE_URL"] == sandbox.fourthhr.base_url


def test_docs_check_on_its_own_readme(monkeypatch: pytest.MonkeyPatch) -> None:
    check_resource_table(SPEC, monkeypatch)
    check_readme_tables(SPEC)  # and against its declaration
    check_config_reference(SPEC)
    check_config_defaults(SPEC)


def test_cli_offers_it() -> None:
    from pipelines.cli.main import build_parser

    assert build_parser().parse_args(["run", "fourthhr"]).vendor == "fourthhr"


def test_a_spec_missing_a_declaration_is_an_error_at_import() -> None:
    from dataclasses import asdict, replace

    fields = {k: v for k, v in asdict(SPEC).items() if k != "pii"}
    fields["source"] = SPEC.source
    with pytest.raises(TypeError, match="pii"):
        VendorSpec(**fields)  # no silent "no PII" default
    with pytest.raises(SpecError, match=r"pii\['workers'\] must be a non-empty tuple"):
        replace(SPEC, pii={"workers": ()})
    with pytest.raises(SpecError, match="not a 'module:attribute' reference"):
        replace(SPEC, sandbox_app="tests.fourthhr.app.FourthHRApp")
    # a vendor without PII says so, resource by resource; a spec table that drifts from the declaration is refused
    no_pii = tuple(replace(resource, pii=()) for resource in SPEC.declaration)
    assert replace(SPEC, pii={}, declaration=no_pii).pii == {}
    with pytest.raises(SpecError, match="pii differs from the resource declaration"):
        replace(SPEC, pii={})


def test_a_vendor_package_without_spec_is_an_error_at_start(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "nohr").mkdir()
    (tmp_path / "nohr" / "__init__.py").write_text("")
    monkeypatch.setattr(registry, "_PACKAGE_DIR", tmp_path)
    monkeypatch.setattr(registry, "_discovered", None)
    with pytest.raises(SpecError, match="sources/nohr/ is a vendor package without spec.py"):
        registry.names()


def test_cli_runs_the_command_its_spec_brings(capsys: pytest.CaptureFixture[str]) -> None:
    from pipelines.cli.main import build_parser, main

    assert "fourthhr-resources" in build_parser().format_help()
    assert main(["fourthhr-resources", "--shout"]) == 0
    assert capsys.readouterr().out.strip() == "FOURTHHR: RESOURCES WORKERS"


def test_a_plugin_named_like_another_command_is_an_error() -> None:
    from dataclasses import replace

    from pipelines.cli.main import plugins
    from sources._shared.spec import CliPlugin

    registry.unregister(SPEC.name)
    clash = CliPlugin(name="quota", help="mine too", add_arguments=lambda p, app: None, run=lambda a, app: 0)
    registry.register(replace(SPEC, cli_plugins=(clash,)))
    with pytest.raises(SpecError, match="vendor 'fourthhr' brings the command 'quota', which vendor 'bytehr' has"):
        plugins()
    registry.unregister(SPEC.name)
    registry.register(replace(SPEC, cli_plugins=(replace(clash, name="run"),)))
    with pytest.raises(SpecError, match="brings the command 'run', which hr-elt itself has already"):
        plugins()


@pytest.mark.parametrize("field", ["pii", "bigquery", "dbt_tables"])
def test_a_spec_naming_a_table_it_does_not_have_is_an_error(field: str) -> None:
    from dataclasses import replace

    value: Any = {"pii": {"wrokers": ("email",)}, "bigquery": {"wrokers": BigQueryLayout(cluster=("id",))},
                  "dbt_tables": ("wrokers",)}[field]
    with pytest.raises(SpecError, match=f"{field} names tables that are not resources: wrokers"):
        replace(SPEC, **{field: value})


def test_its_bench_scenario_floors_are_what_a_run_asks(harness: Harness) -> None:
    # the scenario (tests/fourthhr/sandbox/bench.py) is found through its spec, as the bench finds a real one's
    scenario = SPEC.bench_scenario_class()(date.today())
    size = Size("smoke", scenario.smoke)
    app = harness.start("fourthhr", **scenario.sandbox_kwargs(size))
    for key, value in scenario.env(size).items():
        harness.setenv(key, value)
    full = scenario.full_floor(app, size)
    assert harness.run("fourthhr").rows == full.rows
    asked = Counter(scenario.classify(entry.path) for entry in app.requests())
    assert dict(asked) == full.requests == {"workers": 2}  # 130 workers, 100 a page
    snap = scenario.snapshot(app)
    changed = scenario.mutate(app, 0.1, random.Random(7))
    floor = scenario.incremental_floor(app, size, snap)
    before = len(app.requests())
    # the inclusive filter sends the last run's newest worker again, which dlt's incremental drops
    assert harness.run("fourthhr").rows == {"workers": changed["workers"]}
    asked = Counter(scenario.classify(entry.path) for entry in app.requests()[before:])
    assert dict(asked) == floor.requests


def test_its_dbt_staging_folder_feeds_the_unified_employees(harness: Harness, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    app = harness.start("fourthhr", workers=12)
    for wid in app.ids()[:3]:
        app.delete(wid)
    harness.run("fourthhr")
    # the project with FourthHR's folder and its one line in dbt_project.yml (docs/adding-a-vendor.md)
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    shutil.copytree(Path(__file__).parent / "dbt" / "fourthhr", project / "models" / "staging" / "fourthhr")
    config = project / "dbt_project.yml"
    config.write_text(re.sub(r"(?m)^(    hollyhr: .*\n)", r"\1    fourthhr: [hr_employees]\n", config.read_text()))
    assert layout_problems(project) == []
    monkeypatch.setenv("HR_ELT__DBT_PROJECT_DIR", str(project))
    result = run_dbt(duckdb_path=harness.duckdb_path, pipelines_dir=harness.pipelines_dir, quiet=True)
    assert result.vendors == ["fourthhr"]  # found through its spec's dbt tables: only its dataset is loaded
    assert [n for n in result.nodes if n.status not in ("success", "pass")] == []  # warnings included
    assert result.statuses()["success"] == 3  # its staging view, its conformed view, hr_employees
    assert result.rows == {"hr_employees": {"fourthhr": 12}}
    with duckdb.connect(harness.duckdb_path, read_only=True) as con:
        statuses = con.execute("select employment_status, count(*) from hr_unified.hr_employees "
                               "group by 1 order by 1").fetchall()
    assert statuses == [("active", 9), ("terminated", 3)]
