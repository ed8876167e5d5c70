"""Checks of what the privacy notice needs (Art. 12-14), Art. 22 and Art. 8."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kluis.register.checks import notice
from kluis.register.checks.base import Severity

if TYPE_CHECKING:
    from tests.register.checks.conftest import Lint

RIGHTS = "  rights_requests:\n    email: privacy@example.be\n"
SECURITY = "    security: [access_control]\n"
BASIS = "legal_basis: {basis: contract}"
DECISIONS = SECURITY + "    automated_decisions: {logic: Score, significance: Toegang}\n"
SAFEGUARDED = (
    SECURITY + "    automated_decisions: {logic: Score, significance: Toegang,\n"
    "      safeguards: {nl: Een medewerker kijkt mee, en: A person reviews}}\n"
)
HEALTH = (
    "[user.name, user.contact.email]",
    "[user.name, user.contact.email, user.health_and_medical]",
)
EXPLICIT = """\
consent_purposes:
  - id: screening
    text: {nl: "Ik stem in.", en: "I agree."}
    version: 2024-05-01
    explicit: {explicit}
"""


def test_no_rights_channel_fires_without_rights_requests(lint: Lint) -> None:
    run = lint(notice.no_rights_channel, (RIGHTS, ""))
    assert run.found() == [("KL801", Severity.warning, run.line("name: Testbedrijf BV"))]


def test_no_rights_channel_fires_without_a_way_to_send(lint: Lint) -> None:
    edit = (RIGHTS, "  rights_requests:\n    identity_check: {nl: Soms, en: Sometimes}\n")
    run = lint(notice.no_rights_channel, edit)
    assert run.found() == [("KL801", Severity.warning, run.line("rights_requests:"))]


def test_a_web_form_is_a_rights_channel(lint: Lint) -> None:
    edit = (RIGHTS, "  rights_requests:\n    url: https://example.be/privacy\n")
    assert lint(notice.no_rights_channel, edit).found() == []


def test_source_undescribed_warns(lint: Lint) -> None:
    run = lint(
        notice.source_undescribed,
        (SECURITY, SECURITY + "    source: [data_subject, job_platform]\n"),
    )
    assert run.found() == [("KL802", Severity.warning, run.line("source:"))]
    assert "job_platform" in run.findings[0].message("nl")


def test_source_described_is_fine(lint: Lint) -> None:
    source = (
        SECURITY + "    source: job_platform\n    source_description: {nl: Jobsite, en: Job site}\n"
    )
    assert lint(notice.source_undescribed, (SECURITY, source)).found() == []


def test_data_from_the_person_need_no_source(lint: Lint) -> None:
    assert lint(notice.source_undescribed).found() == []


def test_decisions_without_safeguards_warns(lint: Lint) -> None:
    run = lint(notice.decisions_without_safeguards, (SECURITY, DECISIONS))
    assert run.found() == [("KL803", Severity.warning, run.line("automated_decisions:"))]


def test_decisions_with_safeguards_are_fine(lint: Lint) -> None:
    assert lint(notice.decisions_without_safeguards, (SECURITY, SAFEGUARDED)).found() == []


def test_decisions_on_special_data_under_another_condition_fire(lint: Lint) -> None:
    edits = (
        HEALTH,
        (BASIS, BASIS + "\n    special_categories: {condition: employment_social_security}"),
        (SECURITY, SAFEGUARDED),
    )
    run = lint(notice.decisions_on_special_data, *edits)
    assert run.found() == [("KL804", Severity.error, run.line("automated_decisions:"))]


def test_decisions_on_special_data_with_public_interest_are_allowed(lint: Lint) -> None:
    edits = (
        HEALTH,
        (BASIS, BASIS + "\n    special_categories: {condition: substantial_public_interest}"),
        (SECURITY, SAFEGUARDED),
    )
    assert lint(notice.decisions_on_special_data, *edits).found() == []


def test_decisions_on_legitimate_interests_fire(lint: Lint) -> None:
    edits = ((BASIS, "legal_basis: {basis: legitimate_interests}"), (SECURITY, SAFEGUARDED))
    run = lint(notice.decisions_without_basis, *edits)
    assert run.found() == [("KL805", Severity.error, run.line("legal_basis:"))]
    assert "legitimate_interests" in run.findings[0].message("fr")


def test_decisions_on_consent_that_is_not_explicit_fire(lint: Lint) -> None:
    edits = ((BASIS, "legal_basis: {basis: consent, consent: screening}"), (SECURITY, SAFEGUARDED))
    sections = EXPLICIT.replace("{explicit}", "false")
    run = lint(notice.decisions_without_basis, *edits, sections=sections)
    assert run.found() == [("KL805", Severity.error, run.line("legal_basis:"))]


def test_decisions_on_explicit_consent_or_contract_are_fine(lint: Lint) -> None:
    edits = ((BASIS, "legal_basis: {basis: consent, consent: screening}"), (SECURITY, SAFEGUARDED))
    sections = EXPLICIT.replace("{explicit}", "true")
    assert lint(notice.decisions_without_basis, *edits, sections=sections).found() == []
    assert lint(notice.decisions_without_basis, (SECURITY, SAFEGUARDED)).found() == []


def children(min_age: int, extra: str = "") -> tuple[tuple[str, str], ...]:
    return (
        (BASIS, "legal_basis: {basis: consent, consent: screening}"),
        (SECURITY, SECURITY + f"    children: {{min_age: {min_age}{extra}}}\n"),
    )


def test_children_below_the_belgian_age_is_an_error(lint: Lint) -> None:
    sections = EXPLICIT.replace("{explicit}", "false")
    run = lint(notice.children_consent, *children(12), sections=sections)
    assert run.found() == [("KL806", Severity.error, run.line("children:"))]
    assert "13" in run.findings[0].message("nl")


def test_children_below_an_unconfirmed_age_is_a_warning(lint: Lint) -> None:
    edits = (
        *children(14),
        ("\n  country: BE\n", "\n  country: AT\n"),
        ("  enterprise_number: BE0600995271\n", ""),
    )
    sections = EXPLICIT.replace("{explicit}", "false")
    run = lint(notice.children_consent, *edits, sections=sections)
    assert run.found() == []  # Austria: 14, from general knowledge
    edits = (*children(13), *edits[2:])
    run = lint(notice.children_consent, *edits, sections=sections)
    assert run.found() == [("KL806", Severity.warning, run.line("children:"))]


def test_children_with_parental_consent_are_fine(lint: Lint) -> None:
    parental = ", parental_consent: {nl: Ouders tekenen, en: Parents sign}"
    sections = EXPLICIT.replace("{explicit}", "false")
    assert lint(notice.children_consent, *children(12, parental), sections=sections).found() == []
    assert lint(notice.children_consent, *children(13), sections=sections).found() == []


def test_answer_period_longer_than_a_month_is_an_error(lint: Lint) -> None:
    edit = (RIGHTS, RIGHTS + "    answer_within: P2M\n")
    run = lint(notice.answer_period_too_long, edit)
    assert run.found() == [("KL807", Severity.error, run.line("answer_within"))]
    assert "P2M" in run.findings[0].message("en")


def test_answer_period_of_a_month_or_less_is_fine(lint: Lint) -> None:
    for period in ("P1M", "P2W", "P30D"):
        edit = (RIGHTS, RIGHTS + f"    answer_within: {period}\n")
        assert lint(notice.answer_period_too_long, edit).found() == []
    assert lint(notice.answer_period_too_long).found() == []


def test_marketing_unsaid_asks_for_the_flag(lint: Lint) -> None:
    edit = ("data_subjects: [customer]", "data_subjects: [customer, prospect]")
    run = lint(notice.marketing_unsaid, edit)
    assert run.found() == [("KL808", Severity.info, run.line("- id: invoicing"))]


def test_marketing_said_either_way_is_quiet(lint: Lint) -> None:
    for flag in ("true", "false"):
        edits = (
            ("data_subjects: [customer]", "data_subjects: [customer, prospect]"),
            (SECURITY, SECURITY + f"    direct_marketing: {flag}\n"),
        )
        assert lint(notice.marketing_unsaid, *edits).found() == []
    assert lint(notice.marketing_unsaid).found() == []
