"""Keep-alive ``http.client`` connections per origin, for :class:`~sources._shared.transport.LeanAdapter`.

urllib3 wraps every request in its pool, retry, timeout and response objects; for a small JSON
answer on a fast link that costs as much again as ``http.client`` itself (bench/README.md).
This keeps open ``http.client`` connections per (scheme, host, port, TLS verification) and
hands one out per request, the way urllib3's pool does: a connection the server closed while
idle is replaced before it is used, and one that ends with ``Connection: close`` is not kept.
TLS follows requests' ``verify``: True verifies against requests' CA bundle (certifi), a path
against that file or directory, False not at all.
"""

from __future__ import annotations

import http.client
import os
import ssl
import threading
import warnings
from typing import Any

from requests.exceptions import ConnectionError, ConnectTimeout, SSLError
from requests.utils import DEFAULT_CA_BUNDLE_PATH, extract_zipped_paths
from urllib3.exceptions import InsecureRequestWarning
from urllib3.util.wait import wait_for_read

DEFAULT_PORTS = {"http": 80, "https": 443}

OriginKey = tuple[str, str, int, Any]  # scheme, host, port, verify (None for http)


def tls_context(verify: Any) -> ssl.SSLContext:
    """The TLS context of requests' `verify` value (see the module docstring).

    Raises:
        OSError: `verify` names a path that does not exist (requests' own message).
    """
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    location = str(extract_zipped_paths(DEFAULT_CA_BUNDLE_PATH)) if verify is True or not verify else str(verify)  # type: ignore[no-untyped-call]
    if not os.path.exists(location):
        raise OSError(f"Could not find a suitable TLS CA certificate bundle, invalid path: {location}")
    if os.path.isdir(location):
        return ssl.create_default_context(capath=location)
    return ssl.create_default_context(cafile=location)


class DirectConnections:
    """Idle keep-alive connections per origin, at most `maxsize` kept for each."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._idle: dict[OriginKey, list[http.client.HTTPConnection]] = {}
        self._contexts: dict[Any, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def checkout(self, key: OriginKey, timeout: float | None, request: Any) -> http.client.HTTPConnection:
        """An open connection to the origin `key`: an idle one still open, else a new one.

        Raises:
            ConnectTimeout, SSLError, ConnectionError: as requests raises them for the same failures.
        """
        if key[3] is False and key[0] == "https":
            warnings.warn(f"Unverified HTTPS request is being made to host '{key[1]}'", InsecureRequestWarning,
                          stacklevel=4)  # as urllib3 warns for requests' verify=False
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                conn = idle.pop()
                if conn.sock is not None and not wait_for_read(conn.sock, timeout=0.0):
                    conn.sock.settimeout(timeout)
                    return conn
                conn.close()  # readable while idle: closed by the server (or junk)
        return self._connect(key, timeout, request)

    def checkin(self, key: OriginKey, conn: http.client.HTTPConnection) -> None:
        """Keeps `conn` (its answer fully read) for the next request to the same origin."""
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.maxsize:
                idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Closes every idle connection."""
        with self._lock:
            conns = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for conn in conns:
            conn.close()

    def _context(self, verify: Any) -> ssl.SSLContext:
        marker = verify if isinstance(verify, (bool, str)) else repr(verify)
        with self._lock:
            context = self._contexts.get(marker)
        if context is None:
            context = tls_context(verify)
            with self._lock:
                self._contexts[marker] = context
        return context

    def _connect(self, key: OriginKey, timeout: float | None, request: Any) -> http.client.HTTPConnection:
        scheme, host, port, verify = key
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._context(verify))
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.connect()  # sets TCP_NODELAY; TLS handshake and host name check for https
        except TimeoutError as exc:
            conn.close()
            raise ConnectTimeout(exc, request=request) from exc
        except (ssl.SSLError, ssl.CertificateError) as exc:
            conn.close()
            raise SSLError(exc, request=request) from exc
        except OSError as exc:
            conn.close()
            raise ConnectionError(exc, request=request) from exc
        return conn
