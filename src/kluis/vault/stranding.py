"""Applying a new register to the vault without stranding what it holds.

A register change strands stored data when the vault would keep values the new register no
longer declares: records of a removed activity, values of a removed field or of a field whose
category no longer covers what was collected, blind indexes of a field that is no longer an
identifier, national numbers in an activity that lost its ground for them. The plan counts
the records each change touches; a change that touches any is refused unless the user says
what becomes of them: erased (records deleted, subjects left without records crypto-shredded,
values and blind indexes removed), or, for a removed activity, moved onto another activity
that declares every field the records hold. Everything is audited in the same transaction as
the new register version.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from kluis.audit import Event, record_events
from kluis.core.actor import Actor
from kluis.core.errors import Conflict, InvalidInput, NotAllowed
from kluis.register.diff import Change, ChangeKind, diff_registers
from kluis.register.schema import Register
from kluis.register.stored import StoredRegister
from kluis.register.taxonomy import builtin_taxonomy
from kluis.register.versions import content_hash, current_version, require_version, save_version
from kluis.vault.erasure import activity_records, drop_records, shred_orphans
from kluis.vault.keyring import Keyring
from kluis.vault.models import Identifier, Record
from kluis.vault.policy import ActivityPolicy, ValueKind, all_policies, index_form
from kluis.vault.sealing import open_values

_CHUNK: Final = 500
#: The reason written in the audit log for changes a register version makes.
REASON: Final = "register version {version} applied"

Resolution = Literal["erase", "map"]


@dataclass(frozen=True)
class PlannedChange:
    """A change of the plan, the records of the vault it strands, and what becomes of them."""

    change: Change
    #: Records holding data this change would strand (0: the change strands nothing).
    affected: int = 0
    resolution: Resolution | None = None
    #: The activity the records are moved to, for ``resolution == "map"``.
    target: str | None = None

    @property
    def refused(self) -> bool:
        """Whether the change strands data and nobody said what becomes of it."""
        return self.affected > 0 and self.resolution is None

    def as_dict(self) -> dict[str, object]:
        """The planned change as plain data, as stored with the register version."""
        data = self.change.as_dict()
        if self.affected:
            data["affected"] = self.affected
        if self.resolution is not None:
            data["resolution"] = self.resolution
        if self.target is not None:
            data["target"] = self.target
        return data


@dataclass(frozen=True)
class Plan:
    """What applying a register would change, before anything is stored."""

    content_hash: str
    #: The version applied now and its hash; None on an empty vault.
    current: int | None
    current_hash: str | None
    changes: tuple[PlannedChange, ...]

    @property
    def identical(self) -> bool:
        """Whether the register is the one applied now (same content hash)."""
        return self.current_hash == self.content_hash

    @property
    def refused(self) -> list[PlannedChange]:
        """The changes that strand data nobody said what becomes of."""
        return [planned for planned in self.changes if planned.refused]

    def as_dicts(self) -> list[dict[str, object]]:
        """Every planned change as plain data."""
        return [planned.as_dict() for planned in self.changes]


@dataclass(frozen=True)
class Applied:
    """What applying a register did."""

    version: int
    content_hash: str
    changes: int
    erased_records: int
    shredded_subjects: int
    cleared_records: int
    moved_records: int
    reindexed_records: int


@dataclass
class _Work:
    """What the data of the vault undergo when the plan is applied."""

    erase_activities: list[str] = field(default_factory=list)
    moves: dict[str, str] = field(default_factory=dict)
    erase_fields: dict[str, set[str]] = field(default_factory=dict)
    reindex: set[str] = field(default_factory=set)


# --- counting -----------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _holding(activity: str, fields: Iterable[str]) -> ColumnElement[bool]:
    """Records of ``activity`` holding a value for any of ``fields`` (by the names they hold)."""
    conditions: list[ColumnElement[bool]] = []
    for name in sorted(set(fields)):
        escaped = _escape(name)
        conditions.extend(
            (
                Record.fields == name,
                Record.fields.like(f"{escaped},%", escape="\\"),
                Record.fields.like(f"%,{escaped}", escape="\\"),
                Record.fields.like(f"%,{escaped},%", escape="\\"),
            )
        )
    return and_(Record.activity == activity, or_(*conditions))


def _count(session: Session, where: ColumnElement[bool]) -> int:
    return session.execute(select(func.count()).select_from(Record).where(where)).scalar_one()


def records_of(session: Session, activity: str) -> int:
    """How many records ``activity`` holds."""
    return _count(session, Record.activity == activity)


def records_holding(session: Session, activity: str, fields: Iterable[str]) -> int:
    """How many records of ``activity`` hold a value for any of ``fields``."""
    names = list(fields)
    return _count(session, _holding(activity, names)) if names else 0


def fields_held(session: Session, activity: str) -> Counter[str]:
    """For each field the records of ``activity`` hold, how many records hold it."""
    held: Counter[str] = Counter()
    rows = session.execute(
        select(Record.fields, func.count())
        .where(Record.activity == activity)
        .group_by(Record.fields)
    )
    for names, count in rows:
        for name in filter(None, (names or "").split(",")):
            held[name] += count
    return held


# --- planning -----------------------------------------------------------------------------


def _identifier_specs(policy: ActivityPolicy) -> set[tuple[str, str]]:
    return {(spec.name, spec.index_kind) for spec in policy.identifiers}


def _field_strands_values(old: ActivityPolicy, new: ActivityPolicy, change: Change) -> bool:
    """Whether values stored under the old category are no longer allowed under the new one."""
    assert change.field is not None
    was, now = old.fields[change.field], new.fields[change.field]
    if change.narrowing:
        return True
    if now.kind is ValueKind.national_number and not new.national_number_allowed:
        return True
    return was.kind is not now.kind and now.kind is not ValueKind.text


def _national_numbers_withdrawn(old: ActivityPolicy, new: ActivityPolicy) -> list[str]:
    """National-number fields of an activity that lost its ground for them."""
    if not old.national_number_allowed or new.national_number_allowed:
        return []
    return [spec.name for spec in new.fields.values() if spec.kind is ValueKind.national_number]


class _Planner:
    """Evaluates each change of the diff against the records the vault holds."""

    def __init__(
        self,
        session: Session,
        old: Mapping[str, ActivityPolicy],
        new: Mapping[str, ActivityPolicy],
        erase_orphans: bool,
        mappings: Mapping[str, str],
    ) -> None:
        self.session, self.old, self.new = session, old, new
        self.erase_orphans, self.mappings = erase_orphans, mappings
        self.work = _Work()

    def plan(self, change: Change) -> PlannedChange:
        activity = change.activity
        planned = PlannedChange(change)
        if activity is None:
            return planned
        match change.kind:
            case ChangeKind.activity_removed:
                planned = self._removed(change, activity)
            case ChangeKind.field_removed:
                assert change.field is not None
                planned = self._fields(change, activity, [change.field])
            case ChangeKind.field_category_changed:
                assert change.field is not None
                if _field_strands_values(self.old[activity], self.new[activity], change):
                    planned = self._fields(change, activity, [change.field])
                else:
                    planned = self._identifier(change, activity)
            case ChangeKind.identifier_removed:
                planned = self._identifier(change, activity)
            case ChangeKind.activity_changed:
                withdrawn = _national_numbers_withdrawn(self.old[activity], self.new[activity])
                planned = self._fields(change, activity, withdrawn)
        return planned

    def _resolved(self, change: Change, affected: int) -> PlannedChange:
        if affected and self.erase_orphans:
            return PlannedChange(change, affected, "erase")
        return PlannedChange(change, affected)

    def _removed(self, change: Change, activity: str) -> PlannedChange:
        affected = records_of(self.session, activity)
        target = self.mappings.get(activity)
        if target is not None:
            self.work.moves[activity] = target
            return PlannedChange(change, affected, "map", target)
        if affected and self.erase_orphans:
            self.work.erase_activities.append(activity)
        return self._resolved(change, affected)

    def _fields(self, change: Change, activity: str, fields: Sequence[str]) -> PlannedChange:
        affected = records_holding(self.session, activity, fields)
        if affected and self.erase_orphans:
            self.work.erase_fields.setdefault(activity, set()).update(fields)
        return self._resolved(change, affected)

    def _identifier(self, change: Change, activity: str) -> PlannedChange:
        """A field whose blind index goes away (no longer an identifier, or of another kind)."""
        assert change.field is not None
        spec = self.old[activity].fields[change.field]
        new_spec = self.new[activity].fields.get(change.field)
        if new_spec is None or not spec.identifier:
            # A removed field takes its blind indexes with it: counted as the field's change.
            return PlannedChange(change)
        if change.kind is ChangeKind.field_category_changed and (
            not new_spec.identifier or new_spec.index_kind == spec.index_kind
        ):
            # No longer an identifier at all: counted as the identifier's own change.
            return PlannedChange(change)
        return self._resolved(change, records_holding(self.session, activity, [change.field]))


def _check_mapping(
    session: Session,
    *,
    source: str,
    target: str,
    old: Mapping[str, ActivityPolicy],
    new: Mapping[str, ActivityPolicy],
    removed: set[str],
) -> None:
    """Refuse a mapping the target cannot take, naming the problem."""
    if source not in removed:
        raise InvalidInput(
            "--map {source}={target}: the new register does not remove activity '{source}'; "
            "only a removed activity's records can be mapped",
            source=source,
            target=target,
        )
    policy = new.get(target)
    if policy is None:
        raise InvalidInput(
            "--map {source}={target}: the new register has no activity '{target}'",
            source=source,
            target=target,
        )
    if policy.activity.status == "ended":
        raise Conflict(
            "--map {source}={target}: activity '{target}' has ended; it takes no more records",
            source=source,
            target=target,
        )
    for name, count in sorted(fields_held(session, source).items()):
        spec = policy.fields.get(name)
        if spec is None:
            raise Conflict(
                "--map {source}={target}: {count} record(s) hold field '{field}', which "
                "'{target}' does not declare",
                source=source,
                target=target,
                count=count,
                field=name,
            )
        was = old[source].fields.get(name)
        if was is not None and was.kind is not spec.kind and spec.kind is not ValueKind.text:
            raise Conflict(
                "--map {source}={target}: field '{field}' holds values of kind {old} in "
                "'{source}' and of kind {new} in '{target}'",
                source=source,
                target=target,
                field=name,
                old=was.kind.value,
                new=spec.kind.value,
            )
        if spec.kind is ValueKind.national_number and not policy.national_number_allowed:
            raise Conflict(
                "--map {source}={target}: field '{field}' holds a national number, which "
                "'{target}' has no legal ground for",
                source=source,
                target=target,
                field=name,
            )


def _check_overlaps(session: Session, mappings: Mapping[str, str]) -> None:
    """Refuse mappings that would give a subject two records in one activity."""
    targets: dict[str, list[str]] = {}
    for source, target in mappings.items():
        targets.setdefault(target, []).append(source)
    for target, sources in sorted(targets.items()):
        doubled = (
            select(Record.subject_id)
            .where(Record.activity.in_([target, *sources]))
            .group_by(Record.subject_id)
            .having(func.count() > 1)
            .subquery()
        )
        count = session.execute(select(func.count()).select_from(doubled)).scalar_one()
        if count:
            raise Conflict(
                "--map {sources}={target}: {count} data subject(s) already have a record in "
                "'{target}' (one record per subject per activity)",
                sources=",".join(sorted(sources)),
                target=target,
                count=count,
            )


def _check_actor(actor: Actor) -> None:
    if not actor.is_privacy_staff:
        raise NotAllowed(
            "'{actor}' may not apply a register: only an administrator or the DPO may",
            actor=actor.name,
        )


def _stored(register: Register, author: str, at: datetime) -> StoredRegister:
    """``register`` as the vault would enforce it, before it is stored."""
    return StoredRegister(
        version=0,
        content_hash=content_hash(register),
        author=author,
        applied_at=at,
        register=register,
        taxonomy=builtin_taxonomy().extend(register),
    )


def _plan(
    session: Session,
    actor: Actor,
    register: Register,
    *,
    erase_orphans: bool,
    mappings: Mapping[str, str],
    at: datetime,
) -> tuple[Plan, _Work]:
    _check_actor(actor)
    current = current_version(session)
    new_stored = _stored(register, actor.name, at)
    digest = new_stored.content_hash
    if current is None:
        if mappings:
            raise InvalidInput("--map: no register has been applied yet, so no activity is removed")
        changes = diff_registers(None, register, taxonomy=new_stored.taxonomy)
        return Plan(digest, None, None, tuple(PlannedChange(c) for c in changes)), _Work()
    if current.content_hash == digest:
        return Plan(digest, current.version, current.content_hash, ()), _Work()
    old, new = all_policies(current), all_policies(new_stored)
    changes = diff_registers(current.register, register, taxonomy=new_stored.taxonomy)
    removed = {c.activity for c in changes if c.kind is ChangeKind.activity_removed and c.activity}
    for source, target in sorted(mappings.items()):
        _check_mapping(session, source=source, target=target, old=old, new=new, removed=removed)
    _check_overlaps(session, mappings)
    planner = _Planner(session, old, new, erase_orphans, mappings)
    planned = tuple(planner.plan(change) for change in changes)
    planner.work.reindex = {
        activity
        for activity, policy in new.items()
        if activity in old and _identifier_specs(old[activity]) != _identifier_specs(policy)
    } | {
        target
        for source, target in mappings.items()
        if _identifier_specs(old[source]) != _identifier_specs(new[target])
    }
    return Plan(digest, current.version, current.content_hash, planned), planner.work


def plan_apply(
    session: Session,
    actor: Actor,
    register: Register,
    *,
    at: datetime,
    erase_orphans: bool = False,
    mappings: Mapping[str, str] | None = None,
) -> Plan:
    """What applying ``register`` would change, with the records each change strands.

    Reads only. Only an administrator or the DPO may apply a register, so only they may plan
    it. A mapping (removed activity to activity of ``register``) is refused, naming the
    problem, when the target does not declare a field the records hold, holds it as another
    kind of value, or already has a record for one of the subjects.
    """
    plan, _work = _plan(
        session,
        actor,
        register,
        erase_orphans=erase_orphans,
        mappings=mappings or {},
        at=at,
    )
    return plan


# --- applying -----------------------------------------------------------------------------


def _chunks(values: Sequence[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


class _Applier:
    """Carries out the work of a plan in the caller's transaction, gathering audit events."""

    def __init__(
        self,
        session: Session,
        keyring: Keyring,
        policies: Mapping[str, ActivityPolicy],
        version: int,
        at: datetime,
    ) -> None:
        self.session, self.keyring, self.policies = session, keyring, policies
        self.version, self.at = version, at
        self.reason = REASON.format(version=version)
        self.events: list[Event] = []

    def move(self, source: str, target: str) -> int:
        """Move the records of ``source`` onto ``target``; how many moved."""
        rows = self.session.execute(
            select(Record.id, Record.subject_id).where(Record.activity == source)
        ).all()
        self.session.execute(
            update(Record)
            .where(Record.activity == source)
            .values(
                activity=target,
                row_digest=None,
                register_version=self.version,
                updated_at=self.at,
            )
        )
        self.events.extend(
            Event(
                "record_move",
                subject_id=row.subject_id,
                record_id=row.id,
                activity=target,
                reason=self.reason,
                detail={"from": source, "to": target},
            )
            for row in rows
        )
        return len(rows)

    def erase_activities(self, activities: Sequence[str]) -> tuple[int, int]:
        """Erase every record of ``activities``; shred subjects left without records."""
        if not activities:
            return 0, 0
        rows = self.session.execute(
            select(Record.id, Record.subject_id, Record.activity).where(
                Record.activity.in_(activities)
            )
        ).all()
        shredded = drop_records(
            self.session, self.keyring, [(row.id, row.subject_id) for row in rows]
        )
        self.events.extend(
            Event(
                "record_erase",
                subject_id=row.subject_id,
                record_id=row.id,
                activity=row.activity,
                reason=self.reason,
                detail={"change": "activity_removed", "subject_erased": row.subject_id in shredded},
            )
            for row in rows
        )
        return len(rows), len(shredded)

    def erase_fields(self, activity: str, fields: set[str]) -> list[uuid.UUID]:
        """Remove the values of ``fields`` from the records of ``activity``; the records."""
        rows = self.session.execute(
            select(Record.id, Record.subject_id, Record.data).where(_holding(activity, fields))
        ).all()
        changes: list[dict[str, object]] = []
        for row in rows:
            kept = {name: sealed for name, sealed in row.data.items() if name not in fields}
            changes.append(
                {
                    "rid": row.id,
                    "data": kept,
                    "fields": ",".join(sorted(kept)),
                    "register_version": self.version,
                    "updated_at": self.at,
                }
            )
            self.events.append(
                Event(
                    "record_update",
                    subject_id=row.subject_id,
                    record_id=row.id,
                    activity=activity,
                    reason=self.reason,
                    detail={"erased_fields": sorted(set(row.data) & fields)},
                )
            )
        if changes:
            table = Record.__table__
            assert isinstance(table, Table)
            statement = (
                update(table)
                .where(table.c.id == bindparam("rid"))
                .values(
                    {
                        name: bindparam(name)
                        for name in ("data", "fields", "register_version", "updated_at")
                    }
                )
            )
            self.session.execute(statement, changes)
        return [row.id for row in rows]

    def reindex(self, record_ids: Sequence[uuid.UUID]) -> int:
        """Rebuild the blind indexes of records under the new register; how many changed."""
        changed = 0
        for chunk in _chunks(record_ids):
            rows = self.session.execute(
                select(Record.id, Record.subject_id, Record.activity, Record.data).where(
                    Record.id.in_(chunk)
                )
            ).all()
            present: dict[uuid.UUID, set[tuple[str, bytes]]] = {}
            for record_id, kind, digest in self.session.execute(
                select(Identifier.record_id, Identifier.kind, Identifier.digest).where(
                    Identifier.record_id.in_(chunk)
                )
            ):
                present.setdefault(record_id, set()).add((kind, bytes(digest)))
            ciphers = self.keyring.ciphers(self.session, [row.subject_id for row in rows])
            stale: list[uuid.UUID] = []
            fresh: list[dict[str, object]] = []
            for row in rows:
                cipher = ciphers.get(row.subject_id)
                policy = self.policies.get(row.activity)
                if cipher is None or policy is None:
                    continue
                specs = [spec for spec in policy.identifiers if spec.name in row.data]
                values = open_values(cipher, row.id, {s.name: row.data[s.name] for s in specs})
                wanted = {
                    (
                        spec.index_kind,
                        self.keyring.index(spec.index_kind, index_form(spec, values[spec.name])),
                    )
                    for spec in specs
                }
                before = present.get(row.id, set())
                if wanted == before:
                    continue
                stale.append(row.id)
                fresh.extend(
                    {"subject_id": row.subject_id, "record_id": row.id, "kind": k, "digest": d}
                    for k, d in sorted(wanted)
                )
                self.events.append(
                    Event(
                        "record_reindex",
                        subject_id=row.subject_id,
                        record_id=row.id,
                        activity=row.activity,
                        reason=self.reason,
                        detail={
                            "removed": sorted({k for k, _ in before} - {k for k, _ in wanted}),
                            "kinds": sorted({k for k, _ in wanted}),
                        },
                    )
                )
            if stale:
                self.session.execute(delete(Identifier).where(Identifier.record_id.in_(stale)))
            if fresh:
                self.session.execute(insert(Identifier), fresh)
            changed += len(stale)
        return changed

    def records_of(self, activities: Iterable[str]) -> list[uuid.UUID]:
        names = sorted(set(activities))
        if not names:
            return []
        return list(
            self.session.execute(select(Record.id).where(Record.activity.in_(names))).scalars()
        )


