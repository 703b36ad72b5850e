"""Pipeline names per destination: binding, existing pipelines from an earlier hr-elt, lookups by name."""

from __future__ import annotations

from pathlib import Path

import dlt
import pytest

from pipelines.run.destinations import DestinationConfigError, resolve_destination
from pipelines.run.naming import LOCATION_KEY, bind_pipeline_name, latest_pipeline_name, pipelines_of
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


def test_first_destination_keeps_the_plain_name(tmp_path: Path) -> None:
    pipes = str(tmp_path / "p")
    w1, w2 = resolve_destination("duckdb", "w1.duckdb"), resolve_destination("duckdb", "w2.duckdb")
    assert bind_pipeline_name("hollyhr", w1, pipes) == "hollyhr"
    assert bind_pipeline_name("hollyhr", w1, pipes) == "hollyhr"
    other = bind_pipeline_name("hollyhr", w2, pipes)
    assert other == f"hollyhr__duckdb_{w2.fingerprint}"
    make_pipeline(Target("hollyhr"), w2, pipes, name=other)
    assert bind_pipeline_name("hollyhr_acme", w2, pipes) == "hollyhr_acme"  # a tenant has its own names
    assert set(pipelines_of("hollyhr", pipes)) == {"hollyhr", other}
    assert latest_pipeline_name("hollyhr", pipes) == other  # the one that changed last
    assert latest_pipeline_name("bytehr", pipes) == "bytehr"  # none here: the plain name
    with pytest.raises(DestinationConfigError, match="belongs to duckdb"):  # never into another destination
        make_pipeline(Target("hollyhr"), w1, pipes, name=other)


def test_a_pipeline_from_an_earlier_hr_elt_is_kept_by_its_kind(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pipes = str(tmp_path / "p")
    legacy = dlt.pipeline(pipeline_name="cutehr", pipelines_dir=pipes,
                          destination=dlt.destinations.duckdb(str(tmp_path / "old.duckdb")), dataset_name="cutehr")
    legacy.run([{"id": 1}], table_name="employees")  # state as an earlier hr-elt left it: no record
    with pytest.raises(KeyError):
        legacy.get_local_state_val(LOCATION_KEY)
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", "postgresql://u:pw@127.0.0.1:5432/hr")
    pg = resolve_destination("postgres")
    assert bind_pipeline_name("cutehr", pg, pipes) == f"cutehr__postgres_{pg.fingerprint}"  # another kind
    old = resolve_destination("duckdb", str(tmp_path / "old.duckdb"))
    assert bind_pipeline_name("cutehr", old, pipes) == "cutehr"  # adopted, and recorded
    assert dlt.attach(pipeline_name="cutehr", pipelines_dir=pipes).get_local_state_val(LOCATION_KEY) == old.record()
    new = resolve_destination("duckdb", "new.duckdb")
    assert bind_pipeline_name("cutehr", new, pipes) == f"cutehr__duckdb_{new.fingerprint}"
