"""HollyHR Core API emulator: routing, auth, scopes, rate limits, cursors, ETags, idempotency."""

from __future__ import annotations

import gc
import hashlib
import json
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sandbox.core import Clock, RateWindow, Request, Response, VendorApp, iso_ms, json_response, parse_iso
from sandbox.hollyhr import data as d
from sandbox.hollyhr.controls import ControlsMixin
from sandbox.hollyhr.cursors import CursorCodec, CursorError
from sandbox.hollyhr.data import etag_of
from sandbox.hollyhr.webhooks import EVENT_TYPES

DEFAULT_TOKEN = "hhr_sandbox_token"
ALL_SCOPES = ("people:read", "people:write", "time_off:read", "documents:read", "webhooks:manage")
DEFAULT_LIMIT, MAX_LIMIT = 50, 200

PERSON_WRITABLE = ("first_name", "last_name", "preferred_name", "work_email", "job_title", "department",
                   "manager_id", "location", "employment_type")
PERSON_NULLABLE = ("preferred_name", "manager_id")
EMPLOYMENT_WRITABLE = ("job_title", "department", "start_date", "employment_type", "weekly_hours")
HISTORY_WRITABLE = ("job_title", "department", "start_date", "end_date")
UNSUPPORTED_HISTORY = ("reason", "notes", "note", "comment", "compensation", "salary", "pay", "pay_rate",
                       "currency", "bonus")
EMPLOYMENT_TYPE_VALUES = ("full_time", "part_time", "contractor", "intern")