def _checked_plan(
    session: Session,
    actor: Actor,
    register: Register,
    *,
    erase_orphans: bool,
    mappings: Mapping[str, str] | None,
    at: datetime,
    expected: Plan | None,
) -> tuple[Plan, _Work] | None:
    """The plan and its work, refused as :func:`apply_register` refuses; None if identical."""
    plan, work = _plan(
        session, actor, register, erase_orphans=erase_orphans, mappings=mappings or {}, at=at
    )
    if expected is not None and (
        expected.content_hash != plan.content_hash
        or expected.current != plan.current
        or expected.as_dicts() != plan.as_dicts()
    ):
        raise Conflict("the vault or the register changed since the plan was shown; run again")
    if plan.identical:
        return None
    refused = plan.refused
    if refused:
        raise Conflict(
            "{count} change(s) would strand stored data ({records} record(s)); say what "
            "becomes of it with --erase-orphans or --map OLD=NEW",
            count=len(refused),
            records=sum(planned.affected for planned in refused),
        )
    return plan, work


def shred_before_apply(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    register: Register,
    *,
    at: datetime,
    erase_orphans: bool = False,
    mappings: Mapping[str, str] | None = None,
    expected: Plan | None = None,
) -> int:
    """The first step of :func:`apply_register`, committed on its own before it: destroy the
    data keys of the people the application leaves without a record (on SQLite the key
    store is another file; see :func:`kluis.vault.shred_subject`). How many keys."""
    checked = _checked_plan(
        session, actor, register, erase_orphans=erase_orphans, mappings=mappings, at=at,
        expected=expected,
    )  # fmt: skip
    if checked is None:
        return 0
    _, work = checked
    return shred_orphans(session, keyring, activity_records(session, work.erase_activities))


