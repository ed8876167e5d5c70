"""Every text a person reads exists in Dutch, English and French."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import kluis
from kluis.core.errors import KluisError
from kluis.i18n import DOMAINS, gettext, negotiate, translations
from kluis.i18n.extract import KEYWORDS, extract, placeholders


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", ["nl", "fr"])
def test_every_text_is_translated_with_the_same_placeholders(domain: str, language: str) -> None:
    template = extract(domain)
    ids = [m.id for m in template if m.id and isinstance(m.id, str)]
    assert ids, f"no texts found for domain {domain}"
    catalogue = translations(language, domain)
    untranslated = [i for i in ids if catalogue.gettext(i) == i and placeholders(i) != {i}]
    # A handful of words are the same in both languages ("info", "Kluis").
    assert len(untranslated) <= max(2, len(ids) // 50), untranslated
    for msgid in ids:
        translated = catalogue.gettext(msgid)
        assert placeholders(translated) == placeholders(msgid), (msgid, translated)


def test_english_is_the_source_and_parameters_are_filled() -> None:
    message = "'{value}' is not an ISO 8601 duration (write P7Y, P2Y6M, P4W or P30D)"
    assert gettext("en", "loader", message, value="P7X").startswith("'P7X' is not")
    assert gettext("nl", "loader", message, value="P7X").startswith("'P7X' is geen")
    assert gettext("fr", "loader", message, value="P7X").startswith("'P7X' n'est pas")


def test_unsupported_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        translations("de", "loader")


@pytest.mark.parametrize(
    ("preferred", "expected"),
    [(("fr-BE",), "fr"), (("nl_BE.UTF-8",), "nl"), (("de", "nl"), "nl"), ((None,), "en")],
)
def test_negotiation(
    monkeypatch: pytest.MonkeyPatch, preferred: tuple[str | None, ...], expected: str
) -> None:
    for name in ("KLUIS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert negotiate(*preferred) == expected


def test_environment_language_is_used_when_nothing_is_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KLUIS_LANG", "fr")
    assert negotiate(None) == "fr"


def _subclasses(kind: type[KluisError]) -> set[type[KluisError]]:
    found = set(kind.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_error_class_is_extracted() -> None:
    # An error's message is its first argument; extraction finds it only by the class name.
    for module in pkgutil.walk_packages(kluis.__path__, "kluis."):
        if ".migrations" not in module.name:  # Alembic's scripts run only under Alembic
            importlib.import_module(module.name)
    names = {error.__name__ for error in _subclasses(KluisError)}
    # RegisterInvalid carries findings, each translated in the loader and checks domains.
    assert names - set(KEYWORDS) == {"RegisterInvalid"}
