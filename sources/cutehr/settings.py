"""CuteHR API constants: the contract's values, used as defaults of the source's settings.

Contract: ``shared/providers/cutehr.md``. Everything marked [assumed] there is overridable through a
source argument (``sources.cutehr.<name>``); these are the defaults.
"""

from dlt.common.schema.typing import TColumnSchema

from sources._shared.bounds import Bounds

PROVIDER = "cutehr"
DEFAULT_BASE_URL = "https://api.cutehr.io"  # [doc]

LOGIN_PATH = "/api/v1/auth/login"  # [assumed] POST {"email", "password"} -> {"token", "expires_in"}
TOKEN_FIELD = "token"  # [assumed]

# resource name -> list path [assumed]; the `paths` setting overrides any of them
ENDPOINTS = {
    "employees": "/api/v1/employees",
    "departments": "/api/v1/departments",
    "leaves": "/api/v1/leaves",
    "attendance": "/api/v1/attendance",
}

PAGE_SIZE = 200  # [assumed] max 200; larger -> 400
MAX_PAGE_SIZE = 200
PAGE_SIZE_PARAM = "page_size"  # [assumed]
NEXT_PATH = "next"  # [assumed] absolute URL of the next page, null on the last
DATA_SELECTOR = "results"
COUNT_FIELD = "count"

MODIFIED_SINCE_PARAM = "modified_since"  # [assumed] inclusive, ISO-8601 UTC
LEAVES_CURSOR = "modified_at"
DATE_FROM_PARAM = "date_from"  # [assumed] inclusive dates, at most 31 days apart
DATE_TO_PARAM = "date_to"
ATTENDANCE_CURSOR = "date"

ATTENDANCE_WINDOW_DAYS = 31  # [assumed] date_from..date_to, both inclusive
ATTENDANCE_LOOKBACK_DAYS = 7  # [assumed] a day may be corrected for up to 7 days afterwards
REQUESTS_PER_MINUTE = 120  # [assumed] per token; a 429 has no Retry-After
RATE_WINDOW_SECONDS = 60.0
# sent requests are paced over a window this much longer than the server's, so that network
# jitter never lets the n+1-th request of a window arrive before the server's window ends
PACING_MARGIN_SECONDS = 0.25

# valid range of each numeric setting of the source, checked before any request (sources/_shared/bounds.py)
BOUNDS = {
    "page_size": Bounds(int, 1, MAX_PAGE_SIZE, why="the API's maximum `page_size`"),
    "attendance_window_days": Bounds(int, 1, ATTENDANCE_WINDOW_DAYS, why="the API's widest date_from..date_to"),
    "attendance_lookback_days": Bounds(int, 0),
    "requests_per_minute": Bounds(int, 0),
    "rate_window_seconds": Bounds(float, 0, above_minimum=True),
}

REQUEST_ID_HEADER = "X-Request-Id"
MAX_ATTEMPTS = 10  # 429s carry no Retry-After: full-jitter waits that add up to about 2 min, beyond a 60 s window

# column types the API sends as strings
COLUMNS: dict[str, dict[str, TColumnSchema]] = {
    "employees": {
        "date_of_joining": {"data_type": "date"},
        "date_of_exit": {"data_type": "date"},
        "modified_at": {"data_type": "timestamp"},
    },
    "departments": {},
    "leaves": {
        "from_date": {"data_type": "date"},
        "to_date": {"data_type": "date"},
        "days": {"data_type": "double"},
        "applied_at": {"data_type": "timestamp"},
        "modified_at": {"data_type": "timestamp", "dedup_sort": "desc"},
    },
    "attendance": {  # every column, in the table's order: the Arrow schema of its pages (arrow_pages.py)
        "date": {"data_type": "date"},
        "check_in": {"data_type": "timestamp"},
        "check_out": {"data_type": "timestamp"},
        "worked_hours": {"data_type": "double"},
        "id": {"data_type": "bigint", "nullable": False},
        "employee_id": {"data_type": "bigint"},
        "status": {"data_type": "text"},
    },
}

