"""PII controls per column: keep, drop, or pseudonymise with a keyed HMAC, before data leaves extraction.

The runner applies a :class:`PiiPolicy` as a dlt transform step on every resource of a source
(see :mod:`sources._shared.guard`), so a dropped or pseudonymised value never reaches a
load package, dlt's local files or the warehouse.

Configuration (dlt config providers; env vars in brackets)::

    [hr_elt.pii]
    action = "pseudonymise"   # for the columns that are PII by default: keep | drop | pseudonymise
                              # [HR_ELT__PII__ACTION], default keep
    [hr_elt.pii.columns]      # per column, over the default; fnmatch patterns on vendor.table.field
    "hollyhr.people.work_email" = "drop"
    "bytehr.employees.custom_fields.*" = "keep"
                              # [HR_ELT__PII__COLUMNS='{"hollyhr.people.work_email": "drop"}']

    # .dlt/secrets.toml
    [hr_elt.pii]
    hmac_key = "..."          # [HR_ELT__PII__HMAC_KEY], needed by pseudonymise

A field is addressed by its path in the record as the vendor sends it (after the source's
own reshaping, e.g. ByteHR's custom fields pivoted into ``custom_fields.<column>``), with
dots between nesting levels. Primary keys and incremental cursors cannot be dropped or
pseudonymised: the pipeline needs them.
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dlt

from sources._shared.errors import ProviderConfigError
from sources._shared.http.redaction import register_secret

KEEP, DROP, PSEUDONYMISE = "keep", "drop", "pseudonymise"
ACTIONS = (KEEP, DROP, PSEUDONYMISE)
_ALIASES = {"pseudonymize": PSEUDONYMISE, "hash": PSEUDONYMISE, "hmac": PSEUDONYMISE}
MIN_KEY_LENGTH = 16

ACTION_SETTING = "hr_elt.pii.action (env HR_ELT__PII__ACTION)"
COLUMNS_SETTING = "hr_elt.pii.columns (env HR_ELT__PII__COLUMNS)"
KEY_SETTING = "hr_elt.pii.hmac_key (env HR_ELT__PII__HMAC_KEY)"


@dataclass(frozen=True)
class PiiSettings:
    """What to do with PII, as configured.

    Attributes:
        action: Applied to the fields that are PII by default (:func:`pii_defaults`).
        columns: ``"vendor.table.field" pattern -> action``, over the default.
        hmac_key: Secret key of the pseudonymising HMAC; needed only when something is pseudonymised.
    """

    action: str = KEEP
    columns: Mapping[str, str] = field(default_factory=dict)
    hmac_key: str | None = None


def normalise_action(value: Any, setting: str) -> str:
    """``keep``, ``drop`` or ``pseudonymise`` (``pseudonymize``/``hash``/``hmac`` accepted); else a config error."""
    text = str(value).strip().lower()
    text = _ALIASES.get(text, text)
    if text not in ACTIONS:
        raise ProviderConfigError("hr_elt", f"PII action {value!r} is not one of {', '.join(ACTIONS)}",
                                  hint=f"Fix {setting}")
    return text


def load_pii_settings() -> PiiSettings:
    """Reads ``hr_elt.pii.*`` from dlt's config providers (config.toml, secrets.toml, env)."""
    action = dlt.config.get("hr_elt.pii.action", str) or KEEP
    columns: Any = dlt.config.get("hr_elt.pii.columns")
    if isinstance(columns, str):
        try:
            columns = json.loads(columns)
        except ValueError:
            raise ProviderConfigError("hr_elt", "PII columns are not a JSON object",
                                      hint=f'Set {COLUMNS_SETTING} to e.g. {{"hollyhr.people.work_email": "drop"}}') \
                from None
    if columns is not None and not isinstance(columns, Mapping):
        raise ProviderConfigError("hr_elt", "PII columns are not a table of pattern = action",
                                  hint=f"Fix {COLUMNS_SETTING}")
    key: Any = dlt.secrets.get("hr_elt.pii.hmac_key")
    return PiiSettings(action=str(action), columns=dict(columns or {}), hmac_key=str(key) if key else None)


class Pseudonymiser:
    """Keyed HMAC-SHA256 of a value: the same input and key give the same 64 hex digits.

    Strings are stripped first, and e-mail addresses (fields named ``*email*``) lower-cased, so
    the same person gets the same pseudonym in every vendor's tables under one key. Other values
    are hashed as their canonical JSON. Null stays null.
    """

    def __init__(self, key: str) -> None:
        self._base = hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)  # keyed once, copied per value

    def __repr__(self) -> str:
        return "Pseudonymiser(key=***)"

    def __call__(self, value: Any, field_name: str = "") -> str | None:
        """The pseudonym of `value`."""
        if value is None:
            return None
        if isinstance(value, str):
            text = value.strip()
            if "email" in field_name.lower():
                text = text.lower()
        else:
            text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
        mac = self._base.copy()
        mac.update(text.encode("utf-8"))
        return mac.hexdigest()


