"""Many tenants per vendor: each its own credentials, pipeline and dataset, run independently;
`hr-elt run all` runs every configured tenant, isolates failures and never falls back to another
company's key. Two HollyHR sandboxes with different data stand for two companies."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.run.naming import latest_pipeline_name
from sandbox import Sandbox
from tests.ops.helpers import BIN, base_env, count, hr_elt, query, schemas, tenant_env


@pytest.fixture(scope="module")
def companies() -> Iterator[tuple[Sandbox, Sandbox]]:
    with Sandbox(seed=1, vendors=("hollyhr",), hollyhr={"people": 20}) as acme, \
            Sandbox(seed=2, vendors=("hollyhr",), hollyhr={"people": 35}) as globex:
        yield acme, globex


def env_for(acme: Sandbox, globex: Sandbox, tenants: str = "acme,globex", **extra: str) -> dict[str, str]:
    return base_env(HR_ELT__TENANTS__HOLLYHR=tenants, **tenant_env("hollyhr", "acme", acme),
                    **tenant_env("hollyhr", "globex", globex), **extra)


def test_run_all_loads_each_tenant_into_its_own_pipeline_and_dataset(companies: tuple[Sandbox, Sandbox],
                                                                      tmp_path: Path) -> None:
    acme, globex = companies
    pipes, db = tmp_path / "pipes", tmp_path / "w.duckdb"
    done = hr_elt(["run", "all", "--pipelines-dir", str(pipes), "--duckdb-path", str(db)],
                  env_for(acme, globex), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "hollyhr: loaded into duckdb dataset hollyhr_acme" in done.stdout
    assert "hollyhr: loaded into duckdb dataset hollyhr_globex" in done.stdout
    # vendors with no credentials are skipped with a note, not failed
    assert "hr-elt: bytehr: not configured" in done.stderr and "hr-elt: hollyhr: not configured" in done.stderr
    assert count(db, "hollyhr_acme", "people") == acme.hollyhr.count("people") == 20
    assert count(db, "hollyhr_globex", "people") == globex.hollyhr.count("people") == 35
    assert count(db, "hollyhr_globex", "time_off") == globex.hollyhr.count("time_off")
    assert "hollyhr" not in schemas(db)
    assert {p.name.split("__")[0] for p in pipes.iterdir() if p.is_dir()} >= {"hollyhr_acme", "hollyhr_globex"}
    # each tenant is an ordinary dlt pipeline: dlt's CLI works on it
    acme_pipeline = latest_pipeline_name("hollyhr_acme", str(pipes))
    info = subprocess.run([str(BIN / "dlt"), "pipeline", "--pipelines-dir", str(pipes), acme_pipeline, "info"],
                          env=env_for(acme, globex), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    assert "hollyhr_acme" in info.stdout
    assert acme.hollyhr.credentials()["api_token"] not in info.stdout + info.stderr

    # one tenant alone: only its dataset moves
    acme.hollyhr.add_person(first_name="Ada", last_name="Acme")
    before = query(db, "select max(_dlt_load_id) from hollyhr_globex.people")
    one = hr_elt(["run", "hollyhr", "--tenant", "acme", "--pipelines-dir", str(pipes), "--duckdb-path", str(db)],
                 env_for(acme, globex), tmp_path)
    assert one.returncode == 0, one.stderr
    assert "dataset hollyhr_acme" in one.stdout and "hollyhr_globex" not in one.stdout
    assert count(db, "hollyhr_acme", "people") == 21
    assert query(db, "select max(_dlt_load_id) from hollyhr_globex.people") == before


def test_failures_are_isolated_and_no_tenant_borrows_another_key(companies: tuple[Sandbox, Sandbox],
                                                                 tmp_path: Path) -> None:
    acme, globex = companies
    pipes, db = tmp_path / "pipes", tmp_path / "w.duckdb"
    wrong = "hhr_initech_wrong_token"
    env = env_for(
        acme, globex, tenants="acme,initech,nokey,globex",
        # the default company is configured with a valid key: `nokey` must not use it
        **tenant_env("hollyhr", None, acme),
        **tenant_env("hollyhr", "initech", acme, API_TOKEN=wrong),
    )
    done = hr_elt(["run", "all", "--pipelines-dir", str(pipes), "--duckdb-path", str(db)], env, tmp_path)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("hr-elt: hollyhr")]
    assert len(errors) == 2, done.stderr
    initech = next(line for line in errors if "initech" in line)
    assert initech.startswith("hr-elt: hollyhr_initech:") and "401" in initech
    assert "SOURCES__HOLLYHR_INITECH__API_TOKEN" in initech and wrong not in done.stderr + done.stdout
    nokey = next(line for line in errors if "nokey" in line)
    # base_url comes from the default section; the key does not
    assert "missing setting sources.hollyhr_nokey.api_token (env SOURCES__HOLLYHR_NOKEY__API_TOKEN)" in nokey
    assert "base_url" not in nokey
    # the others loaded: default company, acme and globex (after the failures in list order)
    assert count(db, "hollyhr", "people") == acme.hollyhr.count("people")
    assert count(db, "hollyhr_acme", "people") == acme.hollyhr.count("people")
    assert count(db, "hollyhr_globex", "people") == 35
    assert not {"hollyhr_nokey", "hollyhr_initech"} & {
        s for s in schemas(db) if query(db, f"select count(*) from information_schema.tables "
                                            f"where table_schema = '{s}' and table_name = 'people'")[0][0]}


def test_bad_tenant_name_is_refused(tmp_path: Path) -> None:
    done = hr_elt(["run", "hollyhr", "--tenant", "Acme Corp"], base_env(), tmp_path)
    assert done.returncode == 1
    assert "tenant 'Acme Corp'" in done.stderr
