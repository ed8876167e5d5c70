"""Errors of the vault. Messages name activities, fields, kinds of value and record ids,
never a value (DESIGN rule 5)."""

from __future__ import annotations

from kluis.core.errors import InvalidInput, NotAllowed, NotFound


class FieldRefused(InvalidInput):
    """A value the register does not allow: an undeclared field, a malformed value, a
    national number without legal ground. ``field`` names the field, never its value."""

    code = "field_refused"

    def __init__(self, message: str, /, *, field: str | None = None, **params: object) -> None:
        self.field = field
        super().__init__(message, field=field or "", **params)


class AccessDenied(NotAllowed):
    """The actor's roles do not reach the activity (need-to-know, Art. 32 GDPR)."""

    code = "access_denied"


class SubjectNotFound(NotFound):
    """No data subject or record with this id."""

    code = "subject_not_found"
