"""A vendor's declaration: everything the product needs of a vendor, in one frozen object.

Each vendor package exports ``SPEC = VendorSpec(...)`` from ``sources/<vendor>/spec.py``;
:mod:`sources.registry` collects them. Central code (pipelines, sandbox, bench, tests) reads a
vendor's facts from its spec and names no vendor itself.

Code that lives outside ``sources/`` (the sandbox app, the bench scenario and baseline) is named by
a lazy ``"module:attribute"`` reference, so importing a source never imports the sandbox or bench.
"""

from __future__ import annotations

import argparse
import importlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dlt.sources import DltSource

from sources._shared import declare
from sources._shared.coverage import CustomFields, FieldCoverage
from sources._shared.declare import BigQueryLayout, Resource
from sources._shared.history import OBSERVED_AT, versions_table
from sources._shared.webhooks import WebhookProtocol

__all__ = ["AppFacade", "BigQueryLayout", "CliPlugin", "SpecError", "VendorSpec", "resolve"]

_NAME = re.compile(r"^[a-z][a-z0-9]*$")
_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class SpecError(ValueError):
    """A vendor declaration that is incomplete or inconsistent."""


def resolve(reference: str) -> Any:
    """Imports ``"package.module:Attribute"`` and returns the attribute.

    Raises:
        SpecError: the reference is malformed.
        ImportError: the module cannot be imported.
        AttributeError: the module has no such attribute.
    """
    if not _REFERENCE.match(reference):
        raise SpecError(f"{reference!r} is not a 'module:attribute' reference")
    module, _, attribute = reference.partition(":")
    target: Any = importlib.import_module(module)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


@dataclass(frozen=True)
class AppFacade(ABC):
    """What the app hands a vendor's CLI plugin, so that ``sources/`` never imports ``pipelines/``.

    The app subclasses it (``pipelines/cli/facade.py``).
    """

    @abstractmethod
    def latest_pipeline_name(self, target_name: str, pipelines_dir: str | None = None) -> str:
        """The most recently run local pipeline of a vendor/tenant (the plain name when none ran here)."""

    @abstractmethod
    def error_line(self, vendor: str, exc: BaseException) -> str:
        """One line that says what failed and what to do."""

    @abstractmethod
    def add_webhook_arguments(self, parser: argparse.ArgumentParser, vendor: str) -> None:
        """Adds the webhook receiver's ``serve`` options to `parser`."""

    @abstractmethod
    def serve_webhooks(self, protocol: WebhookProtocol, secrets: Any, args: argparse.Namespace) -> int:
        """Runs the webhook receiver for `protocol` until stopped; `secrets` as configured; the exit code."""


