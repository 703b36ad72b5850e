"""dlt's RESTClient, specialised once for all three vendors.

Every non-2xx answer becomes one :class:`~sources._shared.errors.ProviderError` with the
vendor's code and request id (:class:`~sources._shared.http.profile.ProviderProfile`); a
body that is not JSON becomes a :class:`~sources._shared.errors.ProviderDataError` naming the
page. Requests go through a :class:`~sources._shared.http.session.ProviderSession`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from dlt.common import jsonpath
from dlt.sources.helpers.rest_client.client import PageData, RESTClient
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Response
from requests.auth import AuthBase

from sources._shared.context import RunContext
from sources._shared.errors import ProviderDataError
from sources._shared.http.pacing import RatePacer
from sources._shared.http.profile import ProviderProfile, describe_request
from sources._shared.http.session import ProviderSession
from sources._shared.http.settings import HttpSettings


@lru_cache(maxsize=64)
def compiled_path(path: str) -> jsonpath.TJsonPath:
    """A JSONPath compiled once per process (compiling builds a parser: ~0.3 ms each time)."""
    return jsonpath.compile_path(path)


class ProviderRESTClient(RESTClient):
    """dlt's RESTClient that raises :class:`ProviderError` for every failed answer.

    Args:
        base_url: API root; credentials only ever go to its scheme, host and port.
        profile: The vendor's error spelling.
        resource: The resource this client serves.
        settings: Timeout, attempts and backoff.
        context: The run's context, which every request is counted in.
        auth: dlt auth for every request.
        paginator: The resource's paginator (copied per walk by dlt).
        data_selector: JSONPath of the records in a page.
        headers: Headers sent with every request.
        pacer: Rate pacing; None: none.
        on_response: Called with every answer.
    """

    def __init__(
        self,
        base_url: str,
        profile: ProviderProfile,
        resource: str,
        settings: HttpSettings,
        context: RunContext,
        auth: AuthBase | None = None,
        paginator: BasePaginator | None = None,
        data_selector: jsonpath.TJsonPath | None = None,
        headers: dict[str, str] | None = None,
        pacer: RatePacer | None = None,
        on_response: Callable[[Response], None] | None = None,
    ) -> None:
        self.profile = profile
        self.resource = resource
        self.http = ProviderSession(profile, resource, settings, context, base_url=base_url, pacer=pacer,
                                    on_response=on_response)
        super().__init__(base_url=base_url, headers=headers, auth=auth, paginator=paginator,
                         data_selector=data_selector, session=self.http)

    def raise_for_status(self, response: Response, *args: Any, **kwargs: Any) -> None:
        """The response hook of every request: notes the answer, raises the vendor's error for a failure."""
        self.http.note_answer(response)  # runs before requests follows a redirect
        if response.status_code >= 400:
            raise self.profile.to_exception(response, self.resource)

    def request(self, path: str = "", method: Any = "GET", **kwargs: Any) -> Response:
        """Like RESTClient.request, but failed answers raise :class:`ProviderError`."""
        kwargs.setdefault("hooks", {"response": [self.raise_for_status]})
        return super().request(path, method=method, **kwargs)

    def paginate(self, path: str = "", method: Any = "GET", params: dict[str, Any] | None = None,
                 json: dict[str, Any] | None = None, auth: AuthBase | None = None,
                 paginator: BasePaginator | None = None, data_selector: jsonpath.TJsonPath | None = None,
                 hooks: dict[str, Any] | None = None, headers: dict[str, Any] | None = None,
                 **kwargs: Any) -> Iterator[PageData[Any]]:
        """Like RESTClient.paginate, but failed answers raise :class:`ProviderError`."""
        hooks = dict(hooks or {})
        hooks.setdefault("response", [self.raise_for_status])
        return super().paginate(path, method=method, params=params, json=json, auth=auth, paginator=paginator,
                                data_selector=data_selector, hooks=hooks, headers=headers, **kwargs)

    def extract_response(self, response: Response, data_selector: jsonpath.TJsonPath) -> list[Any]:
        """Like RESTClient.extract_response, but a body that is not JSON is a clear error.

        A string selector is compiled once, not per page: dlt compiles it on every call, and
        building jsonpath_ng's parser cost about a third of a millisecond a page (bench/).
        """
        if isinstance(data_selector, str):
            data_selector = compiled_path(data_selector)
        try:
            return super().extract_response(response, data_selector)
        except ValueError as exc:  # json.JSONDecodeError included
            rid = response.headers.get(self.profile.request_id_header)
            raise ProviderDataError(
                self.profile.name, f"the answer to {describe_request(response.request)} is not valid JSON ({exc})",
                status=response.status_code, request_id=rid, resource=self.resource, response=response,
            ) from None

