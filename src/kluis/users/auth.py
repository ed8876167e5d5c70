"""Signing in: passwords hashed with argon2, throttled attempts, browser sessions, an
optional TOTP second factor, password-reset links and API tokens.

Every secret Kluis hands out (session cookie, reset link, API token) is a random token of
at least 256 bits of which only the SHA-256 is stored: a copy of the database lets nobody
in. Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second
recommended set). Names tried at sign-in are stored only as digests, for throttling.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Final

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event
from kluis.core.actor import ADMIN, DPO, Actor
from kluis.core.errors import Conflict, InvalidInput, KluisError, NotAllowed, NotFound
from kluis.crypto import KeyProvider
from kluis.users.errors import Throttled
from kluis.users.models import ApiToken, Login, LoginFailure, ResetToken, User, WebSession
from kluis.users.service import add_user, check_roles

#: A session ends after this long without a request, and in any case after ``SESSION_MAX``.
SESSION_IDLE: Final = timedelta(hours=2)
SESSION_MAX: Final = timedelta(hours=12)
#: A session between password and second factor ends after this long.
PENDING_MAX: Final = timedelta(minutes=5)
#: A session's last-seen moment is written at most this often (not at every request).
SEEN_EVERY: Final = timedelta(minutes=1)
#: Sign-in throttling: this many failures for one name, or from one address, within the
#: window, and further attempts are refused until the window has passed.
THROTTLE_WINDOW: Final = timedelta(minutes=15)
NAME_FAILURES: Final = 5
ADDRESS_FAILURES: Final = 20
RESET_VALID: Final = timedelta(hours=1)
MIN_PASSWORD: Final = 12
MAX_PASSWORD: Final = 1024
TOKEN_PREFIX: Final = "kluis"  # noqa: S105 - the visible start of every API token

_HASHER: Final = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so that a wrong name takes as long as a
    wrong password and does not tell which names exist."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def digest(token: str) -> str:
    """The SHA-256 of ``token`` in hex: how every handed-out secret is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password(password: str, *, name: str) -> None:
    """Refuse a password that is too short, too long, or the user's name."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("a password needs at least {n} characters", n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise InvalidInput("a password may have at most {n} characters", n=MAX_PASSWORD)
    if password.strip().casefold() == name.strip().casefold():
        raise InvalidInput("a password may not be the user's name")


def _user(session: Session, name: str) -> User:
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        raise NotFound("no user '{name}'", name=name)
    return user


def sign_in_of(session: Session, name: str, *, actor: Actor) -> User:
    """User ``name``, whose password or second factor ``actor`` is about to change: their
    own, or anyone's for an administrator (:class:`NotAllowed` otherwise, :class:`NotFound`
    for no such user). An interface asks it before asking for a new password."""
    if actor.name != name and not actor.is_admin:
        raise NotAllowed("only an administrator may change another user's sign-in")
    return _user(session, name)


def _end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def anyone_can_sign_in(session: Session) -> bool:
    """Whether any active user has a password for the web interface."""
    return (
        session.execute(
            select(Login.user_id).join(User, User.id == Login.user_id).where(User.active).limit(1)
        ).first()
        is not None
    )


def set_password(
    session: Session,
    name: str,
    password: str,
    *,
    actor: Actor,
    at: datetime,
    email: str | None = None,
) -> User:
    """Give user ``name`` a (new) password, and an e-mail address for resets when given.
    Users set their own; an administrator sets anyone's. Every session of the user ends."""
    user = sign_in_of(session, name, actor=actor)
    check_password(password, name=name)
    login = session.get(Login, user.id)
    hashed = _HASHER.hash(password)
    if login is None:
        login = Login(user_id=user.id, password_hash=hashed, changed_at=at)
        session.add(login)
    else:
        login.password_hash = hashed
        login.changed_at = at
    if email is not None:
        login.email = email.strip() or None
        if login.email is not None:
            _check_email_free(session, login.email, user.id)
    _end_sessions(session, user.id)
    record_event(session, actor, Event("user_password", detail={"user": name}), at=at)
    return user


def _check_email_free(session: Session, email: str, user_id: int) -> None:
    """Refuse an e-mail address another user already signs in with (a reset link goes to
    one person)."""
    taken = session.execute(
        select(Login.user_id).where(
            func.lower(Login.email) == email.lower(), Login.user_id != user_id
        )
    ).first()
    if taken is not None:
        raise Conflict("another user has this e-mail address already")


