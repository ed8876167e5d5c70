"""Requests in the web interface: the list, filing, the identity check, the extension,
carrying out an access request by its steps, the letter previewed, the answer downloaded
and e-mailed, and who may see any of it."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from kluis.storage import transaction
from kluis.subject_requests.models import RequestStep, SubjectRequest
from kluis.vault import Keyring, RecordInput, store_record
from tests.conftest import DPO_ACTOR, LEDGER, consent_for, csrf_of, sign_in
from tests.smtp import SmtpServer, mailing, smtp  # noqa: F401

ADDRESS = "jan.janssens@example.be"


pytestmark = pytest.mark.usefixtures("english")


def _candidate(server: Any) -> None:
    state = server.state.kluis
    with transaction(state.engine) as session:
        store_record(
            session, Keyring(state.provider), DPO_ACTOR, "candidates",
            RecordInput({"name": "Jan Janssens", "email": ADDRESS},
                        consent=consent_for("candidates")),
            at=state.clock.now(), consent=LEDGER,
        )  # fmt: skip


def _file(client: Any, kind: str = "access", **extra: str) -> int:
    data = {"kind": kind, "channel": "email", "language": "en", "email": ADDRESS,
            "csrf_token": csrf_of(client), **extra}  # fmt: skip
    answer = client.post("/requests/new", data=data)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/requests/(\d+)", answer.headers["location"])
    assert found
    return int(found.group(1))


def test_only_privacy_staff_see_requests(client: Any) -> None:
    sign_in(client, "rik")
    assert client.get("/requests").status_code == 403
    assert client.get("/requests/new").status_code == 403
    assert client.get("/requests/1").status_code == 403


def test_file_check_extend_execute_preview_and_send(client: Any, mailing: SmtpServer) -> None:
    _candidate(client.app)
    sign_in(client, "dora")
    request_id = _file(client)
    # The identifiers went in the body, and are nowhere in the addresses.
    detail = client.get(f"/requests/{request_id}")
    assert detail.status_code == 200
    assert "a person matches" in detail.text
    listed = client.get("/requests?kind=access&status=open")
    assert f'href="/requests/{request_id}"' in listed.text
    assert f'href="/requests/{request_id}"' not in client.get("/requests?kind=erasure").text
    csrf = csrf_of(client)
    assert client.post(f"/requests/{request_id}/identity",
                       data={"method": "known_channel", "outcome": "confirmed",
                             "csrf_token": csrf}).status_code == 303  # fmt: skip
    extended = client.post(f"/requests/{request_id}/extend",
                           data={"reason": "Many records in many systems", "csrf_token": csrf})  # fmt: skip
    assert extended.status_code == 303
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        stored = session.get(SubjectRequest, request_id)
        assert stored is not None
        assert stored.identity_outcome == "confirmed"
        assert stored.extended_due is not None
    # The second extension is refused by the service.
    again = client.post(f"/requests/{request_id}/extend",
                        data={"reason": "again", "csrf_token": csrf})  # fmt: skip
    assert again.status_code == 409
    executed = client.post(f"/requests/{request_id}/execute", data={"csrf_token": csrf})
    assert executed.status_code == 303, executed.text
    with transaction(state.engine) as session:
        step = session.execute(
            select(RequestStep).where(RequestStep.request_id == request_id)
        ).scalar_one()
        assert (step.step, step.status, step.result) == ("answer", "done", {"records": 1})
    # Run again: the step done is not done again.
    client.post(f"/requests/{request_id}/execute", data={"csrf_token": csrf})
    with transaction(state.engine) as session:
        assert session.get(RequestStep, step.id).attempts == 1  # type: ignore[union-attr]
    preview = client.get(f"/requests/{request_id}/preview")
    assert preview.status_code == 200
    assert "Jan Janssens" in preview.text
    assert "<style>" not in preview.text
    history = client.get(f"/requests/{request_id}").text
    assert "Deadline extended" in history and "Step: Writing the answer (done)" in history
    assert "request_extend" not in history
    package = client.get(f"/requests/{request_id}/answer.zip")
    assert package.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(package.content)).namelist()
    assert names == [f"request-{request_id}.pdf", f"request-{request_id}.json"]
    sent = client.post(f"/requests/{request_id}/send",
                       data={"outcome": "answered", "email": ADDRESS, "csrf_token": csrf})  # fmt: skip
    assert sent.status_code == 303
    recipients, message = mailing.inbox.messages[-1]
    assert recipients == [ADDRESS]
    attached = [part.get_filename() for part in message.iter_attachments()]
    assert attached == [f"request-{request_id}.pdf", f"request-{request_id}.json"]
    with transaction(state.engine) as session:
        assert session.get(SubjectRequest, request_id).status == "answered"  # type: ignore[union-attr]
    closed = client.get(f"/requests/{request_id}")
    assert "letter.pdf" in closed.text
    letter = client.get(f"/requests/{request_id}/letter.pdf")
    assert letter.content.startswith(b"%PDF")


def test_a_refusal_needs_reasons_and_without_e_mail_nothing_is_sent(client: Any) -> None:
    sign_in(client, "dora")
    request_id = _file(client, kind="rectification")
    page = client.get(f"/requests/{request_id}").text
    assert "E-mail is not set up" in page
    # Nobody matches: there is no record to correct (the form is for a matched person).
    assert "there is no record to correct" in page
    assert "command line" not in page
    csrf = csrf_of(client)
    assert (
        client.post(f"/requests/{request_id}/execute", data={"csrf_token": csrf}).status_code == 409
    )
    refused = client.post(f"/requests/{request_id}/send",
                          data={"outcome": "refused", "csrf_token": csrf})  # fmt: skip
    assert refused.status_code == 422
    done = client.post(f"/requests/{request_id}/send",
                       data={"outcome": "refused", "note": "manifestly unfounded",
                             "csrf_token": csrf})  # fmt: skip
    assert done.status_code == 303
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        stored = session.get(SubjectRequest, request_id)
        assert stored is not None and stored.status == "refused"


def test_an_invalid_identifier_is_refused_on_the_form(client: Any) -> None:
    sign_in(client, "dora")
    answer = client.post("/requests/new", data={
        "kind": "access", "channel": "email", "language": "en", "email": "not an address",
        "csrf_token": csrf_of(client)})  # fmt: skip
    assert answer.status_code == 422
    assert "not an address" in answer.text  # the form keeps what was typed
    assert client.get("/requests?status=all").text.count('href="/requests/') == 1  # "new" only
