"""The public pages: the privacy notice, a request sent through the form and filed only
once its address is confirmed (a real SMTP server receives the link), the private status
page, one-click unsubscribe links, and password resets."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kluis.consent import unsubscribe_link
from kluis.storage import transaction
from kluis.subject_requests import ADDRESS_LIMIT
from kluis.subject_requests.models import PublicRequest, SubjectRequest
from kluis.vault import Keyring, RecordInput, ValueKind, identify, store_record, suppressed
from tests.conftest import DPO_ACTOR, LEDGER, PASSWORD, consent_for, csrf_of, give_password, sign_in
from tests.smtp import SmtpServer, mailing, smtp  # noqa: F401

ADDRESS = "an.peeters@example.be"


pytestmark = pytest.mark.usefixtures("english")


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _store(server: Any, activity: str, values: dict[str, str]) -> uuid.UUID:
    state = server.state.kluis
    with transaction(state.engine) as session:
        written = store_record(
            session, Keyring(state.provider), DPO_ACTOR, activity,
            RecordInput(values, consent=consent_for(activity)), at=state.clock.now(),
            consent=LEDGER,
        )  # fmt: skip
    return written.subject_id


def _send(client: Any, **fields: str) -> Any:
    data = {"kind": "access", "email": ADDRESS, "csrf_token": csrf_of(client), **fields}
    return client.post("/request", data=data)


def test_the_privacy_notice_is_public_in_each_language(client: Any) -> None:
    answer = client.get("/privacy/en")
    assert answer.status_code == 200
    assert '<html lang="en"' in answer.text
    assert "sha256-" in answer.headers["content-security-policy"]
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
    dutch = client.get("/privacy", headers={"accept-language": "fr-BE, nl;q=0.5"})
    assert '<html lang="fr"' in dutch.text
    assert client.get("/privacy/de").status_code == 404


def test_a_request_is_filed_once_its_address_is_confirmed(client: Any, mailing: SmtpServer) -> None:
    form = client.get("/request")
    assert form.status_code == 200 and 'name="website"' in form.text
    sent = _send(client, kind="erasure", message="Please erase everything.")
    assert sent.status_code == 200, sent.text
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        assert session.execute(select(SubjectRequest)).first() is None
        pending = session.execute(select(PublicRequest)).scalar_one()
        assert ADDRESS not in (pending.sealed or "")
        assert "erase everything" not in (pending.sealed or "")
    recipients, _message = mailing.inbox.messages[0]
    assert recipients == [ADDRESS]
    verify = _path(mailing.inbox.link(r"https?://[^/\s]+/request/verify/[\w-]+"))
    # Opening the link (as a mail scanner does) files nothing.
    page = client.get(verify)
    assert page.status_code == 200 and "<form" in page.text
    with transaction(state.engine) as session:
        assert session.execute(select(SubjectRequest)).first() is None
    confirmed = client.post(verify, data={"csrf_token": csrf_of(client)})
    assert confirmed.status_code == 200, confirmed.text
    status_url = _path(
        re.search(r"https?://[^/\s\"]+/request/status/[\w-]+", confirmed.text).group(0)
    )
    with transaction(state.engine) as session:
        filed = session.execute(select(SubjectRequest)).scalar_one()
        assert (filed.kind, filed.channel) == ("erasure", "web_form")
    # The person gets the status link by e-mail too.
    assert _path(mailing.inbox.link(r"https?://[^/\s\"]+/request/status/[\w-]+")) == status_url
    status = client.get(status_url)
    assert status.status_code == 200
    assert filed.due.isoformat() in status.text
    assert ADDRESS not in status.text
    # The link works once.
    again = client.post(verify, data={"csrf_token": csrf_of(client)})
    assert again.status_code == 422
    assert client.get(verify).status_code == 422
    # The DPO sees the request in the list.
    sign_in(client, "dora")
    listed = client.get("/requests")
    assert f'href="/requests/{filed.id}"' in listed.text


def test_an_expired_link_files_nothing(client: Any, mailing: SmtpServer) -> None:
    _send(client)
    verify = _path(mailing.inbox.link(r"https?://[^/\s]+/request/verify/[\w-]+"))
    clock = client.app.state.kluis.clock
    clock.moment = clock.moment + timedelta(hours=25)
    assert client.get(verify).status_code == 422
    assert client.post(verify, data={"csrf_token": csrf_of(client)}).status_code == 422
    assert client.get("/request/status/not-a-token").status_code == 404


def test_the_form_is_throttled_per_address_and_has_a_honeypot(
    client: Any, mailing: SmtpServer
) -> None:
    trap = _send(client, website="http://spam.example")
    assert trap.status_code == 200
    assert mailing.inbox.messages == []
    for _ in range(ADDRESS_LIMIT):
        assert _send(client).status_code == 200
    assert _send(client).status_code == 429
    assert len(mailing.inbox.messages) == ADDRESS_LIMIT
    assert _send(client, email="not an address").status_code == 422


def test_the_form_needs_its_csrf_token(client: Any, mailing: SmtpServer) -> None:
    answer = client.post("/request", data={"kind": "access", "email": ADDRESS})
    assert answer.status_code == 403
    assert mailing.inbox.messages == []


def test_without_e_mail_the_form_says_so(client: Any) -> None:
    assert "E-mail is not set up" in client.get("/request").text
    assert _send(client).status_code == 409


READER = "lezer@example.be"


def _suppressed(server: Any) -> bool:
    """Whether the reader's address is on the suppression list."""
    state = server.state.kluis
    with transaction(state.engine) as session:
        index, _found = identify(session, Keyring(state.provider), ValueKind.email, READER)
        return bool(suppressed(session, [index]))


