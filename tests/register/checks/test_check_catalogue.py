"""The catalogue of checks: complete, with stable codes, translated, and quiet on a clean
register."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import kluis.register.checks as checks_package
from kluis.i18n import LANGUAGES, gettext
from kluis.register.checks import (
    access,
    art30,
    governance,
    lawfulness,
    notice,
    processors,
    retention,
    sensitive,
    transfers,
    translations,
)
from kluis.register.checks.base import Check
from kluis.register.checks.catalogue import CHECKS, NOTICE_CODES
from kluis.register.checks.runner import all_checks, run_checks
from kluis.register.loader import load_register

if TYPE_CHECKING:
    from tests.register.checks.conftest import Lint

TODAY = date(2025, 6, 1)

MODULES = (
    access, art30, governance, lawfulness, notice, processors, retention, sensitive,
    transfers, translations,
)  # fmt: skip
LOCALE = Path(checks_package.__file__).parent.parent.parent / "i18n" / "locale"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def msgids() -> list[str]:
    """Every msgid of the ``checks`` domain, extracted from the check modules with Babel."""
    found = extract_from_dir(
        Path(checks_package.__file__).parent,
        method_map=[("**.py", "python")],
        keywords={"N_": None},
    )
    return list(dict.fromkeys(message for _, _, message, _, _ in found))


def test_the_minimal_register_has_no_findings(lint: Lint) -> None:
    assert lint.all().found() == []


def test_codes_are_unique_and_well_formed() -> None:
    codes = [check.code for check in CHECKS]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"KL[1-9]\d{2}", code) for code in codes), codes
    assert [check.code for check in all_checks()] == sorted(codes)


def test_every_check_of_the_modules_is_in_the_catalogue() -> None:
    defined = {
        value.code
        for module in MODULES
        for value in vars(module).values()
        if isinstance(value, Check)
    }
    assert defined == {check.code for check in CHECKS}


def test_every_check_has_an_article_and_a_translatable_title() -> None:
    ids = set(msgids())
    for check in CHECKS:
        assert check.article.strip(), check.code
        assert check.title in ids, check.code


def test_notice_codes_are_codes_of_checks() -> None:
    assert NOTICE_CODES.issubset(check.code for check in CHECKS)


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    with (LOCALE / language / "LC_MESSAGES" / "checks.po").open("rb") as handle:
        catalog = read_po(handle, locale=language, domain="checks")
    assert catalog.locale is not None and str(catalog.locale) == language
    ids = msgids()
    for msgid in ids:
        message = catalog.get(msgid)
        assert message is not None, f"{language}: not in the catalogue: {msgid}"
        assert isinstance(message.string, str) and message.string.strip(), msgid
        assert not message.fuzzy, msgid
        assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(msgid)), msgid
    stale = {m.id for m in catalog if m.id and m.id not in ids}
    assert stale == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_renders_with_its_parameters(language: str) -> None:
    for msgid in msgids():
        params = {name: f"<{name}>" for name in PLACEHOLDER.findall(msgid)}
        rendered = gettext(language, "checks", msgid, **params)
        assert not PLACEHOLDER.search(rendered), rendered
        assert all(value in rendered for value in params.values()), rendered
        if language != "en":
            assert rendered != msgid.format(**params), f"{language}: untranslated: {msgid}"


MESSY = """\
kluis: 1
organisation:
  name: Rommel BV
  address: {street: Kerkstraat 1, postal_code: "1000", city: Brussel, country: BE}
  country: BE
  languages: [nl, en, fr]
  employees: 300
  public_authority: true
  contacts:
    privacy: {name: Jan Janssens}
roles:
  - id: hr
    name: HR
  - id: idle
    name: {nl: Niets, en: Nothing, fr: Rien}
systems:
  - id: crm
    name: CRM
    type: public_cloud
    processor: cloudco
    location: [US, IN]
  - id: box
    name: Box
    type: on_premises
    location: [BR]