class TableRules:
    """The PII decisions for one table: which record paths to drop or pseudonymise.

    Args:
        vendor: Provider name.
        table: Table name.
        defaults: Field patterns that are PII by default (dotted paths, fnmatch).
        default_action: What happens to them.
        overrides: ``(field pattern, action)`` configured for this table, most specific first.
        pseudonymise: The keyed HMAC, when anything is pseudonymised.

    Decisions are made once per path; a record is handled by a plan cached per key set, so a
    record costs a tuple of its keys, one lookup and the actions themselves.
    """

    MAX_PLANS = 4096

    def __init__(self, vendor: str, table: str, defaults: tuple[str, ...], default_action: str,
                 overrides: list[tuple[str, str]], pseudonymise: Pseudonymiser | None) -> None:
        self.vendor = vendor
        self.table = table
        self._defaults = defaults
        self._default_action = default_action
        self._overrides = overrides
        self._pseudonymise = pseudonymise
        self._cache: dict[tuple[str, ...], str | None] = {}
        self._plans: dict[tuple[Any, ...], tuple[list[tuple[Any, str]], list[Any]]] = {}
        patterns = [*defaults, *(p for p, _ in overrides)]
        # first path segments under which a rule may match something nested ("*" when any may)
        self._heads = {("*" if p[0] in "*?[" else p.split(".", 1)[0]) for p in patterns if "." in p or p[0] in "*?["}

    def decide(self, path: tuple[str, ...]) -> str | None:
        """The action for a record path; None means keep (and walk into it, if it is an object)."""
        if path in self._cache:
            return self._cache[path]
        dotted = ".".join(path)
        action: str | None = None
        for pattern, override in self._overrides:
            if fnmatch.fnmatchcase(dotted, pattern):
                action = override
                break
        else:
            if any(fnmatch.fnmatchcase(dotted, p) for p in self._defaults):
                action = self._default_action
        result = None if action == KEEP else action
        self._cache[path] = result
        return result

    def apply(self, record: dict[str, Any]) -> dict[str, Any]:
        """Drops or pseudonymises the record's PII fields, in place; returns the record."""
        self._apply(record, ())
        return record

    def apply_arrow(self, table: Any) -> Any:
        """Drops or pseudonymises the PII columns of a pyarrow Table or RecordBatch; returns the new one.

        Columns are record fields as the vendor sent them (top level). A pseudonymised string column
        stays a string column (null stays null); a nested (struct or list) column that rules may
        reach into is rewritten value by value as dict records are, its type inferred again. When a
        column of another type (a number, a date) is pseudonymised, the rows are returned as dict
        records with the rules applied, so dlt stores the pseudonyms as it does for dicts (a
        variant column) instead of loading strings into a typed column.
        """
        import pyarrow as pa

        for name in table.schema.names:
            kind = table.schema.field(name).type
            if self.decide((name,)) == PSEUDONYMISE and not (pa.types.is_string(kind) or pa.types.is_null(kind)):
                # a pseudonym in a column of another type: as dicts, so dlt types it as it does for dicts
                return [self.apply(record) for record in table.to_pylist()]
        for name in list(table.schema.names):
            action = self.decide((name,))
            if action == DROP:
                table = table.drop_columns([name])
                continue
            index = table.schema.get_field_index(name)
            if action == PSEUDONYMISE:
                assert self._pseudonymise is not None
                pseudonymise = self._pseudonymise
                values = [pseudonymise(v, name) for v in table.column(index).to_pylist()]
                table = table.set_column(index, pa.field(name, pa.string()), pa.array(values, pa.string()))
            elif self._heads and _arrow_nested(table.schema.field(index).type) and any(
                    h == "*" or fnmatch.fnmatchcase(name, h) for h in self._heads):
                values = table.column(index).to_pylist()
                for value in values:
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, dict):
                            self._apply(item, (name,))
                table = table.set_column(index, name, pa.array(values))
        return table

    def _plan(self, obj: dict[str, Any], prefix: tuple[str, ...]) -> tuple[list[tuple[Any, str]], list[Any]]:
        keys = (prefix, *obj)
        plan = self._plans.get(keys)
        if plan is None:
            actions: list[tuple[Any, str]] = []
            descend: list[Any] = []
            for key in obj:
                path = (*prefix, str(key))
                action = self.decide(path)
                if action is not None:
                    actions.append((key, action))
                elif self._heads and (prefix or any(h == "*" or fnmatch.fnmatchcase(str(key), h)
                                                    for h in self._heads)):
                    descend.append(key)
            plan = (actions, descend)
            if len(self._plans) < self.MAX_PLANS:
                self._plans[keys] = plan
        return plan

    def _apply(self, obj: dict[str, Any], prefix: tuple[str, ...]) -> None:
        actions, descend = self._plan(obj, prefix)
        for key, action in actions:
            if action == DROP:
                del obj[key]
            else:
                assert self._pseudonymise is not None
                obj[key] = self._pseudonymise(obj[key], str(key))
        for key in descend:
            value = obj[key]
            if isinstance(value, dict):
                self._apply(value, (*prefix, str(key)))
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        self._apply(item, (*prefix, str(key)))


def _arrow_nested(kind: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_struct(kind) or pa.types.is_list(kind) or pa.types.is_large_list(kind))


