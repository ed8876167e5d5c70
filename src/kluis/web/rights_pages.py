"""Carrying out, in the browser, the requests that need the coordinator's input, as the
command line does: a rectification (``kluis request rectify``: the corrected values of a
record, through the vault's one write path) and a withdrawal of consent (``kluis consent
withdraw``, with the request's channel); each is recorded as a step of the request. And
withdrawing a consent from the person's page (``kluis consent withdraw``).

Who may do what is the services' to say: the DPO carries out requests; privacy staff or the
roles of an activity based on the purpose record a withdrawal. Identifiers are never put in
an address: a record is chosen by its activity, a consent by its purpose.
"""

from __future__ import annotations

import uuid
from typing import Final

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from kluis.consent import WITHDRAWN, record_consent
from kluis.consent import Channel as ConsentChannel
from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, NotFound
from kluis.documents.language import Lang
from kluis.register.stored import StoredRegister
from kluis.register.versions import require_version
from kluis.server import Caller, check_csrf, state_of
from kluis.subject_requests import (
    Kind,
    consent_channel,
    mark_done,
    rectify,
    request_for,
    step_result,
)
from kluis.vault import FieldRefused, show_subject, subject_record_dates
from kluis.vault.policy import activity_policy
from kluis.web.people import Form, RecordForm, form_text, place_error, record_form, writable
from kluis.web.render import flash, language_of, page, redirect
from kluis.web.units import signed_in

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

#: The steps of the request these record (see kluis.subject_requests.steps).
RECTIFY: Final = "rectify"
WITHDRAW: Final = "withdraw"


def _names(stored: StoredRegister, lang: str) -> Lang:
    organisation = stored.register.organisation
    return Lang.of(lang, first_language=organisation.first_language, country=organisation.country)


def rectifiable(
    session: Session, stored: StoredRegister, actor: Actor, subject_id: uuid.UUID, lang: str
) -> list[tuple[str, str]]:
    """The activities (id, name) where the person has a record that ``actor`` may change:
    the activities their roles reach (the DPO: all) that have not ended."""
    held = {item.activity for item in subject_record_dates(session, subject_id)}
    names = _names(stored, lang)
    return [
        (policy.id, names.text(policy.activity.name))
        for policy in writable(stored, actor)
        if policy.id in held
    ]


def _merged(found: dict[str, object] | None, key: str, added: list[str]) -> list[str]:
    """What a step recorded under ``key`` before, with ``added``: the step is done again for
    each record or purpose, and keeps them all."""
    before = (found or {}).get(key, [])
    kept = [str(item) for item in before] if isinstance(before, list) else []
    return kept + [item for item in added if item not in kept]


# Rectification ---------------------------------------------------------------------------


def _rectification(
    session: Session, request: Request, caller: Caller, request_id: int, activity: str
) -> tuple[int, uuid.UUID, RecordForm]:
    """The open, matched rectification request and the form of the person's record in
    ``activity`` (:class:`NotFound` when the person has none the caller may change)."""
    found = request_for(session, caller.actor, request_id, Kind.rectification, matched=True)
    assert found.subject_id is not None
    stored = require_version(session)
    lang = language_of(request, caller)
    if activity not in {id_ for id_, _name in rectifiable(session, stored, caller.actor,
                                                          found.subject_id, lang)}:  # fmt: skip
        raise NotFound(
            "the person has no record in activity '{activity}' to correct", activity=activity[:60]
        )
    shape = record_form(stored, activity_policy(stored, activity), lang, adding=False)
    return found.id, found.subject_id, shape


def _rectify_page(
    request: Request, caller: Caller, request_id: int, shape: RecordForm, *, status: int = 200
) -> Response:
    context = {"request_id": request_id, "form": shape}
    return page(request, "requests/rectify.html", context, caller=caller, status=status)


@router.get("/requests/{request_id}/rectify")
def rectify_form(request: Request, request_id: int) -> Response:
    """The form of the person's record in the activity chosen (``?activity=``), filled with
    what is stored (the reading is audited with the request as its reason)."""
    state = state_of(request)
    activity = request.query_params.get("activity", "")
    with signed_in(request) as (session, caller):
        number, subject_id, shape = _rectification(session, request, caller, request_id, activity)
        view = show_subject(session, state.keyring(), caller.actor, subject_id,
                            at=state.clock.now(), reason=f"rectification request {number}")  # fmt: skip
    record = next((r for r in view.records if r.activity == shape.activity), None)
    if record is not None:
        shape.given = {f"v_{name}": value for name, value in record.values.items()}
    return _rectify_page(request, caller, request_id, shape)


