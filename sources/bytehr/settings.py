"""ByteHR API constants: the contract's values, used as defaults of the source's settings.

Contract: ``shared/providers/bytehr.md``. Everything marked [assumed] there is overridable
through a source argument (``sources.bytehr.<name>``); these are the defaults.
"""

from collections.abc import Mapping

from dlt.common.schema.typing import TColumnSchema

from sources._shared import declare
from sources._shared.bounds import Bounds
from sources.bytehr.declaration import RESOURCES

PROVIDER = "bytehr"
TITLE = "ByteHR"  # the vendor's name as written in docs and notes
DEFAULT_BASE_URL = "https://developer.byte-hr.com/api"

PAGE_SIZE = 100  # [doc] max 100; the floor of a walk is ceil(rows / 100) requests
MAX_PAGE_SIZE = 100
FIRST_PAGE = 1  # [assumed] currentpage is 1-based

# resource name -> list path [assumed]; all are full snapshots walked page by page
ENDPOINTS = declare.paths(RESOURCES)
PRIMARY_KEYS = {r.name: r.key for r in RESOURCES}
# timestamp fields parsed from ISO strings in the resource (after the content digest), so dlt's
# normalizer does not parse them value by value (sources/_shared/rows/timestamps.py). Only fields dlt
# already types as timestamps (its ISO-timestamp detection); dates stay strings, as they load today.
TIMESTAMP_FIELDS = {r.name: r.timestamps for r in RESOURCES if r.timestamps}
# resources whose new and changed records go to dlt as Arrow tables (sources/_shared/rows/arrow.py). Not in
# delete_mode scd2: there `_dlt_id` is dlt's hash of the row, which only its dict normalizer computes.
# Tombstones and rows that do not fit these types go as dicts.
ARROW_COLUMNS: dict[str, Mapping[str, TColumnSchema]] = declare.arrow_columns(RESOURCES)
ARROW_BATCH_ROWS = 5_000  # rows per Arrow table (dlt's Arrow extractor costs ~0.65 ms per item)
# resources served in ascending primary-key order [assumed]; /custom-fields is in creation order
ORDERED_BY_KEY = frozenset(r.name for r in RESOURCES if r.ordered)

LIMIT_PARAM = "limit"  # [doc]
PAGE_PARAM = "currentpage"  # [doc]
DATA_SELECTOR = "data"
TOTAL_PATH = "pagination.total"
TOTAL_PAGES_PATH = "pagination.totalpages"
LIMIT_PATH = "pagination.limit"

# header names [assumed]; the `header_names` setting overrides any of them by these keys
HEADER_NAMES = {
    "api_key": "X-API-Key",
    "request_id": "X-Request-Id",
    "quota_limit": "X-Quota-Limit",
    "quota_remaining": "X-Quota-Remaining",
    "quota_reset": "X-Quota-Reset",
    "key_expires_at": "X-API-Key-Expires-At",
}

# error codes [assumed]
CODE_INVALID_KEY = "invalid_api_key"
CODE_KEY_EXPIRED = "api_key_expired"
CODE_QUOTA_EXCEEDED = "quota_exceeded"

QUOTA_RESERVE = 10  # requests of each monthly cycle left for people and tools sharing the key
QUOTA_MODES = ("refuse", "partial")
EXPIRY_WARNING_DAYS = 30
# the even pace (sources/bytehr/pacing.py): the burst allowance is this many full runs, or this share
# of the cycle's budget above the reserve when that is more
QUOTA_PACINGS = ("even", "off")
PACE_BURST_RUNS = 2
PACE_BURST_SHARE = 0.1
# the order walks get the quota in when it cannot pay for every resource
WALK_PRIORITY = declare.walk_priority(RESOURCES)
INTERVAL_SLACK = 0.05  # min_interval_hours lets a walk at 95% of its interval, so a cron job a minute early still runs
MAX_REREADS = 10  # page re-reads per walk to repair shifts; beyond that the walk never deletes
# inside the run path's chunk loop a walk commits its rows and resume point at least every this many
# pages: a kill costs at most these pages of quota again (sources/bytehr/walk.py)
CHECKPOINT_PAGES = 5

# valid range of each numeric setting of the source, checked before any request (sources/_shared/bounds.py)
BOUNDS = {
    "page_size": Bounds(int, 1, MAX_PAGE_SIZE, why="the API's maximum `limit`"),
    "quota_reserve": Bounds(int, 0),
    "min_interval_hours": Bounds(float, 0, per_key=True),
    "expiry_warning_days": Bounds(float, 0),
    "max_rereads": Bounds(int, 0),
    "checkpoint_pages": Bounds(int, 1),
    "first_page": Bounds(int, 0),
    "pace_burst_runs": Bounds(float, 0),
    "pace_burst_share": Bounds(float, 0, 1),
    "schedule_runs_per_day": Bounds(float, 0, above_minimum=True),
}

SCHEMA_CONTRACT_MODES = ("evolve", "freeze", "discard_row", "discard_value")
CUSTOM_FIELDS = "custom_fields"  # the employee field pivoted into a nested object
MULTI_SELECT = "multi_select"

# column types of the may-be-null fields, so their columns exist from the first load (sources/_shared/documented.py)
MAY_BE_NULL_TYPES: dict[str, dict[str, str]] = {
    "employees": {"manager_id": "bigint", "termination_date": "text"},
    "departments": {"parent_id": "bigint", "cost_center": "text"},
}
WITHHELD_HINT = "check the field visibility of the ByteHR API key (its permissions in ByteHR's admin settings)"
