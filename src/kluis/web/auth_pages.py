"""Signing in and out: the first administrator, the password and the second factor, and
the language switch. Every cookie is HttpOnly, SameSite=Strict and Secure; every sign-in
gets a new session token and a new CSRF token."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from kluis.core.errors import KluisError
from kluis.i18n import LANGUAGES
from kluis.server import SESSION_COOKIE, check_csrf, forget_callers, state_of
from kluis.server.auth import renew_csrf
from kluis.server.security import cookie_header
from kluis.users.auth import (
    SESSION_MAX,
    anyone_can_sign_in,
    authenticate,
    create_first_admin,
    end_session,
    second_factor,
    session_for,
    start_session,
)
from kluis.users.errors import Throttled
from kluis.web.errors import error_text
from kluis.web.render import language_of, page, redirect, set_language_cookie, t
from kluis.web.units import safe_next

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

Text = Annotated[str, Form(max_length=1024)]
OptionalText = Annotated[str, Form(max_length=1024)]


def _set_session(response: Response, request: Request, token: str) -> None:
    response.headers.append(
        "set-cookie",
        cookie_header(
            SESSION_COOKIE,
            token,
            secure=state_of(request).secure_cookies,
            max_age=int(SESSION_MAX.total_seconds()),
        ).decode("latin-1"),
    )


def _clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/setup")
def setup_form(request: Request) -> Response:
    """The form for the first administrator, while nobody can sign in."""
    with state_of(request).transaction() as session:
        if anyone_can_sign_in(session):
            return redirect("/login")
    code = request.query_params.get("code", "")
    return page(request, "setup.html", {"code": code[:64], "errors": {}, "values": {}})


@router.post("/setup")
def setup(
    request: Request,
    code: Text,
    name: Text,
    password: Text,
    confirm: Text,
    email: OptionalText = "",
) -> Response:
    """Create the first administrator and sign them in."""
    state = state_of(request)
    lang = language_of(request)
    errors: dict[str, str] = {}
    if not hmac.compare_digest(code.strip(), state.setup_code):
        errors["code"] = t(lang, "This is not the set-up code Kluis printed when it started.")
    if password != confirm:
        errors["confirm"] = t(lang, "The two passwords are not the same.")
    if not errors:
        try:
            with state.transaction() as session:
                user = create_first_admin(
                    session, name, password, email=email or None, at=state.clock.now()
                )
                token = start_session(
                    session, user, at=state.clock.now(), verified=True, language=lang
                )
        except KluisError as error:
            errors["form"] = error_text(lang, error)
        else:
            response = redirect("/")
            _set_session(response, request, token)
            renew_csrf(request)
            return response
    values = {"name": name, "email": email}
    return page(
        request, "setup.html", {"code": code[:64], "errors": errors, "values": values}, status=422
    )


@router.get("/login")
def login_form(request: Request) -> Response:
    """The sign-in form (or the set-up form while nobody can sign in)."""
    with state_of(request).transaction() as session:
        if not anyone_can_sign_in(session):
            return redirect("/setup")
    target = safe_next(request.query_params.get("next"))
    return page(request, "login.html", {"next": target, "error": None, "name": ""})


@router.post("/login")
def login(request: Request, name: Text, password: Text, next: OptionalText = "/") -> Response:
    """Check the password; with a second factor, ask for its code next."""
    state = state_of(request)
    lang = language_of(request)
    at = state.clock.now()
    target = safe_next(next)
    try:
        with state.transaction() as session:
            outcome = authenticate(session, name, password, address=_address(request), at=at)
            token = None
            if outcome.user is not None:
                token = start_session(
                    session,
                    outcome.user,
                    at=at,
                    verified=not outcome.second_factor,
                    language=lang,
                )
    except KluisError as error:
        context = {"next": target, "error": error_text(lang, error), "name": name}
        return page(request, "login.html", context, status=429)
    if token is None:
        wrong = t(lang, "The name or the password is not right.")
        context = {"next": target, "error": wrong, "name": name}
        return page(request, "login.html", context, status=401)
    destination = f"/login/code?{urlencode({'next': target})}" if outcome.second_factor else target
    response = redirect(destination)
    _set_session(response, request, token)
    renew_csrf(request)
    return response


@router.get("/login/code")
def code_form(request: Request) -> Response:
    """The form for the second factor's code."""
    target = safe_next(request.query_params.get("next"))
    return page(request, "login_code.html", {"next": target, "error": None})


@router.post("/login/code")
def code(request: Request, code: Text, next: OptionalText = "/") -> Response:
    """Check the code; on success the session is replaced by a verified one."""
    state = state_of(request)
    lang = language_of(request)
    at = state.clock.now()
    target = safe_next(next)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    throttled: Throttled | None = None
    with state.transaction() as session:
        signed = session_for(session, cookie, at=at) if cookie else None
        if signed is None:
            return redirect("/login")
        try:
            token = second_factor(
                session,
                signed,
                code,
                provider=state.provider,
                address=_address(request),
                at=at,
            )
        except Throttled as error:  # caught inside: the ended session is committed
            throttled, token = error, None
    if throttled is not None:
        context = {"next": target, "error": error_text(lang, throttled)}
        return page(request, "login_code.html", context, status=429)
    if token is None:
        wrong = t(lang, "That code is not right. Codes change every 30 seconds.")
        return page(request, "login_code.html", {"next": target, "error": wrong}, status=401)
    response = redirect(target)
    _set_session(response, request, token)
    renew_csrf(request)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """Sign out: the session ends on the server, the cookie is removed."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with state_of(request).transaction() as session:
            forget_callers(request, session)
            end_session(session, cookie)
    response = redirect("/login")
    _clear_session(response)
    renew_csrf(request)
    return response


@router.post("/language")
def choose_language(
    request: Request,
    lang: Annotated[str, Form(max_length=2)],
    next: OptionalText = "/",
) -> Response:
    """Switch the interface to ``lang`` (remembered in a cookie)."""
    response = redirect(safe_next(next))
    if lang in LANGUAGES:
        set_language_cookie(response, lang, secure=state_of(request).secure_cookies)
    return response
