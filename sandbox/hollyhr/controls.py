"""Control API of the HollyHR emulator: mutations, keys, cursors, webhook deliveries (used by tests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sandbox import fake
from sandbox.core import Clock, RateWindow, iso_ms
from sandbox.hollyhr import data as d
from sandbox.hollyhr.cursors import CursorCodec
from sandbox.hollyhr.webhooks import SIGNATURE_HEADER, post, signature_header

RESOURCES = ("people", "time_off", "documents", "employments", "employment_history")


def _check_fields(fields: dict[str, Any], allowed: Iterable[str], what: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise KeyError(f"unknown {what} field(s): {sorted(unknown)}")


class ControlsMixin:
    """Plain-Python control methods of :class:`~sandbox.hollyhr.app.HollyHRApp`."""

    # provided by HollyHRApp / VendorApp
    store: d.Store
    lock: threading.RLock
    clock: Clock
    seed: int
    cursors: CursorCodec
    keys: dict[str, set[str]]
    revoked: set[str]
    webhooks: dict[str, dict[str, Any]]
    webhook_secrets: dict[str, str]
    deliveries: list[dict[str, Any]]
    preauth: RateWindow
    _route_windows: dict[str, RateWindow]
    _rate_enabled: bool

    def _parse_stamp(self, value: str | datetime | None) -> str:  # pragma: no cover - defined by the app
        raise NotImplementedError

    def _next_n(self) -> int:  # pragma: no cover - defined by the app
        raise NotImplementedError

    # --- keys, limits, cursors -----------------------------------------------------------
    def add_key(self, token: str, scopes: Iterable[str]) -> None:
        """Registers an API key with the given scopes (e.g. ``["people:read"]``); un-revokes it."""
        with self.lock:
            self.keys[token] = set(scopes)
            self.revoked.discard(token)

    def revoke_key(self, token: str) -> None:
        """Revokes a key: its requests get ``401 authentication_required`` from now on."""
        with self.lock:
            self.revoked.add(token)

    def set_rate_limits(self, enabled: bool) -> None:
        """Turns both the pre-auth and the route buckets on or off (headers are sent either way)."""
        with self.lock:
            self._rate_enabled = enabled
            self.preauth.enabled = enabled
            for win in self._route_windows.values():
                win.enabled = enabled

    def spend_route_budget(self, template: str, token: str, method: str = "GET") -> None:
        """Uses up what is left of a route's current window for `token`, as another client on the key would.

        `template` is the route as the API declares it, e.g. ``/people/{id}/employment``.
        """
        window = self._window(method, template)
        while window.hit(token)[1] > 0:
            pass
        window.hit(token)  # the last one left

    def _window(self, method: str, template: str) -> RateWindow:  # pragma: no cover - defined by the app
        raise NotImplementedError

    def expire_cursors(self) -> None:
        """Invalidates every cursor issued so far (they answer ``400 invalid_request``, "expired")."""
        with self.lock:
            self.cursors.generation += 1

    # --- read helpers ----------------------------------------------------------------------
    def person_ids(self) -> list[str]:
        """All person ids in id order."""
        with self.lock:
            return sorted(self.store.people)

    def _table(self, resource: str) -> dict[str, dict[str, Any]]:
        tables = {"people": self.store.people, "time_off": self.store.time_off, "documents": self.store.documents,
                  "employments": self.store.employments, "employment_history": self.store.history}
        if resource not in tables:
            raise KeyError(f"resource must be one of {RESOURCES}")
        return tables[resource]

    def count(self, resource: str) -> int:
        """Number of records of `resource` (one of people, time_off, documents, employments, employment_history)."""
        with self.lock:
            return len(self._table(resource))

    def records(self, resource: str) -> list[dict[str, Any]]:
        """Copies of all records of `resource`, ordered by id (employments by person_id)."""
        with self.lock:
            table = self._table(resource)
            return [dict(table[k]) for k in sorted(table)]

    def person(self, person_id: str) -> dict[str, Any]:
        """A copy of one person."""
        with self.lock:
            return dict(self.store.people[person_id])

    def person_etag(self, person_id: str) -> str:
        """The current strong ETag of ``GET /people/{id}``."""
        with self.lock:
            return d.etag_of(self.store.people[person_id])

    def employment_etag(self, person_id: str) -> str:
        """The current strong ETag of ``GET /people/{id}/employment``."""
        with self.lock:
            return d.etag_of(self.store.employments[person_id])

    # --- people --------------------------------------------------------------------------
    def update_person(self, person_id: str, updated_at: str | datetime | None = None, **fields: Any) -> dict[str, Any]:
        """Changes person fields (job_title/department/employment_type also change the employment).

        Args:
            person_id: e.g. ``"per_000001"``.
            updated_at: the change time (default: the clock's now).
            **fields: any person fields except ``id``/``updated_at``.

        Returns:
            A copy of the new person record.
        """
        _check_fields(fields, [f for f in d.PERSON_FIELDS if f not in ("id", "updated_at")], "person")
        with self.lock:
            self.store.people[person_id]  # noqa: B018 - KeyError for unknown ids
            return dict(self.store.update_person(person_id, fields, self._parse_stamp(updated_at)))

    def purge_person(self, person_id: str) -> None:
        """The person is erased at the vendor (e.g. on request): every route answers ``404`` for them."""
        with self.lock:
            person = self.store.people.pop(person_id)
            self.store.people_idx.remove((person["updated_at"], person_id))
            self.store.employments.pop(person_id, None)
            for key in self.store.history_idx.pop(person_id, d.SortedIndex()).keys:
                self.store.history.pop(key[1], None)

    def add_person_field(self, name: str, values: dict[str, Any],
                         updated_at: str | datetime | None = None) -> None:
        """HollyHR starts sending a new person field: ``name`` on every person, ``values[id]`` (else null).

        Persons given a value are changed (``updated_at`` bumped); the others only carry the null.
        """
        if name in d.PERSON_FIELDS:
            raise KeyError(f"person field {name!r} exists already")
        with self.lock:
            ts = self._parse_stamp(updated_at)
            for pid, rec in self.store.people.items():
                rec[name] = values.get(pid)
            for pid in values:
                self.store.bump_person(pid, ts)

    def add_person(self, updated_at: str | datetime | None = None, **fields: Any) -> str:
        """Creates an active person (and its current employment) with generated defaults; returns its id."""
        _check_fields(fields, [f for f in d.PERSON_FIELDS if f not in ("id", "updated_at", "created_at")]
                      + ["weekly_hours"], "person")
        with self.lock:
            ts = self._parse_stamp(updated_at)
            pid = self.store.new_id("per")
            n = int(pid[4:])
            r = fake.rng(self.seed, "hollyhr", "add_person", n)
            first, last = fake.person_name(r)
            etype = fields.get("employment_type", "full_time")
            rec = {
                "id": pid, "first_name": first, "last_name": last, "preferred_name": None,
                "work_email": fake.email_for(fields.get("first_name", first), fields.get("last_name", last), n,
                                             d.EMAIL_DOMAIN),
                "job_title": r.choice(fake.JOB_TITLES), "department": r.choice(fake.DEPARTMENTS),
                "manager_id": d.person_id(1) if n > 1 else None, "location": r.choice(fake.LOCATIONS),
                "employment_type": etype, "status": "active", "start_date": self.clock.now().date().isoformat(),
                "end_date": None, "created_at": ts, "updated_at": ts,
            }
            weekly = fields.pop("weekly_hours", None)
            rec.update(fields)
            self.store.employments[pid] = {
                "person_id": pid, "job_title": rec["job_title"], "department": rec["department"],
                "start_date": rec["start_date"], "employment_type": rec["employment_type"],
                "weekly_hours": float(weekly) if weekly is not None else d.weekly_hours_for(rec["employment_type"], r),
                "updated_at": ts,
            }
            self.store.history_idx[pid] = d.SortedIndex()
            self.store.put_person(rec)
            return pid

    def end_person(self, person_id: str, end_date: str | None = None,
                   updated_at: str | datetime | None = None) -> dict[str, Any]:
        """Ends a person: ``status="ended"``, ``end_date`` (default: the clock's today), ``updated_at``."""
        with self.lock:
            end = end_date or self.clock.now().date().isoformat()
            return dict(self.store.update_person(person_id, {"status": "ended", "end_date": end},
                                                 self._parse_stamp(updated_at)))

    def reactivate_person(self, person_id: str, updated_at: str | datetime | None = None) -> dict[str, Any]:
        """Makes an ended person active again (``end_date`` cleared)."""
        with self.lock:
            return dict(self.store.update_person(person_id, {"status": "active", "end_date": None},
                                                 self._parse_stamp(updated_at)))

    def touch_people(self, ids: Iterable[str], updated_at: str | datetime | None = None) -> str:
        """Stamps one shared ``updated_at`` on many people without other changes; returns that timestamp."""
        with self.lock:
            ts = self._parse_stamp(updated_at)
            for pid in ids:
                self.store.bump_person(pid, ts)
            return ts

    # --- employment ------------------------------------------------------------------------
    def update_employment(self, person_id: str, updated_at: str | datetime | None = None,
                          **fields: Any) -> dict[str, Any]:
        """Changes the current employment; the person's mirrored fields and ``updated_at`` follow."""
        _check_fields(fields, [f for f in d.EMPLOYMENT_FIELDS if f not in ("person_id", "updated_at")], "employment")
        with self.lock:
            self.store.people[person_id]  # noqa: B018 - KeyError for unknown ids
            return dict(self.store.update_employment(person_id, fields, self._parse_stamp(updated_at)))

    def add_history(self, person_id: str, updated_at: str | datetime | None = None, **fields: Any) -> str:
        """Appends a past employment (defaults: current title/department, the year before the current start).

        Bumps the person's ``updated_at``; ``created_at`` of the entry is the same stamp. Returns the ``emh_`` id.
        """
        _check_fields(fields, [f for f in d.HISTORY_FIELDS if f not in ("id", "person_id", "created_at")],
                      "employment history")
        with self.lock:
            emp = self.store.employments[person_id]
            ts = self._parse_stamp(updated_at)
            cur = date.fromisoformat(emp["start_date"])
            rec = {"id": self.store.new_id("emh"), "person_id": person_id, "job_title": emp["job_title"],
                   "department": emp["department"], "start_date": (cur - timedelta(days=365)).isoformat(),
                   "end_date": (cur - timedelta(days=1)).isoformat(), "created_at": ts}
            rec.update(fields)
            return str(self.store.add_history(rec, ts)["id"])

    def change_employment(self, person_id: str, start_date: str, updated_at: str | datetime | None = None,
                          **fields: Any) -> str:
        """A new employment from `start_date` (which may lie in the future: a future-dated change).

        The current employment becomes a past one ending the day before `start_date`; the new one gets
        `fields` (job_title, department, ...) over the current ones, and the person mirrors them.
        Returns the id of the past employment.
        """
        _check_fields(fields, [f for f in d.EMPLOYMENT_FIELDS if f not in ("person_id", "updated_at", "start_date")],
                      "employment")
        with self.lock:
            emp = self.store.employments[person_id]
            ts = self._parse_stamp(updated_at)
            ended = (date.fromisoformat(start_date) - timedelta(days=1)).isoformat()
            rec = {"id": self.store.new_id("emh"), "person_id": person_id, "job_title": emp["job_title"],
                   "department": emp["department"], "start_date": emp["start_date"], "end_date": ended,
                   "created_at": ts}
            self.store.add_history(rec, ts)
            self.store.update_employment(person_id, {**fields, "start_date": start_date}, ts)
            return str(rec["id"])

    def correct_history(self, entry_id: str, updated_at: str | datetime | None = None,
                        **fields: Any) -> dict[str, Any]:
        """Corrects a past employment after the fact (a retroactive change: other dates, department, title).

        The person's ``updated_at`` is bumped, as HollyHR does, so the change is read again. Returns a
        copy of the corrected entry.
        """
        _check_fields(fields, ["job_title", "department", "start_date", "end_date"], "employment history")
        with self.lock:
            rec = self.store.history[entry_id]
            index = self.store.history_idx[rec["person_id"]]
            old_key = (rec["start_date"], entry_id)
            rec.update(fields)
            index.move(old_key, (rec["start_date"], entry_id))
            self.store.bump_person(rec["person_id"], self._parse_stamp(updated_at))
            return dict(rec)

    # --- time-off --------------------------------------------------------------------------
    def update_time_off(self, time_off_id: str, updated_at: str | datetime | None = None,
                        **fields: Any) -> dict[str, Any]:
        """Changes a time-off request (e.g. ``status="approved"``); stamps ``updated_at``."""
        _check_fields(fields, [f for f in d.TIME_OFF_FIELDS if f not in ("id", "updated_at")], "time-off")
        with self.lock:
            self.store.time_off[time_off_id]  # noqa: B018 - KeyError for unknown ids
            return dict(self.store.update_indexed("time_off", time_off_id, fields, self._parse_stamp(updated_at)))

    def add_time_off(self, person_id: str, updated_at: str | datetime | None = None, **fields: Any) -> str:
        """Creates a time-off request (default: one requested annual-leave day in two weeks); returns its id."""
        _check_fields(fields, [f for f in d.TIME_OFF_FIELDS if f not in ("id", "person_id", "updated_at")],
                      "time-off")
        with self.lock:
            self.store.people[person_id]  # noqa: B018 - KeyError for unknown ids
            day = (self.clock.now().date() + timedelta(days=14)).isoformat()
            rec = {"id": self.store.new_id("tof"), "person_id": person_id, "policy": "annual", "start_date": day,
                   "end_date": day, "duration_days": 1.0, "status": "requested",
                   "updated_at": self._parse_stamp(updated_at)}
            rec.update(fields)
            self.store.put_time_off(rec)
            return str(rec["id"])

    # --- documents -------------------------------------------------------------------------
    def delete_document(self, document_id: str, updated_at: str | datetime | None = None) -> dict[str, Any]:
        """Soft-deletes a document: ``deleted_at`` and ``updated_at`` set; it stays listed."""
        with self.lock:
            ts = self._parse_stamp(updated_at)
            return dict(self.store.update_indexed("documents", document_id, {"deleted_at": ts}, ts))

    def add_document(self, person_id: str, updated_at: str | datetime | None = None, **fields: Any) -> str:
        """Uploads document metadata (default: a contract PDF); returns its ``doc_`` id."""
        _check_fields(fields, [f for f in d.DOCUMENT_FIELDS if f not in ("id", "person_id", "updated_at")],
                      "document")
        with self.lock:
            self.store.people[person_id]  # noqa: B018 - KeyError for unknown ids
            ts = self._parse_stamp(updated_at)
            did = self.store.new_id("doc")
            rec = {"id": did, "person_id": person_id, "title": "Employment contract", "category": "contract",
                   "file_name": f"contract_{person_id}_{did}.pdf", "content_type": "application/pdf",
                   "size_bytes": 120_000, "uploaded_at": ts, "updated_at": ts, "deleted_at": None}
            rec.update(fields)
            self.store.put_document(rec)
            return did

    def update_document(self, document_id: str, updated_at: str | datetime | None = None,
                        **fields: Any) -> dict[str, Any]:
        """Changes document metadata (e.g. ``title``); stamps ``updated_at``."""
        _check_fields(fields, [f for f in d.DOCUMENT_FIELDS if f not in ("id", "updated_at")], "document")
        with self.lock:
            self.store.documents[document_id]  # noqa: B018 - KeyError for unknown ids
            return dict(self.store.update_indexed("documents", document_id, fields, self._parse_stamp(updated_at)))

    # --- webhooks --------------------------------------------------------------------------
    def webhook_secret(self, webhook_id: str) -> str:
        """The current plaintext signing secret of a webhook (tests only; the API shows it once)."""
        with self.lock:
            return self.webhook_secrets[webhook_id]

    def deliver(self, url: str, event_type: str, person_id: str, *, secret: str | None = None,
                timestamp: int | float | datetime | None = None, tamper: bool = False,
                event_id: str | None = None) -> int:
        """POSTs one signed webhook delivery to a receiver and returns its HTTP status (0: unreachable).

        Args:
            url: the receiver URL.
            event_type: e.g. ``"person.updated"``.
            person_id: goes to ``data.id``.
            secret: signing secret; default: the current secret of the webhook registered for `url`.
            timestamp: the signed ``t`` (unix seconds or datetime); default: the clock's now.
            tamper: change the body after signing (the signature no longer verifies).
            event_id: default a fresh ``evt_...`` id (pass an old one to model a duplicate delivery).
        """
        with self.lock:
            if secret is None:
                matches = [w for w in sorted(self.webhooks) if self.webhooks[w]["url"] == url]
                if not matches:
                    raise ValueError(f"no webhook registered for {url}; pass secret=")
                secret = self.webhook_secrets[matches[-1]]
            now = self.clock.now()
            eid = event_id or f"evt_{self._next_n():012d}"
        if isinstance(timestamp, datetime):
            t = int(timestamp.timestamp())
        else:
            t = int(timestamp if timestamp is not None else now.timestamp())
        payload = {"id": eid, "type": event_type, "created_at": iso_ms(now), "data": {"id": person_id}}
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        header = signature_header(secret, t, body)
        if tamper:
            body = body.replace(b'"data":', b'"data": ', 1)
        status = post(url, body, {"Content-Type": "application/json", SIGNATURE_HEADER: header,
                                  "User-Agent": "HollyHR-Webhooks/1.0"})
        with self.lock:
            self.deliveries.append({"id": eid, "url": url, "type": event_type, "t": t, "status": status,
                                    "tampered": tamper})
        return status
