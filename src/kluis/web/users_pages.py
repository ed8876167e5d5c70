"""Users, sign-in and API tokens.

``/users`` (administrators): every user with their roles and whether they can sign in and
have a second factor; adding a user, changing roles, deactivating, and every API token.
``/account`` (everyone signed in): their own password, second factor (TOTP, set up from a
QR code drawn on the server as SVG) and API tokens, a token shown once when it is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Final, TypeVar

import segno
from fastapi import APIRouter, Depends, Form, Request
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.responses import Response

from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, KluisError, NotAllowed, NotFound
from kluis.server import Caller, check_csrf, forget_callers, state_of
from kluis.users import add_user, deactivate_user, known_roles, list_users, set_roles
from kluis.users.auth import (
    authenticate,
    create_token,
    disable_totp,
    email_of,
    enable_totp,
    has_password,
    has_totp,
    list_tokens,
    new_totp_secret,
    revoke_token,
    set_password,
    totp_uri,
)
from kluis.users.models import User
from kluis.web.errors import error_text
from kluis.web.render import (
    PER_PAGE,
    Page,
    flash,
    language_of,
    page,
    page_number,
    redirect,
    t,
)
from kluis.web.units import safe_next, signed_in

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

Text = Annotated[str, Form(max_length=1024)]
OptionalText = Annotated[str, Form(max_length=1024)]
Roles = Annotated[list[str] | None, Form()]
ISSUER: Final = "Kluis"
T = TypeVar("T")


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed("only an administrator may manage users")


def _user_by_id(session: Session, user_id: int) -> User:
    user = next((item for item in list_users(session) if item.id == user_id), None)
    if user is None:
        raise NotFound("no user {id}", id=user_id)
    return user


def _rows(session: Session) -> list[dict[str, object]]:
    return [
        {
            "user": user,
            "password": has_password(session, user),
            "totp": has_totp(session, user),
        }
        for user in list_users(session)
    ]


def _users_context(
    request: Request, session: Session, values: dict[str, object], errors: dict[str, str]
) -> dict[str, object]:
    rows = _rows(session)
    number = page_number(request)
    start = (number - 1) * PER_PAGE
    return {
        "result": Page(rows[start : start + PER_PAGE], number, PER_PAGE, len(rows)),
        "roles": known_roles(session),
        "values": values,
        "errors": errors,
    }


@router.get("/users")
def users_page(request: Request) -> Response:
    """Every user, and the form to add one (administrators)."""
    with signed_in(request) as (session, caller):
        _require_admin(caller.actor)
        context = _users_context(request, session, {}, {})
    return page(request, "users/list.html", context, caller=caller)


@router.post("/users")
def user_add(
    request: Request,
    name: Text,
    password: Text,
    email: OptionalText = "",
    role: Roles = None,
) -> Response:
    """Add a user with roles, an e-mail address and an initial password."""
    state = state_of(request)
    lang = language_of(request)
    try:
        with signed_in(request) as (session, caller):
            _require_admin(caller.actor)
            now = state.clock.now()
            add_user(session, name.strip(), role or [], actor=caller.actor, at=now)
            forget_callers(request, session)
            set_password(
                session, name.strip(), password, actor=caller.actor, at=now, email=email or None
            )
    except (InvalidInput, NotFound) as error:
        with signed_in(request) as (session, caller):
            values: dict[str, object] = {"name": name, "email": email, "roles": role or []}
            context = _users_context(request, session, values, {"form": error_text(lang, error)})
        return page(request, "users/list.html", context, caller=caller, status=422)
    response = redirect("/users")
    flash(response, request, "User {name} added.", name=name.strip())
    return response


@router.get("/users/tokens")
def all_tokens(request: Request) -> Response:
    """Every API token (administrators)."""
    with signed_in(request) as (session, caller):
        _require_admin(caller.actor)
        tokens = list_tokens(session, actor=caller.actor)
    result = _page_of(request, tokens)
    context = {"result": result, "all": True, "back": "/users/tokens"}
    return page(request, "users/tokens.html", context, caller=caller)


@router.get("/users/{user_id}")
def user_page(request: Request, user_id: int) -> Response:
    """One user: roles, sign-in, and what an administrator may change."""
    with signed_in(request) as (session, caller):
        _require_admin(caller.actor)
        user = _user_by_id(session, user_id)
        context = {
            "user": user,
            "password": has_password(session, user),
            "totp": has_totp(session, user),
            "email": email_of(session, user),
            "roles": known_roles(session),
        }
    return page(request, "users/user.html", context, caller=caller)


@router.post("/users/{user_id}/roles")
def user_roles(request: Request, user_id: int, role: Roles = None) -> Response:
    """Replace a user's roles."""
    with signed_in(request) as (session, caller):
        _require_admin(caller.actor)
        user = _user_by_id(session, user_id)
        forget_callers(request, session)
        set_roles(
            session, user.name, role or [], actor=caller.actor, at=state_of(request).clock.now()
        )
    response = redirect(f"/users/{user_id}")
    flash(response, request, "Roles changed.")
    return response


