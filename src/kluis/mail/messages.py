"""The messages Kluis e-mails, in Dutch, English or French: written from the templates in
``templates/`` with the texts of the ``web`` catalogue. Links hold random tokens only,
never an address or a name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined

from kluis.i18n import LANGUAGES, N_, gettext, translations
from kluis.mail.sender import Attachment, Mail
from kluis.subject_requests import RequestView

#: What each kind of request asks for, as the person reads it.
KIND_LABELS: Final = {
    "access": N_("access to your personal data"),
    "rectification": N_("correction of your personal data"),
    "erasure": N_("erasure of your personal data"),
    "restriction": N_("restriction of the processing of your personal data"),
    "portability": N_("a copy of your data to take elsewhere"),
    "objection": N_("objection to the processing of your personal data"),
    "withdrawal": N_("withdrawal of your consent"),
}
#: How a request ended, as the person reads it.
OUTCOME_LABELS: Final = {
    "open": N_("being handled"),
    "answered": N_("answered"),
    "refused": N_("refused"),
}


def t(lang: str, message: str, /, **params: object) -> str:
    return gettext(lang, "web", message, **params)


def kind_label(lang: str, kind: str) -> str:
    """What a request of ``kind`` asks for, in ``lang``."""
    return t(lang, KIND_LABELS.get(kind, kind))


def outcome_label(lang: str, status: str) -> str:
    """Where a request stands (open, answered, refused), in ``lang``."""
    return t(lang, OUTCOME_LABELS.get(status, status))


@cache
def _environment(lang: str) -> Environment:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    env = Environment(
        loader=PackageLoader("kluis.mail", "templates"),
        autoescape=False,  # noqa: S701 - plain-text e-mail, never HTML
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]
        translations(lang, "web"), newstyle=True
    )
    return env


def _text(lang: str, template: str, **context: Any) -> str:
    return _environment(lang).get_template(template).render(lang=lang, **context)


def verification(lang: str, *, organisation: str, kind: str, link: str, hours: int) -> Mail:
    """The link that confirms a request sent through the public form."""
    return Mail(
        t(lang, "Confirm your request to {organisation}", organisation=organisation),
        _text(
            lang,
            "verification.txt",
            organisation=organisation,
            kind=kind_label(lang, kind),
            link=link,
            hours=hours,
        ),
    )


def request_confirmation(lang: str, *, organisation: str, view: RequestView, link: str) -> Mail:
    """The receipt of a request: what was asked, its deadline, and the private status link."""
    return Mail(
        t(lang, "Your request to {organisation} was received", organisation=organisation),
        _text(
            lang,
            "confirmation.txt",
            organisation=organisation,
            kind=kind_label(lang, view.kind),
            received=view.received_at.date().isoformat(),
            due=view.due.isoformat(),
            request=view.id,
            link=link,
        ),
    )


def request_answered(
    lang: str,
    *,
    organisation: str,
    view: RequestView,
    link: str | None,
    attachments: Sequence[Attachment] = (),
) -> Mail:
    """The answer to a request, with its letter (and data) attached, and its status link."""
    return Mail(
        t(lang, "The answer to your request to {organisation}", organisation=organisation),
        _text(
            lang,
            "answered.txt",
            organisation=organisation,
            kind=kind_label(lang, view.kind),
            outcome=outcome_label(lang, view.status),
            refused=view.status == "refused",
            note=view.outcome_note,
            request=view.id,
            link=link,
            files=[attachment.filename for attachment in attachments],
        ),
        tuple(attachments),
    )


def deadline_reminder(
    lang: str, *, requests: Sequence[RequestView], link: str, today: date
) -> Mail:
    """The coordinator's reminder of open requests whose deadline is near or past."""
    overdue = sum(1 for view in requests if view.overdue)
    return Mail(
        t(
            lang,
            "Requests to answer: {count} due soon, {overdue} overdue",
            count=len(requests) - overdue,
            overdue=overdue,
        ),
        _text(
            lang,
            "reminder.txt",
            requests=[
                {
                    "id": view.id,
                    "kind": kind_label(lang, view.kind),
                    "due": view.due.isoformat(),
                    "days": view.days_left,
                    "overdue": view.overdue,
                }
                for view in requests
            ],
            link=link,
            today=today.isoformat(),
        ),
    )


def password_reset(lang: str, *, name: str, link: str, minutes: int) -> Mail:
    """A link to choose a new password for Kluis."""
    return Mail(
        t(lang, "A new password for Kluis"),
        _text(lang, "password_reset.txt", name=name, link=link, minutes=minutes),
    )


def unsubscribe_headers(link: str) -> dict[str, str]:
    """The headers of a direct-marketing message that let the person unsubscribe in one
    click from their mail program (RFC 2369 and RFC 8058)."""
    return {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


__all__ = [
    "KIND_LABELS",
    "OUTCOME_LABELS",
    "deadline_reminder",
    "kind_label",
    "outcome_label",
    "password_reset",
    "request_answered",
    "request_confirmation",
    "unsubscribe_headers",
    "verification",
]
