"""CuteHR HTTP clients: error envelope and hints, next-link pages, one shared login and pacer."""

from __future__ import annotations

from collections.abc import Mapping

from dlt.sources.helpers.rest_client.paginators import JSONLinkPaginator

from sources._shared.config import setting_name
from sources._shared.context import RunContext
from sources._shared.http.client import ProviderRESTClient
from sources._shared.http.pacing import RatePacer
from sources._shared.http.profile import ErrorBody, ProviderProfile
from sources._shared.http.session import ProviderSession
from sources._shared.http.settings import HttpSettings
from sources.cutehr import settings
from sources.cutehr.auth import CuteHRAuth, CuteHRLogin

EMAIL_SETTING = setting_name(settings.PROVIDER, "email")
PASSWORD_SETTING = setting_name(settings.PROVIDER, "password")


class CuteHRProfile(ProviderProfile):
    """CuteHR's error envelope ``{"detail", "code"}`` (request id in ``X-Request-Id``) and what to do about each.

    Args:
        resource: The resource (or ``auth`` for the login) the client serves.
        email: The configured login e-mail, named in credential errors (it is not a secret).
        window_days: The configured attendance window, named when the API refuses one.
    """

    def __init__(self, resource: str, email: str, window_days: int) -> None:
        super().__init__(name=settings.PROVIDER, request_id_header=settings.REQUEST_ID_HEADER)
        self.resource = resource
        self.email = email
        self.window_days = window_days

    def hint(self, status: int, body: ErrorBody) -> str | None:
        """Names the setting to fix."""
        if status == 403 and self.resource == "auth":
            return (f"CuteHR refused the login of {self.email!r}: check {EMAIL_SETTING} and {PASSWORD_SETTING}")
        if status == 400 and self.resource == "auth":
            return f"CuteHR refused the login request: check {EMAIL_SETTING}, {PASSWORD_SETTING} and login_path"
        if status == 401:
            return (f"CuteHR refused the token again right after a fresh login as {self.email!r}: check that this "
                    f"account may use the API ({EMAIL_SETTING}, {PASSWORD_SETTING})")
        if status == 403:
            return f"The account {self.email!r} may not read {self.resource}: grant it in CuteHR ({EMAIL_SETTING})"
        if status == 400 and self.resource == "attendance":
            return (f"CuteHR refused the date window ({self.window_days} days): lower "
                    f"{setting_name(settings.PROVIDER, 'attendance_window_days')}")
        if status == 400:
            return f"Check {setting_name(settings.PROVIDER, 'page_size')} (at most {settings.MAX_PAGE_SIZE})"
        if status == 429:
            return (f"Still rate limited after retries: lower {setting_name(settings.PROVIDER, 'requests_per_minute')}"
                    f" or stop other clients sharing this account")
        return None


class CuteHRClients:
    """Builds one RESTClient per resource, all sharing one login and one rate pacer (the limit is per token).

    Args:
        base_url: API root (scheme, host and port; the paths carry ``/api/v1``).
        email: Login e-mail.
        password: Login password (secret).
        login_path: Path of the login endpoint.
        http: Timeouts, attempts and backoff.
        pacer: The run's pacer, or None for no pacing.
        window_days: Attendance window length, for error hints.
        context: The run's context, which every request is counted in.
    """

    def __init__(self, base_url: str, email: str, password: str, login_path: str, http: HttpSettings,
                 pacer: RatePacer | None, window_days: int, context: RunContext) -> None:
        self.base_url = base_url
        self.email = email
        self.http = http
        self.pacer = pacer
        self.window_days = window_days
        self.context = context
        login_session = ProviderSession(self._profile("auth"), "auth", http, context, base_url=base_url, pacer=pacer)
        self.login = CuteHRLogin(login_session, base_url + login_path, email, password)
        self._clients: dict[str, ProviderRESTClient] = {}

    def __repr__(self) -> str:
        return f"CuteHRClients(base_url={self.base_url!r}, email={self.email!r})"

    def _profile(self, resource: str) -> CuteHRProfile:
        return CuteHRProfile(resource, self.email, self.window_days)

    def client(self, resource: str) -> ProviderRESTClient:
        """The RESTClient of one resource, created on first use (no request is sent here)."""
        if resource not in self._clients:
            auth = CuteHRAuth(self.login)
            client = ProviderRESTClient(
                base_url=self.base_url,
                profile=self._profile(resource),
                resource=resource,
                settings=self.http,
                context=self.context,
                auth=auth,
                paginator=JSONLinkPaginator(next_url_path=settings.NEXT_PATH),
                data_selector=settings.DATA_SELECTOR,
                headers={"Accept": "application/json"},
                pacer=self.pacer,
            )
            auth.resend = client.http.send
            self._clients[resource] = client
        return self._clients[resource]


def merged_paths(overrides: Mapping[str, str] | None) -> dict[str, str]:
    """Endpoint paths: the contract's, with the configured overrides."""
    return {**settings.ENDPOINTS, **dict(overrides or {})}
