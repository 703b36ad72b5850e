"""ByteHR custom fields: stable column names for free-text keys, and the pivot into a nested object.

An employee's ``custom_fields`` list (``[{key, label, type, value}, ...]``) becomes one object
keyed by a column name derived from the field's ``key`` (never its label). dlt flattens that
object into ``custom_fields__<name>`` columns on DuckDB and Postgres and turns a
``multi_select`` list into the child table ``employees__custom_fields__<name>``.

Column names (see :func:`column_base`): lower case ASCII letters, digits and single
underscores. Umlauts and ß are transliterated (``Größe`` -> ``groesse``), other accents are
dropped (``é`` -> ``e``); letters with no ASCII form (``部署コード``) are dropped and the name gets
a hash suffix of the key (``cf_3f9a1c2b`` when nothing is left). A name is given once and kept
in dlt source state: when a later key normalises to a name already taken, it gets
``_<6 hex of its key's hash>``. ``custom_field_definitions.column_name`` shows each key's column.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from collections.abc import MutableMapping
from typing import Any

from dlt.common.schema import Schema

from sources._shared.config import setting_name
from sources._shared.errors import ProviderConfigError
from sources._shared.state.digests import content_digest
from sources.bytehr import settings

STATE_KEY = "custom_field_columns"
_TRANSLIT = {
    "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "å": "a",
    "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i",
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def key_hash(key: str, length: int = 6) -> str:
    """A short stable hex hash of a key."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()[:length]


def column_base(key: str) -> str:
    """The column name a key gets when no other key took it first."""
    out: list[str] = []
    lost = False
    for char in key.lower():
        if char in _TRANSLIT:
            out.append(_TRANSLIT[char])
            continue
        ascii_form = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
        if ascii_form:
            out.append(ascii_form)
        elif char.isalnum():  # a letter or digit with no ASCII form: dropped, so the name gets a hash
            lost = True
        else:
            out.append("_")
    name = re.sub(r"[^a-z0-9]+", "_", "".join(out)).strip("_")
    if not name:
        return f"cf_{key_hash(key, 8)}"
    if name[0].isdigit():
        name = f"cf_{name}"
    return f"{name}_{key_hash(key)}" if lost else name


class ColumnNames:
    """Gives each custom field key a stable column name, remembered in dlt source state."""

    def __init__(self, mapping: MutableMapping[str, str]) -> None:
        self.mapping = mapping

    def name(self, key: str) -> str:
        """The key's column name (below ``custom_fields``), assigning one on first sight."""
        known = self.mapping.get(key)
        if known is not None:
            return known
        taken = set(self.mapping.values())
        name = column_base(key)
        length = 6
        while name in taken:
            name = f"{column_base(key)}_{key_hash(key, length)}"
            length += 2
        self.mapping[key] = name
        return name


def coerce(field_type: Any, value: Any) -> Any:
    """Gives a value the Python type of its field type; a value of another shape is left as it is.

    ``number`` -> float (so integer and decimal values share one double column), ``date`` ->
    ``datetime.date``, ``boolean``/``text``/``dropdown``/``multi_select`` unchanged. A value that
    does not fit (after a type change) reaches dlt as it is and lands in a variant column.
    """
    if value is None:
        return None
    if field_type == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if field_type == "date" and isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def pivot(record: dict[str, Any], names: ColumnNames) -> dict[str, Any]:
    """Replaces the record's ``custom_fields`` list by an object ``{column name: value}``.

    Null values are left out (a missing key is a null column), so a field that is null
    everywhere makes no empty column.
    """
    fields = record.get(settings.CUSTOM_FIELDS)
    if not isinstance(fields, list):
        return record
    nested: dict[str, Any] = {}
    for entry in fields:
        if isinstance(entry, dict) and entry.get("key") is not None:
            name = names.name(str(entry["key"]))
            value = coerce(entry.get("type"), entry.get("value"))
            if value is not None:
                nested[name] = value
    record[settings.CUSTOM_FIELDS] = nested
    return record


