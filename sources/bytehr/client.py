"""ByteHR HTTP client: API-key auth, error hints, and the quota-aware snapshot page walker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dlt.common import jsonpath
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import PageNumberPaginator
from requests import Response

from sources._shared.config import setting_name
from sources._shared.context import RunContext
from sources._shared.errors import ProviderAuthError, ProviderDataError, ProviderError, ProviderQuotaError
from sources._shared.http.client import ProviderRESTClient
from sources._shared.http.profile import ErrorBody, ProviderProfile, describe_request
from sources._shared.http.settings import HttpSettings
from sources._shared.state.snapshot import SnapshotTracker
from sources.bytehr import settings
from sources.bytehr.quota import QuotaGate, QuotaInfo, QuotaLedger, error_code

KEY_SETTING = setting_name(settings.PROVIDER, "api_key")


class ByteHRProfile(ProviderProfile):
    """ByteHR's error envelope ``{"error": {"code", "message", "request_id"}}`` and what to do about each code."""

    def __init__(self, header_names: Mapping[str, str]) -> None:
        super().__init__(name=settings.PROVIDER, request_id_header=header_names["request_id"])
        self.header_names = dict(header_names)

    def is_final(self, response: Response) -> bool:
        """A spent monthly quota is not retried: nothing is allowed until the next cycle."""
        return response.status_code == 429 and error_code(response) == settings.CODE_QUOTA_EXCEEDED

    def exception_class(self, status: int, body: ErrorBody) -> type[ProviderError]:
        """Quota errors and auth errors get their own types."""
        if status == 429 and body.code == settings.CODE_QUOTA_EXCEEDED:
            return ProviderQuotaError
        return ProviderAuthError if status == 401 else ProviderError

    def hint(self, status: int, body: ErrorBody) -> str | None:
        """Names the setting to fix."""
        if status == 401 and body.code == settings.CODE_KEY_EXPIRED:
            return (f"The ByteHR API key has expired: reset the key in ByteHR and put the new one in {KEY_SETTING} "
                    f"(.dlt/secrets.toml or the environment)")
        if status == 401:
            return f"The API key was refused: check {KEY_SETTING}"
        if status == 400:
            return f"Check {setting_name(settings.PROVIDER, 'page_size')} (1..{settings.MAX_PAGE_SIZE})"
        if status == 429:
            return "Still throttled after retries: run later"
        return None

    def to_exception(self, response: Response, resource: str | None = None) -> ProviderError:
        """Adds the quota headers (used, remaining, reset) and the key's expiry to the message."""
        error = super().to_exception(response, resource)
        h = response.headers
        if isinstance(error, ProviderQuotaError):
            info = QuotaInfo(limit=_int(h.get(self.header_names["quota_limit"])),
                             remaining=_int(h.get(self.header_names["quota_remaining"])),
                             reset=h.get(self.header_names["quota_reset"]))
            error.hint = (f"The monthly quota is spent: {info.describe()}. ByteHR allows no request until then; "
                          f"interrupted walks resume from their saved page on the next run")
        elif error.code == settings.CODE_KEY_EXPIRED and h.get(self.header_names["key_expires_at"]):
            error.detail_message += f" (expired at {h.get(self.header_names['key_expires_at'])})"
        error.args = (error._render(),)
        return error


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class ByteHRAuth(APIKeyAuth):
    """API key in a header, whose repr never shows the key."""

    def __repr__(self) -> str:
        return f"ByteHRAuth(name={self.name!r}, api_key=***)"


