"""The contract every source meets, run against its sandbox over real HTTP into a real warehouse.

A vendor suite subclasses :class:`SourceContract` (its name starting with ``Test``) and fills
in the hooks; pytest then runs every ``test_*`` below for that vendor.
"""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.run.failures import error_line
from tests.harness import TEST_DESTINATIONS, Harness


class SourceContract:
    """Full load, nothing new on a second run, incremental changes, bad credentials, faults.

    Every test runs once per warehouse in ``TEST_DESTINATIONS`` (DuckDB and Postgres), with
    exact counts read back by SQL.
    """

    @pytest.fixture(params=TEST_DESTINATIONS)
    def destination(self, request: pytest.FixtureRequest) -> str:
        return str(request.param)

    vendor: str = ""
    sizes: dict[str, Any] = {}
    primary_keys: dict[str, str] = {}  # table -> primary key column
    fault_route: str = ""  # a list route of the sandbox to inject faults on
    credential_setting: str = ""  # env var named in the bad-credentials message

    # --- hooks ---------------------------------------------------------------------------
    def expected_counts(self, app: Any) -> dict[str, int]:
        raise NotImplementedError

    def full_load_requests(self, app: Any) -> int:
        """Requests a full load must take (the floor)."""
        raise NotImplementedError

    def unchanged_run_requests(self, app: Any) -> int:
        """Requests a run with nothing changed must take."""
        raise NotImplementedError

    def mutate(self, app: Any) -> dict[str, int]:
        """Changes some records; returns rows the next run must load per table."""
        raise NotImplementedError

    def break_credentials(self, harness: Harness, app: Any) -> str:
        """Points the source at wrong credentials; returns the wrong secret (which must not leak)."""
        raise NotImplementedError

    def secrets(self, app: Any) -> list[str]:
        raise NotImplementedError

    def delete_some(self, app: Any) -> dict[str, tuple[int, int]]:
        """Deletes records at the vendor; per table: (rows the warehouse holds after the next run,
        of which marked deleted by ``deleted_predicate``)."""
        raise NotImplementedError

    deleted_predicate: dict[str, str] = {}  # table -> SQL condition of a row kept as deleted

    def add_field(self, app: Any) -> tuple[str, str, int]:
        """Makes the vendor send a field it never sent before on some records (ByteHR: a new custom
        field; HollyHR, CuteHR: a new attribute); returns (table, new column, rows with a value)."""
        raise NotImplementedError

    # --- helpers -------------------------------------------------------------------------
    def start(self, harness: Harness) -> Any:
        return harness.start(self.vendor, **self.sizes)

    def assert_exact(self, harness: Harness, app: Any) -> None:
        for table, n in self.expected_counts(app).items():
            assert harness.count(self.vendor, table) == n, table
            key = self.primary_keys.get(table)
            if key:
                assert harness.distinct(self.vendor, table, key) == n, f"duplicates in {table}"

    # --- the contract --------------------------------------------------------------------
    def test_full_load(self, harness: Harness) -> None:
        app = self.start(harness)
        result = harness.run(self.vendor)
        self.assert_exact(harness, app)
        assert len(app.requests()) == self.full_load_requests(app)
        assert result.requests == len(app.requests())
        assert result.rows == self.expected_counts(app) | {
            t: n for t, n in result.rows.items() if t not in self.expected_counts(app)
        }

    def test_second_run_loads_nothing_new(self, harness: Harness) -> None:
        app = self.start(harness)
        harness.run(self.vendor)
        app.clear_log()
        result = harness.run(self.vendor)
        assert result.rows == {}
        assert len(app.requests()) == self.unchanged_run_requests(app)
        self.assert_exact(harness, app)

    def test_incremental_picks_up_changes(self, harness: Harness) -> None:
        app = self.start(harness)
        harness.run(self.vendor)
        expected_rows = self.mutate(app)
        result = harness.run(self.vendor)
        for table, n in expected_rows.items():
            assert result.rows.get(table, 0) == n, table
        self.assert_exact(harness, app)

    def test_bad_credentials_clear_error(self, harness: Harness) -> None:
        app = self.start(harness)
        wrong = self.break_credentials(harness, app)
        with pytest.raises(Exception) as failure:
            harness.run(self.vendor)
        line = error_line(self.vendor, failure.value)
        assert line.startswith(self.vendor)
        assert self.credential_setting in line
        assert "request_id" in line
        rendered = [line, str(failure.value), repr(failure.value)]
        for secret in [wrong, *self.secrets(app)]:
            for text in rendered:
                assert secret not in text

    def test_deletes_reach_the_warehouse(self, harness: Harness) -> None:
        app = self.start(harness)
        harness.run(self.vendor)
        expected = self.delete_some(app)
        harness.run(self.vendor)
        for table, (rows, deleted) in expected.items():
            assert harness.count(self.vendor, table) == rows, table
            predicate = self.deleted_predicate.get(table)
            if predicate:
                flagged = harness.scalar(f'select count(*) from "{self.vendor}"."{table}" where {predicate}')
                assert flagged == deleted, table
        self.assert_exact(harness, app)

    def test_new_field_adds_a_column_to_a_populated_table(self, harness: Harness) -> None:
        app = self.start(harness)
        harness.run(self.vendor)
        table, column, with_value = self.add_field(app)
        assert column not in harness.columns(self.vendor, table)
        harness.run(self.vendor)
        assert column in harness.columns(self.vendor, table)
        n = harness.scalar(f'select count("{column}") from "{self.vendor}"."{table}"')
        assert n == with_value
        self.assert_exact(harness, app)

    def test_faults_survived(self, harness: Harness) -> None:
        app = self.start(harness)
        harness.setenv(f"SOURCES__{self.vendor.upper()}__MAX_ATTEMPTS", "6")
        app.inject(self.fault_route, "429", times=1, retry_after="0")
        app.inject(self.fault_route, "503", times=2)
        app.inject(self.fault_route, "drop", times=1)
        result = harness.run(self.vendor)
        self.assert_exact(harness, app)
        assert len(app.requests()) == self.full_load_requests(app) + 4
        assert result.retries == 4
