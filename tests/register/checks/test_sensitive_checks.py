"""Checks of special categories (Art. 9), criminal data (Art. 10) and national numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kluis.register.checks import sensitive
from kluis.register.checks.base import Severity

if TYPE_CHECKING:
    from tests.register.checks.conftest import Lint

CATEGORIES = "data_categories: [user.name, user.contact.email]"
BASIS = "    legal_basis: {basis: contract}\n"
NATIONAL = "user.government_id.national_identification_number"
IN_NL = (
    ("\n  country: BE\n", "\n  country: NL\n"),
    ("  enterprise_number: BE0600995271\n", "  enterprise_number: '12345678'\n"),
)
EXPLICIT_PURPOSE = """\
consent_purposes:
  - id: health-data
    text: {nl: "Ik stem in met gezondheidsgegevens.", en: "I agree to health data."}
    version: 2024-05-01
    explicit: {explicit}
"""


def categories(*extra: str) -> tuple[str, str]:
    """An edit adding categories to the activity's data_categories."""
    return (
        CATEGORIES,
        "data_categories: [user.name, user.contact.email, {}]".format(", ".join(extra)),
    )


def special(text: str) -> tuple[str, str]:
    """An edit adding ``special_categories`` after the legal basis."""
    return (BASIS, BASIS + f"    special_categories: {text}\n")


def test_special_without_condition_fires_at_the_category(lint: Lint) -> None:
    run = lint(sensitive.special_without_condition, categories("user.health_and_medical"))
    assert run.found() == [("KL301", Severity.error, run.line("data_categories:"))]
    assert "user.health_and_medical" in run.findings[0].message("nl")


def test_special_with_an_empty_condition_fires_at_special_categories(lint: Lint) -> None:
    edits = (categories("user.health_and_medical"), special("{note: Ziekteverzuim}"))
    run = lint(sensitive.special_without_condition, *edits)
    assert run.found() == [("KL301", Severity.error, run.line("special_categories:"))]


def test_special_with_a_condition_is_fine(lint: Lint) -> None:
    edits = (categories("user.employment.absence"), special("{condition: occupational_medicine}"))
    assert lint(sensitive.special_without_condition, *edits).found() == []


def test_explicit_consent_without_consent_basis_fires(lint: Lint) -> None:
    edits = (categories("user.health_and_medical"), special("{condition: explicit_consent}"))
    run = lint(sensitive.explicit_consent_incomplete, *edits)
    assert run.found() == [("KL302", Severity.error, run.line("special_categories:"))]


def test_explicit_consent_with_a_purpose_not_explicit_fires(lint: Lint) -> None:
    edits = (
        categories("user.health_and_medical"),
        (BASIS, "    legal_basis: {basis: consent, consent: health-data}\n"),
        ("    retention:", "    special_categories: {condition: explicit_consent}\n    retention:"),
    )
    sections = EXPLICIT_PURPOSE.replace("{explicit}", "false")
    run = lint(sensitive.explicit_consent_incomplete, *edits, sections=sections)
    assert run.found() == [("KL302", Severity.error, run.line("special_categories:"))]
    assert "explicit: true" in run.findings[0].message("en")


def test_explicit_consent_with_an_explicit_purpose_is_fine(lint: Lint) -> None:
    edits = (
        categories("user.health_and_medical"),
        (BASIS, "    legal_basis: {basis: consent, consent: health-data}\n"),
        ("    retention:", "    special_categories: {condition: explicit_consent}\n    retention:"),
    )
    sections = EXPLICIT_PURPOSE.replace("{explicit}", "true")
    assert lint(sensitive.explicit_consent_incomplete, *edits, sections=sections).found() == []


def test_employment_condition_without_law_fires(lint: Lint) -> None:
    edits = (
        categories("user.employment.absence"),
        special("{condition: employment_social_security}"),
    )
    run = lint(sensitive.condition_without_law, *edits)
    assert run.found() == [("KL303", Severity.error, run.line("special_categories:"))]
    assert "employment_social_security" in run.findings[0].message("fr")


def test_employment_condition_with_law_is_fine(lint: Lint) -> None:
    edits = (
        categories("user.employment.absence"),
        special(
            "{condition: employment_social_security, law: {nl: Arbeidsovereenkomstenwet, en: Employment Contracts Act}}"
        ),
    )
    assert lint(sensitive.condition_without_law, *edits).found() == []