class SnapshotPaginator(PageNumberPaginator):
    """Walks one ByteHR list page by page: within the quota, and repairing shifts.

    * Stops at ``pagination.totalpages`` without asking for an empty page; an empty list
      takes one request.
    * Before each next page asks ``may_continue()`` (the quota); when it says no, the walk
      stops and :meth:`resume_point` says where the next run continues.
    * A record deleted while the walk is under way shifts later records one place back, so
      one can slip from page k+1 into page k after page k was read. Before leaving a page
      boundary behind, the walker checks for that: ``pagination.total`` or ``totalpages``
      moved (either way: records added at the end hide deletions before the boundary) at any
      read since the last page boundary was checked, or (lists in key order) a remembered id
      lies between the last id read and the first id of the new page, or beyond the last page
      at the end. Then it re-reads the page before (further back while the gap stays open), at
      most ``max_rereads`` times per walk; records already seen are dropped by the tracker. A
      walk that could not check a boundary is complete but not ``verified``, and then deletes
      nothing. A walk over a list that does not move takes no re-read.

    Args:
        primary_key: The record field the list is ordered by.
        tracker: The resource's snapshot tracker (ids seen, remembered ids).
        may_continue: Asked before every next page; False stops the walk.
        ordered: The list is served in ascending primary-key order.
        first_page: Number of the first page (1 for ByteHR).
        page_param: Query parameter of the page number.
        total_path: JSON path of the record count.
        totalpages_path: JSON path of the page count.
        max_rereads: Re-reads allowed per walk.
        resume: A :meth:`resume_point` of an earlier run.
    """

    def __init__(
        self,
        primary_key: str,
        tracker: SnapshotTracker,
        may_continue: Callable[[], bool],
        *,
        ordered: bool,
        first_page: int = settings.FIRST_PAGE,
        page_param: str = settings.PAGE_PARAM,
        total_path: str = settings.TOTAL_PATH,
        totalpages_path: str = settings.TOTAL_PAGES_PATH,
        max_rereads: int = settings.MAX_REREADS,
        resume: Mapping[str, Any] | None = None,
    ) -> None:
        resume = dict(resume or {})
        super().__init__(base_page=first_page, page=int(resume.get("page", first_page)), page_param=page_param,
                         total_path=totalpages_path, stop_after_empty_page=False)
        self.primary_key = primary_key
        self.tracker = tracker
        self.may_continue = may_continue
        self.ordered = ordered
        self.max_rereads = max_rereads
        self.total_items_path = jsonpath.compile_path(total_path)
        self.forward: int | None = resume.get("forward")
        self.gap_low: Any = resume.get("gap_low")
        self.max_seen: Any = resume.get("max_seen")
        self.total: int | None = resume.get("total")
        self.totalpages: int | None = resume.get("totalpages")
        self.rereads: int = int(resume.get("rereads", 0))
        # the list moved since the last boundary check: set by any read, cleared by the next forward step
        self.moved: bool = bool(resume.get("moved", False))
        self.moves: int = int(resume.get("moves", 0))  # reads whose total differed from the read before
        self.end_checked: bool = bool(resume.get("end_checked", False))
        self.verified: bool = bool(resume.get("verified", True))
        self.complete = False
        self.stopped = False
        self.requests = 0

    def resume_point(self) -> dict[str, Any]:
        """Where the next run continues this walk (JSON-friendly, kept in dlt state)."""
        return {"page": self.current_value, "forward": self.forward, "gap_low": self.gap_low,
                "max_seen": self.max_seen, "total": self.total, "totalpages": self.totalpages,
                "rereads": self.rereads, "end_checked": self.end_checked, "verified": self.verified,
                "moved": self.moved, "moves": self.moves}

    def pages_left(self) -> int | None:
        """Requests the rest of the walk takes when nothing shifts (None before the first page)."""
        if self.totalpages is None:
            return None
        return max(0, self.last_page() - self.current_value + 1) + (1 if self.forward is not None else 0)

    def last_page(self) -> int:
        """Number of the last page as of the last read (the first page for an empty list)."""
        return self.base_index + max(self.totalpages or 0, 1) - 1

    def stop(self) -> None:
        """Ends the walk here; the page in ``current_value`` is where the next run continues."""
        self.stopped = True
        self._has_next_page = False

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        """Reads the page's pagination, decides the next page (forward, back, or none)."""
        self.requests += 1
        page = self.current_value
        body = response.json()
        total = self._int_at(response, body, self.total_items_path)
        totalpages = self._int_at(response, body, self.total_path)
        # A record without its id is the quarantine's to report, not the walk's to compare.
        rows = [row for row in data or [] if isinstance(row, dict)]
        ids: list[Any] = [row[self.primary_key] for row in rows if row.get(self.primary_key) is not None]
        first = ids[0] if ids else None
        if self.total is not None and (total != self.total or totalpages != self.totalpages):
            self.moved = True
            self.moves += 1
        self.total, self.totalpages = total, totalpages
        previous_max = self.max_seen
        if ids and self.ordered:
            top = max(ids)
            self.max_seen = top if previous_max is None or top > previous_max else previous_max
        if self.forward is not None:
            following = self._step_back_or_return(page, first)
        else:
            following = self._forward(page, first, previous_max)
        if following is None:
            self.complete = True
            self._has_next_page = False
            return
        self.current_value = following
        if not self.may_continue():
            self.stop()

    # --- the walk's decisions --------------------------------------------------------------
    def _forward(self, page: int, first: Any, previous_max: Any) -> int | None:
        suspect = page > self.base_index and self._suspect(first, previous_max)
        self.moved = False  # this boundary is dealt with: re-read below, or the walk is not verified
        if suspect and self._take_reread():
            self.forward, self.gap_low = page + 1, previous_max
            return page - 1
        return self._advance(page + 1)

    def _suspect(self, first: Any, previous_max: Any) -> bool:
        if self.moved:
            if not self.ordered:
                self.verified = False  # without key order a re-read cannot prove nothing slipped
            return True
        return self.ordered and self.tracker.unseen_known_between(previous_max, first)

    def _step_back_or_return(self, page: int, first: Any) -> int | None:
        gap_open = self.ordered and page > self.base_index and (
            first is None or self.gap_low is None or first > self.gap_low
        )
        if gap_open and self._take_reread():
            return page - 1
        forward, self.forward, self.gap_low = self.forward, None, None
        return self._advance(forward or page + 1)

    def _advance(self, following: int) -> int | None:
        if following <= self.last_page():
            return following
        if self.ordered and not self.end_checked and self.tracker.unseen_known_between(self.max_seen, None):
            # remembered ids beyond the last one read: deleted, or slipped onto the last page after it was read
            self.end_checked = True
            if self._take_reread():
                self.forward, self.gap_low = self.last_page() + 1, self.max_seen
                return self.last_page()
        return None

    def _take_reread(self) -> bool:
        if self.rereads >= self.max_rereads:
            self.verified = False
            return False
        self.rereads += 1
        return True

    def _int_at(self, response: Response, body: Any, path: Any) -> int:
        values = jsonpath.find_values(path, body)
        try:
            return int(values[0])
        except (IndexError, TypeError, ValueError):
            raise ProviderDataError(
                settings.PROVIDER, f"the answer to {describe_request(response.request)} has no integer {path}",
                request_id=response.headers.get("X-Request-Id"),
            ) from None


def make_client(base_url: str, api_key: str, resource: str, http: HttpSettings, ledger: QuotaLedger,
                header_names: Mapping[str, str], context: RunContext) -> ProviderRESTClient:
    """A RESTClient for one ByteHR resource whose every attempt passes the quota gate."""
    auth = ByteHRAuth()
    auth.name = header_names["api_key"]
    auth.api_key = api_key
    return ProviderRESTClient(
        base_url=base_url,
        profile=ByteHRProfile(header_names),
        resource=resource,
        settings=http,
        context=context,
        auth=auth,
        data_selector=settings.DATA_SELECTOR,
        headers={"Accept": "application/json"},
        pacer=QuotaGate(ledger, resource),
    )
