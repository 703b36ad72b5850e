"""ByteHR emulator data: seeded record generators and the admin-defined custom field model.

Everything here is deterministic in the seed. Employee, department, position and leave
request records are generated eagerly (plain dicts); custom field *values* are computed
lazily per employee from a per-field value function plus a dict of explicit overrides, so
adding a field or changing its type costs O(overrides), not O(employees).
"""

from __future__ import annotations

import copy
import random
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sandbox import fake
from sandbox.core import iso_s

FIELD_TYPES = ("text", "number", "date", "boolean", "dropdown", "multi_select")
EMPLOYMENT_STATUSES = ("active", "on_leave", "terminated")
EMPLOYMENT_TYPES = ("full_time", "part_time", "contractor", "intern")
LEAVE_STATUSES = ("approved", "pending", "rejected", "cancelled")
EMAIL_DOMAIN = "byte-demo.example"
FIRST_EMPLOYEE_ID = 1001

TSHIRT_SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
CERTIFICATIONS = ["AWS", "PMP", "CISSP", "CPA", "Scrum Master", "GCP", "Azure", "ITIL"]
TEAM_NAMES = [
    "Platform", "Growth", "Core Banking", "Billing", "Mobile", "Data Platform", "Onboarding",
    "Ops, EMEA", "Ünicode Team 🚀", 'The "A" Team', "Insights", "Payments",
]
GENERIC_WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]

_M64 = (1 << 64) - 1
ValueFn = Callable[[int], Any]
Converter = Callable[[Any], Any]


# --- deterministic per-(field, employee) randomness -------------------------------------------
def _mix(x: int) -> int:
    """splitmix64 finaliser: a cheap, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def field_salt(seed: int, key: str) -> int:
    """A 32-bit salt for the values of field `key` under `seed`."""
    return zlib.crc32(f"bytehr:{seed}:{key}".encode())


def hash_u(salt: int, emp_id: int, n: int = 0) -> float:
    """A uniform float in [0, 1) determined by (salt, employee id, n)."""
    return _mix((salt << 32) ^ (emp_id * 0x100000001B3) ^ (n * 0x9E3779B9)) / 2.0**64


# --- custom fields ------------------------------------------------------------------------------
@dataclass
class CustomField:
    """One admin-defined custom field: its definition plus how its per-employee values are found."""

    key: str
    label: str
    type: str
    options: list[str] | None
    entity: str
    archived: bool
    created_at: str
    value_fn: ValueFn
    overrides: dict[int, Any] = field(default_factory=dict)

    def value(self, emp_id: int) -> Any:
        """The field's value for one employee (a fresh object: lists are never shared)."""
        if emp_id in self.overrides:
            return copy.deepcopy(self.overrides[emp_id])
        return self.value_fn(emp_id)

    def definition(self) -> dict[str, Any]:
        """The definition as `GET /custom-fields` serves it."""
        return {
            "key": self.key,
            "label": self.label,
            "type": self.type,
            "options": list(self.options) if self.options is not None else None,
            "entity": self.entity,
            "archived": self.archived,
            "created_at": self.created_at,
        }


def _nullable(salt: int, null_rate: float, gen: Callable[[int], Any]) -> ValueFn:
    def fn(emp_id: int) -> Any:
        if hash_u(salt, emp_id, 99) < null_rate:
            return None
        return gen(emp_id)

    return fn


def generated_value_fn(seed: int, key: str, ftype: str, options: list[str] | None, today: date,
                       null_rate: float = 0.1) -> ValueFn:
    """A deterministic value generator for a field of type `ftype` (used when no value is given)."""
    salt = field_salt(seed, key)
    u = hash_u
    gens: dict[str, Callable[[int], Any]] = {
        "text": lambda i: f"{GENERIC_WORDS[int(u(salt, i) * len(GENERIC_WORDS))]}-{int(u(salt, i, 1) * 100)}",
        "number": lambda i: int(u(salt, i) * 1000),
        "date": lambda i: (today + timedelta(days=int(u(salt, i) * 730) - 365)).isoformat(),
        "boolean": lambda i: u(salt, i) < 0.5,
    }
    opts = options or ["A", "B", "C"]
    gens["dropdown"] = lambda i: opts[int(u(salt, i) * len(opts))]
    gens["multi_select"] = lambda i: [o for n, o in enumerate(opts) if u(salt, i, n + 2) < 0.3]
    return _nullable(salt, null_rate, gens[ftype])


