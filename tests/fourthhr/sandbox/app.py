"""FourthHR's emulator: one list endpoint, inclusive ``updated_since``, next links, soft deletes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sandbox.core import Clock, Request, Response, VendorApp, iso_ms, json_response

API_KEY = "fourthhr-test-key-0123456789"


class FourthHRApp(VendorApp):
    """``GET /api/workers``; control methods change, delete and extend records as the vendor would."""

    name = "fourthhr"
    base_path = "/api"

    def __init__(self, clock: Clock | None = None, seed: int = 1, workers: int = 30) -> None:
        super().__init__(clock=clock, seed=seed)
        self._seq = 0
        self.account_headers: dict[str, str] = {}
        """Sent with every answer (tests set e.g. ``X-Quota-Remaining``, ``X-API-Key-Expires-At``)."""
        now = self.clock.now()
        self._rows: dict[str, dict[str, Any]] = {}
        for i in range(1, workers + 1):
            wid = f"w{seed}{i:05d}"
            self._rows[wid] = {"id": wid, "name": f"Worker {i}", "email": f"worker{i}@fourthhr.example",
                               "team": f"team-{i % 4}", "started_on": (now - timedelta(days=7 * i)).date().isoformat(),
                               "deleted_at": None,
                               "updated_at": iso_ms(now - timedelta(seconds=workers - i + 1))}

    def credentials(self) -> dict[str, str]:
        return {"api_key": API_KEY}

    def error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        with self.lock:
            self._seq += 1
            rid = f"fr_{self._seq:06d}"
        return json_response(status, {"error": {"code": code, "message": message, "request_id": rid}},
                             {"X-Request-Id": rid, **(headers or {})})

    def handle(self, req: Request) -> Response:
        if req.header("X-Api-Key") != API_KEY:
            return self.error(401, "unauthorized", "Invalid API key.")
        if req.method != "GET" or req.path != "/api/workers":
            return self.error(404, "not_found", "No such route.")
        limit = int(req.arg("limit") or 50)
        offset = int(req.arg("offset") or 0)
        since = req.arg("updated_since") or ""
        with self.lock:
            rows = sorted((r for r in self._rows.values() if r["updated_at"] >= since),
                          key=lambda r: (r["updated_at"], r["id"]))
        page = rows[offset:offset + limit]
        more = offset + limit < len(rows)
        query = urlencode({"limit": limit, "offset": offset + limit, "updated_since": since})
        return json_response(200, {"data": page, "next": f"{self.base_url}/workers?{query}" if more else None},
                             dict(self.account_headers))

    # --- control API used by tests ---------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self._rows.values()]

    def ids(self) -> list[str]:
        with self.lock:
            return sorted(self._rows)

    def update(self, wid: str, **fields: Any) -> None:
        with self.lock:
            self._rows[wid].update(fields, updated_at=iso_ms(self.clock.now()))

    def delete(self, wid: str) -> None:
        now = iso_ms(self.clock.now())
        with self.lock:
            self._rows[wid].update(deleted_at=now, updated_at=now)
