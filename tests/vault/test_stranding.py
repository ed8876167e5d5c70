"""Applying a register: changes that strand stored data are counted and refused, or their
data erased or moved as the user says; all of it audited."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kluis.audit import verify
from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.core.errors import Conflict, InvalidInput, NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.register.models import RegisterVersion
from kluis.register.schema import Register
from kluis.register.stored import StoredRegister
from kluis.register.versions import register_content
from kluis.vault import (
    Keyring,
    RecordInput,
    ValueKind,
    apply_register,
    find_subjects,
    plan_apply,
    show_subject,
    shred_before_apply,
    store_record,
)
from kluis.vault.models import Identifier, Record, Subject, SubjectKey
from kluis.vault.sealing import open_values
from tests.conftest import (
    ADMIN_ACTOR,
    DPO_ACTOR,
    LEDGER,
    MARKETING,
    PAYROLL,
    RECRUITER,
    consent_for,
)

Mutate = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Seeded:
    """Who is in the vault: three candidates (two with a phone), one of them also on payroll
    and on the newsletter, and one newsletter reader with no other record."""

    an: uuid.UUID
    bo: uuid.UUID
    cas: uuid.UUID
    reader: uuid.UUID


@pytest.fixture
def seeded(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> Seeded:
    ring = Keyring(keys)
    now = clock.now()

    def put(actor: Any, activity: str, values: dict[str, str]) -> uuid.UUID:
        return store_record(
            session,
            ring,
            actor,
            activity,
            RecordInput(values, consent=consent_for(activity)),
            at=now,
            consent=LEDGER,
        ).subject_id

    an = put(
        RECRUITER,
        "candidates",
        {"name": "An Peeters", "email": "an@example.be", "phone": "0470 12 34 56"},
    )
    bo = put(
        RECRUITER,
        "candidates",
        {"name": "Bo Jansen", "email": "bo@example.be", "phone": "0471 65 43 21"},
    )
    cas = put(
        RECRUITER,
        "candidates",
        {"name": "Cas Claes", "email": "cas@example.be", "birth_date": "1990-02-03"},
    )
    put(PAYROLL, "payroll", {"email": "an@example.be", "rrn": "85073003328"})
    put(MARKETING, "newsletter", {"email": "an@example.be"})
    reader = put(MARKETING, "newsletter", {"email": "lezer@example.be"})
    return Seeded(an, bo, cas, reader)


def changed(base: StoredRegister, mutate: Mutate) -> Register:
    data = json.loads(json.dumps(register_content(base.register)))
    mutate(data)
    return Register.model_validate(data)


def activity(data: dict[str, Any], activity_id: str) -> dict[str, Any]:
    return next(a for a in data["activities"] if a["id"] == activity_id)


def drop_newsletter(data: dict[str, Any]) -> None:
    data["activities"].remove(activity(data, "newsletter"))


def drop_phone(data: dict[str, Any]) -> None:
    candidates = activity(data, "candidates")
    del candidates["fields"]["phone"]
    candidates["identifiers"] = ["email"]


def phone_not_identifier(data: dict[str, Any]) -> None:
    activity(data, "candidates")["identifiers"] = ["email"]


def narrow_birth_date(data: dict[str, Any]) -> None:
    activity(data, "candidates")["fields"]["birth_date"] = "user.demographic.age_range"


def phone_as_contact(data: dict[str, Any]) -> None:
    activity(data, "candidates")["fields"]["phone"] = "user.contact"


def no_national_number_ground(data: dict[str, Any]) -> None:
    del activity(data, "payroll")["national_number"]


def add_mailing(data: dict[str, Any], fields: dict[str, str] | None = None) -> None:
    newsletter = activity(data, "newsletter")
    mailing = {**newsletter, "id": "mailing", "fields": fields or {"email": "user.contact.email"}}
    mailing["identifiers"] = ["email"]
    data["activities"].remove(newsletter)
    data["activities"].append(mailing)


def count(session: Session, model: type[object], *where: Any) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def actions(session: Session) -> list[str]:
    return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


@pytest.mark.parametrize(
    ("mutate", "kind", "field", "affected"),
    [
        (drop_newsletter, "activity_removed", None, 2),
        (drop_phone, "field_removed", "phone", 2),
        (phone_not_identifier, "identifier_removed", "phone", 2),
        (narrow_birth_date, "field_category_changed", "birth_date", 1),
        (phone_as_contact, "field_category_changed", "phone", 2),
        (no_national_number_ground, "activity_changed", None, 1),
    ],
    ids=[
        "activity-removed",
        "field-removed",
        "identifier-removed",
        "category-narrowed",
        "identifier-kind-changed",
        "national-number-ground-removed",
    ],
)
def test_each_stranding_change_is_refused_with_its_count(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
    mutate: Mutate,
    kind: str,
    field: str | None,
    affected: int,
) -> None:
    register = changed(policy, mutate)
    plan = plan_apply(session, DPO_ACTOR, register, at=clock.now())
    [refused] = plan.refused
    assert (refused.change.kind.value, refused.change.field, refused.affected) == (
        kind,
        field,
        affected,
    )
    versions = count(session, RegisterVersion)
    with pytest.raises(Conflict) as raised:
        apply_register(session, Keyring(keys), DPO_ACTOR, register, origin="r.yaml", at=clock.now())
    assert raised.value.params["records"] == affected
    assert count(session, RegisterVersion) == versions


def test_a_change_that_strands_nothing_applies_without_a_flag(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> None:
    def mutate(data: dict[str, Any]) -> None:
        activity(data, "candidates")["fields"]["city"] = "user.contact.address.city"
        activity(data, "intake")["retention"]["keep"] = "P6M"
        # Intake holds no record, so removing its field strands nothing.
        del activity(data, "intake")["fields"]["rrn"]

    register = changed(policy, mutate)
    plan = plan_apply(session, ADMIN_ACTOR, register, at=clock.now())
    assert plan.refused == []
    assert {p.change.kind.value for p in plan.changes} == {
        "field_added",
        "activity_changed",
        "field_removed",
    }
    applied = apply_register(
        session, Keyring(keys), ADMIN_ACTOR, register, origin="r.yaml", at=clock.now()
    )
    assert applied is not None
    assert applied.version == policy.version + 1
    stored = session.get(RegisterVersion, applied.version)
    assert stored is not None
    assert stored.author == ADMIN_ACTOR.name
    assert stored.changes == plan.as_dicts()
    assert actions(session)[-1] == "register_apply"


def test_a_new_identifier_indexes_the_records_already_held(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> None:
    def mutate(data: dict[str, Any]) -> None:
        activity(data, "candidates")["identifiers"] = ["email", "phone", "name"]

    assert count(session, Identifier, Identifier.kind == "category:user.name") == 0
    applied = apply_register(
        session, Keyring(keys), DPO_ACTOR, changed(policy, mutate), origin="r.yaml", at=clock.now()
    )
    assert applied is not None
    assert applied.reindexed_records == 3
    assert count(session, Identifier, Identifier.kind == "category:user.name") == 3
    assert count(session, Identifier, Identifier.kind == "phone") == 2


def test_erase_orphans_erases_a_removed_activity_and_shreds_lone_subjects(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> None:
    register = changed(policy, drop_newsletter)
    applied = apply_register(
        session,
        Keyring(keys),
        DPO_ACTOR,
        register,
        origin="r.yaml",
        at=clock.now(),
        erase_orphans=True,
    )
    assert applied is not None
    assert (applied.erased_records, applied.shredded_subjects) == (2, 1)
    assert count(session, Record, Record.activity == "newsletter") == 0
    # The lone reader is crypto-shredded; An keeps her key and her other records.
    assert session.get(Subject, seeded.reader) is None
    assert count(session, SubjectKey, SubjectKey.subject_id == seeded.reader) == 0
    assert count(session, Identifier, Identifier.subject_id == seeded.reader) == 0
    assert count(session, SubjectKey, SubjectKey.subject_id == seeded.an) == 1
    assert count(session, Record, Record.subject_id == seeded.an) == 2
    erased = session.execute(
        select(AuditEntry.subject_id, AuditEntry.detail).where(AuditEntry.action == "record_erase")
    ).all()
    assert {(row.subject_id, row.detail["subject_erased"]) for row in erased} == {
        (seeded.an, False),
        (seeded.reader, True),
    }
    applied_entry = session.execute(
        select(AuditEntry.detail).where(AuditEntry.action == "register_apply")
    ).scalar_one()
    assert applied_entry is not None
    assert applied_entry["erased_records"] == 2
    assert verify(session).intact
    stored = session.get(RegisterVersion, applied.version)
    assert stored is not None
    assert stored.changes == [
        {"kind": "activity_removed", "activity": "newsletter", "affected": 2, "resolution": "erase"}
    ]


def test_the_keys_of_lone_subjects_go_first_in_a_step_of_their_own(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> None:
    register = changed(policy, drop_newsletter)
    # Without a resolution the plan is refused, and nothing is destroyed.
    with pytest.raises(Conflict):
        shred_before_apply(session, Keyring(keys), DPO_ACTOR, register, at=clock.now())
    assert count(session, SubjectKey, SubjectKey.subject_id == seeded.reader) == 1
    destroyed = shred_before_apply(
        session, Keyring(keys), DPO_ACTOR, register, at=clock.now(), erase_orphans=True
    )
    # Only the lone reader's key; the data is still there, unreadable, until the apply.
    assert destroyed == 1
    assert count(session, SubjectKey, SubjectKey.subject_id == seeded.reader) == 0
    assert count(session, SubjectKey, SubjectKey.subject_id == seeded.an) == 1
    assert session.get(Subject, seeded.reader) is not None
    applied = apply_register(
        session,
        Keyring(keys),
        DPO_ACTOR,
        register,
        origin="r.yaml",
        at=clock.now(),
        erase_orphans=True,
    )
    assert applied is not None
    assert (applied.erased_records, applied.shredded_subjects) == (2, 1)
    assert session.get(Subject, seeded.reader) is None


def test_erase_orphans_removes_the_values_and_blind_indexes_of_a_removed_field(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> None:
    ring = Keyring(keys)
    register = changed(policy, drop_phone)
    applied = apply_register(
        session, ring, DPO_ACTOR, register, origin="r.yaml", at=clock.now(), erase_orphans=True
    )
    assert applied is not None
    assert applied.cleared_records == 2
    records = session.execute(select(Record).where(Record.activity == "candidates")).scalars()
    for record in records:
        assert "phone" not in record.data
        assert "phone" not in record.fields.split(",")
        values = open_values(ring.cipher(session, record.subject_id), record.id, record.data)
        assert "email" in values
    assert count(session, Identifier, Identifier.kind == "phone") == 0
    by_phone = find_subjects(
        session, ring, DPO_ACTOR, kind=ValueKind.phone, value="0470 12 34 56", at=clock.now()
    )
    assert by_phone == []
    found = find_subjects(
        session, ring, DPO_ACTOR, kind=ValueKind.email, value="bo@example.be", at=clock.now()
    )
    assert [match.subject_id for match in found] == [seeded.bo]
    updates: list[dict[str, Any]] = [
        dict(detail or {})
        for detail in session.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "record_update")
        ).scalars()
    ]
    assert [d["erased_fields"] for d in updates if "erased_fields" in d] == [["phone"], ["phone"]]


def test_erase_orphans_removes_the_blind_indexes_of_a_former_identifier(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> None:
    ring = Keyring(keys)
    before = count(session, Identifier, Identifier.kind == "phone")
    assert before == 2
    applied = apply_register(
        session,
        ring,
        DPO_ACTOR,
        changed(policy, phone_not_identifier),
        origin="r.yaml",
        at=clock.now(),
        erase_orphans=True,
    )
    assert applied is not None
    assert applied.reindexed_records == 2
    assert count(session, Identifier, Identifier.kind == "phone") == 0
    assert count(session, Identifier, Identifier.kind == "email") == 6
    record = session.execute(
        select(Record).where(Record.subject_id == seeded.an, Record.activity == "candidates")
    ).scalar_one()
    assert "phone" in record.data  # the value stays; only its index is gone
    assert actions(session).count("record_reindex") == 2


def test_erase_orphans_reindexes_an_identifier_of_another_kind(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> None:
    apply_register(
        session,
        Keyring(keys),
        DPO_ACTOR,
        changed(policy, phone_as_contact),
        origin="r.yaml",
        at=clock.now(),
        erase_orphans=True,
    )
    kinds = set(session.execute(select(Identifier.kind).distinct()).scalars())
    assert "phone" not in kinds
    assert "category:user.contact" in kinds
    assert count(session, Identifier, Identifier.kind == "category:user.contact") == 2


def test_erase_orphans_removes_national_numbers_without_ground(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> None:
    apply_register(
        session,
        Keyring(keys),
        DPO_ACTOR,
        changed(policy, no_national_number_ground),
        origin="r.yaml",
        at=clock.now(),
        erase_orphans=True,
    )
    record = session.execute(select(Record).where(Record.activity == "payroll")).scalar_one()
    assert set(record.data) == {"email"}
    assert count(session, Identifier, Identifier.kind == "national_number") == 0


def test_map_moves_a_removed_activity_s_records(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> None:
    ring = Keyring(keys)
    register = changed(policy, add_mailing)
    plan = plan_apply(
        session, DPO_ACTOR, register, at=clock.now(), mappings={"newsletter": "mailing"}
    )
    [removed] = [p for p in plan.changes if p.change.kind.value == "activity_removed"]
    assert (removed.affected, removed.resolution, removed.target) == (2, "map", "mailing")
    applied = apply_register(
        session,
        ring,
        DPO_ACTOR,
        register,
        origin="r.yaml",
        at=clock.now(),
        mappings={"newsletter": "mailing"},
    )
    assert applied is not None
    assert (applied.moved_records, applied.erased_records) == (2, 0)
    assert count(session, Record, Record.activity == "newsletter") == 0
    assert count(session, Record, Record.activity == "mailing") == 2
    view = show_subject(session, ring, DPO_ACTOR, seeded.reader, at=clock.now())
    assert [(r.activity, r.values) for r in view.records] == [
        ("mailing", {"email": "lezer@example.be"})
    ]
    found = find_subjects(
        session, ring, DPO_ACTOR, kind=ValueKind.email, value="lezer@example.be", at=clock.now()
    )
    assert [(m.subject_id, m.activities) for m in found] == [(seeded.reader, ["mailing"])]
    assert actions(session).count("record_move") == 2


def test_map_rebuilds_blind_indexes_for_the_target_s_identifiers(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> None:
    def mutate(data: dict[str, Any]) -> None:
        add_mailing(data)
        activity(data, "mailing")["identifiers"] = []

    applied = apply_register(
        session,
        Keyring(keys),
        DPO_ACTOR,
        changed(policy, mutate),
        origin="r.yaml",
        at=clock.now(),
        mappings={"newsletter": "mailing"},
    )
    assert applied is not None
    assert (applied.moved_records, applied.reindexed_records) == (2, 2)
    moved = select(Record.id).where(Record.activity == "mailing")
    assert count(session, Identifier, Identifier.record_id.in_(moved)) == 0
    assert (
        count(session, Identifier, Identifier.subject_id == seeded.an) == 4
    )  # candidates, payroll


def test_map_refuses_a_target_that_lacks_a_field(
    session: Session, policy: StoredRegister, seeded: Seeded, clock: FixedClock
) -> None:
    register = changed(policy, lambda d: add_mailing(d, {"name": "user.name"}))
    with pytest.raises(Conflict) as raised:
        plan_apply(session, DPO_ACTOR, register, at=clock.now(), mappings={"newsletter": "mailing"})
    assert raised.value.params["field"] == "email"
    assert raised.value.params["count"] == 2
    assert "does not declare" in str(raised.value)


def test_map_refuses_a_target_with_a_record_for_the_same_subject(
    session: Session, policy: StoredRegister, seeded: Seeded, clock: FixedClock
) -> None:
    register = changed(policy, drop_newsletter)
    with pytest.raises(Conflict) as raised:
        plan_apply(
            session, DPO_ACTOR, register, at=clock.now(), mappings={"newsletter": "candidates"}
        )
    assert raised.value.params["count"] == 1
    assert "already have a record" in str(raised.value)


@pytest.mark.parametrize(
    ("mappings", "words"),
    [
        ({"candidates": "payroll"}, "does not remove activity 'candidates'"),
        ({"newsletter": "nowhere"}, "has no activity 'nowhere'"),
    ],
)
def test_map_refuses_what_cannot_be_mapped(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    clock: FixedClock,
    mappings: dict[str, str],
    words: str,
) -> None:
    with pytest.raises(InvalidInput, match=words):
        plan_apply(
            session, DPO_ACTOR, changed(policy, drop_newsletter), at=clock.now(), mappings=mappings
        )


def test_an_identical_register_stores_nothing(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    plan = plan_apply(session, ADMIN_ACTOR, policy.register, at=clock.now())
    assert plan.identical
    assert plan.changes == ()
    entries = count(session, AuditEntry)
    assert (
        apply_register(
            session, Keyring(keys), ADMIN_ACTOR, policy.register, origin="r.yaml", at=clock.now()
        )
        is None
    )
    assert count(session, RegisterVersion) == 1
    assert count(session, AuditEntry) == entries


def test_planning_stores_nothing(
    session: Session, policy: StoredRegister, seeded: Seeded, clock: FixedClock
) -> None:
    entries = count(session, AuditEntry)
    plan_apply(
        session, DPO_ACTOR, changed(policy, drop_newsletter), at=clock.now(), erase_orphans=True
    )
    assert count(session, RegisterVersion) == 1
    assert count(session, Record, Record.activity == "newsletter") == 2
    assert count(session, AuditEntry) == entries


@pytest.mark.parametrize("actor", [RECRUITER, PAYROLL, MARKETING], ids=lambda a: a.name)
def test_only_an_administrator_or_the_dpo_may_apply(
    session: Session,
    policy: StoredRegister,
    keys: LocalKeyProvider,
    clock: FixedClock,
    actor: Any,
) -> None:
    register = changed(policy, lambda d: activity(d, "intake")["retention"].update(keep="P6M"))
    with pytest.raises(NotAllowed):
        plan_apply(session, actor, register, at=clock.now())
    with pytest.raises(NotAllowed):
        apply_register(session, Keyring(keys), actor, register, origin="r.yaml", at=clock.now())
    assert count(session, RegisterVersion) == 1


def test_a_plan_that_no_longer_holds_is_refused(
    session: Session,
    policy: StoredRegister,
    seeded: Seeded,
    keys: LocalKeyProvider,
    clock: FixedClock,
) -> None:
    register = changed(policy, drop_newsletter)
    plan = plan_apply(session, DPO_ACTOR, register, at=clock.now(), erase_orphans=True)
    store_record(
        session,
        Keyring(keys),
        MARKETING,
        "newsletter",
        RecordInput({"email": "nieuw@example.be"}, consent=consent_for("newsletter")),
        at=clock.now(),
        consent=LEDGER,
    )
    with pytest.raises(Conflict, match="changed since the plan"):
        apply_register(
            session,
            Keyring(keys),
            DPO_ACTOR,
            register,
            origin="r.yaml",
            at=clock.now(),
            erase_orphans=True,
            expected=plan,
        )
