"""The proof of consent as a document: the words shown, the history, in nl, en and fr, as
HTML and PDF; no e-mail address or name of the person in it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from kluis.consent import ConsentProof, ConsentRecord, Standing, State
from kluis.core.errors import InvalidInput
from kluis.documents import DocumentFormat, render_consent_proof
from kluis.register.loader import load_register
from tests.conftest import VAULT_REGISTER

SUBJECT = uuid.UUID("00000000-0000-4000-8000-000000000042")
GIVEN = datetime(2026, 3, 1, 10, 30, tzinfo=UTC)


def _proof() -> ConsentProof:
    register = load_register(VAULT_REGISTER).register
    purpose = register.consent_purposes[0]
    history = [
        ConsentRecord(1, "newsletter", "given", GIVEN, date(2026, 1, 1), "nl", "web_form",
                      "form 311", "mark", GIVEN),
        ConsentRecord(2, "newsletter", "withdrawn", GIVEN.replace(month=5), date(2026, 1, 1),
                      "nl", "email", None, "mark", GIVEN.replace(month=5)),
    ]  # fmt: skip
    return ConsentProof(
        SUBJECT,
        "newsletter",
        {purpose.version: purpose.text},
        history,
        Standing(
            "newsletter", State.withdrawn, GIVEN, GIVEN.replace(month=5), purpose.version, None
        ),
        register,
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "nl",
            [
                "Bewijs van toestemming",
                "Toestemming gegeven",
                "Toestemming ingetrokken",
                "webformulier",
            ],
        ),
        ("en", ["Proof of consent", "Consent given", "Consent withdrawn", "web form"]),
        (
            "fr",
            [
                "Preuve du consentement",
                "Consentement donné",
                "Consentement retiré",
                "formulaire web",
            ],
        ),
    ],
)
def test_the_proof_in_each_language(language: str, words: list[str]) -> None:
    html = render_consent_proof(
        _proof(), format=DocumentFormat.html, language=language, today=date(2026, 12, 1)
    ).decode()
    for word in words:
        assert word in html, word
    assert str(SUBJECT) in html and "form 311" in html
    assert "Ik wil de nieuwsbrief ontvangen" in html and "I want to receive the newsletter" in html
    assert "@" not in html.split("<body", 1)[1]  # no e-mail address of anyone


def test_the_proof_as_pdf_and_not_as_a_spreadsheet() -> None:
    pdf = render_consent_proof(
        _proof(), format=DocumentFormat.pdf, language="en", today=date(2026, 12, 1)
    )
    assert pdf.startswith(b"%PDF")
    with pytest.raises(InvalidInput):
        render_consent_proof(
            _proof(), format=DocumentFormat.xlsx, language="en", today=date(2026, 12, 1)
        )
