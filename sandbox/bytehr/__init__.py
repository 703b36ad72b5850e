"""ByteHR Open API emulator (see sandbox/README.md (ByteHR))."""

from sandbox.bytehr.app import DEFAULT_KEY, DEFAULT_QUOTA, ByteHRApp
from sandbox.bytehr.data import FIELD_TYPES, CustomField

__all__ = ["DEFAULT_KEY", "DEFAULT_QUOTA", "FIELD_TYPES", "ByteHRApp", "CustomField"]