def test_criminal_data_without_law_fires(lint: Lint) -> None:
    run = lint(sensitive.criminal_without_law, categories("user.criminal_history"))
    assert run.found() == [("KL304", Severity.error, run.line("data_categories:"))]


def test_criminal_data_with_law_is_fine(lint: Lint) -> None:
    edits = (
        categories("user.criminal_history"),
        special("{law: {nl: Wet private veiligheid art. 61, en: Private Security Act art. 61}}"),
    )
    assert lint(sensitive.criminal_without_law, *edits).found() == []


def test_broad_category_fires(lint: Lint) -> None:
    run = lint(sensitive.broad_category, categories("user.demographic"))
    assert run.found() == [("KL305", Severity.info, run.line("data_categories:"))]
    assert "'user.demographic'" in run.findings[0].message("en")


def test_broad_category_with_a_condition_is_fine(lint: Lint) -> None:
    edits = (categories("user.demographic"), special("{condition: made_public}"))
    assert lint(sensitive.broad_category, *edits).found() == []


def test_rrn_without_ground_fires(lint: Lint) -> None:
    run = lint(sensitive.rrn_without_ground, categories(NATIONAL))
    assert run.found() == [("KL306", Severity.error, run.line("data_categories:"))]
    assert "1983" in run.findings[0].message("nl")


def test_rrn_with_ground_is_fine(lint: Lint) -> None:
    ground = (BASIS, BASIS + "    national_number: {ground: {nl: Machtiging, en: Authorisation}}\n")
    assert lint(sensitive.rrn_without_ground, categories(NATIONAL), ground).found() == []


def test_rrn_in_a_dutch_register_is_still_belgian(lint: Lint) -> None:
    run = lint(sensitive.rrn_without_ground, categories(NATIONAL + ".be_rrn"), *IN_NL)
    assert [code for code, _, _ in run.found()] == ["KL306"]
    assert (
        lint(sensitive.bsn_without_ground, categories(NATIONAL + ".be_rrn"), *IN_NL).found() == []
    )


def test_bsn_without_ground_fires(lint: Lint) -> None:
    run = lint(sensitive.bsn_without_ground, categories(NATIONAL), *IN_NL)
    assert run.found() == [("KL307", Severity.error, run.line("data_categories:"))]
    assert "UAVG" in run.findings[0].message("fr")


def test_bsn_with_ground_is_fine(lint: Lint) -> None:
    ground = (
        BASIS,
        BASIS + "    national_number: {ground: {nl: Wet LB 1964, en: Wage Tax Act 1964}}\n",
    )
    assert (
        lint(sensitive.bsn_without_ground, categories(NATIONAL + ".nl_bsn"), ground).found() == []
    )


def test_bsn_of_applicants_fires_even_with_a_ground(lint: Lint) -> None:
    edits = (
        categories(NATIONAL + ".nl_bsn"),
        ("data_subjects: [customer]", "data_subjects: [job_applicant]"),
        (
            BASIS,
            BASIS + "    national_number: {ground: {nl: Wet LB 1964, en: Wage Tax Act 1964}}\n",
        ),
    )
    run = lint(sensitive.bsn_of_applicants, *edits)
    assert run.found() == [("KL308", Severity.error, run.line("data_categories:"))]


def test_bsn_of_employees_is_not_an_applicant_problem(lint: Lint) -> None:
    edits = (categories(NATIONAL), ("data_subjects: [customer]", "data_subjects: [employee]"))
    assert lint(sensitive.bsn_of_applicants, *edits, *IN_NL).found() == []


def test_other_national_number_without_ground_warns(lint: Lint) -> None:
    edits = (
        categories(NATIONAL),
        ("\n  country: BE\n", "\n  country: DE\n"),
        ("  enterprise_number: BE0600995271\n", ""),
    )
    run = lint(sensitive.national_number_without_ground, *edits)
    assert run.found() == [("KL309", Severity.warning, run.line("data_categories:"))]


def test_belgian_national_number_is_not_reported_twice(lint: Lint) -> None:
    assert lint(sensitive.national_number_without_ground, categories(NATIONAL)).found() == []
