"""Missing or wrong destination credentials: one line naming the destination and the key, no secret."""

from __future__ import annotations

import pytest

from pipelines.cli.main import main
from pipelines.run.destinations import DestinationConfigError
from pipelines.run.failures import error_line
from tests.harness import Harness
from tests.postgres_server import PostgresServer

SIZES = {"people": 5, "time_off_per_person": 1, "documents_per_person": 1, "history_per_person": 1}


@pytest.mark.parametrize("destination", ["postgres"])
def test_wrong_postgres_password(harness: Harness, postgres_server: PostgresServer) -> None:
    app = harness.start("hollyhr", **SIZES)
    wrong = "Wr0ng-pass-7f3a9c"
    harness.setenv("DESTINATION__POSTGRES__CREDENTIALS", harness.postgres_url.replace(postgres_server.password, wrong))
    with pytest.raises(DestinationConfigError) as failure:
        harness.run("hollyhr")
    line = error_line("hollyhr", failure.value)
    assert line.startswith("hollyhr: destination postgres: credentials refused (")
    assert "password authentication failed" in line
    assert "DESTINATION__POSTGRES__CREDENTIALS" in line
    assert "\n" not in line
    for text in (line, str(failure.value), repr(failure.value)):
        assert wrong not in text
        assert postgres_server.password not in text
    assert app.requests() == []  # dlt checks the destination before it spends a single API request


def test_missing_postgres_credentials_from_the_cli(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.monkeypatch.delenv("DESTINATION__POSTGRES__CREDENTIALS", raising=False)
    code = main(["run", "hollyhr", "--destination", "postgres", "--pipelines-dir", harness.pipelines_dir])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err == ["hr-elt: hollyhr: destination postgres: credentials missing: set DESTINATION__POSTGRES__CREDENTIALS "
                   "(or [destination.postgres] credentials in .dlt/secrets.toml)"]
    assert app.requests() == []


def test_missing_bigquery_credentials(harness: Harness) -> None:
    harness.start("hollyhr", **SIZES)
    for key in ("PROJECT_ID", "PRIVATE_KEY", "CLIENT_EMAIL"):
        harness.monkeypatch.delenv(f"DESTINATION__BIGQUERY__CREDENTIALS__{key}", raising=False)
    harness.monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    with pytest.raises(DestinationConfigError) as failure:
        harness.run("hollyhr", destination="bigquery")
    line = error_line("hollyhr", failure.value)
    assert line.startswith("hollyhr: destination bigquery: credentials missing: set "
                           "DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID")


def test_malformed_bigquery_key_is_not_echoed(harness: Harness) -> None:
    harness.start("hollyhr", **SIZES)
    key = "-----BEGIN PRIVATE KEY-----\nTOPSECRETkeymaterial0123456789\n-----END PRIVATE KEY-----\n"
    harness.setenv("DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID", "hr-elt-offline")
    harness.setenv("DESTINATION__BIGQUERY__CREDENTIALS__CLIENT_EMAIL", "loader@hr-elt-offline.iam.gserviceaccount.com")
    harness.setenv("DESTINATION__BIGQUERY__CREDENTIALS__PRIVATE_KEY", key)
    with pytest.raises(DestinationConfigError) as failure:
        harness.run("hollyhr", destination="bigquery")
    line = error_line("hollyhr", failure.value)
    assert line.startswith("hollyhr: destination bigquery: credentials refused (")
    assert "DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID" in line
    assert "TOPSECRET" not in line and "TOPSECRET" not in repr(failure.value)
