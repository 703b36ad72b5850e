"""HollyHR Core API emulator (``/api/v1``); see ``sandbox/README_hollyhr.md``."""

from sandbox.hollyhr.app import ALL_SCOPES, DEFAULT_TOKEN, HollyHRApp
from sandbox.hollyhr.webhooks import SIGNATURE_HEADER, sign, signature_header

__all__ = ["ALL_SCOPES", "DEFAULT_TOKEN", "SIGNATURE_HEADER", "HollyHRApp", "sign", "signature_header"]
