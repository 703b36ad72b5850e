"""`--resources` with and without `--full-refresh`, typed as a user would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from sandbox import Sandbox
from tests.pipelines.test_cli import env_for, hr_elt


@pytest.fixture
def holly() -> Iterator[Sandbox]:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 30}) as sandbox:
        yield sandbox


TABLES = ("documents", "employment_history", "employments", "people", "time_off")


def counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        present = {r[0] for r in con.sql("select table_name from information_schema.tables "
                                         "where table_schema = 'hollyhr'").fetchall()}
        return {t: con.sql(f"select count(*) from hollyhr.{t}").fetchall()[0][0]
                for t in TABLES if t in present}


def test_full_refresh_of_selected_resources_resets_only_them_and_their_parents(holly: Sandbox, tmp_path: Path) -> None:
    pipes, db = tmp_path / "pipes", tmp_path / "w.duckdb"
    common = ["--pipelines-dir", str(pipes), "--duckdb-path", str(db)]
    env = env_for(holly)
    assert hr_elt(["run", "hollyhr", *common], env, tmp_path).returncode == 0
    full = counts(db)
    assert set(full) == set(TABLES)

    done = hr_elt(["run", "hollyhr", "--full-refresh", "--resources", "time_off", *common], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "time_off" in done.stdout and "people" not in done.stdout
    assert counts(db) == full  # the other four tables are still there, untouched

    done = hr_elt(["run", "hollyhr", "--full-refresh", "--resources", "employments", *common], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "also loads people" in done.stdout  # the parent is reset and read again with its child
    assert counts(db) == full


def test_a_selected_child_loads_its_parent_so_the_parents_cursor_never_skips_rows(holly: Sandbox,
                                                                                   tmp_path: Path) -> None:
    pipes, db = tmp_path / "pipes", tmp_path / "w.duckdb"
    common = ["--pipelines-dir", str(pipes), "--duckdb-path", str(db)]
    done = hr_elt(["run", "hollyhr", "--resources", "employment_history", *common], env_for(holly), tmp_path)
    assert done.returncode == 0, done.stderr
    loaded = counts(db)
    assert loaded["people"] == 30 and loaded["employment_history"] > 0
    assert set(loaded) == {"people", "employment_history"}


@pytest.mark.parametrize("second", [[], ["--resources", "employments,employment_history"]], ids=["all", "children"])
def test_children_never_loaded_get_their_backfill_after_the_parent_loaded_alone(holly: Sandbox, tmp_path: Path,
                                                                                second: list[str]) -> None:
    pipes, db = tmp_path / "pipes", tmp_path / "w.duckdb"
    common = ["--pipelines-dir", str(pipes), "--duckdb-path", str(db)]
    env = env_for(holly)
    done = hr_elt(["run", "hollyhr", "--resources", "people", *common], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert set(counts(db)) == {"people"}

    done = hr_elt(["run", "hollyhr", *second, *common], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "had never loaded: people is read in full this run" in done.stdout
    loaded = counts(db)
    assert loaded["employments"] == loaded["people"] == 30
    assert loaded["employment_history"] > 0

    again = hr_elt(["run", "hollyhr", *common], env, tmp_path)  # complete now: people incremental again
    assert again.returncode == 0, again.stderr
    assert "never loaded" not in again.stdout
    assert "people" not in again.stdout and "employments" not in again.stdout
