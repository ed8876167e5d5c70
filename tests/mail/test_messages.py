"""The messages Kluis e-mails: in the person's language, with the link and nothing else
personal, and the reminder of deadlines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from kluis.config import Smtp
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.mail import (
    Mailer,
    MailNotConfigured,
    deadline_reminder,
    mailer_for,
    password_reset,
    request_answered,
    request_confirmation,
    unsubscribe_headers,
    verification,
)
from kluis.register.versions import StoredRegister
from kluis.subject_requests import Channel, Kind, Outcome, close_request, file_request
from kluis.vault import Keyring, ValueKind
from tests.conftest import DPO_ACTOR
from tests.smtp import SmtpServer, smtp  # noqa: F401


def test_the_verification_link_and_its_validity() -> None:
    mail = verification(
        "en",
        organisation="Acme",
        kind="erasure",
        link="https://k.example/request/verify/T0K",
        hours=24,
    )
    assert mail.subject == "Confirm your request to Acme"
    assert "https://k.example/request/verify/T0K" in mail.text
    assert "erasure of your personal data" in mail.text
    assert "24 hours" in mail.text


@pytest.mark.parametrize("lang", ["nl", "en", "fr"])
def test_every_message_renders_in_each_language(
    lang: str, session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    view = file_request(
        session, Keyring(keys), DPO_ACTOR, kind=Kind.access, channel=Channel.web_form,
        language=lang, identifiers={}, at=clock.now(),
    )  # fmt: skip
    link = "https://k.example/request/status/S7"
    for mail in (
        verification(lang, organisation="Acme", kind="access", link=link, hours=24),
        request_confirmation(lang, organisation="Acme", view=view, link=link),
        request_answered(lang, organisation="Acme", view=view, link=link),
        deadline_reminder(lang, requests=[view], link="https://k.example/requests", today=clock.now().date()),
        password_reset(lang, name="dora", link=link, minutes=60),
    ):  # fmt: skip
        assert mail.subject
        assert "https://k.example/" in mail.text


def test_the_confirmation_gives_the_deadline_and_the_status_link(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    view = file_request(
        session, Keyring(keys), DPO_ACTOR, kind=Kind.access, channel=Channel.web_form,
        language="en", identifiers={ValueKind.email: "an@example.be"}, at=clock.now(),
    )  # fmt: skip
    mail = request_confirmation("en", organisation="Acme", view=view, link="https://k/s/1")
    assert view.due.isoformat() in mail.text
    assert "https://k/s/1" in mail.text
    assert "an@example.be" not in mail.text
    refused = close_request(
        session, DPO_ACTOR, view.id, outcome=Outcome.refused, note="manifestly unfounded",
        at=clock.now(),
    )  # fmt: skip
    answer = request_answered("en", organisation="Acme", view=refused, link=None)
    assert "refused" in answer.text and "manifestly unfounded" in answer.text


def test_one_click_unsubscribe_headers() -> None:
    assert unsubscribe_headers("https://k.example/unsubscribe/abc") == {
        "List-Unsubscribe": "<https://k.example/unsubscribe/abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_the_reminder_lists_requests_due_soon_and_overdue(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    smtp: SmtpServer,
) -> None:
    keyring = Keyring(keys)
    now = clock.now()
    old = file_request(
        session, keyring, DPO_ACTOR, kind=Kind.erasure, channel=Channel.email, language="nl",
        identifiers={}, received_at=now - timedelta(days=40), at=now,
    )  # fmt: skip
    soon = file_request(
        session, keyring, DPO_ACTOR, kind=Kind.access, channel=Channel.email, language="nl",
        identifiers={}, received_at=now - timedelta(days=27), at=now,
    )  # fmt: skip
    mail = deadline_reminder(
        "en", requests=[old, soon], link="https://k/requests", today=now.date()
    )
    mailer_for(smtp.settings, session).send("dpo@example.be", mail)
    text = smtp.inbox.text()
    assert f"Request {old.id} (erasure of your personal data): OVERDUE" in text
    assert f"Request {soon.id} (access to your personal data): answer by" in text
    assert "https://k/requests" in text
    assert smtp.inbox.last()["Subject"] == "Requests to answer: 1 due soon, 1 overdue"


def test_the_register_s_privacy_contact_is_the_sender_by_default(
    session: Session, policy: StoredRegister
) -> None:
    mailer = mailer_for(Smtp(host="127.0.0.1", port=25, security="none"), session)
    assert mailer.sender == "privacy@example.be"
    assert isinstance(mailer_for(None, session), Mailer)
    with pytest.raises(MailNotConfigured):
        mailer_for(None, session).send(
            "x@example.be", password_reset("en", name="d", link="l", minutes=1)
        )
