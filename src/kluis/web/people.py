"""People: finding a person by an identifier (POST only: an identifier never travels in an
address), their records in the activities the user's roles reach, their consent, requests
and audit trail, and the forms that add and change a record through the vault's one write
path. Every read and write is audited by the services."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from kluis.audit import list_entries
from kluis.consent import Channel, ConsentLedger, State, consent_history, consent_standing
from kluis.core.actor import Actor
from kluis.core.errors import NotFound
from kluis.documents import describe_retention
from kluis.documents.language import Lang
from kluis.documents.vocabulary import SOURCES
from kluis.i18n import N_
from kluis.register.schema import Register, RetentionAction, Source
from kluis.register.stored import StoredRegister
from kluis.register.versions import require_version
from kluis.retention import due_date, rule_of
from kluis.server import Caller, check_csrf, state_of
from kluis.subject_requests import RequestView, find_requests
from kluis.vault import (
    AccessDenied,
    FieldRefused,
    RecordInput,
    RecordView,
    SubjectNotFound,
    ValueKind,
    find_subjects,
    record_dates,
    record_refused_read,
    show_subject,
    store_record,
    subject_exists,
    subject_record_dates,
)
from kluis.vault.policy import EVENTS, ActivityPolicy, activity_policy, all_policies
from kluis.web.errors import error_text
from kluis.web.labels import label as code_label
from kluis.web.render import PER_PAGE, Page, flash, language_of, page, page_number, redirect, t
from kluis.web.units import signed_in

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


async def form_of(request: Request) -> FormData:
    """The form the browser sent (fields vary with the activity's declared fields)."""
    return await request.form()


Form = Annotated[FormData, Depends(form_of)]

#: The longest value a form field takes (the vault's own limit on text).
MAX_VALUE: Final = 10_000
#: How many audit entries the person's page shows; the trail page shows them all.
TRAIL_SHOWN: Final = 10
#: Search kinds, with "auto": the kind is read from the value.
SEARCH_KINDS: Final[dict[str, str]] = {
    "auto": N_("Detect from the value"),
    ValueKind.email.value: N_("E-mail address"),
    ValueKind.phone.value: N_("Phone number"),
    ValueKind.national_number.value: N_("National number"),
}
#: Labels of the events a record carries, by their name in forms (as in imports).
EVENT_LABELS: Final[dict[str, str]] = {
    "collected": N_("Collected on"),
    "last_contact": N_("Last contact on"),
    "contract_end": N_("Contract ended on"),
    "employment_end": N_("Employment ended on"),
    "selection_end": N_("Selection ended on"),
    "date": N_("Date of the record (for the financial year)"),
}
_INPUT_TYPES: Final[dict[ValueKind, str]] = {
    ValueKind.email: "email",
    ValueKind.phone: "tel",
    ValueKind.date: "date",
}
_HINTS: Final[dict[ValueKind, str]] = {
    ValueKind.national_number: N_("A national number: rijksregisternummer or BSN."),
    ValueKind.iban: N_("An IBAN, such as BE68 5390 0754 7034."),
    ValueKind.date: N_("A date, such as 2026-10-15."),
}
_SEPARATORS = re.compile(r"[\s./-]")
_COLUMN_EVENTS: Final = {column: name for name, column in EVENTS.items()}


# --- helpers ------------------------------------------------------------------------------


def _lang(register: Register, lang: str) -> Lang:
    """Register texts (names, purposes) in the visitor's language."""
    organisation = register.organisation
    return Lang.of(lang, first_language=organisation.first_language, country=organisation.country)


def detect_kind(value: str) -> ValueKind:
    """The kind of identifier ``value`` looks like: an e-mail address has an @; eleven
    digits (a Belgian national number) or nine not starting with 0 (a Dutch BSN) are a
    national number; anything else is a phone number."""
    if "@" in value:
        return ValueKind.email
    digits = _SEPARATORS.sub("", value)
    if digits.isdigit() and (len(digits) == 11 or (len(digits) == 9 and digits[0] != "0")):
        return ValueKind.national_number
    return ValueKind.phone


def writable(stored: StoredRegister, actor: Actor) -> list[ActivityPolicy]:
    """The activities ``actor`` may add records to: those their roles reach, not ended."""
    return [
        policy
        for policy in all_policies(stored).values()
        if policy.may_access(actor) and policy.activity.status != "ended"
    ]


def form_text(form: FormData, name: str) -> str:
    """The text the form holds under ``name`` (empty when absent), cut to :data:`MAX_VALUE`."""
    value = form.get(name)
    return value[:MAX_VALUE] if isinstance(value, str) else ""


@dataclass(frozen=True)
class Input:
    """One input of a record form."""

    name: str
    label: str
    type: str = "text"
    required: bool = False
    hint: str | None = None
    #: For a select: (value, label) pairs.
    options: Sequence[tuple[str, str]] = ()


@dataclass
class RecordForm:
    """A record form generated from an activity's declared fields."""

    activity: str
    activity_name: str
    values: list[Input]
    events: list[Input]
    consent: list[Input]
    source: Input | None
    given: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _field_label(stored: StoredRegister, lang: Lang, category: str) -> str:
    term = stored.taxonomy.categories.get(category)
    return lang.text(term.label) if term is not None else category


def record_form(
    stored: StoredRegister, policy: ActivityPolicy, lang_code: str, *, adding: bool
) -> RecordForm:
    """The inputs of a record of ``policy``'s activity: its declared fields (typed by the
    kind of value), the record's events, its source, and consent for an activity based on
    consent (required when adding)."""
    lang = _lang(stored.register, lang_code)
    labels = [_field_label(stored, lang, spec.category) for spec in policy.fields.values()]
    values = []
    for spec, label in zip(policy.fields.values(), labels, strict=True):
        shown = label if labels.count(label) == 1 else f"{label} ({spec.name})"
        hint = _HINTS.get(spec.kind)
        if spec.identifier:
            found = t(lang_code, "Identifies the person.")
            hint = f"{t(lang_code, hint)} {found}" if hint else found
        elif hint:
            hint = t(lang_code, hint)
        values.append(
            Input(f"v_{spec.name}", shown, _INPUT_TYPES.get(spec.kind, "text"), hint=hint)
        )
    events = [Input("e_collected", t(lang_code, EVENT_LABELS["collected"]), "date")]
    rule = rule_of(policy.activity)
    column = rule.column if rule is not None else None
    event = _COLUMN_EVENTS.get(column or "")
    if event is not None and event != "collected":
        hint = t(lang_code, "The retention period runs from this day.")
        events.append(Input(f"e_{event}", t(lang_code, EVENT_LABELS[event]), "date", hint=hint))
    consent: list[Input] = []
    if policy.consent_purpose is not None:
        channels = [("", t(lang_code, "Choose…"))] if adding else [("", "—")]
        channels += [(c.value, code_label(lang_code, "channel", c)) for c in Channel]
        consent = [
            Input("consent_given", t(lang_code, "Consent given on"), "date", required=adding),
            Input(
                "consent_channel",
                t(lang_code, "How consent was given"),
                "select",
                required=adding,
                options=channels,
            ),
            Input(
                "consent_evidence",
                t(lang_code, "Where the proof is"),
                hint=t(lang_code, "A reference to the proof (a form number), never the proof."),
            ),
        ]
    sources = policy.activity.source
    source = None
    if len(sources) > 1:
        source = Input(
            "source",
            t(lang_code, "Where the data come from"),
            "select",
            options=[(s.value, lang.gettext(SOURCES[s])) for s in sources],
        )
    return RecordForm(policy.id, lang.text(policy.activity.name), values, events, consent, source)


def _record_input(form: FormData, shape: RecordForm) -> RecordInput:
    values = {item.name[2:]: form_text(form, item.name) for item in shape.values}
    events = {item.name[2:]: form_text(form, item.name) for item in shape.events}
    consent = {item.name: form_text(form, item.name) for item in shape.consent}
    source = form_text(form, "source") if shape.source is not None else ""
    return RecordInput(values, events=events, source=source or None, consent=consent)


def _given(form: FormData, shape: RecordForm) -> dict[str, str]:
    names = [item.name for item in (*shape.values, *shape.events, *shape.consent)]
    if shape.source is not None:
        names.append("source")
    return {name: form_text(form, name) for name in [*names, "reason"]}


def place_error(shape: RecordForm, error: FieldRefused, lang: str) -> None:
    """Show ``error`` next to the input it names, else above the form."""
    text = error_text(lang, error)
    name = error.field or ""
    known = {item.name for item in (*shape.values, *shape.events, *shape.consent)}
    if shape.source is not None:
        known.add("source")
    for candidate in (f"v_{name}", f"e_{name}", name):
        if name and candidate in known:
            shape.errors[candidate] = text
            return
    shape.errors["form"] = text


def _policy(stored: StoredRegister, activity: str | None, actor: Actor) -> ActivityPolicy | None:
    """The activity chosen in ``?activity=`` if ``actor`` may write to it; None when none
    was chosen. :class:`NotFound` for an activity the register does not have."""
    if not activity:
        return None
    policy = activity_policy(stored, activity)
    if not policy.may_access(actor):
        raise AccessDenied(
            "'{actor}' may not change records of activity '{activity}': it grants access to {roles}",
            actor=actor.name,
            activity=policy.id,
            roles=", ".join(policy.activity.access) or "-",
        )
    return policy


@dataclass(frozen=True)
class StandingConsent:
    """A consent purpose where the person's last word was to give consent: it can be
    withdrawn."""

    purpose: str
    text: str
    state: str
    given: datetime | None


def standing_consents(
    session: Session, stored: StoredRegister, actor: Actor, subject_id: uuid.UUID, lang: str,
    *, on: date,
) -> list[StandingConsent]:  # fmt: skip
    """The purposes ``actor`` may record consent for (the service decides) where the
    person's consent stands as given, valid or not (given on an older text, expired)."""
    if not subject_exists(session, subject_id):
        return []
    names = _lang(stored.register, lang)
    texts = {purpose.id: purpose.text for purpose in stored.register.consent_purposes}
    return [
        StandingConsent(now.purpose, names.text(texts.get(now.purpose)), now.state.value, now.given)
        for now in consent_standing(session, actor, subject_id, on=on)
        if now.state not in {State.none, State.withdrawn}
    ]


# --- search -------------------------------------------------------------------------------


def _index(
    request: Request,
    caller: Caller,
    stored: StoredRegister,
    *,
    kind: str = "auto",
    value: str = "",
    error: str | None = None,
    results: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    lang = language_of(request, caller)
    names = _lang(stored.register, lang)
    context = {
        "kinds": [(code, t(lang, label)) for code, label in SEARCH_KINDS.items()],
        "kind": kind,
        "value": value,
        "error": error,
        "results": results,
        "activities": [
            (policy.id, names.text(policy.activity.name))
            for policy in writable(stored, caller.actor)
        ],
    }
    return page(request, "people/index.html", context, caller=caller, status=status)


@router.get("/people")
def people(request: Request) -> Response:
    """The search form, and the activities the user may add a person to."""
    with signed_in(request) as (session, caller):
        stored = require_version(session)
    return _index(request, caller, stored)


@router.post("/people/search")
def search(request: Request, form: Form) -> Response:
    """Find people by an e-mail address, phone number or national number (audited); the
    results are shown on this page, so the identifier never appears in an address."""
    state = state_of(request)
    kind_given = form_text(form, "kind") or "auto"
    value = form_text(form, "value").strip()[:320]
    with signed_in(request) as (session, caller):
        stored = require_version(session)
        lang = language_of(request, caller)
        if not value:
            error = t(lang, "Give an e-mail address, phone number or national number.")
            return _index(request, caller, stored, kind=kind_given, error=error, status=422)
        if kind_given not in SEARCH_KINDS:
            kind_given = "auto"
        kind = detect_kind(value) if kind_given == "auto" else ValueKind(kind_given)
        try:
            matches = find_subjects(
                session, state.keyring(), caller.actor, kind=kind, value=value, at=state.clock.now()
            )
        except FieldRefused as refused:
            return _index(
                request,
                caller,
                stored,
                kind=kind_given,
                value=value,
                error=error_text(lang, refused),
                status=422,
            )
        names = _lang(stored.register, lang)
        policies = {activity.id: activity for activity in stored.register.activities}
        results = [
            {
                "subject_id": match.subject_id,
                "activities": [
                    names.text(policies[a].name) if a in policies else a for a in match.activities
                ],
            }
            for match in matches
        ]
    return _index(request, caller, stored, kind=kind_given, value=value, results=results)


# --- a person -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRow:
    """One record as the person's page shows it."""

    record_id: uuid.UUID
    activity: str
    activity_name: str
    status: str
    status_label: str
    source: str
    values: list[tuple[str, str]]
    events: list[tuple[str, date]]
    created_at: str
    updated_at: str
    due: date | None
    anonymised: bool
    retention: str
    consent_purpose: str | None


def _rows(
    session: Session,
    stored: StoredRegister,
    records: Sequence[RecordView],
    subject_id: uuid.UUID,
    lang_code: str,
) -> list[RecordRow]:
    register = stored.register
    lang = _lang(register, lang_code)
    activities = {activity.id: activity for activity in register.activities}
    dates = {item.record_id: item for item in subject_record_dates(session, subject_id)}
    fiscal_year = register.organisation.fiscal_year_end
    rows = []
    for record in records:
        activity = activities.get(record.activity)
        labels: dict[str, str] = {}
        if activity is not None:
            labels = {
                name: _field_label(stored, lang, category)
                for name, category in activity.fields.items()
            }
        ordered = [name for name in labels if name in record.values] + [
            name for name in record.values if name not in labels
        ]
        rule = rule_of(activity) if activity is not None else None
        held = dates.get(record.record_id)
        due = (
            due_date(rule, held.events, fiscal_year, renewals=held.renewals)
            if rule is not None and held is not None
            else None
        )
        basis = activity.legal_basis if activity is not None else None
        rows.append(
            RecordRow(
                record_id=record.record_id,
                activity=record.activity,
                activity_name=lang.text(activity.name) if activity else record.activity,
                status=record.status,
                status_label=code_label(lang_code, "record_status", record.status),
                source=lang.gettext(SOURCES[s])
                if (s := _source(record.source)) is not None
                else record.source,
                values=[(labels.get(name, name), record.values[name]) for name in ordered],
                events=[
                    (t(lang_code, EVENT_LABELS.get(name, name)), day)
                    for name, day in record.events.items()
                ],
                created_at=record.created_at.strftime("%Y-%m-%d %H:%M"),
                updated_at=record.updated_at.strftime("%Y-%m-%d %H:%M"),
                due=due,
                anonymised=rule is not None and rule.then is RetentionAction.anonymize,
                retention=describe_retention(
                    lang_code,
                    activity.retention if activity else None,
                    country=register.organisation.country,
                ),
                consent_purpose=basis.consent if basis is not None else None,
            )
        )
    return rows


def _source(value: str) -> Source | None:
    try:
        return Source(value)
    except ValueError:
        return None


# --- adding and changing records ----------------------------------------------------------


def _form_page(
    request: Request,
    caller: Caller,
    shape: RecordForm,
    *,
    action: str,
    subject_id: uuid.UUID | None,
    editing: bool,
    status: int = 200,
) -> Response:
    context = {
        "form": shape,
        "action": action,
        "subject_id": subject_id,
        "editing": editing,
    }
    return page(request, "people/record_form.html", context, caller=caller, status=status)


def _choose(
    request: Request, caller: Caller, stored: StoredRegister, subject_id: uuid.UUID | None
) -> Response:
    lang = language_of(request, caller)
    names = _lang(stored.register, lang)
    base = f"/people/{subject_id}/records/new" if subject_id else "/people/new"
    choices = [
        (f"{base}?activity={policy.id}", names.text(policy.activity.name))
        for policy in writable(stored, caller.actor)
    ]
    context = {"choices": choices, "subject_id": subject_id}
    return page(request, "people/choose_activity.html", context, caller=caller)


def _new_form(request: Request, subject_id: uuid.UUID | None) -> Response:
    activity = request.query_params.get("activity")
    with signed_in(request) as (session, caller):
        if subject_id is not None:
            _require_subject(session, subject_id)
        stored = require_version(session)
        policy = _policy(stored, activity, caller.actor)
        if policy is None:
            return _choose(request, caller, stored, subject_id)
        shape = record_form(stored, policy, language_of(request, caller), adding=True)
    action = _new_action(subject_id, policy.id)
    return _form_page(request, caller, shape, action=action, subject_id=subject_id, editing=False)


def _require_subject(session: Session, subject_id: uuid.UUID) -> None:
    if not subject_exists(session, subject_id):
        raise SubjectNotFound("no subject {subject}", subject=str(subject_id))


def _new_action(subject_id: uuid.UUID | None, activity: str) -> str:
    base = f"/people/{subject_id}/records/new" if subject_id else "/people/new"
    return f"{base}?activity={activity}"


_OUTCOMES: Final = {
    "created": N_("The record was stored."),
    "updated": N_("The person was in the vault already: their record was updated."),
    "unchanged": N_("Nothing changed: the vault held these values already."),
}


def _store(
    request: Request,
    form: FormData,
    *,
    subject_id: uuid.UUID | None,
    activity: str | None,
    editing: bool,
    action: str,
) -> Response:
    state = state_of(request)
    try:
        with signed_in(request) as (session, caller):
            if subject_id is not None:
                _require_subject(session, subject_id)
            stored = require_version(session)
            policy = _policy(stored, activity, caller.actor)
            if policy is None:
                raise NotFound("choose the activity the record belongs to")
            lang = language_of(request, caller)
            shape = record_form(stored, policy, lang, adding=not editing)
            shape.given = _given(form, shape)
            reason = form_text(form, "reason").strip()[:500] or None
            written = store_record(
                session,
                state.keyring(),
                caller.actor,
                policy.id,
                _record_input(form, shape),
                at=state.clock.now(),
                reason=reason,
                subject_id=subject_id,
                consent=ConsentLedger(),
            )
    except FieldRefused as refused:
        # The transaction rolled back: nothing of the refused record is stored.
        place_error(shape, refused, lang)
        return _form_page(
            request,
            caller,
            shape,
            action=action,
            subject_id=subject_id,
            editing=editing,
            status=422,
        )
    response = redirect(f"/people/{written.subject_id}")
    flash(response, request, _OUTCOMES[written.outcome])
    return response


@router.get("/people/new")
def new_person(request: Request) -> Response:
    """The form for a person new to the vault, in an activity chosen in ``?activity=``."""
    return _new_form(request, None)


@router.post("/people/new")
def add_person(request: Request, form: Form) -> Response:
    """Store the record of a new person (or of the person the identifiers match)."""
    activity = request.query_params.get("activity")
    return _store(
        request,
        form,
        subject_id=None,
        activity=activity,
        editing=False,
        action=_new_action(None, activity or ""),
    )


@router.get("/people/{subject_id}/records/new")
def new_record(request: Request, subject_id: uuid.UUID) -> Response:
    """The form for a record of this person in another activity."""
    return _new_form(request, subject_id)


@router.post("/people/{subject_id}/records/new")
def add_record(request: Request, subject_id: uuid.UUID, form: Form) -> Response:
    """Store a record of this person."""
    activity = request.query_params.get("activity")
    return _store(
        request,
        form,
        subject_id=subject_id,
        activity=activity,
        editing=False,
        action=_new_action(subject_id, activity or ""),
    )


def _owned(session: Session, subject_id: uuid.UUID, record_id: uuid.UUID) -> str:
    """The activity of ``record_id``, which must belong to ``subject_id``."""
    held = record_dates(session, record_id)
    if held is None or held.subject_id != subject_id:
        raise SubjectNotFound("no record {record}", record=str(record_id))
    return held.activity


@router.get("/people/{subject_id}/records/{record_id}/edit")
def edit_record(request: Request, subject_id: uuid.UUID, record_id: uuid.UUID) -> Response:
    """The record's form, filled with its values (the reading is audited)."""
    state = state_of(request)
    now = state.clock.now()
    try:
        with signed_in(request) as (session, caller):
            activity = _owned(session, subject_id, record_id)
            stored = require_version(session)
            policy = _policy(stored, activity, caller.actor)
            assert policy is not None
            view = show_subject(
                session, state.keyring(), caller.actor, subject_id, at=now, reason="edit"
            )
    except AccessDenied:
        with signed_in(request) as (session, caller):
            record_refused_read(session, caller.actor, subject_id, at=now, reason="edit")
        raise
    record = next((r for r in view.records if r.record_id == record_id), None)
    if record is None:
        raise AccessDenied(
            "'{actor}' may read none of the records of subject {subject}",
            actor=caller.actor.name,
            subject=str(subject_id),
        )
    shape = record_form(stored, policy, language_of(request, caller), adding=False)
    shape.given = {f"v_{name}": value for name, value in record.values.items()}
    shape.given |= {f"e_{name}": day.isoformat() for name, day in record.events.items()}
    shape.given["source"] = record.source
    action = f"/people/{subject_id}/records/{record_id}/edit"
    return _form_page(request, caller, shape, action=action, subject_id=subject_id, editing=True)


@router.post("/people/{subject_id}/records/{record_id}/edit")
def save_record(
    request: Request, subject_id: uuid.UUID, record_id: uuid.UUID, form: Form
) -> Response:
    """Save the changed record through the vault's write path (audited, with the reason)."""
    with signed_in(request) as (session, _caller):
        activity = _owned(session, subject_id, record_id)
    return _store(
        request,
        form,
        subject_id=subject_id,
        activity=activity,
        editing=True,
        action=f"/people/{subject_id}/records/{record_id}/edit",
    )


# Declared after /people/new, which they would otherwise take for a subject id.


@router.get("/people/{subject_id}")
def person(request: Request, subject_id: uuid.UUID) -> Response:
    """A person's records in the activities the user's roles reach (the reading is audited),
    with their consent history, and for privacy staff their requests and audit trail."""
    state = state_of(request)
    now = state.clock.now()
    try:
        with signed_in(request) as (session, caller):
            actor = caller.actor
            lang = language_of(request, caller)
            view = show_subject(session, state.keyring(), actor, subject_id, at=now)
            stored = require_version(session)
            rows = _rows(session, stored, view.records, subject_id, lang)
            consents = []
            standing: list[StandingConsent] = []
            if any(row.consent_purpose for row in rows):
                consents = consent_history(session, actor, subject_id)
                standing = standing_consents(
                    session, stored, actor, subject_id, lang, on=now.date()
                )
            staff = actor.is_privacy_staff
            requests: list[RequestView] = []
            trail = None
            if staff:
                requests, _total = find_requests(
                    session, actor, today=now.date(), status=None, subject_id=subject_id
                )
                trail = list_entries(session, actor, subject_id=subject_id, limit=TRAIL_SHOWN)
            held = {row.activity for row in rows}
            names = _lang(stored.register, lang)
            more = [
                (policy.id, names.text(policy.activity.name))
                for policy in writable(stored, actor)
                if policy.id not in held
            ]
    except AccessDenied:
        with signed_in(request) as (session, caller):
            record_refused_read(session, caller.actor, subject_id, at=now)
        raise
    context = {
        "subject_id": subject_id,
        "records": rows,
        "consents": consents,
        "standing": standing,
        "consent_channels": [channel.value for channel in Channel],
        "staff": staff,
        "requests": requests,
        "trail": trail,
        "more": more,
    }
    return page(request, "people/person.html", context, caller=caller)


@router.get("/people/{subject_id}/audit")
def trail(request: Request, subject_id: uuid.UUID) -> Response:
    """The audit trail of a person: every entry about them, newest first (privacy staff)."""
    number = page_number(request)
    with signed_in(request) as (session, caller):
        found = list_entries(
            session,
            caller.actor,
            subject_id=subject_id,
            offset=(number - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
    result = Page(found.entries, number, PER_PAGE, found.total)
    context = {"subject_id": subject_id, "result": result}
    return page(request, "people/audit.html", context, caller=caller)


__all__ = [
    "Form",
    "RecordForm",
    "StandingConsent",
    "detect_kind",
    "form_text",
    "place_error",
    "record_form",
    "router",
    "standing_consents",
    "writable",
]
