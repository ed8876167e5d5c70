"""Registers for the document tests: one that uses every part of the notice, one that uses
few, and the examples shipped with Kluis.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kluis.register.loader import LoadedRegister, load_register

TODAY = date(2025, 11, 22)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: A Belgian controller with a DPO, a processor in the US on standard clauses, a third party,
#: and activities on contract (with provision), legitimate interests from a job site (Art. 14),
#: consent to a newsletter, a legal obligation, automated decisions, and one as processor.
FULL = """\
kluis: 1
organisation:
  name: Voorbeeld Consult BV
  enterprise_number: BE0600995271
  address: {street: Kerkstraat 1, postal_code: "9000", city: Gent, country: BE}
  country: BE
  website: https://voorbeeld.example
  email: info@voorbeeld.example
  languages: [nl, en, fr]
  contacts:
    privacy: {name: Piet Privacy, email: privacy@voorbeeld.example}
    dpo: {name: Dora Dpo, email: dpo@voorbeeld.example, phone: "+32 9 000 00 00"}
  rights_requests:
    email: rechten@voorbeeld.example
    url: https://voorbeeld.example/rechten
roles:
  - id: sales
    name: {nl: Verkoop, en: Sales, fr: Ventes}
systems:
  - id: crm
    name: CloudCRM
    type: public_cloud
    processor: cloudcrm
    location: [IE, US]
processors:
  - id: cloudcrm
    name: CloudCRM Inc.
    country: IE
    service: {nl: Klantenbeheer, en: Customer management, fr: Gestion des clients}
    agreement: {signed: 2024-01-15, reference: CloudCRM DPA v3}
    sub_processors: general
    transfers:
      - {country: US, mechanism: scc, reference: "CloudCRM DPA, module 3"}
third_parties:
  - id: boekhouder
    name: Boekhouder Janssens
    country: BE
    role: {nl: Externe accountant, en: External accountant, fr: Comptable externe}
consent_purposes:
  - id: newsletter
    text: {nl: "Ja, stuur mij de nieuwsbrief.", en: "Yes, send me the newsletter.", fr: "Oui, envoyez-moi la lettre d'information."}
    version: 2024-05-01
