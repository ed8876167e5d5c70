"""Checks of what the register of processing activities must hold (Art. 30)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kluis.register.checks import art30
from kluis.register.checks.base import Severity

if TYPE_CHECKING:
    from tests.register.checks.conftest import Lint

BASIS = "    legal_basis: {basis: contract}\n"
PRIVACY = "    privacy: {name: Pieter Privacy, email: pieter@example.be}\n"
PROCESSOR_ACTIVITY = """\
- id: payroll-for-clients
  name: {nl: Loonverwerking voor klanten, en: Payroll for clients}
  purposes: [{nl: Loonberekening, en: Payroll}]
  role: processor
  access: [management]
  security: [access_control]
"""


def test_no_contact_fires_without_privacy_contact_and_dpo(lint: Lint) -> None:
    run = lint(art30.no_contact, (PRIVACY, ""), ("  contacts:\n", "  contacts: {}\n"))
    assert run.found() == [("KL101", Severity.error, run.line("contacts: {}"))]


def test_no_contact_accepts_a_dpo_alone(lint: Lint) -> None:
    dpo = "    dpo: {name: Dora Dpo, email: dpo@example.be}\n"
    assert lint(art30.no_contact, (PRIVACY, dpo)).found() == []


def test_contact_without_details_fires_for_a_name_alone(lint: Lint) -> None:
    run = lint(art30.contact_without_details, (PRIVACY, "    privacy: {name: Pieter Privacy}\n"))
    assert run.found() == [("KL102", Severity.error, run.line("privacy: {name"))]
    assert "Pieter" not in run.findings[0].message("en")


def test_contact_without_details_accepts_a_phone(lint: Lint) -> None:
    phone = "    privacy: {name: Pieter Privacy, phone: '+32 9 000 00 00'}\n"
    assert lint(art30.contact_without_details, (PRIVACY, phone)).found() == []


def test_no_enterprise_number_fires_and_names_the_national_register(lint: Lint) -> None:
    run = lint(art30.no_enterprise_number, ("  enterprise_number: BE0600995271\n", ""))
    assert run.found() == [("KL103", Severity.warning, run.line("name: Testbedrijf BV"))]
    assert "KBO/BCE" in run.findings[0].message("en")


def test_no_enterprise_number_quiet_when_given(lint: Lint) -> None:
    assert lint(art30.no_enterprise_number).found() == []


def test_no_data_subjects_fires(lint: Lint) -> None:
    run = lint(art30.no_data_subjects, ("data_subjects: [customer]", "data_subjects: []"))
    assert run.found() == [("KL104", Severity.error, run.line("data_subjects: []"))]
    assert "'invoicing'" in run.findings[0].message("en")


def test_no_data_subjects_ignores_processor_activities(lint: Lint) -> None:
    run = lint(art30.no_data_subjects, activities=PROCESSOR_ACTIVITY)
    assert run.found() == []


def test_no_data_categories_fires(lint: Lint) -> None:
    edit = ("data_categories: [user.name, user.contact.email]", "data_categories: []")
    run = lint(art30.no_data_categories, edit)
    assert run.found() == [("KL105", Severity.error, run.line("data_categories: []"))]


def test_no_data_categories_quiet_when_declared(lint: Lint) -> None:
    assert lint(art30.no_data_categories, activities=PROCESSOR_ACTIVITY).found() == []


def test_no_recipients_fires_without_recipients_or_processors(lint: Lint) -> None:
    run = lint(art30.no_recipients, ("    systems: [mail]\n", ""))
    assert run.found() == [("KL106", Severity.warning, run.line("id: invoicing"))]


def test_no_recipients_accepts_an_explicit_empty_list(lint: Lint) -> None:
    run = lint(art30.no_recipients, ("    systems: [mail]\n", "    recipients: []\n"))
    assert run.found() == []


def test_no_retention_fires(lint: Lint) -> None:
    run = lint(art30.no_retention, ("    retention: {keep: P7Y, after: contract_end}\n", ""))
    assert run.found() == [("KL107", Severity.error, run.line("id: invoicing"))]


def test_no_retention_ignores_processor_activities(lint: Lint) -> None:
    assert lint(art30.no_retention, activities=PROCESSOR_ACTIVITY).found() == []


def test_no_security_fires(lint: Lint) -> None:
    run = lint(art30.no_security, ("security: [access_control]", "security: []"))
    assert run.found() == [("KL108", Severity.error, run.line("security: []"))]


def test_no_security_quiet_with_measures(lint: Lint) -> None:
    assert lint(art30.no_security, activities=PROCESSOR_ACTIVITY).found() == []


def test_processor_without_controller_fires(lint: Lint) -> None:
    run = lint(art30.processor_without_controller, activities=PROCESSOR_ACTIVITY)
    assert run.found() == [("KL109", Severity.error, run.line("role: processor"))]


def test_processor_with_controller_is_fine(lint: Lint) -> None:
    activity = PROCESSOR_ACTIVITY + "  controller: {name: Klant NV, contact: dpo@klant.example}\n"
    assert lint(art30.processor_without_controller, activities=activity).found() == []


def test_joint_activity_without_joint_controllers_fires(lint: Lint) -> None:
    run = lint(
        art30.joint_without_controllers,
        ("    legal_basis: {basis: contract}\n", BASIS + "    role: joint_controller\n"),
    )
    assert run.found() == [("KL110", Severity.error, run.line("role: joint_controller"))]


def test_joint_activity_with_joint_controllers_is_fine(lint: Lint) -> None:
    joint = BASIS + "    role: joint_controller\n    joint_controllers: [{name: Partner NV}]\n"
    run = lint(art30.joint_without_controllers, (BASIS, joint))
    assert run.found() == []


def test_undeclared_field_fires(lint: Lint) -> None:
    fields = "fields: {name: user.name, email: user.contact.email}"
    wider = "fields: {name: user.name, email: user.contact.email,\n      phone: user.contact.phone_number}"
    run = lint(art30.undeclared_field, (fields, wider))
    assert run.found() == [("KL111", Severity.error, run.line("phone: user.contact.phone_number"))]
    assert "user.contact.phone_number" in run.findings[0].message("nl")


def test_field_covered_by_a_declared_parent_is_fine(lint: Lint) -> None:
    edit = ("data_categories: [user.name, user.contact.email]", "data_categories: [user]")
    assert lint(art30.undeclared_field, edit).found() == []