def constant_value_fn(value: Any) -> ValueFn:
    """A value function giving every employee (a copy of) the same value."""
    return lambda _i: copy.deepcopy(value)


def default_custom_fields(seed: int, now: datetime) -> list[CustomField]:
    """The company's custom fields at construction: the usual ones plus a few awkward admin keys."""
    today = now.date()

    def salt(key: str) -> int:
        return field_salt(seed, key)

    s_shirt, s_badge, s_remote = salt("tshirt_size"), salt("badge_number"), salt("remote_eligible")
    s_visa, s_cert, s_shoe = salt("visa_expiry"), salt("certifications"), salt("Shoe Size")
    s_height, s_team, s_code = salt("Größe"), salt("Team Name"), salt("部署コード")
    u = hash_u
    specs: list[tuple[str, str, str, list[str] | None, ValueFn]] = [
        ("tshirt_size", "T-Shirt Size", "dropdown", TSHIRT_SIZES,
         _nullable(s_shirt, 0.05, lambda i: TSHIRT_SIZES[int(u(s_shirt, i) * len(TSHIRT_SIZES))])),
        ("badge_number", "Badge #", "number", None,
         _nullable(s_badge, 0.03, lambda i: 1000 + int(u(s_badge, i) * 9000))),
        ("remote_eligible", "Remote eligible", "boolean", None,
         _nullable(s_remote, 0.05, lambda i: u(s_remote, i) < 0.6)),
        ("visa_expiry", "Visa expiry", "date", None,
         _nullable(s_visa, 0.85, lambda i: (today + timedelta(days=int(u(s_visa, i) * 900) - 60)).isoformat())),
        ("certifications", "Certifications", "multi_select", CERTIFICATIONS,
         _nullable(s_cert, 0.10, lambda i: [c for n, c in enumerate(CERTIFICATIONS) if u(s_cert, i, n + 2) < 0.15])),
        ("Shoe Size", "Shoe Size (EU)", "number", None,
         _nullable(s_shoe, 0.20, lambda i: 36 + int(u(s_shoe, i) * 12))),
        ("Größe", "Größe (m)", "number", None,
         _nullable(s_height, 0.25, lambda i: round(1.55 + u(s_height, i) * 0.45, 2))),
        ("Team Name", "Team Name", "text", None,
         _nullable(s_team, 0.15, lambda i: TEAM_NAMES[int(u(s_team, i) * len(TEAM_NAMES))])),
        ("部署コード", "部署コード", "text", None,
         _nullable(s_code, 0.10, lambda i: f"BU-{int(u(s_code, i) * 40):03d}")),
    ]
    base = now - timedelta(days=700)
    return [
        CustomField(key=k, label=lbl, type=t, options=list(o) if o else None, entity="employee", archived=False,
                    created_at=iso_s(base + timedelta(days=30 * n, hours=n)), value_fn=fn)
        for n, (k, lbl, t, o, fn) in enumerate(specs)
    ]


# --- type conversion ------------------------------------------------------------------------------
def _to_text(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return str(v)


def _to_number(v: Any) -> Any:
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r"[+-]?\d+", s):
            return int(s)
        try:
            return float(s)
        except ValueError:
            return None
    if isinstance(v, list):
        return len(v)
    return None


def _to_boolean(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, str):
        s = v.strip().lower()
        return True if s in ("true", "yes", "y", "1") else False if s in ("false", "no", "n", "0") else None
    if isinstance(v, list):
        return bool(v)
    return None


