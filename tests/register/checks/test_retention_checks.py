"""Checks of retention rules (Art. 5(1)(e), 13(2)(a), 30(1)(f))."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kluis.register.checks import retention
from kluis.register.checks.base import Severity

if TYPE_CHECKING:
    from tests.register.checks.conftest import Lint

RETENTION = "retention: {keep: P7Y, after: contract_end}"
BASIS = "legal_basis: {basis: contract}"
FIELDS = "    fields: {name: user.name, email: user.contact.email}\n    identifiers: [email]\n"
CATEGORIES = "data_categories: [user.name, user.contact.email]"
IN_NL = (
    ("\n  country: BE\n", "\n  country: NL\n"),
    ("  enterprise_number: BE0600995271\n", "  enterprise_number: '12345678'\n"),
)
CONSENT = """\
consent_purposes:
  - id: talent-pool
    text: {nl: "Bewaar mijn cv.", en: "Keep my CV."}
    version: 2024-05-01
"""


def keep(text: str) -> tuple[str, str]:
    """An edit replacing the activity's retention."""
    return (RETENTION, f"retention: {text}")


def test_keep_without_after_fires(lint: Lint) -> None:
    run = lint(retention.retention_incomplete, keep("{keep: P7Y}"))
    assert run.found() == [("KL601", Severity.error, run.line("retention:"))]
    assert "P7Y" in run.findings[0].message("nl")


def test_after_without_keep_fires(lint: Lint) -> None:
    run = lint(retention.retention_incomplete, keep("{after: contract_end}"))
    assert run.found() == [("KL601", Severity.error, run.line("retention:"))]
    assert "contract_end" in run.findings[0].message("fr")


def test_neither_keep_nor_review_fires(lint: Lint) -> None:
    run = lint(retention.retention_incomplete, keep("{then: anonymize}"))
    assert run.found() == [("KL601", Severity.error, run.line("retention:"))]


def test_review_alone_is_enough(lint: Lint) -> None:
    assert lint(retention.retention_incomplete, keep("{review: P1Y}")).found() == []


def test_renew_without_keep_fires(lint: Lint) -> None:
    run = lint(retention.renew_without_keep, keep("{review: P1Y, renew: P2Y}"))
    assert run.found() == [("KL602", Severity.error, run.line("retention:"))]


def test_renew_with_keep_is_fine(lint: Lint) -> None:
    edit = keep("{keep: P2Y, after: last_contact, renew: P2Y}")
    assert lint(retention.renew_without_keep, edit).found() == []


def test_consent_event_without_consent_fires(lint: Lint) -> None:
    run = lint(
        retention.consent_event_without_consent, keep("{keep: P0D, after: consent_withdrawn}")
    )
    assert run.found() == [("KL603", Severity.error, run.line("retention:"))]


def test_consent_event_with_consent_is_fine(lint: Lint) -> None:
    edits = (
        keep("{keep: P0D, after: consent_withdrawn}"),
        (BASIS, "legal_basis: {basis: consent, consent: talent-pool}"),
    )
    run = lint(retention.consent_event_without_consent, *edits, sections=CONSENT)
    assert run.found() == []


ACCOUNTING = (
    (BASIS, "legal_basis: {basis: legal_obligation, law: {nl: WER, en: CEL}}"),
    (CATEGORIES, "data_categories: [user.name, user.contact.email, user.financial.billing]"),
)


def test_statutory_minimum_confirmed_is_an_error(lint: Lint) -> None:
    run = lint(retention.statutory_period, *ACCOUNTING, keep("{keep: P5Y, after: fiscal_year_end}"))
    line = run.line("retention:")
    assert run.found() == [("KL604", Severity.error, line)] * 3  # accounting, income tax, VAT
    assert "III.86" in run.findings[0].message("en")


def test_statutory_minimum_from_another_event_is_a_warning(lint: Lint) -> None:
    run = lint(retention.statutory_period, *ACCOUNTING, keep("{keep: P5Y, after: contract_end}"))
    assert {severity for _, severity, _ in run.found()} == {Severity.warning}
    assert "fiscal_year_end" in run.findings[0].message("en")


def test_statutory_minimum_met_is_fine(lint: Lint) -> None:
    edit = keep("{keep: P10Y, after: fiscal_year_end}")
    assert lint(retention.statutory_period, *ACCOUNTING, edit).found() == []


def test_statutory_maximum_exceeded_is_a_warning(lint: Lint) -> None:
    edits = (
        (CATEGORIES, "data_categories: [user.content.camera_images]"),
        (FIELDS, ""),
        keep("{keep: P2M, after: collected}"),
    )
    run = lint(retention.statutory_period, *edits)
    assert run.found() == [("KL604", Severity.warning, run.line("retention:"))]
    assert "P1M" in run.findings[0].message("nl")


def test_unconfirmed_statutory_minimum_is_a_warning_and_says_so(lint: Lint) -> None:
    edits = (
        *IN_NL,
        (
            CATEGORIES,
            "data_categories: [user.name, user.government_id.national_identification_number.nl_bsn]",
        ),
        (FIELDS, ""),
        ("data_subjects: [customer]", "data_subjects: [employee]"),
        keep("{keep: P2Y, after: employment_end}"),
    )
    run = lint(retention.statutory_period, *edits)
    assert run.found() == [("KL604", Severity.warning, run.line("retention:"))]
    assert "(unconfirmed)" in run.findings[0].message("en")


def applicants(
    period: str, categories: str = "[user.name, user.contact.email]"
) -> tuple[tuple[str, str], ...]:
    return (
        *IN_NL,
        ("data_subjects: [customer]", "data_subjects: [job_applicant]"),
        (CATEGORIES, f"data_categories: {categories}"),
        keep(f"{{keep: {period}, after: selection_end}}"),
    )


OWN_CATEGORY = """\
categories:
  - id: cover-letter
    name: {nl: Motivatiebrief, en: Cover letter}
"""


def test_dutch_applicants_kept_over_a_year_warns(lint: Lint) -> None:
    # No statutory rule of the law data matches an own category outside the taxonomy.
    edits = applicants("P2Y", "[cover-letter]")
    run = lint(retention.applicants_kept_long, *edits, (FIELDS, ""), sections=OWN_CATEGORY)
    assert run.found() == [("KL605", Severity.warning, run.line("retention:"))]


def test_dutch_applicants_kept_a_year_is_fine(lint: Lint) -> None:
    edits = applicants("P1Y", "[cover-letter]")
    run = lint(retention.applicants_kept_long, *edits, (FIELDS, ""), sections=OWN_CATEGORY)
    assert run.found() == []


def test_applicant_rule_is_not_repeated_where_a_statutory_rule_applies(lint: Lint) -> None:
    edits = applicants("P2Y", "[user.name, user.contact.email, user.employment.cv]")
    assert lint(retention.applicants_kept_long, *edits).found() == []
    run = lint(retention.statutory_period, *edits)
    assert run.found() == [("KL604", Severity.warning, run.line("retention:"))]


def test_applicant_rule_is_dutch_only(lint: Lint) -> None:
    edits = applicants("P2Y", "[cover-letter]")[2:]
    run = lint(retention.applicants_kept_long, *edits, (FIELDS, ""), sections=OWN_CATEGORY)
    assert run.found() == []
