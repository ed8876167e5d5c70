"""The language a document is written in: translated messages, register texts, dates,
countries and lists, all in that language.

Messages are English msgids of the ``documents`` domain with ``{name}`` placeholders.
"""

from __future__ import annotations

import gettext as _gettext
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Final

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list

from kluis.i18n import translations
from kluis.register.types import Text

DOMAIN: Final = "documents"
#: The Babel locale used for each language, by the organisation's country where it matters.
_LOCALES: Final[dict[tuple[str, str], str]] = {
    ("nl", "NL"): "nl_NL",
    ("fr", "FR"): "fr_FR",
    ("fr", "LU"): "fr_LU",
}
_DEFAULT_LOCALES: Final[dict[str, str]] = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_IE"}
#: How a label is followed by its value: French typography puts a no-break space before ":".
_COLONS: Final[dict[str, str]] = {"fr": "\u00a0:"}


@dataclass(frozen=True)
class Lang:
    """A document's language, with the organisation's first language as fallback."""

    code: str
    first_language: str
    country: str
    catalogue: _gettext.NullTranslations

    @classmethod
    def of(cls, code: str, *, first_language: str, country: str) -> Lang:
        """The language ``code`` for an organisation in ``country``."""
        return cls(code, first_language, country, translations(code, DOMAIN))

    @cached_property
    def locale(self) -> Locale:
        """The Babel locale for dates, countries and lists."""
        name = _LOCALES.get((self.code, self.country), _DEFAULT_LOCALES.get(self.code, self.code))
        return Locale.parse(name)

    def gettext(self, message: str, /, **params: object) -> str:
        """Translate ``message`` and fill its ``{name}`` placeholders."""
        text = self.catalogue.gettext(message)
        return text.format(**params) if params else text

    @property
    def colon(self) -> str:
        """The colon after a label, as this language's typography writes it."""
        return _COLONS.get(self.code, ":")

    def labelled(self, label: str, value: str) -> str:
        """``value`` after ``label`` and a colon (``Law: ...``, ``Loi : ...``)."""
        return f"{label}{self.colon} {value}"

    def text(self, value: Text | None) -> str:
        """A register text in this language, else in the organisation's first language."""
        if value is None:
            return ""
        return value.get(self.code, self.first_language)

    def date(self, value: date | None) -> str:
        """A date written out (``22 november 2025``); empty for ``None``."""
        if value is None:
            return ""
        return format_date(value, format="long", locale=self.locale)

    def country_name(self, code: str) -> str:
        """The name of country ``code`` in this language."""
        return str(self.locale.territories.get(code, code))

    def join(self, items: list[str]) -> str:
        """Join ``items`` as a list in words (``a, b and c``)."""
        items = [item for item in items if item]
        if not items:
            return ""
        return format_list(items, style="standard", locale=self.locale)
