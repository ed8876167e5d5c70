"""What the web interface and the REST API share: the server's state (settings, database,
keys, clock), who is calling (a browser session or an API token), CSRF protection, security
headers, and how domain errors become HTTP statuses. Imports no page and no endpoint."""

from kluis.server.auth import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    Caller,
    Unauthenticated,
    caller_of,
    check_csrf,
    csrf_token,
    forget_callers,
    require_caller,
)
from kluis.server.errors import STATUS, status_of
from kluis.server.security import SecurityHeaders
from kluis.server.state import ServerState, state_of

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "STATUS",
    "Caller",
    "SecurityHeaders",
    "ServerState",
    "Unauthenticated",
    "caller_of",
    "check_csrf",
    "csrf_token",
    "forget_callers",
    "require_caller",
    "state_of",
    "status_of",
]