@dataclass(frozen=True)
class CliPlugin:
    """A top-level ``hr-elt`` command a vendor brings (e.g. a quota report, a webhook receiver).

    Attributes:
        name: The command (``hr-elt <name> ...``).
        help: One line for ``hr-elt --help``.
        add_arguments: Adds the command's arguments to its own sub-parser (with the app's facade).
        run: Runs the parsed command with the app's facade (:class:`AppFacade`); returns the exit code.
        settings: Keys of the vendor's config section the command reads that the source does not take
            (``webhook_secret``): known settings, never warned about as unknown.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser, AppFacade], None]
    run: Callable[[argparse.Namespace, AppFacade], int]
    settings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not re.match(r"^[a-z][a-z0-9-]*$", self.name):
            raise SpecError(f"CLI plugin name {self.name!r} must be a lower-case command word")
        if not self.help.strip():
            raise SpecError(f"CLI plugin {self.name!r} has no help text")


@dataclass(frozen=True)
class VendorSpec:
    """One vendor, declared once.

    Every field is required: there are no defaults. An empty mapping or tuple, or None for the
    bench references, is accepted only where a vendor truly has none of it, and then it is
    written down (e.g. ``pii={}`` for a vendor that sends no personal data).

    Attributes:
        name: Lower-case vendor name: also the dlt source name, default pipeline and dataset name.
        title: The vendor's name as written in docs (``README.md`` headings ``### <title>``).
        source: The vendor's ``@dlt.source`` function.
        config_section: The dlt config section of its settings (``sources.<config_section>.*``).
        resources: The source's resources, in load order.
        pii: Fields that are PII by default: ``table -> field patterns`` (paths as the records
            carry them, fnmatch patterns allowed).
        bigquery: ``table -> layout``. Only tables that grow with time are partitioned (monthly: a
            full backfill stays far below BigQuery's partition limits); entity tables are
            clustered on the key merges match on. Tables the source does not have are skipped.
        dbt_tables: Tables the vendor's dbt staging models read; a dataset lacking one is left
            out of the unified models.
        sandbox_app: ``"module:Class"`` of the vendor's sandbox emulator (a ``sandbox.core.VendorApp``).
        bench_scenario: ``"module:Class"`` of its bench scenario (``bench.specs.Scenario``), or None
            when it has none.
        bench_baseline: ``"module:function"`` building its hand-written ``rest_api`` baseline
            source, or None when it has none.
        readme: The markdown file (relative to the repository root) holding the vendor's resource
            table (``### <title>``) and settings table (``### <title> settings``).
        cli_plugins: Extra ``hr-elt`` commands the vendor brings (``()`` for none).
        coverage: The vendor's documented fields per resource, for field coverage (absent, empty,
            regression warnings).
        declaration: The vendor's resources, each declared once (:mod:`sources._shared.declare`):
            `resources`, `pii`, `bigquery`, `dbt_tables` and the fields of `coverage` must say what
            it says. Build a spec with :meth:`declare`, which derives them from it.
        history: The versions resources (``sources/_shared/history.py``) of its employee-like
            records: ``<resource>_versions -> <resource>``. Both are resources of the source; a run
            that selects a resource also loads its versions, and ``--full-refresh`` keeps their
            tables (``{}`` for a vendor that keeps no history).
    """

    name: str
    title: str
    source: Callable[..., DltSource]
    config_section: str
    resources: tuple[str, ...]
    pii: Mapping[str, tuple[str, ...]]
    bigquery: Mapping[str, BigQueryLayout]
    dbt_tables: tuple[str, ...]
    sandbox_app: str
    readme: str
    bench_scenario: str | None
    bench_baseline: str | None
    cli_plugins: tuple[CliPlugin, ...]
    coverage: FieldCoverage
    declaration: tuple[Resource, ...]
    history: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def declare(cls, *, name: str, title: str, source: Callable[..., DltSource], resources: tuple[Resource, ...],
                withheld_hint: str, custom_fields: CustomFields | None, sandbox_app: str, readme: str,
                bench_scenario: str | None, bench_baseline: str | None, cli_plugins: tuple[CliPlugin, ...],
                config_section: str | None = None,
                types: Mapping[str, Mapping[str, str]] | None = None,
                history: Mapping[str, str] | None = None) -> VendorSpec:
        """A spec whose resource tables derive from the vendor's declaration (`resources`).

        Args:
            name: The vendor name (see the class attributes).
            title: The vendor's name as written in docs.
            source: The vendor's ``@dlt.source`` function.
            resources: The declaration, in load order.
            withheld_hint: What to check when a documented field is absent (field coverage).
            custom_fields: Where admin-defined fields live, or None.
            sandbox_app: ``"module:Class"`` of the sandbox emulator.
            readme: The markdown file with the vendor's resource and settings tables.
            bench_scenario: ``"module:Class"`` of the bench scenario, or None.
            bench_baseline: ``"module:function"`` of the bench baseline, or None.
            cli_plugins: Extra ``hr-elt`` commands.
            config_section: The dlt config section; the vendor name when not given.
            types: Column types of may-be-null fields (``FieldCoverage.types``), so their columns exist
                from the first load.
            history: ``<resource>_versions -> <resource>``: the versions resources of its employee-like
                records (``sources/_shared/history.py``), resources of the source beside the declared ones.
        """
        declared = declare.check(resources)
        coverage = FieldCoverage(documented=declare.documented(declared), may_be_null=declare.may_be_null(declared),
                                 withheld_hint=withheld_hint, custom_fields=custom_fields, types=types or {})
        history = dict(history or {})
        bigquery = dict(declare.bigquery(declared))
        for versions, kept in history.items():  # the log grows by day: partitioned by when a version was seen
            parent = bigquery.get(kept)
            bigquery[versions] = BigQueryLayout(
                partition=(OBSERVED_AT, "timestamp"), cluster=parent.cluster if parent is not None else (),
                record_columns=parent.record_columns if parent is not None else ())
        return cls(name=name, title=title, source=source, config_section=config_section or name,
                   resources=_with_versions(declare.named(declared), history), pii=declare.pii(declared),
                   bigquery=bigquery,
                   dbt_tables=declare.dbt_tables(declared), sandbox_app=sandbox_app, readme=readme,
                   bench_scenario=bench_scenario, bench_baseline=bench_baseline, cli_plugins=cli_plugins,
                   coverage=coverage, declaration=declared, history=history)

    def __post_init__(self) -> None:
        where = f"vendor spec {self.name!r}"
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise SpecError(f"{where}: name must be lower-case letters and digits")
        if not self.title.strip():
            raise SpecError(f"{where}: title is empty")
        if not callable(self.source):
            raise SpecError(f"{where}: source is not the vendor's @dlt.source function")
        if not self.readme.strip():
            raise SpecError(f"{where}: readme is empty")
        if not self.config_section.strip():
            raise SpecError(f"{where}: config_section is empty")
        for label, value in (("resources", self.resources), ("dbt_tables", self.dbt_tables)):
            if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
                raise SpecError(f"{where}: {label} must be a tuple of names")
        if not self.resources:
            raise SpecError(f"{where}: resources is empty")
        if len(set(self.resources)) != len(self.resources):
            raise SpecError(f"{where}: resources has duplicates")
        if not isinstance(self.pii, Mapping) or not isinstance(self.bigquery, Mapping):
            raise SpecError(f"{where}: pii and bigquery must be mappings (empty only when the vendor has none)")
        for table, patterns in self.pii.items():
            if not isinstance(patterns, tuple) or not patterns or not all(isinstance(p, str) and p for p in patterns):
                raise SpecError(f"{where}: pii[{table!r}] must be a non-empty tuple of field patterns")
        for table, layout in self.bigquery.items():
            if not isinstance(layout, BigQueryLayout):
                raise SpecError(f"{where}: bigquery[{table!r}] is not a BigQueryLayout")
        for label, reference in (("sandbox_app", self.sandbox_app), ("bench_scenario", self.bench_scenario),
                                 ("bench_baseline", self.bench_baseline)):
            if reference is not None and not _REFERENCE.match(reference):
                raise SpecError(f"{where}: {label} {reference!r} is not a 'module:attribute' reference")
        if not isinstance(self.cli_plugins, tuple) or not all(isinstance(p, CliPlugin) for p in self.cli_plugins):
            raise SpecError(f"{where}: cli_plugins must be a tuple of CliPlugin")
        for label, tables in (("pii", self.pii), ("bigquery", self.bigquery), ("dbt_tables", self.dbt_tables)):
            strays = sorted(set(tables) - set(self.resources))
            if strays:  # a typo here would leave a table unprotected or unlaid-out without a word
                raise SpecError(f"{where}: {label} names tables that are not resources: {', '.join(strays)}")
        if not isinstance(self.coverage, FieldCoverage):
            raise SpecError(f"{where}: coverage must be a FieldCoverage")
        custom = self.coverage.custom_fields
        named = set(self.coverage.documented) | set(self.coverage.may_be_null)
        strays = sorted((named | ({custom.resource, custom.definitions} if custom else set())) - set(self.resources))
        if strays:
            raise SpecError(f"{where}: coverage names tables that are not resources: {', '.join(strays)}")
        self._check_history(where)
        names = [p.name for p in self.cli_plugins]
        if len(set(names)) != len(names):
            raise SpecError(f"{where}: two CLI plugins named alike: {names}")
        self._check_declaration(where)

    def _check_declaration(self, where: str) -> None:
        """The resource tables say what the declaration says (one declaration, never two that drift)."""
        try:
            declared = declare.check(self.declaration)
        except declare.DeclarationError as error:
            raise SpecError(f"{where}: {error}") from None
        derived = {
            "resources": declare.named(declared), "pii": declare.pii(declared),
            "bigquery": declare.bigquery(declared), "dbt_tables": declare.dbt_tables(declared),
            "coverage.documented": declare.documented(declared),
            "coverage.may_be_null": declare.may_be_null(declared),
        }
        versions = set(self.history)  # beside the declared resources (see :meth:`declare`)
        given = {
            "resources": tuple(r for r in self.resources if r not in versions), "pii": dict(self.pii),
            "bigquery": {t: layout for t, layout in self.bigquery.items() if t not in versions},
            "dbt_tables": self.dbt_tables, "coverage.documented": dict(self.coverage.documented),
            "coverage.may_be_null": dict(self.coverage.may_be_null),
        }
        for label, value in derived.items():
            same = sorted(value) == sorted(given[label]) if label == "dbt_tables" else value == given[label]
            if not same:
                raise SpecError(f"{where}: {label} differs from the resource declaration; derive it with "
                                "VendorSpec.declare(...)")

    def _check_history(self, where: str) -> None:
        if not isinstance(self.history, Mapping):
            raise SpecError(f"{where}: history must be a mapping (empty when the vendor keeps no history)")
        for versions, kept in self.history.items():
            if versions not in self.resources or kept not in self.resources:
                raise SpecError(f"{where}: history[{versions!r}] = {kept!r} names a table that is not a resource")
            if versions != versions_table(kept):
                raise SpecError(f"{where}: history[{versions!r}]: the versions of {kept!r} are named "
                                f"{versions_table(kept)!r}")

    @property
    def env_prefix(self) -> str:
        """``SOURCES__<SECTION>__``: the env var prefix of the vendor's settings."""
        return f"SOURCES__{self.config_section.upper()}__"

    def make_source(self, **kwargs: Any) -> DltSource:
        """Builds the source; settings not given here come from dlt's config providers."""
        return self.source(**kwargs)

    def sandbox_class(self) -> Any:
        """The vendor's sandbox app class (imports the sandbox)."""
        return resolve(self.sandbox_app)

    def bench_scenario_class(self) -> Any:
        """The vendor's bench scenario class.

        Raises:
            SpecError: the vendor declares none.
        """
        if self.bench_scenario is None:
            raise SpecError(f"vendor {self.name!r} declares no bench scenario")
        return resolve(self.bench_scenario)

    def bench_baseline_factory(self) -> Callable[..., DltSource]:
        """The function building the vendor's hand-written baseline source.

        Raises:
            SpecError: the vendor declares none.
        """
        if self.bench_baseline is None:
            raise SpecError(f"vendor {self.name!r} declares no bench baseline")
        factory: Callable[..., DltSource] = resolve(self.bench_baseline)
        return factory


def _with_versions(resources: tuple[str, ...], history: Mapping[str, str]) -> tuple[str, ...]:
    """The resources with each versions resource right after the one it keeps the versions of.

    dlt starts a transformer's parent where the transformer stands in the source: listed right after
    its parent, the walks still start in the declared order (ByteHR's quota goes to them in that order).
    """
    versions_of = {kept: versions for versions, kept in history.items()}
    return tuple(name for resource in resources
                 for name in (resource, *((versions_of[resource],) if resource in versions_of else ())))
