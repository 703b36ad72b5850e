"""One declaration per resource: what the product needs of a vendor's resource, written once.

A vendor lists its resources as :class:`Resource` records (``sources/<vendor>/declaration.py``,
in load order). Everything else that names a resource derives from that list: the vendor's
settings tables (paths, scopes, Arrow columns, walk priority, webhook events), its spec (PII
defaults, BigQuery layout, dbt tables, field coverage: :meth:`~sources._shared.spec.VendorSpec.declare`)
and the resource tables of its README (checked against the declaration by
``tests/shared/test_declaration.py``), while ``tests/contract`` checks the built source against it.

The shape follows dlt ``rest_api``'s resource dict (``name``, ``endpoint.path``, ``primary_key``,
``write_disposition``, ``columns``, an incremental ``cursor_path``) and singer-sdk's ``Stream``
(``path``, ``primary_keys``, ``replication_key``, ``schema``), plus what this product adds on top:
the scope a resource needs, its documented and nullable fields, PII defaults, the BigQuery layout,
the Arrow columns, the walk priority under a quota and the webhook events that touch it. The
vendor's code still builds the resources (dlt resources with their vendor-specific walks): the
declaration is the data those builders read, not a second source of truth beside them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from dlt.common.schema.typing import TColumnSchema

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{[^}]*\}")

Sync = Literal["incremental", "snapshot", "child", "windows"]
"""How a resource syncs:

* ``incremental``: a list filtered by the vendor's inclusive updated-since parameter on ``cursor``;
* ``snapshot``: the whole list walked every run, only new and changed rows loaded, deletes found
  from complete walks;
