"""Contract tests of the HollyHR emulator over real HTTP (shared/providers/hollyhr.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests

from sandbox.core import Clock
from sandbox.hollyhr import DEFAULT_TOKEN, HollyHRApp, sign, signature_header
from sandbox.server import AppServer


class Client:
    def __init__(self, server: AppServer, token: str | None = DEFAULT_TOKEN) -> None:
        self.base = server.base_url
        self.token = token
        self.s = requests.Session()

    def _headers(self, token: str | None, extra: dict[str, str] | None) -> dict[str, str]:
        h = {"Accept": "application/json"}
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        h.update(extra or {})
        return h

    def get(self, path: str, token: str | None | bool = True, headers: dict[str, str] | None = None,
            **params: Any) -> requests.Response:
        tok = self.token if token is True else (None if token is False else token)
        return self.s.get(self.base + path, params=params, headers=self._headers(tok, headers))

    def write(self, method: str, path: str, body: Any = None, key: str | None = None, if_match: str | None = None,
              token: str | None = None) -> requests.Response:
        extra = {"Content-Type": "application/json"}
        if key is not None:
            extra["Idempotency-Key"] = key
        if if_match is not None:
            extra["If-Match"] = if_match
        data = json.dumps(body) if body is not None else None
        return self.s.request(method, self.base + path, data=data, headers=self._headers(token or self.token, extra))

    def walk(self, path: str, **params: Any) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        cursor = None
        for _ in range(10_000):
            q = dict(params)
            if cursor:
                q["cursor"] = cursor
            r = self.get(path, **q)
            assert r.status_code == 200, r.text
            body = r.json()
            rows.extend(body["data"])
            if not body["pagination"]["has_more"]:
                assert body["pagination"]["next_cursor"] is None
                return rows
            cursor = body["pagination"]["next_cursor"]
        raise AssertionError("walk did not end")


def start(**kwargs: Any) -> tuple[HollyHRApp, AppServer, Client]:
    kwargs.setdefault("clock", Clock(frozen=False))
    app = HollyHRApp(**kwargs)
    server = AppServer(app).start()
    return app, server, Client(server)


@pytest.fixture
def env() -> Iterator[tuple[HollyHRApp, Client]]:
    app, server, client = start()
    yield app, client
    server.stop()


def assert_error(r: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code
    assert err["request_id"].startswith("req_")
    assert r.headers["X-Request-Id"] == err["request_id"]
    assert isinstance(err["details"], list) and isinstance(err["message"], str)
    return dict(err)


def key_order(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["updated_at"], r["id"]) for r in rows]


# --- auth ---------------------------------------------------------------------------------
def test_auth_errors(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    assert_error(c.get("/people", token=False), 401, "authentication_required")
    assert_error(c.get("/people", token="nope"), 401, "authentication_required")
    r = c.s.get(c.base + "/people", headers={"Authorization": f"Basic {DEFAULT_TOKEN}"})
    assert_error(r, 401, "authentication_required")
    app.add_key("hhr_timeoff_only", ["time_off:read"])
    assert c.get("/time-off", token="hhr_timeoff_only").status_code == 200
    for path in ("/people", "/people/per_000001", "/people/per_000001/employment",
                 "/people/per_000001/employment-history", "/documents", "/webhooks"):
        assert_error(c.get(path, token="hhr_timeoff_only"), 403, "permission_denied")
    app.revoke_key("hhr_timeoff_only")
    assert_error(c.get("/time-off", token="hhr_timeoff_only"), 401, "authentication_required")
    assert app.credentials() == {"api_token": DEFAULT_TOKEN}


def test_success_headers(env: tuple[HollyHRApp, Client]) -> None:
    _, c = env
    r = c.get("/people", limit=5)
    assert r.status_code == 200
    assert r.headers["X-Request-Id"].startswith("req_")
    assert r.headers["RateLimit-Limit"] == "600"
    assert r.headers["RateLimit-Remaining"] == "599"
    assert 0 < int(r.headers["RateLimit-Reset"]) <= 60
    assert r.headers["Content-Type"] == "application/json"


def test_unknown_path_and_method(env: tuple[HollyHRApp, Client]) -> None:
    _, c = env
    assert_error(c.get("/nothing"), 404, "not_found")
    assert_error(c.get("/people/per_999999"), 404, "not_found")
    assert_error(c.get("/people/per_999999/employment"), 404, "not_found")
    assert_error(c.get("/people/per_999999/employment-history"), 404, "not_found")
    assert_error(c.write("DELETE", "/people/per_000001", key="k"), 404, "not_found")


# --- lists, cursors, filters --------------------------------------------------------------
@pytest.mark.parametrize("path,resource", [("/people", "people"), ("/time-off", "time_off"),
                                           ("/documents", "documents")])
def test_full_walk_ordered_once(env: tuple[HollyHRApp, Client], path: str, resource: str) -> None:
    app, c = env
    rows = c.walk(path, limit=37)
    keys = key_order(rows)
    assert keys == sorted(keys)
    assert len({r["id"] for r in rows}) == len(rows) == app.count(resource)
    assert sorted(rows, key=lambda r: r["id"]) == app.records(resource)


def test_default_and_max_limit(env: tuple[HollyHRApp, Client]) -> None:
    _, c = env
    body = c.get("/people").json()
    assert len(body["data"]) == 50 and body["pagination"]["limit"] == 50 and body["pagination"]["has_more"]
    assert body["pagination"]["next_cursor"].startswith("cursor_")
    body = c.get("/people", limit=200).json()
    assert len(body["data"]) == 200 and body["pagination"] == {"next_cursor": None, "has_more": False, "limit": 200}
    for bad in ("0", "201", "-1", "abc", "1.5", ""):
        err = assert_error(c.get("/people", limit=bad), 400, "invalid_request")
        assert err["details"][0]["field"] == "limit"


def test_many_records_share_updated_at(env: tuple[HollyHRApp, Client]) -> None:
    app, _ = env
    from collections import Counter
    for resource in ("people", "time_off", "documents"):
        top = Counter(r["updated_at"] for r in app.records(resource)).most_common(1)[0][1]
        assert top >= 10, resource


def test_updated_since_inclusive_and_boundary_ties(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    people = sorted(app.records("people"), key=lambda r: (r["updated_at"], r["id"]))
    ts = people[len(people) // 2]["updated_at"]
    expected = [r for r in people if r["updated_at"] >= ts]
    assert sum(1 for r in expected if r["updated_at"] == ts) >= 1
    rows = c.walk("/people", updated_since=ts, limit=3)  # small pages split the tie group
    assert [r["id"] for r in rows] == [r["id"] for r in expected]
    # the shared import timestamp: a large tie group, walked in pages of 7
    from collections import Counter
    big_ts, n = Counter(r["updated_at"] for r in people).most_common(1)[0]
    rows = c.walk("/people", updated_since=big_ts, limit=7)
    assert sum(1 for r in rows if r["updated_at"] == big_ts) == n
    assert len(rows) == len({r["id"] for r in rows}) == sum(1 for r in people if r["updated_at"] >= big_ts)
    # other time zone spellings of the same instant
    assert c.get("/people", updated_since=ts.replace("Z", "+00:00")).json()["data"][0]["updated_at"] >= ts
    for bad in ("yesterday", "2026-13-01T00:00:00Z", "2026-06-16T09:00:00"):
        err = assert_error(c.get("/people", updated_since=bad), 400, "invalid_request")
        assert err["details"][0]["field"] == "updated_since"


def test_updated_since_future_is_empty(env: tuple[HollyHRApp, Client]) -> None:
    _, c = env
    body = c.get("/people", updated_since="2030-01-01T00:00:00.000Z").json()
    assert body == {"data": [], "pagination": {"next_cursor": None, "has_more": False, "limit": 50}}


def test_cursor_errors(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    cursor = c.get("/people", limit=5).json()["pagination"]["next_cursor"]
    assert c.get("/people", limit=5, cursor=cursor).status_code == 200
    tampered = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    for bad in ("garbage", "cursor_", "cursor_!!!", tampered, "cursor_" + "QUFB" * 10):
        err = assert_error(c.get("/people", cursor=bad), 400, "invalid_request")
        assert err["details"][0]["field"] == "cursor"
    assert_error(c.get("/time-off", cursor=cursor), 400, "invalid_request")  # another endpoint's cursor
    assert_error(c.get("/people", cursor=cursor, updated_since="2030-01-01T00:00:00Z"), 400, "invalid_request")
    # expiry by age on the app clock
    app.clock.advance(hours=25)
    err = assert_error(c.get("/people", cursor=cursor), 400, "invalid_request")
    assert "expired" in err["message"].lower() and err["details"][0]["issue"] == "expired"
    # expiry by control
    cursor = c.get("/people", limit=5).json()["pagination"]["next_cursor"]
    app.expire_cursors()
    err = assert_error(c.get("/people", cursor=cursor), 400, "invalid_request")
    assert "expired" in err["message"].lower()


def test_cursor_keeps_filter_and_accepts_changed_limit(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    people = sorted(app.records("people"), key=lambda r: (r["updated_at"], r["id"]))
    ts = people[100]["updated_at"]
    first = c.get("/people", updated_since=ts, limit=4).json()
    nxt = c.get("/people", cursor=first["pagination"]["next_cursor"], limit=9).json()  # filter from the cursor
    ids = [r["id"] for r in first["data"] + nxt["data"]]
    assert ids == [r["id"] for r in people if r["updated_at"] >= ts][:13]
    assert nxt["pagination"]["limit"] == 9


def test_record_changed_mid_walk_reappears(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    first_page = c.get("/people", limit=20).json()
    changed = first_page["data"][3]["id"]
    app.update_person(changed, job_title="Chief Cursor Officer")
    rows = first_page["data"] + c.walk("/people", limit=20, cursor=first_page["pagination"]["next_cursor"])
    ids = [r["id"] for r in rows]
    assert ids.count(changed) == 2
    assert rows[-1]["id"] == changed and rows[-1]["job_title"] == "Chief Cursor Officer"
    assert len(set(ids)) == app.count("people")


def test_mutation_from_after_request_hook(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    ids = app.person_ids()

    def touch(_: object) -> None:
        app.touch_people(ids[:30])

    app.after_request(2, touch, route="/people")
    rows = c.walk("/people", limit=50)
    assert {r["id"] for r in rows} == set(ids)
    assert len(rows) > len(ids)  # touched people already served came back at the end


# --- single resources ---------------------------------------------------------------------
def test_person_and_employment_etags(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    r = c.get("/people/per_000007")
    assert r.status_code == 200 and r.json() == app.person("per_000007")
    etag = r.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/") and etag == app.person_etag("per_000007")
    assert set(r.json()) == {"id", "first_name", "last_name", "preferred_name", "work_email", "job_title",
                             "department", "manager_id", "location", "employment_type", "status", "start_date",
                             "end_date", "created_at", "updated_at"}
    assert c.get("/people/per_000007", headers={"If-None-Match": etag}).status_code == 304
    e = c.get("/people/per_000007/employment")
    assert e.status_code == 200 and e.headers["ETag"] == app.employment_etag("per_000007") != etag
    assert set(e.json()) == {"person_id", "job_title", "department", "start_date", "employment_type",
                             "weekly_hours", "updated_at"}
    before = app.person("per_000007")["updated_at"]
    app.clock.advance(seconds=5)
    app.update_employment("per_000007", weekly_hours=20)
    assert c.get("/people/per_000007/employment").headers["ETag"] != e.headers["ETag"]
    after = c.get("/people/per_000007")
    assert after.headers["ETag"] != etag and after.json()["updated_at"] > before  # employment bumps the person


def test_employment_history_pagination(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    pid = "per_000003"
    for k in range(5):
        app.add_history(pid, start_date=f"201{k}-01-01", end_date=f"201{k}-12-31", job_title=f"Role {k}")
    rows = c.walk(f"/people/{pid}/employment-history", limit=2)
    assert len(rows) == 7
    assert [(r["start_date"], r["id"]) for r in rows] == sorted((r["start_date"], r["id"]) for r in rows)
    assert set(rows[0]) == {"id", "person_id", "job_title", "department", "start_date", "end_date", "created_at"}
    cursor = c.get(f"/people/{pid}/employment-history", limit=2).json()["pagination"]["next_cursor"]
    assert_error(c.get("/people/per_000004/employment-history", cursor=cursor), 400, "invalid_request")
    new = app.add_person()
    body = c.get(f"/people/{new}/employment-history").json()
    assert body == {"data": [], "pagination": {"next_cursor": None, "has_more": False, "limit": 50}}


def test_documents_soft_delete(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    app.clock.advance(seconds=1)
    since = app.now_iso()
    doc = app.records("documents")[0]
    deleted = app.delete_document(doc["id"])
    assert deleted["deleted_at"] == deleted["updated_at"] >= since
    rows = c.walk("/documents", updated_since=since)
    assert [r["id"] for r in rows] == [doc["id"]] and rows[0]["deleted_at"] is not None
    assert any(r["deleted_at"] for r in c.walk("/documents", limit=200))
    assert set(rows[0]) == {"id", "person_id", "title", "category", "file_name", "content_type", "size_bytes",
                            "uploaded_at", "updated_at", "deleted_at"}


def test_time_off_shape_and_mutations(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    shared = "2026-11-20T13:00:00.000Z"
    app.clock.set(app.clock.now().replace(hour=13))
    tid = app.add_time_off("per_000002", updated_at=shared)
    first = app.records("time_off")[0]["id"]
    app.update_time_off(first, status="approved", updated_at=shared)
    rows = c.walk("/time-off", updated_since=shared, limit=1)
    assert [r["id"] for r in rows] == sorted([tid, first])
    assert set(rows[0]) == {"id", "person_id", "policy", "start_date", "end_date", "duration_days", "status",
                            "updated_at"}
    assert {r["status"] for r in app.records("time_off")} <= {"requested", "approved", "declined", "cancelled"}


def test_end_person_control(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    pid = next(p["id"] for p in app.records("people") if p["status"] == "active")
    rec = app.end_person(pid, end_date="2026-12-31")
    got = c.get(f"/people/{pid}").json()
    assert got["status"] == "ended" and got["end_date"] == "2026-12-31" and got["updated_at"] == rec["updated_at"]


# --- rate limits --------------------------------------------------------------------------
def test_route_rate_limit() -> None:
    app, server, c = start(route_limit=5, clock=Clock(frozen=True))
    try:
        for i in range(5):
            r = c.get(f"/people/per_00000{i + 1}")  # one route template for all ids
            assert r.status_code == 200 and r.headers["RateLimit-Remaining"] == str(4 - i)
        err = assert_error(c.get("/people/per_000009"), 429, "rate_limited")
        assert err
        r = c.get("/people/per_000009")
        assert r.headers["Retry-After"] == "60" and r.headers["RateLimit-Remaining"] == "0"
        assert r.headers["RateLimit-Limit"] == "5" and r.headers["RateLimit-Reset"] == "60"
        assert c.get("/people").status_code == 200  # another route, its own bucket
        app.add_key("other", ["people:read"])
        assert c.get("/people/per_000001", token="other").status_code == 200  # another key
        app.clock.advance(seconds=59.5)
        assert c.get("/people/per_000001").headers["Retry-After"] == "1"
        app.clock.advance(seconds=1)
        assert c.get("/people/per_000001").status_code == 200
    finally:
        server.stop()


def test_preauth_limit_never_starves_good_key() -> None:
    _, server, c = start(preauth_limit=3, clock=Clock(frozen=True))
    try:
        for _ in range(3):
            assert_error(c.get("/people", token="wrong"), 401, "authentication_required")
        r = c.get("/people", token="wrong")
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) > 0
        assert c.get("/people").status_code == 200
        assert_error(c.get("/people", token="another-wrong"), 401, "authentication_required")
    finally:
        server.stop()


def test_rate_limits_off_still_sends_headers() -> None:
    app, server, c = start(route_limit=2, preauth_limit=1, rate_limits=False)
    try:
        for _ in range(4):
            r = c.get("/people", limit=1)
            assert r.status_code == 200 and "RateLimit-Remaining" in r.headers
            assert_error(c.get("/people", token="wrong"), 401, "authentication_required")
        app.set_rate_limits(True)
        assert_error(c.get("/people", limit=1), 429, "rate_limited")
    finally:
        server.stop()


def test_route_limit_override() -> None:
    _, server, c = start(route_limits={"GET /people/{id}/employment": 1})
    try:
        assert c.get("/people/per_000001/employment").headers["RateLimit-Limit"] == "1"
        assert_error(c.get("/people/per_000002/employment"), 429, "rate_limited")
        assert c.get("/people/per_000002").headers["RateLimit-Limit"] == "600"
    finally:
        server.stop()


# --- faults -------------------------------------------------------------------------------
def test_injected_faults_use_envelope(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    app.inject("/people", "503")
    assert_error(c.get("/people"), 503, "server_error")
    app.inject("/people", "429", retry_after="7")
    r = c.get("/people")
    assert_error(r, 429, "rate_limited")
    assert r.headers["Retry-After"] == "7"
    assert c.get("/people").status_code == 200
    app.inject("/people", "truncated")
    with pytest.raises(ValueError):
        c.get("/people").json()
    assert [e.fault for e in app.requests("/people")][-4:] == ["503", "429", None, "truncated"]


# --- performance proxy --------------------------------------------------------------------
def test_page_cost_independent_of_size() -> None:
    app, server, c = start(people=100_000, time_off_per_person=0, documents_per_person=0, history_per_person=0)
    try:
        body = c.get("/people", limit=200).json()
        assert app.stats["records_scanned"] == 200
        mid = sorted(app.records("people"), key=lambda r: (r["updated_at"], r["id"]))[60_000]["updated_at"]
        body = c.get("/people", limit=50, updated_since=mid).json()
        assert app.stats["records_scanned"] == 250
        c.get("/people", limit=50, cursor=body["pagination"]["next_cursor"])
        assert app.stats["records_scanned"] == 300
    finally:
        server.stop()


# --- writes -------------------------------------------------------------------------------
def test_patch_person_preconditions_and_idempotency(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    pid = "per_000005"
    path = f"/people/{pid}"
    etag = c.get(path).headers["ETag"]
    body = {"job_title": "Principal Engineer"}
    assert_error(c.write("PATCH", path, body, if_match=etag), 400, "invalid_request")  # no Idempotency-Key
    assert_error(c.write("PATCH", path, body, key="k0"), 428, "precondition_required")
    assert_error(c.write("PATCH", path, body, key="k1", if_match='"stale"'), 412, "precondition_failed")
    assert_error(c.write("PATCH", path, body, key="k2", if_match="W/" + etag), 412, "precondition_failed")
    app.clock.advance(seconds=3)
    r = c.write("PATCH", path, body, key="k3", if_match=etag)
    assert r.status_code == 200, r.text
    assert r.json()["job_title"] == "Principal Engineer" and r.headers["ETag"] != etag
    assert r.json()["updated_at"] > app.records("people")[0]["created_at"]
    assert c.get(f"{path}/employment").json()["job_title"] == "Principal Engineer"
    replay = c.write("PATCH", path, body, key="k3", if_match=etag)
    assert replay.status_code == 200 and replay.content == r.content and replay.headers["Idempotent-Replayed"]
    assert_error(c.write("PATCH", path, {"job_title": "Other"}, key="k3", if_match=etag), 409,
                 "idempotency_conflict")
    assert_error(c.write("PATCH", "/people/per_000006", body, key="k3", if_match=etag), 409,
                 "idempotency_conflict")
    assert_error(c.write("PATCH", path, body, key="k3", if_match=r.headers["ETag"]), 409, "idempotency_conflict")
    assert_error(c.write("PATCH", path, body, key="k4", if_match=etag), 412, "precondition_failed")  # now stale
    err = assert_error(c.write("PATCH", path, {"status": "ended", "salary": 1}, key="k5",
                               if_match=r.headers["ETag"]), 400, "invalid_request")
    assert {d["field"] for d in err["details"]} == {"status", "salary"}
    err = assert_error(c.write("PATCH", path, {"manager_id": "per_999999"}, key="k6", if_match=r.headers["ETag"]),
                       400, "invalid_request")
    assert err["details"][0]["field"] == "manager_id"
    assert_error(c.write("PATCH", "/people/per_999999", body, key="k7", if_match=etag), 404, "not_found")
    assert c.get(path).json()["job_title"] == "Principal Engineer"


def test_write_needs_write_scope(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    app.add_key("ro", ["people:read"])
    etag = c.get("/people/per_000001").headers["ETag"]
    r = c.write("PATCH", "/people/per_000001", {"job_title": "x"}, key="k", if_match=etag, token="ro")
    assert_error(r, 403, "permission_denied")


def test_end_and_reactivate(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    pid = next(p["id"] for p in app.records("people") if p["status"] == "active")
    path = f"/people/{pid}"
    etag = c.get(path).headers["ETag"]
    assert_error(c.write("POST", f"{path}/end", {"end_date": "2026-07-31"}, key="e0"), 428, "precondition_required")
    r = c.write("POST", f"{path}/end", {"end_date": "2026-12-31"}, key="e1", if_match=etag)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ended" and r.json()["end_date"] == "2026-12-31"
    assert c.write("POST", f"{path}/end", {"end_date": "2026-12-31"}, key="e1", if_match=etag).content == r.content
    assert_error(c.write("POST", f"{path}/end", {}, key="e2", if_match=r.headers["ETag"]), 400, "invalid_request")
    r2 = c.write("POST", f"{path}/reactivate", {}, key="r1", if_match=r.headers["ETag"])
    assert r2.status_code == 200 and r2.json()["status"] == "active" and r2.json()["end_date"] is None
    assert_error(c.write("POST", f"{path}/end", {"end_date": "1990-01-01"}, key="e3", if_match=r2.headers["ETag"]),
                 400, "invalid_request")


def test_patch_employment(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    path = "/people/per_000010/employment"
    person_etag = c.get("/people/per_000010").headers["ETag"]
    emp_etag = c.get(path).headers["ETag"]
    body = {"job_title": "People Lead", "start_date": "2026-02-01"}
    assert_error(c.write("PATCH", path, body, key="m1", if_match=person_etag), 412, "precondition_failed")
    app.clock.advance(seconds=2)
    r = c.write("PATCH", path, body, key="m2", if_match=emp_etag)
    assert r.status_code == 200, r.text
    assert r.json()["job_title"] == "People Lead" and r.json()["start_date"] == "2026-02-01"
    person = c.get("/people/per_000010").json()
    assert person["job_title"] == "People Lead" and person["updated_at"] == r.json()["updated_at"]
    assert_error(c.write("PATCH", path, {"weekly_hours": 500}, key="m3", if_match=r.headers["ETag"]), 400,
                 "invalid_request")


def test_post_employment_history(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    path = "/people/per_000011/employment-history"
    before = app.person("per_000011")["updated_at"]
    app.clock.advance(seconds=2)
    body = {"job_title": "People Lead", "start_date": "2026-03-01"}
    assert_error(c.write("POST", path, body), 400, "invalid_request")
    r = c.write("POST", path, body, key="h1")
    assert r.status_code == 201, r.text
    assert r.json()["id"].startswith("emh_") and r.json()["person_id"] == "per_000011"
    assert c.write("POST", path, body, key="h1").json() == r.json()
    assert app.count("employment_history") == 401
    err = assert_error(c.write("POST", path, {**body, "reason": "promotion", "compensation": 1}, key="h2"),
                       400, "invalid_request")
    assert {d["issue"] for d in err["details"]} == {"unsupported_field"}
    assert_error(c.write("POST", path, {"start_date": "2026-03-01"}, key="h3"), 400, "invalid_request")
    assert app.person("per_000011")["updated_at"] > before
    assert r.json()["id"] in {x["id"] for x in c.walk(path)}


# --- webhooks -----------------------------------------------------------------------------
class Receiver:
    def __init__(self, status: int = 200) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append((dict(self.headers.items()), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = HTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def verify(secret: str, header: str, body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(","))
    mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts["v1"])


def test_webhooks_manage_and_deliver(env: tuple[HollyHRApp, Client]) -> None:
    app, c = env
    rcv = Receiver()
    try:
        app.add_key("reader", ["people:read"])
        assert_error(c.get("/webhooks", token="reader"), 403, "permission_denied")
        assert_error(c.write("POST", "/webhooks", {"url": rcv.url}), 400, "invalid_request")
        r = c.write("POST", "/webhooks", {"url": rcv.url, "events": ["person.updated"]}, key="w1")
        assert r.status_code == 201, r.text
        hook = r.json()
        assert hook["secret"].startswith("whsec_") and hook["id"].startswith("wh_")
        listed = c.get("/webhooks").json()["data"]
        assert len(listed) == 1 and "secret" not in listed[0]
        assert_error(c.write("POST", "/webhooks", {"url": "ftp://x"}, key="w2"), 400, "invalid_request")
        rot = c.write("POST", f"/webhooks/{hook['id']}/rotate", {}, key="w3")
        assert rot.status_code == 200 and rot.json()["secret"] != hook["secret"]
        assert app.webhook_secret(hook["id"]) == rot.json()["secret"]
        assert_error(c.write("POST", "/webhooks/wh_999999/rotate", {}, key="w4"), 404, "not_found")

        assert app.deliver(rcv.url, "person.updated", "per_000001") == 200
        headers, body = rcv.got[-1]
        payload = json.loads(body)
        assert payload["type"] == "person.updated" and payload["data"] == {"id": "per_000001"}
        assert payload["id"].startswith("evt_") and payload["created_at"].endswith("Z")
        sig = headers["HollyHR-Signature"]
        assert verify(rot.json()["secret"], sig, body) and not verify(hook["secret"], sig, body)
        t = int(sig.split(",")[0][2:])
        secret = rot.json()["secret"]
        assert sig == signature_header(secret, t, body) == f"t={t},v1={sign(secret, t, body)}"

        app.deliver(rcv.url, "person.updated", "per_000001", tamper=True, timestamp=1_000, event_id=payload["id"])
        headers, body = rcv.got[-1]
        assert not verify(rot.json()["secret"], headers["HollyHR-Signature"], body)
        assert headers["HollyHR-Signature"].startswith("t=1000,") and json.loads(body)["id"] == payload["id"]
        assert app.deliver(rcv.url, "x", "per_1", secret="whsec_other") == 200
        headers, body = rcv.got[-1]
        assert verify("whsec_other", headers["HollyHR-Signature"], body)
    finally:
        rcv.stop()
    assert app.deliver("http://127.0.0.1:9/", "person.updated", "per_000001", secret="s") == 0


def test_deliver_returns_receiver_status(env: tuple[HollyHRApp, Client]) -> None:
    app, _ = env
    rcv = Receiver(status=503)
    try:
        assert app.deliver(rcv.url, "person.updated", "per_000001", secret="whsec_x") == 503
    finally:
        rcv.stop()
