"""HollyHR HTTP client: bearer auth, opaque cursor pages, error hints, rate-limit pacing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.client import PageData
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from sources._shared.context import RunContext
from sources._shared.errors import ProviderError
from sources._shared.http.client import ProviderRESTClient
from sources._shared.http.pacing import RatePacer
from sources._shared.http.paginators import SharedPathsCopy
from sources._shared.http.profile import ErrorBody, ProviderProfile
from sources._shared.http.settings import HttpSettings
from sources.hollyhr import settings

logger = logging.getLogger("sources.hollyhr")

TOKEN_SETTING = "sources.hollyhr.api_token (env SOURCES__HOLLYHR__API_TOKEN)"


class HollyHRProfile(ProviderProfile):
    """HollyHR's error envelope ``{"error": {"code", "message", "request_id"}}`` and what to do about each code."""

    def __init__(self, resource: str) -> None:
        super().__init__(name=settings.PROVIDER, request_id_header=settings.REQUEST_ID_HEADER)
        self.resource = resource

    def hint(self, status: int, body: ErrorBody) -> str | None:
        """Names the setting or scope to fix."""
        if status == 401:
            return f"The API key was refused: check {TOKEN_SETTING}"
        if status == 403:
            scope = settings.SCOPES.get(self.resource, "the needed scope")
            return f"The API key lacks scope {scope}: grant it in HollyHR, or deselect resource {self.resource}"
        if status == 429:
            return "Rate limit still exceeded after retries: run later or lower the load on this key"
        return None


class HollyHRAuth(BearerTokenAuth):
    """Bearer token auth whose repr never shows the token."""

    def __repr__(self) -> str:
        return "HollyHRAuth(token=***)"


class HollyHRCursorPaginator(SharedPathsCopy, JSONResponseCursorPaginator):
    """dlt's cursor paginator, copied cheaply for each per-person history walk."""


def is_cursor_expired(error: ProviderError) -> bool:
    """True when a page request failed because its opaque cursor is malformed or expired."""
    request = error.response.request if error.response is not None else None
    sent_cursor = request is not None and f"{settings.CURSOR_PARAM}=" in (request.url or "")
    return error.status == 400 and error.code == "invalid_request" and sent_cursor


def make_client(base_url: str, token: str, resource: str, http: HttpSettings, pacer: RatePacer,
                context: RunContext) -> ProviderRESTClient:
    """A RESTClient for one HollyHR resource (each route has its own rate-limit bucket)."""
    auth = HollyHRAuth()
    auth.token = token
    return ProviderRESTClient(
        base_url=base_url,
        profile=HollyHRProfile(resource),
        resource=resource,
        settings=http,
        context=context,
        auth=auth,
        paginator=HollyHRCursorPaginator(
            cursor_path=settings.NEXT_CURSOR_PATH,
            cursor_param=settings.CURSOR_PARAM,
            has_more_path=settings.HAS_MORE_PATH,
        ),
        data_selector=settings.DATA_SELECTOR,
        headers={"Accept": "application/json"},
        pacer=pacer,
    )


def walk(client: ProviderRESTClient, path: str, params: dict[str, Any], max_restarts: int) -> Iterator[PageData[Any]]:
    """Follows cursor pages of `path`; restarts the walk from `params` when a cursor expires.

    Restarting from the run's committed `updated_since` re-reads some records; the merge on
    the primary key makes that harmless, and nothing is skipped.
    """
    restarts = 0
    while True:
        try:
            yield from client.paginate(path, params=dict(params))
            return
        except ProviderError as error:
            if not is_cursor_expired(error) or restarts >= max_restarts:
                raise
            restarts += 1
            logger.warning("%s [%s]: page cursor expired (request_id %s); restarting the walk from %s=%s",
                           settings.PROVIDER, client.resource, error.request_id, settings.UPDATED_SINCE_PARAM,
                           params.get(settings.UPDATED_SINCE_PARAM))
