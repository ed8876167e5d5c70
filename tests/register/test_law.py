"""The law as data: EEA, adequacy (Art. 45), Privacy Shield, authorities, Art. 8 ages and
statutory retention rules."""

from __future__ import annotations

from datetime import date

import pytest

from kluis.register import law
from kluis.register.schema import LegalBasis, RetentionEvent
from kluis.register.taxonomy import Taxonomy, builtin_taxonomy
from kluis.register.types import Duration

TODAY = date(2026, 1, 15)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return builtin_taxonomy()


# --- EEA ------------------------------------------------------------------------------------


def test_the_eea_has_thirty_states() -> None:
    eea = law.eea_countries()
    assert len(eea) == 30
    assert {"IS", "LI", "NO"} <= eea
    assert not {"GB", "CH", "US"} & eea


@pytest.mark.parametrize("country", ["BE", "NL", "NO", "no", "GR"])
def test_eea_states_need_no_adequacy(country: str) -> None:
    assert law.is_eea(country)
    assert law.adequacy_for(country, TODAY) is None


def test_eea_uses_iso_codes_not_eu_ones() -> None:
    assert not law.is_eea("EL")  # the EU's code for Greece is not ISO 3166
    assert not law.is_eea("EU")


# --- adequacy -------------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["CH", "JP", "GB", "KR", "NZ", "IL"])
def test_adequate_countries(country: str) -> None:
    decision = law.adequacy_for(country, TODAY)
    assert decision is not None
    assert decision.country == country
    assert decision.requires is None


def test_the_us_is_adequate_only_for_dpf_certified_recipients() -> None:
    decision = law.adequacy_for("US", TODAY)
    assert decision is not None
    assert decision.requires == "dpf"
    assert decision.adopted == date(2023, 7, 10)
    assert "2023/1795" in decision.decision
    assert decision.scope is not None
    assert "Data Privacy Framework" in decision.scope.get("en")
    assert law.adequacy_for("US", date(2023, 7, 9)) is None


def test_is_adequate_needs_dpf_certification_for_the_us() -> None:
    assert law.is_adequate("CH", TODAY)
    assert not law.is_adequate("US", TODAY)
    assert law.is_adequate("US", TODAY, dpf_certified=True)
    assert not law.is_adequate("BE", TODAY)  # inside the EEA: no transfer, no decision
    assert not law.is_adequate("CN", TODAY)


def test_brazil_is_a_draft_not_adequate() -> None:
    assert law.adequacy_for("BR", TODAY) is None
    pending = law.pending_adequacy("BR")
    assert pending is not None
    assert law.pending_adequacy("CH") is None


def test_the_epo_is_an_organisation_not_a_country() -> None:
    countries = {decision.country for decision in law.adequacy_decisions()}
    assert all(len(code) == 2 for code in countries)
    assert "epo" in {org.id for org in law.international_organisations()}


def test_adequacy_respects_adoption_and_validity_dates() -> None:
    before_brexit_decision = law.adequacy_for("GB", date(2021, 6, 1))
    assert before_brexit_decision is None
    first = law.adequacy_for("GB", date(2024, 1, 1))
    assert first is not None
    assert first.valid_until == date(2025, 12, 27)
    assert first.in_force(date(2025, 12, 27))
    assert not first.in_force(date(2025, 12, 28))
    assert law.adequacy_for("GB", date(2032, 1, 1)) is None


def test_the_uk_renewal_is_marked_unconfirmed() -> None:
    renewal = law.adequacy_for("GB", date(2026, 6, 1))
    assert renewal is not None
    assert renewal.valid_until == date(2031, 12, 27)
    assert renewal.confirmed is False


def test_scopes_the_reference_does_not_confirm_are_unconfirmed() -> None:
    for country in ("CA", "JP"):
        decision = law.adequacy_for(country, TODAY)
        assert decision is not None
        assert decision.confirmed is False
        assert decision.scope is not None


def test_privacy_shield_is_invalid_since_schrems_ii() -> None:
    shield = law.privacy_shield()
    assert shield.invalidated == date(2020, 7, 16)
    assert "C-311/18" in shield.judgment
    assert shield.valid_on(date(2020, 7, 15))
    assert not shield.valid_on(date(2020, 7, 16))


# --- authorities ----------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["BE", "NL"])
def test_authority_names_in_three_languages(country: str) -> None:
    found = law.authority(country)
    assert found is not None
    assert {"nl", "en", "fr"} <= set(found.name)
    assert found.website is not None
    assert found.verified is False  # contact details are not verified here


def test_belgian_authority_details() -> None:
    gba = law.authority("BE")
    assert gba is not None
    assert gba.name.get("nl") == "Gegevensbeschermingsautoriteit"
    assert gba.name.get("fr") == "Autorité de protection des données"
    assert gba.email == "contact@apd-gba.be"
    assert gba.address is not None
    assert "Drukpersstraat 35" in gba.address.get("nl")
    assert "Rue de la Presse 35" in gba.address.get("fr")


def test_dutch_authority_details() -> None:
    ap = law.authority("NL")
    assert ap is not None
    assert ap.name.get("nl") == "Autoriteit Persoonsgegevens"
    assert ap.address is not None
    assert "Postbus 93374" in ap.address.get("nl")