def sent_fields(record: dict[str, Any], names: ColumnNames, schema: Schema) -> dict[str, tuple[str, Any, str]]:
    """The custom fields ByteHR sent with a record, before :func:`pivot`: name -> (key, type, employees column).

    Null values included: a field sent as null was cleared, one not sent at all (archived) was not.
    """
    fields = record.get(settings.CUSTOM_FIELDS)
    out: dict[str, tuple[str, Any, str]] = {}
    for entry in fields if isinstance(fields, list) else ():
        if isinstance(entry, dict) and entry.get("key") is not None:
            key = str(entry["key"])
            name = names.name(key)
            target = child_table(schema, "employees", name) if entry.get("type") == settings.MULTI_SELECT \
                else column_path(schema, name)
            out[name] = (key, entry.get("type"), target)
    return out


def raw_digest(record: dict[str, Any]) -> bytes:
    """The content digest of a record as ByteHR sends it, before :func:`pivot`.

    Digesting before the pivot lets an unchanged record be skipped without being reshaped. The
    custom fields enter as ``{key: coerced value}`` (null values left out), the same content the
    pivot keeps under column names given once per key: a label rename or a reordered list changes
    nothing, a new field that is null everywhere changes nothing, a value or type change that
    changes the pivoted value does.
    """
    fields = record.get(settings.CUSTOM_FIELDS)
    if not isinstance(fields, list):
        return content_digest(record)
    nested: dict[str, Any] = {}
    for entry in fields:
        if isinstance(entry, dict) and entry.get("key") is not None:
            value = entry.get("value")
            if value is not None:
                value = coerce(entry.get("type"), value)
                nested[str(entry["key"])] = value
    view = dict(record)
    view[settings.CUSTOM_FIELDS] = nested
    return content_digest(view)


def column_path(schema: Schema, name: str) -> str:
    """The employees column a custom field lands in, named by the schema's naming convention."""
    naming = schema.naming
    return naming.normalize_path(naming.make_path(settings.CUSTOM_FIELDS, name))


def child_table(schema: Schema, table: str, name: str) -> str:
    """The child table a ``multi_select`` field lands in."""
    naming = schema.naming
    return naming.normalize_tables_path(naming.make_path(table, settings.CUSTOM_FIELDS, name))


class FrozenCheck:
    """Under ``schema_contract = freeze``: fails clearly when a custom field would add a column.

    dlt's own contract fails too, later and naming only the column; this names the key.
    Nothing is checked before the table exists (the first load creates it).
    """

    def __init__(self, schema: Schema, table: str) -> None:
        self.schema = schema
        self.table = table
        tables = schema.tables
        self.active = table in tables and bool(tables[table].get("columns"))
        self.columns = set((tables.get(table) or {}).get("columns", {}))
        self.tables = set(tables)
        self.ok: set[str] = set()

    def check(self, record: dict[str, Any], names: ColumnNames) -> None:
        """Raises :class:`ProviderConfigError` when a non-null value needs a column the schema lacks."""
        if not self.active:
            return
        for name, value in (record.get(settings.CUSTOM_FIELDS) or {}).items():
            if value is None or name in self.ok:
                continue
            if isinstance(value, list):
                target = child_table(self.schema, self.table, name)
                exists = target in self.tables or not value
            else:
                target = column_path(self.schema, name)
                exists = target in self.columns
            if not exists:
                key = next((k for k, v in names.mapping.items() if v == name), name)
                raise ProviderConfigError(
                    settings.PROVIDER,
                    f"custom field {key!r} is new and would add {target!r} to {self.table}, "
                    f"but the schema is frozen",
                    hint=f"Set {setting_name(settings.PROVIDER, 'schema_contract')} to evolve to load it, "
                         f"or archive the field in ByteHR",
                    resource=self.table,
                )
            self.ok.add(name)
