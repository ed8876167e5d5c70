"""Importing files: columns mapped by name, files read as they come, rows refused with their
row and column (never the value), people matched, reruns and resumptions writing nothing twice."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kluis.audit import verify
from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.vault import AccessDenied, Keyring, RecordInput, store_record
from kluis.vault.importing import (
    ImportFileInvalid,
    file_digest,
    finish_import,
    import_file,
    open_table,
    plan_columns,
    prepare_batch,
    prepared_batches,
    read_batches,
    reserve_batch,
    start_import,
    summary,
    write_batch,
)
from kluis.vault.models import Identifier, ImportJob, ImportRefusal, Record, Subject, SubjectKey
from kluis.vault.policy import activity_policy
from kluis.vault.sealing import open_values
from kluis.vault.writes import Prepared, new_id
from tests.conftest import MARKETING, PAYROLL, RECRUITER

HEADER = "Name;E-mail;phone;Selection End\n"


def _count(session: Session, model: type[object]) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _csv(tmp_path: Path, text: str, name: str = "people.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _people(count: int, start: int = 0) -> str:
    return "".join(
        f"Person {n};person.{n}@example.be;+32 470 {n // 10000:02d} {n % 10000:04d};1/10/2026\n"
        for n in range(start, start + count)
    )


def _import(session: Session, keys: LocalKeyProvider, clock: FixedClock, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    return import_file(
        session,
        Keyring(keys),
        RECRUITER,
        path,
        activity=str(kw.pop("activity", "candidates")),
        at=clock.now(),
        **kw,  # type: ignore[arg-type]
    )


# --- Columns ------------------------------------------------------------------------------


def test_columns_named_like_fields_or_events_map_by_themselves(policy: StoredRegister) -> None:
    candidates = activity_policy(policy, "candidates")
    plan = plan_columns(["NAME", "e mail", "Phone", "selection-end", "Last_Contact"], candidates)
    assert plan.mapping == {
        "NAME": "name",
        "e mail": "email",
        "Phone": "phone",
        "selection-end": "selection_end",
        "Last_Contact": "last_contact",
    }
    assert [column.kind for column in plan.columns] == ["field"] * 3 + ["event"] * 2


def test_map_names_the_other_columns_and_ignore_leaves_columns_out(
    policy: StoredRegister,
) -> None:
    candidates = activity_policy(policy, "candidates")
    plan = plan_columns(
        ["Naam", "Mail", "einde", "Opmerking"],
        candidates,
        {"Naam": "name", "mail": "email", "einde": "selection_end"},
        ["opmerking"],
    )
    assert plan.mapping == {"Naam": "name", "Mail": "email", "einde": "selection_end"}
    assert plan.ignored == ["Opmerking"]


def test_unknown_columns_are_refused_up_front_all_named(policy: StoredRegister) -> None:
    candidates = activity_policy(policy, "candidates")
    with pytest.raises(ImportFileInvalid) as caught:
        plan_columns(["email", "Salary", "Notes"], candidates, file_name="crm.csv")
    message = str(caught.value)
    assert "'Salary', 'Notes'" in message
    assert "crm.csv" in message and "--map" in message and "--ignore" in message
    assert "birth_date" in message  # the fields the activity does have


def test_a_map_to_nothing_the_activity_has_is_refused(policy: StoredRegister) -> None:
    candidates = activity_policy(policy, "candidates")
    with pytest.raises(ImportFileInvalid, match="no field or event 'salary'"):
        plan_columns(["email", "loon"], candidates, {"loon": "salary"})
    with pytest.raises(ImportFileInvalid, match="no column 'Missing'"):
        plan_columns(["email"], candidates, {"Missing": "name"})
    with pytest.raises(ImportFileInvalid, match="both fill 'email'"):
        plan_columns(["email", "mail"], candidates, {"mail": "email"})


# --- Reading files ------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_delimiter_and_utf8_bom_are_recognised(tmp_path: Path, delimiter: str) -> None:
    text = f"name{delimiter}email\nDésirée{delimiter}d@example.be\n"
    path = _csv(tmp_path, text, encoding="utf-8-sig")
    with open_table(path) as table:
        rows = list(table.rows)
        assert table.header == ["name", "email"]
        assert table.delimiter == delimiter
        assert table.encoding == "utf-8-sig"
        assert not table.fell_back
    assert rows[0].cells == ["Désirée", "d@example.be"]
    assert rows[0].number == 2


def test_a_file_that_is_not_utf8_is_read_as_windows_1252_and_says_so(tmp_path: Path) -> None:
    path = _csv(tmp_path, "name;email\nDésirée;d@example.be\n", encoding="cp1252")
    with open_table(path) as table:
        rows = list(table.rows)
        assert table.fell_back and table.encoding == "cp1252"
    assert rows[0].cells[0] == "Désirée"


def test_xlsx_cells_are_read_as_text_and_dates(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Email", "Selection end"])
    sheet.append(["An", "an@example.be", datetime(2026, 10, 15)])
    sheet.append([None, None, None])
    sheet.append(["Bo", "bo@example.be", date(2026, 9, 1)])
    path = tmp_path / "people.xlsx"
    book.save(path)
    with open_table(path) as table:
        assert table.header == ["Name", "Email", "Selection end"]
        rows = list(table.rows)
    assert [row.number for row in rows] == [2, 3, 4]
    assert rows[0].cells == ["An", "an@example.be", "2026-10-15"]
    assert rows[2].cells[2] == "2026-09-01"


def test_other_files_are_refused(tmp_path: Path) -> None:
    with (
        pytest.raises(ImportFileInvalid, match="only CSV"),
        open_table(_csv(tmp_path, "x", name="a.json")),
    ):
        pass
    with (
        pytest.raises(ImportFileInvalid, match="not a readable XLSX"),
        open_table(_csv(tmp_path, "name;email\n", name="fake.xlsx")),
    ):
        pass
    undecodable = tmp_path / "binary.csv"
    undecodable.write_bytes(b"name;email\n\x81\x8d;x@example.be\n")
    with (
        pytest.raises(ImportFileInvalid, match="neither UTF-8 nor Windows-1252"),
        open_table(undecodable),
    ):
        pass


def test_an_xlsx_file_imports_like_a_csv_file(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "E-mail", "Einde"])
    sheet.append(["An", "an@example.be", datetime(2026, 10, 15)])
    sheet.append(["Bo", "not an address", None])
    path = tmp_path / "people.xlsx"
    book.save(path)
    result = _import(session, keys, clock, path, mapping={"einde": "selection_end"})
    assert (result.created, result.refused) == (1, 1)
    assert (result.refusals[0].row, result.refusals[0].column) == (3, "E-mail")
    record = session.execute(select(Record)).scalar_one()
    assert record.selection_end == date(2026, 10, 15)


# --- Importing ----------------------------------------------------------------------------


def test_an_import_writes_each_row_sealed_indexed_and_audited(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, HEADER + _people(30))
    result = _import(session, keys, clock, path, batch_size=7)
    assert (result.rows, result.created, result.refused) == (30, 30, 0)
    assert _count(session, Subject) == 30
    assert _count(session, Record) == 30
    assert _count(session, Identifier) == 60
    assert _count(session, SubjectKey) == 30
    record = session.execute(select(Record).order_by(Record.created_at)).scalars().first()
    assert record is not None
    assert "Person" not in str(record.data)
    assert record.selection_end == date(2026, 10, 1)
    values = open_values(Keyring(keys).cipher(session, record.subject_id), record.id, record.data)
    assert values["email"].startswith("person.") and values["phone"].startswith("+32470")
    creates = session.execute(
        select(AuditEntry.reason).where(AuditEntry.action == "record_create")
    ).scalars()
    assert list(creates) == [f"import {result.job_id}"] * 30
    assert verify(session).intact
    job = session.get(ImportJob, result.job_id)
    assert job is not None and job.status == "done" and job.rows_done == 30


def test_refused_rows_name_row_and_column_never_the_value(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    rows = (
        "An;an@example.be;;\n"  # row 2: fine
        "Bo;bo-at-example.be;;\n"  # row 3: e-mail malformed
        ";;;\n"  # row 4: blank, skipped
        "Cy;cy@example.be;12;\n"  # row 5: phone malformed
        "Di;di@example.be;;31/02/2026\n"  # row 6: no such date
        "Ed;;;\n"  # row 7: no identifier
        "Fa;fa@example.be;;;stray\n"  # row 8: a cell beyond the header
    )
    path = _csv(tmp_path, HEADER + rows)
    result = _import(session, keys, clock, path)
    assert (result.rows, result.created, result.refused) == (7, 1, 5)
    found = {(r.row, r.column) for r in result.refusals}
    assert found == {(3, "E-mail"), (5, "phone"), (6, "Selection End"), (7, None), (8, None)}
    by_row = {r.row: r for r in result.refusals}
    assert "not a valid e-mail address" in by_row[3].reason.format(**by_row[3].params)
    assert "no identifier" in by_row[7].reason
    assert "more than the 4 columns" in by_row[8].reason.format(**by_row[8].params)
    stored = session.execute(select(ImportRefusal.reason, ImportRefusal.params)).all()
    text = repr(stored)
    for value in ("bo-at-example.be", "Bo", "31/02/2026", "stray", "Ed"):
        assert value not in text


def test_the_same_person_is_matched_by_identifiers_not_duplicated(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    known = store_record(
        session,
        Keyring(keys),
        PAYROLL,
        "payroll",
        RecordInput({"email": "an@example.be", "name": "An"}),
        at=clock.now(),
    )
    rows = "An;AN@example.be;;\nAnneke;an@example.be;0470 12 34 56;\nAn P.;;+32470123456;\n"
    result = _import(session, keys, clock, _csv(tmp_path, HEADER + rows), batch_size=2)
    assert (result.created, result.updated, result.refused) == (1, 2, 0)
    assert _count(session, Subject) == 1
    candidate = session.execute(select(Record).where(Record.activity == "candidates")).scalar_one()
    assert candidate.subject_id == known.subject_id
    values = open_values(
        Keyring(keys).cipher(session, candidate.subject_id), candidate.id, candidate.data
    )
    assert values == {"name": "An P.", "email": "an@example.be", "phone": "+32470123456"}


def test_a_second_run_changes_nothing(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, HEADER + _people(25) + "Bad;bad;;\n")
    first = _import(session, keys, clock, path, batch_size=10)
    entries = _count(session, AuditEntry)
    second = _import(session, keys, clock, path, batch_size=10)
    assert (first.created, first.refused) == (25, 1)
    assert (second.created, second.updated, second.unchanged, second.refused) == (0, 0, 25, 1)
    assert second.job_id != first.job_id
    assert _count(session, Record) == 25 and _count(session, Subject) == 25
    assert _count(session, SubjectKey) == 25
    assert _count(session, AuditEntry) == entries  # nothing changed, nothing to audit


def test_a_stopped_import_resumes_after_its_last_batch(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, HEADER + _people(23) + "Bad;bad;;\n")
    digest = file_digest(path)
    with open_table(path) as table:
        setup = start_import(
            session,
            RECRUITER,
            activity="candidates",
            digest=digest,
            file_name=path.name,
            header=table.header,
            at=clock.now(),
        )
        batches = prepared_batches(
            read_batches(table, setup.plan, size=10), setup.policy, Keyring(keys)
        )
        batch = next(batches)  # one batch written, then the run stops
        ring = Keyring(keys)
        reserved = reserve_batch(session, ring, batch, at=clock.now())
        write_batch(session, ring, RECRUITER, setup, batch, at=clock.now(), reserved=reserved)
    with open_table(path) as table:
        again = start_import(
            session,
            RECRUITER,
            activity="candidates",
            digest=digest,
            file_name=path.name,
            header=table.header,
            at=clock.now(),
        )
        assert (again.job_id, again.resumed_from) == (setup.job_id, 10)
        for batch in prepared_batches(
            read_batches(table, again.plan, skip=again.resumed_from, size=10),
            again.policy,
            Keyring(keys),
        ):
            ring = Keyring(keys)
            reserved = reserve_batch(session, ring, batch, at=clock.now())
            write_batch(session, ring, RECRUITER, again, batch, at=clock.now(), reserved=reserved)
    result = finish_import(session, setup.job_id, at=clock.now())
    assert (result.rows, result.created, result.refused) == (24, 23, 1)
    assert _count(session, Record) == 23
    assert summary(session, setup.job_id).refusals[0].row == 25


def test_a_different_mapping_is_a_different_job(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, HEADER + _people(3))
    first = start_import(
        session,
        RECRUITER,
        activity="candidates",
        digest=file_digest(path),
        file_name=path.name,
        header=["Name", "E-mail", "phone", "Selection End"],
        at=clock.now(),
    )
    other = start_import(
        session,
        RECRUITER,
        activity="candidates",
        digest=file_digest(path),
        file_name=path.name,
        header=["Name", "E-mail", "phone", "Selection End"],
        ignore=["Name"],
        at=clock.now(),
    )
    same = start_import(
        session,
        RECRUITER,
        activity="candidates",
        digest=file_digest(path),
        file_name=path.name,
        header=["Name", "E-mail", "phone", "Selection End"],
        mapping={"Name": "name"},
        at=clock.now(),
    )
    assert other.job_id != first.job_id
    assert same.job_id == first.job_id


def test_an_import_outside_ones_roles_is_refused_before_reading_rows(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, HEADER + _people(2))
    with pytest.raises(AccessDenied):
        import_file(session, Keyring(keys), MARKETING, path, activity="candidates", at=clock.now())
    assert _count(session, ImportJob) == 0


def test_checking_in_a_worker_process_gives_the_same_outcomes(
    policy: StoredRegister, keys: LocalKeyProvider, tmp_path: Path
) -> None:
    path = _csv(tmp_path, HEADER + _people(5) + "Bad;bad;;\n")
    candidates = activity_policy(policy, "candidates")
    with open_table(path) as table:
        plan = plan_columns(table.header, candidates)
        batches = list(read_batches(table, plan, size=4))
    here = [prepare_batch(candidates, Keyring(keys).indexer, rows) for rows in batches]
    there = list(prepared_batches(iter(batches), candidates, Keyring(keys), workers=1))
    assert [type(o).__name__ for b in there for o in b.outcomes] == [
        type(o).__name__ for b in here for o in b.outcomes
    ]
    assert [p.digests for b in there for p in b.prepared] == [
        p.digests for b in here for p in b.prepared
    ]
    assert len([p for b in there for p in b.prepared]) == 5
    [refused] = [o for b in there for o in b.outcomes if not isinstance(o, Prepared)]
    assert (refused.row, refused.error.field) == (7, "email")
    assert refused.error.params["activity"] == "candidates"
    assert "not a valid e-mail address" in str(refused.error)


def test_new_ids_are_time_ordered_uuid7(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    first = new_id()
    time.sleep(0.002)
    second = new_id()
    assert (first.version, second.version) == (7, 7)
    assert first < second and first.hex < second.hex  # the same order stored as text
    assert new_id() != new_id()
    _import(session, keys, clock, _csv(tmp_path, HEADER + _people(3)))
    ids = session.execute(select(Record.id, Record.subject_id)).all()
    assert {record.version for pair in ids for record in pair} == {7}
