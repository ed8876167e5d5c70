"""The public pages, for anyone, without signing in: the privacy notice, the form to send
a request (filed only once the e-mail address is confirmed), the private status page of a
request, one-click unsubscribe links, and password resets.

Every form carries the CSRF token, except the one-click unsubscribe a mail program sends
(RFC 8058: ``List-Unsubscribe=One-Click``, with no cookie). Tokens in links are random;
no address, name or number is ever in a URL.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import HTMLResponse, Response

from kluis.consent import (
    UNSUBSCRIBE_ACTOR,
    Channel,
    mark_unsubscribed,
    object_to_marketing,
    shred_before_objection,
    unsubscribe_subject,
    unsubscribed_at,
)
from kluis.core.errors import InvalidInput, KluisError, NotFound
from kluis.documents import DocumentFormat, render_notice
from kluis.i18n import LANGUAGES
from kluis.mail import (
    MailFailed,
    kind_label,
    outcome_label,
    password_reset,
    request_confirmation,
    verification,
)
from kluis.register.loader import applied_register
from kluis.register.versions import require_version
from kluis.server import check_csrf, forget_callers, state_of
from kluis.storage import checkpoint
from kluis.subject_requests import (
    CONFIRM_VALID,
    PUBLIC_KINDS,
    confirm_public_request,
    pending_request,
    request_status,
    submit_public_request,
)
from kluis.users.auth import RESET_VALID, finish_reset, start_reset
from kluis.web.errors import error_text
from kluis.web.mailing import link, mail_configured, mailer
from kluis.web.render import flash, language_of, page, redirect, t

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
#: The one-click unsubscribe: its POST checks CSRF itself, except for RFC 8058's body.
one_click = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=1024)]
OptionalText = Annotated[str, Form(max_length=1024)]
Message = Annotated[str, Form(max_length=4000)]
_STYLE: Final = re.compile(r"<style>(.*?)</style>", re.DOTALL)
#: The notice is the organisation's own document, styled by its own stylesheet: allowed
#: by its hash, nothing else.
_NOTICE_CSP: Final = (
    "default-src 'none'; style-src 'self' {hashes}; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _organisation(request: Request) -> str:
    with state_of(request).transaction(read_only=True) as session:
        return require_version(session).register.organisation.name


# The privacy notice ----------------------------------------------------------------------


def _notice(request: Request, lang: str) -> Response:
    state = state_of(request)
    with state.transaction(read_only=True) as session:
        stored = require_version(session)
    loaded = applied_register(stored.register, stored.taxonomy)
    body = render_notice(
        loaded, format=DocumentFormat.html, language=lang, today=state.clock.now().date()
    ).decode("utf-8")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"
        for style in _STYLE.findall(body)
    )
    response = HTMLResponse(body)
    response.headers["content-security-policy"] = _NOTICE_CSP.format(hashes=hashes)
    response.headers["content-language"] = lang
    return response


@router.get("/privacy")
def privacy(request: Request) -> Response:
    """The organisation's privacy notice in the visitor's language."""
    return _notice(request, language_of(request))


@router.get("/privacy/{lang}")
def privacy_in(request: Request, lang: str) -> Response:
    """The privacy notice in ``lang`` (nl, en or fr): a stable address to link to."""
    if lang not in LANGUAGES:
        raise NotFound("no page {page}", page=lang)
    return _notice(request, lang)


# Sending a request -----------------------------------------------------------------------


def _form(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    lang = language_of(request)
    kinds = [
        (kind, t(lang, "to stop receiving direct marketing"))
        if kind == "unsubscribe"
        else (kind, kind_label(lang, kind))
        for kind in PUBLIC_KINDS
    ]
    context = {
        "kinds": kinds,
        "values": values or {"kind": "access"},
        "errors": errors or {},
        "mail": mail_configured(request),
        "organisation": _organisation(request),
    }
    return page(request, "public/request.html", context, status=status)


@router.get("/request")
def request_form(request: Request) -> Response:
    """The form to send a request about one's personal data."""
    return _form(request)


