"""Every registered vendor's API, emulated over real HTTP on loopback.

Usage::

    with Sandbox(vendors=("<vendor>",), <vendor>={"people": 50}) as sb:
        sb.<vendor>.base_url     # http://127.0.0.1:PORT/...
        sb.env()                 # SOURCES__<VENDOR>__BASE_URL etc., for dlt's config providers
        sb.<vendor>.inject("/people", "503", times=2)

Which apps exist comes from the vendor registry (``sources.registry``): each vendor's spec names
its app class (``VendorSpec.sandbox_app``). Keyword arguments named after a vendor are that
app's settings; ``vendors=`` picks which apps start (default: every registered vendor).
A vendor's ``latency={"fixed_s": 0.12, "jitter_s": 0.01, "routes": {"/people*": (0.2, 0)}}`` gives its
requests a service time (see :class:`sandbox.core.Latency`); rate limits stay as the app's settings say.
"""

from __future__ import annotations

from typing import Any

from sandbox.core import Clock, today_noon
from sandbox.server import AppServer
from sources import registry


class Sandbox:
    """Starts vendor emulators on ephemeral loopback ports."""

    def __init__(
        self,
        seed: int = 1,
        clock: Clock | None = None,
        vendors: tuple[str, ...] | None = None,
        **settings: dict[str, Any] | None,
    ) -> None:

        chosen = tuple(registry.names()) if vendors is None else tuple(vendors)
        specs = {name: registry.get(name) for name in chosen}
        unknown = sorted(set(settings) - set(registry.names()))
        if unknown:
            raise TypeError(f"Sandbox() got settings for unknown vendors {unknown}; known: {registry.names()}")
        # The connector's "today" (date windows of some APIs) is the machine's date: share the calendar.
        self.clock = clock or Clock(today_noon())
        self.apps: dict[str, Any] = {}
        self.specs = specs
        self._servers: list[AppServer] = []
        for name, spec in specs.items():
            opts = dict(settings.get(name) or {})
            latency = opts.pop("latency", None)  # {"fixed_s", "jitter_s", "routes": {pattern: (fixed, jitter)}}
            self.apps[name] = spec.sandbox_class()(clock=self.clock, seed=seed, **opts)
            if latency:
                self.apps[name].set_latency(**latency)

    def __getattr__(self, name: str) -> Any:
        # sb.<vendor> is that vendor's app; only called for names that are not attributes
        apps = self.__dict__.get("apps", {})
        if name in apps:
            return apps[name]
        raise AttributeError(f"{type(self).__name__} has no attribute or running vendor {name!r}")

    def start(self, base_port: int = 0) -> Sandbox:
        """Serves every app; on ephemeral ports, or on `base_port`, `base_port + 1`, ... in vendor order."""
        for offset, app in enumerate(self.apps.values()):
            self._servers.append(AppServer(app, port=base_port + offset if base_port else 0).start())
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
            prefix = self.specs[name].env_prefix
            out[f"{prefix}BASE_URL"] = app.base_url
            for key, value in app.credentials().items():
                out[f"{prefix}{key.upper()}"] = str(value)
        return out
