"""Every retention promise of the five source documents gives the right due date.

Kluis is built for five real privacy documents (``shared/seeds/``), each encoded as an
example register in ``examples/``. For every retention promise a document makes, this
module loads that example with the project's loader, takes the activity that carries the
promise, and checks the due date ``rule_of`` and ``due_date`` give for a record against a
date worked out by hand from the promise, counted as Regulation (EEC, Euratom) No 1182/71
counts: a period of years ends on the same day number (28 February when the year has no
29 February), and the record is due on the day after the period ends. Where a document
says what happens at the end (erased or anonymised) or that the data are kept because a
law requires it, the rule's ``then`` and ``legal_obligation`` are checked too; where it is
silent, they are left alone.

Promises without a fixed period (kept "as long as" something lasts) are checked to have no
due date and a review. Where an example reads its document otherwise on purpose, the
comment at the end says so and why.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pytest

from kluis.register.loader import load_register
from kluis.register.schema import Register, RetentionAction, RetentionEvent
from kluis.retention.policy import EVENT_COLUMNS, Rule, due_date, rule_of

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

ERASE = RetentionAction.erase
CONTRACT_END = RetentionEvent.contract_end
EMPLOYMENT_END = RetentionEvent.employment_end
COLLECTED = RetentionEvent.collected


class Promise(NamedTuple):
    """One retention promise of a document and the due date it gives one record."""

    #: The example register's folder in ``examples/``.
    org: str
    #: The promise, quoted from the document.
    quote: str
    #: The activity of the register that carries the promise.
    activity: str
    #: The event the period runs from, and the day it happened for the record.
    event: RetentionEvent
    on: date
    #: How many times the record's period was renewed.
    renewals: int
    #: The first day the record is no longer kept, worked out by hand.
    due: date
    #: What the document says happens at the end; None when it does not say.
    then: RetentionAction | None = None
    #: Whether the document keeps the data because a law requires it; None when silent.
    legal: bool | None = None
    #: A short name for the case, for the test id.
    case: str = ""


def _id(promise: Promise) -> str:
    return "/".join(part for part in (promise.org, promise.activity, promise.case) if part)


@cache
def _register(org: str) -> Register:
    return load_register(EXAMPLES / org).register


def _rule(register: Register, activity: str) -> Rule:
    found = [a for a in register.activities if a.id == activity]
    assert found, f"the register has no activity {activity!r}"
    rule = rule_of(found[0])
    assert rule is not None, f"{activity} has no retention"
    return rule


def _check(promise: Promise) -> None:
    register = _register(promise.org)
    rule = _rule(register, promise.activity)
    assert rule.after is promise.event, (
        f"{promise.quote!r}: {promise.activity} runs from {rule.after}, not {promise.event}"
    )
    events = {EVENT_COLUMNS[promise.event]: promise.on}
    fiscal_year = register.organisation.fiscal_year_end
    due = due_date(rule, events, fiscal_year, renewals=promise.renewals)
    assert due == promise.due, f"{promise.quote!r} after {promise.on}: due {due}"
    if promise.then is not None:
        assert rule.then is promise.then
    if promise.legal is not None:
        assert rule.legal_obligation is promise.legal


# --- Konnekto (000): "Na deze periode, zullen uw persoonsgegevens worden verwijderd" ----------
# Every period below ends in erasure. The register's fiscal year is the calendar year (the
# policy does not say; the register assumes it).

KONNEKTO = [
    Promise(
        "konnekto",
        "Gegevens van onze contactpersonen die mee hebben gewerkt aan een project houden wij "
        "7 jaar na de actieve dienstverlening bij",
        "subsidy-services",
        CONTRACT_END,
        date(2024, 2, 29),
        0,
        date(2031, 3, 1),  # 2031 has no 29 February: the period ends on 28 February
        then=ERASE,
        legal=False,  # "op basis van een overeenkomst die wij afsluiten met onze klant"
        case="29-february",
    ),
    Promise(
        "konnekto",
        "Gegevens die wij nodig hadden om onze dienstverlening correct uit te voeren, houden "
        "wij 1 jaar bij nadat de dienstverlening werd afgerond",
        "client-staff-files",
        CONTRACT_END,
        date(2024, 2, 29),
        0,
        date(2025, 3, 1),  # one year after 29 February ends on 28 February
        then=ERASE,
        case="29-february",
    ),
    Promise(
        "konnekto",
        "Gegevens die wij nodig hadden om onze dienstverlening correct uit te voeren, houden "
        "wij 1 jaar bij nadat de dienstverlening werd afgerond",
        "client-staff-files",
        CONTRACT_END,
        date(2025, 12, 31),
        0,
        date(2027, 1, 1),  # the period ends on 31 December, the record is due in a new year
        then=ERASE,
        case="31-december",
    ),
    Promise(
        "konnekto",
        "Personeelsgegevens houden wij tot 5 jaar na de tewerkstelling bij",
        "employment-contracts",
        EMPLOYMENT_END,
        date(2025, 12, 31),
        0,
        date(2031, 1, 1),
        then=ERASE,
        legal=False,  # "houden wij bij op basis van deze overeenkomst"
        case="31-december",
    ),
    Promise(
        "konnekto",
        "de wettelijke termijn die ons dwingt tot 5 jaar na de tewerkstelling nog te kunnen "
        "aantonen dat u bij ons heeft gewerkt",
        "payroll",
        EMPLOYMENT_END,
        date(2024, 2, 29),
        0,
        date(2029, 3, 1),
        then=ERASE,
        legal=True,  # "verwerken wij op basis van onze wettelijke verplichtingen"
        case="29-february",
    ),
    Promise(
        "konnekto",
        "Personeelsgegevens houden wij tot 5 jaar na de tewerkstelling bij",
        "staff-development",
        EMPLOYMENT_END,
        date(2026, 3, 31),
        0,
        date(2031, 4, 1),
        then=ERASE,
        legal=False,  # evaluations: "op basis van ons gerechtvaardigd belang"
        case="31-march",
    ),
    Promise(
        "konnekto",
        "bewaren we de gegevens van kandidaten niet langer dan de duur van het selectieproces",
        "recruitment",
        RetentionEvent.selection_end,
        date(2026, 10, 15),
        0,
        date(2026, 10, 16),  # a period of nothing (P0D): due the day after the selection
        then=ERASE,
        legal=False,  # "beroepen wij ons op het gerechtvaardigd belang"
        case="P0D",
    ),
    Promise(
        "konnekto",
        "bewaren we de gegevens van kandidaten niet langer dan de duur van het selectieproces",
        "recruitment",
        RetentionEvent.selection_end,
        date(2025, 12, 31),
        0,
        date(2026, 1, 1),
        then=ERASE,
        legal=False,
        case="P0D-31-december",
    ),
    Promise(
        "konnekto",
        "vragen we voorafgaand uw toestemming om de gegevens nog 2 jaar in onze databank bij "
        "te houden",
        "recruitment-reserve",
        RetentionEvent.consent_given,
        date(2024, 2, 29),
        0,
        date(2026, 3, 1),
        then=ERASE,
        legal=False,  # "vragen wij uw expliciete toestemming"
        case="29-february",
    ),
    # The period runs from the end of the fiscal year the record falls in (31 December).
    Promise(
        "konnekto",
        "Boekhoudkundige gegevens houden we tot 7 jaar bij na het laatste afgesloten boekjaar",
        "accounting",
        RetentionEvent.fiscal_year_end,
        date(2026, 5, 10),  # a record of mid-2026: the fiscal year ends on 31 December 2026
        0,
        date(2034, 1, 1),  # 7 years end on 31 December 2033
        then=ERASE,
        legal=True,  # "onze wettelijke verplichting ... ten aanzien van de FOD Financiën"
        case="fiscal-year-mid-year",
    ),
    Promise(
        "konnekto",
        "Boekhoudkundige gegevens houden we tot 7 jaar bij na het laatste afgesloten boekjaar",
        "accounting",
        RetentionEvent.fiscal_year_end,
        date(2026, 12, 31),  # the last day of the fiscal year still belongs to it
        0,
        date(2034, 1, 1),
        then=ERASE,
        legal=True,
        case="fiscal-year-last-day",
    ),
    Promise(
        "konnekto",
        "Boekhoudkundige gegevens houden we tot 7 jaar bij na het laatste afgesloten boekjaar",
        "accounting",
        RetentionEvent.fiscal_year_end,
        date(2027, 1, 1),  # the first day of the next fiscal year: a year later
        0,
        date(2035, 1, 1),
        then=ERASE,
        legal=True,
        case="fiscal-year-first-day",
    ),
]

# --- Connexi (003), an Art. 30 register dated 6 October 2021 ----------------------------------
# "De verjaringstermijn" is the limitation period for contractual claims, ten years in Belgium
# (art. 2262bis old Civil Code); the legal bases are the register's "Rechtsgrond" fields.

LIMITATION = "Vanaf beëindiging contract, bewaring gedurende de verjaringstermijn"
STATUTORY = "Vanaf beëindiging van het contract, bewaring gedurende de wettelijke periode"
SUPPLIERS = "Wij bewaren de gegevens gedurende de verjaringstermijn"

CONNEXI = [
    Promise(
        "connexi",
        LIMITATION,
        "client-appointments",
        CONTRACT_END,
        date(2021, 10, 6),
        0,
        date(2031, 10, 7),
        legal=False,  # Contract
    ),
    Promise(
        "connexi",
        LIMITATION,
        "newsletter",
        CONTRACT_END,
        date(2024, 2, 29),
        0,
        date(2034, 3, 1),  # 2034 has no 29 February
        legal=False,  # Legitimate interests
        case="29-february",
    ),
    Promise(
        "connexi",
        LIMITATION,
        "client-communication",
        CONTRACT_END,
        date(2023, 1, 31),
        0,
        date(2033, 2, 1),
        legal=False,  # Contract
        case="31-january",
    ),
    Promise(
        "connexi",
        STATUTORY,
        "delivery",
        CONTRACT_END,
        date(2025, 8, 31),
        0,
        date(2035, 9, 1),
        legal=False,  # Contract
        case="31-august",
    ),
    Promise(
        "connexi",
        STATUTORY,
        "freelancers",
        CONTRACT_END,
        date(2022, 12, 31),
        0,
        date(2033, 1, 1),
        legal=False,  # Contract
        case="31-december",
    ),
    Promise(
        "connexi",
        LIMITATION,
        "recruitment",
        CONTRACT_END,
        date(2026, 6, 30),
        0,
        date(2036, 7, 1),
        legal=False,  # Legitimate interests
    ),
    Promise(
        "connexi",
        SUPPLIERS,
        "suppliers",
        CONTRACT_END,
        date(2021, 10, 6),
        0,
        date(2031, 10, 7),
    ),
    Promise(
        "connexi",
        SUPPLIERS,
        "supplier-visits",
        CONTRACT_END,
        date(2024, 2, 29),
        0,
        date(2034, 3, 1),
        case="29-february",
    ),
    Promise(
        "connexi",
        "Alle prospects die niet zijn geconverteerd naar klanten, worden na 2 jaar verwijderd",
        "prospection",
        COLLECTED,
        date(2021, 10, 6),
        0,
        date(2023, 10, 7),
        then=ERASE,  # "verwijderd"
        legal=False,  # Legitimate interests
    ),
    Promise(
        "connexi",
        "Alle prospects die niet zijn geconverteerd naar klanten, worden na 2 jaar verwijderd",
        "prospection",
        COLLECTED,
        date(2024, 2, 29),
        0,
        date(2026, 3, 1),
        then=ERASE,
        legal=False,
        case="29-february",
    ),
]

# --- Konnektus (001): two years, renewed once by two more -------------------------------------
# The statement does not say what the two years run from; the register reads it as from the
# day the data were received. A renewal extends the one period from that day (keep plus
# renew), so four years after 29 February 2024 end on 29 February 2028: the later of the
# readings, as Kluis takes (two years twice over would end a day earlier).

KONNEKTUS = [
    Promise(
        "konnektus",
        "Gegevens die gerelateerd zijn aan services gericht op het vinden van werk, worden "
        "bewaard voor de duur van twee jaar",
        "job-mediation",
        COLLECTED,
        date(2024, 2, 29),
        0,
        date(2026, 3, 1),
        case="29-february",
    ),
    Promise(
        "konnektus",
        "zal Konnektus contact met uw opnemen om dit termijn met nog eens 2 jaar te verlengen",
        "job-mediation",
        COLLECTED,
        date(2024, 2, 29),
        1,
        date(2028, 3, 1),  # 2028 has a 29 February: the four years end on it
        case="29-february-renewed",
    ),
    Promise(
        "konnektus",
        "zal Konnektus contact met uw opnemen om dit termijn met nog eens 2 jaar te verlengen",
        "job-mediation",
        COLLECTED,
        date(2025, 8, 31),
        1,
        date(2029, 9, 1),
        case="31-august-renewed",
    ),
]

# --- VCK (004) --------------------------------------------------------------------------------

VCK = [
    Promise(
        "vck",
        "Wij bewaren de dossiers van de kandidaatstelling voor de Award 5 jaar",
        "award-applications",
        COLLECTED,
        date(2018, 5, 30),
        0,
        date(2023, 5, 31),
    ),
    Promise(
        "vck",
        "Wij bewaren de dossiers van de kandidaatstelling voor de Award 5 jaar",
        "award-applications",
        COLLECTED,
        date(2024, 2, 29),
        0,
        date(2029, 3, 1),
        case="29-february",
    ),
]

# Imalink (002) promises no fixed period: "We gaan de informatie die we bewaren actief
# herzien"; its only specific promise, the suppression list, is below with the promises
# that have no end.


@pytest.mark.parametrize("promise", KONNEKTO + CONNEXI + KONNEKTUS + VCK, ids=_id)
def test_each_promise_gives_its_due_date(promise: Promise) -> None:
    _check(promise)


class Unending(NamedTuple):
    """A promise to keep data as long as something lasts: no due date, but a review."""

    org: str
    quote: str
    activity: str


@pytest.mark.parametrize(
    "promise",
    [
        Unending(
            "imalink",
            "Als je ons vraagt om te stoppen met het sturen van marketingmails, zullen we je "
            "persoonlijke informatie en je verzoek bewaren",
            "suppression-list",
        ),
        Unending(
            "vck",
            "Wij zullen wel steeds jouw naam bijhouden met de notitie dat je dat gevraagd hebt",
            "erasure-register",
        ),
    ],
    ids=lambda promise: f"{promise.org}/{promise.activity}",
)
def test_promises_without_an_end_have_no_due_date_but_a_review(promise: Unending) -> None:
    register = _register(promise.org)
    rule = _rule(register, promise.activity)
    # Every event long past, so no due date can come from a missing event.
    events = {column: date(2000, 1, 1) for column in EVENT_COLUMNS.values()}
    assert not rule.has_period
    assert due_date(rule, events, register.organisation.fiscal_year_end) is None
    assert rule.review is not None, f"{promise.quote!r} is kept without end and never reviewed"


# --- Where an example reads its document otherwise, on purpose -------------------------------
# Connexi's statement gives "vanaf beëindiging contract, bewaring gedurende de
# verjaringstermijn" for invoicing and for its website too. The example keeps invoices ten years
# after the fiscal year (VAT Code art. 60, WIB 1992 art. 315: the law's own, longer start) and
# server logs one year after they were made (website visitors have no contract that ends).
# Those are the example's readings, rendered in its notice; they are not the statement's
# promises, so they are not in the table above.
