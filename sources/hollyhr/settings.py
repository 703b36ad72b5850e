"""HollyHR API constants: the contract's values, used as defaults of the source's settings."""

from sources._shared import declare
from sources._shared.bounds import Bounds
from sources.hollyhr.declaration import RESOURCES

PROVIDER = "hollyhr"
TITLE = "HollyHR"  # the vendor's name as written in docs and notes
DEFAULT_BASE_URL = "https://api.hollyhr.com/api/v1"

PAGE_SIZE = 200
MAX_PAGE_SIZE = 200
RATE_LIMIT_RESERVE = 0
# [doc] requests a minute per organisation, key and route (some routes lower): the fastest a per-person
# route can go, which a progress ETA never beats (HollyHR gives no total to estimate from)
ROUTE_REQUESTS_PER_MINUTE = 600
MAX_CURSOR_RESTARTS = 3
CHILD_CONCURRENCY = 4  # requests in flight per child route (employments, employment_history)
MAX_CHILD_CONCURRENCY = 32

# valid range of each numeric setting of the source, checked before any request (sources/_shared/bounds.py)
BOUNDS = {
    "page_size": Bounds(int, 1, MAX_PAGE_SIZE, why="the API's maximum `limit`"),
    "rate_limit_reserve": Bounds(int, 0),
    "max_cursor_restarts": Bounds(int, 0),
    "child_concurrency": Bounds(int, 1, MAX_CHILD_CONCURRENCY, why="more workers than the route's window pays for"),
}

# resource name -> list path (all accept `updated_since`, ordered by (updated_at, id))
UPDATED_SINCE_ENDPOINTS = declare.paths(RESOURCES, "incremental")
_BY_NAME = declare.by_name(RESOURCES)
EMPLOYMENT_PATH = _BY_NAME["employments"].path
EMPLOYMENT_HISTORY_PATH = _BY_NAME["employment_history"].path
# resources read with one request per changed person, concurrently up to `child_concurrency` per route
CHILD_RESOURCES = declare.named(RESOURCES, "child")
# people whose child request failed, kept per child resource to read again on the next run (state size)
CHILD_RETRY_LIMIT = 20_000

# scope each resource needs, for error hints
SCOPES = declare.scopes(RESOURCES)

CURSOR_FIELD = "updated_at"
UPDATED_SINCE_PARAM = "updated_since"
# sent on a first sync that commits at checkpoints: the results are in (updated_at, id) order only with the filter
EPOCH = "1970-01-01T00:00:00.000Z"
CURSOR_PARAM = "cursor"
LIMIT_PARAM = "limit"
DATA_SELECTOR = "data"
NEXT_CURSOR_PATH = "pagination.next_cursor"
HAS_MORE_PATH = "pagination.has_more"
REQUEST_ID_HEADER = "X-Request-Id"

DOCUMENT_DELETE_MODES = ("flag", "hard_delete")
DELETED_FIELD = "deleted_at"  # set on a soft-deleted document, which keeps being listed

# column types of the may-be-null fields, so their columns exist from the first load (sources/_shared/documented.py)
MAY_BE_NULL_TYPES: dict[str, dict[str, str]] = {
    "people": {"preferred_name": "text", "manager_id": "text", "end_date": "text"},
}
_ALL_SCOPES = ", ".join(dict.fromkeys(SCOPES.values()))
WITHHELD_HINT = f"check the HollyHR API key's scopes and field permissions ({_ALL_SCOPES})"
