"""The CuteHR emulator: login + bearer tokens, page/page_size pagination, leaves by
``modified_since``, attendance in date windows of at most 31 days.

Contract: ``shared/providers/cutehr.md``. Choices where it is silent: ``sandbox/README.md (CuteHR)``.
"""

from __future__ import annotations

import re
import secrets
import uuid
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from sandbox import fake
from sandbox.core import UTC, Clock, RateWindow, Request, Response, VendorApp, iso_ms, iso_s, json_response, parse_iso
from sandbox.cutehr import data as D

DEFAULT_EMAIL = "etl@example.com"
DEFAULT_PASSWORD = "sandbox-Pa55word!"
API = "/api/v1"
LOGIN_PATH = f"{API}/auth/login"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200
MAX_WINDOW_DAYS = 31  # date_to - date_from may be at most 30 days: 31 calendar days, both inclusive

EMPLOYEE_FIELDS = ("emp_code", "name", "email", "phone", "department_id", "designation", "reporting_manager_id",
                   "date_of_joining", "date_of_exit", "status", "modified_at")
DEPARTMENT_FIELDS = ("name", "head_id")
LEAVE_FIELDS = ("employee_id", "leave_type", "from_date", "to_date", "days", "status", "applied_at", "modified_at")
RESOURCES = ("employees", "departments", "leaves", "attendance")

_CODES = {400: "bad_request", 401: "token_invalid", 402: "request_failed", 403: "authentication_failed",
          404: "not_found", 405: "method_not_allowed", 409: "conflict", 429: "rate_limited"}
_MESSAGES = {400: "Bad request.", 401: "Invalid or expired token.", 402: "The request failed.",
             403: "Authentication failed.", 404: "Not found.", 405: "Method not allowed.",
             409: "The request conflicts with another request.", 429: "Too many requests."}

Handler = Callable[[Request], Response]
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class _BadRequest(Exception):
    pass


