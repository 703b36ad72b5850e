"""HollyHR data: seeded generation, sorted keyset indexes and mutation primitives.

Everything here is plain data manipulation without locking; :class:`sandbox.hollyhr.app.HollyHRApp`
holds the lock and stamps the change times from its clock.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left, bisect_right, insort
from datetime import date, datetime, timedelta
from typing import Any

from sandbox import fake
from sandbox.core import iso_ms

PERSON_FIELDS = (
    "id", "first_name", "last_name", "preferred_name", "work_email", "job_title", "department", "manager_id",
    "location", "employment_type", "status", "start_date", "end_date", "created_at", "updated_at",
)
EMPLOYMENT_FIELDS = ("person_id", "job_title", "department", "start_date", "employment_type", "weekly_hours",
                     "updated_at")
HISTORY_FIELDS = ("id", "person_id", "job_title", "department", "start_date", "end_date", "created_at")
TIME_OFF_FIELDS = ("id", "person_id", "policy", "start_date", "end_date", "duration_days", "status", "updated_at")
DOCUMENT_FIELDS = ("id", "person_id", "title", "category", "file_name", "content_type", "size_bytes",
                   "uploaded_at", "updated_at", "deleted_at")

#: Fields of a person mirrored from its current employment (kept equal on both records).
MIRRORED = ("job_title", "department", "employment_type")

EMPLOYMENT_TYPES = ["full_time", "full_time", "full_time", "full_time", "part_time", "contractor", "intern"]
TIME_OFF_STATUSES = ["requested", "approved", "declined", "cancelled"]
DOC_CATEGORIES = {
    "contract": ("Employment contract", "pdf"),
    "id_document": ("Identity document", "pdf"),
    "payslip": ("Payslip", "pdf"),
    "policy_ack": ("Policy acknowledgement", "pdf"),
    "certificate": ("Training certificate", "png"),
}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png"}
EMAIL_DOMAIN = "example-holly.com"

PER_W, OTHER_W = 6, 7  # zero padding of ids: lexical order == numeric order


def person_id(n: int) -> str:
    return f"per_{n:0{PER_W}d}"


def weekly_hours_for(employment_type: str, r: Any) -> float:
    """Contractual weekly hours for an employment type; `r` has ``choice``."""
    if employment_type == "part_time":
        return float(r.choice([20, 24, 30]))
    if employment_type == "intern":
        return float(r.choice([20, 40]))
    if employment_type == "contractor":
        return float(r.choice([32, 40]))
    return 40.0


def etag_of(rec: dict[str, Any]) -> str:
    """Strong ETag over the record's canonical JSON."""
    raw = json.dumps(rec, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return '"' + hashlib.sha256(raw).hexdigest()[:24] + '"'


class SortedIndex:
    """Keys ``(sort_value, id)`` kept sorted for keyset pagination (bisect, no scans)."""

    def __init__(self, keys: list[tuple[str, str]] | None = None) -> None:
        self.keys: list[tuple[str, str]] = sorted(keys or [])

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: tuple[str, str]) -> None:
        insort(self.keys, key)

    def remove(self, key: tuple[str, str]) -> None:
        i = bisect_left(self.keys, key)
        if i < len(self.keys) and self.keys[i] == key:
            del self.keys[i]

    def move(self, old: tuple[str, str], new: tuple[str, str]) -> None:
        if old != new:
            self.remove(old)
            self.add(new)

    def page(self, after: tuple[str, str] | None, since: str | None, limit: int) -> tuple[list[tuple[str, str]], bool]:
        """Up to `limit` keys strictly after `after` (or from `since` inclusive); returns (keys, has_more)."""
        if after is not None:
            start = bisect_right(self.keys, after)
        elif since is not None:
            start = bisect_left(self.keys, (since, ""))
        else:
            start = 0
        end = start + limit
        return self.keys[start:end], end < len(self.keys)


