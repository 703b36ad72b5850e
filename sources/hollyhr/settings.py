"""HollyHR API constants: the contract's values, used as defaults of the source's settings."""

from sources._shared.bounds import Bounds

PROVIDER = "hollyhr"
DEFAULT_BASE_URL = "https://api.hollyhr.com/api/v1"

PAGE_SIZE = 200
MAX_PAGE_SIZE = 200
RATE_LIMIT_RESERVE = 0
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
UPDATED_SINCE_ENDPOINTS = {
    "people": "/people",
    "time_off": "/time-off",
    "documents": "/documents",
}
EMPLOYMENT_PATH = "/people/{person_id}/employment"
EMPLOYMENT_HISTORY_PATH = "/people/{person_id}/employment-history"
# resources read with one request per changed person, concurrently up to `child_concurrency` per route
CHILD_RESOURCES = ("employments", "employment_history")
# people whose child request failed, kept per child resource to read again on the next run (state size)
CHILD_RETRY_LIMIT = 20_000

# scope each resource needs, for error hints
SCOPES = {
    "people": "people:read",
    "employments": "people:read",
    "employment_history": "people:read",
    "time_off": "time_off:read",
    "documents": "documents:read",
}

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

# field coverage (sources/_shared/coverage.py): the fields shared/providers/hollyhr.md documents per resource
DOCUMENTED_FIELDS: dict[str, tuple[str, ...]] = {
    "people": ("id", "first_name", "last_name", "preferred_name", "work_email", "job_title", "department",
               "manager_id", "location", "employment_type", "status", "start_date", "end_date", "created_at",
               "updated_at"),
    "employments": ("person_id", "job_title", "department", "start_date", "employment_type", "weekly_hours",
                    "updated_at"),
    "employment_history": ("id", "person_id", "job_title", "department", "start_date", "end_date", "created_at"),
    "time_off": ("id", "person_id", "policy", "start_date", "end_date", "duration_days", "status", "updated_at"),
    "documents": ("id", "person_id", "title", "category", "file_name", "content_type", "size_bytes", "uploaded_at",
                  "updated_at", "deleted_at"),
}
# documented fields that are null on many records by nature (no preferred name, the top manager, still employed)
MAY_BE_NULL: dict[str, tuple[str, ...]] = {
    "people": ("preferred_name", "manager_id", "end_date"),
    "documents": ("deleted_at",),
}
WITHHELD_HINT = "check the HollyHR API key's scopes and field permissions (people:read, time_off:read, documents:read)"
