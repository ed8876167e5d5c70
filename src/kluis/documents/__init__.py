"""The documents Kluis renders from the register: the Art. 30 register (PDF, HTML,
Markdown, XLSX) and the Art. 13/14 privacy notice (PDF, HTML, Markdown), in nl, en, fr.

Public surface: :class:`DocumentFormat`, :func:`render_register`, :func:`render_notice`.
Rendering is pure apart from the fonts WeasyPrint reads: a loaded register and a date in,
bytes out. What each document holds and where it comes from: ``docs/documents.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kluis.consent import ConsentProof
from kluis.core.errors import InvalidInput
from kluis.documents import (
    access_view,
    consent_view,
    erasure_view,
    notice_view,
    register_view,
    request_letter_view,
)
from kluis.documents.html import render_html
from kluis.documents.language import Lang
from kluis.documents.markdown import render_markdown
from kluis.documents.pdf import html_to_pdf
from kluis.documents.retention import describe
from kluis.documents.xlsx import render_xlsx
from kluis.i18n import LANGUAGES
from kluis.register.loader import LoadedRegister
from kluis.register.schema import Register, Retention
from kluis.register.taxonomy import Taxonomy
from kluis.subject_requests import AccessPackage, ErasureOutcome, RequestView


class DocumentFormat(StrEnum):
    """The formats documents are rendered in."""

    pdf = "pdf"
    html = "html"
    md = "md"
    xlsx = "xlsx"


def _lang(loaded: LoadedRegister, language: str) -> Lang:
    return _lang_of(loaded.register, language)


def _lang_of(register: Register, language: str) -> Lang:
    """The document language ``language`` for ``register``'s organisation."""
    if language not in LANGUAGES:
        raise InvalidInput(f"documents are written in {', '.join(LANGUAGES)}, not {language!r}")
    organisation = register.organisation
    return Lang.of(
        language, first_language=organisation.first_language, country=organisation.country
    )


def _format(value: DocumentFormat | str) -> DocumentFormat:
    try:
        return DocumentFormat(value)
    except ValueError:
        formats = ", ".join(DocumentFormat)
        raise InvalidInput(f"documents are rendered as {formats}, not {value!r}") from None


def render_register(
    loaded: LoadedRegister, *, format: DocumentFormat, language: str, today: date
) -> bytes:
    """Render the register of processing activities (Art. 30) as ``format`` in ``language``."""
    lang = _lang(loaded, language)
    view = register_view.build(loaded, lang=lang, today=today)
    match _format(format):
        case DocumentFormat.xlsx:
            return render_xlsx(view, lang=lang, today=today)
        case DocumentFormat.md:
            return render_markdown("register.md", view, lang=lang).encode("utf-8")
        case DocumentFormat.html:
            return render_html("register.html", view, lang=lang, today=today).encode("utf-8")
        case DocumentFormat.pdf:
            return html_to_pdf(render_html("register.html", view, lang=lang, today=today))


def render_notice(
    loaded: LoadedRegister, *, format: DocumentFormat, language: str, today: date
) -> bytes:
    """Render the privacy notice (Art. 13 and 14) as ``format`` in ``language``."""
    lang = _lang(loaded, language)
    chosen = _format(format)
    if chosen is DocumentFormat.xlsx:
        raise InvalidInput("the privacy notice is written for people: render it as pdf, html or md")
    view = notice_view.build(loaded, lang=lang, today=today)
    match chosen:
        case DocumentFormat.md:
            return render_markdown("notice.md", view, lang=lang).encode("utf-8")
        case DocumentFormat.html:
            return render_html("notice.html", view, lang=lang, today=today).encode("utf-8")
        case _:
            return html_to_pdf(render_html("notice.html", view, lang=lang, today=today))


@dataclass(frozen=True)
class Publication:
    """One document of the register's publication: file name, kind, format and language."""

    name: str
    notice: bool
    format: DocumentFormat
    language: str


def publication(loaded: LoadedRegister) -> list[Publication]:
    """Every document of the register, in each language of the organisation.

    The register as PDF, HTML and Markdown per language and once as XLSX (in the first
    language); the privacy notice as PDF, HTML and Markdown per language.
    """
    languages = loaded.register.organisation.languages
    first = loaded.register.organisation.first_language
    documents = [Publication("register.xlsx", False, DocumentFormat.xlsx, first)]
    for language in languages:
        for fmt in (DocumentFormat.pdf, DocumentFormat.html, DocumentFormat.md):
            documents.append(Publication(f"register-{language}.{fmt}", False, fmt, language))
            documents.append(Publication(f"notice-{language}.{fmt}", True, fmt, language))
    return documents


