"""The short roads for e-mail addresses and phone numbers give exactly what the libraries'
full checks give: compared on thousands of generated values, valid and invalid."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from email_validator import EmailNotValidError
from phonenumbers import PhoneNumberType

from kluis.vault import formats

_REGIONS = ["BE", "NL", "FR", "DE", "LU", "GB", "US", "IT", "AR", "BR", "MX", "CH", "AT", "ES"]
_LOCAL_ALPHABET = "abcXYZ019.._-+!#$%&'*/=?^`{|}~\"() ,:;<>@[\\]éß\u00a0"
_DOMAINS = [
    "example.be",
    "Example.COM",
    "EXAMPLE.nl.",
    "xn--bcher-kva.example",
    "bücher.example",
    "a.b",
    "x.123",
    "localhost",
    "host.local",
    "foo.test",
    "foo.invalid",
    "a-b.c-d.be",
    "-ab.be",
    "ab-.be",
    "a..b",
    "",
    "[1.2.3.4]",
    "ex_ample.com",
    "x" * 64 + ".be",
    "x" * 63 + ".be",
    "ab--cd.be",
    "xn--zz.be",
    "a.arpa",
    "b.co.uk",
    "ex ample.com",
]
_LOCALS = ["info", "Info", "postmaster", "SALES", "jan", "Jan.Peeters", "a" * 64, "a" * 65]


def _email_outcome(check: object, value: str) -> str:
    assert callable(check)
    try:
        return str(check(value))
    except EmailNotValidError:
        return "refused"


def _phone_outcome(check: object, value: str, country: str) -> str | None:
    assert callable(check)
    try:
        result = check(value, country)
    except phonenumbers.NumberParseException:
        return "not a number"
    return None if result is None else str(result)


def _emails(count: int) -> list[str]:
    rnd = random.Random(11)
    values = []
    for _ in range(count):
        if rnd.random() < 0.4:
            local = rnd.choice(_LOCALS)
        else:
            local = "".join(rnd.choice(_LOCAL_ALPHABET) for _ in range(rnd.randint(0, 12)))
        value = local + "@" + rnd.choice(_DOMAINS)
        if rnd.random() < 0.05:
            value = value.upper()
        if rnd.random() < 0.03:
            value = "Name <" + value + ">"
        values.append(value)
    # Around the length limits of the whole address.
    for extra in range(0, 20):
        values.append("a" * 60 + "@" + ".".join(["b" * 60] * 3) + "." + "c" * (1 + extra))
    return values


def _phones(count: int) -> list[tuple[str, str]]:
    """Numbers near real ones of many plans, in every form people write them."""
    rnd = random.Random(7)
    kinds = [PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE]
    values: list[tuple[str, str]] = []
    while len(values) < count:
        home, region = rnd.choice(_REGIONS), rnd.choice(_REGIONS)
        example = phonenumbers.example_number_for_type(region, rnd.choice(kinds))
        assert example is not None
        digits = list(str(example.national_number))
        for _ in range(rnd.randint(0, 3)):
            digits[rnd.randrange(len(digits))] = str(rnd.randint(0, 9))
        if rnd.random() < 0.2:
            digits.pop()
        if rnd.random() < 0.2:
            digits.append(str(rnd.randint(0, 9)))
        national, code = "".join(digits), example.country_code
        value = rnd.choice(
            [
                f"+{code}{national}",
                f"+{code}0{national}",
                f"00{code}{national}",
                f"0{national}",
                national,
                f"{code}{national}",
            ]
        )
        if rnd.random() < 0.5:
            value = " ".join(value[k : k + 2] for k in range(0, len(value), 2))
        if rnd.random() < 0.1:
            value = value.replace(" ", rnd.choice(["-", ".", "/"]))
        values.append((value, home))
    return values


def test_email_short_road_agrees_with_email_validator() -> None:
    values = _emails(20_000)
    outcomes = [_email_outcome(formats.email, value) for value in values]
    assert outcomes == [_email_outcome(formats.email_long, value) for value in values]
    # Both kinds of outcome are there in numbers: the comparison means something.
    assert 1000 < outcomes.count("refused") < len(values) - 1000


def test_phone_short_road_agrees_with_phonenumbers() -> None:
    values = _phones(20_000)
    outcomes = [_phone_outcome(formats.phone, value, home) for value, home in values]
    expected = [_phone_outcome(formats.phone_long, value, home) for value, home in values]
    assert outcomes == expected
    valid = sum(1 for outcome in outcomes if outcome and outcome.startswith("+"))
    assert 1000 < valid < len(values) - 1000


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("0470 12 34 56", "BE", "+32470123456"),
        ("+32 470 12 34 56", "NL", "+32470123456"),
        ("0032 470/12.34.56", "BE", "+32470123456"),
        ("06-12345678", "NL", "+31612345678"),
        ("(020) 123 4567", "NL", "+31201234567"),
        ("+33 6 12 34 56 78", "BE", "+33612345678"),
    ],
)
def test_common_phone_forms_take_the_short_road(
    monkeypatch: pytest.MonkeyPatch, value: str, country: str, expected: str
) -> None:
    def long_road(value: str, country: str) -> str | None:
        raise AssertionError("took the long road")

    monkeypatch.setattr(formats, "phone_long", long_road)
    assert formats.phone(value, country) == expected


def test_common_addresses_take_the_short_road(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = formats.email_long

    def long_road(value: str) -> str:
        calls.append(value)
        return real(value)

    monkeypatch.setattr(formats, "email_long", long_road)
    assert formats.email("An.Peeters@Example.BE") == "An.Peeters@example.be"
    assert formats.email("jan+cv@sub.example.nl") == "jan+cv@sub.example.nl"
    assert calls == []
    # A mailbox name email-validator lowercases, and a quoted local part, go the long road.
    assert formats.email("Info@example.be") == "info@example.be"
    with pytest.raises(EmailNotValidError):
        formats.email('"jan peeters"@example.be')
    assert len(calls) == 2


def test_an_invalid_number_is_refused_by_the_full_parse() -> None:
    assert formats.phone("0470 12 34", "BE") is None
    with pytest.raises(phonenumbers.NumberParseException):
        formats.phone("not a number", "BE")
