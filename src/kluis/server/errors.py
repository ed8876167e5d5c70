"""Domain errors as HTTP statuses: the one translation for both the web and the API."""

from __future__ import annotations

from typing import Final

from kluis.core.errors import Conflict, InvalidInput, KluisError, NotAllowed, NotFound
from kluis.users.errors import Throttled

#: The status of each kind of domain error, most specific first.
STATUS: Final[tuple[tuple[type[KluisError], int], ...]] = (
    (Throttled, 429),
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (NotAllowed, 403),
)


def status_of(error: KluisError) -> int:
    """The HTTP status of ``error`` (400 for a kind not listed)."""
    return next((status for kind, status in STATUS if isinstance(error, kind)), 400)
