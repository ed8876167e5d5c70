"""Texts in every document language (Art. 12(1) GDPR: information in clear and plain
language the reader understands).

The register and the privacy notice are rendered in each of ``organisation.languages``; a
text missing a language falls back to the first language there, which the reader may not
read. A text written as a plain string counts as written in the first language.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pydantic import BaseModel

from kluis.i18n import N_
from kluis.register.checks.base import Context, Emitter, Finding, Severity, check
from kluis.register.schema import Register
from kluis.register.source import Path_
from kluis.register.types import Text


def _texts(value: object, path: Path_) -> Iterator[tuple[Path_, Text]]:
    """Every text inside ``value``, with its path."""
    if isinstance(value, Text):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _texts(item, (*path, str(key)))


def _where(register: Register, path: Path_) -> str:
    """A readable name for ``path``: ``activities[client-invoicing].purposes[0]``."""
    parts: list[str] = []
    for position, part in enumerate(path):
        if isinstance(part, str):
            parts.append(f".{part}" if parts else part)
            continue
        label: str | int = part
        section = getattr(register, str(path[0]), None) if position == 1 else None
        if isinstance(section, list) and isinstance(getattr(section[part], "id", None), str):
            label = section[part].id
        parts.append(f"[{label}]")
    return "".join(parts)


@check(
    "KL901",
    Severity.warning,
    "Art. 12(1) GDPR",
    N_("A text missing in a document language"),
)
def missing_translation(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report each text that lacks one of the organisation's document languages."""
    register = context.register
    languages = register.organisation.languages
    first = register.organisation.first_language
    for path, value in _texts(register, ()):
        missing = [language for language in languages if not value.has(language, first)]
        if missing:
            yield emit(
                path,
                N_(
                    "The text {field} has no version in {languages}; add it, since documents "
                    "in that language would otherwise show it in another language"
                ),
                field=_where(register, path),
                languages=", ".join(missing),
            )
