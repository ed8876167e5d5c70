"""Every text of the documents is translated into Dutch and French, with its placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from kluis.i18n.extract import placeholders

SOURCE = Path(__file__).resolve().parents[2] / "src" / "kluis"
METHODS = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.md", "jinja2"),
]


def msgids() -> set[str]:
    """Every msgid of the documents' code and templates (``N_`` marks included)."""
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(SOURCE / "documents"), METHODS, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_documents_have_texts_to_translate() -> None:
    ids = msgids()
    assert len(ids) > 200
    assert "Register of processing activities" in ids  # a template text
    assert "Performance of a contract" in ids  # an N_ mark in vocabulary.py


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_every_text_is_translated(language: str) -> None:
    path = SOURCE / "i18n" / "locale" / language / "LC_MESSAGES" / "documents.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain="documents")
    header = path.read_text("utf-8").split("\n\n", 1)[0]
    assert f'"Language: {language}\\n"' in header
    assert '"Content-Type: text/plain; charset=utf-8\\n"' in header
    for msgid in sorted(msgids()):
        message = catalog.get(msgid)
        assert message is not None, f"{language}: missing {msgid!r}"
        assert message.string, f"{language}: empty {msgid!r}"
        assert not message.fuzzy, f"{language}: fuzzy {msgid!r}"
        assert placeholders(str(message.string)) == placeholders(msgid), msgid


def test_legal_vocabulary_follows_the_glossary() -> None:
    expected = {
        "nl": {"Controller": "Verwerkingsverantwoordelijke", "Processor": "Verwerker",
               "Legal basis": "Rechtsgrond", "Retention period": "Bewaartermijn",
               "Legitimate interests": "Gerechtvaardigd belang"},
        "fr": {"Controller": "Responsable du traitement", "Processor": "Sous-traitant",
               "Legal basis": "Base juridique", "Retention period": "Durée de conservation",
               "Legitimate interests": "Intérêt légitime"},
    }  # fmt: skip
    for language, terms in expected.items():
        path = SOURCE / "i18n" / "locale" / language / "LC_MESSAGES" / "documents.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain="documents")
        for msgid, term in terms.items():
            message = catalog.get(msgid)
            assert message is not None and message.string == term, (language, msgid)
