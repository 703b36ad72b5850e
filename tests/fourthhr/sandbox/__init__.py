"""FourthHR's sandbox side, laid out like a real vendor's ``sandbox/<vendor>/``: the emulator and its bench scenario."""

from tests.fourthhr.sandbox.app import API_KEY, FourthHRApp

__all__ = ["API_KEY", "FourthHRApp"]
