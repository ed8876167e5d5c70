"""``kluis demo``: fill a vault with made-up people to show Kluis with, through the same
services as every other command (records through the register's rules, consent through the
consent log, requests, a legal hold), so the demonstration obeys the register too.

The people are invented with Faker in the locales nl_BE, fr_BE and nl_NL: Belgian national
numbers with a valid checksum, Belgian and Dutch mobile numbers that ``phonenumbers``
accepts, e-mail addresses at example domains (RFC 2606). Their records fall under several
activities, with consent where the activity needs it; some are already past their retention
period (a retention run erases them), some consents are withdrawn, two requests are open
(one overdue, one due within the week) and a legal hold keeps one person.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Final

import phonenumbers
import typer
from faker import Faker
from sqlalchemy.orm import Session
from stdnum import iban as iban_number
from stdnum.be import nn as be_nn

from kluis.cli.console import language, out, say, t
from kluis.cli.context import command_unit
from kluis.cli.options import LangOpt
from kluis.consent import WITHDRAWN, Channel, ConsentLedger, record_consent
from kluis.core.actor import Actor
from kluis.i18n import N_
from kluis.register.schema import Activity, LegalBasis
from kluis.register.versions import require_version
from kluis.retention import rule_of, set_hold
from kluis.subject_requests import Channel as RequestChannel
from kluis.subject_requests import Kind, file_request
from kluis.vault import Keyring, RecordInput, ValueKind, Written, write_records

LOCALES: Final = ("nl_BE", "fr_BE", "nl_NL")
DOMAINS: Final = ("example.be", "example.nl", "example.org", "example.com")
_EVENTS: Final = {"record_date": "date"}
_CONSENT_EVENTS: Final = frozenset({"consent_given", "consent_withdrawn"})
_EDUCATION: Final = (
    "Bachelor Office Management",
    "Master Handelswetenschappen",
    "Graduaat Programmeren",
    "Bachelor Verpleegkunde",
    "Master Rechten",
    "Bachelier en comptabilité",
    "HBO Bedrijfskunde",
    "MBO Logistiek",
)


@dataclass(frozen=True)
class Person:
    """A made-up person: the same identity in every activity they appear in."""

    name: str
    email: str
    phone: str
    birth: date
    national_number: str
    locale: str


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum() or c == " ").strip().replace(" ", ".")


def _belgian_number(birth: date, rng: random.Random) -> str:
    """A Belgian national register number with a valid checksum (Law of 8 August 1983)."""
    while True:
        serial = rng.randint(1, 997)
        body = f"{birth:%y%m%d}{serial:03d}"
        base = int(("2" if birth.year >= 2000 else "") + body)
        number = f"{body}{97 - base % 97:02d}"
        if be_nn.is_valid(number):
            return be_nn.format(number)


def _mobile(locale: str, rng: random.Random) -> str:
    """A Belgian or Dutch mobile number that ``phonenumbers`` takes as valid."""
    while True:
        if locale == "nl_NL":
            raw, region = f"+316{rng.randint(10_000_000, 99_999_999)}", "NL"
        else:
            raw, region = (
                f"+324{rng.choice('6789')}{rng.randint(0, 9)}{rng.randint(0, 999_999):06d}",
                "BE",
            )
        parsed = phonenumbers.parse(raw, region)
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _person(number: int, fakers: dict[str, Faker], rng: random.Random, today: date) -> Person:
    locale = rng.choices(LOCALES, weights=(5, 3, 2))[0]
    fake = fakers[locale]
    first, last = fake.first_name(), fake.last_name()
    birth = today - timedelta(days=rng.randint(19 * 365, 64 * 365))
    return Person(
        name=f"{first} {last}",
        email=f"{_ascii(first)}.{_ascii(last)}{number}@{rng.choice(DOMAINS)}",
        phone=_mobile(locale, rng),
        birth=birth,
        national_number=_belgian_number(birth, rng),
        locale=locale,
    )


def _iban(fake: Faker) -> str | None:
    for _attempt in range(20):
        value = fake.iban()
        if iban_number.is_valid(value):
            return str(value)
    return None


def _value(name: str, category: str, person: Person, fake: Faker, rng: random.Random) -> str | None:
    """A made-up value for a field of ``category`` (``None``: left empty)."""
    if category.endswith(("email", "phone_number")):
        return person.email if category.endswith("email") else person.phone
    made: dict[str, Callable[[], str | None]] = {
        "user.name": lambda: person.name,
        "user.demographic.date_of_birth": person.birth.isoformat,
        "user.government_id.national_identification_number.be_rrn": lambda: person.national_number,
        "user.financial.bank_account": lambda: _iban(fake),
        "user.contact.address": lambda: " ".join(fake.address().split()),
        "user.job_title": lambda: str(fake.job()),
        "user.contact.organization": lambda: str(fake.company()),
        "user.employment.education": lambda: rng.choice(_EDUCATION),
    }
    make = made.get(category)
    if make is not None:
        return make()
    if category.startswith(("user.government_id", "user.health", "user.criminal")):
        return None  # nothing made up where the law says how it is kept
    return f"{name.replace('_', ' ').capitalize()}: {fake.sentence(nb_words=8)}"


def _days(activity: Activity) -> int:
    rule = rule_of(activity)
    if rule is None or rule.keep is None:
        return 730
    keep = rule.keep
    return max(60, keep.total_months * 30 + keep.weeks * 7 + keep.days)


def _events(
    activity: Activity, rng: random.Random, today: date
) -> tuple[dict[str, str], date | None]:
    """The record's events (about a third past its period), and when consent was given."""
    rule = rule_of(activity)
    span = int(_days(activity) * 1.6)
    consent_given = None
    if activity.legal_basis is not None and activity.legal_basis.basis is LegalBasis.consent:
        consent_given = today - timedelta(days=rng.randint(1, span))
    column = rule.column if rule is not None else None
    if column is None or column in _CONSENT_EVENTS:
        return {}, consent_given
    if column in ("selection_end", "contract_end", "employment_end") and rng.random() < 0.3:
        return {}, consent_given  # still running: no due date yet
    day = today - timedelta(days=rng.randint(0, span))
    return {_EVENTS.get(column, column): day.isoformat()}, consent_given


