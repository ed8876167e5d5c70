"""The privacy notice holds every item of Art. 13 and 14 (reference §2.1), in nl, en and fr,
and only the rights that apply."""

from __future__ import annotations

import pytest

from kluis.documents import DocumentFormat, render_notice
from kluis.documents.language import Lang
from kluis.documents.rights import Right
from kluis.documents.vocabulary import (
    LEGAL_BASES_FOR_YOU,
    PROVISION_FOR_YOU,
    RIGHT_TEXTS,
    SOURCES_FOR_YOU,
    TRANSFER_MECHANISMS,
)
from kluis.register import law
from kluis.register.loader import LoadedRegister
from kluis.register.schema import LegalBasis, ProvisionRequirement, Source, TransferMechanism
from tests.documents.conftest import FULL, TODAY, Load, text_of

LANGUAGES = ["nl", "en", "fr"]

#: The seven-year rule of the invoicing activity, as each language writes it.
SEVEN_YEARS = {
    "nl": "zeven jaar na het einde van het boekjaar",
    "en": "seven years after the end of the financial year",
    "fr": "sept ans après la fin de l'exercice comptable",
}


def notice(loaded: LoadedRegister, language: str) -> str:
    """The notice as HTML, reduced to its text."""
    return text_of(
        render_notice(loaded, format=DocumentFormat.html, language=language, today=TODAY)
    )


def lang(language: str, country: str = "BE") -> Lang:
    return Lang.of(language, first_language="nl", country=country)


def words(language: str, message: str) -> str:
    """A message of the ``documents`` domain in ``language``, spaces as in ``text_of``."""
    return " ".join(lang(language).gettext(message).replace("\u00a0", " ").split())


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_controller_identity_and_contact(full: LoadedRegister, language: str) -> None:
    text = notice(full, language)
    assert "Voorbeeld Consult BV" in text
    assert "Kerkstraat 1, 9000 Gent" in text
    assert "BE0600995271" in text
    assert "info@voorbeeld.example" in text
    assert "privacy@voorbeeld.example" in text


def test_dpo_contact(full: LoadedRegister, small_nl: LoadedRegister, language: str) -> None:
    text = notice(full, language)
    assert "Dora Dpo" in text
    assert "dpo@voorbeeld.example" in text
    assert "Our data protection officer" not in notice(small_nl, "en")


def test_purposes_and_legal_basis_per_activity(full: LoadedRegister, language: str) -> None:
    text = notice(full, language)
    for activity in full.register.activities:
        if activity.role.value == "processor":
            assert activity.name[language] not in text  # done for a client: not our notice
            continue
        assert activity.name[language] in text
        assert activity.purposes[0][language] in text
    for basis in (LegalBasis.contract, LegalBasis.legitimate_interests, LegalBasis.consent):
        assert words(language, LEGAL_BASES_FOR_YOU[basis]) in text
    assert "Sociale wetgeving" in text or "Social legislation" in text or "Législation" in text


def test_legitimate_interest_is_stated(full: LoadedRegister, language: str) -> None:
    interest = full.register.activity("sourcing").legal_basis
    assert interest is not None and interest.interest is not None
    assert interest.interest[language] in notice(full, language)


def test_recipients_are_named(full: LoadedRegister, language: str) -> None:
    text = notice(full, language)
    assert "Boekhouder Janssens" in text
    assert "CloudCRM Inc." in text


def test_transfer_with_safeguard_and_how_to_get_a_copy(full: LoadedRegister, language: str) -> None:
    text = notice(full, language)
    assert lang(language).country_name("US") in text
    assert words(language, TRANSFER_MECHANISMS[TransferMechanism.scc]) in text
    copy = lang(language).gettext(
        "You can obtain a copy of these safeguards by asking us at {contact}.",
        contact="rechten@voorbeeld.example",
    )
    assert " ".join(copy.split()) in text


def test_no_transfers_is_said(small_nl: LoadedRegister) -> None:
    text = notice(small_nl, "nl")
    assert (
        words(
            "nl", "We do not transfer your personal data outside the European Economic Area (EEA)."
        )
        in text
    )


def test_categories_and_source_for_art14_activities(full: LoadedRegister, language: str) -> None:
    text = notice(full, language)
    cv = full.taxonomy.categories["user.employment.cv"].label
    assert cv.get(language, "nl") in text
    sources = words(language, SOURCES_FOR_YOU[Source.job_platform])
    assert sources in text
    assert "LinkedIn" in text


def test_source_is_not_given_when_data_come_from_the_person(small_nl: LoadedRegister) -> None:
    assert "Waar ze vandaan komen" not in notice(small_nl, "nl")


def test_retention_per_activity_as_a_sentence(full: LoadedRegister, language: str) -> None:
    text = notice(full, language).lower()
    assert SEVEN_YEARS[language] in text
    assert {"nl": "twee jaar na het laatste contact", "en": "two years after the last contact",
            "fr": "deux ans après le dernier contact"}[language] in text  # fmt: skip


def test_each_applicable_right_is_explained(full: LoadedRegister, language: str) -> None:
    text = notice(full, language)
    for title, explanation in RIGHT_TEXTS.values():
        assert words(language, title) in text
        assert words(language, explanation) in text


