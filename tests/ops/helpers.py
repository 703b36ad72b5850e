"""Running `hr-elt` as a user would (a subprocess, a bare environment) against sandbox tenants."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from sandbox import Sandbox

BIN = Path(sys.executable).parent
FAST = {"BACKOFF_BASE": "0.01", "BACKOFF_CAP": "0.05"}


def base_env(**extra: str) -> dict[str, str]:
    """The test's environment without any source settings, telemetry off."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SOURCES__", "HR_ELT__", "DESTINATION__", "DLT_DATA_DIR"))}
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    env.update(extra)
    return env


def tenant_env(vendor: str, tenant: str | None, sandbox: Sandbox, **override: str) -> dict[str, str]:
    """SOURCES__<VENDOR>[_<TENANT>]__* pointing one vendor section at a sandbox app."""
    app = sandbox.apps[vendor]
    section = f"{vendor}_{tenant}" if tenant else vendor
    values = {"BASE_URL": app.base_url, **{k.upper(): str(v) for k, v in app.credentials().items()}, **FAST}
    values.update(override)
    return {f"SOURCES__{section.upper()}__{key}": value for key, value in values.items()}


def hr_elt(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "hr-elt"), *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def count(db: Path, schema: str, table: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0])  # type: ignore[index]


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def schemas(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()}