def create_first_admin(
    session: Session, name: str, password: str, *, email: str | None, at: datetime
) -> User:
    """The first administrator of the web interface, while nobody can sign in yet: a new
    user with roles ``admin`` and ``dpo``, or an existing administrator given a password."""
    if anyone_can_sign_in(session):
        raise Conflict("the first administrator exists already; sign in instead")
    name = name.strip()
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    setup = Actor.system("setup")
    if user is None:
        first = session.execute(select(User.id).limit(1)).first() is None
        creator = setup if first else Actor(name=setup.name, roles=frozenset({ADMIN}))
        user = add_user(session, name, [ADMIN, DPO], actor=creator, at=at)
    elif ADMIN not in user.roles or not user.active:
        raise Conflict("'{name}' exists and is not an active administrator", name=name)
    set_password(session, name, password, actor=Actor(name, frozenset({ADMIN})), at=at, email=email)
    return user


def _throttled(session: Session, *, name_digest: str, address_digest: str, at: datetime) -> bool:
    since = at - THROTTLE_WINDOW
    by_name = session.execute(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.name_digest == name_digest, LoginFailure.at > since)
    ).scalar_one()
    by_address = session.execute(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address_digest == address_digest, LoginFailure.at > since)
    ).scalar_one()
    return by_name >= NAME_FAILURES or by_address >= ADDRESS_FAILURES


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password check: the user, or why not (``None`` with a failure
    recorded); ``second_factor`` when a TOTP code must follow."""

    user: User | None
    second_factor: bool = False


def authenticate(
    session: Session, name: str, password: str, *, address: str, at: datetime
) -> SignIn:
    """Check ``name`` and ``password``. A failure is recorded (and must be committed: the
    interface commits and then says so); after too many, :class:`Throttled` is raised
    before the password is even checked."""
    name_digest = digest(name.strip().casefold())
    address_digest = digest(address)
    if _throttled(session, name_digest=name_digest, address_digest=address_digest, at=at):
        raise Throttled(
            "too many failed sign-ins; try again in {minutes} minutes",
            minutes=int(THROTTLE_WINDOW.total_seconds() // 60),
        )
    found = session.execute(
        select(User, Login)
        .join(Login, Login.user_id == User.id)
        .where(User.name == name.strip(), User.active)
    ).first()
    stored = found[1].password_hash if found else _dummy_hash()
    try:
        ok = _HASHER.verify(stored, password[:MAX_PASSWORD]) and found is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or found is None:
        session.add(LoginFailure(name_digest=name_digest, address_digest=address_digest, at=at))
        session.flush()
        return SignIn(user=None)
    user, login = found
    if _HASHER.check_needs_rehash(login.password_hash):
        login.password_hash = _HASHER.hash(password)
    if not _has_second_factor(login):  # with a second factor, failures count until it passes
        _clear_failures(session, name_digest, at)
    return SignIn(user=user, second_factor=_has_second_factor(login))


def _clear_failures(session: Session, name_digest: str, at: datetime) -> None:
    session.execute(
        delete(LoginFailure).where(LoginFailure.name_digest == name_digest, LoginFailure.at <= at)
    )


def forget_failures(session: Session, *, before: datetime) -> int:
    """Delete failed sign-ins older than ``before`` (they no longer count); how many."""
    result = session.execute(delete(LoginFailure).where(LoginFailure.at < before))
    return int(getattr(result, "rowcount", 0) or 0)


# Sessions -------------------------------------------------------------------------------


def start_session(
    session: Session, user: User, *, at: datetime, verified: bool, language: str | None = None
) -> str:
    """A new browser session for ``user``; returns the cookie token (never stored). A new
    token at every sign-in and second factor, so a session id planted before sign-in is
    worth nothing (session fixation)."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=digest(token),
            user_id=user.id,
            verified=verified,
            created_at=at,
            seen_at=at,
            expires_at=at + (SESSION_MAX if verified else PENDING_MAX),
            language=language,
        )
    )
    if verified:
        record_event(session, actor_of(user), Event("sign_in"), at=at)
    return token


def actor_of(user: User) -> Actor:
    """The acting user ``user``."""
    return Actor(name=user.name, roles=frozenset(user.roles))


