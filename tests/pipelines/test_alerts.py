"""Alert webhook: posted to a real local HTTP receiver on failure, quota, key expiry and staleness; never a secret."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from pipelines.observe.alerts import run_alerts
from pipelines.observe.history import RunRecord
from pipelines.run.failures import error_line
from sources import registry
from tests.fourthhr.sandbox import API_KEY as FOURTHHR_KEY
from tests.fourthhr.spec import SPEC as FOURTHHR
from tests.harness import Harness
from tests.pipelines.test_cli import BIN

TOKEN = "sekrit-webhook-token-0xC0FFEE"


class Receiver:
    """A Slack-like webhook on loopback that keeps every JSON body it is sent."""

    def __init__(self, status: int = 200) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                receiver.paths.append(self.path)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T01/B02/{TOKEN}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def texts(self) -> list[str]:
        return [str(b["text"]) for b in self.bodies]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


def test_a_failed_run_posts_one_alert_without_secrets(harness: Harness, receiver: Receiver,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    app = harness.start("hollyhr", people=8)
    harness.setenv("HR_ELT__ALERTS__WEBHOOK_URL", receiver.url)
    harness.run("hollyhr")
    assert receiver.bodies == []  # a healthy run says nothing
    harness.setenv("SOURCES__HOLLYHR__BASE_URL", "http://127.0.0.1:9/api")
    harness.setenv("SOURCES__HOLLYHR__MAX_ATTEMPTS", "1")
    with caplog.at_level(logging.DEBUG), pytest.raises(PipelineStepFailed):
        harness.run("hollyhr")
    [text] = receiver.texts
    assert set(receiver.bodies[0]) == {"text"} and receiver.paths == [f"/services/T01/B02/{TOKEN}"]
    assert f"hollyhr -> duckdb {harness.duckdb_path}: run " in text and " failed: hollyhr: extract failed" in text
    for secret in app.credentials().values():
        assert secret not in text
    assert TOKEN not in logged(caplog)  # the webhook URL is never logged in full


@pytest.fixture
def fourthhr() -> Iterator[None]:
    registry.register(FOURTHHR)
    yield
    registry.unregister(FOURTHHR.name)


def test_quota_under_threshold_and_key_expiry_soon_alert_and_land_in_history(
        harness: Harness, receiver: Receiver, fourthhr: None) -> None:
    app = harness.start("fourthhr", workers=12)
    expires = (datetime.now(timezone.utc) + timedelta(days=3)).replace(microsecond=0)
    app.account_headers = {"X-Quota-Remaining": "7", "X-API-Key-Expires-At": expires.isoformat()}
    harness.setenv("HR_ELT__ALERTS__WEBHOOK_URL", receiver.url)
    harness.setenv("HR_ELT__ALERTS__QUOTA_BELOW", "10")
    harness.run("fourthhr")
    [text] = receiver.texts
    assert "7 requests left in the quota, under hr_elt.alerts.quota_below 10" in text
    assert "the API key expires in 2 day(s)" in text and FOURTHHR_KEY not in text
    [(quota, key_expiry)] = harness.query("select quota_remaining, key_expires_at from fourthhr._hr_elt_runs")
    assert quota == 7 and key_expiry == expires

    app.account_headers = {"X-Quota-Remaining": "500",
                           "X-API-Key-Expires-At": (expires + timedelta(days=60)).isoformat()}
    harness.run("fourthhr")
    assert len(receiver.bodies) == 1  # plenty left, far from expiry: nothing more


def test_status_posts_what_is_stale(harness: Harness, receiver: Receiver) -> None:
    harness.start("hollyhr", people=5)
    harness.run("hollyhr")
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false", "HR_ELT__ALERTS__WEBHOOK_URL": receiver.url}
    fresh = subprocess.run([str(BIN / "hr-elt"), "status", "--pipelines-dir", harness.pipelines_dir], env=env,
                           cwd=harness.tmp_path, capture_output=True, text=True, timeout=120)
    assert fresh.returncode == 0 and receiver.bodies == []
    stale = subprocess.run([str(BIN / "hr-elt"), "status", "--max-age", "0s", "--pipelines-dir",
                            harness.pipelines_dir], env=env, cwd=harness.tmp_path, capture_output=True, text=True,
                           timeout=120)
    assert stale.returncode == 1
    [text] = receiver.texts
    assert f":hourglass: hollyhr -> duckdb {harness.duckdb_path}: stale: last successful load" in text
    assert TOKEN not in stale.stdout + stale.stderr


def test_a_refusing_webhook_is_one_warning_and_the_run_stands(harness: Harness,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    harness.start("hollyhr", people=5)
    harness.setenv("SOURCES__HOLLYHR__BASE_URL", "http://127.0.0.1:9/api")
    harness.setenv("SOURCES__HOLLYHR__MAX_ATTEMPTS", "1")
    with Receiver(status=500) as refusing:
        harness.setenv("HR_ELT__ALERTS__WEBHOOK_URL", refusing.url)
        with caplog.at_level(logging.WARNING), pytest.raises(PipelineStepFailed) as failed:
            harness.run("hollyhr")
    assert "connection refused by 127.0.0.1:9" in error_line("hollyhr", failed.value)  # the run's own error
    port = refusing.server.server_address[1]
    assert f"alert not sent: alert webhook http://127.0.0.1:{port}/… answered 500" in logged(caplog)
    assert TOKEN not in logged(caplog)


def test_warnings_become_alert_lines() -> None:
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    record = RunRecord("r1", "bytehr", "acme", "bytehr_acme", "postgres", "db:5432/hr", now, now, "ok",
                       warnings=["employees.hire_date is absent from every record"])
    assert run_alerts(record, now) == [":warning: bytehr (tenant acme) -> postgres db:5432/hr: "
                                       "employees.hire_date is absent from every record"]


def test_a_run_without_a_destination_to_record_it_still_alerts(harness: Harness, receiver: Receiver) -> None:
    from pipelines.run.destinations import DestinationConfigError

    harness.start("hollyhr", people=5)
    harness.monkeypatch.delenv("DESTINATION__POSTGRES__CREDENTIALS", raising=False)
    harness.setenv("HR_ELT__ALERTS__WEBHOOK_URL", receiver.url)
    with pytest.raises(DestinationConfigError) as failed:
        harness.run("hollyhr", destination="postgres")
    [text] = receiver.texts
    assert "hollyhr -> postgres (not resolved): run failed: " in text
    assert error_line("hollyhr", failed.value) in text