* ``child``: one request per parent record (``path`` has the parent's placeholder);
* ``windows``: date windows over ``cursor`` (a backfill, then a look-back every run).
"""
SYNC_KINDS: tuple[str, ...] = get_args(Sync)


@dataclass(frozen=True)
class BigQueryLayout:
    """How one table is laid out on BigQuery.

    Attributes:
        partition: ``(column, "date" | "timestamp")``: monthly partitions on that column (the column
            gets that data type hint). On a table with ``record_columns``: daily partitions, set on
            the load job.
        cluster: Clustering columns, e.g. the primary key merges look up.
        record_columns: Dict columns kept whole as one RECORD (STRUCT) column; the table then uses
            BigQuery schema autodetection (dlt runs no DDL for it).
    """

    partition: tuple[str, str] | None = None
    cluster: tuple[str, ...] = ()
    record_columns: tuple[str, ...] = ()


class DeclarationError(ValueError):
    """A resource declaration that is incomplete or inconsistent."""


@dataclass(frozen=True)
class Resource:
    """One resource of a vendor, declared once.

    The first eight attributes have no default: a resource says what it has, and says so when it
    has none of it (``pii=()`` for a resource without personal data, ``bigquery=None``).

    Attributes:
        name: The resource and table name.
        path: The list path of the vendor's API (``{...}`` placeholders for a child's parent).
        primary_key: The columns ``merge`` matches on.
        sync: How it syncs (:data:`Sync`).
        fields: The fields the vendor's contract documents for its records (top-level keys): field
            coverage warns when one is absent or empty.
        pii: Field patterns that are PII by default (paths as the records carry them, fnmatch
            patterns allowed); ``hr_elt.pii.action`` decides what happens to them.
        bigquery: Its BigQuery layout, or None (only tables that grow with the company get one).
        dbt: Whether the vendor's dbt staging models read this table (a dataset lacking it is left
            out of the unified models).
        cursor: The field the sync is incremental on (``incremental`` and ``windows``).
        write_disposition: dlt's write disposition (``merge`` on the primary key for every table today).
        scope: The API scope or permission the resource needs, named in errors (None: no scopes).
        may_be_null: Documented fields that are null on many records by nature (end dates, optional
            links): null on a whole load is not "empty".
        columns: dlt column hints (types the API sends as strings).
        arrow_columns: Every column in the table's order with its type, when new and changed rows go
            to dlt as Arrow tables (None: dicts).
        dates: ISO date fields parsed to dates in the resource (after digests and cursors).
        timestamps: ISO timestamp fields parsed to datetimes in the resource.
        ordered: Whether the vendor serves the list in ascending primary-key order (a snapshot walk
            can then repair page shifts by re-reading).
        walk_priority: Rank in which snapshot walks get a scarce quota (lowest first), or None.
        webhook_events: Event type prefixes (``time_off`` for ``time_off.created``) whose deliveries
            mean this resource changed.
    """

    name: str
    path: str
    primary_key: tuple[str, ...]
    sync: Sync
    fields: tuple[str, ...]
    pii: tuple[str, ...]
    bigquery: BigQueryLayout | None
    dbt: bool
    cursor: str | None = None
    write_disposition: str = "merge"
    scope: str | None = None
    may_be_null: tuple[str, ...] = ()
    columns: Mapping[str, TColumnSchema] = field(default_factory=dict)
    arrow_columns: Mapping[str, TColumnSchema] | None = None
    dates: tuple[str, ...] = ()
    timestamps: tuple[str, ...] = ()
    ordered: bool = False
    walk_priority: int | None = None
    webhook_events: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"resource {self.name!r}"
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise DeclarationError(f"{where}: name must be lower-case letters, digits and underscores")
        if self.sync not in SYNC_KINDS:
            raise DeclarationError(f"{where}: sync {self.sync!r} is not one of {', '.join(SYNC_KINDS)}")
        if not isinstance(self.path, str) or not self.path.startswith("/"):
            raise DeclarationError(f"{where}: path {self.path!r} must start with '/'")
        for label in ("primary_key", "fields", "pii", "may_be_null", "dates", "timestamps", "webhook_events"):
            value = getattr(self, label)
            if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
                raise DeclarationError(f"{where}: {label} must be a tuple of names")
        if not self.primary_key or not self.fields:
            raise DeclarationError(f"{where}: primary_key and fields must not be empty")
        if (self.cursor is None) == (self.sync in ("incremental", "windows")):
            raise DeclarationError(f"{where}: a cursor is declared exactly for incremental and windows syncs")
        if self.sync == "child" and not _PLACEHOLDER.search(self.path):
            raise DeclarationError(f"{where}: a child's path names its parent with a {{placeholder}}")
        if self.bigquery is not None and not isinstance(self.bigquery, BigQueryLayout):
            raise DeclarationError(f"{where}: bigquery is not a BigQueryLayout")
        # a typo in one of these would leave a field unchecked, unprotected or unlaid-out without a word
        named = {"primary_key": self.primary_key, "may_be_null": self.may_be_null, "dates": self.dates,
                 "timestamps": self.timestamps, "cursor": (self.cursor,) if self.cursor else (),
                 "arrow_columns": tuple(c for c in self.arrow_columns or {} if not c.startswith("_")),
                 "bigquery": _layout_columns(self.bigquery)}
        for label, names in named.items():
            strays = sorted(set(names) - set(self.fields))
            if strays:
                raise DeclarationError(f"{where}: {label} names undocumented fields: {', '.join(strays)}")

    @property
    def key(self) -> str:
        """The primary key of a resource keyed on one column.

        Raises:
            DeclarationError: the key has several columns.
        """
        if len(self.primary_key) != 1:
            raise DeclarationError(f"resource {self.name!r} has a compound primary key {self.primary_key}")
        return self.primary_key[0]

    @property
    def cursor_field(self) -> str:
        """The cursor of an incremental or windows resource.

        Raises:
            DeclarationError: the resource has no cursor.
        """
        if self.cursor is None:
            raise DeclarationError(f"resource {self.name!r} syncs by {self.sync}, without a cursor")
        return self.cursor

    def path_shape(self) -> str:
        """The path with every placeholder written ``{}`` (docs name them differently)."""
        return _PLACEHOLDER.sub("{}", self.path)


def _layout_columns(layout: BigQueryLayout | None) -> tuple[str, ...]:
    if layout is None:
        return ()
    partition = (layout.partition[0],) if layout.partition else ()
    return (*partition, *layout.cluster, *layout.record_columns)


def check(resources: Iterable[Resource]) -> tuple[Resource, ...]:
    """A vendor's declaration as a tuple, checked as a whole.

    Raises:
        DeclarationError: empty, a name twice, or walk priorities that are not distinct.
    """
    declared = tuple(resources)
    if not declared or not all(isinstance(r, Resource) for r in declared):
        raise DeclarationError("a vendor declares one or more Resource records")
    names = [r.name for r in declared]
    if len(set(names)) != len(names):
        raise DeclarationError(f"resources declared twice: {sorted({n for n in names if names.count(n) > 1})}")
    ranks = [r.walk_priority for r in declared if r.walk_priority is not None]
    if len(set(ranks)) != len(ranks):
        raise DeclarationError("two resources share a walk_priority")
    return declared


def by_name(resources: Iterable[Resource]) -> dict[str, Resource]:
    """``name -> Resource``, in declaration order."""
    return {r.name: r for r in resources}


def paths(resources: Iterable[Resource], *syncs: Sync) -> dict[str, str]:
    """``name -> path`` of the resources that sync one of `syncs` (every resource when none given)."""
    return {r.name: r.path for r in resources if not syncs or r.sync in syncs}


def named(resources: Iterable[Resource], *syncs: Sync) -> tuple[str, ...]:
    """Names of the resources that sync one of `syncs` (every resource when none given), in order."""
    return tuple(r.name for r in resources if not syncs or r.sync in syncs)


def documented(resources: Iterable[Resource]) -> dict[str, tuple[str, ...]]:
    """``name -> documented fields`` (field coverage)."""
    return {r.name: r.fields for r in resources}


def may_be_null(resources: Iterable[Resource]) -> dict[str, tuple[str, ...]]:
    """``name -> fields null by nature``, for resources that have any."""
    return {r.name: r.may_be_null for r in resources if r.may_be_null}


def scopes(resources: Iterable[Resource]) -> dict[str, str]:
    """``name -> scope``, for resources that need one."""
    return {r.name: r.scope for r in resources if r.scope is not None}


def pii(resources: Iterable[Resource]) -> dict[str, tuple[str, ...]]:
    """``name -> PII field patterns``, for resources that carry any."""
    return {r.name: r.pii for r in resources if r.pii}


def bigquery(resources: Iterable[Resource]) -> dict[str, BigQueryLayout]:
    """``name -> BigQuery layout``, for resources that have one."""
    return {r.name: r.bigquery for r in resources if r.bigquery is not None}


def dbt_tables(resources: Iterable[Resource]) -> tuple[str, ...]:
    """The tables the vendor's dbt staging models read."""
    return tuple(r.name for r in resources if r.dbt)


def arrow_columns(resources: Iterable[Resource]) -> dict[str, Mapping[str, TColumnSchema]]:
    """``name -> Arrow columns``, for resources loaded as Arrow tables."""
    return {r.name: r.arrow_columns for r in resources if r.arrow_columns is not None}


def walk_priority(resources: Iterable[Resource]) -> tuple[str, ...]:
    """Names of the ranked resources, lowest rank first."""
    ranked = sorted((r.walk_priority, r.name) for r in resources if r.walk_priority is not None)
    return tuple(name for _, name in ranked)


def event_resources(resources: Iterable[Resource]) -> dict[str, tuple[str, ...]]:
    """``event type prefix -> resources it touches``, prefixes in order of first declaration."""
    out: dict[str, tuple[str, ...]] = {}
    for resource in resources:
        for prefix in resource.webhook_events:
            out[prefix] = (*out.get(prefix, ()), resource.name)
    return out
