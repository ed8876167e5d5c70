"""The register document (Art. 30): every activity with its items (a)-(g), the processor
part (Art. 30(2)), processors, transfers and security measures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kluis.documents import DocumentFormat, render_register
from kluis.documents.context import BUILTIN_ROLES as ROLE_LABELS
from kluis.documents.language import Lang
from kluis.documents.retention import describe
from kluis.register.loader import BUILTIN_ROLES, LoadedRegister, load_register
from tests.documents.conftest import FULL, SMALL_NL, TODAY, Load, examples, text_of


def register_text(loaded: LoadedRegister, language: str) -> str:
    """The register as HTML, reduced to its text, without the table of contents."""
    page = render_register(loaded, format=DocumentFormat.html, language=language, today=TODAY)
    return text_of(re.sub(rb'<nav class="toc">.*?</nav>', b"", page, flags=re.S))


def part(text: str, start: str, end: str) -> str:
    """The text between two headings."""
    assert start in text and end in text, (start, end)
    return text.split(start, 1)[1].split(end, 1)[0]


def test_every_controller_activity_with_its_art30_items(full: LoadedRegister) -> None:
    text = register_text(full, "en")
    controller = part(text, "Part 1: processing as controller", "Part 2: processing as processor")
    lang = Lang.of("en", first_language="nl", country="BE")
    for activity in full.register.activities:
        if activity.role.value == "processor":
            continue
        section = controller.split(activity.name["en"], 1)[1][:3000]
        assert activity.purposes[0]["en"] in section  # (b)
        for subject in activity.data_subjects:  # (c)
            assert full.taxonomy.subjects[subject].label["en"] in section
        for category in activity.data_categories:  # (c)
            assert full.taxonomy.categories[category].label["en"] in section
        assert describe(lang, activity.retention) in section  # (f)
        for measure in activity.security:  # (g)
            assert full.taxonomy.security_measures[measure].label["en"] in section
    assert "Voorbeeld Consult BV" in text and "Dora Dpo" in text  # (a)


def test_recipients_and_transfers_are_recorded(full: LoadedRegister) -> None:
    text = register_text(full, "en")
    invoicing = part(text, "1.1 Invoicing", "1.2 ")
    assert "Boekhouder Janssens" in invoicing  # (d): a third party
    assert "CloudCRM Inc." in invoicing  # (d): the processor behind a system
    assert "United States (CloudCRM Inc.)" in invoicing  # (e)
    assert "Standard data protection clauses" in invoicing
    sourcing = part(text, "1.2 Sourcing on job sites", "1.3 ")
    assert "None: the data stay within the European Economic Area." in sourcing


def test_legal_basis_details(full: LoadedRegister) -> None:
    text = register_text(full, "en")
    sourcing = part(text, "1.2 Sourcing on job sites", "1.3 ")
    assert "Legitimate interests (Art. 6(1)(f) GDPR)" in sourcing
    assert "Approaching suitable candidates" in sourcing
    assert "Limited to public profiles" in sourcing
    newsletter = part(text, "1.3 Newsletter", "1.4 ")
    assert "Yes, send me the newsletter." in newsletter


def test_processor_part(full: LoadedRegister) -> None:
    text = register_text(full, "en")
    processing = part(text, "Part 2: processing as processor", "Processors Organisations")
    assert "Payroll for clients" in processing
    assert "Klant Industries NV" in processing  # (a): the controller we act for
    assert "Payroll calculation on instruction" in processing  # (b)
    assert "United States" in processing  # (c)
    assert "Encryption at rest" in processing  # (d)
    assert "Payroll for clients" not in part(text, "Part 1: processing as controller", "Part 2")


def test_no_processor_activities_is_said(small_nl: LoadedRegister) -> None:
    text = register_text(small_nl, "en")
    assert "The organisation does not process personal data as a processor." in text


def test_overviews(full: LoadedRegister) -> None:
    text = register_text(full, "en")
    processors = part(text, "Processors Organisations", "Third parties Recipients")
    assert "CloudCRM Inc." in processors and "signed 15 January 2024" in processors
    assert "CloudCRM DPA v3" in processors
    assert "General written authorisation" in processors
    transfers = part(text, "ground of the transfer", "Technical and organisational")
    assert "United States" in transfers and "CloudCRM DPA, module 3" in transfers
    security = part(text, "(Art. 30(1)(g)).", "Systems System")
    assert "Access control" in security and "Encryption at rest" in security
    assert "CloudCRM" in text.rsplit("Systems", 1)[1]


def test_missing_agreement_and_invalid_transfer_are_flagged(load: Load) -> None:
    text = FULL.replace("    agreement: {signed: 2024-01-15, reference: CloudCRM DPA v3}\n", "")
    text = text.replace("{country: US, mechanism: scc,", "{country: US, mechanism: privacy_shield,")
    loaded = load(text)
    page = register_text(loaded, "en")
    assert "no signed agreement recorded" in page
    assert "Privacy Shield: invalid since 16 July 2020" in page
    assert "no valid ground" in page


@pytest.mark.parametrize("example", examples(), ids=lambda p: p.name)
def test_examples_list_every_activity(example: Path) -> None:
    loaded = load_register(example)
    language = loaded.register.organisation.first_language
    text = register_text(loaded, language)
    for activity in loaded.register.activities:
        assert activity.name.get(language, language) in text
    assert loaded.register.organisation.name in text


def test_no_dpo_shows_the_art37_assessment(load: Load) -> None:
    without = register_text(load(SMALL_NL), "en")
    assert "No data protection officer designated" in without
    assessed = SMALL_NL.replace(
        "  contacts:\n",
        "  dpo_assessment: {done: 2025-01-10, conclusion: {nl: Geen kernactiviteit., en: Not a core activity.}}\n  contacts:\n",
        1,
    )
    assert assessed != SMALL_NL
    text = register_text(load(assessed), "en")
    assert (
        "Not required: assessed on 10 January 2025 under Art. 37(1) GDPR. Not a core activity."
        in text
    )
    assert "vereist" in register_text(load(assessed), "nl")


def test_every_builtin_role_has_a_label() -> None:
    assert set(ROLE_LABELS) == set(BUILTIN_ROLES)
