"""CuteHR emulator (see ``shared/providers/cutehr.md`` and ``sandbox/README.md (CuteHR)``)."""

from sandbox.cutehr.app import DEFAULT_EMAIL, DEFAULT_PASSWORD, CuteHRApp

__all__ = ["CuteHRApp", "DEFAULT_EMAIL", "DEFAULT_PASSWORD"]