def apply_register(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    register: Register,
    *,
    origin: str,
    at: datetime,
    erase_orphans: bool = False,
    mappings: Mapping[str, str] | None = None,
    expected: Plan | None = None,
) -> Applied | None:
    """Apply ``register`` as the newest version; None when it is the one applied now.

    Refuses (:class:`Conflict`) a plan with a change that strands data and no resolution,
    and, with ``expected``, a plan that differs from the one shown (the vault or the file
    changed in between). The plan is stored with the version; every record erased, cleared,
    moved or re-indexed is audited, with the application itself, in the caller's transaction.
    """
    checked = _checked_plan(
        session, actor, register, erase_orphans=erase_orphans, mappings=mappings, at=at,
        expected=expected,
    )  # fmt: skip
    if checked is None:
        return None
    plan, work = checked
    version = save_version(
        session, register, author=actor.name, origin=origin, changes=plan.as_dicts(), at=at
    )
    applier = _Applier(session, keyring, all_policies(require_version(session)), version.id, at)
    moved = sum(applier.move(source, target) for source, target in sorted(work.moves.items()))
    erased, shredded = applier.erase_activities(work.erase_activities)
    cleared: list[uuid.UUID] = []
    for activity, fields in sorted(work.erase_fields.items()):
        cleared.extend(applier.erase_fields(activity, fields))
    whole = set(applier.records_of(work.reindex))
    reindexed = applier.reindex([*sorted(whole), *(r for r in cleared if r not in whole)])
    applier.events.append(
        Event(
            "register_apply",
            detail={
                "version": version.id,
                "content_hash": version.content_hash,
                "changes": len(plan.changes),
                "erased_records": erased,
                "shredded_subjects": shredded,
                "cleared_records": len(cleared),
                "moved_records": moved,
                "reindexed_records": reindexed,
            },
        )
    )
    record_events(session, actor, applier.events, at=at)
    return Applied(
        version=version.id,
        content_hash=version.content_hash,
        changes=len(plan.changes),
        erased_records=erased,
        shredded_subjects=shredded,
        cleared_records=len(cleared),
        moved_records=moved,
        reindexed_records=reindexed,
    )