@dataclass(frozen=True)
class SignedIn:
    """The browser session a cookie stands for, and its user."""

    record: WebSession
    user: User
    #: Whether its last-seen moment is due to be written (when read without writing).
    stale: bool = False

    @property
    def actor(self) -> Actor:
        """The acting user."""
        return actor_of(self.user)


def session_for(
    session: Session, token: str, *, at: datetime, touch: bool = True
) -> SignedIn | None:
    """The live session of cookie ``token``, or ``None`` when unknown, idle too long,
    expired, or its user deactivated. With ``touch`` its last-seen moment is renewed (at
    most once a minute) and an ended session deleted; without, nothing is written and
    :attr:`SignedIn.stale` says whether a write was due."""
    if not token or len(token) > 128:
        return None
    found = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.id == digest(token))
    ).first()
    if found is None:
        return None
    record, user = found
    if not user.active or record.expires_at <= at or record.seen_at + SESSION_IDLE <= at:
        if touch:
            session.delete(record)
        return None
    stale = at - record.seen_at >= SEEN_EVERY
    if stale and touch:
        record.seen_at = at
    return SignedIn(record=record, user=user, stale=stale and not touch)


def end_session(session: Session, token: str) -> None:
    """Sign the browser of ``token`` out."""
    session.execute(delete(WebSession).where(WebSession.id == digest(token)))