processors:
  - id: cloudco
    name: Cloud Co
    country: US
    agreement: {signed: 2020-01-01, expires: 2024-12-31}
    transfers:
      - {country: US, mechanism: privacy_shield}
      - {country: IN, mechanism: dpf}
      - {country: JP, mechanism: adequacy}
      - {country: CN, mechanism: derogation}
      - {country: US, mechanism: dpf, checked: 2023-01-01}
  - id: unused
    name: Unused BV
    country: BE
third_parties:
  - id: lawyer
    name: Advocaat
    country: AU
consent_purposes:
  - id: spare
    text: Reserve
    version: 2024-01-01
  - id: plain
    text: {nl: Ja, en: Yes, fr: Oui}
    version: 2024-01-01
activities:
  - id: hiring
    name: Werving
    purposes: [Werving]
    data_subjects: [job_applicant, employee]
    data_categories: [user.name, user.health_and_medical, user.criminal_history,
      user.government_id.national_identification_number, user.demographic]
    fields: {name: user.name, phone: user.contact.phone_number}
    legal_basis: {basis: legitimate_interests}
    source: [job_platform]
    retention: {keep: P3Y, renew: P1Y}
    systems: [crm]
    security: []
    automated_decisions: {logic: Score, significance: Selectie}
    dpia: {required: true}
    children: {min_age: 10}
    occasional: true
    replaced_by: payroll
  - id: payroll
    name: {nl: Loon, en: Payroll, fr: Paie}
    purposes: [{nl: Loon, en: Pay, fr: Paie}]
    data_subjects: []
    data_categories: []
    role: joint_controller
    legal_basis: {basis: consent}
    special_categories: {condition: explicit_consent}
    retention: {after: consent_withdrawn}
    access: [hr]
    security: [access_control]
    status: ended
  - id: vital
    name: {nl: Nood, en: Emergency, fr: Urgence}
    purposes: [{nl: Nood, en: Emergency, fr: Urgence}]
    data_subjects: [employee]
    data_categories: [user.name, user.employment.absence]
    legal_basis: {basis: legal_obligation}
    special_categories: {condition: employment_social_security}
    access: [hr]
    security: [access_control]
    dpia: {required: false}
  - id: emergency
    name: {nl: Nood, en: Emergency, fr: Urgence}
    purposes: [{nl: Nood, en: Emergency, fr: Urgence}]
    data_subjects: [employee]
    data_categories: [user.name]
    legal_basis: {basis: vital_interests}
    retention: {then: erase}
    recipients: []
    access: [hr]
    security: [access_control]
  - id: for-clients
    name: {nl: Voor klanten, en: For clients, fr: Pour des clients}
    purposes: [{nl: Dienst, en: Service, fr: Service}]
    role: processor
    access: [hr]
    security: [access_control]
"""


def test_a_messy_register_renders_every_finding_without_personal_data(tmp_path: Path) -> None:
    path = tmp_path / "register.yaml"
    path.write_text(MESSY, encoding="utf-8")
    findings = run_checks(load_register(path), today=TODAY)
    codes = {finding.code for finding in findings}
    assert len(codes) >= 45, sorted({c.code for c in CHECKS} - codes)
    for finding in findings:
        assert finding.location is not None, finding.code
        for language in LANGUAGES:
            message = finding.message(language)
            assert not PLACEHOLDER.search(message), message
            assert "Jan" not in message and "Janssens" not in message
        assert finding.message("nl") != finding.message("en"), finding.code
        assert finding.message("fr") != finding.message("en"), finding.code


def test_every_check_is_documented() -> None:
    docs = Path(__file__).resolve().parents[3] / "docs" / "checks.md"
    rows = {
        line.split("|")[1].strip(): line
        for line in docs.read_text(encoding="utf-8").splitlines()
        if line.startswith("| KL")
    }
    assert set(rows) == {check.code for check in CHECKS}
    for check in CHECKS:
        assert f"| {check.severity.value}" in rows[check.code], check.code
        assert f"| {check.article} |" in rows[check.code], check.code