class Store:
    """All HollyHR records and their indexes."""

    def __init__(self) -> None:
        self.people: dict[str, dict[str, Any]] = {}
        self.employments: dict[str, dict[str, Any]] = {}
        self.history: dict[str, dict[str, Any]] = {}
        self.time_off: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.people_idx = SortedIndex()
        self.time_off_idx = SortedIndex()
        self.documents_idx = SortedIndex()
        self.history_idx: dict[str, SortedIndex] = {}
        self.next_n = {"per": 1, "tof": 1, "doc": 1, "emh": 1}

    # --- ids ---------------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        n = self.next_n[prefix]
        self.next_n[prefix] = n + 1
        return person_id(n) if prefix == "per" else f"{prefix}_{n:0{OTHER_W}d}"

    # --- primitives (callers stamp `ts`) -----------------------------------------------
    def put_person(self, rec: dict[str, Any]) -> None:
        old = self.people.get(rec["id"])
        if old is not None:
            self.people_idx.remove((old["updated_at"], old["id"]))
        self.people[rec["id"]] = rec
        self.people_idx.add((rec["updated_at"], rec["id"]))

    def bump_person(self, pid: str, ts: str) -> dict[str, Any]:
        rec = self.people[pid]
        self.people_idx.move((rec["updated_at"], pid), (ts, pid))
        rec["updated_at"] = ts
        return rec

    def update_person(self, pid: str, fields: dict[str, Any], ts: str) -> dict[str, Any]:
        rec = self.people[pid]
        rec.update({k: v for k, v in fields.items() if k not in ("id", "updated_at")})
        mirrored = {k: fields[k] for k in MIRRORED if k in fields}
        if mirrored:
            emp = self.employments[pid]
            if any(emp[k] != v for k, v in mirrored.items()):
                emp.update(mirrored)
                emp["updated_at"] = ts
        return self.bump_person(pid, ts)

    def update_employment(self, pid: str, fields: dict[str, Any], ts: str) -> dict[str, Any]:
        emp = self.employments[pid]
        emp.update({k: v for k, v in fields.items() if k not in ("person_id", "updated_at")})
        emp["updated_at"] = ts
        person = self.people[pid]
        for k in MIRRORED:
            person[k] = emp[k]
        self.bump_person(pid, ts)
        return emp

    def add_history(self, rec: dict[str, Any], ts: str) -> dict[str, Any]:
        self.history[rec["id"]] = rec
        self.history_idx.setdefault(rec["person_id"], SortedIndex()).add((rec["start_date"], rec["id"]))
        self.bump_person(rec["person_id"], ts)
        return rec

    def put_time_off(self, rec: dict[str, Any]) -> None:
        old = self.time_off.get(rec["id"])
        if old is not None:
            self.time_off_idx.remove((old["updated_at"], old["id"]))
        self.time_off[rec["id"]] = rec
        self.time_off_idx.add((rec["updated_at"], rec["id"]))

    def put_document(self, rec: dict[str, Any]) -> None:
        old = self.documents.get(rec["id"])
        if old is not None:
            self.documents_idx.remove((old["updated_at"], old["id"]))
        self.documents[rec["id"]] = rec
        self.documents_idx.add((rec["updated_at"], rec["id"]))

    def update_indexed(self, resource: str, rid: str, fields: dict[str, Any], ts: str) -> dict[str, Any]:
        """Updates a time-off or document record in place and moves it in its index."""
        table, idx = (self.time_off, self.time_off_idx) if resource == "time_off" else (
            self.documents, self.documents_idx)
        rec = table[rid]
        old_key = (rec["updated_at"], rid)
        rec.update({k: v for k, v in fields.items() if k not in ("id", "updated_at")})
        rec["updated_at"] = ts
        idx.move(old_key, (ts, rid))
        return rec


