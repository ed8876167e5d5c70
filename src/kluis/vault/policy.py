"""The vault's rules, derived from the register and free of I/O: which fields an activity
may hold and of what kind, how values are validated and normalised, which events a record
has, who may read it, and where a national number may be stored.

Validation uses the libraries made for it: ``email-validator``, ``phonenumbers`` (both
through :mod:`kluis.vault.formats`, which takes a short road on the common forms) and
``python-stdnum`` (IBAN, Belgian national register number, Dutch BSN).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from typing import Final

import phonenumbers
from email_validator import EmailNotValidError
from stdnum import iban
from stdnum.be import nn as be_nn
from stdnum.exceptions import ValidationError
from stdnum.nl import bsn as nl_bsn

from kluis.core.actor import Actor
from kluis.core.errors import NotFound
from kluis.i18n import N_
from kluis.register.schema import Activity, LegalBasis
from kluis.register.stored import StoredRegister
from kluis.register.taxonomy import Taxonomy
from kluis.vault import formats
from kluis.vault.errors import FieldRefused


class ValueKind(StrEnum):
    """How a field's values are checked and normalised, from the field's category."""

    email = "email"
    phone = "phone"
    iban = "iban"
    national_number = "national_number"
    date = "date"
    text = "text"


#: Events a record can carry, by their name in imports and the API, to their column.
EVENTS: Final[dict[str, str]] = {
    "collected": "collected",
    "last_contact": "last_contact",
    "contract_end": "contract_end",
    "employment_end": "employment_end",
    "selection_end": "selection_end",
    "date": "record_date",
}

_KIND_OF_CATEGORY: Final = (
    ("user.contact.email", ValueKind.email),
    ("user.contact.phone_number", ValueKind.phone),
    ("user.financial.bank_account", ValueKind.iban),
    ("user.demographic.date_of_birth", ValueKind.date),
)
#: Identifier kinds with a meaning across activities: a person found by e-mail in one
#: activity is the same person in another.
_SHARED_KINDS: Final = {ValueKind.email, ValueKind.phone, ValueKind.national_number}
#: Legal bases that are neither a law nor an authorisation: they never allow a national
#: number (BE: Law of 8 August 1983, Art. 8; NL: UAVG Art. 46).
_NO_NATIONAL_NUMBER: Final = {LegalBasis.consent, LegalBasis.legitimate_interests}
MAX_TEXT: Final = 10_000
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(frozen=True)
class FieldSpec:
    """One field an activity declares."""

    name: str
    category: str
    kind: ValueKind
    identifier: bool

    @cached_property
    def index_kind(self) -> str:
        """The blind-index kind: shared for e-mail, phone and national number, else the category."""
        return self.kind.value if self.kind in _SHARED_KINDS else f"category:{self.category}"


@dataclass(frozen=True)
class ActivityPolicy:
    """What the register allows an activity to hold, and who may see it."""

    activity: Activity
    fields: Mapping[str, FieldSpec]
    country: str
    national_number_allowed: bool

    @property
    def id(self) -> str:
        """The activity id."""
        return self.activity.id

    @cached_property
    def identifiers(self) -> list[FieldSpec]:
        """The fields by which a person is found again."""
        return [spec for spec in self.fields.values() if spec.identifier]

    @property
    def consent_purpose(self) -> str | None:
        """The consent purpose the activity's records need a valid consent to; None when
        its legal basis is not consent."""
        basis = self.activity.legal_basis
        if basis is None or basis.basis is not LegalBasis.consent:
            return None
        return basis.consent

    def may_access(self, actor: Actor) -> bool:
        """Whether ``actor`` may read and change this activity's records (need-to-know).

        The DPO reaches every activity; anyone else only one whose ``access`` lists a role of
        theirs. Administrators have no reach of their own.
        """
        return actor.is_dpo or bool(actor.roles.intersection(self.activity.access))


def value_kind(taxonomy: Taxonomy, category: str) -> ValueKind:
    """The kind of value a field of ``category`` holds."""
    if taxonomy.is_national_id(category):
        return ValueKind.national_number
    for parent, kind in _KIND_OF_CATEGORY:
        if category == parent or category.startswith(parent + "."):
            return kind
    return ValueKind.text


def activity_policy(stored: StoredRegister, activity_id: str) -> ActivityPolicy:
    """The policy of ``activity_id`` in the applied register; :class:`NotFound` if absent."""
    for activity in stored.register.activities:
        if activity.id == activity_id:
            return _policy_of(stored, activity)
    raise NotFound("the applied register has no activity '{activity}'", activity=activity_id)


def _policy_of(stored: StoredRegister, activity: Activity) -> ActivityPolicy:
    identifiers = set(activity.identifiers)
    fields = {
        name: FieldSpec(
            name=name,
            category=category,
            kind=value_kind(stored.taxonomy, category),
            identifier=name in identifiers,
        )
        for name, category in activity.fields.items()
    }
    basis = activity.legal_basis.basis if activity.legal_basis else None
    allowed = activity.national_number is not None and basis not in _NO_NATIONAL_NUMBER
    return ActivityPolicy(
        activity=activity,
        fields=fields,
        country=stored.register.organisation.country,
        national_number_allowed=allowed,
    )


def all_policies(stored: StoredRegister) -> dict[str, ActivityPolicy]:
    """The policy of every activity of the applied register."""
    return {activity.id: _policy_of(stored, activity) for activity in stored.register.activities}


#: Per kind: the refusal of a stored value, and of a value searched for.
_INVALID: Final[dict[ValueKind, tuple[str, str]]] = {
    ValueKind.email: (
        N_("field '{field}' of activity '{activity}': not a valid e-mail address"),
        N_("the e-mail address searched for is not valid"),
    ),
    ValueKind.phone: (
        N_("field '{field}' of activity '{activity}': not a valid phone number"),
        N_("the phone number searched for is not valid"),
    ),
    ValueKind.iban: (
        N_("field '{field}' of activity '{activity}': not a valid IBAN"),
        N_("the IBAN searched for is not valid"),
    ),
    ValueKind.national_number: (
        N_("field '{field}' of activity '{activity}': not a valid national number"),
        N_("the national number searched for is not valid"),
    ),
    ValueKind.date: (
        N_("field '{field}' of activity '{activity}': not a valid date"),
        N_("the date searched for is not valid"),
    ),
    ValueKind.text: (
        N_("field '{field}' of activity '{activity}': not valid text"),
        N_("the text searched for is not valid"),
    ),
}


def _refuse(spec: FieldSpec, activity: str) -> FieldRefused:
    stored, searched = _INVALID[spec.kind]
    if not activity:
        return FieldRefused(searched, field=spec.name)
    return FieldRefused(stored, field=spec.name, activity=activity)


def _national_number(value: str, category: str, country: str) -> str:
    if category.endswith(".nl_bsn"):
        return str(nl_bsn.validate(value))
    if category.endswith(".be_rrn"):
        return str(be_nn.validate(value))
    # No category (a look-up), or a generic one: the organisation's country first, then the
    # other; the two forms never collide (11 digits in Belgium, 9 in the Netherlands).
    first, second = (nl_bsn, be_nn) if country == "NL" else (be_nn, nl_bsn)
    try:
        return str(first.validate(value))
    except ValidationError:
        return str(second.validate(value))


def _date(value: str) -> str:
    matched = _DAY_FIRST.match(value)
    if matched:
        day, month, year = (int(part) for part in matched.groups())
        return date(year, month, day).isoformat()
    if len(value) > 10:  # a moment (2026-10-15T09:30 or a spreadsheet's 2026-10-15 00:00:00)
        return datetime.fromisoformat(value).date().isoformat()
    return date.fromisoformat(value).isoformat()


def normalise(policy: ActivityPolicy, spec: FieldSpec, raw: str) -> str:
    """``raw`` checked and in canonical form; :class:`FieldRefused` naming field and kind."""
    if spec.kind is ValueKind.national_number and not policy.national_number_allowed:
        raise FieldRefused(
            "field '{field}' of activity '{activity}' holds a national number, which "
            "the activity has no legal ground for (national_number, and a legal "
            "basis other than consent or legitimate interests)",
            field=spec.name,
            activity=policy.id,
        )
    return _normalise(spec, raw, activity=policy.id, country=policy.country)


def lookup_form(kind: ValueKind, raw: str, *, country: str) -> tuple[str, str]:
    """The blind-index kind and index form of a value a person is looked up by."""
    spec = FieldSpec(name=kind.value, category="", kind=kind, identifier=True)
    return spec.index_kind, index_form(spec, _normalise(spec, raw, activity="", country=country))


def _normalise(spec: FieldSpec, raw: str, *, activity: str, country: str) -> str:
    value = raw.strip()
    try:
        match spec.kind:
            case ValueKind.email:
                return formats.email(value)
            case ValueKind.phone:
                number = formats.phone(value, country)
                if number is None:
                    raise _refuse(spec, activity)
                return number
            case ValueKind.iban:
                return str(iban.validate(value, check_country=False))
            case ValueKind.national_number:
                return _national_number(value, spec.category, country)
            case ValueKind.date:
                return _date(value)
            case ValueKind.text:
                if len(value) > MAX_TEXT:
                    raise FieldRefused(
                        "field '{field}' of activity '{activity}': longer than {limit} characters",
                        field=spec.name,
                        activity=activity,
                        limit=MAX_TEXT,
                    )
                return value
    except (EmailNotValidError, phonenumbers.NumberParseException, ValidationError, ValueError):
        raise _refuse(spec, activity) from None


def index_form(spec: FieldSpec, value: str) -> str:
    """The form of a normalised value that its blind index is computed on."""
    if spec.kind is ValueKind.text:
        return " ".join(value.casefold().split())
    return value.casefold()


def parse_event(name: str, raw: str | date, activity: str) -> tuple[str, date]:
    """The column and date of an event; :class:`FieldRefused` for an unknown event or date."""
    column = EVENTS.get(name)
    if column is None:
        raise FieldRefused(
            "'{field}' is not an event of a record; events: {events}",
            field=name,
            events=", ".join(EVENTS),
            activity=activity,
        )
    return column, parse_day(name, raw, activity)


def parse_day(name: str, raw: str | date, activity: str) -> date:
    """The day a date column ``name`` holds (ISO, or day first: 15/10/2026);
    :class:`FieldRefused` naming the column when it is not a valid date."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(_date(raw.strip()))
    except ValueError:
        raise FieldRefused(
            "'{field}' of activity '{activity}': not a valid date",
            field=name,
            activity=activity,
        ) from None
