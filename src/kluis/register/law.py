"""The law as data: the facts that checks and privacy notices rely on, read from ``data/law.yaml``.

- the EEA, whose states are not third countries (Art. 44-45 GDPR);
- the adequacy decisions in force (Art. 45), the invalid Privacy Shield (CJEU C-311/18);
- the supervisory authority of each country (Art. 51; named in notices, Art. 13(2)(d));
- the age of digital consent per country (Art. 8(1));
- statutory retention periods that bound the storage period (Art. 5(1)(e), 13(2)(a), 17(3)(b)).

Every fact keeps its source and whether it was confirmed: a fact with ``confirmed`` (or,
for contact details, ``verified``) false must be shown as unconfirmed, never as certain.
The file is read the first time a function needs it, never at import time, and then kept.
Country codes are ISO 3166-1 alpha-2, compared in upper case.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Final

from kluis.register.builtin import builtin_yaml
from kluis.register.schema import LegalBasis, RetentionEvent
from kluis.register.types import Duration, Text

_COUNTRY: Final = re.compile(r"^[A-Z]{2}$")
_LANGUAGES: Final = frozenset({"nl", "en", "fr"})


# --- what the file holds ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """When the law data were last reviewed and when they are due for review."""

    reviewed: date
    review: date


@dataclass(frozen=True, slots=True)
class Adequacy:
    """A Commission adequacy decision for a country (Art. 45(3) GDPR, or 45(9) for older ones).

    ``requires`` names a condition on the recipient (``dpf``: only organisations certified
    under the EU-U.S. Data Privacy Framework). ``scope`` limits the decision where known.
    """

    country: str
    decision: str
    adopted: date
    valid_until: date | None
    scope: Text | None
    confirmed: bool
    review: date
    requires: str | None = None
    note: str | None = None

    def in_force(self, on: date) -> bool:
        """Whether the decision applies on ``on`` (from adoption up to and including its end)."""
        return self.adopted <= on and (self.valid_until is None or on <= self.valid_until)


@dataclass(frozen=True, slots=True)
class InternationalOrganisation:
    """An international organisation with an adequacy decision (Art. 45(1) GDPR)."""

    id: str
    name: Text
    decision: str
    adopted: date
    valid_until: date | None
    confirmed: bool
    review: date

    def in_force(self, on: date) -> bool:
        """Whether the decision applies on ``on``."""
        return self.adopted <= on and (self.valid_until is None or on <= self.valid_until)


@dataclass(frozen=True, slots=True)
class PendingAdequacy:
    """A proposed adequacy decision: the country is NOT adequate until it is adopted."""

    country: str
    proposed: date
    note: str
    review: date


@dataclass(frozen=True, slots=True)
class PrivacyShield:
    """The EU-US Privacy Shield decision, invalidated by the CJEU (C-311/18, Schrems II)."""

    decision: str
    invalidated: date
    judgment: str

    def valid_on(self, on: date) -> bool:
        """Whether the Privacy Shield could still be relied on at ``on`` (only before 16 July 2020)."""
        return on < self.invalidated


@dataclass(frozen=True, slots=True)
class Authority:
    """A supervisory authority (Art. 51 GDPR), where people lodge complaints (Art. 77).

    ``verified`` is false while the contact details have not been checked at the source.
    """

    country: str
    name: Text
    own_name: str
    verified: bool
    abbreviation: Text | None = None
    address: Text | None = None
    phone: str | None = None
    email: str | None = None
    website: Text | None = None
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class AgeRule:
    """The age from which a child can consent to an information society service (Art. 8(1)).

    ``confirmed`` is about the age, ``source_confirmed`` about the cited provision.
    ``country`` is None for the GDPR default.
    """

    country: str | None
    age: int
    source: str
    confirmed: bool
    source_confirmed: bool


@dataclass(frozen=True, slots=True)
class StatutoryRule:
    """A retention period national law sets for some records (Art. 5(1)(e), 17(3)(b) GDPR).

    ``minimum``: the records must be kept at least this long; ``maximum``: at most this long.
    Both run from the retention event ``after``.
    """

    id: str
    country: str
    label: Text
    source: str
    minimum: Duration | None
    maximum: Duration | None
    after: RetentionEvent
    confirmed: bool
    categories: tuple[str, ...]
    data_subjects: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    note: str | None = None

    def applies_to(
        self,
        categories: Sequence[str],
        subjects: Sequence[str],
        basis: str | None,
        covers: Callable[[str, str], bool],
    ) -> bool:
        """Whether an activity with these categories, subjects and legal basis holds these records.

        A category matches when one of the rule's categories covers it (``covers(parent,
        child)``, normally :meth:`kluis.register.taxonomy.Taxonomy.covers`). Subjects and bases
        restrict the rule only where the rule lists them.
        """
        if not any(covers(mine, theirs) for mine in self.categories for theirs in categories):
            return False
        if self.data_subjects and not set(self.data_subjects) & set(subjects):
            return False
        return not self.bases or (basis is not None and str(basis) in self.bases)

    def shorter_than_minimum(self, keep: Duration) -> bool:
        """Whether keeping data for ``keep`` falls short of the statutory minimum."""
        return self.minimum is not None and keep.approx_days() < self.minimum.approx_days()

    def longer_than_maximum(self, keep: Duration) -> bool:
        """Whether keeping data for ``keep`` exceeds the known maximum."""
        return self.maximum is not None and keep.approx_days() > self.maximum.approx_days()


@dataclass(frozen=True, slots=True)
class _Law:
    snapshot: Snapshot
    eea: frozenset[str]
    adequacy: tuple[Adequacy, ...]
    organisations: tuple[InternationalOrganisation, ...]
    pending: tuple[PendingAdequacy, ...]
    privacy_shield: PrivacyShield
    authorities: Mapping[str, Authority]
    default_age: AgeRule
    ages: Mapping[str, AgeRule]
    rules: tuple[StatutoryRule, ...]


# --- public functions ---------------------------------------------------------------------


def snapshot() -> Snapshot:
    """When the law data were last reviewed, and the date by which they must be reviewed again."""
    return _law().snapshot


def eea_countries() -> frozenset[str]:
    """The states of the European Economic Area: the EU 27, Iceland, Liechtenstein, Norway."""
    return _law().eea


def is_eea(country: str) -> bool:
    """Whether ``country`` is in the EEA, so that sending data there is no transfer (Art. 44)."""
    return _code(country) in _law().eea


def adequacy_decisions() -> tuple[Adequacy, ...]:
    """Every adequacy decision for a country that the data file knows (Art. 45)."""
    return _law().adequacy


def adequacy_for(country: str, on: date) -> Adequacy | None:
    """The adequacy decision covering ``country`` on ``on``; None for EEA states and the rest.

    Where decisions overlap (a renewal), the most recently adopted one is returned. A
    decision with ``requires`` set covers only recipients that meet the condition.
    """
    code = _code(country)
    if code in _law().eea:
        return None
    found = [a for a in _adequacy_by_country().get(code, ()) if a.in_force(on)]
    return max(found, key=lambda a: a.adopted) if found else None


def is_adequate(country: str, on: date, *, dpf_certified: bool = False) -> bool:
    """Whether an adequacy decision alone covers a transfer to ``country`` on ``on`` (Art. 45).

    False for EEA states (no transfer at all). A decision that ``requires`` DPF certification
    (the United States) counts only when ``dpf_certified`` says the recipient is certified.
    """
    decision = adequacy_for(country, on)
    if decision is None:
        return False
    return decision.requires is None or (decision.requires == "dpf" and dpf_certified)


def international_organisations() -> tuple[InternationalOrganisation, ...]:
    """International organisations with an adequacy decision (Art. 45(1))."""
    return _law().organisations


def pending_adequacy(country: str) -> PendingAdequacy | None:
    """A proposed but not adopted adequacy decision for ``country`` (not adequate yet)."""
    code = _code(country)
    return next((p for p in _law().pending if p.country == code), None)


def privacy_shield() -> PrivacyShield:
    """The invalidated EU-US Privacy Shield (CJEU C-311/18, 16 July 2020)."""
    return _law().privacy_shield


def authority(country: str) -> Authority | None:
    """The supervisory authority of ``country`` (Art. 51, 77), if the data file knows it."""
    return _law().authorities.get(_code(country))


def digital_consent_age(country: str) -> AgeRule:
    """The age of digital consent in ``country`` (Art. 8(1)); the default, unconfirmed, if unknown.

    For a country without a recorded rule the GDPR default (16) is returned with
    ``confirmed`` false: the Member State may have set a lower age.
    """
    law = _law()
    code = _code(country)
    rule = law.ages.get(code)
    if rule is not None:
        return rule
    default = law.default_age
    return AgeRule(
        country=code,
        age=default.age,
        source=f"{default.source} (no national rule recorded)",
        confirmed=False,
        source_confirmed=default.source_confirmed,
    )


def statutory_rules(country: str) -> tuple[StatutoryRule, ...]:
    """The statutory retention rules of ``country``, in the order of the data file."""
    return _rules_by_country().get(_code(country), ())


def statutory_rule(rule_id: str) -> StatutoryRule:
    """The statutory retention rule ``rule_id``; raise ``KeyError`` when there is none."""
    for rule in _law().rules:
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)


# --- reading the file ---------------------------------------------------------------------


@cache
def _law() -> _Law:
    raw = builtin_yaml(
        resources.files("kluis.register").joinpath("data", "law.yaml").read_text("utf-8")
    )
    data = _map(raw, "law.yaml")
    retention = _map(data["statutory_retention"], "statutory_retention")
    ages = _map(data["digital_consent_age"], "digital_consent_age")
    authorities = _map(data["authorities"], "authorities")
    return _Law(
        snapshot=Snapshot(_date(data["reviewed"], "reviewed"), _date(data["review"], "review")),
        eea=frozenset(
            _country(c, "eea") for c in _list(_map(data["eea"], "eea")["countries"], "eea")
        ),
        adequacy=tuple(_adequacy(e) for e in _list(data["adequacy"], "adequacy")),
        organisations=tuple(
            _organisation(e)
            for e in _list(data.get("international_organisations", []), "organisations")
        ),
        pending=tuple(_pending(e) for e in _list(data.get("pending_adequacy", []), "pending")),
        privacy_shield=_privacy_shield(data["privacy_shield"]),
        authorities={
            _country(code, "authorities"): _authority(_country(code, "authorities"), entry)
            for code, entry in authorities.items()
        },
        default_age=_age(None, ages["default"], default=True),
        ages={
            _country(code, "digital_consent_age"): _age(_country(code, "ages"), entry)
            for code, entry in _map(ages.get("countries", {}), "ages").items()
        },
        rules=tuple(_rule(e) for e in _list(retention["rules"], "statutory_retention")),
    )


@cache
def _adequacy_by_country() -> Mapping[str, tuple[Adequacy, ...]]:
    grouped: dict[str, list[Adequacy]] = {}
    for decision in _law().adequacy:
        grouped.setdefault(decision.country, []).append(decision)
    return {code: tuple(items) for code, items in grouped.items()}


@cache
def _rules_by_country() -> Mapping[str, tuple[StatutoryRule, ...]]:
    grouped: dict[str, list[StatutoryRule]] = {}
    for rule in _law().rules:
        grouped.setdefault(rule.country, []).append(rule)
    return {code: tuple(items) for code, items in grouped.items()}


def _adequacy(raw: object) -> Adequacy:
    entry = _map(raw, "adequacy")
    where = f"adequacy {entry.get('country')}"
    return Adequacy(
        country=_country(entry["country"], where),
        decision=_str(entry["decision"], where),
        adopted=_date(entry["adopted"], where),
        valid_until=_opt_date(entry.get("valid_until"), where),
        scope=_opt_text(entry.get("scope"), where),
        confirmed=_bool(entry["confirmed"], where),
        review=_date(entry["review"], where),
        requires=_opt_str(entry.get("requires"), where),
        note=_opt_str(entry.get("note"), where),
    )


def _organisation(raw: object) -> InternationalOrganisation:
    entry = _map(raw, "international_organisations")
    where = f"international organisation {entry.get('id')}"
    return InternationalOrganisation(
        id=_str(entry["id"], where),
        name=_text(entry["name"], where),
        decision=_str(entry["decision"], where),
        adopted=_date(entry["adopted"], where),
        valid_until=_opt_date(entry.get("valid_until"), where),
        confirmed=_bool(entry["confirmed"], where),
        review=_date(entry["review"], where),
    )


def _pending(raw: object) -> PendingAdequacy:
    entry = _map(raw, "pending_adequacy")
    where = f"pending adequacy {entry.get('country')}"
    return PendingAdequacy(
        country=_country(entry["country"], where),
        proposed=_date(entry["proposed"], where),
        note=_str(entry["note"], where),
        review=_date(entry["review"], where),
    )


def _privacy_shield(raw: object) -> PrivacyShield:
    entry = _map(raw, "privacy_shield")
    return PrivacyShield(
        decision=_str(entry["decision"], "privacy_shield"),
        invalidated=_date(entry["invalidated"], "privacy_shield"),
        judgment=_str(entry["judgment"], "privacy_shield"),
    )


def _authority(code: str, raw: object) -> Authority:
    entry = _map(raw, f"authority {code}")
    where = f"authority {code}"
    return Authority(
        country=code,
        name=_text(entry["name"], where),
        own_name=_str(entry["own_name"], where),
        verified=_bool(entry["verified"], where),
        abbreviation=_opt_text(entry.get("abbreviation"), where),
        address=_opt_text(entry.get("address"), where),
        phone=_opt_str(entry.get("phone"), where),
        email=_opt_str(entry.get("email"), where),
        website=_opt_text(entry.get("website"), where),
        source=_opt_str(entry.get("source"), where),
        note=_opt_str(entry.get("note"), where),
    )


def _age(code: str | None, raw: object, *, default: bool = False) -> AgeRule:
    where = f"digital consent age {code or 'default'}"
    entry = _map(raw, where)
    age = entry["age"]
    if not isinstance(age, int) or isinstance(age, bool) or not 13 <= age <= 16:  # Art. 8(1)
        raise ValueError(f"{where}: the age must be a whole number from 13 to 16")
    return AgeRule(
        country=code,
        age=age,
        source=_str(entry["source"], where),
        confirmed=_bool(entry.get("confirmed", default), where),
        source_confirmed=_bool(entry.get("source_confirmed", default), where),
    )


def _rule(raw: object) -> StatutoryRule:
    entry = _map(raw, "statutory_retention")
    where = f"statutory rule {entry.get('id')}"
    match = _map(entry["match"], where)
    minimum = _duration(entry.get("minimum"), where)
    maximum = _duration(entry.get("maximum"), where)
    if minimum is None and maximum is None:
        raise ValueError(f"{where}: needs a minimum, a maximum or both")
    bases = _ids(match.get("bases", []), where)
    unknown = set(bases) - {b.value for b in LegalBasis}
    if unknown:
        raise ValueError(f"{where}: unknown legal bases {sorted(unknown)}")
    categories = _ids(match["categories"], where)
    if not categories:
        raise ValueError(f"{where}: match.categories is empty")
    return StatutoryRule(
        id=_str(entry["id"], where),
        country=_country(entry["country"], where),
        label=_text(entry["label"], where),
        source=_str(entry["source"], where),
        minimum=minimum,
        maximum=maximum,
        after=RetentionEvent(_str(entry["after"], where)),
        confirmed=_bool(entry["confirmed"], where),
        categories=categories,
        data_subjects=_ids(match.get("data_subjects", []), where),
        bases=bases,
        note=_opt_str(entry.get("note"), where),
    )


# --- small typed readers of YAML values ---------------------------------------------------


def _code(country: str) -> str:
    return country.strip().upper()


def _map(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected a mapping")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list")
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: expected a text, got {value!r}")
    return value


def _opt_str(value: object, where: str) -> str | None:
    return None if value is None else _str(value, where)


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where}: expected true or false, got {value!r}")
    return value


def _country(value: object, where: str) -> str:
    # A bare NO in YAML is the boolean false: this is where that mistake is caught.
    if not isinstance(value, str) or not _COUNTRY.match(value):
        raise ValueError(f"{where}: {value!r} is not a quoted ISO 3166-1 alpha-2 code")
    return value


def _date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise ValueError(f"{where}: expected a date, got {value!r}")


def _opt_date(value: object, where: str) -> date | None:
    return None if value is None else _date(value, where)


def _text(value: object, where: str) -> Text:
    entries = _map(value, where)
    if not entries or not set(entries) <= _LANGUAGES:
        raise ValueError(f"{where}: a text needs languages among {sorted(_LANGUAGES)}")
    return Text({language: _str(text, where) for language, text in entries.items()})


def _opt_text(value: object, where: str) -> Text | None:
    return None if value is None else _text(value, where)


def _duration(value: object, where: str) -> Duration | None:
    if value is None:
        return None
    return Duration.parse(_str(value, where))


def _ids(value: object, where: str) -> tuple[str, ...]:
    return tuple(_str(item, where) for item in _list(value, where))
