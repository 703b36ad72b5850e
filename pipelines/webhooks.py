"""``hr-elt webhooks serve``: HollyHR webhook deliveries trigger incremental runs of what changed.

A delivery is ``POST`` JSON ``{"id": "evt_...", "type": "person.updated", "created_at": ..., "data": {...}}``
with ``HollyHR-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``. The receiver

1. verifies the signature over the raw body, in constant time, against every configured secret
   (several during a rotation), and refuses a ``t`` outside the tolerance window (replays);
2. drops a delivery whose event id it has seen before (HollyHR retries, and may deliver twice),
   answering 200 so the sender stops retrying; ids live in a small SQLite file next to the
   pipeline's working directory, so a restart does not forget them;
3. maps the event type to resources (``person.*`` -> people, employments, employment history;
   ``time_off.*`` -> time off; ``document.*`` -> documents) and schedules an incremental run of
   them, debounced: a burst of events becomes one run. Resources waiting for a run are stored
   too, so a crash between the acknowledgement and the run loses nothing: the next start runs them.

Runs go through :func:`pipelines.runner.run_vendor` with ``wait=True``: a scheduled ``hr-elt run``
in progress is waited for (the pipeline lock), never raced.
"""

from __future__ import annotations

import hashlib
import hmac
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

from sources._shared.http.redaction import redact, register_secret

logger = logging.getLogger("pipelines.webhooks")

VENDOR = "hollyhr"
SIGNATURE_HEADER = "HollyHR-Signature"
SECRET_SETTING = "sources.hollyhr.webhook_secret (env SOURCES__HOLLYHR__WEBHOOK_SECRET)"

PEOPLE = ("people", "employments", "employment_history")
# event type prefix -> resources whose incremental run picks the change up
EVENT_RESOURCES: dict[str, tuple[str, ...]] = {
    "person": PEOPLE,
    "employment": PEOPLE,
    "employment_history": PEOPLE,
    "time_off": ("time_off",),
    "document": ("documents",),
}


def resources_for(event_type: str) -> tuple[str, ...]:
    """The resources an event type touches; empty for types the connector does not load."""
    return EVENT_RESOURCES.get(event_type.split(".", 1)[0], ())


class SignatureError(ValueError):
    """A delivery whose signature is missing, malformed, wrong or outside the tolerance window."""


