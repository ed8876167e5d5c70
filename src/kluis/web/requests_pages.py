"""Data subject requests in the web interface: the list with the days left, a request with
its steps and history, filing one, the identity check, the extension, carrying it out by
its steps (as ``kluis request execute`` does), the answer's letter previewed in the page,
and sending the answer: closed, and e-mailed to the person when e-mail is set up.

Only privacy staff work with requests; the services refuse anyone else. Identifiers are
POSTed, never put in an address.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time
from typing import Annotated, Final, TypeVar

from fastapi import APIRouter, Depends, Form, Request
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.responses import Response

from kluis.audit import Entry, list_entries
from kluis.core.actor import Actor
from kluis.core.errors import Conflict, InvalidInput, KluisError
from kluis.documents import (
    DocumentFormat,
    access_json,
    render_access_answer,
    render_erasure_answer,
    render_request_letter,
)
from kluis.i18n import LANGUAGES
from kluis.mail import Attachment, kind_label, request_answered
from kluis.register.versions import require_version
from kluis.server import Caller, check_csrf, state_of
from kluis.server.state import ServerState
from kluis.storage import checkpoint
from kluis.subject_requests import (
    STEPS,
    Channel,
    IdentityMethod,
    IdentityOutcome,
    Kind,
    Outcome,
    RequestView,
    access_package,
    carry_out_erasure,
    carry_out_objection,
    close_request,
    extend_request,
    file_request,
    find_requests,
    forget_contact,
    get_request,
    mark_done,
    mark_failed,
    outcome_of,
    outcome_result,
    portability_csv,
    portability_json,
    portable,
    record_identity,
    request_contact,
    request_for,
    restrict,
    shred_before_erasure,
    shred_before_objection_request,
    status_link,
    step_result,
    steps_of,
)
from kluis.vault import ValueKind, subject_suppressed
from kluis.web.errors import error_text
from kluis.web.mailing import link, mail_configured, mailer
from kluis.web.people import StandingConsent, standing_consents
from kluis.web.render import PER_PAGE, Page, flash, language_of, page, page_number, redirect
from kluis.web.rights_pages import rectifiable
from kluis.web.units import require_staff, signed_in

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
E = TypeVar("E", Kind, Channel, IdentityMethod, IdentityOutcome, Outcome)

Text = Annotated[str, Form(max_length=1024)]
OptionalText = Annotated[str, Form(max_length=1024)]
LongText = Annotated[str, Form(max_length=4000)]
STATUSES: Final = ("open", "answered", "refused", "all")
_BODY: Final = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)


# The list and a request ------------------------------------------------------------------


@router.get("/requests")
def requests_list(request: Request) -> Response:
    """Open and closed requests, filtered by kind and state, the nearest deadline first."""
    today = state_of(request).clock.now().date()
    kind = request.query_params.get("kind", "")
    status = request.query_params.get("status", "open")
    kind = kind if kind in {k.value for k in Kind} else ""
    status = status if status in STATUSES else "open"
    number = page_number(request)
    with signed_in(request) as (session, caller):
        found, total = find_requests(
            session,
            caller.actor,
            today=today,
            status=None if status == "all" else status,
            kind=kind or None,
            limit=PER_PAGE,
            offset=(number - 1) * PER_PAGE,
        )
    result = Page(found, number, PER_PAGE, total)
    base = f"/requests?kind={kind}&status={status}"
    context = {"result": result, "kind": kind, "status": status, "kinds": [k.value for k in Kind],
               "statuses": STATUSES, "base": base}  # fmt: skip
    return page(request, "requests/list.html", context, caller=caller)


_HISTORY: Final = ("request_file", "request_identity", "request_extend", "request_step",
                   "request_close", "request_contact_read", "request_contact_forget")  # fmt: skip


def _history(session: Session, actor: Actor, request_id: int) -> list[Entry]:
    """What the audit log holds about the request, oldest first."""
    found = list_entries(session, actor, actions=_HISTORY, request_id=request_id, limit=1000)
    return sorted(found.entries, key=lambda entry: entry.seq)


def _new_context(session: Session, values: dict[str, str], error: str | None) -> dict[str, object]:
    languages = require_version(session).register.organisation.languages
    return {"kinds": [k.value for k in Kind], "channels": [c.value for c in Channel],
            "languages": LANGUAGES, "default_language": languages[0], "error": error,
            "values": values}  # fmt: skip


@router.get("/requests/new")
def new_form(request: Request) -> Response:
    """The form to file a request received by mail, letter, phone or in person."""
    with signed_in(request) as (session, caller):
        require_staff(caller.actor)
        context = _new_context(session, {}, None)
    return page(request, "requests/new.html", context, caller=caller)


@router.post("/requests/new")
def new(
    request: Request,
    kind: Text,
    channel: Text,
    language: Text,
    email: OptionalText = "",
    phone: OptionalText = "",
    national_number: OptionalText = "",
    received: OptionalText = "",
    reference: OptionalText = "",
) -> Response:
    """File the request; its deadline runs from its receipt."""
    state = state_of(request)
    at = state.clock.now()
    given = {ValueKind.email: email, ValueKind.phone: phone,
             ValueKind.national_number: national_number}  # fmt: skip
    with signed_in(request) as (session, caller):
        try:
            received_at = _received(received, at)
            view = file_request(
                session,
                state.keyring(),
                caller.actor,
                kind=_choice(Kind, kind),
                channel=_choice(Channel, channel),
                language=language,
                identifiers={k: v for k, v in given.items() if v.strip()},
                received_at=received_at,
                reference=reference or None,
                at=at,
            )
        except InvalidInput as error:
            values = {"kind": kind, "channel": channel, "language": language, "email": email,
                      "phone": phone, "national_number": national_number,
                      "received": received, "reference": reference}  # fmt: skip
            context = _new_context(session, values, error_text(_lang(request, caller), error))
            return page(request, "requests/new.html", context, caller=caller, status=422)
    response = redirect(f"/requests/{view.id}")
    flash(response, request, "Request {request} filed.", request=view.id)
    return response


def _lang(request: Request, caller: Caller) -> str:
    return language_of(request, caller)


def _choice(enum: type[E], value: str) -> E:
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput("'{value}' is not a valid choice", value=value[:40]) from None


def _received(raw: str, at: datetime) -> datetime | None:
    if not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("'{value}' is not a date (YYYY-MM-DD)", value=raw[:20]) from None
    return datetime.combine(day, time(12), tzinfo=at.tzinfo) if day < at.date() else at


@router.get("/requests/{request_id}")
def detail(request: Request, request_id: int) -> Response:
    """A request: its facts, deadline, identity check, steps and history."""
    state = state_of(request)
    at = state.clock.now()
    with signed_in(request) as (session, caller):
        view = get_request(session, caller.actor, request_id, today=at.date())
        lang, subject = _lang(request, caller), view.subject_id
        # What a rectification or a withdrawal of consent is carried out on (the DPO's).
        rectifying: list[tuple[str, str]] = []
        standing: list[StandingConsent] = []
        if view.status == "open" and subject is not None and caller.actor.is_dpo:
            stored = require_version(session)
            if view.kind == Kind.rectification:
                rectifying = rectifiable(session, stored, caller.actor, subject, lang)
            elif view.kind == Kind.withdrawal:
                standing = standing_consents(session, stored, caller.actor, subject, lang,
                                             on=at.date())  # fmt: skip
        context = {
            "view": view,
            "steps": steps_of(session, request_id),
            "planned": STEPS.get(Kind(view.kind), ()),
            "contact": request_contact(session, state.keyring(), caller.actor, request_id, at=at),
            "history": _history(session, caller.actor, request_id),
            "methods": [m.value for m in IdentityMethod],
            "outcomes": [o.value for o in IdentityOutcome],
            "mail": mail_configured(request),
            "executable": Kind(view.kind) in STEPS or view.kind == Kind.objection,
            "packaged": view.kind in {"access", "portability", "erasure"},
            "kind_label": kind_label(lang, view.kind),
            "rectifiable": rectifying,
            "standing": standing,
        }
    return page(request, "requests/detail.html", context, caller=caller)


@router.post("/requests/{request_id}/identity")
def identity(request: Request, request_id: int, method: Text, outcome: Text) -> Response:
    """Record how identity was checked, and what came of it."""
    at = state_of(request).clock.now()
    with signed_in(request) as (session, caller):
        record_identity(session, caller.actor, request_id, method=_choice(IdentityMethod, method),
                        outcome=_choice(IdentityOutcome, outcome), at=at)  # fmt: skip
    response = redirect(f"/requests/{request_id}")
    flash(response, request, "Identity check recorded.")
    return response


@router.post("/requests/{request_id}/extend")
def extend(request: Request, request_id: int, reason: LongText = "") -> Response:
    """Extend the deadline by two months (within the register's promise), with reasons."""
    at = state_of(request).clock.now()
    with signed_in(request) as (session, caller):
        view = extend_request(session, caller.actor, request_id, reason=reason, at=at)
    response = redirect(f"/requests/{request_id}")
    flash(response, request, "Deadline extended to {due}.", due=view.due.isoformat())
    return response


# Carrying out ----------------------------------------------------------------------------


def _failure(error: Exception) -> str:
    if isinstance(error, KluisError):
        return str(error)
    return type(error).__name__


class _Steps:
    """The steps of one request, as the command line runs them: a step done is skipped; a
    step's record commits with its work; a failure is recorded in a transaction of its own."""

    def __init__(self, state: ServerState, actor: Actor, request_id: int) -> None:
        self.state, self.actor, self.request = state, actor, request_id

    def _failed(self, step: str, error: Exception) -> None:
        with self.state.transaction() as session:
            mark_failed(session, self.actor, self.request, step, _failure(error),
                        at=self.state.clock.now())  # fmt: skip

    def atomic(
        self, step: str, work: Callable[[Session], dict[str, object] | None]
    ) -> dict[str, object]:
        """A step whose work commits with its record: done exactly once."""
        with self.state.transaction() as session:
            found = step_result(session, self.request, step)
        if found is not None:
            return found
        try:
            with self.state.transaction() as session:
                result = work(session) or {}
                mark_done(session, self.actor, self.request, step, result=result,
                          at=self.state.clock.now())  # fmt: skip
        except Exception as error:
            self._failed(step, error)
            raise
        return result

    def outside(self, step: str, work: Callable[[], dict[str, object] | None]) -> None:
        """A step whose work is outside the database (the letter): recorded once done."""
        with self.state.transaction() as session:
            if step_result(session, self.request, step) is not None:
                return
        try:
            result = work() or {}
            with self.state.transaction() as session:
                mark_done(session, self.actor, self.request, step, result=result,
                          at=self.state.clock.now())  # fmt: skip
        except Exception as error:
            self._failed(step, error)
            raise


def _grounds(text: str) -> dict[str, str]:
    grounds: dict[str, str] = {}
    for line in text.splitlines():
        activity, sep, reason = line.partition(":")
        if not line.strip():
            continue
        if not sep or not activity.strip() or not reason.strip():
            raise InvalidInput("write each ground on a line of its own: ACTIVITY: GROUNDS")
        grounds[activity.strip()] = reason.strip()
    return grounds


@router.post("/requests/{request_id}/execute")
def execute(request: Request, request_id: int, grounds: LongText = "") -> Response:
    """Carry out the request by its steps (access, portability, erasure, restriction), or
    an objection with the grounds recorded; the DPO only."""
    state = state_of(request)
    with signed_in(request) as (session, caller):
        view = get_request(session, caller.actor, request_id, today=state.clock.now().date())
        kind = Kind(view.kind)
        if kind not in STEPS and kind is not Kind.objection:
            raise Conflict(
                "request {request} asks for {kind}; carry it out with: kluis {command}",
                request=request_id,
                kind=kind.value,
                command="request rectify" if kind is Kind.rectification else "consent withdraw",
            )
        request_for(session, caller.actor, request_id, kind, matched=False)
        actor = caller.actor
    steps = _Steps(state, actor, request_id)
    keyring = state.keyring()
    if kind is Kind.restriction:
        steps.atomic("restrict", lambda s: {"records": restrict(s, actor, request_id,
                                                                at=state.clock.now())})  # fmt: skip
    elif kind is Kind.erasure:
        steps.atomic("shred", lambda s: {"keys": shred_before_erasure(
            s, keyring, actor, request_id, at=state.clock.now())})  # fmt: skip
        steps.atomic("erase", lambda s: outcome_result(carry_out_erasure(
            s, keyring, actor, request_id, at=state.clock.now())))  # fmt: skip
        checkpoint(state.engine)
        steps.outside("letter", lambda: {"letter": len(_letter(state, actor, request_id,
                                                               DocumentFormat.html)[0])})  # fmt: skip
    elif kind is Kind.objection:
        recorded = _grounds(grounds)
        with state.transaction() as session:
            shred_before_objection_request(session, keyring, actor, request_id, grounds=recorded)
        with state.transaction() as session:
            carry_out_objection(session, keyring, actor, request_id, grounds=recorded,
                                at=state.clock.now())  # fmt: skip
        checkpoint(state.engine)
    else:
        steps.outside("answer", lambda: {"records": _count(state, actor, request_id)})
    response = redirect(f"/requests/{request_id}")
    flash(response, request, "Request {request} carried out.", request=request_id)
    return response


def _count(state: ServerState, actor: Actor, request_id: int) -> int:
    with state.transaction() as session:
        package = access_package(session, state.keyring(), actor, request_id,
                                 at=state.clock.now())  # fmt: skip
    return len(package.records)


# The answer ------------------------------------------------------------------------------


def _letter(
    state: ServerState,
    actor: Actor,
    request_id: int,
    fmt: DocumentFormat,
    *,
    data: bool = False,
) -> list[tuple[str, bytes, str]]:
    """The answer to the request as files ``(name, content, media type)``: the letter first,
    then (with ``data``) the data of an access or portability answer, as the command line
    writes them."""
    today = state.clock.now().date()
    ext = fmt.value
    media = "application/pdf" if fmt is DocumentFormat.pdf else "text/html"
    with state.transaction() as session:
        view = get_request(session, actor, request_id, today=today)
        stored = require_version(session)
        if view.kind in {"access", "portability"} and view.status == "open":
            package = access_package(session, state.keyring(), actor, request_id,
                                     at=state.clock.now())  # fmt: skip
            files = [(f"request-{request_id}.{ext}", render_access_answer(
                package, format=fmt, language=package.language, today=today), media)]  # fmt: skip
            if data and package.kind == "portability":
                records = portable(package)
                files += [(f"request-{request_id}.json", portability_json(records), "application/json"),
                          (f"request-{request_id}.csv", portability_csv(records), "text/csv")]  # fmt: skip
            elif data:
                files.append(
                    (f"request-{request_id}.json", access_json(package), "application/json")
                )
            return files
        erased = step_result(session, request_id, "erase")
        if view.kind == "erasure" and erased is not None:
            outcome = outcome_of(session, actor, request_id, erased)
            suppressed = outcome.subject_id is not None and subject_suppressed(
                session, outcome.subject_id
            )
            document = render_erasure_answer(outcome, taxonomy=stored.taxonomy,
                                             suppressed=suppressed, format=fmt,
                                             language=outcome.language, today=today)  # fmt: skip
            return [(f"request-{request_id}.{ext}", document, media)]
    shown = view if view.status != "open" else replace(view, status=Outcome.answered.value)
    document = render_request_letter(shown, register=stored.register, taxonomy=stored.taxonomy,
                                     format=fmt, language=view.language, today=today)  # fmt: skip
    return [(f"request-{request_id}-letter.{ext}", document, media)]


@router.get("/requests/{request_id}/preview")
def preview(request: Request, request_id: int) -> Response:
    """The letter of the answer, shown in the page before it is sent."""
    state = state_of(request)
    with signed_in(request) as (session, caller):
        view = get_request(session, caller.actor, request_id, today=state.clock.now().date())
    (_name, document, _media), *_rest = _letter(state, caller.actor, request_id,
                                                DocumentFormat.html)  # fmt: skip
    found = _BODY.search(document.decode("utf-8"))
    # The letter is Kluis's own rendering, escaped by its templates: safe to show as is.
    body = Markup(found.group(1) if found else "")  # noqa: S704
    context = {"view": view, "letter": body, "mail": mail_configured(request)}
    return page(request, "requests/preview.html", context, caller=caller)


@router.get("/requests/{request_id}/answer.zip")
def package(request: Request, request_id: int) -> Response:
    """The answer to download: the letter (PDF) and, for access and portability, the data."""
    state = state_of(request)
    with signed_in(request) as (_session, caller):
        actor = caller.actor
    files = _letter(state, actor, request_id, DocumentFormat.pdf, data=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content, _media in files:
            archive.writestr(name, content)
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="request-{request_id}.zip"'},
    )


@router.post("/requests/{request_id}/send")
def send(
    request: Request,
    request_id: int,
    outcome: Text,
    note: LongText = "",
    email: OptionalText = "",
) -> Response:
    """Close the request with its outcome and e-mail the answer to the person (to the
    address they confirmed through the form, or the one given here) when e-mail is set up;
    otherwise the answer is downloaded and sent by hand."""
    state = state_of(request)
    at = state.clock.now()
    chosen = _choice(Outcome, outcome)
    with signed_in(request) as (session, caller):
        actor = caller.actor
        get_request(session, actor, request_id, today=at.date())
    files = (
        _letter(state, actor, request_id, DocumentFormat.pdf, data=True)
        if chosen is Outcome.answered
        else []
    )
    mailed = False
    with state.transaction() as session:
        view = close_request(session, actor, request_id, outcome=chosen, note=note or None, at=at)
        stored = require_version(session)
        if chosen is Outcome.refused or not files:
            files = _closed_letter(view, stored, at.date())
        contact = request_contact(session, state.keyring(), actor, request_id, at=at)
        address = (contact.email if contact else None) or email.strip() or None
        if address and mail_configured(request):
            token = status_link(session, request_id, at=at) if contact else None
            mail = request_answered(
                view.language,
                organisation=stored.register.organisation.name,
                view=view,
                link=link(request, f"/request/status/{token}") if token else None,
                attachments=[Attachment(name, content, *media.split("/", 1))
                             for name, content, media in files],
            )  # fmt: skip
            mailer(request, session).send(address, mail, at=at)
            forget_contact(session, actor, request_id, at=at)
            mailed = True
    response = redirect(f"/requests/{request_id}")
    if mailed:
        flash(response, request, "Request {request} closed; the answer was e-mailed.",
              request=request_id)  # fmt: skip
    else:
        flash(response, request, "Request {request} closed. Send the answer yourself.",
              request=request_id)  # fmt: skip
    return response


def _closed_letter(view: RequestView, stored: object, today: date) -> list[tuple[str, bytes, str]]:
    register = getattr(stored, "register")  # noqa: B009
    taxonomy = getattr(stored, "taxonomy")  # noqa: B009
    document = render_request_letter(view, register=register, taxonomy=taxonomy,
                                     format=DocumentFormat.pdf, language=view.language,
                                     today=today)  # fmt: skip
    return [(f"request-{view.id}-letter.pdf", document, "application/pdf")]


@router.get("/requests/{request_id}/letter.pdf")
def letter(request: Request, request_id: int) -> Response:
    """The letter of a closed or extended request, as PDF."""
    state = state_of(request)
    with signed_in(request) as (session, caller):
        view = get_request(session, caller.actor, request_id, today=state.clock.now().date())
        stored = require_version(session)
    if view.status == "open" and not view.extended:
        raise Conflict("request {request} is open and not extended: its letter is its answer",
                       request=request_id)  # fmt: skip
    ((name, content, media),) = _closed_letter(view, stored, state.clock.now().date())
    return Response(content, media_type=media,
                    headers={"content-disposition": f'attachment; filename="{name}"'})  # fmt: skip
