"""FourthHR: a minimal vendor that exists only in tests, to prove a vendor is added without central edits.

Its API (``app.py``): ``GET /api/workers?limit=&offset=&updated_since=`` with an ``X-Api-Key``
header; ``{"data": [...], "next": <url or null>}``; ``updated_since`` is inclusive; removed
workers stay listed with ``deleted_at`` set. The source below is built from the shared pieces
every vendor uses (the provider RESTClient, retries, settings checks), like a real vendor's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
from dlt.common.typing import TDataItems
from dlt.sources import DltResource, incremental
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponsePaginator

from sources._shared.bounds import Bounds, with_bounds
from sources._shared.http.client import ProviderRESTClient
from sources._shared.http.profile import ErrorBody, ProviderProfile
from sources._shared.http.settings import HttpSettings, with_http_settings
from sources._shared.prologue import begin_source

PROVIDER = "fourthhr"
KEY_SETTING = "sources.fourthhr.api_key (env SOURCES__FOURTHHR__API_KEY)"
MAX_PAGE_SIZE = 100
BOUNDS = {"page_size": Bounds(int, 1, MAX_PAGE_SIZE, why="the API's maximum `limit`")}


class FourthHRProfile(ProviderProfile):
    """FourthHR's error envelope is the common ``{"error": {"code", "message", "request_id"}}``."""

    def hint(self, status: int, body: ErrorBody) -> str | None:
        """Names the setting to fix."""
        return f"The API key was refused: check {KEY_SETTING}" if status == 401 else None


@dlt.source(name=PROVIDER, section=PROVIDER)
@with_bounds(PROVIDER, BOUNDS)
@with_http_settings(PROVIDER)
def fourthhr_source(
    base_url: str = dlt.config.value,
    api_key: str = dlt.secrets.value,
    page_size: int = 50,
    *,
    http: HttpSettings,
) -> DltResource:
    """The FourthHR source: one resource, ``workers``, incremental on ``updated_at``."""
    start = begin_source(PROVIDER, base_url, secrets={"api_key": api_key})  # the prologue every source makes
    base_url, key, context = start.base_url, start.secret("api_key"), start.context

    @dlt.resource(name="workers", primary_key="id", write_disposition="merge")
    def workers(
        cursor: incremental[str] = incremental("updated_at", initial_value="1970-01-01T00:00:00.000Z"),
    ) -> Iterator[TDataItems]:
        client = ProviderRESTClient(
            base_url=base_url, profile=FourthHRProfile(name=PROVIDER), resource="workers", settings=http,
            context=context,
            auth=APIKeyAuth(name="X-Api-Key", api_key=key, location="header"),
            paginator=JSONResponsePaginator(next_url_path="next"), data_selector="data",
        )
        params: dict[str, Any] = {"limit": page_size, "updated_since": cursor.start_value}
        hooks = {"response": [client.raise_for_status, note_account_facts]}
        yield from client.paginate("/workers", params=params, hooks=hooks)

    def note_account_facts(response: Any, *args: Any, **kwargs: Any) -> None:
        """Quota left and key expiry, when the API sends them, for run history, status and alerts."""
        for header, fact in (("X-Quota-Remaining", "quota_remaining"), ("X-API-Key-Expires-At", "key_expires_at")):
            if response.headers.get(header):
                context.set_fact(PROVIDER, fact, response.headers[header])

    return workers