def _to_date(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return date.fromisoformat(v.strip()[:10]).isoformat()
        except ValueError:
            return None
    return None


def _to_dropdown(v: Any) -> Any:
    if isinstance(v, list):
        return str(v[0]) if v else None
    if isinstance(v, bool):
        return "Yes" if v else "No"
    return _to_text(v)


def _to_multi(v: Any) -> Any:
    if isinstance(v, list):
        return [str(x) for x in v]
    return [_to_dropdown(v)]


_CONVERTERS: dict[str, Converter] = {
    "text": _to_text, "number": _to_number, "date": _to_date, "boolean": _to_boolean,
    "dropdown": _to_dropdown, "multi_select": _to_multi,
}


def default_converter(new_type: str) -> Converter:
    """How a value changes shape when its field becomes `new_type` (e.g. number 4411 -> text "4411")."""
    return _CONVERTERS[new_type]


# --- system records -------------------------------------------------------------------------------
def _stamp(r: random.Random, now: datetime, max_age_days: int = 400) -> str:
    return iso_s(now - timedelta(seconds=r.randint(60, max_age_days * 86400)))


def make_department(r: random.Random, dept_id: int, now: datetime) -> dict[str, Any]:
    """One department record."""
    i = dept_id - 1
    name = fake.DEPARTMENTS[i % len(fake.DEPARTMENTS)]
    if i >= len(fake.DEPARTMENTS):
        name = f"{name} {i // len(fake.DEPARTMENTS) + 1}"
    parent = None if dept_id == 1 else r.randint(1, max(1, (dept_id - 1) // 2))
    return {"id": dept_id, "name": name, "parent_id": parent, "cost_center": f"CC-{1000 + 10 * dept_id}",
            "updated_at": _stamp(r, now)}


def make_position(r: random.Random, pos_id: int, now: datetime, n_departments: int) -> dict[str, Any]:
    """One job position record."""
    i = pos_id - 1
    title = fake.JOB_TITLES[i % len(fake.JOB_TITLES)]
    if i >= len(fake.JOB_TITLES):
        title = f"{title} {'I' * min(3, i // len(fake.JOB_TITLES) + 1)}"
    return {"id": pos_id, "title": title, "level": r.randint(1, 7),
            "department_id": r.randint(1, n_departments) if n_departments else None, "updated_at": _stamp(r, now)}


def make_employee(r: random.Random, emp_id: int, now: datetime, n_departments: int, n_positions: int,
                  first_id: int = FIRST_EMPLOYEE_ID) -> dict[str, Any]:
    """One employee record, without `custom_fields` (those are attached when served)."""
    first, last = fake.person_name(r)
    today = now.date()
    hire = today - timedelta(days=r.randint(30, 3650))
    roll = r.random()
    status = "terminated" if roll < 0.08 else "on_leave" if roll < 0.13 else "active"
    termination = None
    if status == "terminated":
        termination = (hire + timedelta(days=r.randint(1, max(1, (today - hire).days - 1)))).isoformat()
    etype = r.choices(EMPLOYMENT_TYPES, weights=(75, 12, 8, 5))[0]
    manager = None if emp_id <= first_id else r.randint(first_id, first_id + (emp_id - first_id - 1) // 6)
    return {
        "id": emp_id,
        "employee_code": f"BH-{emp_id:05d}",
        "first_name": first,
        "last_name": last,
        "email": fake.email_for(first, last, emp_id, EMAIL_DOMAIN),
        "department_id": r.randint(1, n_departments) if n_departments else None,
        "position_id": r.randint(1, n_positions) if n_positions else None,
        "manager_id": manager,
        "employment_status": status,
        "employment_type": etype,
        "hire_date": hire.isoformat(),
        "termination_date": termination,
        "updated_at": _stamp(r, now, max_age_days=min(400, (today - hire).days)),
    }


def make_leave_request(r: random.Random, lr_id: int, now: datetime, employee_ids: list[int]) -> dict[str, Any]:
    """One leave request of a random existing employee."""
    start = now.date() + timedelta(days=r.randint(-365, 90))
    end = start + timedelta(days=r.choice((0, 0, 1, 2, 4, 4, 6, 9, 13)))
    days = len(fake.working_days(start, end)) or 1
    if start > now.date():
        status = r.choices(LEAVE_STATUSES, weights=(50, 40, 5, 5))[0]
    else:
        status = r.choices(LEAVE_STATUSES, weights=(80, 3, 9, 8))[0]
    return {
        "id": lr_id,
        "employee_id": r.choice(employee_ids) if employee_ids else None,
        "leave_type": r.choices(fake.LEAVE_TYPES, weights=(60, 25, 5, 7, 3))[0],
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "days": days,
        "status": status,
        "updated_at": _stamp(r, now, max_age_days=200),
    }
