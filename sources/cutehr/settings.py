"""CuteHR API constants: the contract's values, used as defaults of the source's settings.

Contract: ``shared/providers/cutehr.md``. Everything marked [assumed] there is overridable through a
source argument (``sources.cutehr.<name>``); these are the defaults.
"""

from dlt.common.schema.typing import TColumnSchema

from sources._shared import declare
from sources._shared.bounds import Bounds
from sources.cutehr.declaration import RESOURCES

PROVIDER = "cutehr"
TITLE = "CuteHR"  # the vendor's name as written in docs and notes
DEFAULT_BASE_URL = "https://api.cutehr.io"  # [doc]

LOGIN_PATH = "/api/v1/auth/login"  # [assumed] POST {"email", "password"} -> {"token", "expires_in"}
TOKEN_FIELD = "token"  # [assumed]

# resource name -> list path [assumed]; the `paths` setting overrides any of them
ENDPOINTS = declare.paths(RESOURCES)
_BY_NAME = declare.by_name(RESOURCES)

PAGE_SIZE = 200  # [assumed] max 200; larger -> 400
MAX_PAGE_SIZE = 200
PAGE_SIZE_PARAM = "page_size"  # [assumed]
NEXT_PATH = "next"  # [assumed] absolute URL of the next page, null on the last
DATA_SELECTOR = "results"
COUNT_FIELD = "count"

MODIFIED_SINCE_PARAM = "modified_since"  # [assumed] inclusive, ISO-8601 UTC
LEAVES_CURSOR = _BY_NAME["leaves"].cursor_field
DATE_FROM_PARAM = "date_from"  # [assumed] inclusive dates, at most 31 days apart
DATE_TO_PARAM = "date_to"
ATTENDANCE_CURSOR = _BY_NAME["attendance"].cursor_field

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

# column types the API sends as strings (attendance: every column, in the table's order, the Arrow schema
# of its pages)
COLUMNS: dict[str, dict[str, TColumnSchema]] = {r.name: dict(r.columns) for r in RESOURCES}
# every column of leaves in the table's order: the Arrow schema of its pages (arrow_pages.py); the typed
# columns are the resource's hints (ArrowPages reads only `data_type` and `nullable`)
LEAVES_ARROW_COLUMNS: dict[str, TColumnSchema] = dict(_BY_NAME["leaves"].arrow_columns or {})
# employees and departments as Arrow tables (sources/_shared/rows/arrow.py). Not in delete_mode scd2 (dlt's
# row hash is `_dlt_id` there). Tombstones and rows that do not fit go as dicts.
ARROW_COLUMNS: dict[str, dict[str, TColumnSchema]] = {
    r.name: dict(r.arrow_columns) for r in RESOURCES if r.sync == "snapshot" and r.arrow_columns is not None}

# leaves yielded to dlt per item (pages gathered): dlt's extract costs ~2 ms per Arrow item, so 200-row
# pages made it ~2 s of a 200,000-leave sync (bench/README.md)
LEAVES_BATCH_ROWS = 5_000

# (date fields, timestamp fields) parsed from ISO strings in the resource, after the content
# digests and the cursor bookkeeping, so that dlt's normalizer has no string to parse
# (sources/_shared/rows/timestamps.py). Leaves' `modified_at` stays a string: it is the incremental cursor.
PARSED_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    r.name: (r.dates, r.timestamps) for r in RESOURCES if r.dates or r.timestamps}

# column types of the may-be-null fields, so their columns exist from the first load (sources/_shared/documented.py)
MAY_BE_NULL_TYPES: dict[str, dict[str, str]] = {
    "employees": {"phone": "text", "department_id": "bigint", "reporting_manager_id": "bigint"},
    "departments": {"head_id": "bigint"},
}
WITHHELD_HINT = "check the role of the CuteHR account hr-elt logs in with (its permissions on employee fields)"
