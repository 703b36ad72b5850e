"""Webhook machinery every vendor's receiver shares: verified deliveries become debounced incremental runs.

A vendor that pushes change events declares a :class:`WebhookProtocol` (its signature scheme and
which resources an event type touches) and a CLI plugin in its own package (see
``sources/<vendor>/webhooks.py``). Everything else lives here and names no vendor:

1. :class:`WebhookReceiver` verifies each delivery's signature over the raw body against every
   configured secret (several during a rotation), refusing a timestamp outside the tolerance window;
2. drops a delivery whose event id it has seen before (vendors retry, and may deliver twice),
   answering 200 so the sender stops retrying; ids live in a small SQLite file (:class:`EventLog`)
   next to the pipeline's working directory, so a restart does not forget them;
3. maps the event type to resources and schedules an incremental run of them through a
   :class:`Debouncer`: a burst of events becomes one run. Resources waiting for a run are stored
   too, so a crash between the acknowledgement and the run loses nothing: the next start runs them.

Runs go through :func:`pipelines.app.run_vendor` with ``wait=True``: a scheduled ``hr-elt run``
in progress is waited for (the pipeline lock), never raced.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pipelines.app import run_vendor
from pipelines.report.summary import format_summary
from pipelines.run.destinations import DESTINATIONS
from pipelines.run.failures import error_line
from pipelines.run.lock import lock_path
from pipelines.run.naming import pipeline_name_for
from sources import registry
from sources._shared.http.redaction import redact, register_secret
from sources._shared.webhooks import SignatureError, WebhookProtocol

logger = logging.getLogger("pipelines.webhooks.server")


class EventLog:
    """Seen event ids and resources waiting for a run, in one SQLite file (safe across restarts).

    Args:
        path: The SQLite file (created when missing); ``":memory:"`` keeps it in memory.
        retention_days: Event ids older than this are forgotten.
    """

    def __init__(self, path: str | Path, retention_days: float = 30.0) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.retention_s = retention_days * 86400
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("pragma journal_mode=wal")
        self._db.execute("create table if not exists events (id text primary key, type text, received_at real)")
        self._db.execute("create table if not exists pending (resource text primary key, since real)")
        self.prune()

    def claim(self, event_id: str, event_type: str, resources: Iterable[str] = ()) -> bool:
        """Records an event and the resources it needs run; False when the id was seen before."""
        now = time.time()
        with self._lock:
            self._db.execute("begin immediate")
            try:
                cur = self._db.execute("insert or ignore into events values (?, ?, ?)", (event_id, event_type, now))
                fresh = cur.rowcount == 1
                if fresh:
                    self._db.executemany("insert into pending values (?, ?) on conflict(resource) do update "
                                         "set since = excluded.since", [(r, now) for r in resources])
                self._db.execute("commit")
            except BaseException:
                self._db.execute("rollback")
                raise
        return fresh

    def pending(self) -> set[str]:
        """Resources accepted for a run that has not succeeded yet."""
        with self._lock:
            return {row[0] for row in self._db.execute("select resource from pending")}

    def done(self, resources: Iterable[str], started: float) -> None:
        """Marks resources as run by a run that started at `started` (unix time).

        A resource whose event arrived after the run started stays pending.
        """
        with self._lock:
            self._db.executemany("delete from pending where resource = ? and since <= ?",
                                 [(r, started) for r in resources])

    def prune(self) -> None:
        """Forgets event ids older than the retention."""
        with self._lock:
            self._db.execute("delete from events where received_at < ?", (time.time() - self.retention_s,))

    def close(self) -> None:
        """Closes the file."""
        with self._lock:
            self._db.close()


@dataclass
class RunRecord:
    """One triggered run: which resources, and how it ended."""

    resources: tuple[str, ...]
    ok: bool
    message: str = ""


class Debouncer:
    """Collects resources and runs them once things go quiet; one run at a time.

    A run starts `delay` seconds after the last event, but no later than `max_delay` seconds after
    the first event of a burst. Events that arrive during a run are run after it. A failed run
    keeps its resources and is retried after `retry_delay` seconds, doubling with each failure in a
    row up to an hour (or sooner, with the next event).

    Args:
        run: ``run(resources)``; raises on failure.
        delay: Quiet time before a run, seconds.
        max_delay: Longest wait after the first event of a burst, seconds.
        retry_delay: Wait before retrying a failed run, seconds.
        on_done: Called with the resources and the start (unix time) of each successful run.
        log: Where a failed run is logged (the vendor's logger); this module's by default.
    """

    def __init__(self, run: Callable[[tuple[str, ...]], Any], delay: float = 10.0, max_delay: float = 60.0,
                 retry_delay: float = 60.0, on_done: Callable[[tuple[str, ...], float], None] | None = None,
                 log: logging.Logger | None = None) -> None:
        self._run = run
        self._log = log or logger
        self.delay = delay
        self.max_delay = max_delay
        self.retry_delay = retry_delay
        self._on_done = on_done
        self._cond = threading.Condition()
        self._pending: set[str] = set()
        self._first: float | None = None
        self._due: float | None = None
        self._running = False
        self._stop = False
        self._failures = 0
        self.history: list[RunRecord] = []
        self._thread = threading.Thread(target=self._loop, name="hr-elt-webhook-runs", daemon=True)
        self._thread.start()

    def add(self, resources: Iterable[str], now: float | None = None) -> None:
        """Schedules a run of `resources` (merged with what is already waiting)."""
        resources = set(resources)
        if not resources:
            return
        with self._cond:
            now = time.monotonic() if now is None else now
            self._pending |= resources
            if self._first is None:
                self._first = now
            self._due = min(now + self.delay, self._first + self.max_delay)
            self._cond.notify_all()

    def flush(self) -> None:
        """Runs what is waiting now, without waiting for the quiet time."""
        with self._cond:
            if self._pending:
                self._due = time.monotonic()
                self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Blocks until nothing waits and nothing runs; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending or self._running:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def stop(self) -> None:
        """Stops the worker after the current run."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stop and (self._due is None or time.monotonic() < self._due):
                    self._cond.wait(None if self._due is None else max(0.0, self._due - time.monotonic()))
                if self._stop:
                    return
                batch = tuple(sorted(self._pending))
                self._pending.clear()
                self._first = self._due = None
                self._running = True
            record = self._run_once(batch)
            with self._cond:
                self._running = False
                self.history.append(record)
                self._failures = 0 if record.ok else self._failures + 1
                if not record.ok:  # keep them: retried later, or with the next event
                    self._pending |= set(batch)
                    now = time.monotonic()
                    backoff = min(self.retry_delay * 2 ** (self._failures - 1), 3600.0)
                    self._first = self._first or now
                    self._due = now + backoff if self._due is None else self._due
                self._cond.notify_all()

    def _run_once(self, batch: tuple[str, ...]) -> RunRecord:
        started = time.time()
        try:
            self._run(batch)
        except Exception as exc:  # a failed run must not kill the receiver
            message = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
            # the runner's message starts with the vendor's name (error_line)
            self._log.error("webhook-triggered run of %s failed: %s", ", ".join(batch), message)
            return RunRecord(batch, False, message)
        if self._on_done is not None:
            self._on_done(batch, started)
        return RunRecord(batch, True)


@dataclass
class ReceiverSettings:
    """How the receiver listens and what it accepts.

    Attributes:
        secrets: Accepted signing secrets (current first).
        path: URL path deliveries are posted to; empty: ``/webhooks/<vendor>``.
        tolerance: Seconds a signature's timestamp may be away from now.
        max_body: Largest accepted body, bytes.
    """

    secrets: list[str] = field(default_factory=list)
    path: str = ""
    tolerance: float = 300.0
    max_body: int = 1 << 20


class WebhookReceiver:
    """Verifies, dedups and turns one vendor's deliveries into debounced runs.

    Args:
        protocol: The vendor's signature scheme and event types.
        settings: Secrets, path, tolerance.
        events: Seen ids and pending resources.
        debouncer: Schedules the runs.
        now: Unix time source (the signature's timestamp is compared with it).
    """

    def __init__(self, protocol: WebhookProtocol, settings: ReceiverSettings, events: EventLog, debouncer: Debouncer,
                 now: Callable[[], float] = time.time) -> None:
        if not settings.secrets:
            raise ValueError(f"no webhook signing secret: set {protocol.secret_setting}")
        for secret in settings.secrets:
            register_secret(secret)
        self.protocol = protocol
        self.path = settings.path or f"/webhooks/{protocol.vendor}"
        self.settings = settings
        self.events = events
        self.debouncer = debouncer
        self.now = now
        self.log = protocol.logger
        self.counts: dict[str, int] = {"accepted": 0, "duplicate": 0, "ignored": 0, "refused": 0, "invalid": 0}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        waiting = events.pending()
        if waiting:  # accepted before a restart, never run: run them now
            self.log.warning("%s: resources %s were waiting for a webhook-triggered run; scheduling it",
                             protocol.vendor, ", ".join(sorted(waiting)))
            debouncer.add(waiting)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """Answers one request: ``(status, JSON body)``."""
        if path.split("?", 1)[0] != self.path:
            return 404, {"error": "not found"}
        if method != "POST":
            return 405, {"error": "POST only"}
        vendor = self.protocol.vendor
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            self.protocol.verify(lowered.get(self.protocol.signature_header.lower()), body, self.settings.secrets,
                                 self.now(), self.settings.tolerance)
        except SignatureError as refused:
            self._count("refused")
            self.log.warning("%s: webhook delivery refused: %s", vendor, refused)
            return 401, {"error": str(refused)}
        try:
            event = json.loads(body)
            event_id, event_type = event["id"], event["type"]
            if not isinstance(event_id, str) or not isinstance(event_type, str) or not event_id:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            self._count("invalid")
            return 400, {"error": "body is not an event {id, type, ...}"}
        resources = self.protocol.resources_for(event_type)
        if not self.events.claim(event_id, event_type, resources):
            self._count("duplicate")
            self.log.info("%s: webhook event %s seen before; not run again", vendor, event_id)
            return 200, {"status": "duplicate", "id": event_id}
        if not resources:
            self._count("ignored")
            self.log.info("%s: webhook event %s of type %s touches nothing loaded; ignored", vendor, event_id,
                          event_type)
            return 200, {"status": "ignored", "id": event_id, "type": event_type}
        self._count("accepted")
        self.debouncer.add(resources)
        self.log.info("%s: webhook event %s (%s): run of %s scheduled", vendor, event_id, event_type,
                      ", ".join(resources))
        return 202, {"status": "accepted", "id": event_id, "resources": list(resources)}
    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    # --- HTTP --------------------------------------------------------------------------
    def serve(self, host: str = "127.0.0.1", port: int = 8787) -> str:
        """Starts listening in a background thread; returns the delivery URL."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - we log ourselves
                return

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self) -> None:
                raw_length = self.headers.get("Content-Length")
                if self.command == "POST" and raw_length is None:
                    self.close_connection = True
                    return self._answer(411, {"error": "Content-Length required"})
                try:
                    length = int(raw_length or 0)
                except ValueError:
                    self.close_connection = True
                    return self._answer(400, {"error": "bad Content-Length"})
                if length > receiver.settings.max_body:
                    self.close_connection = True
                    return self._answer(413, {"error": "body too large"})
                body = self.rfile.read(length) if length else b""
                status, payload = receiver.handle(self.command, self.path, dict(self.headers.items()), body)
                self._answer(status, payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server((host, port), Handler)
        bound_host, bound_port = self._server.server_address[:2]
        shown = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
        self.url = f"http://{shown}:{bound_port}{self.path}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="hr-elt-webhooks", daemon=True)
        self._thread.start()
        return self.url

    def close(self) -> None:
        """Stops listening (runs already scheduled are not waited for)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def secrets_from_config(value: Any) -> list[str]:
    """Signing secrets from a setting: a string (comma-separated for several) or a list."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [str(s).strip() for s in items if str(s).strip()]


def vendor_runner(vendor: str, **run_kwargs: Any) -> Callable[[tuple[str, ...]], Any]:
    """A ``run(resources)`` that runs ``vendor`` incrementally for those resources, queued behind other runs."""

    def run(resources: tuple[str, ...]) -> Any:
        try:
            result = run_vendor(vendor, resources=list(resources), wait=True, **run_kwargs)
        except Exception as exc:
            raise RuntimeError(error_line(vendor, exc)) from None
        logging.getLogger(f"sources.{vendor}").warning("%s: webhook-triggered run done\n%s", vendor,
                                                       format_summary(result))
        return result

    return run


def add_serve_arguments(parser: argparse.ArgumentParser, vendor: str) -> None:
    """The options of ``hr-elt webhooks serve`` (listening, debouncing, where runs load)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 picks a free one)")
    parser.add_argument("--path", default=f"/webhooks/{vendor}", help="URL path deliveries are posted to")
    parser.add_argument("--debounce", type=float, default=10.0, metavar="SECONDS",
                        help="quiet time after the last event before a run (default 10)")
    parser.add_argument("--max-delay", type=float, default=60.0, metavar="SECONDS",
                        help="longest wait after the first event of a burst (default 60)")
    parser.add_argument("--tolerance", type=float, default=300.0, metavar="SECONDS",
                        help="accepted clock distance of a signature's timestamp (default 300)")
    parser.add_argument("--events-db", help="SQLite file of seen event ids (default: next to the pipeline dir)")
    parser.add_argument("--destination", choices=DESTINATIONS, default="duckdb")
    parser.add_argument("--dataset", help=f"dataset (schema) name; default: {vendor}")
    parser.add_argument("--duckdb-path", help="DuckDB file (default: hr_elt.duckdb_path or hr.duckdb)")
    parser.add_argument("--pipelines-dir", help="where dlt keeps pipeline state (default: dlt's)")