def verify_signature(header: str | None, body: bytes, secrets: Iterable[str], now: float, tolerance: float) -> int:
    """Checks a ``HollyHR-Signature`` header against the raw body.

    Args:
        header: ``t=<unix seconds>,v1=<hex>`` (several ``v1`` allowed).
        body: The request body exactly as received.
        secrets: Accepted signing secrets (the current one, and the previous one during a rotation).
        now: Current unix time.
        tolerance: Largest accepted distance between ``t`` and `now`, in seconds.

    Returns:
        The signed timestamp.

    Raises:
        SignatureError: the delivery must be refused.
    """
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    stamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                stamp = int(value)
            except ValueError:
                raise SignatureError("malformed timestamp in signature header") from None
        elif key == "v1" and value:
            candidates.append(value.strip())
    if stamp is None or not candidates:
        raise SignatureError("malformed signature header")
    if abs(now - stamp) > tolerance:
        raise SignatureError(f"timestamp outside the {tolerance:.0f}s tolerance window (replayed or delayed)")
    signed = str(stamp).encode("ascii") + b"." + body
    matched = False
    for secret in secrets:
        expected = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
        for candidate in candidates:
            # constant-time; evaluate every pair so timing tells nothing about which one matched
            matched |= hmac.compare_digest(expected.encode("ascii"), candidate.encode("ascii", "replace"))
    if not matched:
        raise SignatureError("signature does not match")
    return stamp


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
    """

    def __init__(self, run: Callable[[tuple[str, ...]], Any], delay: float = 10.0, max_delay: float = 60.0,
                 retry_delay: float = 60.0, on_done: Callable[[tuple[str, ...], float], None] | None = None) -> None:
        self._run = run
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
            logger.error("hollyhr: webhook-triggered run of %s failed: %s", ", ".join(batch), message)
            return RunRecord(batch, False, message)
        if self._on_done is not None:
            self._on_done(batch, started)
        return RunRecord(batch, True)


@dataclass
class ReceiverSettings:
    """How the receiver listens and what it accepts.

    Attributes:
        secrets: Accepted signing secrets (current first).
        path: URL path deliveries are posted to.
        tolerance: Seconds a signature's timestamp may be away from now.
        max_body: Largest accepted body, bytes.
    """

    secrets: list[str] = field(default_factory=list)
    path: str = "/webhooks/hollyhr"
    tolerance: float = 300.0
    max_body: int = 1 << 20


class WebhookReceiver:
    """Verifies, dedups and turns HollyHR deliveries into debounced runs.

    Args:
        settings: Secrets, path, tolerance.
        events: Seen ids and pending resources.
        debouncer: Schedules the runs.
        now: Unix time source (the signature's ``t`` is compared with it).
    """

    def __init__(self, settings: ReceiverSettings, events: EventLog, debouncer: Debouncer,
                 now: Callable[[], float] = time.time) -> None:
        if not settings.secrets:
            raise ValueError(f"no webhook signing secret: set {SECRET_SETTING}")
        for secret in settings.secrets:
            register_secret(secret)
        self.settings = settings
        self.events = events
        self.debouncer = debouncer
        self.now = now
        self.counts: dict[str, int] = {"accepted": 0, "duplicate": 0, "ignored": 0, "refused": 0, "invalid": 0}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        waiting = events.pending()
        if waiting:  # accepted before a restart, never run: run them now
            logger.warning("hollyhr: resources %s were waiting for a webhook-triggered run; scheduling it",
                           ", ".join(sorted(waiting)))
            debouncer.add(waiting)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """Answers one request: ``(status, JSON body)``."""
        if path.split("?", 1)[0] != self.settings.path:
            return 404, {"error": "not found"}
        if method != "POST":
            return 405, {"error": "POST only"}
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            verify_signature(lowered.get(SIGNATURE_HEADER.lower()), body, self.settings.secrets, self.now(),
                             self.settings.tolerance)
        except SignatureError as refused:
            self._count("refused")
            logger.warning("hollyhr: webhook delivery refused: %s", refused)
            return 401, {"error": str(refused)}
        try:
            event = json.loads(body)
            event_id, event_type = event["id"], event["type"]
            if not isinstance(event_id, str) or not isinstance(event_type, str) or not event_id:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            self._count("invalid")
            return 400, {"error": "body is not an event {id, type, ...}"}
        resources = resources_for(event_type)
        if not self.events.claim(event_id, event_type, resources):
            self._count("duplicate")
            logger.info("hollyhr: webhook event %s seen before; not run again", event_id)
            return 200, {"status": "duplicate", "id": event_id}
        if not resources:
            self._count("ignored")
            return 200, {"status": "ignored", "id": event_id, "type": event_type}
        self._count("accepted")
        self.debouncer.add(resources)
        logger.info("hollyhr: webhook event %s (%s): run of %s scheduled", event_id, event_type, ", ".join(resources))
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
        self.url = f"http://{shown}:{bound_port}{self.settings.path}"
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


def vendor_runner(**run_kwargs: Any) -> Callable[[tuple[str, ...]], Any]:
    """A ``run(resources)`` that runs HollyHR incrementally for those resources, queued behind other runs."""
    from pipelines.runner import run_vendor
    from pipelines.summary import error_line, format_summary

    def run(resources: tuple[str, ...]) -> Any:
        try:
            result = run_vendor(VENDOR, resources=list(resources), wait=True, **run_kwargs)
        except Exception as exc:
            raise RuntimeError(error_line(VENDOR, exc)) from None
        logger.warning("hollyhr: webhook-triggered run done\n%s", format_summary(result))
        return result

    return run


def serve_from_cli(host: str, port: int, path: str, debounce: float, max_delay: float, tolerance: float,
                   events_db: str | None, run_kwargs: dict[str, Any]) -> int:
    """``hr-elt webhooks serve``: runs the receiver until interrupted; returns the exit code."""
    import dlt

    from pipelines.lock import lock_path
    from pipelines.runner import pipeline_name_for

    secrets = secrets_from_config(dlt.secrets.get("sources.hollyhr.webhook_secret"))
    if not secrets:
        print(f"hr-elt: hollyhr: no webhook signing secret: set {SECRET_SETTING} "
              "(comma-separate two during a rotation)", flush=True)
        return 1
    for secret in secrets:
        register_secret(secret)
    db = events_db or str(lock_path(run_kwargs.get("pipelines_dir"), pipeline_name_for(VENDOR)).with_suffix(
        ".webhook-events.sqlite"))
    events = EventLog(db)
    debouncer = Debouncer(vendor_runner(**run_kwargs), delay=debounce, max_delay=max_delay,
                          on_done=events.done)
    receiver = WebhookReceiver(ReceiverSettings(secrets=secrets, path=path, tolerance=tolerance), events, debouncer)
    url = receiver.serve(host, port)
    print(f"hr-elt: receiving HollyHR webhooks on {url} (debounce {debounce:g}s)", flush=True)

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
