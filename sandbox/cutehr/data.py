"""CuteHR seed data (employees, departments, leaves) and the lazy attendance generator.

Employees, departments and leaves are small enough to materialise (100k employees, a few
hundred thousand leaves). Attendance is not: one row per employee per working day grows to
millions, so rows are computed on demand from ``(day, employee_id)`` by a fast integer hash,
and :class:`AttendanceIndex` maps a page offset to ``(day, k-th employee employed that day)``
in ``O(log n)`` without materialising anything.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from datetime import date, datetime, timedelta
from typing import Any

from sandbox import fake
from sandbox.core import UTC, iso_s

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
ATTENDANCE_ID_FACTOR = 1_000_000  # attendance id = days since 1970-01-01 * factor + employee_id
MAX_EMPLOYEE_ID = ATTENDANCE_ID_FACTOR - 1
NO_EXIT = date.max.toordinal()
EMAIL_DOMAIN = "cutehr-demo.example"
LEAVE_STATUSES = ("approved", "pending", "rejected", "cancelled")
ATTENDANCE_FIELDS = ("check_in", "check_out", "worked_hours", "status")
_M64 = (1 << 64) - 1


def to_date(value: date | str) -> date:
    """Accepts a date (or datetime) or an ISO date string."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def is_working_day(d: date) -> bool:
    return d.weekday() < 5


def count_working_days(a: date, b: date) -> int:
    """Mondays to Fridays from a to b, both inclusive (0 when b < a)."""
    if b < a:
        return 0
    full, rem = divmod((b - a).days + 1, 7)
    wd = a.weekday()
    return full * 5 + sum(1 for i in range(rem) if (wd + i) % 7 < 5)


