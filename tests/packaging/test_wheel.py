"""A non-editable install (a wheel, as the Airflow recipe implies) carries every package and the dbt project.

Before: the wheel had no dbt project, and ``hr-elt dbt`` looked for ``site-packages/dbt/dbt_project.yml``,
inside dbt-core's own package.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from setuptools import find_packages

from sandbox import Sandbox
from tests.packaging.wheel import ROOT, InstalledWheel, build_and_install


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> InstalledWheel:
    return build_and_install(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def holly() -> Iterator[Sandbox]:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 12}) as sandbox:
        yield sandbox


def project_files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and p.suffix in (".sql", ".yml") and not {"target", "logs"} & set(p.parts)}


def test_the_wheel_holds_every_package_and_the_dbt_project(installed: InstalledWheel) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    packages = {str(Path(n).parent).replace("/", ".") for n in names if n.endswith("/__init__.py")}
    # setup.py finds the packages (a new vendor's package too) and maps the dbt project
    assert packages == set(find_packages(str(ROOT), include=["sources*", "pipelines*", "sandbox*"]))
    shipped = {n.removeprefix("pipelines/dbt_project/") for n in names if n.startswith("pipelines/dbt_project/")}
    assert shipped == project_files(ROOT / "dbt")
    assert "dbt_project.yml" in shipped and "profiles.yml" in shipped


def run(installed: InstalledWheel, args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([installed.hr_elt, *args], env=installed.env(**env), cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_installed_hr_elt_dbt_finds_the_shipped_project_from_outside_the_checkout(installed: InstalledWheel,
                                                                                  tmp_path: Path) -> None:
    args = ["dbt", "--duckdb-path", str(tmp_path / "w.duckdb"), "--pipelines-dir", str(tmp_path / "p"),
            "--vendors", "nosuchvendor"]
    done = run(installed, args, tmp_path)
    assert done.returncode == 1
    project = installed.site / "pipelines" / "dbt_project" / "dbt_project.yml"
    assert done.stderr.strip() == (f"hr-elt: dbt: --vendors names no vendor of the dbt project: nosuchvendor "
                                   f"(known: bytehr, cutehr, hollyhr; hr_conformed_models in {project})")
    # hr_elt.dbt_project_dir still wins; a folder without a project is one line
    own = tmp_path / "own_project"
    shutil.copytree(project.parent, own)
    done = run(installed, args, tmp_path, HR_ELT__DBT_PROJECT_DIR=str(own))
    assert done.returncode == 1 and f"hr_conformed_models in {own / 'dbt_project.yml'})" in done.stderr
    done = run(installed, args, tmp_path, HR_ELT__DBT_PROJECT_DIR=str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"hr-elt: dbt: hr_elt.dbt_project_dir '{tmp_path}' holds no dbt_project.yml "
                                        "(env HR_ELT__DBT_PROJECT_DIR)"]


def test_installed_hr_elt_loads_then_dbt_builds_from_outside_the_checkout(installed: InstalledWheel, holly: Sandbox,
                                                                          tmp_path: Path) -> None:
    warehouse, pipes = str(tmp_path / "w.duckdb"), str(tmp_path / "p")
    before = project_files(installed.site / "pipelines" / "dbt_project")
    loaded = run(installed, ["run", "hollyhr", "--duckdb-path", warehouse, "--pipelines-dir", pipes], tmp_path,
                 **holly.env())
    assert loaded.returncode == 0, loaded.stderr
    built = run(installed, ["dbt", "--duckdb-path", warehouse, "--pipelines-dir", pipes, "--quiet"], tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "dbt: built duckdb dataset hr_unified from hollyhr" in built.stdout
    with duckdb.connect(warehouse, read_only=True) as con:
        assert con.execute("select count(*) from hr_unified.hr_employees").fetchone() == (12,)
    # dbt's target/ and logs/ go to the pipeline's folder, never into the installed package
    assert project_files(installed.site / "pipelines" / "dbt_project") == before
    assert not (installed.site / "pipelines" / "dbt_project" / "target").exists()


INSTALL = re.compile(r"pip install (-e )?'([^'\[]+)\[([^\]]+)\]'")
WHEEL = re.compile(r"pip wheel --no-deps -w dist \.")


def install_lines() -> list[tuple[str, bool, str, list[str]]]:
    """Every ``pip install`` of hr-elt in README.md, docs/ and deploy/: (file, editable, target, extras)."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "deploy").rglob("*.*"))]:
        for editable, target, extras in INSTALL.findall(path.read_text()):
            found.append((path.name, bool(editable), target, [e.strip() for e in extras.split(",")]))
    return found


def dry_run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``pip install --dry-run`` offline, without dependencies: the form parses and its target builds.

    The extras are checked against the wheel's metadata instead: resolving them made each call 10-15 s.
    """
    return subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
                           "--no-build-isolation", "--disable-pip-version-check", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_readme_and_deploy_install_lines_install_what_exists(installed: InstalledWheel) -> None:
    lines = install_lines()
    assert len(lines) >= 8 and any(t.startswith("dist/") for _, _, t, _ in lines)
    metadata = next(installed.site.glob("hr_elt-*.dist-info")) / "METADATA"
    extras = set(re.findall(r"^Provides-Extra: (\S+)$", metadata.read_text(), re.MULTILINE))
    assert {"postgres", "bigquery", "dbt"} <= extras
    for where, editable, target, wanted in lines:
        # from the checkout, or the wheel `pip wheel --no-deps -w dist .` writes: hr-elt is not on PyPI
        assert target == "." or (not editable and target == f"dist/{installed.wheel.name}"), (where, target)
        assert set(wanted) <= extras, (where, wanted)
    assert WHEEL.search((ROOT / "README.md").read_text()) and WHEEL.search(
        (ROOT / "deploy" / "airflow" / "hr_elt_dag.py").read_text())
    # the forms, as written, resolve: the checkout, the checkout editable, the built wheel
    source = installed.wheel.parent.parent / "src"
    (source / "dist").mkdir(exist_ok=True)
    (source / "dist" / installed.wheel.name).write_bytes(installed.wheel.read_bytes())
    used = sorted({e for _, _, _, wanted in lines for e in wanted})
    for args in (["-e", f".[{','.join(used)}]"], [f".[{','.join(used)}]"],
                 [f"dist/{installed.wheel.name}[{','.join(used)}]"]):
        done = dry_run(*args, cwd=source)
        assert done.returncode == 0, (args, done.stderr)
        assert "Would install hr-elt-0.1.0" in done.stdout, (args, done.stdout[-500:])
