"""Shared machinery of the vendor emulators: requests, responses, clock, faults, log, hooks.

Each vendor emulator is a :class:`VendorApp` subclass. :mod:`sandbox.server` serves an
app over real HTTP on loopback; tests drive the app object directly for mutations,
faults and clock control, and read its request log.
"""

from __future__ import annotations

import fnmatch
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

UTC = timezone.utc
DEFAULT_START = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)


def today_noon() -> datetime:
    """12:00 UTC of the machine's UTC date: a clock start whose calendar matches the connector's today."""
    return datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


def iso_ms(dt: datetime) -> str:
    """Formats a datetime as ISO-8601 UTC with millisecond precision and a Z suffix."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def iso_s(dt: datetime) -> str:
    """Formats a datetime as ISO-8601 UTC with second precision and a Z suffix."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    """Parses an ISO-8601 timestamp (Z or offset); raises ValueError when malformed."""
    v = value.strip()
    if v.endswith("Z") or v.endswith("z"):
        v = v[:-1] + "+00:00"
    dt = datetime.fromisoformat(v)
    if dt.tzinfo is None:
        raise ValueError("timestamp without time zone")
    return dt.astimezone(UTC)


class Clock:
    """A controllable clock: real time flows from `start` unless frozen; tests may shift it."""

    def __init__(self, start: datetime = DEFAULT_START, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._base = start
        self._mono0 = time.monotonic()
        self._frozen = frozen

    def now(self) -> datetime:
        with self._lock:
            if self._frozen:
                return self._base
            return self._base + timedelta(seconds=time.monotonic() - self._mono0)

    def set(self, dt: datetime) -> None:
        with self._lock:
            self._base = dt.astimezone(UTC)
            self._mono0 = time.monotonic()

    def advance(self, **kwargs: float) -> datetime:
        """Moves the clock forward, e.g. ``advance(hours=2)``; returns the new now."""
        self.set(self.now() + timedelta(**kwargs))
        return self.now()

    def freeze(self, frozen: bool = True) -> None:
        now = self.now()
        with self._lock:
            self._frozen = frozen
            self._base = now
            self._mono0 = time.monotonic()


@dataclass
class Request:
    """One HTTP request as the emulators see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # keys lower-cased
    body: bytes = b""
    raw_path: str = ""

    @classmethod
    def build(cls, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Request:
        path, _, qs = raw_path.partition("?")
        return cls(
            method=method.upper(),
            path=path,
            query=parse_qs(qs, keep_blank_values=True),
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
            raw_path=raw_path,
        )

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


@dataclass
class Response:
    """One HTTP response. `drop` closes the connection without answering; `delay` sleeps first."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return Response(status=status, body=body, headers=h)


@dataclass
class Fault:
    """An injected fault on matching requests, firing `times` times."""

    route: str  # fnmatch pattern on the path, e.g. "/api/v1/people*"
    kind: str  # "429", "500", "502", "503", "drop", "truncated", "slow"
    times: int = 1
    retry_after: str | None = None  # only for 429: header value, or None for no header
    delay: float = 0.0  # only for "slow"
    method: str | None = None
    after: int = 0  # skip this many matching requests before firing
    fired: int = 0
    seen: int = 0

    def matches(self, req: Request) -> bool:
        if self.method and self.method.upper() != req.method:
            return False
        return fnmatch.fnmatchcase(req.path, self.route)


@dataclass
class LogEntry:
    n: int
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    fault: str | None
    at: datetime
    headers: dict[str, str]

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


Hook = Callable[["VendorApp"], None]


class Latency:
    """Per-request service time of a vendor: fixed seconds plus uniform jitter, overridable per route.

    Real vendor APIs answer in 100 ms or more; loopback in 0.2 ms. The server sleeps the service
    time in the request's own thread, so concurrent requests overlap as they would on a real API.
    Counters (``applied``, ``seconds``, ``max_in_flight``) let tests check it at the server side.
    """

    def __init__(self, fixed_s: float = 0.0, jitter_s: float = 0.0,
                 routes: dict[str, tuple[float, float]] | None = None, seed: int = 1) -> None:
        self.fixed_s, self.jitter_s = fixed_s, jitter_s
        self.routes: dict[str, tuple[float, float]] = dict(routes or {})  # fnmatch path -> (fixed, jitter)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.applied = 0
        self.seconds = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self._watched: dict[str, list[int]] = {}  # fnmatch path -> [in flight, max in flight]

    def watch(self, pattern: str) -> None:
        """Counts requests in flight to paths matching `pattern` (see :meth:`max_in_flight_of`)."""
        with self._lock:
            self._watched.setdefault(pattern, [0, 0])

    def max_in_flight_of(self, pattern: str) -> int:
        """Most requests to a watched pattern that were served at the same time."""
        with self._lock:
            return self._watched[pattern][1]

    def service_time(self, path: str) -> float:
        """The service time for one request to `path` (first matching route pattern wins)."""
        fixed, jitter = self.fixed_s, self.jitter_s
        for pattern, (f, j) in self.routes.items():
            if fnmatch.fnmatchcase(path, pattern):
                fixed, jitter = f, j
                break
        with self._lock:
            return max(0.0, fixed + (self._rng.uniform(0.0, jitter) if jitter > 0 else 0.0))

    def enter(self, path: str = "") -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            for pattern, counts in self._watched.items():
                if fnmatch.fnmatchcase(path, pattern):
                    counts[0] += 1
                    counts[1] = max(counts[1], counts[0])

    def leave(self, slept: float, path: str = "") -> None:
        with self._lock:
            self.in_flight -= 1
            for pattern, counts in self._watched.items():
                if fnmatch.fnmatchcase(path, pattern):
                    counts[0] -= 1
            if slept > 0:
                self.applied += 1
                self.seconds += slept


class VendorApp:
    """Base class of a vendor emulator.

    Subclasses implement :meth:`handle` (and :meth:`error`, the vendor's error body) and
    may override :meth:`on_fault` (e.g. ByteHR counts faulted requests against quota).
    Everything else (faults, request log, after-request hooks, clock) lives here.
    """

    name = "vendor"
    base_path = ""  # path prefix of the API, e.g. "/api/v1"
    field_routes: dict[str, str] = {}
    """Path pattern (fnmatch, below ``base_path``) -> the connector's resource its records belong to, most
    specific first: where :meth:`withhold_field` and :meth:`blank_field` apply."""

    def __init__(self, clock: Clock | None = None, seed: int = 1) -> None:
        self.clock = clock or Clock()
        self.seed = seed
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.log: list[LogEntry] = []
        self._hooks: list[tuple[int, str | None, Hook]] = []
        self._hook_counts: dict[str | None, int] = {}
        self.base_url = ""  # set by the server once bound
        self.latency = Latency(seed=seed)
        self.field_masks: dict[str, dict[str, str]] = {}  # resource -> field -> "withhold" | "blank"

    def set_latency(self, fixed_s: float = 0.0, jitter_s: float = 0.0,
                    routes: dict[str, tuple[float, float]] | None = None) -> Latency:
        """Sets the per-request service time (seconds); `routes` maps path patterns to (fixed, jitter)."""
        prefixed = {(r if r.startswith(self.base_path) else self.base_path + r): tuple(v)
                    for r, v in (routes or {}).items()}
        self.latency = Latency(fixed_s, jitter_s, prefixed, seed=self.seed)  # type: ignore[arg-type]
        return self.latency

    def watch_in_flight(self, route: str) -> None:
        """Counts concurrent requests to `route` (fnmatch, under the base path): see :attr:`latency`."""
        self.latency.watch(route if route.startswith(self.base_path) else self.base_path + route)

    def max_in_flight(self, route: str) -> int:
        """Most requests to a watched `route` served at the same time."""
        return self.latency.max_in_flight_of(route if route.startswith(self.base_path) else self.base_path + route)

    # --- control API used by tests ---------------------------------------------------
    def inject(self, route: str, kind: str, times: int = 1, **opts: Any) -> Fault:
        """Injects a fault on requests whose path matches `route` (fnmatch), `times` times."""
        fault = Fault(route=self.base_path + route if not route.startswith(self.base_path) else route,
                      kind=str(kind), times=times, **opts)
        with self.lock:
            self.faults.append(fault)
        return fault

    def withhold_field(self, resource: str, field_name: str) -> None:
        """Leaves `field_name` out of every record of `resource` from now on, as a missing permission would."""
        self._mask(resource, field_name, "withhold")

    def blank_field(self, resource: str, field_name: str) -> None:
        """Sends `field_name` as null in every record of `resource` from now on (the vendor holds no values)."""
        self._mask(resource, field_name, "blank")

    def clear_field_masks(self) -> None:
        """Sends every field again."""
        with self.lock:
            self.field_masks.clear()

    def _mask(self, resource: str, field_name: str, mode: str) -> None:
        if resource not in set(self.field_routes.values()):
            known = sorted(set(self.field_routes.values()))
            raise KeyError(f"{self.name} has no resource {resource!r}; known: {known}")
        with self.lock:
            self.field_masks.setdefault(resource, {})[field_name] = mode

    def mask_record(self, record: dict[str, Any], field_name: str, mode: str) -> None:
        """Withholds or blanks one field of one record (a vendor overrides this for nested fields)."""
        if mode == "withhold":
            record.pop(field_name, None)
        elif field_name in record:
            record[field_name] = None

    def _masked(self, req: Request, resp: Response) -> Response:
        rel = req.path[len(self.base_path):] if req.path.startswith(self.base_path) else req.path
        resource = next((r for pattern, r in self.field_routes.items() if fnmatch.fnmatchcase(rel, pattern)), None)
        with self.lock:
            masks = dict(self.field_masks.get(resource or "", {}))
        if not masks or resp.status != 200 or not resp.body:
            return resp
        payload = resp.json()
        records = next((payload[k] for k in ("data", "results") if isinstance(payload, dict)
                        and isinstance(payload.get(k), list)), [payload] if isinstance(payload, dict) else [])
        for record in records:
            if isinstance(record, dict):
                for field_name, mode in masks.items():
                    self.mask_record(record, field_name, mode)
        resp.body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        return resp

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def after_request(self, k: int, hook: Hook, route: str | None = None) -> None:
        """Runs `hook(app)` right after the k-th request (1-based, counted from now) is answered.

        With `route`, only requests whose path matches that fnmatch pattern are counted.
        The hook runs before the next request is handled, so it models a change made by
        someone else in the middle of a page walk.
        """
        if route is not None and not route.startswith(self.base_path):
            route = self.base_path + route
        with self.lock:
            base = self._hook_counts.setdefault(route, 0)
            self._hooks.append((base + k, route, hook))

    def requests(self, route: str | None = None, method: str | None = None) -> list[LogEntry]:
        """Logged requests, optionally filtered by path pattern (fnmatch) and method."""
        if route is not None and not route.startswith(self.base_path):
            route = self.base_path + route
        with self.lock:
            return [
                e
                for e in self.log
                if (route is None or fnmatch.fnmatchcase(e.path, route))
                and (method is None or e.method == method.upper())
            ]

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()

    # --- to implement ------------------------------------------------------------------
    def handle(self, req: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        """The vendor's error envelope."""
        raise NotImplementedError  # pragma: no cover - abstract

    def on_fault(self, req: Request, fault: Fault) -> dict[str, str]:
        """Called when a fault fires; returns extra headers for the faulted response."""
        return {}

    # --- dispatch ----------------------------------------------------------------------
    def _take_fault(self, req: Request) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.fired < fault.times and fault.matches(req):
                    fault.seen += 1
                    if fault.seen <= fault.after:
                        continue
                    fault.fired += 1
                    return fault
        return None

    def dispatch(self, req: Request) -> Response:
        """Answers one request: faults first, then the vendor logic; logs it and runs hooks."""
        fault = self._take_fault(req)
        fault_kind: str | None = None
        if fault is not None and fault.kind not in ("truncated", "slow"):
            fault_kind = fault.kind
            extra = self.on_fault(req, fault)
            if fault.kind == "drop":
                resp = Response(status=0, drop=True)
            elif fault.kind == "429":
                headers = dict(extra)
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                resp = self.error(429, "rate_limited", "Too many requests.", headers)
            else:
                status = int(fault.kind)
                resp = self.error(status, "server_error", "Internal error.", extra)
        else:
            try:
                resp = self._masked(req, self.handle(req)) if self.field_masks else self.handle(req)
            except Exception as exc:  # an emulator bug must show up as a 500, not a hang
                resp = self.error(500, "server_error", f"sandbox error: {exc!r}")
            if fault is not None:
                fault_kind = fault.kind
                if fault.kind == "truncated":
                    resp.body = resp.body[: max(1, len(resp.body) // 2)]
                elif fault.kind == "slow":
                    resp.delay = fault.delay or 1.0
        self._record(req, resp, fault_kind)
        return resp

    def _record(self, req: Request, resp: Response, fault_kind: str | None) -> None:
        due: list[Hook] = []
        with self.lock:
            n = len(self.log) + 1
            self.log.append(
                LogEntry(n, req.method, req.path, req.query, resp.status, fault_kind, self.clock.now(),
                         dict(req.headers))
            )
            for key in list(self._hook_counts.keys() | {None}):
                if key is None or fnmatch.fnmatchcase(req.path, key):
                    self._hook_counts[key] = self._hook_counts.get(key, 0) + 1
            remaining = []
            for at, route, hook in self._hooks:
                if self._hook_counts.get(route, 0) >= at and (
                    route is None or fnmatch.fnmatchcase(req.path, route)
                ):
                    due.append(hook)
                else:
                    remaining.append((at, route, hook))
            self._hooks = remaining
        for hook in due:
            hook(self)


class RateWindow:
    """A fixed-window request counter per key, on the app's clock (seconds resolution)."""

    def __init__(self, clock: Clock, limit: int, window_s: float) -> None:
        self.clock = clock
        self.limit = limit
        self.window_s = window_s
        self.enabled = True
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str) -> tuple[bool, int, float]:
        """Counts one request for `key`; returns (allowed, remaining, seconds_to_reset)."""
        now = self.clock.now().timestamp()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= self.window_s:
                start, count = now, 0
            reset = max(0.0, self.window_s - (now - start))
            if self.enabled and count >= self.limit:
                self._windows[key] = (start, count)
                return False, 0, reset
            count += 1
            self._windows[key] = (start, count)
            return True, max(0, self.limit - count), reset