def test_only_rights_that_apply(small_nl: LoadedRegister) -> None:
    text = notice(small_nl, "nl")
    assert words("nl", "Right of access") in text
    assert words("nl", "Right to erasure") in text
    for absent in (
        "Right to data portability",
        "Right to object",
        "Right to withdraw your consent",
    ):
        assert words("nl", absent) not in text, absent
    assert "direct marketing" not in text


def test_erasure_is_limited_for_legal_obligations(full: LoadedRegister, language: str) -> None:
    text = notice(full, language)
    limit = lang(language).gettext(
        "We cannot erase data that the law obliges us to keep until that obligation ends "
        "(Art. 17(3)(b) GDPR). This concerns: {purposes}.",
        purposes=full.register.activity("payroll").name[language],
    )
    assert " ".join(limit.replace("\u00a0", " ").split()) in text


def test_portability_is_limited_to_consent_and_contract(full: LoadedRegister) -> None:
    text = notice(full, "en")
    scope = text.split("Right to data portability", 1)[1].split("Right to object", 1)[0]
    assert "Invoicing" in scope and "Newsletter" in scope
    assert "Sourcing on job sites" not in scope and "Payroll," not in scope


def test_direct_marketing_objection_stands_apart(full: LoadedRegister, language: str) -> None:
    page = render_notice(full, format=DocumentFormat.html, language=language, today=TODAY).decode()
    assert '<aside class="objection" id="direct-marketing">' in page
    box = text_of(page.split('id="direct-marketing">', 1)[1].split("</aside>", 1)[0].encode())
    assert full.register.activity("newsletter").name[language] in box
    assert "rechten@voorbeeld.example" in box


def test_withdrawal_of_consent(full: LoadedRegister, language: str) -> None:
    _title, explanation = RIGHT_TEXTS[Right.withdraw_consent]
    text = notice(full, language)
    assert words(language, explanation) in text
    consent = full.register.consent_purposes[0].text[language]
    assert consent in text


@pytest.mark.parametrize(("country", "register"), [("BE", "full"), ("NL", "small_nl")])
def test_complaint_to_the_authority_of_the_organisations_country(
    country: str, register: str, request: pytest.FixtureRequest
) -> None:
    loaded: LoadedRegister = request.getfixturevalue(register)
    authority = law.authority(country)
    assert authority is not None
    for language in loaded.register.organisation.languages:
        text = notice(loaded, language)
        assert authority.name.get(language, "nl") in text
        assert authority.website is not None and authority.website.get(language, "nl") in text
        assert "77" in text and "79" in text  # complaint (Art. 77) and court (Art. 79)
    other = law.authority("NL" if country == "BE" else "BE")
    assert other is not None and other.name.get("nl", "nl") not in notice(loaded, "nl")


def test_statutory_or_contractual_requirement(full: LoadedRegister, language: str) -> None:
    text = notice(full, language)
    assert words(language, PROVISION_FOR_YOU[ProvisionRequirement.contract_precondition]) in text
    provision = full.register.activity("invoicing").provision
    assert provision is not None and provision.consequences is not None
    assert provision.consequences[language] in text


def test_automated_decisions_are_explained(full: LoadedRegister, language: str) -> None:
    text = notice(full, language)
    decisions = full.register.activity("scoring").automated_decisions
    assert decisions is not None
    assert decisions.logic[language] in text
    assert decisions.significance[language] in text


def test_no_automated_decisions_is_said(small_nl: LoadedRegister) -> None:
    none = (
        "We do not take decisions about you based solely on automated processing, including "
        "profiling, that produce legal effects concerning you or similarly significantly affect "
        "you (Art. 22 GDPR)."
    )
    assert words("nl", none) in notice(small_nl, "nl")


def test_how_to_exercise_rights(full: LoadedRegister, language: str) -> None:
    text = notice(full, language)
    assert "rechten@voorbeeld.example" in text
    assert "https://voorbeeld.example/rechten" in text
    assert "12" in text  # one month, extendable by two (Art. 12(3)); free (Art. 12(5))


def test_texts_fall_back_to_the_first_language(small_nl: LoadedRegister) -> None:
    text = notice(small_nl, "fr")
    assert "Salarissen betalen en loonheffing afdragen" in text  # written only in Dutch
    assert words("fr", "Your rights") in text  # the notice itself is French


def test_notice_is_translated(full: LoadedRegister) -> None:
    assert "Right of access" not in notice(full, "nl")
    assert "Right of access" not in notice(full, "fr")
    assert LEGAL_BASES_FOR_YOU[LegalBasis.contract] not in notice(full, "fr")


@pytest.mark.parametrize(
    ("promise", "expected"),
    [
        (None, "within one month of receiving"),
        ("P2W", "within two weeks of receiving"),
        ("P2M", "within one month of receiving"),
    ],
)
def test_the_answer_period_is_the_register_s_promise_never_longer_than_a_month(
    load: Load, promise: str | None, expected: str
) -> None:
    text = FULL
    if promise:
        text = FULL.replace(
            "  rights_requests:\n", f"  rights_requests:\n    answer_within: {promise}\n", 1
        )
        assert text != FULL
    html = render_notice(load(text), format=DocumentFormat.html, language="en", today=TODAY)
    assert expected in text_of(html)