@router.post("/request")
def send_request(
    request: Request,
    kind: Text,
    email: Text,
    phone: OptionalText = "",
    national_number: OptionalText = "",
    message: Message = "",
    website: OptionalText = "",
) -> Response:
    """Keep the request and e-mail the link that confirms it; nothing is filed before."""
    lang = language_of(request)
    if website:  # the honeypot: a person never sees this field, a robot fills it in
        return page(request, "public/request_sent.html", {"hours": _hours()})
    state = state_of(request)
    values = {"kind": kind, "email": email, "phone": phone,
              "national_number": national_number, "message": message}  # fmt: skip
    if not mail_configured(request):
        return _form(request, values=values, status=409)
    at = state.clock.now()
    try:
        with state.transaction() as session:
            organisation = require_version(session).register.organisation.name
            submitted = submit_public_request(
                session,
                state.keyring(),
                kind=kind,
                language=lang,
                email=email,
                phone=phone,
                national_number=national_number,
                message=message,
                at=at,
            )
            mail = verification(
                lang,
                organisation=organisation,
                kind="objection" if kind == "unsubscribe" else kind,
                link=link(request, f"/request/verify/{submitted.token}"),
                hours=_hours(),
            )
            mailer(request, session).send(email.strip(), mail, at=at)
    except InvalidInput as error:
        return _form(request, values=values, errors={"form": error_text(lang, error)}, status=422)
    return page(request, "public/request_sent.html", {"hours": _hours()})


