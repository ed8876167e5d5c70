"""What the endpoints share: the documented error answers, pagination (``?page=&per_page=``),
the language of messages, and the input types that refuse what no service should see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Final, TypeVar

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime, StringConstraints
from starlette.requests import Request

from kluis.api.schemas import ErrorResponse, PageOf
from kluis.i18n import from_accept_language

T = TypeVar("T")

#: The largest page a list returns.
MAX_PER_PAGE: Final = 100
#: The largest page number asked for (beyond it every page is empty anyway).
MAX_PAGE: Final = 1_000_000

#: Error answers every authenticated endpoint documents.
ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    401: {"model": ErrorResponse, "description": "Not signed in: no valid token or session."},
    403: {"model": ErrorResponse, "description": "The caller's roles do not allow this."},
    404: {"model": ErrorResponse, "description": "Something named does not exist."},
    422: {"model": ErrorResponse, "description": "The input is not valid; `details` per field."},
}
#: Error answers of endpoints that change something stored.
CHANGE_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    **ERRORS,
    409: {"model": ErrorResponse, "description": "The change contradicts what is stored."},
}


@dataclass(frozen=True)
class Pagination:
    """The page asked for: its number (from 1) and size (at most :data:`MAX_PER_PAGE`)."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        """How many items come before this page."""
        return (self.page - 1) * self.per_page

    def of(self, items: Sequence[T], total: int | None = None) -> PageOf[T]:
        """A page of ``items``: the page itself when ``total`` is given (the query was paged
        already), else this page's slice of the whole list.

        Built without validation: the endpoint's response model validates the page as it
        is sent, so validating here too would only do it twice (and parametrising the
        generic model at every call costs as much again)."""
        if total is None:
            total, items = len(items), items[self.offset : self.offset + self.per_page]
        page: PageOf[T] = PageOf.model_construct(
            items=list(items), total=total, page=self.page, per_page=self.per_page
        )
        return page


async def pagination(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="The page, from 1.")] = 1,
    per_page: Annotated[
        int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page (at most 100).")
    ] = 25,
) -> Pagination:
    """A dependency: the page asked for in the query string (async: nothing to wait for,
    so no worker thread)."""
    return Pagination(page, per_page)


def api_language(request: Request) -> str:
    """The language of messages: the most wanted of ``Accept-Language`` Kluis speaks, else
    English."""
    return from_accept_language(request.headers.get("accept-language", ""), "en")


def _plain(value: str) -> str:
    """Refuse control characters (a NUL cannot be stored in PostgreSQL's text)."""
    if any(ord(char) < 32 and char not in "\t\n\r" for char in value):
        raise ValueError("control characters are not allowed")
    return value


#: A short text on one line: a name, an id, a reference.
Line = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_plain)]
#: A longer text: a reason, a note.
Note = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_plain)]
#: A reason that must be given (not blank): why a hold is set, a deadline extended.
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_plain),
]
#: A value a person gave or a field holds.
Value = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_plain)]

#: Moments Kluis can store and compare (after years 1 and 9999 no zone can be converted).
_EARLIEST: Final = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST: Final = datetime(9000, 1, 1, tzinfo=UTC)


def _storable(moment: datetime) -> datetime:
    if not _EARLIEST <= moment <= _LATEST:
        raise ValueError("a moment between the years 1900 and 9000")
    return moment


#: A moment with its time zone (``2026-11-02T10:30:00+01:00``).
Moment = Annotated[AwareDatetime, AfterValidator(_storable)]


_FIRST_DAY: Final = date(1900, 1, 1)
_LAST_DAY: Final = date(2999, 12, 31)


def _plausible(day: date) -> date:
    if not _FIRST_DAY <= day <= _LAST_DAY:
        raise ValueError("a day between the years 1900 and 2999")
    return day


#: A day (an event, a deadline), within what retention can count from.
Day = Annotated[date, AfterValidator(_plausible)]


__all__ = [
    "CHANGE_ERRORS",
    "ERRORS",
    "MAX_PER_PAGE",
    "Day",
    "Line",
    "Moment",
    "Note",
    "Pagination",
    "Reason",
    "Value",
    "api_language",
    "pagination",
]
