"""The Register pages: the applied register in the visitor's language, its findings, its
documents, and a new version uploaded, planned and applied."""

from __future__ import annotations

import html
import re
from typing import Any

from kluis.register.versions import current_version
from kluis.storage import transaction
from kluis.vault import RecordInput, record_count, store_record
from tests.conftest import LEDGER, RECRUITER, VAULT_REGISTER, consent_for, csrf_of, sign_in

FIXTURE = VAULT_REGISTER.read_text(encoding="utf-8")
#: The fixture without its one check error (activity intake holds a national number without
#: a ground), so that it can be applied as a new version.
CLEAN = FIXTURE.replace(
    "data_categories: [user.name, user.contact.email, "
    "user.government_id.national_identification_number.be_rrn]\n"
    "    fields: {name: user.name, email: user.contact.email, "
    "rrn: user.government_id.national_identification_number.be_rrn}",
    "data_categories: [user.name, user.contact.email]\n"
    "    fields: {name: user.name, email: user.contact.email}",
)


def _version(server: Any) -> int:
    with transaction(server.state.kluis.engine) as session:
        found = current_version(session)
        assert found is not None
        return found.version


def _upload(client: Any, text: str, name: str = "register.yaml", **data: str) -> Any:
    return client.post(
        "/register/upload",
        data={"csrf_token": csrf_of(client), **data},
        files={"file": (name, text.encode("utf-8"), "application/yaml")},
    )


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, name
    return found.group(1)


def test_the_register_lists_the_activities_of_the_applied_version(client: Any) -> None:
    sign_in(client, "rik")
    answer = client.get("/register")
    assert answer.status_code == 200
    assert "Testwerving BV" in answer.text
    for activity in ("candidates", "payroll", "newsletter", "intake"):
        assert f'href="/register/activities/{activity}"' in answer.text
    assert "Kandidaten" in answer.text  # the register's own words, in the visitor's language
    assert "/register/upload" not in answer.text  # only for those who may apply a register
    assert "/register/download/pdf?lang=fr" in answer.text


def test_an_activity_page_says_what_the_register_says(client: Any) -> None:
    sign_in(client, "rik")
    answer = client.get("/register/activities/payroll")
    assert answer.status_code == 200
    assert "Lonen betalen" in answer.text
    assert "<code>iban</code>" in answer.text and "<code>rrn</code>" in answer.text
    assert "Vijf jaar na het einde van de tewerkstelling" in answer.text
    assert "Loonadministratie" in answer.text  # the role with access
    assert client.get("/register/activities/nothing").status_code == 404


def test_the_findings_of_the_applied_register(client: Any) -> None:
    sign_in(client, "dora")
    answer = client.get("/register/findings")
    assert answer.status_code == 200
    # The test register gives activity intake a national number without a ground.
    assert "<code>KL306</code>" in answer.text
    assert "activities › intake" in answer.text


def test_an_invalid_upload_shows_the_line_and_applies_nothing(client: Any) -> None:
    sign_in(client, "ada")
    broken = FIXTURE.replace("  - id: payroll\n    name:", "  - id: payroll\n    nmae:")
    line = broken.splitlines().index("    nmae: {nl: Loonadministratie, en: Payroll}") + 1
    answer = _upload(client, broken, name="ours.yaml")
    assert answer.status_code == 422
    assert f"ours.yaml:{line}:" in answer.text
    assert "nmae" in answer.text
    assert 'action="/register/apply"' not in answer.text
    assert _version(client.app) == 1


def test_the_test_register_is_clean_but_for_its_national_number() -> None:
    assert CLEAN != FIXTURE


def test_an_upload_that_is_not_utf_8_is_refused(client: Any) -> None:
    sign_in(client, "ada")
    answer = client.post(
        "/register/upload",
        data={"csrf_token": csrf_of(client)},
        files={"file": ("old.yaml", "naam: Café".encode("latin-1"), "application/yaml")},
    )
    assert answer.status_code == 422
    assert "UTF-8" in answer.text
    assert _version(client.app) == 1


