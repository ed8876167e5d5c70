"""Shapes every endpoint shares: the error object and pages of results."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class ErrorDetail(BaseModel):
    """What went wrong, where: ``field`` is the path of the input (``body.email``)."""

    field: str | None = None
    message: str


class ErrorBody(BaseModel):
    """A stable error: ``code`` for programs, ``message`` for people (English, or the
    language asked for in ``Accept-Language``), ``details`` per field."""

    code: str = Field(examples=["not_found"])
    message: str
    status: int
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorResponse(BaseModel):
    """The body of every 4xx and 5xx answer."""

    error: ErrorBody


class PageOf(BaseModel, Generic[T]):
    """One page of results: ``items``, and where this page is in the whole."""

    items: list[T]
    total: int
    page: int
    per_page: int
