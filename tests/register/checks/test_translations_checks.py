"""Checks that every text exists in every document language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kluis.register.checks import translations
from kluis.register.checks.base import Severity

if TYPE_CHECKING:
    from tests.register.checks.conftest import Lint


def test_missing_translation_fires_per_text(lint: Lint) -> None:
    edit = ("name: {nl: Facturatie, en: Invoicing}", "name: {nl: Facturatie}")
    run = lint(translations.missing_translation, edit)
    assert run.found() == [("KL901", Severity.warning, run.line("name: {nl: Facturatie}"))]
    message = run.findings[0].message("en")
    assert "activities[invoicing].name" in message
    assert " en;" in message


def test_a_plain_string_is_the_first_language(lint: Lint) -> None:
    edit = ("name: {nl: Directie, en: Management}", "name: Directie")
    run = lint(translations.missing_translation, edit)
    assert run.found() == [("KL901", Severity.warning, run.line("name: Directie"))]
    assert "roles[management].name" in run.findings[0].message("fr")


def test_plain_strings_are_enough_in_one_language(lint: Lint) -> None:
    edits = (
        ("languages: [nl, en]", "languages: [nl]"),
        ("name: {nl: Directie, en: Management}", "name: Directie"),
    )
    assert lint(translations.missing_translation, *edits).found() == []


def test_complete_texts_are_fine(lint: Lint) -> None:
    assert lint(translations.missing_translation).found() == []