@router.post("/users/{user_id}/deactivate")
def user_deactivate(request: Request, user_id: int) -> Response:
    """Stop a user from acting (their audit entries stay)."""
    with signed_in(request) as (session, caller):
        _require_admin(caller.actor)
        user = _user_by_id(session, user_id)
        forget_callers(request, session)
        deactivate_user(session, user.name, actor=caller.actor, at=state_of(request).clock.now())
    response = redirect("/users")
    flash(response, request, "User {name} deactivated.", name=user.name)
    return response


@router.post("/users/{user_id}/totp/off")
def user_totp_off(request: Request, user_id: int) -> Response:
    """Turn a user's second factor off (an administrator, for a lost phone)."""
    with signed_in(request) as (session, caller):
        _require_admin(caller.actor)
        user = _user_by_id(session, user_id)
        disable_totp(session, user.name, actor=caller.actor, at=state_of(request).clock.now())
    response = redirect(f"/users/{user_id}")
    flash(response, request, "The second factor is off.")
    return response


# The signed-in user's own account ----------------------------------------------------------


def _account_context(session: Session, caller: Caller) -> dict[str, object]:
    assert caller.signed is not None
    user = caller.signed.user
    return {
        "user": user,
        "totp": has_totp(session, user),
        "email": email_of(session, user),
        "errors": {},
    }


def _signed_user(caller: Caller) -> User:
    if caller.signed is None:
        raise NotAllowed("only a signed-in person may change their own sign-in")
    return caller.signed.user


@router.get("/account")
def account_page(request: Request) -> Response:
    """The signed-in user's password and second factor."""
    with signed_in(request) as (session, caller):
        _signed_user(caller)
        context = _account_context(session, caller)
    return page(request, "users/account.html", context, caller=caller)


@router.post("/account/password")
def change_password(request: Request, current: Text, password: Text, confirm: Text) -> Response:
    """Change one's own password (the current one first); every session ends, so the user
    signs in again with the new one."""
    state = state_of(request)
    lang = language_of(request)
    errors: dict[str, str] = {}
    with signed_in(request) as (session, caller):
        user = _signed_user(caller)
        address = request.client.host if request.client else "unknown"
        try:
            checked = authenticate(
                session, user.name, current, address=address, at=state.clock.now()
            )
        except KluisError as error:
            errors["current"] = error_text(lang, error)
        else:
            if checked.user is None:
                errors["current"] = t(lang, "That is not your current password.")
        if not errors and password != confirm:
            errors["confirm"] = t(lang, "The two passwords are not the same.")
        if not errors:
            try:
                with session.begin_nested():
                    forget_callers(request, session)
                    set_password(
                        session, user.name, password, actor=caller.actor, at=state.clock.now()
                    )
            except InvalidInput as error:
                errors["password"] = error_text(lang, error)
        context = _account_context(session, caller) | {"errors": errors}
    if errors:
        return page(request, "users/account.html", context, caller=caller, status=422)
    response = redirect("/login")
    flash(response, request, "Your password was changed; sign in with the new one.")
    return response