# --- seeded generation -------------------------------------------------------------------
class _Fast:
    """Fast draws from one seeded stream (``random()`` based; ``choice``/``randrange`` are slow at 100k rows)."""

    def __init__(self, seed: int, *salt: object) -> None:
        self.random = fake.rng(seed, *salt).random

    def pick(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]

    def int(self, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi)``."""
        return lo + int(self.random() * (hi - lo))

    choice = pick


class _Days:
    """ISO date strings by day offset from today, memoized."""

    def __init__(self, today: date) -> None:
        self.today = today
        self._cache: dict[int, str] = {}

    def __call__(self, offset: int) -> str:
        s = self._cache.get(offset)
        if s is None:
            s = self._cache[offset] = (self.today + timedelta(days=offset)).isoformat()
        return s


def _batches(r: _Fast, n: int, size: int, now: datetime, anchor: datetime, p_anchor: float,
             horizon_days: int) -> list[str]:
    """Per-record timestamps shared by batches of `size` consecutive records (ms precision)."""
    anchor_s = iso_ms(anchor)
    out: list[str] = []
    horizon_ms = horizon_days * 86_400_000
    for b in range((n + size - 1) // size):
        if r.random() < p_anchor:
            ts = anchor_s
        else:
            ts = iso_ms(now - timedelta(milliseconds=r.int(1000, horizon_ms)))
        out.extend([ts] * min(size, n - b * size))
    return out


def generate(store: Store, seed: int, now: datetime, people: int, time_off_per_person: int,
             documents_per_person: int, history_per_person: int) -> None:
    """Fills `store` with deterministic seeded data relative to `now`."""
    r = _Fast(seed, "hollyhr", "people")
    day = _Days(now.date())
    import_dt = (now - timedelta(days=400)).replace(microsecond=0)
    import_s = iso_ms(import_dt)
    n_imported = int(people * 0.6)
    # 40% of batches keep the bulk-import timestamp: thousands of people share one updated_at.
    upd = _batches(r, people, 10, now, import_dt, 0.4, 365)
    n_managers = max(1, people // 12)
    firsts, lasts, titles, depts, locs = fake.FIRST_NAMES, fake.LAST_NAMES, fake.JOB_TITLES, fake.DEPARTMENTS, \
        fake.LOCATIONS
    history_rows: list[dict[str, Any]] = []
    people_tbl, emp_tbl = store.people, store.employments
    for i in range(people):
        n = i + 1
        pid = f"per_{n:06d}"
        first, last = r.pick(firsts), r.pick(lasts)
        etype = r.pick(EMPLOYMENT_TYPES)
        hire = -r.int(30, 3650)  # day offsets from today
        status, end_off = "active", None
        if r.random() < 0.08:
            status = "ended"
            end_off = hire + r.int(1, max(2, -hire))
        updated = upd[i]
        if i < n_imported:
            created = import_s
        else:
            if updated == import_s:
                updated = iso_ms(now - timedelta(milliseconds=r.int(1000, 300 * 86_400_000)))
            created = updated if r.random() < 0.4 else max(import_s, iso_ms(
                datetime.fromisoformat(updated[:-1] + "+00:00") - timedelta(days=r.int(1, 90))))
        job, dept = r.pick(titles), r.pick(depts)
        people_tbl[pid] = {
            "id": pid, "first_name": first, "last_name": last,
            "preferred_name": first[:3] if r.random() < 0.12 else None,
            "work_email": fake.email_for(first, last, n, EMAIL_DOMAIN),
            "job_title": job, "department": dept,
            "manager_id": None if i == 0 else f"per_{1 + r.int(0, min(i, n_managers)):06d}",
            "location": r.pick(locs), "employment_type": etype, "status": status,
            "start_date": day(hire), "end_date": day(end_off) if end_off is not None else None,
            "created_at": created, "updated_at": updated,
        }
        # past employments split [hire, current start); the current employment starts at the last cut
        span = max(1, (end_off if end_off is not None else 0) - 1 - hire)
        starts = [hire] + sorted(hire + r.int(1, span + 1) for _ in range(history_per_person))
        for k in range(history_per_person):
            history_rows.append({
                "id": "", "person_id": pid, "job_title": r.pick(titles),
                "department": dept if r.random() < 0.7 else r.pick(depts),
                "start_date": day(starts[k]), "end_date": day(max(starts[k], starts[k + 1] - 1)),
                "created_at": created,
            })
        emp_tbl[pid] = {
            "person_id": pid, "job_title": job, "department": dept, "start_date": day(starts[-1]),
            "employment_type": etype, "weekly_hours": weekly_hours_for(etype, r),
            "updated_at": updated if r.random() < 0.5 else created,
        }
    store.next_n["per"] = people + 1
    store.people_idx = SortedIndex([(p["updated_at"], p["id"]) for p in people_tbl.values()])
    by_person: dict[str, list[tuple[str, str]]] = {}
    for n, row in enumerate(history_rows, start=1):
        row["id"] = hid = f"emh_{n:07d}"
        store.history[hid] = row
        by_person.setdefault(row["person_id"], []).append((row["start_date"], hid))
    store.next_n["emh"] = len(history_rows) + 1
    store.history_idx = {pid: SortedIndex(keys) for pid, keys in by_person.items()}

    _gen_time_off(store, seed, now, people, time_off_per_person, day)
    _gen_documents(store, seed, now, people, documents_per_person, import_dt)


def _gen_time_off(store: Store, seed: int, now: datetime, people: int, per_person: int, day: _Days) -> None:
    r = _Fast(seed, "hollyhr", "time_off")
    total = people * per_person
    nightly = (now - timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
    upd = _batches(r, total, 25, now, nightly, 0.3, 200)
    today = now.date()
    weekday0 = today.weekday()
    lengths = (1, 1, 2, 3, 5, 10)
    future_status = ("approved", "approved", "requested")
    past_status = ("approved", "approved", "approved", "declined", "cancelled")
    table = store.time_off
    keys = []
    for i in range(total):
        pid = f"per_{1 + i // per_person:06d}"
        tid = f"tof_{i + 1:07d}"
        start = r.int(-180, 120)
        length = r.pick(lengths)
        if length == 1 and r.random() < 0.2:
            duration = 0.5
        else:
            full, rest = divmod(length, 7)
            wd = (weekday0 + start) % 7
            duration = float(max(1, full * 5 + sum(1 for k in range(rest) if (wd + k) % 7 < 5)))
        status = r.pick(future_status) if start > 0 else r.pick(past_status)
        table[tid] = {
            "id": tid, "person_id": pid, "policy": r.pick(fake.LEAVE_TYPES), "start_date": day(start),
            "end_date": day(start + length - 1), "duration_days": duration, "status": status, "updated_at": upd[i],
        }
        keys.append((upd[i], tid))
    store.next_n["tof"] = total + 1
    store.time_off_idx = SortedIndex(keys)


def _gen_documents(store: Store, seed: int, now: datetime, people: int, per_person: int,
                   import_dt: datetime) -> None:
    r = _Fast(seed, "hollyhr", "documents")
    total = people * per_person
    upd = _batches(r, total, 20, now, import_dt, 0.35, 365)
    categories = list(DOC_CATEGORIES)
    table = store.documents
    keys = []
    for i in range(total):
        pid = f"per_{1 + i // per_person:06d}"
        did = f"doc_{i + 1:07d}"
        cat = r.pick(categories)
        title, ext = DOC_CATEGORIES[cat]
        deleted = upd[i] if r.random() < 0.05 else None
        table[did] = {
            "id": did, "person_id": pid, "title": title, "category": cat,
            "file_name": f"{cat}_{pid}_{i + 1}.{ext}", "content_type": CONTENT_TYPES[ext],
            "size_bytes": r.int(20_000, 4_000_000), "uploaded_at": upd[i], "updated_at": upd[i],
            "deleted_at": deleted,
        }
        keys.append((upd[i], did))
    store.next_n["doc"] = total + 1
    store.documents_idx = SortedIndex(keys)
