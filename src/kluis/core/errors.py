"""The one tree of domain errors. Interfaces translate these once each.

    KluisError                  base; carries a stable ``code`` and no personal data
    ├── InvalidInput            the input is wrong (HTTP 422, CLI exit 2)
    │   └── RegisterInvalid     a register did not load; holds every diagnostic
    ├── NotFound                something named does not exist (HTTP 404, CLI exit 3)
    ├── Conflict                the change contradicts what is stored (HTTP 409, CLI exit 4)
    └── NotAllowed              the actor may not do this (HTTP 403, CLI exit 5)

Messages of these errors never contain personal data (DESIGN rule 5): they name files,
lines, fields, kinds of value and record ids, never values a person entered about someone.
"""

from __future__ import annotations


class KluisError(Exception):
    """Base of every error Kluis raises on purpose.

    ``message`` is an English text with ``{name}`` placeholders, marked for translation where
    it is written; ``params`` fill them and never hold personal data. Interfaces translate
    ``message`` and format it with ``params``; ``str(error)`` is the English text.
    """

    code = "error"

    def __init__(self, message: str = "", /, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message.format(**params) if params else message)


class InvalidInput(KluisError):
    """The input is not valid."""

    code = "invalid_input"


class NotFound(KluisError):
    """A named thing does not exist."""

    code = "not_found"


class Conflict(KluisError):
    """The change contradicts what is already stored."""

    code = "conflict"


class NotAllowed(KluisError):
    """The actor is not allowed to do this."""

    code = "not_allowed"
