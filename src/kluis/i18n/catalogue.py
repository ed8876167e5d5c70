"""Loading gettext catalogues from ``.po`` files, and translating with them."""

from __future__ import annotations

import gettext as _gettext
import io
import os
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Final

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: Languages Kluis speaks, in the order it falls back through.
LANGUAGES: Final = ("nl", "en", "fr")
#: Message domains, one per part of Kluis that shows text to people.
DOMAINS: Final = ("loader", "checks", "documents", "cli", "vault", "web")
#: The language of the msgids in code and templates.
SOURCE_LANGUAGE: Final = "en"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, don't translate"
    """Mark ``message`` for extraction without translating it now."""
    return message


@cache
def translations(language: str, domain: str) -> _gettext.NullTranslations:
    """Return the translations of ``domain`` into ``language`` (English: the msgids)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; Kluis speaks {LANGUAGES}")
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    po = (
        resources.files("kluis.i18n")
        .joinpath("locale")
        .joinpath(language)
        .joinpath("LC_MESSAGES")
        .joinpath(f"{domain}.po")
    )
    if not po.is_file():
        return _gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(language: str, domain: str, message: str, /, **params: object) -> str:
    """Translate ``message`` and fill its ``{name}`` placeholders from ``params``."""
    text = translations(language, domain).gettext(message)
    return text.format(**params) if params else text


def ngettext(
    language: str, domain: str, singular: str, plural: str, n: int, /, **params: object
) -> str:
    """Translate a message whose form depends on the count ``n`` (given as ``{n}``)."""
    text = translations(language, domain).ngettext(singular, plural, n)
    return text.format(n=n, **params)


@dataclass(frozen=True)
class LocalText:
    """A message to translate later, in whatever language its reader needs."""

    domain: str
    message: str
    params: dict[str, object] = field(default_factory=dict)

    def render(self, language: str) -> str:
        """Return the message in ``language``; parameters that are texts are rendered too."""
        rendered = {
            key: value.render(language) if isinstance(value, LocalText) else value
            for key, value in self.params.items()
        }
        return gettext(language, self.domain, self.message, **rendered)


def negotiate(*preferred: str | None, default: str = SOURCE_LANGUAGE) -> str:
    """Pick the first supported language among ``preferred`` and the environment's locale.

    Accepts codes like ``nl``, ``nl_BE``, ``fr-BE`` or ``nl_BE.UTF-8``; ``None`` is skipped.
    """
    env = [os.environ.get(name) for name in ("KLUIS_LANG", "LC_ALL", "LC_MESSAGES", "LANG")]
    for candidate in (*preferred, *env):
        if not candidate:
            continue
        code = candidate.split(".")[0].replace("-", "_").split("_")[0].lower()
        if code in LANGUAGES:
            return code
    return default


def accepted_languages(header: str) -> list[str]:
    """The languages of an ``Accept-Language`` header (``fr-BE, nl;q=0.8``), most wanted
    first, as two-letter codes."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        code, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, code.strip().split("-")[0].lower()))
    return [code for _q, _p, code in sorted(weighted)]


def from_accept_language(header: str, default: str) -> str:
    """The most wanted language of an ``Accept-Language`` header that Kluis speaks, else
    ``default``."""
    return next((code for code in accepted_languages(header) if code in LANGUAGES), default)


@cache
def language_name(code: str, in_language: str) -> str:
    """Return the name of language ``code`` written in ``in_language`` (``nl`` → "Nederlands")."""
    name = Locale.parse(in_language).languages.get(code, code)
    return str(name)
