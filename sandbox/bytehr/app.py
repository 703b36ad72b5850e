"""The ByteHR Open API emulator: API-key auth with expiry, a monthly request quota, page-number
pagination over snapshot endpoints, and admin-defined custom fields.

Contract: shared/providers/bytehr.md. Choices where the contract is silent: sandbox/README.md (ByteHR).
"""

from __future__ import annotations

import bisect
import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox import fake
from sandbox.bytehr.data import (
    FIELD_TYPES,
    FIRST_EMPLOYEE_ID,
    Converter,
    CustomField,
    constant_value_fn,
    default_converter,
    default_custom_fields,
    generated_value_fn,
    make_department,
    make_employee,
    make_leave_request,
    make_position,
)
from sandbox.core import UTC, Clock, Fault, Request, Response, VendorApp, iso_s, json_response

DEFAULT_KEY = "bhr_sandbox_key_0123456789"
DEFAULT_QUOTA = 1000
MAX_LIMIT = 100
DEFAULT_LIMIT = 10

RECORD_RESOURCES = ("employees", "departments", "positions", "leave_requests")
RESOURCES = (*RECORD_RESOURCES, "custom_fields")
PATHS = {
    "/employees": "employees",
    "/departments": "departments",
    "/positions": "positions",
    "/leave-requests": "leave_requests",
    "/custom-fields": "custom_fields",
}
_INT_RE = re.compile(r"-?\d+")