def forget_sessions(session: Session, *, at: datetime) -> int:
    """Delete sessions that have expired or been idle too long; how many."""
    result = session.execute(
        delete(WebSession).where(
            (WebSession.expires_at <= at) | (WebSession.seen_at <= at - SESSION_IDLE)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


# The second factor ---------------------------------------------------------------------


def new_totp_secret() -> str:
    """A new random TOTP secret (base32), to show as a QR code before it is confirmed."""
    return pyotp.random_base32()


def totp_uri(secret: str, *, name: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=issuer)


def _code_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step whose code ``code`` is (this one, or the one before or after, for
    clocks a little apart), or ``None``."""
    cleaned = "".join(code.split())
    if not cleaned.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(at)
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), cleaned):
            return step
    return None


def _has_second_factor(login: Login) -> bool:
    return login.totp_wrapped is not None or login.totp_secret is not None


def _context(user_id: int) -> bytes:
    """What a user's secret is bound to when wrapped: moved to another user's row, it does
    not unwrap."""
    return f"kluis-totp:{user_id}".encode("ascii")


def _seal(login: Login, secret: str, provider: KeyProvider) -> None:
    login.totp_kek_id, login.totp_wrapped = provider.wrap(
        secret.encode("ascii"), context=_context(login.user_id)
    )
    login.totp_secret = None


def _secret(login: Login, provider: KeyProvider) -> str | None:
    """The user's TOTP secret, unwrapped (or as an earlier version stored it)."""
    if login.totp_wrapped is not None and login.totp_kek_id is not None:
        plain = provider.unwrap(
            login.totp_kek_id, login.totp_wrapped, context=_context(login.user_id)
        )
        return plain.decode("ascii")
    return login.totp_secret


def _fresh_step(login: Login, code: str, provider: KeyProvider, at: datetime) -> int | None:
    """The time step of ``code`` if it is the user's and newer than the last one accepted
    (each code is accepted once), else ``None``."""
    secret = _secret(login, provider)
    if secret is None:
        return None
    step = _code_step(secret, code, at)
    if step is None or (login.totp_step is not None and step <= login.totp_step):
        return None
    return step


def enable_totp(
    session: Session,
    user: User,
    secret: str,
    code: str,
    *,
    provider: KeyProvider,
    at: datetime,
) -> None:
    """Turn the second factor on, once ``code`` shows the authenticator holds ``secret``
    (that code cannot then sign in: each code is accepted once). The secret is stored
    wrapped by ``provider``'s current key-encryption key."""
    login = session.get(Login, user.id)
    if login is None:
        raise Conflict("set a password before a second factor")
    step = _code_step(secret, code, at)
    if step is None:
        raise InvalidInput("that code is not right; check the time on your phone and try again")
    _seal(login, secret, provider)
    login.totp_step = step
    record_event(session, actor_of(user), Event("user_totp", detail={"on": True}), at=at)


def disable_totp(session: Session, name: str, *, actor: Actor, at: datetime) -> None:
    """Turn user ``name``'s second factor off (the user, or an administrator)."""
    user = sign_in_of(session, name, actor=actor)
    login = session.get(Login, user.id)
    if login is not None:
        login.totp_secret = login.totp_kek_id = login.totp_wrapped = None
        login.totp_step = None
    record_event(session, actor, Event("user_totp", detail={"user": name, "on": False}), at=at)


def has_totp(session: Session, user: User) -> bool:
    """Whether ``user`` signs in with a second factor."""
    login = session.get(Login, user.id)
    return login is not None and _has_second_factor(login)


def totp_key_counts(session: Session) -> dict[str, int]:
    """How many second-factor secrets each key-encryption key wraps."""
    rows = session.execute(
        select(Login.totp_kek_id, func.count())
        .where(Login.totp_kek_id.is_not(None))
        .group_by(Login.totp_kek_id)
    ).all()
    return {str(kek_id): int(count) for kek_id, count in rows}


def seal_totp_secrets(session: Session, provider: KeyProvider) -> int:
    """Wrap under ``provider``'s current key-encryption key every second-factor secret that
    is not yet: those stored in clear by an earlier version, and those wrapped by a KEK a
    rotation retired. How many were (re)wrapped. The server runs it at its start;
    ``kluis keys rotate`` after rewrapping the data keys."""
    current = provider.current_kek
    logins = session.scalars(
        select(Login)
        .where(
            (Login.totp_secret.is_not(None))
            | (Login.totp_wrapped.is_not(None) & (Login.totp_kek_id != current))
        )
        .order_by(Login.user_id)
        .with_for_update()
    ).all()
    sealed = 0
    for login in logins:
        try:
            secret = _secret(login, provider)
        except KluisError:  # its KEK is not in the key file: left as it is, for `keys status`
            continue
        if secret is not None:
            _seal(login, secret, provider)
            sealed += 1
    session.flush()
    return sealed


def has_password(session: Session, user: User) -> bool:
    """Whether ``user`` has a password for the web interface (can sign in when active)."""
    return session.get(Login, user.id) is not None


def second_factor(
    session: Session,
    signed: SignedIn,
    code: str,
    *,
    provider: KeyProvider,
    address: str,
    at: datetime,
) -> str | None:
    """Check the TOTP ``code`` of a session between password and second factor; on success a
    new, verified session replaces it and its token is returned. A code is accepted once:
    the same code again, or an older one, is wrong. A wrong code counts as a
    failed sign-in (the same throttle as passwords): after too many, :class:`Throttled`,
    and the half-signed-in session ends, so the code cannot be guessed."""
    name_digest = digest(signed.user.name.strip().casefold())
    address_digest = digest(address)
    if _throttled(session, name_digest=name_digest, address_digest=address_digest, at=at):
        session.delete(signed.record)
        raise Throttled(
            "too many failed sign-ins; try again in {minutes} minutes",
            minutes=int(THROTTLE_WINDOW.total_seconds() // 60),
        )
    login = session.get(Login, signed.user.id)
    step = _fresh_step(login, code, provider, at) if login is not None else None
    if login is None or step is None:
        session.add(LoginFailure(name_digest=name_digest, address_digest=address_digest, at=at))
        return None
    login.totp_step = step
    _clear_failures(session, name_digest, at)
    session.delete(signed.record)
    return start_session(
        session, signed.user, at=at, verified=True, language=signed.record.language
    )


# Password resets -----------------------------------------------------------------------


def start_reset(session: Session, email: str, *, at: datetime) -> tuple[User, str] | None:
    """A one-time reset token for the active user with ``email``, or ``None`` (the caller
    says the same either way, so the form does not tell which addresses exist)."""
    found = session.execute(
        select(User)
        .join(Login, Login.user_id == User.id)
        .where(func.lower(Login.email) == email.strip().lower(), User.active)
        .order_by(User.id)
        .limit(1)
    ).scalar_one_or_none()
    if found is None:
        return None
    token = secrets.token_urlsafe(32)
    session.add(ResetToken(digest=digest(token), user_id=found.id, expires_at=at + RESET_VALID))
    return found, token


def finish_reset(session: Session, token: str, password: str, *, at: datetime) -> User:
    """Set a new password with a reset token; the token works once, within its hour."""
    reset = session.get(ResetToken, digest(token)) if token else None
    if reset is None or reset.used_at is not None or reset.expires_at <= at:
        raise InvalidInput("this reset link is not valid any more; ask for a new one")
    user = session.get(User, reset.user_id)
    if user is None or not user.active:
        raise InvalidInput("this reset link is not valid any more; ask for a new one")
    reset.used_at = at
    set_password(session, user.name, password, actor=actor_of(user), at=at)
    return user


def forget_resets(session: Session, *, at: datetime) -> int:
    """Delete reset links that were used or have expired; how many."""
    result = session.execute(
        delete(ResetToken).where(ResetToken.used_at.is_not(None) | (ResetToken.expires_at <= at))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def email_of(session: Session, user: User) -> str | None:
    """The e-mail address ``user`` receives resets and reminders at."""
    login = session.get(Login, user.id)
    return login.email if login else None


# API tokens ----------------------------------------------------------------------------


def create_token(
    session: Session, name: str, roles: list[str], *, actor: Actor, at: datetime
) -> tuple[ApiToken, str]:
    """A new API token acting as ``actor`` with ``roles`` (a subset of the actor's); the
    plain token is returned once and never stored."""
    label = name.strip()
    if not label or len(label) > 120:
        raise InvalidInput("a token's name must be 1 to 120 characters")
    checked = check_roles(session, roles)
    if not checked:
        raise InvalidInput("a token needs at least one role")
    beyond = [role for role in checked if role not in actor.roles]
    if beyond:
        raise NotAllowed("a token cannot have role '{role}', which you lack", role=beyond[0])
    owner = _user(session, actor.name)
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    plain = f"{TOKEN_PREFIX}_{prefix}_{secret}"
    token = ApiToken(
        prefix=prefix,
        digest=digest(plain),
        name=label,
        user_id=owner.id,
        roles=checked,
        created_at=at,
    )
    session.add(token)
    session.flush()
    record_event(
        session, actor, Event("token_create", detail={"token": token.id, "roles": checked}), at=at
    )
    return token, plain


@dataclass(frozen=True)
class TokenUse:
    """An API token presented: who it acts as, and whether its last use is due to be
    written (when read without writing)."""

    actor: Actor
    stale: bool = False


def token_actor(session: Session, plain: str, *, at: datetime) -> Actor | None:
    """The actor an API token stands for (its owner's name, its own roles, never more than
    the owner still has), or ``None`` if unknown, revoked, or its owner deactivated. Its
    last use is written (at most once a minute)."""
    used = use_token(session, plain, at=at)
    return used.actor if used else None


def use_token(session: Session, plain: str, *, at: datetime, touch: bool = True) -> TokenUse | None:
    """:func:`token_actor`, with ``touch`` to say whether its last use may be written."""
    parts = plain.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(plain) > 128:
        return None
    found = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.prefix == parts[1])
    ).first()
    if found is None:
        return None
    token, user = found
    if not hmac.compare_digest(token.digest, digest(plain)):
        return None
    if token.revoked_at is not None or not user.active:
        return None
    stale = token.last_used_at is None or at - token.last_used_at >= SEEN_EVERY
    if stale and touch:
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=at))
    roles = frozenset(token.roles) & frozenset(user.roles)
    return TokenUse(Actor(name=user.name, roles=roles), stale=stale and not touch)


def list_tokens(session: Session, *, actor: Actor) -> list[tuple[ApiToken, str]]:
    """The tokens the actor may see (an administrator: all) with their owners' names,
    newest first."""
    query = (
        select(ApiToken, User.name)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.id.desc())
    )
    if not actor.is_admin:
        query = query.where(User.name == actor.name)
    return [(row[0], row[1]) for row in session.execute(query)]


def revoke_token(session: Session, token_id: int, *, actor: Actor, at: datetime) -> ApiToken:
    """Revoke a token: its owner or an administrator."""
    found = session.execute(
        select(ApiToken, User.name)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.id == token_id)
    ).first()
    if found is None:
        raise NotFound("no API token {id}", id=token_id)
    token, owner = found
    if owner != actor.name and not actor.is_admin:
        raise NotAllowed("only its owner or an administrator may revoke a token")
    if token.revoked_at is None:
        token.revoked_at = at
        record_event(session, actor, Event("token_revoke", detail={"token": token.id}), at=at)
    return token