def _qr(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG (drawn here: no script, no image request)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, title="QR")
    return Markup(svg)  # noqa: S704 - segno's own SVG markup, no user input in it but the URI it encodes


def _totp_context(user: User, secret: str, error: str | None) -> dict[str, object]:
    uri = totp_uri(secret, name=user.name, issuer=ISSUER)
    return {"secret": secret, "qr": _qr(uri), "error": error}


@router.get("/account/totp")
def totp_form(request: Request) -> Response:
    """A new secret to scan, and the form to confirm it with a code."""
    with signed_in(request) as (_session, caller):
        user = _signed_user(caller)
    context = _totp_context(user, new_totp_secret(), None)
    return page(request, "users/totp.html", context, caller=caller)


@router.post("/account/totp")
def totp_on(
    request: Request,
    secret: Annotated[str, Form(max_length=64)],
    code: Annotated[str, Form(max_length=16)],
) -> Response:
    """Turn the second factor on, once a code shows the app holds the secret."""
    lang = language_of(request)
    try:
        with signed_in(request) as (session, caller):
            user = _signed_user(caller)
            state = state_of(request)
            enable_totp(
                session, user, secret.strip(), code, provider=state.provider, at=state.clock.now()
            )
    except InvalidInput as error:
        context = _totp_context(user, secret.strip(), error_text(lang, error))
        return page(request, "users/totp.html", context, caller=caller, status=422)
    response = redirect("/account")
    flash(response, request, "The second factor is on: Kluis asks for a code at every sign-in.")
    return response


@router.post("/account/totp/off")
def totp_off(request: Request) -> Response:
    """Turn one's own second factor off."""
    with signed_in(request) as (session, caller):
        user = _signed_user(caller)
        disable_totp(session, user.name, actor=caller.actor, at=state_of(request).clock.now())
    response = redirect("/account")
    flash(response, request, "The second factor is off.")
    return response


def _page_of(request: Request, items: Sequence[T]) -> Page[T]:
    number = page_number(request)
    start = (number - 1) * PER_PAGE
    return Page(items[start : start + PER_PAGE], number, PER_PAGE, len(items))


@router.get("/account/tokens")
def own_tokens(request: Request) -> Response:
    """The user's own API tokens, and the form to make one."""
    with signed_in(request) as (session, caller):
        tokens = [
            (token, owner)
            for token, owner in list_tokens(session, actor=caller.actor)
            if owner == caller.name
        ]
    context = {
        "result": _page_of(request, tokens),
        "all": False,
        "back": "/account/tokens",
        "own_roles": sorted(caller.actor.roles),
        "error": None,
    }
    return page(request, "users/tokens.html", context, caller=caller)


@router.post("/account/tokens")
def token_create(request: Request, name: Text, role: Roles = None) -> Response:
    """Make an API token with some of one's own roles; it is shown once, on this page."""
    with signed_in(request) as (session, caller):
        token, plain = create_token(
            session, name, role or [], actor=caller.actor, at=state_of(request).clock.now()
        )
        context = {"token": token, "plain": plain}
    return page(request, "users/token_made.html", context, caller=caller)


@router.post("/account/tokens/{token_id}/revoke")
def token_revoke(
    request: Request, token_id: int, next: OptionalText = "/account/tokens"
) -> Response:
    """Revoke a token (its owner, or an administrator)."""
    with signed_in(request) as (session, caller):
        forget_callers(request, session)
        revoke_token(session, token_id, actor=caller.actor, at=state_of(request).clock.now())
    response = redirect(safe_next(next, "/account/tokens"))
    flash(response, request, "Token {id} revoked.", id=token_id)
    return response