def test_a_changed_register_shows_its_plan_and_is_applied(client: Any) -> None:
    sign_in(client, "ada")
    assert client.get("/register").text.count("/register/upload") >= 1
    changed = CLEAN.replace(
        "name: {nl: Nieuwsbrief, en: Newsletter}",
        "name: {nl: Nieuwsbrief, en: Newsletter, fr: Lettre d'information}",
    )
    plan = _upload(client, changed)
    assert plan.status_code == 200, plan.text
    assert "newsletter" in plan.text
    digest = _hidden(plan.text, "digest")
    assert digest[:16] in plan.text  # the digest shown is the one sent back
    shown = re.search(r'<textarea id="f-text" name="text"[^>]*>\n(.*?)</textarea>', plan.text, re.S)
    assert shown is not None
    text = html.unescape(shown.group(1))  # what the browser sends back
    assert text == changed
    applied = client.post(
        "/register/apply",
        data={"csrf_token": csrf_of(client), "text": text, "digest": digest, "name": "ours.yaml"},
    )
    assert applied.status_code == 303, applied.text
    assert _version(client.app) == 2
    client.cookies.set("kluis_lang", "fr")
    assert "Lettre d" in client.get("/register/activities/newsletter").text


def test_a_plan_other_than_the_one_shown_is_not_applied(client: Any) -> None:
    sign_in(client, "dora")
    changed = CLEAN.replace("Filling vacancies", "Filling our vacancies")
    plan = _upload(client, changed)
    assert plan.status_code == 200
    answer = client.post(
        "/register/apply",
        data={"csrf_token": csrf_of(client), "text": changed, "digest": "0" * 64},
    )
    assert answer.status_code == 409
    assert _hidden(answer.text, "digest") == _hidden(plan.text, "digest")
    assert _version(client.app) == 1


def test_a_removal_that_strands_records_needs_a_decision(client: Any) -> None:
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        store_record(
            session,
            state.keyring(),
            RECRUITER,
            "intake",
            RecordInput({"email": "jan@example.be"}, consent=consent_for("intake")),
            at=state.clock.now(),
            consent=LEDGER,
        )
    start = FIXTURE.index("  - id: intake")
    without = FIXTURE[:start]
    sign_in(client, "ada")
    refused = _upload(client, without)
    assert refused.status_code == 200
    assert 'action="/register/apply"' not in refused.text
    erased = _upload(client, without, erase_orphans="1")
    assert 'action="/register/apply"' in erased.text
    applied = client.post(
        "/register/apply",
        data={
            "csrf_token": csrf_of(client),
            "text": without,
            "digest": _hidden(erased.text, "digest"),
            "erase_orphans": "1",
        },
    )
    assert applied.status_code == 303, applied.text
    with transaction(state.engine) as session:
        assert record_count(session, "intake") == 0


def test_only_administrators_and_the_dpo_upload(client: Any) -> None:
    sign_in(client, "rik")
    assert client.get("/register/upload").status_code == 403
    assert _upload(client, FIXTURE).status_code == 403
    answer = client.post(
        "/register/apply", data={"csrf_token": csrf_of(client), "text": FIXTURE, "digest": "x"}
    )
    assert answer.status_code == 403


def test_the_register_downloads_as_a_spreadsheet_and_web_page(client: Any) -> None:
    sign_in(client, "paula")
    sheet = client.get("/register/download/xlsx?lang=en")
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert sheet.headers["content-disposition"] == 'attachment; filename="register-en.xlsx"'
    assert sheet.content[:2] == b"PK"
    html = client.get("/register/download/html?lang=fr")
    assert html.headers["content-type"].startswith("text/html")
    assert "Testwerving BV" in html.text
    assert client.get("/register/download/docx").status_code == 404


def test_the_privacy_notice_downloads_as_pdf(client: Any) -> None:
    sign_in(client, "paula")
    answer = client.get("/register/notice/pdf?lang=nl")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="notice-nl.pdf"'
    assert answer.content.startswith(b"%PDF")


def test_documents_need_a_signed_in_user(client: Any) -> None:
    answer = client.get("/register/download/xlsx")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")
