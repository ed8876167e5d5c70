"""A register written from the format specification alone, by someone who never saw the
examples: it loads, its defects are found on the right lines, and its register and
notice render in Dutch, English and French."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kluis.documents import DocumentFormat, render_notice, render_register
from kluis.register.checks.runner import run_checks
from kluis.register.loader import LoadedRegister, load_register

TODAY = date(2026, 11, 22)

# Written from the specification's examples; three defects on purpose (marked).
FOREIGN = """\
kluis: 1
organisation:
  name: Bakkerij Van Dam BV
  enterprise_number: "12345678"
  address: {street: Dorpsstraat 1, postal_code: 1234 AB, city: Utrecht, country: NL}
  country: NL
  website: https://bakkerijvandam.example
  languages: [nl, en, fr]
  fiscal_year_end: "06-30"
  employees: 14
  contacts:
    privacy: {name: Eigenaar, email: privacy@bakkerijvandam.example}
  rights_requests:
    email: privacy@bakkerijvandam.example
    identity_check: {nl: "We vragen alleen om bewijs als we twijfelen.", en: "We only ask for proof when in doubt.", fr: "Nous ne demandons une preuve qu'en cas de doute."}
roles:
  - id: office
    name: {nl: Kantoor, en: Office, fr: Bureau}
systems:
  - id: mailer
    name: Mailer
    type: public_cloud
    processor: mailco
    location: [US]
processors:
  - id: mailco
    name: Mail Co Inc.
    country: US
    service: {nl: Nieuwsbrieven versturen, en: Sending newsletters, fr: Envoi de lettres d'information}
    agreement: {signed: 2024-03-01, reference: DPA 2024}
    sub_processors: general
    transfers:
      - {country: US, mechanism: privacy_shield}
consent_purposes:
  - id: newsletter
    text: {nl: "Ja, stuur mij de nieuwsbrief.", en: "Yes, send me the newsletter.", fr: "Oui, envoyez-moi la lettre d'information."}
    version: 2024-05-01
activities:
  - id: newsletter
    name: {nl: Nieuwsbrief, en: Newsletter, fr: Lettre d'information}
    purposes:
      - {nl: Klanten informeren over acties, en: Telling customers about offers, fr: Informer les clients des offres}
    data_subjects: [newsletter_subscriber]
    data_categories: [user.name, user.contact.email]
    fields: {name: user.name, email: user.contact.email}
    identifiers: [email]
    legal_basis: {basis: consent, consent: newsletter}
    retention: {keep: P2Y, after: consent_withdrawn}
    systems: [mailer]
    access: [office]
    security: [access_control, mfa]
  - id: payroll
    name: {nl: Salarisadministratie, en: Payroll, fr: Administration salariale}
    purposes:
      - {nl: Salarissen betalen, en: Paying salaries, fr: Payer les salaires}
    data_subjects: [employee]
    data_categories: [user.name, user.financial.bank_account, user.government_id.national_identification_number.nl_bsn, user.employment.salary]
    legal_basis: {basis: legal_obligation, law: {nl: Wet op de loonbelasting 1964, en: Wage Tax Act 1964, fr: Loi de 1964 sur l'impôt sur les salaires}}
    retention: {keep: P7Y, after: fiscal_year_end}
    recipients: []
    access: [office]
    security: [access_control, encryption_at_rest]
  - id: cameras
    name: {nl: Camerabewaking, en: CCTV, fr: Vidéosurveillance}
    purposes:
      - {nl: Diefstal voorkomen, en: Preventing theft, fr: Prévenir le vol}
    data_subjects: [customer]
    data_categories: [user.content.camera_images]
    legal_basis: {basis: legitimate_interests, interest: {nl: Diefstal voorkomen, en: Preventing theft, fr: Prévenir le vol}}
    retention: {keep: P4W, after: collected}
    recipients: []
    access: [office]
    security: [physical_security]
"""
# Defects: the Privacy Shield transfer (line 33), the BSN without a ground (payroll, line 57),
# the legitimate interest without a balancing test (cameras, line 69).


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> LoadedRegister:
    path = tmp_path_factory.mktemp("foreign") / "register.yaml"
    path.write_text(FOREIGN, encoding="utf-8")
    return load_register(path)


def test_it_loads(loaded: LoadedRegister) -> None:
    assert [a.id for a in loaded.register.activities] == ["newsletter", "payroll", "cameras"]


def test_its_defects_are_found_on_their_lines(loaded: LoadedRegister) -> None:
    errors = {
        (f.code, f.location.line if f.location else 0)
        for f in run_checks(loaded, today=TODAY)
        if f.severity.value == "error"
    }
    assert ("KL401", 33) in errors  # Privacy Shield
    assert ("KL307", 57) in errors  # BSN without a legal ground
    assert ("KL203", 69) in errors  # legitimate interests without a balancing test
    assert len(errors) == 3, errors


@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_register_and_notice_render_in_every_language(
    loaded: LoadedRegister, language: str
) -> None:
    register_pdf = render_register(
        loaded, format=DocumentFormat.pdf, language=language, today=TODAY
    )
    notice_pdf = render_notice(loaded, format=DocumentFormat.pdf, language=language, today=TODAY)
    for pdf, activity in ((register_pdf, "payroll"), (notice_pdf, "newsletter")):
        reader = PdfReader(io.BytesIO(pdf))
        text = " ".join(page.extract_text() for page in reader.pages)
        assert "Bakkerij Van Dam BV" in text
        name = loaded.register.activity(activity).name.get(language)
        assert name in text
    notice_html = render_notice(loaded, format=DocumentFormat.html, language=language, today=TODAY)
    assert f'lang="{language}"' in notice_html.decode("utf-8")
    assert "Autoriteit Persoonsgegevens" in notice_html.decode("utf-8")


def test_xlsx_has_a_row_per_activity(loaded: LoadedRegister) -> None:
    data = render_register(loaded, format=DocumentFormat.xlsx, language="nl", today=TODAY)
    workbook = load_workbook(io.BytesIO(data))
    texts = {str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row}
    for activity in loaded.register.activities:
        assert activity.name.get("nl") in texts