def render_consent_proof(
    proof: ConsentProof, *, format: DocumentFormat, language: str, today: date
) -> bytes:
    """Render the proof of a person's consent (Art. 7(1)) as PDF or HTML in ``language``."""
    lang = _lang_of(proof.register, language)
    view = consent_view.build(proof, lang=lang, today=today)
    match _format(format):
        case DocumentFormat.html:
            return render_html("consent_proof.html", view, lang=lang, today=today).encode("utf-8")
        case DocumentFormat.pdf:
            return html_to_pdf(render_html("consent_proof.html", view, lang=lang, today=today))
        case _:
            raise InvalidInput("a proof of consent is rendered as pdf or html")


def render_access_answer(
    package: AccessPackage, *, format: DocumentFormat, language: str, today: date
) -> bytes:
    """Render the answer to an access request (Art. 15): PDF, HTML, or JSON (the data
    itself, machine-readable)."""
    chosen = _format(format)
    if chosen is DocumentFormat.md or chosen is DocumentFormat.xlsx:
        raise InvalidInput("an answer is rendered as pdf, html or json")
    lang = _lang_of(package.register, language)
    view = access_view.build(package, lang=lang, today=today)
    html = render_html("access_answer.html", view, lang=lang, today=today)
    return html.encode("utf-8") if chosen is DocumentFormat.html else html_to_pdf(html)


def render_erasure_answer(
    outcome: ErasureOutcome,
    *,
    taxonomy: Taxonomy,
    suppressed: bool,
    format: DocumentFormat,
    language: str,
    today: date,
) -> bytes:
    """Render the answer to an erasure request (Art. 17) as PDF or HTML in ``language``."""
    chosen = _format(format)
    if chosen not in (DocumentFormat.pdf, DocumentFormat.html):
        raise InvalidInput("an answer is rendered as pdf, html or json")
    lang = _lang_of(outcome.register, language)
    view = erasure_view.build(
        outcome, taxonomy=taxonomy, suppressed=suppressed, lang=lang, today=today
    )
    html = render_html("erasure_answer.html", view, lang=lang, today=today)
    return html.encode("utf-8") if chosen is DocumentFormat.html else html_to_pdf(html)


def render_request_letter(
    view: RequestView,
    *,
    register: Register,
    taxonomy: Taxonomy,
    format: DocumentFormat,
    language: str,
    today: date,
) -> bytes:
    """Render the letter of a request that is extended, refused or carried out."""
    chosen = _format(format)
    if chosen not in (DocumentFormat.pdf, DocumentFormat.html):
        raise InvalidInput("an answer is rendered as pdf, html or json")
    lang = _lang_of(register, language)
    letter = request_letter_view.build(
        view, register=register, taxonomy=taxonomy, lang=lang, today=today
    )
    html = render_html("request_letter.html", letter, lang=lang, today=today)
    return html.encode("utf-8") if chosen is DocumentFormat.html else html_to_pdf(html)


def access_json(package: AccessPackage) -> bytes:
    """The data of an access answer, machine-readable: every record with its values and
    events, and the consent history."""
    document = {
        "request": package.request_id,
        "kind": package.kind,
        "subject": str(package.subject_id) if package.subject_id else None,
        "records": [
            {
                "record": str(record.record_id),
                "activity": record.activity,
                "source": record.source,
                "values": record.values,
                "events": {name: day.isoformat() for name, day in record.events.items()},
                "created_at": record.created_at.isoformat(),
                "updated_at": record.updated_at.isoformat(),
            }
            for record in package.records
        ],
        "consents": [
            {
                "purpose": event.purpose,
                "action": event.action,
                "at": event.at.isoformat(),
                "version": event.version.isoformat(),
                "channel": event.channel,
            }
            for event in package.consents
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def describe_retention(language: str, retention: Retention | None, *, country: str) -> str:
    """A retention rule as the register and the notice write it, in ``language``."""
    lang = Lang.of(language, first_language=language, country=country)
    return describe(lang, retention)


__all__ = [
    "DocumentFormat",
    "Publication",
    "access_json",
    "describe_retention",
    "publication",
    "render_access_answer",
    "render_consent_proof",
    "render_erasure_answer",
    "render_notice",
    "render_register",
    "render_request_letter",
]