activities:
  - id: invoicing
    name: {nl: Facturatie, en: Invoicing, fr: Facturation}
    purposes:
      - {nl: Onze diensten factureren, en: Invoicing our services, fr: Facturer nos services}
    data_subjects: [customer]
    data_categories: [user.name, user.contact.email, user.financial.bank_account]
    legal_basis: {basis: contract}
    provision:
      requirement: contract_precondition
      consequences:
        nl: Zonder deze gegevens kunnen wij geen offerte maken.
        en: Without these data we cannot make an offer.
        fr: Sans ces données, nous ne pouvons pas faire d'offre.
    retention: {keep: P7Y, after: fiscal_year_end, then: erase, basis: {nl: Boekhoudwet, en: Accounting law, fr: Droit comptable}}
    recipients: [boekhouder]
    systems: [crm]
    access: [sales]
    security: [access_control, encryption_at_rest]
  - id: sourcing
    name: {nl: Werving via vacaturesites, en: Sourcing on job sites, fr: Recrutement via les sites d'emploi}
    purposes:
      - {nl: Kandidaten vinden, en: Finding candidates, fr: Trouver des candidats}
    data_subjects: [job_applicant]
    data_categories: [user.name, user.employment.cv]
    legal_basis:
      basis: legitimate_interests
      interest: {nl: Geschikte kandidaten benaderen, en: Approaching suitable candidates, fr: Approcher des candidats adéquats}
      balancing: {nl: Beperkt tot openbare profielen, en: Limited to public profiles, fr: Limité aux profils publics}
    source: [job_platform]
    source_description: {nl: LinkedIn en StepStone, en: LinkedIn and StepStone, fr: LinkedIn et StepStone}
    retention: {keep: P2Y, after: last_contact}
    access: [sales]
    security: [access_control]
  - id: newsletter
    name: {nl: Nieuwsbrief, en: Newsletter, fr: Lettre d'information}
    purposes:
      - {nl: Nieuws over onze diensten sturen, en: Sending news about our services, fr: Envoyer des nouvelles de nos services}
    data_subjects: [newsletter_subscriber]
    data_categories: [user.contact.email]
    legal_basis: {basis: consent, consent: newsletter}
    retention: {keep: P30D, after: consent_withdrawn}
    systems: [crm]
    access: [sales]
    security: [access_control]
  - id: payroll
    name: {nl: Loonadministratie, en: Payroll, fr: Administration salariale}
    purposes:
      - {nl: Lonen betalen, en: Paying salaries, fr: Payer les salaires}
    data_subjects: [employee]
    data_categories: [user.name, user.employment.salary]
    legal_basis: {basis: legal_obligation, law: {nl: Sociale wetgeving, en: Social legislation, fr: Législation sociale}}
    retention: {keep: P5Y, after: employment_end, then: erase}
    access: [sales]
    security: [access_control]
  - id: scoring
    name: {nl: Kredietscore, en: Credit scoring, fr: Score de crédit}
    purposes:
      - {nl: Betaalrisico inschatten, en: Assessing payment risk, fr: Évaluer le risque de paiement}
    data_subjects: [customer]
    data_categories: [user.name, user.financial]
    legal_basis: {basis: contract}
    retention: {keep: P1Y, after: contract_end}
    automated_decisions:
      logic: {nl: Een score uit betaalgedrag, en: A score from payment history, fr: Un score tiré de l'historique de paiement}
      significance: {nl: Bepaalt of wij op krediet leveren, en: Decides whether we deliver on credit, fr: Décide si nous livrons à crédit}
    access: [sales]
    security: [access_control]
  - id: client-payroll
    name: {nl: Loonverwerking voor klanten, en: Payroll for clients, fr: Paie pour des clients}
    role: processor
    controller: {name: Klant Industries NV, contact: dpo@klant.example}
    purposes:
      - {nl: Loonberekening in opdracht, en: Payroll calculation on instruction, fr: Calcul de la paie sur instruction}
    data_subjects: [employee]
    data_categories: [user.name, user.employment.salary]
    legal_basis: {basis: contract}
    systems: [crm]
    access: [sales]
    security: [encryption_at_rest]
"""

#: A Dutch controller with one activity on a legal obligation: no portability, no objection,
#: no marketing, no automated decisions, no transfers.
SMALL_NL = """\
kluis: 1
organisation:
  name: Klein Bedrijf BV
  enterprise_number: "12345678"
  address: {street: Dorpsstraat 2, postal_code: 1234 AB, city: Utrecht, country: NL}
  country: NL
  languages: [nl]
  contacts:
    privacy: {name: Anna Admin, email: privacy@klein.example}
  rights_requests:
    email: privacy@klein.example
activities:
  - id: salarisadministratie
    name: Salarisadministratie
    purposes: [Salarissen betalen en loonheffing afdragen]
    data_subjects: [employee]
    data_categories: [user.name, user.employment.salary]
    legal_basis: {basis: legal_obligation, law: "Wet op de loonbelasting 1964"}
    retention: {keep: P7Y, after: fiscal_year_end}
    access: [admin]
    security: [access_control]
"""

Load = Callable[[str], LoadedRegister]


@pytest.fixture
def load(tmp_path: Path) -> Load:
    """Load a register text written to a temporary file."""

    def load_text(text: str) -> LoadedRegister:
        path = tmp_path / "register.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load_register(path)

    return load_text


@pytest.fixture
def full(load: Load) -> LoadedRegister:
    """The register that uses every part of the notice."""
    return load(FULL)


@pytest.fixture
def small_nl(load: Load) -> LoadedRegister:
    """The small Dutch register."""
    return load(SMALL_NL)


def examples() -> list[Path]:
    """The example registers shipped in ``examples/`` (files or folders)."""
    if not EXAMPLES.is_dir():
        return []
    return sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and any(p.rglob("*.yaml")))


def text_of(document: bytes) -> str:
    """The text of an HTML document: tags removed, entities resolved, spaces collapsed."""
    body = document.decode("utf-8")
    body = re.sub(r"<style.*?</style>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return " ".join(html.unescape(body).replace("\u00a0", " ").split())


class TagBalance(HTMLParser):
    """Checks that every element is closed in order (void elements excepted)."""

    VOID = frozenset({"meta", "br", "col", "img", "hr", "input", "link", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.html_lang = dict(attrs).get("lang")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()