# every column of leaves in the table's order: the Arrow schema of its pages (arrow_pages.py), built after
# the incremental step (which keeps `modified_at` a string) from the page's rows; the typed columns
# are the resource's hints above (ArrowPages reads only `data_type` and `nullable`)
LEAVES_ARROW_COLUMNS: dict[str, TColumnSchema] = {
    **COLUMNS["leaves"],
    "id": {"data_type": "bigint", "nullable": False},
    "employee_id": {"data_type": "bigint"},
    "leave_type": {"data_type": "text"},
    "status": {"data_type": "text"},
}

# employees and departments as Arrow tables (sources/_shared/rows/arrow.py): every column, in the order
# the dict records gave the table (the resource's hints first, `_deleted_at` from the snapshot hints,
# then the record's fields), with their types. Not in delete_mode scd2 (dlt's row hash is `_dlt_id`
# there). Tombstones and rows that do not fit go as dicts.
ARROW_COLUMNS: dict[str, dict[str, TColumnSchema]] = {
    "employees": {
        **COLUMNS["employees"],
        "_deleted_at": {"data_type": "timestamp"},
        "id": {"data_type": "bigint", "nullable": False},
        "emp_code": {"data_type": "text"},
        "name": {"data_type": "text"},
        "email": {"data_type": "text"},
        "phone": {"data_type": "text"},
        "department_id": {"data_type": "bigint"},
        "designation": {"data_type": "text"},
        "reporting_manager_id": {"data_type": "bigint"},
        "status": {"data_type": "text"},
    },
    "departments": {
        "_deleted_at": {"data_type": "timestamp"},
        "id": {"data_type": "bigint", "nullable": False},
        "name": {"data_type": "text"},
        "head_id": {"data_type": "bigint"},
    },
}

# leaves yielded to dlt per item (pages gathered): dlt's extract costs ~2 ms per Arrow item, so 200-row
# pages made it ~2 s of a 200,000-leave sync (bench/README.md)
LEAVES_BATCH_ROWS = 5_000

# (date fields, timestamp fields) parsed from ISO strings in the resource, after the content
# digests and the cursor bookkeeping, so that dlt's normalizer has no string to parse
# (sources/_shared/rows/timestamps.py). Leaves' `modified_at` stays a string: it is the incremental cursor.
PARSED_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "employees": (("date_of_joining", "date_of_exit"), ("modified_at",)),
    "leaves": (("from_date", "to_date"), ("applied_at",)),
    "attendance": (("date",), ("check_in", "check_out")),
}

# field coverage (sources/_shared/coverage.py): the fields shared/providers/cutehr.md documents per resource
DOCUMENTED_FIELDS: dict[str, tuple[str, ...]] = {
    "employees": ("id", "emp_code", "name", "email", "phone", "department_id", "designation",
                  "reporting_manager_id", "date_of_joining", "date_of_exit", "status", "modified_at"),
    "departments": ("id", "name", "head_id"),
    "leaves": ("id", "employee_id", "leave_type", "from_date", "to_date", "days", "status", "applied_at",
               "modified_at"),
    "attendance": ("id", "employee_id", "date", "check_in", "check_out", "worked_hours", "status"),
}
# documented fields that are null on many records by nature (no manager, still employed, a day not worked)
MAY_BE_NULL: dict[str, tuple[str, ...]] = {
    "employees": ("phone", "department_id", "reporting_manager_id", "date_of_exit"),
    "departments": ("head_id",),
    "attendance": ("check_in", "check_out", "worked_hours"),
}
# column types of the may-be-null fields, so their columns exist from the first load (sources/_shared/documented.py)
MAY_BE_NULL_TYPES: dict[str, dict[str, str]] = {
    "employees": {"phone": "text", "department_id": "bigint", "reporting_manager_id": "bigint"},
    "departments": {"head_id": "bigint"},
}
WITHHELD_HINT = "check the role of the CuteHR account hr-elt logs in with (its permissions on employee fields)"
