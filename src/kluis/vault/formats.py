"""E-mail addresses and phone numbers in canonical form, fast on the common case and exact
on every case.

``email-validator`` and ``phonenumbers`` decide what is valid and how it is written. Each
spends most of its time on work that repeats from one value to the next: email-validator
checks the domain character by character through IDNA tables (and a file of candidates
holds a few hundred domains for a million addresses), phonenumbers parses the text with the
general machinery for every numbering plan. An import checks a million of each, so both take
a short road where the answer is certain:

- an e-mail address whose local part is a plain ASCII dot-atom of at most 64 characters
  (not one of the mailbox names email-validator lowercases) keeps that local part as it is,
  exactly as email-validator keeps it; its domain is checked and normalised by
  email-validator once per domain, and remembered;
- a phone number written with digits and the usual separators, with ``+``, ``00`` or the
  national prefix of a country whose plan has a plain prefix, is taken apart into country
  code and national number directly; ``phonenumbers.is_valid_number`` then decides with
  the plan's own patterns. A number that is not valid this way goes the long road, so a
  refusal always comes from the library's full parse.

Everything else goes the long road, through the libraries unchanged. Tests compare both
roads on thousands of generated values.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberFormat

_LOCAL_MAX: Final = 64
_ADDRESS_MAX: Final = 254
_DOT_ATOM: Final = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z"
)
_LOWERCASED: Final = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
_PHONE_NOISE: Final = str.maketrans("", "", " -./()")
_NSN_MIN, _NSN_MAX = 2, 17


def email_long(value: str) -> str:
    """The address as email-validator normalises it; :class:`EmailNotValidError` if invalid."""
    return str(validate_email(value, check_deliverability=False).normalized)


@lru_cache(maxsize=8192)
def _domain(domain: str) -> str | None:
    """The normalised form of an ASCII domain, None if email-validator refuses it."""
    try:
        normalised = validate_email("a@" + domain, check_deliverability=False).domain
    except EmailNotValidError:
        return None
    return str(normalised) if normalised.isascii() else None


def email(value: str) -> str:
    """``value`` as email-validator normalises it; :class:`EmailNotValidError` if invalid."""
    local, at, domain = value.rpartition("@")
    if (
        at
        and len(local) <= _LOCAL_MAX
        and domain.isascii()
        and _DOT_ATOM.match(local)
        and local.lower() not in _LOWERCASED
    ):
        normalised_domain = _domain(domain)
        if normalised_domain is not None:
            address = local + "@" + normalised_domain
            if len(address) <= _ADDRESS_MAX:
                return address
    return email_long(value)


def phone_long(value: str, country: str) -> str | None:
    """The E.164 form of a valid number by phonenumbers' full parse; None if not valid.

    :class:`phonenumbers.NumberParseException` if it is not a phone number at all."""
    number = phonenumbers.parse(value, country)
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))


@lru_cache(maxsize=512)
def _plain_prefix(region: str) -> tuple[str | None, str | None] | None:
    """The national prefix and international call prefix of ``region`` if its plan strips a
    plain national prefix and nothing else (no carrier codes, no rewriting); else None."""
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.national_prefix_transform_rule is not None:
        return None
    prefix = metadata.national_prefix_for_parsing
    if prefix is not None and not (prefix.isascii() and prefix.isdigit()):
        return None
    if prefix is not None and metadata.national_prefix not in (None, prefix):
        return None
    idd = metadata.international_prefix
    return prefix, idd if idd is not None and idd.isascii() and idd.isdigit() else None


def _international(digits: str) -> tuple[int, str] | None:
    """Country code and national number of ``digits`` (after ``+``), if the code exists and
    its plan is plain."""
    for size in range(1, 4):
        code = int(digits[:size])
        region = phonenumbers.region_code_for_country_code(code)
        if region == "ZZ":
            continue
        if region == "001":  # a non-geographic code (800, 808, ...): the long road
            return None
        plain = _plain_prefix(region)
        if plain is None:
            return None
        national = digits[size:]
        if plain[0] is not None and national.startswith(plain[0]):
            return None
        return code, national
    return None


def _split(value: str, country: str) -> tuple[int, str] | None:
    """Country code and national number of a number written plainly, or None."""
    compact = value.translate(_PHONE_NOISE)
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    home = _plain_prefix(country)
    if not (digits.isascii() and digits.isdigit()) or len(value) > 250 or home is None:
        return None
    national_prefix, idd = home
    if not plus and idd is not None and digits.startswith(idd):
        digits, plus = digits[len(idd) :], True
    if plus:
        return _international(digits)
    if national_prefix is not None and digits.startswith(national_prefix):
        return phonenumbers.country_code_for_region(country), digits[len(national_prefix) :]
    return None


def _fast_phone(value: str, country: str) -> str | None:
    split = _split(value, country)
    if split is None:
        return None
    code, national = split
    if not _NSN_MIN <= len(national) <= _NSN_MAX or national.startswith("0"):
        return None
    number = PhoneNumber(country_code=code, national_number=int(national))
    return f"+{code}{national}" if phonenumbers.is_valid_number(number) else None


def phone(value: str, country: str) -> str | None:
    """The E.164 form of a valid phone number (national numbers read as ``country``'s);
    None if it is not valid; :class:`phonenumbers.NumberParseException` if it is not a phone
    number at all."""
    return _fast_phone(value, country) or phone_long(value, country)


__all__ = ["email", "email_long", "phone", "phone_long"]
