"""The three vendors' APIs, emulated over real HTTP on loopback.

Usage::

    with Sandbox(hollyhr={"people": 50}) as sb:
        sb.hollyhr.base_url      # http://127.0.0.1:PORT/api/v1
        sb.env()                 # SOURCES__HOLLYHR__BASE_URL etc., for dlt's config providers
        sb.hollyhr.inject("/people", "503", times=2)
"""

from __future__ import annotations

from typing import Any

from sandbox.core import Clock, today_noon
from sandbox.server import AppServer


class Sandbox:
    """Starts the ByteHR, CuteHR and HollyHR emulators on ephemeral loopback ports."""

    def __init__(
        self,
        seed: int = 1,
        clock: Clock | None = None,
        hollyhr: dict[str, Any] | None = None,
        cutehr: dict[str, Any] | None = None,
        bytehr: dict[str, Any] | None = None,
        vendors: tuple[str, ...] = ("hollyhr", "cutehr", "bytehr"),
    ) -> None:
        from sandbox.bytehr import ByteHRApp
        from sandbox.cutehr import CuteHRApp
        from sandbox.hollyhr import HollyHRApp

        # The connector's "today" (CuteHR's attendance windows) is the machine's date: share the calendar.
        self.clock = clock or Clock(today_noon())
        factories = {"hollyhr": (HollyHRApp, hollyhr), "cutehr": (CuteHRApp, cutehr), "bytehr": (ByteHRApp, bytehr)}
        self.apps: dict[str, Any] = {}
        self._servers: list[AppServer] = []
        for name in vendors:
            cls, kwargs = factories[name]
            self.apps[name] = cls(clock=self.clock, seed=seed, **(kwargs or {}))

    @property
    def hollyhr(self) -> Any:
        return self.apps["hollyhr"]

    @property
    def cutehr(self) -> Any:
        return self.apps["cutehr"]

    @property
    def bytehr(self) -> Any:
        return self.apps["bytehr"]

    def start(self) -> Sandbox:
        for app in self.apps.values():
            self._servers.append(AppServer(app).start())
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers.clear()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """dlt config env vars (base URL and credentials) pointing every source at this sandbox."""
        out: dict[str, str] = {}
        for name, app in self.apps.items():
            out[f"SOURCES__{name.upper()}__BASE_URL"] = app.base_url
            for key, value in app.credentials().items():
                out[f"SOURCES__{name.upper()}__{key.upper()}"] = str(value)
        return out