def test_no_authority_for_a_country_outside_the_eea() -> None:
    assert law.authority("US") is None


def test_every_eea_state_has_an_authority() -> None:
    missing = sorted(c for c in law.eea_countries() if law.authority(c) is None)
    assert missing == []


# --- age of digital consent (Art. 8) --------------------------------------------------------


def test_digital_consent_age_belgium() -> None:
    rule = law.digital_consent_age("BE")
    assert rule.age == 13
    assert rule.confirmed
    assert rule.source_confirmed is False  # the article number is unconfirmed


def test_digital_consent_age_netherlands() -> None:
    rule = law.digital_consent_age("NL")
    assert rule.age == 16
    assert rule.confirmed
    assert "UAVG" in rule.source


def test_digital_consent_age_of_an_unknown_country_is_the_default_unconfirmed() -> None:
    rule = law.digital_consent_age("XX")
    assert rule.age == 16
    assert rule.confirmed is False


def test_other_member_states_are_never_confirmed() -> None:
    for country in law.eea_countries() - {"BE", "NL"}:
        assert law.digital_consent_age(country).confirmed is False


# --- statutory retention --------------------------------------------------------------------


def test_belgian_accounting_rule() -> None:
    rule = law.statutory_rule("be_accounting")
    assert rule.country == "BE"
    assert rule.minimum == Duration(years=7)
    assert rule.maximum is None
    assert rule.after is RetentionEvent.fiscal_year_end
    assert rule.confirmed
    assert "III.86" in rule.source
    assert rule.shorter_than_minimum(Duration.parse("P5Y"))
    assert not rule.shorter_than_minimum(Duration.parse("P7Y"))


def test_statutory_rules_match_an_accounting_activity(taxonomy: Taxonomy) -> None:
    matched = {
        rule.id
        for rule in law.statutory_rules("BE")
        if rule.applies_to(
            ["user.name", "user.financial.billing", "user.contact.address"],
            ["customer"],
            LegalBasis.legal_obligation,
            taxonomy.covers,
        )
    }
    assert {"be_accounting", "be_income_tax", "be_vat"} <= matched
    assert "be_camera" not in matched


def test_statutory_rules_do_not_match_a_newsletter(taxonomy: Taxonomy) -> None:
    for country in ("BE", "NL"):
        matched = [
            rule.id
            for rule in law.statutory_rules(country)
            if rule.applies_to(
                ["user.name", "user.contact.email"],
                ["newsletter_subscriber"],
                "consent",
                taxonomy.covers,
            )
        ]
        assert matched == []


def test_a_rule_restricted_to_a_basis_does_not_match_another(taxonomy: Taxonomy) -> None:
    rule = law.statutory_rule("be_accounting")
    assert not rule.applies_to(
        ["user.financial.billing"], ["customer"], "contract", taxonomy.covers
    )
    assert not rule.applies_to(["user.financial.billing"], ["customer"], None, taxonomy.covers)


def test_a_rule_on_a_parent_matches_its_children(taxonomy: Taxonomy) -> None:
    rule = law.statutory_rule("nl_applicants_without_consent")
    assert rule.maximum == Duration(weeks=4)
    assert rule.after is RetentionEvent.selection_end
    assert rule.confirmed is False
    assert rule.applies_to(
        ["user.employment.cv"], ["job_applicant"], "legitimate_interests", taxonomy.covers
    )
    assert not rule.applies_to(["user.employment.cv"], ["employee"], "contract", taxonomy.covers)
    # The Sollicitatiecode covers all applicant data, not only CVs.
    assert rule.applies_to(
        ["user.name", "user.contact.email"], ["job_applicant"], "contract", taxonomy.covers
    )
    with_consent = law.statutory_rule("nl_applicants_with_consent")
    assert with_consent.maximum == Duration(years=1)
    assert with_consent.applies_to(
        ["user.employment.cv"], ["job_applicant"], "consent", taxonomy.covers
    )
    assert with_consent.longer_than_maximum(Duration.parse("P2Y"))


def test_dutch_rules() -> None:
    ids = {rule.id for rule in law.statutory_rules("NL")}
    assert {"nl_fiscal", "nl_employee_id_copy", "nl_personnel_file"} <= ids
    id_copy = law.statutory_rule("nl_employee_id_copy")
    assert id_copy.minimum == Duration(years=5)
    assert id_copy.after is RetentionEvent.employment_end
    assert "calendar year" in id_copy.label.get("en")
    assert law.statutory_rule("nl_personnel_file").confirmed is False


def test_rules_name_only_known_categories_and_subjects(taxonomy: Taxonomy) -> None:
    unknown = []
    for country in ("BE", "NL"):
        for rule in law.statutory_rules(country):
            unknown += [c for c in rule.categories if c not in taxonomy.categories]
            unknown += [s for s in rule.data_subjects if s not in taxonomy.subjects]
            assert {"nl", "en", "fr"} <= set(rule.label), rule.id
    assert unknown == []


def test_unknown_rule_id_raises() -> None:
    with pytest.raises(KeyError):
        law.statutory_rule("no_such_rule")


def test_snapshot_review_is_after_the_snapshot() -> None:
    snap = law.snapshot()
    assert snap.review > snap.reviewed
