"""HollyHR API constants: the contract's values, used as defaults of the source's settings."""

PROVIDER = "hollyhr"
DEFAULT_BASE_URL = "https://api.hollyhr.com/api/v1"

PAGE_SIZE = 200
MAX_PAGE_SIZE = 200

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
CHILD_CONCURRENCY = 4
MAX_CHILD_CONCURRENCY = 32

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
CURSOR_PARAM = "cursor"
LIMIT_PARAM = "limit"
DATA_SELECTOR = "data"
NEXT_CURSOR_PATH = "pagination.next_cursor"
HAS_MORE_PATH = "pagination.has_more"
REQUEST_ID_HEADER = "X-Request-Id"

DOCUMENT_DELETE_MODES = ("flag", "hard_delete")