def _check_names(pattern: str, parts: list[str], known: Mapping[str, Sequence[str]]) -> None:
    """A PII key naming no known vendor or table fails the run: a misspelling would load raw values.

    Raises:
        ProviderConfigError: the key's vendor or table (when written without wildcards) is unknown.
    """
    def literal(text: str) -> bool:
        return not any(c in text for c in "*?[")

    def refuse(what: str, bad: str, known: list[str]) -> None:
        near = difflib.get_close_matches(bad, known, n=1, cutoff=0.6)
        hint = f" (nearest: {near[0]!r})" if near else f" (known: {', '.join(sorted(known))})"
        raise ProviderConfigError("hr_elt", f"PII column {pattern!r} names no known {what} {bad!r}{hint}",
                                  hint=f"Fix {COLUMNS_SETTING}")

    vendors = list(known)
    if not literal(parts[0]):
        return
    if parts[0] not in vendors:
        refuse("vendor", parts[0], vendors)
    tables = list(known[parts[0]])
    if literal(parts[1]) and parts[1] not in tables:
        refuse(f"{parts[0]} table", parts[1], tables)


class PiiPolicy:
    """The PII rules of one vendor, built from :class:`PiiSettings`.

    Args:
        vendor: A registered vendor's name.
        settings: The configured actions and key.
        defaults: The vendor's PII defaults (``table -> field patterns``), from its spec
            (``sources.registry.pii_policy`` hands them in).
        known: Every registered vendor's tables (``vendor -> tables``): a PII key naming no known
            vendor or table is refused.

    Raises:
        ProviderConfigError: an unknown action, or pseudonymising without a (long enough) key.
    """

    def __init__(self, vendor: str, settings: PiiSettings, defaults: Mapping[str, tuple[str, ...]],
                 known: Mapping[str, Sequence[str]] | None = None) -> None:
        self.vendor = vendor
        self.defaults = dict(defaults)
        self.default_action = normalise_action(settings.action, ACTION_SETTING)
        overrides: list[tuple[str, str, str, str]] = []
        for pattern, action in settings.columns.items():
            parts = str(pattern).split(".", 2)
            if len(parts) < 3 or not all(parts):
                raise ProviderConfigError("hr_elt", f"PII column {pattern!r} is not vendor.table.field",
                                          hint=f"Fix {COLUMNS_SETTING}, e.g. \"hollyhr.people.work_email\"")
            _check_names(str(pattern), parts, known if known is not None else {vendor: tuple(self.defaults)})
            overrides.append((*parts, normalise_action(action, f"{COLUMNS_SETTING} [{pattern!r}]")))  # type: ignore[arg-type]
        # exact patterns first, then longer (more specific) ones
        overrides.sort(key=lambda o: (any(c in ".".join(o[:3]) for c in "*?["), -len(".".join(o[:3]))))
        self.overrides = [o for o in overrides if fnmatch.fnmatchcase(vendor, o[0])]
        needs_key = self.default_action == PSEUDONYMISE and any(self.defaults.values()) or any(
            o[3] == PSEUDONYMISE for o in self.overrides)
        self._pseudonymise: Pseudonymiser | None = None
        if needs_key:
            key = settings.hmac_key
            if not key or len(key) < MIN_KEY_LENGTH:
                problem = "is empty" if not key else f"is shorter than {MIN_KEY_LENGTH} characters"
                raise ProviderConfigError(
                    "hr_elt", f"PII pseudonymisation is on but the HMAC key {problem}",
                    hint=f"Set {KEY_SETTING} in .dlt/secrets.toml or the environment to a long random secret "
                         "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
            register_secret(key)
            self._pseudonymise = Pseudonymiser(key)
        self._tables: dict[str, TableRules | None] = {}

    @property
    def active(self) -> bool:
        """True when some field of this vendor may be dropped or pseudonymised."""
        return (self.default_action != KEEP and any(self.defaults.values())) or any(
            o[3] != KEEP for o in self.overrides)

    def rules_for(self, table: str) -> TableRules | None:
        """The rules of one table; None when nothing in it is touched."""
        if table not in self._tables:
            overrides = [(field, action) for _, table_pattern, field, action in self.overrides
                         if fnmatch.fnmatchcase(table, table_pattern)]
            defaults = self.defaults.get(table, ())
            touched = (self.default_action != KEEP and defaults) or any(a != KEEP for _, a in overrides)
            self._tables[table] = TableRules(self.vendor, table, defaults, self.default_action, overrides,
                                             self._pseudonymise) if touched else None
        return self._tables[table]

    def check_protected(self, table: str, columns: Iterable[str]) -> None:
        """Refuses rules that would drop or pseudonymise a primary key or cursor column."""
        rules = self.rules_for(table)
        if rules is None:
            return
        for column in columns:
            action = rules.decide(tuple(column.split(".")))
            if action is not None:
                raise ProviderConfigError(
                    "hr_elt", f"PII rules would {action} {self.vendor}.{table}.{column}, which the pipeline "
                              "needs (primary key or incremental cursor)",
                    hint=f"Keep it in {COLUMNS_SETTING} / {ACTION_SETTING}")
