"""The throwaway PostgreSQL server of the test run: ``pipelines/cli/postgres.py`` owns it (tests, bench, CLI).

``make test`` installs the binaries first when they are missing (``.ci/ensure_postgres.sh``).
``HR_ELT_TEST_POSTGRES_DSN`` points the tests at an existing server instead (a role that may
``CREATE DATABASE``), for machines without Debian's packages.
"""

from pipelines.cli.postgres import (
    EXTERNAL_DSN_ENV,
    PostgresServer,
    PostgresUnavailable,
    server_bindir,
    with_database,
)

find_bindir = server_bindir

__all__ = ["EXTERNAL_DSN_ENV", "PostgresServer", "PostgresUnavailable", "find_bindir", "with_database"]
