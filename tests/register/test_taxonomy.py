"""The built-in vocabulary: every fideslang id labelled in three languages, Kluis's
extensions present, and the Art. 9 / Art. 10 / national-number flags where the law puts them."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
import yaml
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from kluis.register.taxonomy import Taxonomy, builtin_taxonomy

LANGUAGES = ("nl", "en", "fr")
FIDES_CATEGORIES = [c.fides_key for c in DEFAULT_TAXONOMY.data_category]
FIDES_SUBJECTS = [s.fides_key for s in DEFAULT_TAXONOMY.data_subject]
FIDES_NAMES = {c.fides_key: c.name for c in DEFAULT_TAXONOMY.data_category} | {
    s.fides_key: s.name for s in DEFAULT_TAXONOMY.data_subject
}

KLUIS_CATEGORIES = [
    "user.employment",
    "user.employment.cv",
    "user.employment.education",
    "user.employment.references",
    "user.employment.assessment",
    "user.employment.contract",
    "user.employment.salary",
    "user.employment.absence",
    "user.employment.attendance",
    "user.employment.work_permit",
    "user.employment.expertise",
    "user.demographic.nationality",
    "user.demographic.place_of_birth",
    "user.demographic.family",
    "user.demographic.trade_union_membership",
    "user.demographic.sex_life",
    "user.contact.emergency",
    "user.signature",
    "user.government_id.id_card",
    "user.government_id.national_identification_number.be_rrn",
    "user.government_id.national_identification_number.nl_bsn",
    "user.financial.vat_number",
    "user.financial.billing",
    "user.content.correspondence",
    "user.content.camera_images",
    "user.behavior.event_participation",
    "user.criminal_history.certificate_of_conduct",
]
KLUIS_SUBJECTS = [
    "newsletter_subscriber",
    "member",
    "client_contact",
    "temporary_worker",
    "freelancer",
    "website_visitor",
    "event_participant",
    "referee",
]
SECURITY_MEASURES = [
    "access_control",
    "need_to_know",
    "mfa",
    "password_policy",
    "encryption_at_rest",
    "encryption_in_transit",
    "device_encryption",
    "backups",
    "logging",
    "patch_management",
    "antivirus",
    "firewall",
    "pseudonymisation",
    "staff_training",
    "confidentiality_agreements",
    "physical_security",
    "clean_desk",
    "incident_procedure",
    "processor_audits",
    "secure_disposal",
]

#: The ids that carry the special flag themselves (their descendants inherit it).
SPECIAL = {
    "user.biometric",
    "user.authorization.biometric",
    "user.health_and_medical",
    "user.demographic.race_ethnicity",
    "user.demographic.political_opinion",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
    "user.demographic.sex_life",
    "user.demographic.trade_union_membership",
    "user.employment.absence",  # sick leave is data concerning health (Art. 4(15))
}


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return builtin_taxonomy()


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    text = resources.files("kluis.register").joinpath("data", "taxonomy.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def _entries(data: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (section, term_id, entry)
        for section in ("categories", "data_subjects", "security_measures")
        for term_id, entry in data[section].items()
    ]


# --- completeness ---------------------------------------------------------------------------


def test_fideslang_lists_are_not_empty() -> None:
    # The parametrised tests below would pass vacuously on an empty list.
    assert len(FIDES_CATEGORIES) >= 85
    assert len(FIDES_SUBJECTS) >= 15


@pytest.mark.parametrize("category_id", FIDES_CATEGORIES)
def test_every_fideslang_category_is_labelled_in_three_languages(
    taxonomy: Taxonomy, category_id: str
) -> None:
    term = taxonomy.categories[category_id]
    assert term.origin == "fides"
    assert set(LANGUAGES) <= set(term.label), f"{category_id} lacks a label language"
    assert term.description is not None
    assert set(LANGUAGES) <= set(term.description)


@pytest.mark.parametrize("subject_id", FIDES_SUBJECTS)
def test_every_fideslang_subject_is_labelled_in_three_languages(
    taxonomy: Taxonomy, subject_id: str
) -> None:
    term = taxonomy.subjects[subject_id]
    assert term.origin == "fides"
    assert set(LANGUAGES) <= set(term.label)
    assert term.description is not None
    assert set(LANGUAGES) <= set(term.description)


@pytest.mark.parametrize("category_id", KLUIS_CATEGORIES)
def test_kluis_category_exists_and_is_not_fideslang(taxonomy: Taxonomy, category_id: str) -> None:
    assert category_id not in FIDES_CATEGORIES
    term = taxonomy.categories[category_id]
    assert term.origin == "kluis"
    assert set(LANGUAGES) <= set(term.label)


@pytest.mark.parametrize("subject_id", KLUIS_SUBJECTS)
def test_kluis_subject_exists_and_is_not_fideslang(taxonomy: Taxonomy, subject_id: str) -> None:
    assert subject_id not in FIDES_SUBJECTS
    assert taxonomy.subjects[subject_id].origin == "kluis"


def test_security_measures_are_all_there(taxonomy: Taxonomy) -> None:
    assert set(SECURITY_MEASURES) <= set(taxonomy.security_measures)


def test_nothing_but_fideslang_and_the_listed_extensions(taxonomy: Taxonomy) -> None:
    # A new extension is a decision other developers depend on: add it to the lists above.
    assert set(taxonomy.categories) == set(FIDES_CATEGORIES) | set(KLUIS_CATEGORIES)
    assert set(taxonomy.subjects) == set(FIDES_SUBJECTS) | set(KLUIS_SUBJECTS)


def test_every_category_hangs_under_an_existing_parent(taxonomy: Taxonomy) -> None:
    orphans = [
        term.id
        for term in taxonomy.categories.values()
        if term.parent is not None and term.parent not in taxonomy.categories
    ]
    assert orphans == []


def test_every_entry_has_a_label_and_a_one_sentence_description(data: dict[str, Any]) -> None:
    problems = []
    for section, term_id, entry in _entries(data):
        for field in ("label", "description"):
            texts = entry.get(field) or {}
            for language in LANGUAGES:
                value = texts.get(language)
                if not isinstance(value, str) or not value.strip():
                    problems.append(f"{section}.{term_id}.{field}.{language} missing")
        for language, value in (entry.get("description") or {}).items():
            if not value.endswith(".") or re.search(r"[a-z]\.\s+[A-Z]", value):
                problems.append(f"{section}.{term_id}.description.{language} is not one sentence")
    assert problems == []


def test_flags_are_written_only_where_true(data: dict[str, Any]) -> None:
    written_false = [
        f"{term_id}.{flag}"
        for _, term_id, entry in _entries(data)
        for flag in ("special", "criminal", "national_id")
        if flag in entry and entry[flag] is not True
    ]
    assert written_false == []


# --- flags ----------------------------------------------------------------------------------


def test_special_flags_are_exactly_on_the_art9_categories(taxonomy: Taxonomy) -> None:
    flagged = {term.id for term in taxonomy.categories.values() if term.special}
    assert flagged == SPECIAL


@pytest.mark.parametrize(
    "category_id",
    [
        "user.health_and_medical.genetic",
        "user.health_and_medical.record_id",
        "user.biometric.fingerprint",
        "user.authorization.biometric",
        "user.demographic.trade_union_membership",
        "user.demographic.sex_life",
    ],
)
def test_special_including_inherited(taxonomy: Taxonomy, category_id: str) -> None:
    assert taxonomy.is_special(category_id)


@pytest.mark.parametrize(
    "category_id",
    [
        "user.childrens",  # children's data deserve care but are not an Art. 9 category
        "user.content.self_image",  # a photo is biometric only when processed to identify
        "user.demographic.nationality",
        "user.demographic.gender",
        "user.authorization.password",
        "user.contact.email",
    ],
)
def test_not_special(taxonomy: Taxonomy, category_id: str) -> None:
    assert not taxonomy.is_special(category_id)


def test_criminal_flag(taxonomy: Taxonomy) -> None:
    assert taxonomy.is_criminal("user.criminal_history")
    assert taxonomy.is_criminal("user.criminal_history.certificate_of_conduct")
    assert not taxonomy.is_special("user.criminal_history")  # Art. 10, not Art. 9
    flagged = {term.id for term in taxonomy.categories.values() if term.criminal}
    assert flagged == {"user.criminal_history"}


def test_national_id_flag(taxonomy: Taxonomy) -> None:
    base = "user.government_id.national_identification_number"
    assert taxonomy.is_national_id(base)
    assert taxonomy.is_national_id(f"{base}.be_rrn")
    assert taxonomy.is_national_id(f"{base}.nl_bsn")
    assert not taxonomy.is_national_id("user.government_id.passport_number")
    flagged = {term.id for term in taxonomy.categories.values() if term.national_id}
    assert flagged == {base}


def test_an_ordinary_category_has_no_flag(taxonomy: Taxonomy) -> None:
    email = "user.contact.email"
    assert not taxonomy.is_special(email)
    assert not taxonomy.is_criminal(email)
    assert not taxonomy.is_national_id(email)


def test_a_broad_category_reveals_the_sensitive_ones_below_it(taxonomy: Taxonomy) -> None:
    hidden = taxonomy.covers_flagged("user.demographic", "special")
    assert "user.demographic.sex_life" in hidden
    assert "user.demographic.nationality" not in hidden


# --- hierarchy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "child", "expected"),
    [
        ("user.contact", "user.contact.email", True),
        ("user.contact", "user.contact.address.city", True),
        ("user.contact.email", "user.contact.email", True),
        ("user.contact.email", "user.contact", False),
        ("user.contact", "user.content.private", False),
        ("user.employment", "user.employment.cv", True),
        ("user", "user.employment.salary", True),
        ("user.government_id", "user.government_id.national_identification_number.be_rrn", True),
        ("user.financial.billing", "user.financial.bank_account", False),
    ],
)
def test_covers(taxonomy: Taxonomy, parent: str, child: str, expected: bool) -> None:
    assert taxonomy.covers(parent, child) is expected


# --- translations ---------------------------------------------------------------------------


def _all_terms(taxonomy: Taxonomy) -> list[Any]:
    return [
        *taxonomy.categories.values(),
        *taxonomy.subjects.values(),
        *taxonomy.security_measures.values(),
    ]


def test_labels_are_translated_not_copied(taxonomy: Taxonomy) -> None:
    # A few words are the same in two languages ("Consultant", "Patient"); more means copying.
    same = [
        term.id
        for term in _all_terms(taxonomy)
        if term.label.get("nl") == term.label.get("en")
        or term.label.get("fr") == term.label.get("en")
    ]
    assert len(same) <= 5, same


def test_fideslang_english_names_are_not_used_as_labels(taxonomy: Taxonomy) -> None:
    copied = [
        term.id
        for term in _all_terms(taxonomy)
        if term.id in FIDES_NAMES
        and FIDES_NAMES[term.id] in (term.label.get("nl"), term.label.get("fr"))
    ]
    assert len(copied) <= 3, copied


def test_descriptions_differ_between_languages(taxonomy: Taxonomy) -> None:
    same = [
        term.id
        for term in _all_terms(taxonomy)
        if term.description is not None
        and len({term.description.get(language) for language in LANGUAGES}) < 3
    ]
    assert same == []


@pytest.mark.parametrize(
    ("category_id", "language", "label"),
    [
        ("user.contact.email", "nl", "E-mailadres"),
        ("user.contact.email", "en", "E-mail address"),
        ("user.contact.email", "fr", "Adresse e-mail"),
        ("user.health_and_medical", "nl", "Gegevens over gezondheid"),
        ("user.health_and_medical", "fr", "Données concernant la santé"),
        ("user.government_id.national_identification_number.be_rrn", "nl", "Rijksregisternummer"),
    ],
)
def test_legal_vocabulary(taxonomy: Taxonomy, category_id: str, language: str, label: str) -> None:
    assert taxonomy.categories[category_id].label.get(language) == label
