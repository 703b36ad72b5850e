"""Bad records and PII, handled in one dlt transform step per resource, before data leaves extraction.

:func:`protect_source` adds a :class:`RecordGuard` step to every selected resource of a source.
For each page (list of records, or an Arrow table: see below) the guard

1. checks every record: a primary key present, the incremental cursor present, no string longer
   than ``hr_elt.max_string_length``, and (with ``hr_elt.type_changes = "reject"``) no field whose
   value cannot be coerced to the type its column already has;
2. applies the PII policy (:mod:`.privacy`) to the good records;
3. handles a bad record by ``hr_elt.bad_records``: ``quarantine`` (default) sets it aside for the
   ``_rejected`` table, with the reason, the page and its request id (PII rules applied to the
   copy too, long strings cut); ``fail`` stops the run with a :class:`BadRecordError` naming the
   resource, the record, the page and the request id. Nothing of a failed run is loaded and no
   cursor moves.

Arrow items (a ``pyarrow.Table`` or ``RecordBatch``, e.g. CuteHR attendance: ``sources/_shared/rows/arrow.py``)
get the same checks column by column (``pyarrow.compute``): primary key and cursor not null, string
lengths. A bad row is converted to a dict (``to_pylist``, only the bad rows, without dlt's
``_dlt_*`` columns; a field the row lacked is null in that copy) and set aside or fails the run as
a bad dict record does; the PII rules drop or pseudonymise whole columns
(:meth:`TableRules.apply_arrow`). A rejected Arrow row names the last page its resource received
before the table was handed over: a table may hold several pages. ``type_changes = "reject"``
does not apply to Arrow columns, which carry their type. pyarrow and numpy are imported with the
first Arrow item (~37 MB): a vendor that yields only dicts never loads them.

The guard runs before the resource's incremental step, so a cursor never moves past a record
because of what the guard did: a rejected record is loaded into ``_rejected`` in the same load
package (the same transaction of state and data) as the page it came with. Rejected records reach
``_rejected`` through one small dlt transformer per resource fed by that resource.

Settings (dlt config, env in brackets): ``hr_elt.bad_records`` [HR_ELT__BAD_RECORDS] ``quarantine``
| ``fail``; ``hr_elt.type_changes`` [HR_ELT__TYPE_CHANGES] ``evolve`` (dlt's variant columns,
default) | ``reject``; ``hr_elt.max_string_length`` [HR_ELT__MAX_STRING_LENGTH] (characters,
default 1,000,000; 0 turns the check off).

Modules: :mod:`.settings` (those settings), :mod:`.checks` (each check as a dict twin and an Arrow
twin), :mod:`.type_changes`, :mod:`.privacy` (PII rules), :mod:`.rejected` (the ``_rejected``
rows and their transformer), :mod:`.step` (the transform step), :mod:`.protect` (the wiring).
"""

from sources._shared.guard.protect import protect_source
from sources._shared.guard.settings import GuardSettings, load_guard_settings

__all__ = ["GuardSettings", "load_guard_settings", "protect_source"]