class ApiError(Exception):
    """Raised by handlers; rendered as the HollyHR error envelope."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers or {}


def bad(message: str, field_name: str | None = None, issue: str = "invalid") -> ApiError:
    details = [{"field": field_name, "issue": issue, "message": message}] if field_name else []
    return ApiError(400, "invalid_request", message, details)


@dataclass
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Callable[[Request, Ctx], Response]
    scope: str


@dataclass
class Ctx:
    token: str
    rid: str
    params: dict[str, str] = field(default_factory=dict)
    template: str = ""


@dataclass
class Stored:
    fingerprint: tuple[str, str, str, str | None, str]
    response: Response


def _canonical_body(body: bytes) -> str:
    try:
        return json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return "raw:" + body.hex()


def _date(value: Any, name: str) -> str:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise bad(f"{name} must be a date (YYYY-MM-DD).", name)


class HollyHRApp(ControlsMixin, VendorApp):
    """The HollyHR Core API (``/api/v1``): people, employment, history, time-off, documents, webhooks."""

    name = "hollyhr"
    base_path = "/api/v1"
    field_routes = {"/people/*/employment-history": "employment_history", "/people/*/employment": "employments",
                    "/people": "people", "/time-off": "time_off", "/documents": "documents"}

    def __init__(self, clock: Clock | None = None, seed: int = 1, people: int = 200, time_off_per_person: int = 2,
                 documents_per_person: int = 1, history_per_person: int = 2, rate_limits: bool = True,
                 route_limit: int = 600, window_s: float = 60, preauth_limit: int = 60,
                 route_limits: dict[str, int] | None = None) -> None:
        super().__init__(clock=clock, seed=seed)
        self.keys: dict[str, set[str]] = {DEFAULT_TOKEN: set(ALL_SCOPES)}
        self.revoked: set[str] = set()
        self.route_limit, self.window_s, self.route_limits = route_limit, window_s, dict(route_limits or {})
        self._rate_enabled = rate_limits
        self._route_windows: dict[str, RateWindow] = {}
        self.preauth = RateWindow(self.clock, preauth_limit, window_s)
        self.preauth.enabled = rate_limits
        self.cursors = CursorCodec(hashlib.sha256(f"hollyhr-cursor:{seed}".encode()).digest())
        self.store = d.Store()
        self.idempotency: dict[tuple[str, str], Stored] = {}
        self.webhooks: dict[str, dict[str, Any]] = {}
        self.webhook_secrets: dict[str, str] = {}
        self.deliveries: list[dict[str, Any]] = []
        self.stats = {"records_scanned": 0}
        self._counter = 0
        gc_was_enabled = gc.isenabled()
        gc.disable()  # hundreds of thousands of small dicts: the cyclic GC would dominate construction
        try:
            d.generate(self.store, seed, self.clock.now(), people, time_off_per_person, documents_per_person,
                       history_per_person)
        finally:
            if gc_was_enabled:
                gc.enable()
        self.routes = self._build_routes()

    # --- framework hooks ---------------------------------------------------------------
    def credentials(self) -> dict[str, str]:
        return {"api_token": DEFAULT_TOKEN}

    def error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
              details: list[dict[str, Any]] | None = None, request_id: str | None = None) -> Response:
        rid = request_id or self._request_id()
        h = {"X-Request-Id": rid}
        h.update(headers or {})
        body = {"error": {"code": code, "message": message, "request_id": rid, "details": details or []}}
        return json_response(status, body, h)

    def _request_id(self) -> str:
        return "req_" + uuid.uuid4().hex[:20]

    def _next_n(self) -> int:
        with self.lock:
            self._counter += 1
            return self._counter

    # --- routing -----------------------------------------------------------------------
    def _build_routes(self) -> list[Route]:
        spec: list[tuple[str, str, Callable[[Request, Ctx], Response], str]] = [
            ("GET", "/people", self._list_people, "people:read"),
            ("GET", "/people/{id}", self._get_person, "people:read"),
            ("PATCH", "/people/{id}", self._patch_person, "people:write"),
            ("POST", "/people/{id}/end", self._end_person, "people:write"),
            ("POST", "/people/{id}/reactivate", self._reactivate_person, "people:write"),
            ("GET", "/people/{id}/employment", self._get_employment, "people:read"),
            ("PATCH", "/people/{id}/employment", self._patch_employment, "people:write"),
            ("GET", "/people/{id}/employment-history", self._list_history, "people:read"),
            ("POST", "/people/{id}/employment-history", self._post_history, "people:write"),
            ("GET", "/time-off", self._list_time_off, "time_off:read"),
            ("GET", "/documents", self._list_documents, "documents:read"),
            ("GET", "/webhooks", self._list_webhooks, "webhooks:manage"),
            ("POST", "/webhooks", self._create_webhook, "webhooks:manage"),
            ("POST", "/webhooks/{id}/rotate", self._rotate_webhook, "webhooks:manage"),
        ]
        out = []
        for method, template, handler, scope in spec:
            rx = "^" + re.escape(template).replace(re.escape("{id}"), "(?P<id>[^/]+)") + "/?$"
            out.append(Route(method, template, re.compile(rx), handler, scope))
        return out

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        path_known = False
        for route in self.routes:
            m = route.pattern.match(path)
            if m:
                path_known = True
                if route.method == method:
                    return route, m.groupdict(), True
        return None, {}, path_known

    def _window(self, method: str, template: str) -> RateWindow:
        key = f"{method} {template}"
        with self.lock:
            win = self._route_windows.get(key)
            if win is None:
                limit = self.route_limits.get(key, self.route_limits.get(template, self.route_limit))
                win = RateWindow(self.clock, limit, self.window_s)
                win.enabled = self._rate_enabled
                self._route_windows[key] = win
            return win

    def handle(self, req: Request) -> Response:
        rid = self._request_id()
        rate_headers: dict[str, str] = {}
        try:
            if not req.path.startswith(self.base_path):
                raise ApiError(404, "not_found", "Unknown path.")
            path = req.path[len(self.base_path):] or "/"
            token = self._authenticate(req)
            route, params, path_known = self._match(req.method, path)
            template = route.template if route else "unmatched"
            win = self._window(req.method, template)
            allowed, remaining, reset = win.hit(token)
            reset_s = str(math.ceil(reset))
            rate_headers = {"RateLimit-Limit": str(win.limit), "RateLimit-Remaining": str(remaining),
                            "RateLimit-Reset": reset_s}
            if not allowed:
                raise ApiError(429, "rate_limited", "Too many requests for this route; wait for the reset.",
                               headers={"Retry-After": str(max(1, math.ceil(reset)))})
            if route is None:
                if path_known:
                    raise ApiError(404, "not_found", f"{req.method} is not supported on this path.")
                raise ApiError(404, "not_found", "Unknown path.")
            if route.scope not in self.keys.get(token, set()):
                raise ApiError(403, "permission_denied", "Missing required scope.",
                               [{"field": "scope", "issue": "missing", "message": route.scope}])
            resp = route.handler(req, Ctx(token=token, rid=rid, params=params, template=route.template))
        except ApiError as exc:
            headers = dict(rate_headers)
            headers.update(exc.headers)
            return self.error(exc.status, exc.code, exc.message, headers, exc.details, rid)
        resp.headers.setdefault("X-Request-Id", rid)
        resp.headers.update(rate_headers)
        return resp

    def _authenticate(self, req: Request) -> str:
        header = req.header("authorization") or ""
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token in self.keys and token not in self.revoked:
            return token
        fingerprint = hashlib.sha256(header.encode("utf-8")).hexdigest()[:16]
        allowed, remaining, reset = self.preauth.hit(fingerprint)
        if not allowed:
            raise ApiError(429, "rate_limited", "Too many unauthenticated requests.", headers={
                "Retry-After": str(max(1, math.ceil(reset))), "RateLimit-Limit": str(self.preauth.limit),
                "RateLimit-Remaining": "0", "RateLimit-Reset": str(math.ceil(reset))})
        message = "Missing API key." if not header else "Unknown, malformed or revoked API key."
        raise ApiError(401, "authentication_required", message)

    # --- list helpers ------------------------------------------------------------------
    def _limit(self, req: Request) -> int:
        raw = req.arg("limit")
        if raw is None:
            return DEFAULT_LIMIT
        if not re.fullmatch(r"\d{1,6}", raw.strip()) or not 1 <= int(raw) <= MAX_LIMIT:
            raise bad(f"limit must be an integer from 1 to {MAX_LIMIT}.", "limit")
        return int(raw)

    def _since(self, req: Request) -> str | None:
        raw = req.arg("updated_since")
        if raw is None:
            return None
        try:
            dt = parse_iso(raw)
        except ValueError as exc:
            raise bad("updated_since must be an ISO-8601 UTC timestamp.", "updated_since") from exc
        if dt.microsecond % 1000:  # round sub-millisecond values up: still `updated_at >= value`
            dt += timedelta(microseconds=1000 - dt.microsecond % 1000)
        return iso_ms(dt)

    def _now_ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    def _page(self, req: Request, route_key: str, index: d.SortedIndex, table: dict[str, dict[str, Any]],
              filterable: bool = True) -> Response:
        limit = self._limit(req)
        since = self._since(req) if filterable else None
        after: tuple[str, str] | None = None
        cursor = req.arg("cursor")
        if cursor:
            try:
                payload = self.cursors.decode(cursor, route_key, self._now_ms())
            except CursorError as exc:
                raise bad(str(exc), "cursor", "expired" if exc.expired else "malformed") from exc
            if since is not None and since != payload["f"]:
                raise bad("updated_since does not match the cursor's filter.", "updated_since", "mismatch")
            since, after = payload["f"], (payload["p"][0], payload["p"][1])
        with self.lock:
            keys, has_more = index.page(after, since, limit)
            self.stats["records_scanned"] += len(keys)
            rows = [dict(table[k[1]]) for k in keys]
            next_cursor = (self.cursors.encode(route_key, keys[-1], since, self._now_ms())
                           if has_more and keys else None)
        return json_response(200, {"data": rows, "pagination": {"next_cursor": next_cursor,
                                                                "has_more": bool(has_more and keys),
                                                                "limit": limit}})

    # --- reads -------------------------------------------------------------------------
    def _list_people(self, req: Request, ctx: Ctx) -> Response:
        return self._page(req, "people", self.store.people_idx, self.store.people)

    def _list_time_off(self, req: Request, ctx: Ctx) -> Response:
        return self._page(req, "time_off", self.store.time_off_idx, self.store.time_off)

    def _list_documents(self, req: Request, ctx: Ctx) -> Response:
        return self._page(req, "documents", self.store.documents_idx, self.store.documents)

    def _person(self, pid: str) -> dict[str, Any]:
        rec = self.store.people.get(pid)
        if rec is None:
            raise ApiError(404, "not_found", "Person not found.")
        return rec

    def _with_etag(self, rec: dict[str, Any], req: Request | None = None, status: int = 200) -> Response:
        tag = etag_of(rec)
        if req is not None and req.method == "GET" and req.header("if-none-match") == tag:
            return Response(status=304, headers={"ETag": tag})
        return json_response(status, dict(rec), {"ETag": tag})

    def _get_person(self, req: Request, ctx: Ctx) -> Response:
        with self.lock:
            return self._with_etag(self._person(ctx.params["id"]), req)

    def _get_employment(self, req: Request, ctx: Ctx) -> Response:
        with self.lock:
            self._person(ctx.params["id"])
            return self._with_etag(self.store.employments[ctx.params["id"]], req)

    def _list_history(self, req: Request, ctx: Ctx) -> Response:
        pid = ctx.params["id"]
        with self.lock:
            self._person(pid)
            index = self.store.history_idx.setdefault(pid, d.SortedIndex())
        return self._page(req, f"history:{pid}", index, self.store.history, filterable=False)

    # --- writes ------------------------------------------------------------------------
    def _idempotent(self, req: Request, ctx: Ctx, fn: Callable[[], Response]) -> Response:
        key = (req.header("idempotency-key") or "").strip()
        if not key:
            raise bad("Idempotency-Key header is required for writes.", "Idempotency-Key", "required")
        fp = (req.method, ctx.template, ctx.params.get("id", ""), req.header("if-match"),
              _canonical_body(req.body))
        with self.lock:
            stored = self.idempotency.get((ctx.token, key))
            if stored is not None:
                if stored.fingerprint != fp:
                    raise ApiError(409, "idempotency_conflict",
                                   "Idempotency-Key was already used for a different request.")
                r = stored.response
                headers = dict(r.headers)
                headers["Idempotent-Replayed"] = "true"
                return Response(status=r.status, body=r.body, headers=headers)
            try:
                resp = fn()
            except ApiError as exc:
                resp = self.error(exc.status, exc.code, exc.message, dict(exc.headers), exc.details, ctx.rid)
            resp.headers.setdefault("X-Request-Id", ctx.rid)
            if resp.status < 500:
                self.idempotency[(ctx.token, key)] = Stored(fp, Response(resp.status, resp.body, dict(resp.headers)))
            return resp

    def _body(self, req: Request) -> dict[str, Any]:
        if not req.body.strip():
            return {}
        try:
            body = json.loads(req.body)
        except ValueError as exc:
            raise bad("Body must be a JSON object.") from exc
        if not isinstance(body, dict):
            raise bad("Body must be a JSON object.")
        return body

    def _check_if_match(self, req: Request, rec: dict[str, Any]) -> None:
        value = req.header("if-match")
        if value is None or not value.strip():
            raise ApiError(428, "precondition_required", "If-Match with the resource's strong ETag is required.")
        if value.strip() != etag_of(rec):
            raise ApiError(412, "precondition_failed", "If-Match does not match the current strong ETag.")

    def _unknown(self, body: dict[str, Any], allowed: tuple[str, ...],
                 unsupported: tuple[str, ...] = ()) -> None:
        details = []
        for k in body:
            if k in unsupported:
                details.append({"field": k, "issue": "unsupported_field", "message": f"{k} is not supported."})
            elif k not in allowed:
                details.append({"field": k, "issue": "unknown_field", "message": f"{k} cannot be set here."})
        if details:
            raise ApiError(400, "invalid_request", "The request body has unsupported fields.", details)

    def _stamp_now(self) -> str:
        return iso_ms(self.clock.now())

    def _validate_person_fields(self, pid: str, body: dict[str, Any]) -> None:
        for k, v in body.items():
            if v is None and k in PERSON_NULLABLE:
                continue
            if not isinstance(v, str) or not v.strip():
                raise bad(f"{k} must be a non-empty string.", k)
        if "work_email" in body and "@" not in body["work_email"]:
            raise bad("work_email must be an email address.", "work_email")
        if "employment_type" in body and body["employment_type"] not in EMPLOYMENT_TYPE_VALUES:
            raise bad("employment_type is not a known value.", "employment_type")
        manager = body.get("manager_id")
        if manager is not None and (manager == pid or manager not in self.store.people):
            raise bad("manager_id must be another existing person.", "manager_id")

    def _patch_person(self, req: Request, ctx: Ctx) -> Response:
        def run() -> Response:
            pid = ctx.params["id"]
            rec = self._person(pid)
            self._check_if_match(req, rec)
            body = self._body(req)
            self._unknown(body, PERSON_WRITABLE)
            if not body:
                raise bad("Nothing to update.")
            self._validate_person_fields(pid, body)
            return self._with_etag(self.store.update_person(pid, body, self._stamp_now()))
        return self._idempotent(req, ctx, run)

    def _end_person(self, req: Request, ctx: Ctx) -> Response:
        def run() -> Response:
            pid = ctx.params["id"]
            rec = self._person(pid)
            self._check_if_match(req, rec)
            body = self._body(req)
            self._unknown(body, ("end_date",))
            end = _date(body["end_date"], "end_date") if "end_date" in body else self.clock.now().date().isoformat()
            if rec["status"] == "ended":
                raise bad("Person has already ended.", "status", "already_ended")
            if end < rec["start_date"]:
                raise bad("end_date is before start_date.", "end_date")
            return self._with_etag(self.store.update_person(pid, {"status": "ended", "end_date": end},
                                                            self._stamp_now()))
        return self._idempotent(req, ctx, run)

    def _reactivate_person(self, req: Request, ctx: Ctx) -> Response:
        def run() -> Response:
            pid = ctx.params["id"]
            rec = self._person(pid)
            self._check_if_match(req, rec)
            self._unknown(self._body(req), ())
            if rec["status"] != "ended":
                raise bad("Person is already active.", "status", "already_active")
            return self._with_etag(self.store.update_person(pid, {"status": "active", "end_date": None},
                                                            self._stamp_now()))
        return self._idempotent(req, ctx, run)

    def _patch_employment(self, req: Request, ctx: Ctx) -> Response:
        def run() -> Response:
            pid = ctx.params["id"]
            self._person(pid)
            self._check_if_match(req, self.store.employments[pid])
            body = self._body(req)
            self._unknown(body, EMPLOYMENT_WRITABLE, UNSUPPORTED_HISTORY)
            if not body:
                raise bad("Nothing to update.")
            for k, v in body.items():
                if k == "start_date":
                    body[k] = _date(v, k)
                elif k == "weekly_hours":
                    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 80:
                        raise bad("weekly_hours must be a number from 0 to 80.", k)
                    body[k] = float(v)
                elif k == "employment_type" and v not in EMPLOYMENT_TYPE_VALUES:
                    raise bad("employment_type is not a known value.", k)
                elif not isinstance(v, str) or not v.strip():
                    raise bad(f"{k} must be a non-empty string.", k)
            return self._with_etag(self.store.update_employment(pid, body, self._stamp_now()))
        return self._idempotent(req, ctx, run)

    def _post_history(self, req: Request, ctx: Ctx) -> Response:
        def run() -> Response:
            pid = ctx.params["id"]
            self._person(pid)
            body = self._body(req)
            self._unknown(body, HISTORY_WRITABLE, UNSUPPORTED_HISTORY)
            for k in ("job_title", "start_date"):
                if k not in body:
                    raise bad(f"{k} is required.", k, "required")
            for k in ("job_title", "department"):
                if k in body and (not isinstance(body[k], str) or not body[k].strip()):
                    raise bad(f"{k} must be a non-empty string.", k)
            start = _date(body["start_date"], "start_date")
            end = _date(body["end_date"], "end_date") if body.get("end_date") is not None else None
            if end is not None and end < start:
                raise bad("end_date is before start_date.", "end_date")
            ts = self._stamp_now()
            rec = {"id": self.store.new_id("emh"), "person_id": pid, "job_title": body["job_title"],
                   "department": body.get("department", self.store.employments[pid]["department"]),
                   "start_date": start, "end_date": end, "created_at": ts}
            return json_response(201, dict(self.store.add_history(rec, ts)))
        return self._idempotent(req, ctx, run)

    # --- webhooks ----------------------------------------------------------------------
    def _webhook_view(self, wid: str, with_secret: bool = False) -> dict[str, Any]:
        out = dict(self.webhooks[wid])
        if with_secret:
            out["secret"] = self.webhook_secrets[wid]
        return out

    def _new_secret(self) -> str:
        return "whsec_" + hashlib.sha256(f"{self.seed}:{uuid.uuid4().hex}".encode()).hexdigest()[:32]

    def _list_webhooks(self, req: Request, ctx: Ctx) -> Response:
        with self.lock:
            rows = [self._webhook_view(w) for w in sorted(self.webhooks)]
        return json_response(200, {"data": rows, "pagination": {"next_cursor": None, "has_more": False,
                                                                "limit": len(rows)}})

    def _create_webhook(self, req: Request, ctx: Ctx) -> Response:
        def run() -> Response:
            body = self._body(req)
            self._unknown(body, ("url", "events", "description"))
            url = body.get("url")
            if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
                raise bad("url must be an http(s) URL.", "url", "required" if url is None else "invalid")
            events = body.get("events", list(EVENT_TYPES))
            if (not isinstance(events, list) or not events
                    or any(e not in EVENT_TYPES and e != "*" for e in events)):
                raise bad("events must be a non-empty list of known event types.", "events")
            ts = self._stamp_now()
            wid = f"wh_{len(self.webhooks) + 1:06d}"
            self.webhooks[wid] = {"id": wid, "url": url, "events": list(events), "status": "enabled",
                                  "description": body.get("description"), "created_at": ts, "updated_at": ts}
            self.webhook_secrets[wid] = self._new_secret()
            return json_response(201, self._webhook_view(wid, with_secret=True))
        return self._idempotent(req, ctx, run)

    def _rotate_webhook(self, req: Request, ctx: Ctx) -> Response:
        def run() -> Response:
            wid = ctx.params["id"]
            if wid not in self.webhooks:
                raise ApiError(404, "not_found", "Webhook not found.")
            self._unknown(self._body(req), ())
            self.webhook_secrets[wid] = self._new_secret()
            self.webhooks[wid]["updated_at"] = self._stamp_now()
            return json_response(200, self._webhook_view(wid, with_secret=True))
        return self._idempotent(req, ctx, run)

    def now_iso(self) -> str:
        """The app clock's now as an ISO-8601 ms timestamp."""
        return iso_ms(self.clock.now())

    def _parse_stamp(self, value: str | datetime | None) -> str:
        if value is None:
            return self._stamp_now()
        if isinstance(value, datetime):
            return iso_ms(value)
        return iso_ms(parse_iso(value))
