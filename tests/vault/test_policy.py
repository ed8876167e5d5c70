"""The vault's rules as pure functions: look-up forms, dates and the kinds of values."""

from __future__ import annotations

from datetime import date

import pytest

from kluis.register.taxonomy import builtin_taxonomy
from kluis.vault import FieldRefused, ValueKind
from kluis.vault.policy import lookup_form, parse_event, value_kind


@pytest.mark.parametrize(
    ("kind", "raw", "country", "expected"),
    [
        (ValueKind.email, " An.Peeters@Example.BE ", "BE", ("email", "an.peeters@example.be")),
        (ValueKind.phone, "0470 12 34 56", "BE", ("phone", "+32470123456")),
        (ValueKind.phone, "06 12345678", "NL", ("phone", "+31612345678")),
        (ValueKind.national_number, "85.07.30-033.28", "BE", ("national_number", "85073003328")),
        # A Dutch BSN looked up in a Belgian organisation (or the other way round).
        (ValueKind.national_number, "1112.22.333", "BE", ("national_number", "111222333")),
        (ValueKind.national_number, "85073003328", "NL", ("national_number", "85073003328")),
    ],
)
def test_lookup_forms(kind: ValueKind, raw: str, country: str, expected: tuple[str, str]) -> None:
    assert lookup_form(kind, raw, country=country) == expected


@pytest.mark.parametrize(
    ("kind", "raw", "words"),
    [
        (ValueKind.email, "an.peeters.example.be", "the e-mail address searched for"),
        (ValueKind.phone, "12", "the phone number searched for"),
        (ValueKind.national_number, "12345678901", "the national number searched for"),
    ],
)
def test_a_malformed_look_up_names_the_kind_never_the_value(
    kind: ValueKind, raw: str, words: str
) -> None:
    with pytest.raises(FieldRefused) as refused:
        lookup_form(kind, raw, country="BE")
    assert words in str(refused.value)
    assert raw not in str(refused.value)


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("15/10/2026", date(2026, 10, 15)),
        ("1.2.2026", date(2026, 2, 1)),
        ("2026-10-15", date(2026, 10, 15)),
        ("2026-10-15 00:00:00", date(2026, 10, 15)),
    ],
)
def test_event_dates_day_first_or_iso(raw: str, day: date) -> None:
    assert parse_event("selection_end", raw, "candidates") == ("selection_end", day)


def test_an_unknown_event_is_refused_with_the_events_listed() -> None:
    with pytest.raises(FieldRefused, match="events: collected"):
        parse_event("einde", "2026-10-15", "candidates")


@pytest.mark.parametrize(
    ("category", "kind"),
    [
        ("user.contact.email", ValueKind.email),
        ("user.contact.phone_number.mobile", ValueKind.phone),
        ("user.financial.bank_account", ValueKind.iban),
        ("user.demographic.date_of_birth", ValueKind.date),
        ("user.government_id.national_identification_number.be_rrn", ValueKind.national_number),
        ("user.name", ValueKind.text),
    ],
)
def test_the_kind_of_a_value_follows_its_category(category: str, kind: ValueKind) -> None:
    assert value_kind(builtin_taxonomy(), category) is kind


@pytest.mark.parametrize("raw", ["2026-10-15x", "31/02/2026", "15 oktober"])
def test_a_date_with_anything_more_is_refused(raw: str) -> None:
    with pytest.raises(FieldRefused, match="not a valid date"):
        parse_event("selection_end", raw, "candidates")
