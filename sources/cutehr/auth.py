"""CuteHR login auth: a bearer token from ``POST /auth/login``, logged in once per run.

:class:`CuteHRLogin` holds the run's token and sends the login request; every resource's
RESTClient gets a :class:`CuteHRAuth` (a dlt ``BearerTokenAuth``) bound to its own session and
sharing that one login. On a ``401`` the auth logs in again once and repeats the request through
the same session (so the repeat is paced, counted and retried like any other); the repeat carries
a mark, and a second ``401`` fails with a clear error instead of logging in again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from requests import PreparedRequest, Response

from sources._shared.errors import ProviderDataError, ProviderError
from sources._shared.http.redaction import register_secret
from sources._shared.http.session import ProviderSession
from sources.cutehr import settings

logger = logging.getLogger("sources.cutehr")

RETRIED_MARK = "_cutehr_relogin_done"

Send = Callable[..., Response]


class CuteHRLogin:
    """The run's CuteHR token: logs in on first use and again only when a used token is refused.

    Thread-safe: concurrent requests refused with the same stale token cause one login.

    Args:
        session: The session the login request goes through (paced, counted, retried on 5xx/429).
        url: Absolute URL of the login endpoint.
        email: The account's e-mail.
        password: The account's password (secret; registered for redaction).
    """

    def __init__(self, session: ProviderSession, url: str, email: str, password: str) -> None:
        self._session = session
        self._url = url
        self._email = email
        self._password = password
        self._token: str | None = None
        self._refused: ProviderError | None = None
        self._lock = threading.Lock()
        self.logins = 0
        self.request_id: str | None = None  # of the last successful login
        register_secret(password)

    def __repr__(self) -> str:
        return f"CuteHRLogin(email={self._email!r}, password=***, token=***, logins={self.logins})"

    def token(self) -> str:
        """The current token, logging in first when there is none."""
        with self._lock:
            if self._token is None:
                self._token = self._login()
            return self._token

    def renew(self, refused: str | None) -> str:
        """A fresh token after `refused` was answered with 401 (no second login if another thread renewed)."""
        with self._lock:
            if self._token is None or self._token == refused:
                self._token = self._login()
            return self._token

    def _login(self) -> str:
        if self._refused is not None:  # refused credentials stay refused for the rest of the run
            raise self._refused
        body = {"email": self._email, "password": self._password}
        # through the session directly: dlt's RESTClient would log the JSON body at DEBUG level
        response = self._session.post(self._url, json=body, headers={"Accept": "application/json"})
        if response.status_code >= 400:
            error = self._session.profile.to_exception(response, "auth")
            if response.status_code in (400, 403):
                self._refused = error
            raise error
        rid = response.headers.get(self._session.profile.request_id_header)
        try:
            token = response.json().get(settings.TOKEN_FIELD)
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise ProviderDataError(settings.PROVIDER, f"the login answer has no {settings.TOKEN_FIELD!r}",
                                    status=response.status_code, request_id=rid, resource="auth")
        register_secret(token)
        self.logins += 1
        self.request_id = rid
        logger.info("%s: logged in as %s (request_id %s)", settings.PROVIDER, self._email, rid)
        return token


class CuteHRAuth(BearerTokenAuth):
    """``Authorization: Bearer <token>`` from :class:`CuteHRLogin`; one re-login and repeat on a 401.

    Args:
        login: The run's shared login.
        resend: The ``send`` of the session this auth's client uses; repeats a refused request.
    """

    def __init__(self, login: CuteHRLogin, resend: Send | None = None) -> None:
        super().__init__()
        self.login = login
        self.resend = resend

    def __repr__(self) -> str:
        return "CuteHRAuth(token=***)"

    __str__ = __repr__

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        """Sets the bearer token (logging in on first use) and watches the answer for a 401."""
        request.headers["Authorization"] = f"Bearer {self.login.token()}"
        request.register_hook("response", self._on_response)  # type: ignore[no-untyped-call]
        return request

    def _on_response(self, response: Response, **kwargs: Any) -> Response:
        request = response.request
        if response.status_code != 401 or self.resend is None or getattr(request, RETRIED_MARK, False):
            return response  # a second 401 goes on to the client's error handling: no login loop
        sent = str(request.headers.get("Authorization", "")).partition(" ")[2] or None
        token = self.login.renew(sent)
        logger.info("%s: token refused (401, request_id %s); logged in again, repeating the request",
                    settings.PROVIDER, response.headers.get(settings.REQUEST_ID_HEADER))
        response.close()
        repeat = request.copy()
        setattr(repeat, RETRIED_MARK, True)
        repeat.headers["Authorization"] = f"Bearer {token}"
        answer = self.resend(repeat, **kwargs)
        answer.history.insert(0, response)
        return answer
