"""Value types of the register format: texts in several languages, ids, durations,
countries, dates of the year, e-mail addresses. Each rejects bad input with an error type
of its own (``kluis_*``), which the loader turns into a message with file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, ClassVar, Final

import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from kluis.i18n import LANGUAGES

SLUG: Final = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
DOTTED: Final = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$")
_DURATION: Final = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_MONTH_DAY: Final = re.compile(r"^(\d{2})-(\d{2})$")
#: Codes that are not countries but that some lists use as if they were.
_NOT_COUNTRIES: Final = frozenset({"EU", "UK", "EL"})
_DAYS_IN_MONTH: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise PydanticCustomError("kluis_slug", "not a lower-case id", {"value": value})
    return value


def _dotted(value: str) -> str:
    if not DOTTED.match(value):
        raise PydanticCustomError("kluis_dotted_id", "not a dotted lower-case id", {"value": value})
    return value


def _country(value: str) -> str:
    if value in _NOT_COUNTRIES or pycountry.countries.get(alpha_2=value) is None:
        hint = {"UK": "GB", "EL": "GR"}.get(value, "")
        raise PydanticCustomError(
            "kluis_country", "not an ISO 3166-1 alpha-2 code", {"value": value, "hint": hint}
        )
    return value


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise PydanticCustomError("kluis_language", "not a supported language", {"value": value})
    return value


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise PydanticCustomError("kluis_email", "not an e-mail address", {}) from None


def _month_day(value: str) -> str:
    match = _MONTH_DAY.match(value)
    if match:
        month, day = int(match[1]), int(match[2])
        if 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]:
            return value
    raise PydanticCustomError("kluis_month_day", "not a MM-DD day of the year", {"value": value})


Slug = Annotated[str, AfterValidator(_slug)]
DottedId = Annotated[str, AfterValidator(_dotted)]
Country = Annotated[str, AfterValidator(_country)]
Language = Annotated[str, AfterValidator(_language)]
Email = Annotated[str, AfterValidator(_email)]
MonthDay = Annotated[str, AfterValidator(_month_day)]


@dataclass(frozen=True, slots=True)
class Duration:
    """An ISO 8601 period in calendar units: ``P7Y``, ``P2Y6M``, ``P4W``, ``P30D``."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``text``; raise ``ValueError`` when it is not a calendar duration."""
        match = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
        if not match or text.strip().upper() == "P":
            raise ValueError(text)
        years, months, weeks, days = (int(part) if part else 0 for part in match.groups())
        return cls(years, months, weeks, days)

    @property
    def total_months(self) -> int:
        """The years and months of the period, counted in months."""
        return self.years * 12 + self.months

    def approx_days(self) -> float:
        """The period's length in days, for comparing periods (a year is 365.25 days)."""
        return self.years * 365.25 + self.months * 30.44 + self.weeks * 7 + self.days

    def add_to(self, start: date) -> date:
        """Return ``start`` plus this period, months clamped to the month's last day."""
        month_index = start.month - 1 + self.total_months
        year, month = start.year + month_index // 12, month_index % 12 + 1
        last = _DAYS_IN_MONTH[month - 1]
        if month == 2 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
            last = 28
        moved = date(year, month, min(start.day, last))
        return date.fromordinal(moved.toordinal() + self.weeks * 7 + self.days)

    def __str__(self) -> str:
        parts = [(self.years, "Y"), (self.months, "M"), (self.weeks, "W"), (self.days, "D")]
        body = "".join(f"{n}{unit}" for n, unit in parts if n)
        return f"P{body or '0D'}"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: object) -> Duration:
            if isinstance(value, Duration):
                return value
            if isinstance(value, str):
                try:
                    return cls.parse(value)
                except ValueError:
                    pass
            raise PydanticCustomError(
                "kluis_duration", "not an ISO 8601 duration", {"value": str(value)}
            )

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.to_string_ser_schema()
        )


#: Key under which a text written as a plain string is kept: the organisation's first language.
DEFAULT_LANGUAGE_KEY: Final = ""


class Text(Mapping[str, str]):
    """A text in one or more languages.

    Written either as a plain string (in the organisation's first language) or as a
    mapping ``{nl: ..., en: ..., fr: ...}``.
    """

    __slots__ = ("_values",)
    schema_hint: ClassVar[str] = "text"

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    @classmethod
    def plain(cls, text: str) -> Text:
        """A text written once, in the organisation's first language."""
        return cls({DEFAULT_LANGUAGE_KEY: text})

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Text({self._values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and other._values == self._values

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def has(self, language: str, first_language: str) -> bool:
        """Whether the text is written in ``language`` (a plain string is the first language)."""
        if language in self._values:
            return True
        return language == first_language and DEFAULT_LANGUAGE_KEY in self._values

    def get(self, language: str, first_language: str | None = None) -> str:  # type: ignore[override]
        """The text in ``language``, else in the first language, else any language it has."""
        if language in self._values:
            return self._values[language]
        if first_language is not None and first_language in self._values:
            return self._values[first_language]
        if DEFAULT_LANGUAGE_KEY in self._values:
            return self._values[DEFAULT_LANGUAGE_KEY]
        for code in LANGUAGES:
            if code in self._values:
                return self._values[code]
        return next(iter(self._values.values()), "")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: object) -> Text:
            if isinstance(value, Text):
                return value
            if isinstance(value, str):
                if not value.strip():
                    raise PydanticCustomError("kluis_empty_text", "empty text", {})
                return cls.plain(value)
            if isinstance(value, Mapping) and value:
                for key, item in value.items():
                    if key not in LANGUAGES:
                        raise PydanticCustomError(
                            "kluis_text_language", "not a supported language", {"value": str(key)}
                        )
                    if not isinstance(item, str) or not item.strip():
                        raise PydanticCustomError("kluis_empty_text", "empty text", {})
                return cls({str(k): str(v) for k, v in value.items()})
            raise PydanticCustomError("kluis_text", "not a text", {})

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(dict),
        )
