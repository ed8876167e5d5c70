"""Checks of the lawful bases (Art. 6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kluis.register.checks import lawfulness
from kluis.register.checks.base import Severity

if TYPE_CHECKING:
    from tests.register.checks.conftest import Lint

BASIS = "legal_basis: {basis: contract}"
CONSENT_PURPOSES = """\
consent_purposes:
  - id: newsletter
    text: {nl: "Ja, stuur me de nieuwsbrief.", en: "Yes, send me the newsletter."}
    version: 2024-05-01
"""
PROCESSOR_ACTIVITY = """\
- id: payroll-for-clients
  name: {nl: Loonverwerking voor klanten, en: Payroll for clients}
  purposes: [{nl: Loonberekening, en: Payroll}]
  role: processor
  controller: {name: Klant NV}
  access: [management]
  security: [access_control]
"""


def basis(text: str) -> tuple[str, str]:
    """An edit replacing the activity's legal basis."""
    return (BASIS, f"legal_basis: {text}")


def test_no_legal_basis_fires(lint: Lint) -> None:
    run = lint(lawfulness.no_legal_basis, ("    " + BASIS + "\n", ""))
    assert run.found() == [("KL201", Severity.error, run.line("id: invoicing"))]


def test_no_legal_basis_says_special_categories_need_both(lint: Lint) -> None:
    edits = (
        ("    " + BASIS + "\n", "    special_categories: {condition: explicit_consent}\n"),
        ("[user.name, user.contact.email]", "[user.name, user.health_and_medical]"),
        ("email: user.contact.email}", "health: user.health_and_medical}"),
        ("identifiers: [email]", "identifiers: [name]"),
    )
    run = lint(lawfulness.no_legal_basis, *edits)
    assert run.found() == [("KL201", Severity.error, run.line("id: invoicing"))]
    assert "Art. 9(2)" in run.findings[0].message("en")


def test_no_legal_basis_ignores_processor_activities(lint: Lint) -> None:
    assert lint(lawfulness.no_legal_basis, activities=PROCESSOR_ACTIVITY).found() == []


def test_consent_without_purpose_fires(lint: Lint) -> None:
    run = lint(lawfulness.consent_without_purpose, basis("{basis: consent}"))
    assert run.found() == [("KL202", Severity.error, run.line("legal_basis:"))]


def test_consent_with_purpose_is_fine(lint: Lint) -> None:
    edit = basis("{basis: consent, consent: newsletter}")
    run = lint(lawfulness.consent_without_purpose, edit, sections=CONSENT_PURPOSES)
    assert run.found() == []


def test_legitimate_interests_without_interest_and_balancing_fires_twice(lint: Lint) -> None:
    run = lint(lawfulness.legitimate_interests_incomplete, basis("{basis: legitimate_interests}"))
    line = run.line("legal_basis:")
    assert run.found() == [("KL203", Severity.error, line), ("KL203", Severity.error, line)]


def test_legitimate_interests_without_balancing_fires_once(lint: Lint) -> None:
    edit = basis("{basis: legitimate_interests, interest: Betaald worden}")
    run = lint(lawfulness.legitimate_interests_incomplete, edit)
    assert run.found() == [("KL203", Severity.error, run.line("legal_basis:"))]
    assert "balancing" in run.findings[0].message("en")


def test_legitimate_interests_complete_is_fine(lint: Lint) -> None:
    edit = basis(
        "{basis: legitimate_interests, interest: {nl: Betaald worden, en: Being paid},"
        " balancing: {nl: Verwacht door klanten, en: Customers expect it}}"
    )
    assert lint(lawfulness.legitimate_interests_incomplete, edit).found() == []


def test_obligation_without_law_fires(lint: Lint) -> None:
    run = lint(lawfulness.obligation_without_law, basis("{basis: legal_obligation}"))
    assert run.found() == [("KL204", Severity.error, run.line("legal_basis:"))]


def test_obligation_with_law_is_fine(lint: Lint) -> None:
    edit = basis("{basis: legal_obligation, law: {nl: WER art. III.86, en: CEL Art. III.86}}")
    assert lint(lawfulness.obligation_without_law, edit).found() == []


def test_vital_interests_without_note_fires(lint: Lint) -> None:
    run = lint(lawfulness.basis_without_note, basis("{basis: vital_interests}"))
    assert run.found() == [("KL205", Severity.error, run.line("legal_basis:"))]
    assert "vital_interests" in run.findings[0].message("fr")


def test_public_task_with_note_is_fine(lint: Lint) -> None:
    edit = basis("{basis: public_task, note: {nl: Decreet, en: Decree}}")
    assert lint(lawfulness.basis_without_note, edit).found() == []


def test_public_authority_with_legitimate_interests_fires(lint: Lint) -> None:
    edits = (
        basis("{basis: legitimate_interests}"),
        ("  employees: 12\n", "  employees: 12\n  public_authority: true\n"),
    )
    run = lint(lawfulness.authority_legitimate_interests, *edits)
    assert run.found() == [("KL206", Severity.error, run.line("legal_basis:"))]


def test_private_organisation_may_use_legitimate_interests(lint: Lint) -> None:
    edit = basis("{basis: legitimate_interests}")
    assert lint(lawfulness.authority_legitimate_interests, edit).found() == []


def test_unused_consent_purpose_fires(lint: Lint) -> None:
    run = lint(lawfulness.unused_consent_purpose, sections=CONSENT_PURPOSES)
    assert run.found() == [("KL207", Severity.info, run.line("id: newsletter"))]


def test_used_consent_purpose_is_fine(lint: Lint) -> None:
    edit = basis("{basis: consent, consent: newsletter}")
    run = lint(lawfulness.unused_consent_purpose, edit, sections=CONSENT_PURPOSES)
    assert run.found() == []


def test_employee_consent_fires(lint: Lint) -> None:
    edits = (
        basis("{basis: consent, consent: newsletter}"),
        ("data_subjects: [customer]", "data_subjects: [employee]"),
    )
    run = lint(lawfulness.employee_consent, *edits, sections=CONSENT_PURPOSES)
    assert run.found() == [("KL208", Severity.info, run.line("legal_basis:"))]


def test_customer_consent_is_fine(lint: Lint) -> None:
    edit = basis("{basis: consent, consent: newsletter}")
    run = lint(lawfulness.employee_consent, edit, sections=CONSENT_PURPOSES)
    assert run.found() == []