def _hours() -> int:
    return int(CONFIRM_VALID.total_seconds() // 3600)


@router.get("/request/verify/{token}")
def confirm_form(request: Request, token: str) -> Response:
    """The button that confirms a request: a page, so that a mail scanner opening the link
    confirms nothing."""
    state = state_of(request)
    lang = language_of(request)
    with state.transaction(read_only=True) as session:
        pending = pending_request(session, token, at=state.clock.now())
    context = {"token": token, "kind": kind_label(lang, pending.kind), "pending": pending}
    return page(request, "public/confirm.html", context)


@router.post("/request/verify/{token}")
def confirm(request: Request, token: str) -> Response:
    """File the request and show its private status link (also e-mailed)."""
    state = state_of(request)
    at = state.clock.now()
    with state.transaction() as session:
        confirmed = confirm_public_request(session, state.keyring(), token, at=at)
        organisation = require_version(session).register.organisation.name
    checkpoint(state.engine)
    status_url = link(request, f"/request/status/{confirmed.status_token}")
    mailed = True
    try:
        with state.transaction() as session:
            mail = request_confirmation(
                confirmed.view.language,
                organisation=organisation,
                view=confirmed.view,
                link=status_url,
            )
            mailer(request, session).send(confirmed.email, mail, at=at)
    except KluisError:
        mailed = False
    context = {"view": confirmed.view, "status_url": status_url, "mailed": mailed,
               "kind": kind_label(language_of(request), confirmed.view.kind)}  # fmt: skip
    return page(request, "public/confirmed.html", context)


@router.get("/request/status/{token}")
def status(request: Request, token: str) -> Response:
    """Where a request stands: its kind, receipt, deadline, state and outcome."""
    state = state_of(request)
    lang = language_of(request)
    with state.transaction(read_only=True) as session:
        found = request_status(session, token, today=state.clock.now().date())
    if found is None:
        raise NotFound("this link is not valid any more")
    context = {
        "status": found,
        "kind": kind_label(lang, found.kind),
        "state": outcome_label(lang, found.status),
    }
    return page(request, "public/status.html", context)


# Unsubscribing ---------------------------------------------------------------------------


def _unsubscribe_page(request: Request, token: str, *, done: bool) -> Response:
    return page(request, "public/unsubscribe.html", {"token": token, "done": done})


@router.get("/unsubscribe/{token}")
def unsubscribe_form(request: Request, token: str) -> Response:
    """The button that unsubscribes (a page, so that opening the link changes nothing)."""
    with state_of(request).transaction(read_only=True) as session:
        subject = unsubscribe_subject(session, token)
        used = unsubscribed_at(session, token) if subject else None
    if subject is None:  # unknown, or the person was erased by their unsubscribe
        return page(request, "public/unsubscribe.html", {"token": "", "done": None}, status=404)
    return _unsubscribe_page(request, token, done=used is not None)


@one_click.post("/unsubscribe/{token}")
async def unsubscribe(request: Request, token: str) -> Response:
    """Unsubscribe from direct marketing: suppressed, consent withdrawn, marketing records
    erased. A mail program's one-click POST (RFC 8058) needs no CSRF token; the page's
    button does."""
    form = await request.form()
    one = form.get("List-Unsubscribe") == "One-Click"
    if not one:
        await check_csrf(request)
    return _unsubscribe(request, token, one_click=one)


def _unsubscribe(request: Request, token: str, *, one_click: bool) -> Response:
    state = state_of(request)
    with state.transaction() as session:
        subject = unsubscribe_subject(session, token)
        if subject is None:
            raise NotFound("this link is not valid any more")
        done = unsubscribed_at(session, token) is not None
        if not done:
            shred_before_objection(
                session, state.keyring(), UNSUBSCRIBE_ACTOR, subject, reason="unsubscribe"
            )
    if not done:
        with state.transaction() as session:
            organisation = require_version(session).register.organisation
            object_to_marketing(
                session,
                state.keyring(),
                UNSUBSCRIBE_ACTOR,
                subject,
                reason="unsubscribe",
                channel=Channel.email if one_click else Channel.web_form,
                language=language_of(request)
                if language_of(request) in organisation.languages
                else organisation.languages[0],
                at=state.clock.now(),
            )
            mark_unsubscribed(session, token, at=state.clock.now())
        checkpoint(state.engine)
    if one_click:
        return Response(status_code=200)
    return _unsubscribe_page(request, token, done=True)


# Password resets -------------------------------------------------------------------------


@router.get("/password/forgot")
def forgot_form(request: Request) -> Response:
    """The form that sends a link to choose a new password."""
    return page(request, "public/forgot.html", {"sent": False, "mail": mail_configured(request)})


@router.post("/password/forgot")
def forgot(request: Request, email: Text) -> Response:
    """E-mail a reset link to the user with ``email``, if there is one: the answer is the
    same either way, so the form does not tell which addresses exist."""
    state = state_of(request)
    lang = language_of(request)
    if not mail_configured(request):
        return page(request, "public/forgot.html", {"sent": False, "mail": False}, status=409)
    at = state.clock.now()
    try:
        with state.transaction() as session:
            found = start_reset(session, email, at=at)
            if found is not None:
                user, token = found
                mail = password_reset(
                    lang,
                    name=user.name,
                    link=link(request, f"/password/reset/{token}"),
                    minutes=int(RESET_VALID.total_seconds() // 60),
                )
                mailer(request, session).send(email.strip(), mail, at=at)
    except MailFailed:
        pass  # the same answer: a failure would tell the address exists
    return page(request, "public/forgot.html", {"sent": True, "mail": True})


@router.get("/password/reset/{token}")
def reset_form(request: Request, token: str) -> Response:
    """The form for a new password."""
    return page(request, "public/reset.html", {"token": token, "error": None})


@router.post("/password/reset/{token}")
def reset(request: Request, token: str, password: Text, confirm: Text) -> Response:
    """Set the new password (the link works once, within its hour), then sign in."""
    state = state_of(request)
    lang = language_of(request)
    error = None
    if password != confirm:
        error = t(lang, "The two passwords are not the same.")
    else:
        try:
            with state.transaction() as session:
                forget_callers(request, session)
                finish_reset(session, token, password, at=state.clock.now())
        except InvalidInput as refused:
            error = error_text(lang, refused)
    if error is not None:
        return page(request, "public/reset.html", {"token": token, "error": error}, status=422)
    response = redirect("/login")
    flash(response, request, "Your password was changed. Sign in with it.")
    return response
