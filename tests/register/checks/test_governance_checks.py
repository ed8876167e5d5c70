"""Checks of the DPO (Art. 37), DPIAs (Art. 35), Art. 30(5) and the status of activities."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kluis.register.checks import governance
from kluis.register.checks.base import Severity

if TYPE_CHECKING:
    from tests.register.checks.conftest import Lint

EMPLOYEES = "  employees: 12\n"
PRIVACY = "    privacy: {name: Pieter Privacy, email: pieter@example.be}\n"
DPO = PRIVACY + "    dpo: {name: Dora Dpo, email: dpo@example.be}\n"
BASIS = "    legal_basis: {basis: contract}\n"
HEALTH = (
    ("[user.name, user.contact.email]", "[user.name, user.contact.email, user.employment.absence]"),
    (BASIS, BASIS + "    special_categories: {condition: occupational_medicine}\n"),
)
SECURITY = "    security: [access_control]\n"
SECOND = """\
- id: invoicing-v2
  name: {nl: Facturatie, en: Invoicing}
  purposes: [{nl: Betaald worden, en: Being paid}]
  data_subjects: [customer]
  data_categories: [user.name]
  legal_basis: {basis: contract}
  retention: {keep: P7Y, after: contract_end}
  recipients: []
  access: [management]
  security: [access_control]
"""


def test_dpo_required_for_a_public_authority(lint: Lint) -> None:
    run = lint(governance.dpo_required, (EMPLOYEES, EMPLOYEES + "  public_authority: true\n"))
    assert run.found() == [("KL710", Severity.error, run.line("contacts:"))]
    assert "37(1)(a)" in run.findings[0].message("en")
    assert "overheidsinstantie" in run.findings[0].message("nl")


def test_dpo_required_for_core_activities(lint: Lint) -> None:
    edit = (EMPLOYEES, EMPLOYEES + "  core_activities: [large_scale_monitoring]\n")
    run = lint(governance.dpo_required, edit)
    assert run.found() == [("KL710", Severity.error, run.line("contacts:"))]
    assert "large_scale_monitoring" in run.findings[0].message("fr")


def test_dpo_present_is_fine(lint: Lint) -> None:
    edits = ((EMPLOYEES, EMPLOYEES + "  public_authority: true\n"), (PRIVACY, DPO))
    assert lint(governance.dpo_required, *edits).found() == []


def test_dpo_to_assess_with_special_data(lint: Lint) -> None:
    run = lint(governance.dpo_to_assess, *HEALTH)
    assert run.found() == [("KL711", Severity.info, run.line("contacts:"))]
    assert "invoicing" in run.findings[0].message("en")


def test_dpo_to_assess_quiet_with_a_dpo(lint: Lint) -> None:
    assert lint(governance.dpo_to_assess, *HEALTH, (PRIVACY, DPO)).found() == []


def test_dpo_to_assess_quiet_once_assessed(lint: Lint) -> None:
    assessed = (
        EMPLOYEES,
        EMPLOYEES + "  dpo_assessment: {done: 2025-01-10, conclusion: Geen kernactiviteit}\n",
    )
    assert lint(governance.dpo_to_assess, *HEALTH, assessed).found() == []


def test_dpia_required_not_done_warns(lint: Lint) -> None:
    run = lint(governance.dpia_not_done, (SECURITY, SECURITY + "    dpia: {required: true}\n"))
    assert run.found() == [("KL712", Severity.warning, run.line("dpia:"))]


def test_dpia_done_is_fine(lint: Lint) -> None:
    dpia = SECURITY + "    dpia: {required: true, done: 2024-02-01, reference: DPIA-1}\n"
    assert lint(governance.dpia_not_done, (SECURITY, dpia)).found() == []


def test_dpia_not_assessed_warns_and_names_the_criteria(lint: Lint) -> None:
    edits = (
        *HEALTH,
        (SECURITY, SECURITY + "    automated_decisions: {logic: Score, significance: Toegang}\n"),
    )
    run = lint(governance.dpia_not_assessed, *edits)
    assert run.found() == [("KL713", Severity.warning, run.line("id: invoicing"))]
    message = run.findings[0].message("en")
    assert "special or criminal data, automated decisions" in message


def test_dpia_assessed_as_not_required_is_fine(lint: Lint) -> None:
    edits = (*HEALTH, (SECURITY, SECURITY + "    dpia: {required: false}\n"))
    assert lint(governance.dpia_not_assessed, *edits).found() == []


def test_dpia_not_needed_without_criteria(lint: Lint) -> None:
    assert lint(governance.dpia_not_assessed).found() == []


def test_occasional_with_special_data_is_an_error(lint: Lint) -> None:
    edits = (*HEALTH, (SECURITY, SECURITY + "    occasional: true\n"))
    run = lint(governance.occasional_not_exempt, *edits)
    assert run.found() == [("KL714", Severity.error, run.line("occasional: true"))]


def test_occasional_in_a_large_organisation_is_an_error(lint: Lint) -> None:
    edits = ((EMPLOYEES, "  employees: 300\n"), (SECURITY, SECURITY + "    occasional: true\n"))
    run = lint(governance.occasional_not_exempt, *edits)
    assert run.found() == [("KL714", Severity.error, run.line("occasional: true"))]
    assert "250" in run.findings[0].message("fr")


def test_occasional_small_and_harmless_is_fine(lint: Lint) -> None:
    edit = (SECURITY, SECURITY + "    occasional: true\n")
    assert lint(governance.occasional_not_exempt, edit).found() == []


def test_replaced_but_active_warns(lint: Lint) -> None:
    edit = (SECURITY, SECURITY + "    replaced_by: invoicing-v2\n")
    run = lint(governance.replaced_but_active, edit, activities=SECOND)
    assert run.found() == [("KL715", Severity.warning, run.line("replaced_by:"))]


def test_replaced_and_ended_is_fine(lint: Lint) -> None:
    ended = SECURITY + "    replaced_by: invoicing-v2\n    status: ended\n    ended: 2025-01-01\n"
    assert lint(governance.replaced_but_active, (SECURITY, ended), activities=SECOND).found() == []


def test_ended_without_date_warns(lint: Lint) -> None:
    run = lint(governance.ended_without_date, (SECURITY, SECURITY + "    status: ended\n"))
    assert run.found() == [("KL716", Severity.warning, run.line("status: ended"))]


def test_ended_with_date_is_fine(lint: Lint) -> None:
    ended = SECURITY + "    status: ended\n    ended: 2025-01-01\n"
    assert lint(governance.ended_without_date, (SECURITY, ended)).found() == []
