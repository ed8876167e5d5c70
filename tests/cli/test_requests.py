"""``kluis request``: intake, the list with days left and what is overdue, extension,
identity, closing; JSON for programs; the DPO or an administrator only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.storage import transaction
from kluis.subject_requests import days_left, extended_deadline, first_deadline
from kluis.vault import Keyring, RecordInput, store_record
from tests.cli.conftest import Kluis, VaultHome
from tests.conftest import RECRUITER


def test_a_request_from_intake_to_answer(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis
) -> None:
    with transaction(vault_home.engine) as session:
        written = store_record(
            session, Keyring(LocalKeyProvider(vault_home.keys)), RECRUITER, "candidates",
            RecordInput({"name": "Vera Vraag", "email": "vraag@example.be"}), at=clock.now(),
        )  # fmt: skip
    # The command runs on the real clock: received twenty days ago.
    today = datetime.now(UTC).date()
    received = today - timedelta(days=20)
    due = first_deadline(received)
    filed = kluis(
        "request", "new", "--kind", "access", "--channel", "email",
        "--email", "Vraag@Example.be", "--received", received.isoformat(),
        "--reference", "mailbox thread 14",
    )  # fmt: skip
    assert filed.code == 0, filed.stderr
    text = " ".join(filed.stdout.split())
    left = days_left(due, today)
    assert f"Request 1 (access): answer by {due.isoformat()}, {left} day(s) left." in text
    assert f"match subject {written.subject_id}" in text
    late = kluis(
        "request", "new", "--kind", "erasure", "--channel", "letter",
        "--received", (today - timedelta(days=70)).isoformat(), "--format", "json",
    )  # fmt: skip
    assert json.loads(late.stdout)["overdue"] is True
    listed = kluis("request", "list")
    assert listed.code == 0 and "1 request(s) overdue." in listed.stdout
    extended = kluis("request", "extend", "1", "--reason", "Records in four systems")
    later = extended_deadline(received).isoformat()
    assert f"answer by {later}" in " ".join(extended.stdout.split())
    checked = kluis(
        "request", "identity", "1", "--method", "known_channel", "--outcome", "confirmed"
    )
    assert checked.code == 0, checked.stderr
    closed = kluis("request", "close", "1", "--outcome", "answered")
    assert "Request 1 (access): answered." in " ".join(closed.stdout.split())
    shown = json.loads(kluis("request", "show", "1", "--format", "json").stdout)
    assert (shown["status"], shown["identity_method"], shown["extended"]) == (
        "answered", "known_channel", True,
    )  # fmt: skip
    assert "vraag@example.be" not in json.dumps(shown).lower()
    everything = json.loads(kluis("request", "list", "--all", "--format", "json").stdout)
    assert [item["request"] for item in everything] == [2, 1]


def test_what_is_refused(vault_home: VaultHome, kluis: Kluis) -> None:
    recruiter = kluis("request", "new", "--kind", "access", "--channel", "email", user="rik")
    assert recruiter.code == 5 and "DPO or an administrator" in recruiter.stderr
    bad = kluis("request", "new", "--kind", "access", "--channel", "email", "--email", "no-at-sign")
    assert bad.code != 0 and "e-mail address" in bad.stderr
    missing = kluis("request", "extend", "42", "--reason", "x")
    assert missing.code != 0 and "no request 42" in missing.stderr


def test_an_access_request_answered_in_files(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis, tmp_path: Path
) -> None:
    with transaction(vault_home.engine) as session:
        store_record(
            session, Keyring(LocalKeyProvider(vault_home.keys)), RECRUITER, "candidates",
            RecordInput({"name": "Ines Inzage", "email": "inzage@example.be"}), at=clock.now(),
        )  # fmt: skip
    filed = kluis(
        "request", "new", "--kind", "access", "--channel", "email", "--email", "inzage@example.be",
        "--language", "fr",
    )  # fmt: skip
    assert filed.code == 0, filed.stderr
    answered = kluis("request", "answer", "1", "-o", str(tmp_path / "out"), "--format", "html")
    assert answered.code == 0, answered.stderr
    letter = (tmp_path / "out" / "request-1.html").read_text(encoding="utf-8")
    assert "Ines Inzage" in letter and "Vos données personnelles" in letter
    data = json.loads((tmp_path / "out" / "request-1.json").read_text(encoding="utf-8"))
    assert data["records"][0]["values"]["name"] == "Ines Inzage"
    assert oct((tmp_path / "out" / "request-1.json").stat().st_mode & 0o777) == "0o600"
    admin = kluis("request", "answer", "1", "-o", str(tmp_path / "x"), user="ada")
    assert admin.code == 5 and "only the DPO" in admin.stderr


def test_an_erasure_request_carried_out(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis, tmp_path: Path
) -> None:
    with transaction(vault_home.engine) as session:
        written = store_record(
            session, Keyring(LocalKeyProvider(vault_home.keys)), RECRUITER, "candidates",
            RecordInput({"name": "Wim Wis", "email": "wis@example.be"}), at=clock.now(),
        )  # fmt: skip
    kluis("request", "new", "--kind", "erasure", "--channel", "email", "--email", "wis@example.be",
          "--language", "nl")  # fmt: skip
    done = kluis("request", "erase", "1", "-o", str(tmp_path / "out"), "--format", "html")
    assert done.code == 0, done.stderr
    assert "1 record(s) erased, 0 kept" in " ".join(done.stdout.split())
    letter = (tmp_path / "out" / "request-1.html").read_text(encoding="utf-8")
    assert "Wat we wisten" in letter
    shown = kluis("subject", "show", str(written.subject_id))
    assert shown.code != 0


def test_a_restriction_and_its_lifting(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis
) -> None:
    with transaction(vault_home.engine) as session:
        written = store_record(
            session, Keyring(LocalKeyProvider(vault_home.keys)), RECRUITER, "candidates",
            RecordInput({"name": "Bert Beperk", "email": "beperk@example.be"}), at=clock.now(),
        )  # fmt: skip
    kluis("request", "new", "--kind", "restriction", "--channel", "email",
          "--email", "beperk@example.be")  # fmt: skip
    done = kluis("request", "restrict", "1")
    assert "1 record(s) restricted" in " ".join(done.stdout.split()), done.stderr
    refused = kluis("subject", "show", str(written.subject_id), user="rik")
    assert refused.code != 0 and "restricted" in " ".join(refused.stderr.split())
    today = datetime.now(UTC).date().isoformat()
    lifted = kluis("request", "lift", "1", "--informed-on", today)
    assert "restriction of 1 record(s) lifted" in " ".join(lifted.stdout.split()), lifted.stderr
    assert kluis("subject", "show", str(written.subject_id), user="rik").code == 0


def test_letters_of_an_extension_a_refusal_and_a_correction(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis, tmp_path: Path
) -> None:
    with transaction(vault_home.engine) as session:
        store_record(
            session, Keyring(LocalKeyProvider(vault_home.keys)), RECRUITER, "candidates",
            RecordInput({"name": "Fien Fout", "email": "fout@example.be"}), at=clock.now(),
        )  # fmt: skip
    kluis("request", "new", "--kind", "rectification", "--channel", "email",
          "--email", "fout@example.be", "--language", "fr")  # fmt: skip
    early = kluis("request", "letter", "1", "-o", str(tmp_path))
    assert early.code == 2 and "its letter is its answer" in early.stderr
    kluis("request", "extend", "1", "--reason", "Trois systèmes à vérifier")
    kluis("request", "letter", "1", "-o", str(tmp_path), "--format", "html")
    extension = (tmp_path / "request-1-letter.html").read_text(encoding="utf-8")
    assert "Trois systèmes à vérifier" in extension and "deux mois" in extension
    rectified = kluis(
        "request", "rectify", "1", "--activity", "candidates", "--set", "name=Fien Juist"
    )
    assert "the record in candidates is updated" in " ".join(rectified.stdout.split())
    kluis("request", "close", "1", "--outcome", "answered")
    kluis("request", "letter", "1", "-o", str(tmp_path), "--format", "html")
    answered = (tmp_path / "request-1-letter.html").read_text(encoding="utf-8")
    assert "Nous avons rectifié vos données personnelles" in answered
    kluis("request", "new", "--kind", "access", "--channel", "letter", "--language", "nl")
    kluis("request", "close", "2", "--outcome", "refused", "--note", "Kennelijk ongegrond")
    kluis("request", "letter", "2", "-o", str(tmp_path), "--format", "html")
    refusal = (tmp_path / "request-2-letter.html").read_text(encoding="utf-8")
    assert "Kennelijk ongegrond" in refusal and "naar de rechter" in refusal


def test_an_objection_carried_out(vault_home: VaultHome, clock: FixedClock, kluis: Kluis) -> None:
    with transaction(vault_home.engine) as session:
        store_record(
            session, Keyring(LocalKeyProvider(vault_home.keys)), RECRUITER, "candidates",
            RecordInput({"name": "Bo Bezwaar", "email": "bezwaar@example.be"}), at=clock.now(),
        )  # fmt: skip
    kluis("request", "new", "--kind", "objection", "--channel", "letter",
          "--email", "bezwaar@example.be")  # fmt: skip
    bad = kluis("request", "object", "1", "--overriding-grounds", "candidates")
    assert bad.code == 2 and "ACTIVITY=GROUNDS" in bad.stderr
    done = kluis("request", "object", "1")
    assert done.code == 0, done.stderr
    assert "processing stopped for candidates" in " ".join(done.stdout.split())


def test_a_failed_step_is_tried_again_and_a_done_one_never_twice(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis, tmp_path: Path
) -> None:
    with transaction(vault_home.engine) as session:
        store_record(
            session, Keyring(LocalKeyProvider(vault_home.keys)), RECRUITER, "candidates",
            RecordInput({"name": "Stap Stap", "email": "stap@example.be"}), at=clock.now(),
        )  # fmt: skip
    kluis("request", "new", "--kind", "erasure", "--channel", "email", "--email", "stap@example.be",
          "--language", "fr")  # fmt: skip
    # The letter cannot be written: the folder given is a file.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    failed = kluis("request", "execute", "1", "-o", str(blocked), "--format", "html")
    assert failed.code != 0
    steps = json.loads(kluis("request", "show", "1", "--format", "json").stdout)["steps"]
    assert [(s["step"], s["status"], s["attempts"]) for s in steps] == [
        ("shred", "done", 1), ("erase", "done", 1), ("letter", "failed", 1),
    ]  # fmt: skip
    assert steps[2]["error"] and "stap" not in steps[2]["error"]
    # The next run writes the letter from what the erasure did; it erases nothing again.
    done = kluis("request", "execute", "1", "-o", str(tmp_path / "out"), "--format", "html")
    assert done.code == 0, done.stderr
    assert "step 'erase' was done before; not done again" in " ".join(done.stderr.split())
    assert "1 record(s) erased, 0 kept" in " ".join(done.stdout.split())
    assert "Ce que nous avons effacé" in (tmp_path / "out" / "request-1.html").read_text("utf-8")
    steps = json.loads(kluis("request", "show", "1", "--format", "json").stdout)["steps"]
    assert [(s["step"], s["status"], s["attempts"]) for s in steps] == [
        ("shred", "done", 1), ("erase", "done", 1), ("letter", "done", 2),
    ]  # fmt: skip
    # A lost letter is written again on request, from the same outcome.
    again = kluis(
        "request", "erase", "1", "-o", str(tmp_path / "copy"), "--format", "html", "--again"
    )
    assert again.code == 0 and "1 record(s) erased" in " ".join(again.stdout.split())
    assert (tmp_path / "copy" / "request-1.html").exists()


def test_execute_names_the_command_a_request_needs(vault_home: VaultHome, kluis: Kluis) -> None:
    kluis("request", "new", "--kind", "rectification", "--channel", "email")
    answered = kluis("request", "execute", "1", "-o", "out")
    assert answered.code != 0
    assert "carry it out with: kluis request rectify" in " ".join(answered.stderr.split())
    kluis("request", "new", "--kind", "access", "--channel", "email")
    admin = kluis("request", "execute", "2", "-o", "out", user="ada")
    assert admin.code == 5 and "only the DPO" in admin.stderr
    missing = kluis("request", "execute", "2")
    assert missing.code != 0 and "--output" in missing.stderr