def _writable(activity: Activity) -> bool:
    return bool(activity.fields) and bool(activity.identifiers)


#: The records made, by activity, with the person each belongs to.
Made = dict[str, list[tuple[Person, Written]]]


@dataclass
class Summary:
    """What the demo made."""

    people: int = 0
    records: int = 0
    withdrawn: int = 0
    requests: int = 0
    holds: int = 0


def _weight(activity: Activity) -> int:
    rule = rule_of(activity)
    return 4 if rule is not None and rule.column == "selection_end" else 1


def fill(people: int, seed: int, *, progress: Callable[[int], None] | None = None) -> Summary:
    """Make ``people`` people in the vault of the working folder (a vault with an applied
    register); the same ``seed`` makes the same people."""
    rng = random.Random(seed)  # noqa: S311 - made-up people, not secrets
    fakers: dict[str, Faker] = {}
    for locale in LOCALES:
        fakers[locale] = Faker(locale)
        fakers[locale].seed_instance(seed)
    summary = Summary()
    with command_unit(language(None)) as (context, session, actor):
        now = context.clock.now()
        today = now.date()
        activities = [a for a in require_version(session).register.activities if _writable(a)]
        keyring = context.keyring()
        ledger = ConsentLedger()
        written_by: Made = {}
        for number in range(people):
            person = _person(number, fakers, rng, today)
            count = 1 if rng.random() < 0.7 else 2
            picked = rng.choices(activities, weights=[_weight(a) for a in activities], k=count)
            chosen = {activity.id: activity for activity in picked}
            for _id, activity in sorted(chosen.items()):
                fake = fakers[person.locale]
                values = {
                    name: value
                    for name, category in activity.fields.items()
                    if (value := _value(name, str(category), person, fake, rng)) is not None
                }
                events, consent_given = _events(activity, rng, today)
                consent = (
                    {
                        "consent_given": consent_given.isoformat(),
                        "consent_channel": "web_form",
                        "consent_evidence": f"demo form {number}",
                    }
                    if consent_given
                    else {}
                )
                outcomes = write_records(
                    session,
                    keyring,
                    actor,
                    activity.id,
                    [RecordInput(values, events, source=None, consent=consent)],
                    at=now,
                    reason="kluis demo",
                    consent=ledger,
                )
                for outcome in outcomes:
                    if isinstance(outcome, Written):
                        summary.records += 1
                        written_by.setdefault(activity.id, []).append((person, outcome))
            summary.people += 1
            if progress is not None:
                progress(1)
        summary.withdrawn = _withdrawals(session, actor, written_by, activities, rng, now)
        summary.requests = _requests(session, keyring, actor, written_by, now)
        summary.holds = _hold(session, actor, written_by, now)
    return summary