def next_working_day(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def seed_salt(seed: int) -> int:
    return int.from_bytes(hashlib.sha256(f"cutehr:{seed}".encode()).digest()[:8], "big")


def mix64(x: int) -> int:
    """splitmix64 finaliser: a fast, well-spread deterministic hash of a 64-bit int."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


# --- employees and departments ------------------------------------------------------------------

_DAY_MS = 86_400_000
_day_strings: dict[int, str] = {}


def day_string(ordinal: int) -> str:
    """ISO date of a proleptic ordinal, memoised (seeding formats the same few thousand days often)."""
    text = _day_strings.get(ordinal)
    if text is None:
        text = _day_strings[ordinal] = date.fromordinal(ordinal).isoformat()
    return text


def epoch_ms(dt: datetime) -> int:
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def format_ms(ms: int) -> str:
    """Epoch milliseconds as ISO-8601 UTC with a Z suffix (the same text as ``core.iso_ms``)."""
    days, rem = divmod(ms, _DAY_MS)
    hours, rem = divmod(rem, 3_600_000)
    minutes, rem = divmod(rem, 60_000)
    seconds, millis = divmod(rem, 1000)
    return f"{day_string(EPOCH_ORDINAL + days)}T{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def _ordinal_ms(ordinal: int, hour: int = 0) -> int:
    return (ordinal - EPOCH_ORDINAL) * _DAY_MS + hour * 3_600_000


def department_names(n: int) -> list[str]:
    names = []
    for i in range(n):
        base = fake.DEPARTMENTS[i % len(fake.DEPARTMENTS)]
        names.append(base if i < len(fake.DEPARTMENTS) else f"{base} {i // len(fake.DEPARTMENTS) + 1}")
    return names


def seed_people(seed: int, n_employees: int, n_departments: int,
                now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Builds (departments, employees), both ordered by id.

    Ids follow the date of joining (employee 1, the CEO, joined first, up to 8 years ago). About
    12% of the people have a ``date_of_exit`` (mostly past, some within the next 30 days:
    status "notice_period"). Each department has a head (reports to the CEO), team leads
    (report to the head) and members (report to a lead).
    """
    if n_employees > MAX_EMPLOYEE_ID:
        raise ValueError(f"at most {MAX_EMPLOYEE_ID} employees (attendance ids embed the employee id)")
    r = fake.rng(seed, "cutehr", "people")
    rand = r.random
    today = now.date().toordinal()
    now_ms = epoch_ms(now)
    span = 8 * 365
    offsets = sorted(int(rand() * (span + 1)) for _ in range(n_employees))
    names = department_names(n_departments)
    departments = [{"id": i + 1, "name": name, "head_id": None} for i, name in enumerate(names)]
    cum, total = [], 0.0
    for i in range(n_departments):
        total += 1.0 / (1 + 0.35 * i)
        cum.append(total)
    titles = fake.JOB_TITLES
    employees: list[dict[str, Any]] = []
    for i, off in enumerate(offsets):
        eid = i + 1
        joined = today - span + off
        left: int | None = None
        if eid > 1 and rand() < 0.12:
            left = joined + 30 + int(rand() * (max(0, today - joined) + 1))
        first, last = fake.person_name(r)
        status = "active" if left is None else ("exited" if left < today else "notice_period")
        ceiling = now_ms if left is None or left >= today else _ordinal_ms(left, 18)
        floor = _ordinal_ms(joined if left is None else max(joined, left - 30), 9)  # exits are filed ahead
        modified = min(floor + int(rand() * max(0, ceiling - floor - 60_000)), now_ms - 1000)
        dept = 1 if eid == 1 or not cum else min(n_departments - 1, bisect_right(cum, rand() * total)) + 1
        employees.append({
            "id": eid,
            "emp_code": f"CH{eid:06d}",
            "name": f"{first} {last}",
            "email": fake.email_for(first, last, eid, EMAIL_DOMAIN),
            "phone": f"+49 30 {1_000_000 + int(rand() * 9_000_000)}",
            "department_id": dept if cum else None,
            "designation": titles[int(rand() * len(titles))],
            "reporting_manager_id": None,
            "date_of_joining": day_string(joined),
            "date_of_exit": day_string(left) if left is not None else None,
            "status": status,
            "modified_at": format_ms(modified),
        })
    if employees:
        employees[0]["designation"] = "Chief Executive Officer"
    _assign_managers(r, departments, employees)
    return departments, employees


def _assign_managers(r: Any, departments: list[dict[str, Any]], employees: list[dict[str, Any]]) -> None:
    members: dict[int, list[dict[str, Any]]] = {d["id"]: [] for d in departments}
    for e in employees[1:]:
        if e["department_id"] is None:
            e["reporting_manager_id"] = 1
        else:
            members[e["department_id"]].append(e)
    for dept in departments:
        people = members[dept["id"]]
        active = [e for e in people if e["date_of_exit"] is None]
        if not active:
            for e in people:
                e["reporting_manager_id"] = 1
            continue
        head = active[0]
        head["designation"] = f"Head of {dept['name']}"
        head["reporting_manager_id"] = 1
        dept["head_id"] = head["id"]
        leads = active[1: 1 + max(1, len(active) // 10)] if len(active) > 3 else []
        lead_ids = {e["id"] for e in leads}
        for e in leads:
            e["designation"] = "Team Lead"
            e["reporting_manager_id"] = head["id"]
        for e in people:
            if e is head or e["id"] in lead_ids:
                continue
            e["reporting_manager_id"] = r.choice(leads)["id"] if leads else head["id"]


# --- leaves -------------------------------------------------------------------------------------


def _add_working_days(ordinal: int, n: int) -> int:
    """The n-th working day after working day ``ordinal`` (ordinals; ordinal 1 is a Monday)."""
    weeks, rem = divmod(n, 5)
    ordinal += weeks * 7
    while rem:
        ordinal += 1
        if (ordinal - 1) % 7 < 5:
            rem -= 1
    return ordinal


def seed_leaves(seed: int, employees: list[dict[str, Any]], per_employee: int,
                now: datetime) -> list[tuple[int, dict[str, Any]]]:
    """Builds leave applications (ids in employee order) as ``(modified_at in epoch µs, record)``.

    Leaves start within the last year up to 60 days ahead, while employed. About 20% were
    decided by the four-weekly bulk approval (Mondays 02:00:00.000Z), so their ``modified_at`` values
    tie; the rest were decided 10 minutes to 3 days after ``applied_at``. Pending ones have
    ``modified_at == applied_at``.
    """
    r = fake.rng(seed, "cutehr", "leaves")
    rand = r.random
    today = now.date().toordinal()
    latest = epoch_ms(now) - 60_000
    monday = today - (today - 1) % 7
    batches = [b for b in (_ordinal_ms(monday - 7 * w, 2) for w in range(60, -1, -4)) if b <= latest]
    lengths = (1, 1, 1, 2, 2, 3, 5, 10)
    types, type_cum = fake.LEAVE_TYPES, [60, 85, 89, 97, 100]
    out: list[tuple[int, dict[str, Any]]] = []
    lid = 0
    for e in employees:
        joined = date.fromisoformat(e["date_of_joining"]).toordinal()
        left = date.fromisoformat(e["date_of_exit"]).toordinal() if e["date_of_exit"] else None
        lo = max(joined, today - 365)
        hi = min(left if left is not None else today + 60, today + 60)
        if hi < lo:
            lo, hi = joined, left if left is not None else joined
        for _ in range(per_employee):
            lid += 1
            start = lo + int(rand() * (hi - lo + 1))
            wd = (start - 1) % 7
            if wd >= 5:
                start += 7 - wd
            n = lengths[int(rand() * len(lengths))]
            end = _add_working_days(start, n - 1)
            days = 0.5 if n == 1 and rand() < 0.1 else float(n)
            applied = _ordinal_ms(start, 8) - int(rand() * 30 * _DAY_MS) - _DAY_MS
            if applied > latest:
                applied = latest - 3_600_000 - int(rand() * 2 * _DAY_MS)
            x = rand()
            status = "approved" if x < 0.72 else "pending" if x < 0.84 else "rejected" if x < 0.93 else "cancelled"
            if status == "pending":
                modified = applied
            elif status == "approved" and rand() < 0.3 and batches and batches[-1] >= applied:
                modified = batches[bisect_left(batches, applied)]
            else:
                modified = applied + int(min(600_000 + rand() * 3 * _DAY_MS, rand() * (latest - applied)))
            out.append((modified * 1000, {
                "id": lid,
                "employee_id": e["id"],
                "leave_type": types[bisect_right(type_cum, rand() * 100)],
                "from_date": day_string(start),
                "to_date": day_string(end),
                "days": days,
                "status": status,
                "applied_at": format_ms(applied),
                "modified_at": format_ms(modified),
            }))
    return out


# --- attendance ---------------------------------------------------------------------------------


class AttendanceIndex:
    """Who is employed on which day, answerable in O(log n) per page.

    ``roster`` holds the ids (sorted) of everyone employed on at least one day from
    ``start`` on. Most of them are employed every day; the others ("changers": joined after
    ``start`` or with a ``date_of_exit``) are few. For a day, the roster positions of the
    changers not employed that day are computed once (O(changers)) and cached; the k-th
    employee of a day is then found by bisecting them.
    """

    def __init__(self, employees: dict[int, dict[str, Any]], start: date) -> None:
        self.start = start.toordinal()
        self.roster: list[int] = []
        self._c_pos: list[int] = []
        self._c_join: list[int] = []
        self._c_exit: list[int] = []
        self._days: dict[int, tuple[int, list[int], list[int]]] = {}
        for eid in sorted(employees):
            rec = employees[eid]
            joined = date.fromisoformat(rec["date_of_joining"]).toordinal()
            left = date.fromisoformat(rec["date_of_exit"]).toordinal() if rec["date_of_exit"] else NO_EXIT
            if left < self.start or left < joined:
                continue
            if joined > self.start or left != NO_EXIT:
                self._c_pos.append(len(self.roster))
                self._c_join.append(joined)
                self._c_exit.append(left)
            self.roster.append(eid)

    def day(self, ordinal: int) -> tuple[int, list[int], list[int]]:
        """(head count, sorted roster positions not employed, their 'employed before' counts)."""
        cached = self._days.get(ordinal)
        if cached is None:
            changers = zip(self._c_pos, self._c_join, self._c_exit, strict=True)
            out = [p for p, j, x in changers if j > ordinal or x < ordinal]
            cached = (len(self.roster) - len(out), out, [p - i for i, p in enumerate(out)])
            self._days[ordinal] = cached
        return cached

    def count(self, ordinal: int) -> int:
        return self.day(ordinal)[0]

    def employed(self, ordinal: int, employee_id: int) -> bool:
        pos = bisect_left(self.roster, employee_id)
        if pos == len(self.roster) or self.roster[pos] != employee_id:
            return False
        _, out, _ = self.day(ordinal)
        i = bisect_left(out, pos)
        return i == len(out) or out[i] != pos

    def employees_on(self, ordinal: int, k: int, n: int) -> list[int]:
        """Ids of the k-th (0-based) to (k+n-1)-th employee employed on the day, by id."""
        count, out, before = self.day(ordinal)
        j = bisect_right(before, k)
        pos, result = k + j, []
        end = min(count, k + n)
        remaining = end - k
        while remaining > 0:
            if j < len(out) and out[j] == pos:
                j += 1
            else:
                result.append(self.roster[pos])
                remaining -= 1
            pos += 1
        return result


def attendance_id(ordinal: int, employee_id: int) -> int:
    return (ordinal - EPOCH_ORDINAL) * ATTENDANCE_ID_FACTOR + employee_id


def attendance_record(salt: int, day: date, employee_id: int, now: datetime,
                      override: dict[str, Any] | None = None) -> dict[str, Any]:
    """The attendance row of one employee on one working day, a pure function of its inputs.

    Status mix: present 80%, remote 12%, half_day 3%, absent 5%. Full days check in
    07:30-10:00 UTC and work 7.5-9.5 h; half days are afternoons (13:00-14:00, 3.5-4.5 h), so
    nothing happens between 10:01 and 13:00 UTC. While the clock is before check-out the
    row is open (``check_out`` and ``worked_hours`` null); before check-in (for absences:
    before 10:01) it is ``pending`` with no times. ``override`` (a correction) wins over all of it.
    """
    ordinal = day.toordinal()
    h = mix64(salt ^ (ordinal * 1_048_583 + employee_id))
    roll = h % 1000
    status = "absent" if roll < 50 else "half_day" if roll < 80 else "remote" if roll < 200 else "present"
    rec: dict[str, Any] = {
        "id": (ordinal - EPOCH_ORDINAL) * ATTENDANCE_ID_FACTOR + employee_id,
        "employee_id": employee_id,
        "date": day.isoformat(),
        "check_in": None,
        "check_out": None,
        "worked_hours": 0.0,
        "status": status,
    }
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if status == "absent":
        if now < midnight + timedelta(hours=10, minutes=1):
            rec.update(status="pending", worked_hours=None)
    else:
        if status == "half_day":
            start_s = 13 * 3600 + ((h >> 10) % 60) * 60 + (h >> 40) % 60
            minutes = 210 + (h >> 20) % 60
        else:
            start_s = 7 * 3600 + 1800 + ((h >> 10) % 150) * 60 + (h >> 40) % 60
            minutes = 450 + (h >> 20) % 120
        check_in = midnight + timedelta(seconds=start_s)
        check_out = check_in + timedelta(minutes=minutes)
        if now < check_in:
            rec.update(status="pending", worked_hours=None)
        elif now < check_out:
            rec.update(check_in=iso_s(check_in), worked_hours=None)
        else:
            rec.update(check_in=iso_s(check_in), check_out=iso_s(check_out), worked_hours=round(minutes / 60, 2))
    if override:
        rec.update(override)
    return rec