def serve_from_cli(protocol: WebhookProtocol, secrets: list[str], args: argparse.Namespace) -> int:
    """``hr-elt webhooks serve`` for one vendor: runs the receiver until interrupted; returns the exit code."""
    vendor = protocol.vendor
    if not secrets:
        print(f"hr-elt: {vendor}: no webhook signing secret: set {protocol.secret_setting} "
              "(comma-separate two during a rotation)", flush=True)
        return 1
    for secret in secrets:
        register_secret(secret)
    run_kwargs = {"destination": args.destination, "dataset": args.dataset, "duckdb_path": args.duckdb_path,
                  "pipelines_dir": args.pipelines_dir}
    db = args.events_db or str(lock_path(args.pipelines_dir, pipeline_name_for(vendor)).with_suffix(
        ".webhook-events.sqlite"))
    events = EventLog(db)
    debouncer = Debouncer(vendor_runner(vendor, **run_kwargs), delay=args.debounce, max_delay=args.max_delay,
                          on_done=events.done, log=protocol.logger)
    receiver = WebhookReceiver(protocol, ReceiverSettings(secrets=secrets, path=args.path, tolerance=args.tolerance),
                               events, debouncer)
    url = receiver.serve(args.host, args.port)
    title = registry.get(vendor).title
    print(f"hr-elt: receiving {title} webhooks on {url} (debounce {args.debounce:g}s)", flush=True)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        receiver.close()
        debouncer.stop()
        events.close()
    return 0
