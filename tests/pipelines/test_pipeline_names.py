"""Pipeline names per destination: one name per (target, destination), lookups by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.run.destinations import DestinationConfigError, resolve_destination
from pipelines.run.naming import bind_pipeline_name, latest_pipeline_name, pipelines_of
from pipelines.run.runner import make_pipeline
from pipelines.run.tenants import Target


@pytest.fixture(autouse=True)
def _no_stray_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DESTINATION__POSTGRES__CREDENTIALS", raising=False)


def test_locations_and_fingerprints_carry_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = resolve_destination("duckdb", "a.duckdb"), resolve_destination("duckdb", str(tmp_path / "a.duckdb"))
    assert one.location == str(tmp_path / "a.duckdb") and one.fingerprint == two.fingerprint  # absolute path
    assert resolve_destination("duckdb", "b.duckdb").fingerprint != one.fingerprint
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", "postgresql://loader:s3cr3t-pw@db.example:6543/hr")
    pg = resolve_destination("postgres")
    assert pg.location == "db.example:6543/hr" and "s3cr3t" not in str(pg.record())
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", "postgresql://other:pw2@db.example:6543/hr")
    assert resolve_destination("postgres").fingerprint == pg.fingerprint  # another login, the same database
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", "postgresql://loader:s3cr3t-pw@db.example:6543/hr2")
    assert resolve_destination("postgres").fingerprint != pg.fingerprint
    monkeypatch.delenv("DESTINATION__POSTGRES__CREDENTIALS")
    with pytest.raises(DestinationConfigError, match="credentials missing"):
        resolve_destination("postgres")


def test_the_name_is_a_function_of_target_and_destination_alone(tmp_path: Path) -> None:
    pipes = str(tmp_path / "p")
    w1, w2 = resolve_destination("duckdb", "w1.duckdb"), resolve_destination("duckdb", "w2.duckdb")
    first = bind_pipeline_name("hollyhr", w2)
    assert first == f"hollyhr__duckdb_{w2.fingerprint}"  # whichever destination comes first
    assert bind_pipeline_name("hollyhr", w1) == f"hollyhr__duckdb_{w1.fingerprint}"
    make_pipeline(Target("hollyhr"), w2, pipes)
    assert bind_pipeline_name("hollyhr", w2) == first  # what ran here before changes nothing
    assert bind_pipeline_name("hollyhr_acme", w2) == f"hollyhr_acme__duckdb_{w2.fingerprint}"  # a tenant's own
    assert pipelines_of("hollyhr", pipes) == [first]
    assert latest_pipeline_name("hollyhr", pipes) == first
    assert latest_pipeline_name("bytehr", pipes) == "bytehr"  # none here: the plain name
    with pytest.raises(DestinationConfigError, match="belongs to duckdb"):  # never into another destination
        make_pipeline(Target("hollyhr"), w1, pipes, name=first)
