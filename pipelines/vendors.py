"""The vendors hr-elt knows, and how to build each one's dlt source."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dlt.extract.source import DltSource


@dataclass(frozen=True)
class Vendor:
    """One vendor: its name (also the pipeline name and default dataset) and its source function."""

    name: str
    module: str
    function: str

    def source_function(self) -> Callable[..., DltSource]:
        """Imports the vendor's ``@dlt.source`` function."""
        return getattr(importlib.import_module(self.module), self.function)  # type: ignore[no-any-return]

    def make_source(self, **kwargs: Any) -> DltSource:
        """Builds the source; settings not given here come from dlt's config providers."""
        return self.source_function()(**kwargs)


VENDORS: dict[str, Vendor] = {
    v.name: v
    for v in (
        Vendor("bytehr", "sources.bytehr", "bytehr_source"),
        Vendor("cutehr", "sources.cutehr", "cutehr_source"),
        Vendor("hollyhr", "sources.hollyhr", "hollyhr_source"),
    )
}


def available() -> list[str]:
    """Vendors whose source is importable in this installation, in a stable order."""
    names = []
    for name, vendor in VENDORS.items():
        try:
            vendor.source_function()
        except (ImportError, AttributeError):
            continue
        names.append(name)
    return names
