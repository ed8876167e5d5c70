"""``kluis consent give|withdraw|show``: the same options both ways, the log as JSON and as
tables, what is refused named."""

from __future__ import annotations

import json
from pathlib import Path

from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.storage import transaction
from kluis.vault import Keyring, RecordInput, store_record
from tests.cli.conftest import Kluis, VaultHome
from tests.conftest import LEDGER, MARKETING


def _reader(home: VaultHome, clock: FixedClock) -> str:
    with transaction(home.engine) as session:
        written = store_record(
            session,
            Keyring(LocalKeyProvider(home.keys)),
            MARKETING,
            "newsletter",
            RecordInput(
                {"email": "lezer@example.be"},
                consent={"consent_given": "2026-01-15", "consent_channel": "paper"},
            ),
            at=clock.now(),
            consent=LEDGER,
        )
    return str(written.subject_id)


def test_give_withdraw_and_show(vault_home: VaultHome, clock: FixedClock, kluis: Kluis) -> None:
    subject = _reader(vault_home, clock)
    given = kluis(
        "consent", "give", subject, "--purpose", "newsletter", "--channel", "web_form",
        "--evidence", "form 311", "--at", "2026-03-01T10:30",
    )  # fmt: skip
    assert given.code == 0, given.stderr
    assert f"Consent of {subject} to 'newsletter' recorded: valid." in " ".join(
        given.stdout.split()
    )
    withdrawn = kluis(
        "consent", "withdraw", subject, "--purpose", "newsletter", "--channel", "email",
        user="mark",
    )  # fmt: skip
    assert withdrawn.code == 0, withdrawn.stderr
    assert "recorded: withdrawn." in " ".join(withdrawn.stdout.split())
    shown = json.loads(kluis("consent", "show", subject, "--format", "json").stdout)
    (purpose,) = shown["purposes"]
    assert (purpose["purpose"], purpose["state"]) == ("newsletter", "withdrawn")
    assert purpose["given"] == "2026-03-01T10:30:00+00:00"
    assert [
        (e["action"], e["channel"], e["language"], e["evidence"]) for e in shown["history"]
    ] == [
        ("given", "paper", "nl", None),
        ("given", "web_form", "nl", "form 311"),
        ("withdrawn", "email", "nl", None),
    ]
    table = kluis("consent", "show", subject)
    assert table.code == 0 and "newsletter" in table.stdout and "form 311" in table.stdout


def test_what_is_refused_is_named(vault_home: VaultHome, clock: FixedClock, kluis: Kluis) -> None:
    subject = _reader(vault_home, clock)
    wrong = kluis("consent", "give", subject, "--purpose", "lottery", "--channel", "email")
    assert wrong.code != 0 and "no consent purpose 'lottery'" in wrong.stderr
    payroll = kluis(
        "consent", "give", subject, "--purpose", "newsletter", "--channel", "email", user="paula"
    )
    assert payroll.code == 5 and "may not record consent" in payroll.stderr
    bad_moment = kluis(
        "consent", "give", subject, "--purpose", "newsletter", "--channel", "email", "--at", "soon"
    )
    assert bad_moment.code == 2 and "'soon' is not an ISO date or moment" in bad_moment.stderr
    bad_id = kluis("consent", "show", "nobody")
    assert bad_id.code == 2


def test_the_proof_is_written(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis, tmp_path: Path
) -> None:
    subject = _reader(vault_home, clock)
    kluis("consent", "give", subject, "--purpose", "newsletter", "--channel", "paper")
    target = tmp_path / "proof.html"
    written = kluis(
        "consent", "proof", subject, "--purpose", "newsletter", "-o", str(target),
        "--format", "html", "--document-language", "fr",
    )  # fmt: skip
    assert written.code == 0, written.stderr
    assert "Preuve du consentement" in target.read_text(encoding="utf-8")


def test_an_objection_and_an_import_after_it(
    vault_home: VaultHome, clock: FixedClock, kluis: Kluis, tmp_path: Path
) -> None:
    subject = _reader(vault_home, clock)
    done = kluis("consent", "object", subject, "--channel", "email", "--unsubscribe")
    assert done.code == 0, done.stderr
    assert "1 identifier(s) added to the suppression list" in " ".join(done.stdout.split())
    assert "1 record(s) erased" in " ".join(done.stdout.split())
    # The reader is gone entirely (newsletter was their only activity); their address stays
    # on the list, so importing it again into the newsletter is refused, by row.
    listing = tmp_path / "lezers.csv"
    listing.write_text(
        "email,consent_given,consent_channel\n"
        "lezer@example.be,2026-11-01,web_form\n"
        "nieuw@example.be,2026-11-01,web_form\n"
        "zonder@example.be,,\n",
        encoding="utf-8",
    )
    imported = kluis(
        "import", str(listing), "--activity", "newsletter", "--format", "json", user="mark"
    )
    assert imported.code == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert (report["created"], report["refused"]) == (1, 2)
    assert report["refusals"][0]["row"] == 2
    assert "objected to direct marketing" in report["refusals"][0]["reason"]
    # A row without consent is refused too: the newsletter rests on consent.
    assert report["refusals"][1]["row"] == 4
    assert "consent is none" in report["refusals"][1]["reason"]
