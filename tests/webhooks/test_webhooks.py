"""``hr-elt webhooks serve``: signed, tampered, replayed and duplicate deliveries sent by the sandbox.

The sandbox's ``deliver()`` POSTs real signed deliveries over loopback to the receiver; accepted
events trigger real incremental runs against the sandbox into DuckDB.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from pipelines.webhooks.server import Debouncer, EventLog, ReceiverSettings, WebhookReceiver, vendor_runner
from sandbox.hollyhr import signature_header
from sources.hollyhr.webhooks import PROTOCOL, verify_signature
from tests.harness import Harness
from tests.resilience.crash import BIN

SIZES = {"people": 20, "time_off_per_person": 1, "documents_per_person": 1, "history_per_person": 1}
WAIT = 120.0  # ceiling for a stuck test, not a performance assertion


def register_webhook(app: Any, url: str) -> str:
    """Registers `url` through HollyHR's API, as an admin would; returns the signing secret (shown once)."""
    answer = requests.post(f"{app.base_url}/webhooks", json={"url": url, "events": ["*"]}, timeout=10,
                           headers={"Authorization": f"Bearer {app.credentials()['api_token']}",
                                    "Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["secret"])


@dataclass
class Receiver:
    app: Any
    receiver: WebhookReceiver
    debouncer: Debouncer
    events: EventLog
    url: str
    secret: str

    def deliver(self, event_type: str, person_id: str, **kwargs: Any) -> int:
        return int(self.app.deliver(self.url, event_type, person_id, **kwargs))

    def runs(self) -> list[tuple[str, ...]]:
        return [r.resources for r in self.debouncer.history]


def make_receiver(harness: Harness, app: Any, db: Path, secrets: list[str] | None = None,
                  delay: float = 3600.0, register: bool = True) -> Receiver:
    events = EventLog(db)
    debouncer = Debouncer(vendor_runner("hollyhr", pipelines_dir=harness.pipelines_dir, duckdb_path=harness.duckdb_path,
                                        destination=harness.destination),
                          delay=delay, max_delay=max(delay, 3600.0), retry_delay=3600.0, on_done=events.done)
    # the signature's timestamp is the vendor's clock (the sandbox's), as HollyHR's would be
    receiver = WebhookReceiver(PROTOCOL, ReceiverSettings(secrets=secrets or ["placeholder-secret-xxxx"]), events,
                               debouncer, now=lambda: app.clock.now().timestamp())
    url = receiver.serve("127.0.0.1", 0)
    secret = secrets[0] if secrets else ""
    if register:
        secret = register_webhook(app, url)
        receiver.settings.secrets = [secret, *(secrets or [])]
    return Receiver(app, receiver, debouncer, events, url, secret)


@pytest.fixture
def holly(harness: Harness, tmp_path: Path) -> Iterator[Receiver]:
    app = harness.start("hollyhr", **SIZES)
    harness.run("hollyhr")  # the scheduled full load happened before
    rx = make_receiver(harness, app, tmp_path / "events.sqlite")
    app.clear_log()
    yield rx
    rx.receiver.close()
    rx.debouncer.stop()
    rx.events.close()


def title_of(harness: Harness, pid: str) -> Any:
    return harness.scalar(f"select job_title from hollyhr.people where id = '{pid}'")


def test_signed_delivery_runs_the_affected_resources_only(harness: Harness, holly: Receiver) -> None:
    app = holly.app
    pid = app.person_ids()[4]
    app.update_person(pid, job_title="Head of Webhooks")
    assert holly.deliver("person.updated", pid) == 202
    holly.debouncer.flush()
    assert holly.debouncer.wait_idle(WAIT)
    assert holly.runs() == [("employment_history", "employments", "people")]
    assert [r.ok for r in holly.debouncer.history] == [True]
    assert title_of(harness, pid) == "Head of Webhooks"
    # an incremental run of people (and their employment) only: no time-off or documents request
    paths = {e.path for e in app.requests()}
    assert paths == {"/api/v1/people", f"/api/v1/people/{pid}/employment",
                     f"/api/v1/people/{pid}/employment-history"}


def test_tampered_delivery_is_refused_and_runs_nothing(holly: Receiver) -> None:
    pid = holly.app.person_ids()[1]
    assert holly.deliver("person.updated", pid, tamper=True, event_id="evt_tampered") == 401
    assert holly.deliver("person.updated", pid, secret="whsec_not_the_right_one", event_id="evt_wrong") == 401
    assert holly.receiver.counts["refused"] == 2
    holly.debouncer.flush()
    assert holly.debouncer.wait_idle(WAIT) and holly.runs() == []
    # a refused delivery does not burn its event id: the genuine one is still accepted
    assert holly.deliver("person.updated", pid, event_id="evt_tampered") == 202


def test_replayed_delivery_is_refused(holly: Receiver) -> None:
    pid = holly.app.person_ids()[2]
    old = holly.app.clock.now().timestamp() - 3600  # signed an hour ago: outside the 300 s window
    assert holly.deliver("person.updated", pid, timestamp=old) == 401
    future = holly.app.clock.now().timestamp() + 3600
    assert holly.deliver("person.updated", pid, timestamp=future) == 401
    assert holly.runs() == [] and holly.receiver.counts["refused"] == 2
    # the exact same bytes sent twice (a replay inside the window) are a duplicate: no second run
    body = b'{"id":"evt_replay","type":"time_off.created","created_at":"x","data":{"id":"tof_1"}}'
    header = signature_header(holly.secret, int(holly.app.clock.now().timestamp()), body)
    for expected in (202, 200):
        answer = requests.post(holly.url, data=body, headers={"HollyHR-Signature": header,
                                                              "Content-Type": "application/json"}, timeout=10)
        assert answer.status_code == expected
    holly.debouncer.flush()
    assert holly.debouncer.wait_idle(WAIT)
    assert holly.runs() == [("time_off",)]


def test_duplicate_deliveries_run_once_and_a_burst_is_one_run(harness: Harness, holly: Receiver) -> None:
    app = holly.app
    pid = app.person_ids()[3]
    app.update_person(pid, job_title="Once")
    new_tof = app.add_time_off(pid)
    doc = app.records("documents")[0]["id"]
    app.delete_document(doc)
    assert holly.deliver("person.updated", pid, event_id="evt_dup") == 202
    assert holly.deliver("person.updated", pid, event_id="evt_dup") == 200  # retried by HollyHR: same id
    assert holly.deliver("time_off.created", pid) == 202
    assert holly.deliver("document.deleted", pid) == 202
    assert holly.deliver("webhook.test", pid) == 200  # a type the connector does not load: acknowledged
    assert holly.receiver.counts == {"accepted": 3, "duplicate": 1, "ignored": 1, "refused": 0, "invalid": 0}
    holly.debouncer.flush()
    assert holly.debouncer.wait_idle(WAIT)
    assert holly.runs() == [("documents", "employment_history", "employments", "people", "time_off")]
    assert title_of(harness, pid) == "Once"
    assert harness.scalar(f"select count(*) from hollyhr.time_off where id = '{new_tof}'") == 1
    assert harness.scalar(f"select deleted_at is not null from hollyhr.documents where id = '{doc}'")
    assert harness.count("hollyhr", "people") == app.count("people")
    assert harness.distinct("hollyhr", "people", "id") == app.count("people")


def test_debounce_runs_by_itself(harness: Harness, tmp_path: Path) -> None:
    app = harness.start("hollyhr", **SIZES)
    rx = make_receiver(harness, app, tmp_path / "events.sqlite", delay=0.2)
    try:
        pid = app.person_ids()[0]
        app.update_person(pid, job_title="Debounced")
        for _ in range(3):
            assert rx.deliver("person.updated", pid) == 202
        assert rx.debouncer.wait_idle(WAIT)
        assert rx.runs() and all(r.ok for r in rx.debouncer.history)
        assert title_of(harness, pid) == "Debounced"
        assert rx.events.pending() == set()
    finally:
        rx.receiver.close()
        rx.debouncer.stop()
        rx.events.close()


def test_event_ids_and_pending_runs_survive_a_restart(harness: Harness, tmp_path: Path) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.run("hollyhr")
    db = tmp_path / "events.sqlite"
    first = make_receiver(harness, app, db)
    pid = app.person_ids()[6]
    app.update_person(pid, job_title="Survived A Crash")
    assert first.deliver("person.updated", pid, event_id="evt_before_crash") == 202
    first.receiver.close()  # the receiver dies before its debounced run
    first.debouncer.stop()
    first.events.close()
    assert title_of(harness, pid) != "Survived A Crash"

    second = make_receiver(harness, app, db, secrets=[first.secret], register=False)
    try:
        # the accepted event's run was waiting: scheduled at start
        second.debouncer.flush()
        assert second.debouncer.wait_idle(WAIT)
        assert second.runs() == [("employment_history", "employments", "people")]
        assert title_of(harness, pid) == "Survived A Crash"
        # and its id is remembered: HollyHR's retry of it is a duplicate
        assert second.deliver("person.updated", pid, secret=first.secret, event_id="evt_before_crash") == 200
    finally:
        second.receiver.close()
        second.debouncer.stop()
        second.events.close()


def test_failed_run_keeps_its_resources_until_a_run_succeeds(harness: Harness, holly: Receiver) -> None:
    app = holly.app
    pid = app.person_ids()[8]
    app.update_person(pid, job_title="After The Outage")
    app.inject("/people", "500", times=20)
    harness.setenv("SOURCES__HOLLYHR__MAX_ATTEMPTS", "2")
    assert holly.deliver("person.updated", pid) == 202
    holly.debouncer.flush()
    deadline = time.monotonic() + WAIT
    while not holly.debouncer.history and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r.ok for r in holly.debouncer.history] == [False]
    assert "500" in holly.debouncer.history[0].message and "request_id" in holly.debouncer.history[0].message
    assert holly.events.pending() == {"people", "employments", "employment_history"}
    app.clear_faults()
    holly.debouncer.flush()
    assert holly.debouncer.wait_idle(WAIT)
    assert [r.ok for r in holly.debouncer.history] == [False, True]
    assert holly.events.pending() == set() and title_of(harness, pid) == "After The Outage"


def test_rotation_accepts_both_secrets_and_signature_checks() -> None:
    body = b'{"id":"evt_1","type":"person.updated"}'
    now = 1_800_000_000
    header = signature_header("old-secret", now, body)
    assert verify_signature(header, body, ["new-secret", "old-secret"], now + 10, 300) == now
    for bad_header in (None, "", "t=abc,v1=00", "v1=00", f"t={now}", header.replace("v1=", "v1=0")):
        with pytest.raises(ValueError):
            verify_signature(bad_header, body, ["old-secret"], now, 300)
    with pytest.raises(ValueError, match="tolerance"):
        verify_signature(header, body, ["old-secret"], now + 301, 300)
    with pytest.raises(ValueError, match="does not match"):
        verify_signature(header, body + b" ", ["old-secret"], now, 300)


def test_cli_serve_end_to_end(harness: Harness, tmp_path: Path) -> None:
    app = harness.start("hollyhr", **SIZES)
    harness.run("hollyhr")
    secret = "whsec_cli_test_0123456789abcdef"
    env = dict(os.environ, SOURCES__HOLLYHR__WEBHOOK_SECRET=secret, RUNTIME__DLTHUB_TELEMETRY="false")
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        proc = subprocess.Popen([str(BIN / "hr-elt"), "webhooks", "serve", "--port", "0", "--debounce", "0.2",
                                 "--pipelines-dir", harness.pipelines_dir, "--duckdb-path", harness.duckdb_path],
                                env=env, cwd=tmp_path, stdout=stdout, stderr=stderr)
    try:
        deadline = time.monotonic() + WAIT
        while "receiving HollyHR webhooks on" not in out.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, err.read_text()
            time.sleep(0.05)
        url = out.read_text().split("receiving HollyHR webhooks on ")[1].split()[0]
        pid = app.person_ids()[9]
        app.update_person(pid, job_title="Via The CLI")
        now = int(time.time())  # the subprocess checks against the machine's clock
        assert app.deliver(url, "person.updated", pid, secret=secret, timestamp=now) == 202
        assert app.deliver(url, "person.updated", pid, secret=secret, timestamp=now, tamper=True) == 401
        while "webhook-triggered run done" not in err.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, err.read_text()
            time.sleep(0.05)
        assert "webhook-triggered run done" in err.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0, err.read_text()
    assert title_of(harness, pid) == "Via The CLI"
    text = out.read_text() + err.read_text()
    assert secret not in text and app.credentials()["api_token"] not in text
    assert (Path(harness.pipelines_dir) / "hollyhr.webhook-events.sqlite").exists()