@router.post("/requests/{request_id}/rectify")
def rectify_record(request: Request, request_id: int, form: Form) -> Response:
    """Correct the record with the values given (as ``kluis request rectify`` does) and
    record it as the request's step; a refused value is shown next to its field and nothing
    is stored."""
    state = state_of(request)
    activity = request.query_params.get("activity", "")
    try:
        with signed_in(request) as (session, caller):
            lang = language_of(request, caller)
            _number, _subject, shape = _rectification(
                session, request, caller, request_id, activity
            )
            shape.given = {item.name: form_text(form, item.name) for item in shape.values}
            values = {name[2:]: value for name, value in shape.given.items()}
            at = state.clock.now()
            done = rectify(session, state.keyring(), caller.actor, request_id,
                           activity=shape.activity, values=values, at=at)  # fmt: skip
            if done.outcome != "unchanged":
                before = step_result(session, request_id, RECTIFY)
                result: dict[str, object] = {
                    "activities": _merged(before, "activities", [done.activity]),
                    "recipients": _merged(before, "recipients", done.recipients),
                }
                mark_done(session, caller.actor, request_id, RECTIFY, result=result, at=at)
    except FieldRefused as refused:
        # The transaction rolled back: nothing of the correction is stored.
        place_error(shape, refused, lang)
        return _rectify_page(request, caller, request_id, shape, status=422)
    response = redirect(f"/requests/{request_id}")
    if done.outcome == "unchanged":
        flash(response, request, "Nothing changed: the vault held these values already.")
    else:
        flash(response, request,
              "The record in {activity} was corrected. Tell those who received its data: "
              "{recipients}.", activity=shape.activity_name,
              recipients=", ".join(done.recipients) or "-")  # fmt: skip
    return response


# Withdrawal of consent -------------------------------------------------------------------


def _purposes(form: FormData) -> list[str]:
    """The consent purposes ticked in the form."""
    return [
        item[:100] for item in form.getlist("purpose") if isinstance(item, str) and item.strip()
    ]


@router.post("/requests/{request_id}/withdraw")
def withdraw_for_request(request: Request, request_id: int, form: Form) -> Response:
    """Withdraw the person's consent to the purposes chosen, as ``kluis consent withdraw``
    does, by the channel the request came in, in its language; recorded as its step."""
    state = state_of(request)
    purposes = _purposes(form)
    at = state.clock.now()
    with signed_in(request) as (session, caller):
        found = request_for(session, caller.actor, request_id, Kind.withdrawal, matched=True)
        assert found.subject_id is not None
        for purpose in purposes:
            record_consent(session, caller.actor, found.subject_id, purpose, action=WITHDRAWN,
                           channel=consent_channel(found.channel), language=found.language,
                           evidence=f"request {request_id}", at=at)  # fmt: skip
        if purposes:
            before = step_result(session, request_id, WITHDRAW)
            result: dict[str, object] = {"purposes": _merged(before, "purposes", purposes)}
            mark_done(session, caller.actor, request_id, WITHDRAW, result=result, at=at)
    if not purposes:
        response = redirect(f"/requests/{request_id}")
        flash(response, request, "Choose the purposes whose consent is withdrawn.")
        return response
    response = redirect(f"/requests/{request_id}")
    flash(response, request, "Consent withdrawn for {purposes}.", purposes=", ".join(purposes))
    return response


@router.post("/people/{subject_id}/consent/withdraw")
def withdraw_on_person(request: Request, subject_id: uuid.UUID, form: Form) -> Response:
    """Record that the person withdrew their consent to a purpose, by the channel chosen
    (privacy staff, or the roles of an activity based on the purpose)."""
    state = state_of(request)
    purposes = _purposes(form)
    with signed_in(request) as (session, caller):
        try:
            channel = ConsentChannel(form_text(form, "channel"))
        except ValueError:
            raise InvalidInput("choose how the person withdrew their consent") from None
        if len(purposes) != 1:
            raise InvalidInput("choose the purpose whose consent is withdrawn")
        language = require_version(session).register.organisation.languages[0]
        record_consent(session, caller.actor, subject_id, purposes[0], action=WITHDRAWN,
                       channel=channel, language=language, at=state.clock.now())  # fmt: skip
    response = redirect(f"/people/{subject_id}")
    flash(response, request, "Consent withdrawn for {purposes}.", purposes=purposes[0])
    return response


__all__ = ["rectifiable", "router"]