def _withdrawals(
    session: Session,
    actor: Actor,
    written_by: Made,
    activities: list[Activity],
    rng: random.Random,
    now: datetime,
) -> int:
    """Withdraw about a fifth of the consents given (some within the last 30 days)."""
    count = 0
    for activity in activities:
        if activity.legal_basis is None or activity.legal_basis.basis is not LegalBasis.consent:
            continue
        purpose = activity.legal_basis.consent
        if purpose is None:
            continue
        for _owner, written in written_by.get(activity.id, []):
            if rng.random() >= 0.2:
                continue
            record_consent(
                session,
                actor,
                written.subject_id,
                purpose,
                action=WITHDRAWN,
                channel=Channel.email,
                language="nl",
                evidence="demo: unsubscribe link",
                given_at=now - timedelta(days=rng.randint(1, 90)),
                at=now,
            )
            count += 1
    return count


def _requests(
    session: Session, keyring: Keyring, actor: Actor, written_by: Made, now: datetime
) -> int:
    """Three open access and erasure requests: one overdue, one due within the week, one new."""
    people = [person for items in written_by.values() for person, _written in items]
    if len(people) < 3:
        return 0
    ages = ((Kind.access, 35), (Kind.erasure, 26), (Kind.access, 2))
    for (kind, days), person in zip(ages, people[:3], strict=True):
        file_request(
            session,
            keyring,
            actor,
            kind=kind,
            channel=RequestChannel.email,
            language="nl",
            identifiers={ValueKind.email: person.email},
            received_at=now - timedelta(days=days),
            reference=f"demo mailbox {days}",
            at=now,
        )
    return len(ages)


def _hold(session: Session, actor: Actor, written_by: Made, now: datetime) -> int:
    """A legal hold on a person of the largest activity (the candidates): a dispute keeps
    their records past their period."""
    if not written_by:
        return 0
    largest = max(written_by.values(), key=len)
    _person, written = largest[len(largest) // 2]
    set_hold(
        session,
        actor,
        subject_id=written.subject_id,
        reason="Geschil 2026/031 (demo)",
        until=(now + timedelta(days=180)).date(),
        at=now,
    )
    return 1


def demo(
    people: Annotated[
        int, typer.Option("--people", min=1, max=100_000, help=N_("How many people to make."))
    ] = 300,
    seed: Annotated[
        int, typer.Option("--seed", help=N_("The same seed makes the same people."))
    ] = 1,
    lang: LangOpt = None,
) -> None:
    """Fill the vault with made-up people, records, consents, requests and a legal hold."""
    messages = language(lang)
    summary = fill(people, seed)
    say(
        out(),
        t(
            messages,
            N_(
                "Demo: {people} made-up people with {records} records, {withdrawn} consent(s) "
                "withdrawn, {requests} open requests and {holds} legal hold."
            ),
            people=summary.people,
            records=summary.records,
            withdrawn=summary.withdrawn,
            requests=summary.requests,
            holds=summary.holds,
        ),
    )


def add_to(app: typer.Typer, lang: str) -> None:
    """Add ``kluis demo`` to ``app``, with its help text in ``lang``."""
    app.command(
        "demo",
        help=t(
            lang,
            N_("Fill the vault with made-up people, records, consents, requests and a legal hold."),
        ),
    )(demo)


__all__ = ["add_to", "demo", "fill"]