def _ms(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(microsecond=dt.microsecond // 1000 * 1000)


def _us(dt: datetime) -> int:
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _leave_key(rec: dict[str, Any]) -> tuple[int, int]:
    return _us(parse_iso(rec["modified_at"])), rec["id"]


def _parse_day(value: str) -> date:
    if not _DAY.fullmatch(value):
        raise _BadRequest("date_from and date_to must be dates (YYYY-MM-DD).")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _BadRequest("date_from and date_to must be dates (YYYY-MM-DD).") from None


def _check_fields(kind: str, fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"unknown {kind} field(s): {', '.join(sorted(unknown))}")


class CuteHRApp(VendorApp):
    """CuteHR over HTTP: ``POST /api/v1/auth/login`` then bearer-token ``GET``s of four resources.

    Args:
        clock: shared sandbox clock (default: a fresh one at 2026-11-20T12:00Z).
        seed: data seed; the same seed and clock give the same data.
        employees: employee records to seed (including ~12% who left or are leaving).
        departments: departments to seed.
        attendance_start: first day with attendance rows (date or ISO string); default clock date - 120 days.
        leaves_per_employee: leave applications seeded per employee.
        token_ttl: token lifetime in seconds (``expires_in``), on the app clock.
        rate_limits: enforce ``rate_limit`` requests per ``window_s`` seconds per token.
        rate_limit: requests allowed per window and token.
        window_s: rate-limit window length in seconds.
        out_of_range_404: answer a page past the last one with 404 (DRF style) instead of an empty page.
    """

    name = "cutehr"
    base_path = ""
    field_routes = {"/api/v1/employees": "employees", "/api/v1/departments": "departments",
                    "/api/v1/leaves": "leaves", "/api/v1/attendance": "attendance"}

    def __init__(
        self,
        clock: Clock | None = None,
        seed: int = 1,
        employees: int = 100,
        departments: int = 8,
        attendance_start: date | str | None = None,
        leaves_per_employee: int = 2,
        token_ttl: int = 3600,
        rate_limits: bool = True,
        rate_limit: int = 120,
        window_s: float = 60.0,
        out_of_range_404: bool = False,
        timezone: str = "UTC",
    ) -> None:
        super().__init__(clock=clock, seed=seed)
        self.zone = ZoneInfo(timezone)  # the company's: its attendance days run to its today
        now = self.clock.now()
        self.attendance_start: date = (
            D.to_date(attendance_start) if attendance_start is not None else now.date() - timedelta(days=120)
        )
        self.token_ttl = int(token_ttl)
        self.out_of_range_404 = out_of_range_404
        self.login_count = 0
        self.failed_login_count = 0
        self.records_touched = 0  # rows materialised for responses: a page costs its size, not the data set's
        self.rate = RateWindow(self.clock, rate_limit, window_s)
        self.rate.enabled = rate_limits
        self._email = DEFAULT_EMAIL
        self._password = DEFAULT_PASSWORD
        self._tokens: dict[str, datetime] = {}
        self._salt = D.seed_salt(seed)
        self._overrides: dict[tuple[int, int], dict[str, Any]] = {}
        self._att: D.AttendanceIndex | None = None

        depts, emps = D.seed_people(seed, employees, departments, now)
        self._departments = {d["id"]: d for d in depts}
        self._dept_ids = [d["id"] for d in depts]
        self._employees = {e["id"]: e for e in emps}
        self._emp_ids = [e["id"] for e in emps]
        leaves = D.seed_leaves(seed, emps, leaves_per_employee, now)
        self._leaves = {lv["id"]: lv for _, lv in leaves}
        self._leave_keys = sorted((us, lv["id"]) for us, lv in leaves)
        self._next_ids = {"employees": len(emps) + 1, "departments": len(depts) + 1, "leaves": len(leaves) + 1}
        self._routes: dict[str, Handler] = {
            f"{API}/employees": self._get_employees,
            f"{API}/departments": self._get_departments,
            f"{API}/leaves": self._get_leaves,
            f"{API}/attendance": self._get_attendance,
        }

    # --- VendorApp ---------------------------------------------------------------------------------
    def credentials(self) -> dict[str, str]:
        """The configured login (the defaults; :meth:`set_password` models a rotation the config misses)."""
        return {"email": DEFAULT_EMAIL, "password": DEFAULT_PASSWORD}

    def error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        """CuteHR's error envelope ``{"detail", "code"}`` with an ``X-Request-Id`` header."""
        if code == "server_error" and status < 500:  # an injected 4xx fault: give it its proper code
            code, message = _CODES.get(status, "error"), _MESSAGES.get(status, message)
        h = {"X-Request-Id": self._request_id()}
        h.update(headers or {})
        return json_response(status, {"detail": message, "code": code}, h)

    def handle(self, req: Request) -> Response:
        path = req.path.rstrip("/") or "/"
        if path == LOGIN_PATH:
            if req.method != "POST":
                return self.error(405, "method_not_allowed", f'Method "{req.method}" not allowed.')
            return self._login(req)
        token = self._authenticate(req)
        if isinstance(token, Response):
            return token
        allowed, _, _ = self.rate.hit(token)
        if not allowed:
            return self.error(429, "rate_limited", "Request was throttled.")  # no Retry-After, by contract
        handler = self._routes.get(path)
        if handler is None:
            return self.error(404, "not_found", "Not found.")
        if req.method != "GET":
            return self.error(405, "method_not_allowed", f'Method "{req.method}" not allowed.')
        try:
            with self.lock:
                return handler(req)
        except _BadRequest as exc:
            return self.error(400, "invalid_parameter", str(exc))

    # --- auth --------------------------------------------------------------------------------------
    def _login(self, req: Request) -> Response:
        try:
            body = req.json()
        except (ValueError, UnicodeDecodeError):
            return self.error(400, "bad_request", "Request body must be JSON.")
        email = body.get("email") if isinstance(body, dict) else None
        password = body.get("password") if isinstance(body, dict) else None
        if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
            return self.error(400, "bad_request", "Both email and password are required.")
        with self.lock:
            if email.strip().lower() != self._email.lower() or password != self._password:
                self.failed_login_count += 1
                return self.error(403, "authentication_failed", "Unable to log in with provided credentials.")
            now = self.clock.now()
            if len(self._tokens) > 1000:
                self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            token = secrets.token_urlsafe(32)
            self._tokens[token] = now + timedelta(seconds=self.token_ttl)
            self.login_count += 1
        return self._ok({"token": token, "token_type": "Bearer", "expires_in": self.token_ttl})

    def _authenticate(self, req: Request) -> str | Response:
        scheme, _, token = (req.header("authorization") or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return self.error(401, "token_invalid", "Authentication credentials were not provided.")
        with self.lock:
            expires = self._tokens.get(token)
        if expires is None or self.clock.now() >= expires:
            return self.error(401, "token_invalid", "Given token not valid or expired.")
        return token

    # --- responses and pagination ------------------------------------------------------------------
    @staticmethod
    def _request_id() -> str:
        return f"req_{uuid.uuid4().hex}"

    def _ok(self, payload: Any) -> Response:
        return json_response(200, payload, {"X-Request-Id": self._request_id()})

    @staticmethod
    def _paging(req: Request) -> tuple[int, int]:
        raw_page = req.arg("page", "1") or ""
        raw_size = req.arg("page_size", str(DEFAULT_PAGE_SIZE)) or ""
        if not (raw_page.isascii() and raw_page.isdigit()) or int(raw_page) < 1:
            raise _BadRequest("page must be an integer >= 1.")
        if not (raw_size.isascii() and raw_size.isdigit()) or not 1 <= int(raw_size) <= MAX_PAGE_SIZE:
            raise _BadRequest(f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}.")
        return int(raw_page), int(raw_size)

    def _link(self, req: Request, page: int, size: int) -> str:
        host = req.header("host") or urlsplit(self.base_url).netloc or "127.0.0.1"
        pairs = [(k, v) for k, values in req.query.items() if k not in ("page", "page_size") for v in values]
        pairs += [("page", str(page)), ("page_size", str(size))]
        return f"http://{host}{req.path}?{urlencode(pairs)}"

    def _envelope(self, req: Request, count: int, page: int, size: int, results: list[dict[str, Any]]) -> Response:
        if page > 1 and (page - 1) * size >= count and self.out_of_range_404:
            return self.error(404, "not_found", "Invalid page.")
        self.records_touched += len(results)
        return self._ok({
            "count": count,
            "next": self._link(req, page + 1, size) if page * size < count else None,
            "previous": self._link(req, page - 1, size) if page > 1 else None,
            "results": results,
        })

    def _list(self, req: Request, ids: list[int], table: dict[int, dict[str, Any]]) -> Response:
        page, size = self._paging(req)
        off = (page - 1) * size
        return self._envelope(req, len(ids), page, size, [table[i] for i in ids[off: off + size]])

    # --- resources ---------------------------------------------------------------------------------
    def _get_employees(self, req: Request) -> Response:
        return self._list(req, self._emp_ids, self._employees)

    def _get_departments(self, req: Request) -> Response:
        return self._list(req, self._dept_ids, self._departments)

    def _get_leaves(self, req: Request) -> Response:
        page, size = self._paging(req)
        start = 0
        since = req.arg("modified_since")
        if since is not None:
            try:
                start = bisect_left(self._leave_keys, (_us(parse_iso(since)), -1))
            except (ValueError, OverflowError):
                raise _BadRequest("modified_since must be an ISO-8601 timestamp with a time zone.") from None
        off = start + (page - 1) * size
        keys = self._leave_keys[off: off + size]
        return self._envelope(req, len(self._leave_keys) - start, page, size, [self._leaves[i] for _, i in keys])

    def _get_attendance(self, req: Request) -> Response:
        page, size = self._paging(req)
        raw_from, raw_to = req.arg("date_from"), req.arg("date_to")
        if not raw_from or not raw_to:
            raise _BadRequest("date_from and date_to are both required.")
        d_from, d_to = _parse_day(raw_from), _parse_day(raw_to)
        if d_from > d_to:
            raise _BadRequest("date_from must not be after date_to.")
        if (d_to - d_from).days >= MAX_WINDOW_DAYS:
            raise _BadRequest(f"date_from and date_to may be at most {MAX_WINDOW_DAYS} days apart (inclusive).")
        days = self._days(d_from, d_to)
        starts, total = [], 0
        for _, n in days:
            starts.append(total)
            total += n
        results: list[dict[str, Any]] = []
        off = (page - 1) * size
        if off < total:
            i = bisect_right(starts, off) - 1
            k = off - starts[i]
            now = self.clock.now()
            index = self._index()
            while len(results) < size and i < len(days):
                ordinal = days[i][0]
                day = date.fromordinal(ordinal)
                for eid in index.employees_on(ordinal, k, size - len(results)):
                    results.append(D.attendance_record(self._salt, day, eid, now, self._overrides.get((eid, ordinal))))
                i, k = i + 1, 0
        return self._envelope(req, total, page, size, results)

    # --- attendance helpers ------------------------------------------------------------------------
    def _index(self) -> D.AttendanceIndex:
        if self._att is None:
            self._att = D.AttendanceIndex(self._employees, self.attendance_start)
        return self._att

    def _days(self, d_from: date | None, d_to: date | None) -> list[tuple[int, int]]:
        """(ordinal, head count) of the working days in the window, clamped to [attendance_start, today]."""
        lo = max(d_from or self.attendance_start, self.attendance_start).toordinal()
        today = self.today()
        hi = min(d_to or today, today).toordinal()
        index = self._index()
        return [(o, index.count(o)) for o in range(lo, hi + 1) if (o - 1) % 7 < 5]  # ordinal 1 is a Monday

    def today(self) -> date:
        """The company's today (its ``timezone``): attendance is served up to this day."""
        return self.clock.now().astimezone(self.zone).date()

    # --- control API: auth -------------------------------------------------------------------------
    def expire_tokens(self) -> None:
        """Makes every token issued so far expire now (the next call with one gets 401)."""
        with self.lock:
            now = self.clock.now()
            self._tokens = {t: min(exp, now) for t, exp in self._tokens.items()}

    def set_password(self, password: str) -> None:
        """Changes the account's password; tokens already issued stay valid until they expire."""
        with self.lock:
            self._password = password

    @property
    def rate_limits(self) -> bool:
        """Whether the per-token rate limit is enforced (settable)."""
        return self.rate.enabled

    @rate_limits.setter
    def rate_limits(self, enabled: bool) -> None:
        self.rate.enabled = enabled

    # --- control API: employees and departments ----------------------------------------------------
    def _stamp(self, value: datetime | str | None) -> str:
        if value is None:
            return iso_ms(self.clock.now())
        return iso_ms(_ms(parse_iso(value) if isinstance(value, str) else value))

    def _employee_values(self, fields: dict[str, Any]) -> dict[str, Any]:
        _check_fields("employee", fields, EMPLOYEE_FIELDS)
        out = dict(fields)
        for key in ("date_of_joining", "date_of_exit"):
            if key in out and out[key] is not None:
                out[key] = D.to_date(out[key]).isoformat()
        if out.get("date_of_joining", "") is None:
            raise ValueError("date_of_joining is required")
        out["modified_at"] = self._stamp(fields.get("modified_at"))
        return out

    def add_employee(self, **fields: Any) -> int:
        """Hires someone; missing fields get generated values (joining today, active).

        Args:
            **fields: any employee field except ``id`` (dates as date or ISO string).

        Returns:
            The new employee id (ids are never reused).
        """
        with self.lock:
            eid = self._next_ids["employees"]
            if eid > D.MAX_EMPLOYEE_ID:
                raise ValueError("employee ids are limited to 999,999 (attendance ids embed them)")
            values = self._employee_values(fields)
            r = fake.rng(self.seed, "cutehr", "hire", eid)
            first, last = fake.person_name(r)
            dept = values.get("department_id", self._dept_ids[0] if self._dept_ids else None)
            head = self._departments.get(dept, {}).get("head_id") if dept is not None else None
            rec = {
                "id": eid, "emp_code": f"CH{eid:06d}", "name": f"{first} {last}",
                "email": fake.email_for(first, last, eid, D.EMAIL_DOMAIN), "phone": fake.phone(r),
                "department_id": dept, "designation": r.choice(fake.JOB_TITLES), "reporting_manager_id": head,
                "date_of_joining": self.clock.now().date().isoformat(), "date_of_exit": None, "status": "active",
            }
            rec.update(values)
            self._employees[eid] = rec
            self._emp_ids.append(eid)
            self._next_ids["employees"] = eid + 1
            self._att = None
            return eid

    def update_employee(self, employee_id: int, **fields: Any) -> None:
        """Changes an employee's fields and stamps ``modified_at`` (now, unless given).

        Raises:
            KeyError: no such employee.
        """
        with self.lock:
            rec = self._employees[employee_id]
            rec.update(self._employee_values(fields))
            if "date_of_joining" in fields or "date_of_exit" in fields:
                self._att = None

    def add_employee_field(self, name: str, values: dict[int, Any]) -> None:
        """CuteHR starts sending a new employee field: ``name`` on every employee, ``values[id]`` (else null).

        Raises:
            KeyError: the field exists already.
        """
        if name in EMPLOYEE_FIELDS or name in ("id", "modified_at"):
            raise KeyError(f"employee field {name!r} exists already")
        with self.lock:
            for eid, rec in self._employees.items():
                rec[name] = values.get(eid)

    def delete_employee(self, employee_id: int) -> None:
        """Hard-deletes an employee: gone from /employees and from attendance; leaves stay (no cascade).

        Raises:
            KeyError: no such employee.
        """
        with self.lock:
            del self._employees[employee_id]
            del self._emp_ids[bisect_left(self._emp_ids, employee_id)]
            self._att = None

    def add_department(self, **fields: Any) -> int:
        """Creates a department (``name`` default "Department <id>", ``head_id`` default null); returns its id."""
        with self.lock:
            _check_fields("department", fields, DEPARTMENT_FIELDS)
            did = self._next_ids["departments"]
            self._departments[did] = {"id": did, "name": f"Department {did}", "head_id": None, **fields}
            self._dept_ids.append(did)
            self._next_ids["departments"] = did + 1
            return did

    def update_department(self, department_id: int, **fields: Any) -> None:
        """Changes a department's ``name`` / ``head_id`` (departments carry no timestamp)."""
        with self.lock:
            _check_fields("department", fields, DEPARTMENT_FIELDS)
            self._departments[department_id].update(fields)

    def delete_department(self, department_id: int) -> None:
        """Hard-deletes a department; employees keep their (now dangling) ``department_id``."""
        with self.lock:
            del self._departments[department_id]
            del self._dept_ids[bisect_left(self._dept_ids, department_id)]

    # --- control API: leaves -----------------------------------------------------------------------
    def _reposition_leave(self, rec: dict[str, Any], old_key: tuple[int, int] | None) -> None:
        if old_key is not None:
            del self._leave_keys[bisect_left(self._leave_keys, old_key)]
        insort(self._leave_keys, _leave_key(rec))

    def _leave_values(self, fields: dict[str, Any]) -> dict[str, Any]:
        _check_fields("leave", fields, LEAVE_FIELDS)
        out = dict(fields)
        for key in ("from_date", "to_date"):
            if key in out:
                out[key] = D.to_date(out[key]).isoformat()
        if "applied_at" in out:
            out["applied_at"] = self._stamp(out["applied_at"])
        out["modified_at"] = self._stamp(fields.get("modified_at"))
        return out

    def add_leave(self, employee_id: int, **fields: Any) -> int:
        """Files a leave application (default: one day of pending annual leave on the next working day).

        ``days`` defaults to the working days from ``from_date`` to ``to_date``; ``applied_at``
        defaults to ``modified_at``, which defaults to now.

        Raises:
            KeyError: no such employee.
        """
        with self.lock:
            if employee_id not in self._employees:
                raise KeyError(employee_id)
            values = self._leave_values(fields)
            lid = self._next_ids["leaves"]
            start = D.next_working_day(self.clock.now().date() + timedelta(days=1))
            rec: dict[str, Any] = {"id": lid, "employee_id": employee_id, "leave_type": "annual",
                                   "from_date": start.isoformat(), "to_date": None, "days": None,
                                   "status": "pending", "applied_at": values["modified_at"]}
            rec.update(values)
            rec["to_date"] = rec["to_date"] or rec["from_date"]
            if rec["days"] is None:
                rec["days"] = float(D.count_working_days(D.to_date(rec["from_date"]), D.to_date(rec["to_date"])))
            self._leaves[lid] = rec
            self._reposition_leave(rec, None)
            self._next_ids["leaves"] = lid + 1
            return lid

    def update_leave(self, leave_id: int, **fields: Any) -> None:
        """Changes a leave (e.g. ``status="approved"``) and stamps ``modified_at`` (now, unless given).

        Raises:
            KeyError: no such leave.
        """
        with self.lock:
            rec = self._leaves[leave_id]
            old = _leave_key(rec)
            rec.update(self._leave_values(fields))
            self._reposition_leave(rec, old)

    def touch_leaves(self, ids: Iterable[int], modified_at: datetime | str | None = None) -> str:
        """Stamps one shared ``modified_at`` (now, unless given) on many leaves; returns it.

        Raises:
            KeyError: a leave does not exist (nothing is changed).
        """
        with self.lock:
            ids = list(ids)
            missing = [i for i in ids if i not in self._leaves]
            if missing:
                raise KeyError(missing[0])
            stamp = self._stamp(modified_at)
            for lid in ids:
                self.update_leave(lid, modified_at=stamp)
            return stamp

    def delete_leave(self, leave_id: int) -> None:
        """Hard-deletes a leave (invisible to a ``modified_since`` sync, like on a real API)."""
        with self.lock:
            rec = self._leaves.pop(leave_id)
            del self._leave_keys[bisect_left(self._leave_keys, _leave_key(rec))]

    # --- control API: attendance -------------------------------------------------------------------
    def correct_attendance(self, employee_id: int, day: date | str, **fields: Any) -> dict[str, Any]:
        """Overrides fields of an existing attendance row (as a manager's correction would).

        Args:
            employee_id: the employee.
            day: the working day (date or ISO string), within [attendance_start, today], while employed.
            **fields: ``check_in``, ``check_out`` (datetime or ISO string or None), ``worked_hours``, ``status``.

        Returns:
            The corrected row as the API now serves it.

        Raises:
            ValueError: no such row, or an unknown field.
        """
        with self.lock:
            _check_fields("attendance", fields, D.ATTENDANCE_FIELDS)
            d = D.to_date(day)
            now = self.clock.now()
            if (not D.is_working_day(d) or not self.attendance_start <= d <= now.date()
                    or not self._index().employed(d.toordinal(), employee_id)):
                raise ValueError(f"no attendance row for employee {employee_id} on {d.isoformat()}")
            values = {k: iso_s(v) if isinstance(v, datetime) else v for k, v in fields.items()}
            self._overrides.setdefault((employee_id, d.toordinal()), {}).update(values)
            return D.attendance_record(self._salt, d, employee_id, now, self._overrides[(employee_id, d.toordinal())])

    def attendance_count(self, date_from: date | str | None = None, date_to: date | str | None = None) -> int:
        """Attendance rows in the window (default: attendance_start to today); any window length."""
        with self.lock:
            days = self._days(D.to_date(date_from) if date_from else None, D.to_date(date_to) if date_to else None)
            return sum(n for _, n in days)

    def attendance_records(self, date_from: date | str | None = None,
                           date_to: date | str | None = None) -> list[dict[str, Any]]:
        """All attendance rows in the window, in API order (O(rows): for verification in tests)."""
        with self.lock:
            days = self._days(D.to_date(date_from) if date_from else None, D.to_date(date_to) if date_to else None)
            now, index, out = self.clock.now(), self._index(), []
            for ordinal, n in days:
                day = date.fromordinal(ordinal)
                for eid in index.employees_on(ordinal, 0, n):
                    out.append(D.attendance_record(self._salt, day, eid, now, self._overrides.get((eid, ordinal))))
            return out

    # --- control API: inspection -------------------------------------------------------------------
    def count(self, resource: str) -> int:
        """Rows the API serves for ``resource`` (employees, departments, leaves, attendance)."""
        with self.lock:
            if resource == "attendance":
                return self.attendance_count()
            return {"employees": len(self._emp_ids), "departments": len(self._dept_ids),
                    "leaves": len(self._leave_keys)}[resource]

    def records(self, resource: str) -> list[dict[str, Any]]:
        """Copies of the rows of a small resource in API order (leaves: by modified_at, id)."""
        with self.lock:
            if resource == "employees":
                return [dict(self._employees[i]) for i in self._emp_ids]
            if resource == "departments":
                return [dict(self._departments[i]) for i in self._dept_ids]
            if resource == "leaves":
                return [dict(self._leaves[i]) for _, i in self._leave_keys]
            if resource == "attendance":
                return self.attendance_records()
            raise KeyError(resource)