def _unsubscribe_token(client: Any) -> tuple[str, uuid.UUID]:
    subject = _store(client.app, "newsletter", {"email": READER})
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        token = unsubscribe_link(session, subject, actor=DPO_ACTOR, at=state.clock.now())
    return token, subject


def test_unsubscribe_by_the_page_s_button(client: Any) -> None:
    token, _subject = _unsubscribe_token(client)
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "<button>" in page.text
    assert not _suppressed(client.app)
    assert client.post(f"/unsubscribe/{token}", data={}).status_code == 403
    done = client.post(f"/unsubscribe/{token}", data={"csrf_token": csrf_of(client)})
    assert done.status_code == 200
    assert _suppressed(client.app)
    # The reader was only on the newsletter: erased, and the link with them.
    gone = client.get(f"/unsubscribe/{token}")
    assert gone.status_code == 404 and "you are unsubscribed" in gone.text


def test_one_click_unsubscribe_needs_no_csrf_token(server: Any) -> None:
    with TestClient(server, base_url="https://testserver") as mail_program:
        token, _subject = _unsubscribe_token(mail_program)
        answer = mail_program.post(
            f"/unsubscribe/{token}",
            content="List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert answer.status_code == 200
        assert _suppressed(server)
        assert mail_program.get("/unsubscribe/unknown").status_code == 404


def test_a_password_reset_by_e_mail(client: Any, mailing: SmtpServer) -> None:
    give_password(client.app, "dora", email="dora@example.be")
    unknown = client.post(
        "/password/forgot", data={"email": "nobody@example.be", "csrf_token": csrf_of(client)}
    )
    known = client.post(
        "/password/forgot", data={"email": "dora@example.be", "csrf_token": csrf_of(client)}
    )
    assert unknown.status_code == known.status_code == 200
    assert unknown.text.replace(csrf_of(client), "") == known.text.replace(csrf_of(client), "")
    assert [to for to, _m in mailing.inbox.messages] == [["dora@example.be"]]
    reset = _path(mailing.inbox.link(r"https?://[^/\s]+/password/reset/[\w-]+"))
    assert client.get(reset).status_code == 200
    different = client.post(
        reset, data={"password": "a" * 12 + "1", "confirm": "b" * 13, "csrf_token": csrf_of(client)}
    )
    assert different.status_code == 422
    new = "a new and long passphrase"
    done = client.post(reset, data={"password": new, "confirm": new, "csrf_token": csrf_of(client)})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    used = client.post(reset, data={"password": new, "confirm": new, "csrf_token": csrf_of(client)})
    assert used.status_code == 422
    signed = client.post(
        "/login",
        data={"name": "dora", "password": new, "next": "/", "csrf_token": csrf_of(client)},
    )
    assert signed.status_code == 303
    old = client.post(
        "/login",
        data={"name": "dora", "password": PASSWORD, "next": "/", "csrf_token": csrf_of(client)},
    )
    assert old.status_code == 401


def test_without_e_mail_the_reset_page_says_so(client: Any) -> None:
    assert "E-mail is not set up" in client.get("/password/forgot").text
