"""Contract tests of the ByteHR emulator over real HTTP on loopback (shared/providers/bytehr.md)."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from sandbox.bytehr import DEFAULT_KEY, ByteHRApp
from sandbox.core import Clock
from sandbox.server import AppServer

UTC = timezone.utc
START = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
EMPLOYEE_KEYS = {
    "id", "employee_code", "first_name", "last_name", "email", "department_id", "position_id", "manager_id",
    "employment_status", "employment_type", "hire_date", "termination_date", "updated_at", "custom_fields",
}
DEFAULT_FIELD_KEYS = [
    "tshirt_size", "badge_number", "remote_eligible", "visa_expiry", "certifications",
    "Shoe Size", "Größe", "Team Name", "部署コード",
]


class Client:
    def __init__(self, app: ByteHRApp, server: AppServer) -> None:
        self.app = app
        self.server = server
        self.session = requests.Session()

    def get(self, path: str, key: str | None = DEFAULT_KEY, **params: Any) -> requests.Response:
        headers = {"X-API-Key": key} if key is not None else {}
        return self.session.get(self.server.base_url + path, params=params, headers=headers, timeout=10)

    def walk(self, path: str, limit: int = 100) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page, totalpages = 1, 1
        while page <= totalpages:
            body = self.get(path, limit=limit, currentpage=page).json()
            out.extend(body["data"])
            totalpages = body["pagination"]["totalpages"]
            page += 1
        return out


def _serve(app: ByteHRApp) -> Iterator[Client]:
    server = AppServer(app).start()
    client = Client(app, server)
    try:
        yield client
    finally:
        client.session.close()
        server.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock(START, frozen=True)


@pytest.fixture
def bh(clock: Clock) -> Iterator[Client]:
    yield from _serve(ByteHRApp(clock=clock, seed=7))


def assert_error(resp: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert err["code"] == code
    assert err["message"]
    assert err["request_id"] == resp.headers["X-Request-Id"]
    return err


def quota_headers(resp: requests.Response) -> dict[str, str]:
    return {k: resp.headers[k] for k in ("X-Quota-Limit", "X-Quota-Remaining", "X-Quota-Reset",
                                         "X-API-Key-Expires-At")}


# --- auth -------------------------------------------------------------------------------------------
def test_credentials_and_constants() -> None:
    app = ByteHRApp()
    assert app.name == "bytehr" and app.base_path == "/api"
    assert app.credentials() == {"api_key": DEFAULT_KEY} == {"api_key": "bhr_sandbox_key_0123456789"}


def test_missing_and_unknown_key_are_401_and_not_counted(bh: Client) -> None:
    for key in (None, "", "nope"):
        resp = bh.get("/employees", key=key)
        assert_error(resp, 401, "invalid_api_key")
        assert "X-Quota-Remaining" not in resp.headers
    assert bh.app.quota_used == 0


def test_expired_key(bh: Client, clock: Clock) -> None:
    resp = bh.get("/employees")
    assert resp.headers["X-API-Key-Expires-At"] == "2027-11-20T12:00:00Z"  # one year from construction
    bh.app.set_key_expiry(clock.now())  # clock >= expiry: expired
    resp = bh.get("/employees")
    assert_error(resp, 401, "api_key_expired")
    assert resp.headers["X-API-Key-Expires-At"] == "2026-11-20T12:00:00Z"
    assert "X-Quota-Remaining" not in resp.headers
    assert bh.app.quota_used == 1
    bh.app.set_key_expiry(clock.now() + timedelta(seconds=1))
    assert bh.get("/employees").status_code == 200


def test_key_expiry_passes_with_the_clock(clock: Clock) -> None:
    app = ByteHRApp(clock=clock, employees=3, key_expires_at=START + timedelta(days=2))
    for c in _serve(app):
        assert c.get("/employees").status_code == 200
        clock.advance(days=2)
        assert_error(c.get("/employees"), 401, "api_key_expired")


def test_every_response_has_a_request_id(bh: Client) -> None:
    ids = {bh.get("/employees").headers["X-Request-Id"], bh.get("/nope").headers["X-Request-Id"],
           bh.get("/employees", key="bad").headers["X-Request-Id"]}
    assert len(ids) == 3


# --- quota ------------------------------------------------------------------------------------------
def test_quota_headers_and_counting(bh: Client) -> None:
    r1 = bh.get("/employees")
    assert quota_headers(r1) == {
        "X-Quota-Limit": "1000", "X-Quota-Remaining": "999",
        "X-Quota-Reset": "2026-12-01T00:00:00Z", "X-API-Key-Expires-At": "2027-11-20T12:00:00Z",
    }
    # errors after auth count too and carry the headers
    assert_error(bh.get("/employees", limit=0), 400, "invalid_request")
    assert_error(bh.get("/nope"), 404, "not_found")
    r4 = bh.session.post(bh.server.base_url + "/employees", headers={"X-API-Key": DEFAULT_KEY}, timeout=10)
    assert_error(r4, 405, "method_not_allowed")
    assert r4.headers["X-Quota-Remaining"] == "996"
    assert bh.app.quota_used == 4 and bh.app.quota_remaining == 996


def test_quota_spent_gives_429_until_next_month(bh: Client, clock: Clock) -> None:
    bh.app.set_quota_remaining(1)
    ok = bh.get("/departments")
    assert ok.status_code == 200 and ok.headers["X-Quota-Remaining"] == "0"
    resp = bh.get("/departments")
    assert_error(resp, 429, "quota_exceeded")
    seconds = (datetime(2026, 12, 1, tzinfo=UTC) - START).total_seconds()
    assert resp.headers["Retry-After"] == str(math.ceil(seconds))
    assert resp.headers["X-Quota-Remaining"] == "0" and resp.headers["X-Quota-Reset"] == "2026-12-01T00:00:00Z"
    assert bh.app.quota_used == 1000  # the 429 did not count
    clock.set(datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC))
    assert bh.get("/departments").headers["Retry-After"] == "1"
    clock.set(datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC))
    resp = bh.get("/departments")
    assert resp.status_code == 200
    assert resp.headers["X-Quota-Remaining"] == "999"
    assert resp.headers["X-Quota-Reset"] == "2027-01-01T00:00:00Z"


def test_spend_models_a_shared_key(bh: Client) -> None:
    bh.app.spend(250)
    assert bh.get("/positions").headers["X-Quota-Remaining"] == "749"
    bh.app.spend(10_000)
    assert bh.app.quota_remaining == 0
    assert_error(bh.get("/positions"), 429, "quota_exceeded")


def test_added_key_has_its_own_quota_and_expiry(bh: Client, clock: Clock) -> None:
    bh.app.add_key("other", quota=5, expires_at=START + timedelta(days=30))
    resp = bh.get("/employees", key="other")
    assert resp.headers["X-Quota-Limit"] == "5" and resp.headers["X-Quota-Remaining"] == "4"
    assert resp.headers["X-API-Key-Expires-At"] == "2026-12-20T12:00:00Z"
    assert bh.app.quota_used == 0
    bh.app.set_quota_remaining(0, key="other")
    assert_error(bh.get("/employees", key="other"), 429, "quota_exceeded")
    assert bh.get("/employees").status_code == 200
    bh.app.remove_key("other")
    assert_error(bh.get("/employees", key="other"), 401, "invalid_api_key")


def test_concurrent_requests_count_exactly(bh: Client) -> None:
    def work() -> None:
        with requests.Session() as s:
            for _ in range(10):
                assert s.get(bh.server.base_url + "/departments", headers={"X-API-Key": DEFAULT_KEY},
                             timeout=10).status_code == 200

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bh.app.quota_used == 40


# --- faults -----------------------------------------------------------------------------------------
def test_injected_5xx_and_drop_count_but_injected_429_does_not(bh: Client) -> None:
    bh.app.inject("/employees*", "500")
    resp = bh.get("/employees")
    assert_error(resp, 500, "server_error")
    assert resp.headers["X-Quota-Remaining"] == "999"
    bh.app.inject("/employees*", "503")
    assert_error(bh.get("/employees"), 503, "server_error")
    bh.app.inject("/employees*", "drop")
    with pytest.raises(requests.ConnectionError):
        bh.get("/employees")
    assert bh.app.quota_used == 3
    bh.app.inject("/employees*", "429", retry_after="7")
    resp = bh.get("/employees")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "7"
    assert resp.json()["error"]["code"] != "quota_exceeded"
    assert resp.headers["X-Quota-Remaining"] == "997"
    assert bh.app.quota_used == 3
    assert bh.get("/employees").headers["X-Quota-Remaining"] == "996"


def test_fault_on_unauthenticated_request_does_not_count(bh: Client) -> None:
    bh.app.inject("/employees*", "502")
    assert bh.get("/employees", key="bad").status_code == 502
    assert bh.app.quota_used == 0


def test_truncated_fault_counts(bh: Client) -> None:
    bh.app.inject("/employees*", "truncated")
    resp = bh.get("/employees")
    with pytest.raises(ValueError):
        resp.json()
    assert bh.app.quota_used == 1


# --- pagination -------------------------------------------------------------------------------------
def test_default_page(bh: Client) -> None:
    body = bh.get("/employees").json()
    assert body["pagination"] == {"currentpage": 1, "limit": 10, "total": 120, "totalpages": 12}
    assert [e["id"] for e in body["data"]] == list(range(1001, 1011))


def test_limit_is_clamped_to_100(bh: Client) -> None:
    body = bh.get("/employees", limit=500, currentpage=2).json()
    assert body["pagination"] == {"currentpage": 2, "limit": 100, "total": 120, "totalpages": 2}
    assert len(body["data"]) == 20


BAD_PAGING = [
    {"limit": 0}, {"limit": -5}, {"limit": "abc"}, {"limit": "2.5"}, {"limit": ""},
    {"currentpage": 0}, {"currentpage": -1}, {"currentpage": "x"}, {"currentpage": "1.0"},
]


def test_bad_paging_params(bh: Client) -> None:
    for params in BAD_PAGING:
        assert_error(bh.get("/employees", **params), 400, "invalid_request")
    assert bh.app.quota_used == len(BAD_PAGING)  # 400s count


def test_page_past_the_end_is_empty(bh: Client) -> None:
    body = bh.get("/departments", limit=3, currentpage=5).json()
    assert body == {"data": [], "pagination": {"currentpage": 5, "limit": 3, "total": 10, "totalpages": 4}}
    assert bh.get("/departments", limit=3, currentpage=10**12).json()["data"] == []


def test_empty_resource_has_zero_pages(clock: Clock) -> None:
    for c in _serve(ByteHRApp(clock=clock, employees=0, leave_requests=0)):
        body = c.get("/employees").json()
        assert body == {"data": [], "pagination": {"currentpage": 1, "limit": 10, "total": 0, "totalpages": 0}}


@pytest.mark.parametrize("path,resource", [
    ("/employees", "employees"), ("/departments", "departments"), ("/positions", "positions"),
    ("/leave-requests", "leave_requests"), ("/custom-fields", "custom_fields"),
])
def test_walk_equals_records_in_ascending_order(bh: Client, path: str, resource: str) -> None:
    walked = bh.walk(path, limit=7)
    assert walked == bh.app.records(resource)
    assert len(walked) == bh.app.count(resource)
    if resource != "custom_fields":
        ids = [r["id"] for r in walked]
        assert ids == sorted(ids) == bh.app.ids(resource)


# --- shapes -----------------------------------------------------------------------------------------
def test_employee_shape(bh: Client) -> None:
    emps = bh.walk("/employees")
    assert all(set(e) == EMPLOYEE_KEYS for e in emps)
    assert {e["employment_status"] for e in emps} <= {"active", "on_leave", "terminated"}
    e = emps[0]
    assert e["employee_code"] == f"BH-{e['id']:05d}" and "@" in e["email"]
    assert e["updated_at"].endswith("Z") and len(e["updated_at"]) == 20
    for emp in emps:
        assert [cf["key"] for cf in emp["custom_fields"]] == DEFAULT_FIELD_KEYS
        assert all(set(cf) == {"key", "label", "type", "value"} for cf in emp["custom_fields"])
        assert (emp["termination_date"] is not None) == (emp["employment_status"] == "terminated")
    values = {k: [next(cf["value"] for cf in emp["custom_fields"] if cf["key"] == k) for emp in emps]
              for k in DEFAULT_FIELD_KEYS}
    assert all(any(v is None for v in vs) for vs in values.values()), "some values of every field are null"
    assert sum(v is None for v in values["visa_expiry"]) > len(emps) // 2  # mostly null
    assert all(isinstance(v, list) for v in values["certifications"] if v is not None)
    assert all(isinstance(v, bool) for v in values["remote_eligible"] if v is not None)
    assert all(isinstance(v, int) for v in values["badge_number"] if v is not None)


def test_other_shapes(bh: Client) -> None:
    assert set(bh.get("/departments").json()["data"][0]) == {"id", "name", "parent_id", "cost_center", "updated_at"}
    assert set(bh.get("/positions").json()["data"][0]) == {"id", "title", "level", "department_id", "updated_at"}
    lr = bh.walk("/leave-requests")
    assert all(set(r) == {"id", "employee_id", "leave_type", "start_date", "end_date", "days", "status",
                          "updated_at"} for r in lr)
    emp_ids = set(bh.app.ids("employees"))
    assert all(r["employee_id"] in emp_ids and r["start_date"] <= r["end_date"] for r in lr)
    defs = bh.get("/custom-fields", limit=100).json()["data"]
    assert [d["key"] for d in defs] == DEFAULT_FIELD_KEYS
    assert all(set(d) == {"key", "label", "type", "options", "entity", "archived", "created_at"} for d in defs)
    by_key = {d["key"]: d for d in defs}
    assert by_key["tshirt_size"]["type"] == "dropdown" and "M" in by_key["tshirt_size"]["options"]
    assert by_key["badge_number"]["options"] is None


def test_determinism() -> None:
    a, b, c = ByteHRApp(clock=Clock(START, True), seed=3), ByteHRApp(clock=Clock(START, True), seed=3), \
        ByteHRApp(clock=Clock(START, True), seed=4)
    assert a.records("employees") == b.records("employees")
    assert a.records("leave_requests") == b.records("leave_requests")
    assert a.records("employees") != c.records("employees")


# --- mutations --------------------------------------------------------------------------------------
def test_add_update_delete_employee(bh: Client, clock: Clock) -> None:
    clock.set(START + timedelta(hours=1, microseconds=500))
    new_id = bh.app.add_employee(first_name="Zoë", last_name="Ng")
    assert new_id == 1121
    last = bh.get("/employees", limit=100, currentpage=2).json()["data"][-1]
    assert last["id"] == 1121 and last["first_name"] == "Zoë" and last["updated_at"] == "2026-11-20T13:00:00Z"
    assert [cf["key"] for cf in last["custom_fields"]] == DEFAULT_FIELD_KEYS
    clock.advance(minutes=5)
    bh.app.update_employee(1005, employment_status="on_leave")
    rec = bh.app.record("employees", 1005)
    assert rec["employment_status"] == "on_leave" and rec["updated_at"] == "2026-11-20T13:05:00Z"
    bh.app.delete_employee(1121)
    assert bh.app.add_employee() == 1122  # ids are never reused
    with pytest.raises(KeyError):
        bh.app.update_employee(1121, first_name="x")


def test_deletion_shifts_later_records_back(bh: Client) -> None:
    page2_first = bh.get("/employees", limit=10, currentpage=2).json()["data"][0]["id"]
    bh.app.delete_employee(1003)
    page1 = bh.get("/employees", limit=10, currentpage=1).json()
    assert page1["data"][-1]["id"] == page2_first
    assert page1["pagination"]["total"] == 119


def test_mid_walk_deletion_makes_a_record_slip(bh: Client) -> None:
    bh.app.after_request(1, lambda app: app.delete_employee(1001), route="/employees")
    walked = [e["id"] for e in bh.walk("/employees", limit=10)]
    missed = set(bh.app.ids("employees")) - set(walked)
    assert missed == {1011}  # slipped from page 2 into page 1 after page 1 was read


def test_explicit_id_insert_shifts_forward(bh: Client) -> None:
    bh.app.delete_employee(1005)
    assert bh.app.add_employee(id=1005) == 1005
    assert bh.app.ids("employees")[:6] == [1001, 1002, 1003, 1004, 1005, 1006]
    with pytest.raises(ValueError):
        bh.app.add_employee(id=1005)


def test_generic_record_mutations(bh: Client, clock: Clock) -> None:
    clock.advance(seconds=30)
    dep = bh.app.add_record("departments", name="Research")
    assert dep == 11 and bh.app.record("departments", 11)["updated_at"] == "2026-11-20T12:00:30Z"
    bh.app.update_record("positions", 3, title="Staff Engineer", new_system_field="x")
    pos = bh.get("/positions", limit=3).json()["data"][2]
    assert pos["title"] == "Staff Engineer" and pos["new_system_field"] == "x"
    bh.app.delete_record("leave_requests", 1)
    assert bh.get("/leave-requests", limit=1).json()["data"][0]["id"] == 2
    assert bh.app.count("leave_requests") == 199
    with pytest.raises(ValueError):
        bh.app.count("nope")


# --- custom fields ----------------------------------------------------------------------------------
def _cf(emp: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((cf for cf in emp["custom_fields"] if cf["key"] == key), None)


def test_add_custom_field(bh: Client, clock: Clock) -> None:
    clock.advance(hours=2)
    before = {e["id"]: e["updated_at"] for e in bh.app.records("employees")}
    bh.app.add_custom_field("Lieblingsfarbe", "Favourite colour", "dropdown", options=["rot", "grün"])
    bh.app.add_custom_field("desk", "Desk", "text", value_fn=lambda i: f"D{i}")
    bh.app.add_custom_field("onboarded", "Onboarded", "boolean", True)
    emps = bh.walk("/employees")
    assert all(_cf(e, "Lieblingsfarbe") is not None for e in emps)
    assert {_cf(e, "Lieblingsfarbe")["value"] for e in emps} <= {"rot", "grün", None}  # type: ignore[index]
    assert _cf(emps[0], "desk")["value"] == "D1001"  # type: ignore[index]
    assert all(_cf(e, "onboarded")["value"] is True for e in emps)  # type: ignore[index]
    assert {e["id"]: e["updated_at"] for e in emps} == before  # an admin action: no updated_at bump
    defs = bh.get("/custom-fields", limit=100).json()["data"]
    assert defs[-3]["key"] == "Lieblingsfarbe" and defs[-3]["created_at"] == "2026-11-20T14:00:00Z"
    # deterministic: same seed, same generated values
    other = ByteHRApp(clock=Clock(START, True), seed=7)
    other.add_custom_field("Lieblingsfarbe", "Favourite colour", "dropdown", options=["rot", "grün"])
    assert [_cf(e, "Lieblingsfarbe") for e in other.records("employees")] == \
        [_cf(e, "Lieblingsfarbe") for e in emps]


def test_rename_and_archive(bh: Client) -> None:
    bh.app.rename_custom_field("badge_number", "Badge number")
    emp = bh.get("/employees", limit=1).json()["data"][0]
    assert _cf(emp, "badge_number")["label"] == "Badge number"  # type: ignore[index]
    bh.app.archive_custom_field("Shoe Size")
    emp = bh.get("/employees", limit=1).json()["data"][0]
    assert _cf(emp, "Shoe Size") is None and len(emp["custom_fields"]) == 8
    defs = {d["key"]: d for d in bh.get("/custom-fields", limit=100).json()["data"]}
    assert defs["Shoe Size"]["archived"] is True and len(defs) == 9
    bh.app.archive_custom_field("Shoe Size", archived=False)
    assert _cf(bh.app.record("employees", 1001), "Shoe Size") is not None


def test_type_change_reshapes_values(bh: Client) -> None:
    bh.app.set_custom_value(1001, "badge_number", 4411)
    bh.app.change_custom_field_type("badge_number", "text")
    emps = bh.walk("/employees")
    assert _cf(emps[0], "badge_number") == {"key": "badge_number", "label": "Badge #", "type": "text",
                                            "value": "4411"}
    assert all(isinstance(_cf(e, "badge_number")["value"], (str, type(None))) for e in emps)  # type: ignore[index]
    defs = {d["key"]: d for d in bh.app.records("custom_fields")}
    assert defs["badge_number"]["type"] == "text"
    bh.app.change_custom_field_type("tshirt_size", "multi_select")
    vals = [_cf(e, "tshirt_size")["value"] for e in bh.app.records("employees")]  # type: ignore[index]
    assert all(v is None or (isinstance(v, list) and len(v) == 1) for v in vals)
    bh.app.change_custom_field_type("Team Name", "number", convert=lambda v: len(v))
    assert all(isinstance(_cf(e, "Team Name")["value"], (int, type(None)))  # type: ignore[index]
               for e in bh.app.records("employees"))


def test_set_custom_value_bumps_updated_at(bh: Client, clock: Clock) -> None:
    clock.advance(minutes=1)
    bh.app.set_custom_value(1002, "Größe", None)
    bh.app.set_custom_value(1003, "certifications", ["AWS", "🚀"])
    e2, e3 = bh.get("/employees", limit=3).json()["data"][1:3]
    assert _cf(e2, "Größe")["value"] is None and e2["updated_at"] == "2026-11-20T12:01:00Z"  # type: ignore[index]
    assert _cf(e3, "certifications")["value"] == ["AWS", "🚀"]  # type: ignore[index]
    bh.app.update_employee(1004, custom_fields={"Team Name": "Neu"})
    assert _cf(bh.app.record("employees", 1004), "Team Name")["value"] == "Neu"  # type: ignore[index]
    with pytest.raises(KeyError):
        bh.app.set_custom_value(1002, "no such field", 1)


def test_non_employee_entity_and_deleted_definition(bh: Client) -> None:
    bh.app.add_custom_field("budget_owner", "Budget owner", "text", entity="department")
    assert _cf(bh.app.record("employees", 1001), "budget_owner") is None
    assert bh.app.record("custom_fields", "budget_owner")["entity"] == "department"
    bh.app.delete_record("custom_fields", "budget_owner")
    assert "budget_owner" not in bh.app.ids("custom_fields")


# --- performance proxy ------------------------------------------------------------------------------
def test_page_cost_is_independent_of_data_size(clock: Clock) -> None:
    app = ByteHRApp(clock=clock, employees=100_000, leave_requests=10)
    for c in _serve(app):
        for page in (1, 500, 1000):
            app.records_touched = 0
            body = c.get("/employees", limit=100, currentpage=page).json()
            assert len(body["data"]) == 100 and app.records_touched == 100
            assert body["data"][0]["id"] == 1001 + (page - 1) * 100
        app.records_touched = 0
        assert c.get("/employees", limit=100, currentpage=1001).json()["data"] == []
        assert app.records_touched == 0