def _month_start(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


@dataclass
class ApiKey:
    """One company's API key: its expiry and its monthly quota counter."""

    key: str
    expires_at: datetime
    limit: int
    used: int = 0
    cycle: datetime | None = None  # start of the calendar month `used` counts in


class ByteHRApp(VendorApp):
    """ByteHR emulator. Construct with sizes; drive mutations, quota and keys via the control methods."""

    name = "bytehr"
    base_path = "/api"
    field_routes = {"/employees": "employees", "/departments": "departments", "/positions": "positions",
                    "/leave-requests": "leave_requests", "/custom-fields": "custom_field_definitions"}

    def __init__(
        self,
        clock: Clock | None = None,
        seed: int = 1,
        employees: int = 120,
        departments: int = 10,
        positions: int = 25,
        leave_requests: int = 200,
        quota: int = DEFAULT_QUOTA,
        key_expires_at: datetime | None = None,
        custom_fields: list[CustomField] | None = None,
        rate_limits: bool = True,
    ) -> None:
        super().__init__(clock=clock, seed=seed)
        now = self.clock.now().replace(microsecond=0)
        self.rate_limits = rate_limits  # ByteHR has no per-second rate limit; kept for the common signature
        expires = (key_expires_at or now + timedelta(days=365)).astimezone(UTC).replace(microsecond=0)
        self._keys: dict[str, ApiKey] = {DEFAULT_KEY: ApiKey(DEFAULT_KEY, expires, quota)}
        self._request_seq = 0
        self.records_touched = 0  # records serialised into responses: the performance proxy for tests

        self._rows: dict[str, dict[int, dict[str, Any]]] = {r: {} for r in RECORD_RESOURCES}
        self._ids: dict[str, list[int]] = {r: [] for r in RECORD_RESOURCES}
        self._next_id: dict[str, int] = {r: 1 for r in RECORD_RESOURCES}
        self._next_id["employees"] = FIRST_EMPLOYEE_ID

        r = fake.rng(seed, "bytehr", "departments")
        for i in range(1, departments + 1):
            self._insert("departments", make_department(r, i, now))
        r = fake.rng(seed, "bytehr", "positions")
        for i in range(1, positions + 1):
            self._insert("positions", make_position(r, i, now, departments))
        r = fake.rng(seed, "bytehr", "employees")
        for i in range(FIRST_EMPLOYEE_ID, FIRST_EMPLOYEE_ID + employees):
            self._insert("employees", make_employee(r, i, now, departments, positions))
        r = fake.rng(seed, "bytehr", "leave_requests")
        emp_ids = self._ids["employees"]
        for i in range(1, leave_requests + 1):
            self._insert("leave_requests", make_leave_request(r, i, now, emp_ids))
        self._n_departments = departments
        self._n_positions = positions

        fields = custom_fields if custom_fields is not None else default_custom_fields(seed, now)
        self._fields: dict[str, CustomField] = {f.key: f for f in fields}
        self._field_order: list[str] = [f.key for f in fields]

    # ==== vendor plumbing ===========================================================================
    def mask_record(self, record: dict[str, Any], field_name: str, mode: str) -> None:
        """Also masks one custom field: ``custom_fields.<key>`` (withheld: its entry left out; blank: value null)."""
        head, _, key = field_name.partition(".")
        entries = record.get(head) if key else None
        if not isinstance(entries, list):
            super().mask_record(record, field_name, mode)
            return
        if mode == "withhold":
            record[head] = [e for e in entries if not (isinstance(e, dict) and e.get("key") == key)]
        else:
            for entry in entries:
                if isinstance(entry, dict) and entry.get("key") == key:
                    entry["value"] = None

    def credentials(self) -> dict[str, str]:
        """dlt config keys of the ByteHR source: the default company key."""
        return {"api_key": DEFAULT_KEY}

    def _request_id(self) -> str:
        with self.lock:
            self._request_seq += 1
            return f"req_{self.seed:x}_{self._request_seq:08d}"

    def error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        """ByteHR's error envelope: ``{"error": {"code", "message", "request_id"}}`` plus ``X-Request-Id``."""
        rid = self._request_id()
        h = {"X-Request-Id": rid}
        h.update(headers or {})
        return json_response(status, {"error": {"code": code, "message": message, "request_id": rid}}, h)

    def _roll(self, k: ApiKey) -> datetime:
        """Resets the key's counter when the clock has entered another month; returns the cycle start."""
        cycle = _month_start(self.clock.now())
        if k.cycle != cycle:
            k.cycle, k.used = cycle, 0
        return cycle

    def _quota_headers(self, k: ApiKey) -> dict[str, str]:
        cycle = self._roll(k)
        return {
            "X-Quota-Limit": str(k.limit),
            "X-Quota-Remaining": str(max(0, k.limit - k.used)),
            "X-Quota-Reset": iso_s(_next_month(cycle)),
            "X-API-Key-Expires-At": iso_s(k.expires_at),
        }

    def _lookup(self, req: Request) -> tuple[ApiKey | None, str | None]:
        """(key, None) when the request passes auth, else (key or None, 401 error code)."""
        raw = req.header("X-API-Key")
        k = self._keys.get(raw) if raw else None
        if k is None:
            return None, "invalid_api_key"
        if self.clock.now() >= k.expires_at:
            return k, "api_key_expired"
        return k, None

    def _auth(self, req: Request) -> ApiKey | Response:
        """The request's key, or the 401 answer (unknown/missing key, expired key)."""
        k, code = self._lookup(req)
        if code == "api_key_expired" and k is not None:
            return self.error(401, code, "The API key has expired; reset it in ByteHR settings.",
                              {"X-API-Key-Expires-At": iso_s(k.expires_at)})
        if k is None or code is not None:
            msg = "Missing X-API-Key header." if not req.header("X-API-Key") else "Invalid API key."
            return self.error(401, "invalid_api_key", msg)
        return k

    def on_fault(self, req: Request, fault: Fault) -> dict[str, str]:
        """Injected faults on requests that would pass auth count against quota (except injected 429s)."""
        with self.lock:
            k, code = self._lookup(req)
            if k is None or code is not None:
                return {}
            self._roll(k)
            if fault.kind != "429" and k.used < k.limit:
                k.used += 1
            return self._quota_headers(k)

    def handle(self, req: Request) -> Response:
        with self.lock:
            k = self._auth(req)
            if isinstance(k, Response):
                return k
            cycle = self._roll(k)
            if k.used >= k.limit:
                wait = math.ceil((_next_month(cycle) - self.clock.now()).total_seconds())
                headers = self._quota_headers(k)
                headers["Retry-After"] = str(max(1, wait))
                return self.error(429, "quota_exceeded",
                                  f"Monthly quota of {k.limit} requests is spent; it resets at "
                                  f"{headers['X-Quota-Reset']}.", headers)
            k.used += 1
            resp = self._route(req)
            resp.headers.update(self._quota_headers(k))
            return resp

    def _route(self, req: Request) -> Response:
        path = req.path
        if not path.startswith(self.base_path + "/"):
            return self.error(404, "not_found", f"No route {path}.")
        rel = path[len(self.base_path):].rstrip("/")
        resource = PATHS.get(rel)
        if resource is None:
            return self.error(404, "not_found", f"No route {path}.")
        if req.method not in ("GET", "HEAD"):
            return self.error(405, "method_not_allowed", f"{req.method} is not allowed on {rel}.", {"Allow": "GET"})
        limit = self._int_arg(req, "limit", DEFAULT_LIMIT)
        page = self._int_arg(req, "currentpage", 1)
        if limit is None or limit < 1:
            return self.error(400, "invalid_request", "limit must be an integer >= 1.")
        if page is None or page < 1:
            return self.error(400, "invalid_request", "currentpage must be an integer >= 1.")
        limit = min(limit, MAX_LIMIT)
        keys: list[Any] = self._field_order if resource == "custom_fields" else self._ids[resource]
        total = len(keys)
        start = (page - 1) * limit
        chunk = keys[start:start + limit] if start < total else []
        fields = self._employee_fields() if resource == "employees" else []
        data = [self._serialize(resource, key, fields) for key in chunk]
        self.records_touched += len(data)
        payload = {
            "data": data,
            "pagination": {"currentpage": page, "limit": limit, "total": total,
                           "totalpages": math.ceil(total / limit)},
        }
        return json_response(200, payload, {"X-Request-Id": self._request_id()})

    @staticmethod
    def _int_arg(req: Request, name: str, default: int) -> int | None:
        raw = req.arg(name)
        if raw is None:
            return default
        return int(raw) if _INT_RE.fullmatch(raw) else None

    def _serialize(self, resource: str, key: Any, fields: list[CustomField] | None = None) -> dict[str, Any]:
        if resource == "custom_fields":
            return self._fields[key].definition()
        stored = self._rows[resource][key]
        row = {k: (copy.deepcopy(v) if isinstance(v, (list, dict)) else v) for k, v in stored.items()}
        if resource == "employees":
            row["custom_fields"] = [
                {"key": f.key, "label": f.label, "type": f.type, "value": f.value(key)}
                for f in (self._employee_fields() if fields is None else fields)
            ]
        return row

    def _employee_fields(self) -> list[CustomField]:
        return [f for k in self._field_order if (f := self._fields[k]).entity == "employee" and not f.archived]

    # ==== storage helpers ===========================================================================
    def _insert(self, resource: str, row: dict[str, Any]) -> None:
        rid = row["id"]
        ids = self._ids[resource]
        if ids and rid < ids[-1]:
            bisect.insort(ids, rid)
        else:
            ids.append(rid)
        self._rows[resource][rid] = row
        self._next_id[resource] = max(self._next_id[resource], rid + 1)

    def _now_s(self) -> str:
        return iso_s(self.clock.now())

    @staticmethod
    def _check_resource(resource: str, allowed: tuple[str, ...] = RESOURCES) -> None:
        if resource not in allowed:
            raise ValueError(f"unknown ByteHR resource {resource!r}; expected one of {allowed}")

    # ==== read helpers ==============================================================================
    def count(self, resource: str) -> int:
        """Number of records of `resource` (custom_fields: definitions, archived included)."""
        self._check_resource(resource)
        with self.lock:
            return len(self._field_order) if resource == "custom_fields" else len(self._ids[resource])

    def ids(self, resource: str) -> list[Any]:
        """Ids of `resource` in served order (custom_fields: keys in creation order)."""
        self._check_resource(resource)
        with self.lock:
            return list(self._field_order) if resource == "custom_fields" else list(self._ids[resource])

    def records(self, resource: str) -> list[dict[str, Any]]:
        """Copies of all records of `resource` exactly as the API would serve them, in served order."""
        self._check_resource(resource)
        with self.lock:
            keys = self._field_order if resource == "custom_fields" else self._ids[resource]
            fields = self._employee_fields() if resource == "employees" else []
            return [self._serialize(resource, k, fields) for k in keys]

    def record(self, resource: str, rid: Any) -> dict[str, Any]:
        """A copy of one record as served. Raises KeyError when absent."""
        self._check_resource(resource)
        with self.lock:
            store: dict[Any, Any] = self._fields if resource == "custom_fields" else self._rows[resource]
            if rid not in store:
                raise KeyError(f"{resource} {rid!r} not found")
            return self._serialize(resource, rid)

    # ==== record mutations ==========================================================================
    def add_record(self, resource: str, **fields: Any) -> Any:
        """Creates a record with generated defaults overridden by `fields`; returns its id.

        The id is the next auto-increment value (one above the highest id ever issued) unless
        `id=` is given (then it is inserted in id order, shifting later records one place forward).
        `updated_at` is the clock's now unless given. For employees, `custom_fields={key: value}`
        sets custom values. For ``custom_fields`` the call is :meth:`add_custom_field`.
        """
        self._check_resource(resource)
        if resource == "custom_fields":
            return self.add_custom_field(**fields)
        with self.lock:
            rid = fields.pop("id", None)
            if rid is None:
                rid = self._next_id[resource]
            elif rid in self._rows[resource]:
                raise ValueError(f"{resource} id {rid} exists")
            custom = fields.pop("custom_fields", None)
            r = fake.rng(self.seed, "bytehr", resource, "added", rid)
            now = self.clock.now().replace(microsecond=0)
            if resource == "employees":
                row = make_employee(r, rid, now, self._n_departments, self._n_positions)
                row["hire_date"] = now.date().isoformat()
                row["employment_status"], row["termination_date"] = "active", None
            elif resource == "departments":
                row = make_department(r, rid, now)
            elif resource == "positions":
                row = make_position(r, rid, now, self._n_departments)
            else:
                row = make_leave_request(r, rid, now, self._ids["employees"])
            row.update(fields)
            row["id"] = rid
            if "updated_at" not in fields:
                row["updated_at"] = iso_s(now)
            self._insert(resource, row)
            if custom:
                self._set_custom_values(rid, custom)
            return rid

    def update_record(self, resource: str, rid: Any, **fields: Any) -> None:
        """Changes fields of a record and stamps `updated_at` (unless given). New field names are allowed.

        For employees, `custom_fields={key: value}` sets custom values too. For ``custom_fields``,
        `label=`, `type=` and `archived=` map to the custom-field methods (no `updated_at` bump).
        """
        self._check_resource(resource)
        if resource == "custom_fields":
            self._update_field(rid, **fields)
            return
        with self.lock:
            row = self._rows[resource].get(rid)
            if row is None:
                raise KeyError(f"{resource} {rid} not found")
            if "id" in fields and fields["id"] != rid:
                raise ValueError("the id of a record cannot change")
            custom = fields.pop("custom_fields", None)
            if custom:
                if resource != "employees":
                    raise ValueError("only employees carry custom_fields")
                self._set_custom_values(rid, custom)
            row.update(fields)
            if "updated_at" not in fields:
                row["updated_at"] = self._now_s()

    def delete_record(self, resource: str, rid: Any) -> None:
        """Deletes a record; later records shift one place back in the pages (O(n), a control op).

        For ``custom_fields`` the definition is removed entirely (unlike :meth:`archive_custom_field`).
        """
        self._check_resource(resource)
        with self.lock:
            if resource == "custom_fields":
                if rid not in self._fields:
                    raise KeyError(f"custom field {rid!r} not found")
                del self._fields[rid]
                self._field_order.remove(rid)
                return
            if rid not in self._rows[resource]:
                raise KeyError(f"{resource} {rid} not found")
            del self._rows[resource][rid]
            ids = self._ids[resource]
            del ids[bisect.bisect_left(ids, rid)]
            if resource == "employees":
                for f in self._fields.values():
                    f.overrides.pop(rid, None)

    def add_employee(self, **fields: Any) -> int:
        """Hires an employee (generated defaults, hire_date today, active); returns the new id."""
        return int(self.add_record("employees", **fields))

    def update_employee(self, employee_id: int, **fields: Any) -> None:
        """Changes an employee's fields (and `custom_fields={key: value}`), stamping `updated_at`."""
        self.update_record("employees", employee_id, **fields)

    def delete_employee(self, employee_id: int) -> None:
        """Hard-deletes an employee; later employees slip one place back in the pages."""
        self.delete_record("employees", employee_id)

    # ==== custom fields =============================================================================
    def _field(self, key: str) -> CustomField:
        f = self._fields.get(key)
        if f is None:
            raise KeyError(f"custom field {key!r} not found")
        return f

    def add_custom_field(self, key: str, label: str, type: str, value_fn: Callable[[int], Any] | Any = None,
                         options: list[str] | None = None, entity: str = "employee") -> str:
        """Defines a new custom field; it appears in every employee on the next request.

        Args:
            key: the field key (free text: spaces, capitals, non-ASCII allowed); must be new.
            label: display label.
            type: one of text, number, date, boolean, dropdown, multi_select.
            value_fn: a callable ``employee_id -> value``, or a constant value for everyone, or
                None for deterministic seeded values of the type (about 10% null).
            options: choices of a dropdown/multi_select field (default ["A", "B", "C"] for generated values).
            entity: "employee" (attached to employee records) or any other entity (definition only).

        Returns:
            The key. Employees' `updated_at` is not bumped (an admin action).
        """
        if type not in FIELD_TYPES:
            raise ValueError(f"unknown custom field type {type!r}; expected one of {FIELD_TYPES}")
        with self.lock:
            if key in self._fields:
                raise ValueError(f"custom field {key!r} exists")
            if options is None and type in ("dropdown", "multi_select"):
                options = ["A", "B", "C"]
            if value_fn is None:
                fn = generated_value_fn(self.seed, key, type, options, self.clock.now().date())
            elif callable(value_fn):
                fn = value_fn
            else:
                fn = constant_value_fn(value_fn)
            self._fields[key] = CustomField(key=key, label=label, type=type, options=options, entity=entity,
                                            archived=False, created_at=self._now_s(), value_fn=fn)
            self._field_order.append(key)
            return key

    def rename_custom_field(self, key: str, label: str) -> None:
        """Changes a field's label (the key stays). Employees' `updated_at` is not bumped."""
        with self.lock:
            self._field(key).label = label

    def archive_custom_field(self, key: str, archived: bool = True) -> None:
        """Archives a field (it disappears from employee records but stays listed, `archived: true`).

        `archived=False` restores it, values intact. Employees' `updated_at` is not bumped.
        """
        with self.lock:
            self._field(key).archived = archived

    def change_custom_field_type(self, key: str, new_type: str, convert: Converter | None = None,
                                 options: list[str] | None = None) -> None:
        """Changes a field's type; every non-null value changes shape through `convert`.

        Args:
            key: the field.
            new_type: one of text, number, date, boolean, dropdown, multi_select.
            convert: ``old_value -> new_value`` for non-null values; default: a sensible cast
                (number 4411 -> text "4411", text "12" -> number 12, unparsable -> null,
                scalar -> multi_select [str], multi_select -> dropdown first item, ...).
            options: new options (default: kept for dropdown/multi_select, else null).

        Employees' `updated_at` is not bumped (an admin action).
        """
        if new_type not in FIELD_TYPES:
            raise ValueError(f"unknown custom field type {new_type!r}; expected one of {FIELD_TYPES}")
        conv = convert or default_converter(new_type)
        with self.lock:
            f = self._field(key)
            old_fn = f.value_fn

            def fn(emp_id: int) -> Any:
                v = old_fn(emp_id)
                return None if v is None else conv(v)

            f.value_fn = fn
            f.overrides = {i: (None if v is None else conv(v)) for i, v in f.overrides.items()}
            f.type = new_type
            if options is not None:
                f.options = list(options)
            elif new_type not in ("dropdown", "multi_select"):
                f.options = None

    def set_custom_value(self, employee_id: int, key: str, value: Any) -> None:
        """Sets one employee's value of a field (any shape, null allowed) and stamps the employee's `updated_at`."""
        with self.lock:
            self._set_custom_values(employee_id, {key: value})
            self._rows["employees"][employee_id]["updated_at"] = self._now_s()

    def _set_custom_values(self, employee_id: int, values: dict[str, Any]) -> None:
        if employee_id not in self._rows["employees"]:
            raise KeyError(f"employee {employee_id} not found")
        for key, value in values.items():
            self._field(key).overrides[employee_id] = copy.deepcopy(value)

    def _update_field(self, key: str, **fields: Any) -> None:
        for name, value in fields.items():
            if name == "label":
                self.rename_custom_field(key, value)
            elif name == "type":
                self.change_custom_field_type(key, value)
            elif name == "archived":
                self.archive_custom_field(key, bool(value))
            elif name == "options":
                with self.lock:
                    self._field(key).options = list(value) if value is not None else None
            else:
                raise ValueError(f"cannot update custom field attribute {name!r}")

    # ==== quota and keys ============================================================================
    def _key(self, key: str | None) -> ApiKey:
        k = self._keys.get(key or DEFAULT_KEY)
        if k is None:
            raise KeyError("unknown API key")
        return k

    @property
    def quota_used(self) -> int:
        """Requests counted this month on the default key."""
        with self.lock:
            k = self._key(None)
            self._roll(k)
            return k.used

    @property
    def quota_remaining(self) -> int:
        """Requests left this month on the default key."""
        with self.lock:
            k = self._key(None)
            self._roll(k)
            return max(0, k.limit - k.used)

    @property
    def quota_limit(self) -> int:
        """The default key's monthly quota."""
        return self._key(None).limit

    def set_quota_limit(self, n: int, key: str | None = None) -> None:
        """Changes a key's monthly quota (what is used stays)."""
        with self.lock:
            self._key(key).limit = n

    def set_quota_remaining(self, n: int, key: str | None = None) -> None:
        """Sets how many requests are left this month (used = limit - n)."""
        with self.lock:
            k = self._key(key)
            self._roll(k)
            k.used = max(0, k.limit - n)

    def spend(self, n: int = 1, key: str | None = None) -> None:
        """Counts `n` requests made by someone else sharing the key (never beyond the limit)."""
        with self.lock:
            k = self._key(key)
            self._roll(k)
            k.used = min(k.limit, k.used + n)

    @property
    def key_expires_at(self) -> datetime:
        """When the default key expires."""
        return self._key(None).expires_at

    def set_key_expiry(self, dt: datetime, key: str | None = None) -> None:
        """Sets when a key expires (from then on: 401 api_key_expired)."""
        with self.lock:
            self._key(key).expires_at = dt.astimezone(UTC).replace(microsecond=0)

    def add_key(self, key: str, expires_at: datetime | None = None, quota: int | None = None) -> None:
        """Adds another valid key, standing for another company: its own quota and expiry, same data.

        Args:
            key: the key string.
            expires_at: expiry (default: clock now + 365 days).
            quota: monthly quota (default: the default key's limit).
        """
        with self.lock:
            exp = expires_at or self.clock.now() + timedelta(days=365)
            self._keys[key] = ApiKey(key, exp.astimezone(UTC).replace(microsecond=0),
                                     quota if quota is not None else self.quota_limit)

    def remove_key(self, key: str) -> None:
        """Revokes a key (from then on: 401 invalid_api_key)."""
        with self.lock:
            self._keys.pop(key, None)
