"""Domain errors as the web shows them: the message in the visitor's language."""

from __future__ import annotations

from kluis.core.errors import KluisError
from kluis.i18n import gettext


def error_text(lang: str, error: KluisError) -> str:
    """The message of ``error`` in ``lang``: the services' texts (``vault`` catalogue),
    else the server's (``web``), else English."""
    if not error.message:
        return str(error)
    for domain in ("vault", "web"):
        try:
            text = gettext(lang, domain, error.message, **error.params)
        except (KeyError, IndexError, ValueError):
            continue
        if domain == "web" or gettext(lang, domain, error.message) != error.message:
            return text
    return str(error)
