"""Signing in: argon2 hashes, throttling, sessions that end, the second factor, one-time
reset links and API tokens that are shown once and stored as digests."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.core.actor import Actor
from kluis.core.clock import FixedClock
from kluis.core.errors import Conflict, InvalidInput, KluisError, NotAllowed
from kluis.crypto import (
    KeyMaterial,
    LocalKeyProvider,
    generate_key_material,
    rotate_key_material,
)
from kluis.register.versions import StoredRegister
from kluis.users.auth import (
    NAME_FAILURES,
    PENDING_MAX,
    SESSION_IDLE,
    SESSION_MAX,
    SignedIn,
    anyone_can_sign_in,
    authenticate,
    create_first_admin,
    create_token,
    digest,
    disable_totp,
    enable_totp,
    finish_reset,
    forget_failures,
    has_totp,
    new_totp_secret,
    revoke_token,
    seal_totp_secrets,
    second_factor,
    session_for,
    set_password,
    start_reset,
    start_session,
    token_actor,
    totp_key_counts,
)
from kluis.users.errors import Throttled
from kluis.users.models import ApiToken, Login, LoginFailure, User, WebSession
from kluis.users.service import deactivate_user
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, PASSWORD, RECRUITER

pytestmark = pytest.mark.usefixtures("cheap_hashes")


def _user(session: Session, name: str) -> User:
    return session.execute(select(User).where(User.name == name)).scalar_one()


def test_a_password_is_stored_as_an_argon2id_hash(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    assert not anyone_can_sign_in(session)
    set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=clock.now(), email="d@example.be")
    login = session.get(Login, _user(session, "dora").id)
    assert login is not None
    assert login.password_hash.startswith("$argon2id$")
    assert PASSWORD not in login.password_hash
    assert anyone_can_sign_in(session)


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short", "at least 12"), ("x" * 1025, "at most"), ("Dora        ", "user's name")],
)
def test_weak_passwords_are_refused(
    session: Session, policy: StoredRegister, clock: FixedClock, password: str, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason):
        set_password(session, "dora", password, actor=DPO_ACTOR, at=clock.now())


def test_only_an_administrator_sets_another_user_s_password(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    with pytest.raises(NotAllowed):
        set_password(session, "dora", PASSWORD, actor=RECRUITER, at=clock.now())
    set_password(session, "dora", PASSWORD, actor=ADMIN_ACTOR, at=clock.now())


def test_the_right_password_signs_in_and_a_wrong_one_is_recorded_without_the_name(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=clock.now())
    assert authenticate(session, "dora", PASSWORD, address="10.0.0.1", at=clock.now()).user
    failed = authenticate(session, "dora", "wrong password!", address="10.0.0.1", at=clock.now())
    assert failed.user is None
    unknown = authenticate(session, "nobody", PASSWORD, address="10.0.0.1", at=clock.now())
    assert unknown.user is None
    rows = session.execute(select(LoginFailure)).scalars().all()
    assert len(rows) == 2
    assert all(
        "dora" not in row.name_digest and "10.0.0.1" not in row.address_digest for row in rows
    )


def test_too_many_failures_throttle_the_name_until_the_window_passes(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=clock.now())
    for attempt in range(NAME_FAILURES):
        authenticate(
            session, "dora", f"wrong {attempt:>10}", address=f"10.0.0.{attempt}", at=clock.now()
        )
    with pytest.raises(Throttled):
        authenticate(session, "dora", PASSWORD, address="10.9.9.9", at=clock.now())
    later = clock.now() + timedelta(minutes=16)
    assert authenticate(session, "dora", PASSWORD, address="10.9.9.9", at=later).user
    assert session.execute(select(LoginFailure)).first() is None


def test_old_failures_are_forgotten(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    authenticate(session, "nobody", PASSWORD, address="a", at=clock.now())
    authenticate(session, "nobody", PASSWORD, address="a", at=clock.now() + timedelta(hours=1))
    assert forget_failures(session, before=clock.now() + timedelta(minutes=30)) == 1
    assert len(session.execute(select(LoginFailure)).all()) == 1


def test_a_deactivated_user_cannot_sign_in_and_loses_the_session(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    set_password(session, "rik", PASSWORD, actor=ADMIN_ACTOR, at=clock.now())
    token = start_session(session, _user(session, "rik"), at=clock.now(), verified=True)
    assert session_for(session, token, at=clock.now()) is not None
    deactivate_user(session, "rik", actor=ADMIN_ACTOR, at=clock.now())
    assert session_for(session, token, at=clock.now()) is None
    assert authenticate(session, "rik", PASSWORD, address="a", at=clock.now()).user is None


def test_a_session_is_stored_as_a_digest_and_ends_when_idle_or_old(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    user = _user(session, "dora")
    token = start_session(session, user, at=clock.now(), verified=True)
    assert session.get(WebSession, token) is None
    assert session.get(WebSession, digest(token)) is not None
    assert session_for(session, token, at=clock.now() + SESSION_IDLE - timedelta(minutes=1))
    assert session_for(session, token, at=clock.now() + SESSION_IDLE * 2) is None
    kept = start_session(session, user, at=clock.now(), verified=True)
    moment = clock.now()
    while moment < clock.now() + SESSION_MAX - timedelta(hours=1):
        moment += timedelta(hours=1)
        assert session_for(session, kept, at=moment) is not None
    assert session_for(session, kept, at=clock.now() + SESSION_MAX) is None


def test_a_new_password_ends_every_session(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    token = start_session(session, _user(session, "dora"), at=clock.now(), verified=True)
    set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=clock.now())
    assert session_for(session, token, at=clock.now()) is None


def test_the_second_factor_replaces_the_half_signed_in_session(
    session: Session, policy: StoredRegister, clock: FixedClock, keys: LocalKeyProvider
) -> None:
    set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=clock.now())
    user = _user(session, "dora")
    secret = new_totp_secret()
    with pytest.raises(InvalidInput):
        enable_totp(session, user, secret, "000000", provider=keys, at=clock.now())
    earlier = clock.now() - timedelta(minutes=2)
    enable_totp(session, user, secret, pyotp.TOTP(secret).at(earlier), provider=keys, at=earlier)
    outcome = authenticate(session, "dora", PASSWORD, address="a", at=clock.now())
    assert outcome.second_factor
    half = start_session(session, user, at=clock.now(), verified=False)
    signed = session_for(session, half, at=clock.now())
    assert signed is not None and not signed.record.verified
    assert (
        second_factor(session, signed, "123456", provider=keys, address="a", at=clock.now()) is None
    )
    code = pyotp.TOTP(secret).at(clock.now())
    full = second_factor(session, signed, code, provider=keys, address="a", at=clock.now())
    assert full is not None and full != half
    assert session_for(session, half, at=clock.now()) is None
    verified = session_for(session, full, at=clock.now())
    assert verified is not None and verified.record.verified
    disable_totp(session, "dora", actor=DPO_ACTOR, at=clock.now())
    assert not authenticate(session, "dora", PASSWORD, address="a", at=clock.now()).second_factor


def test_a_code_is_accepted_once(
    session: Session, policy: StoredRegister, clock: FixedClock, keys: LocalKeyProvider
) -> None:
    """A code seen over someone's shoulder (or the one typed to turn the second factor on)
    cannot sign in again: neither the same code within its minute and a half, nor an older
    one; the next code does."""
    set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=clock.now())
    user = _user(session, "dora")
    secret = new_totp_secret()
    totp = pyotp.TOTP(secret)
    now = clock.now()
    enable_totp(session, user, secret, totp.at(now), provider=keys, at=now)

    def attempt(code: str, at: datetime) -> str | None:
        half = start_session(session, user, at=at, verified=False)
        signed = session_for(session, half, at=at)
        assert signed is not None
        return second_factor(session, signed, code, provider=keys, address="a", at=at)

    assert attempt(totp.at(now), now) is None  # the enrolment code
    later = now + timedelta(seconds=30)
    assert attempt(totp.at(later), later) is not None
    assert attempt(totp.at(later), later + timedelta(seconds=20)) is None  # the same again
    assert attempt(totp.at(now), later + timedelta(seconds=20)) is None  # an older one
    next_step = later + timedelta(seconds=30)
    assert attempt(totp.at(next_step), next_step) is not None
    # Turned off and on again, the new secret starts afresh.
    disable_totp(session, "dora", actor=DPO_ACTOR, at=next_step)
    fresh = pyotp.TOTP(new_totp_secret())
    enable_totp(session, user, fresh.secret, fresh.at(next_step), provider=keys, at=next_step)
    assert attempt(fresh.at(next_step + timedelta(seconds=30)), next_step) is not None


def test_a_reset_link_works_once_within_its_hour(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=clock.now(), email="D@Example.be")
    assert start_reset(session, "unknown@example.be", at=clock.now()) is None
    started = start_reset(session, " d@example.BE ", at=clock.now())
    assert started is not None
    user, token = started
    assert user.name == "dora"
    finish_reset(session, token, "a brand new passphrase", at=clock.now())
    assert authenticate(session, "dora", "a brand new passphrase", address="a", at=clock.now()).user
    with pytest.raises(InvalidInput, match="not valid"):
        finish_reset(session, token, "another new passphrase", at=clock.now())
    _user_again, late = start_reset(session, "d@example.be", at=clock.now()) or (None, "")
    with pytest.raises(InvalidInput, match="not valid"):
        finish_reset(session, late, "another new passphrase", at=clock.now() + timedelta(hours=2))


def test_a_reset_address_belongs_to_one_user(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=clock.now(), email="p@example.be")
    with pytest.raises(Conflict, match="e-mail address"):
        set_password(
            session, "rik", PASSWORD, actor=ADMIN_ACTOR, at=clock.now(), email="P@Example.be"
        )
    started = start_reset(session, "p@example.be", at=clock.now())
    assert started is not None and started[0].name == "dora"


def test_the_first_administrator_is_created_once(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    with pytest.raises(Conflict, match="not an active administrator"):
        create_first_admin(session, "rik", PASSWORD, email=None, at=clock.now())
    user = create_first_admin(session, "coordinator", PASSWORD, email=None, at=clock.now())
    assert set(user.roles) == {"admin", "dpo"}
    with pytest.raises(Conflict, match="exists already"):
        create_first_admin(session, "another", PASSWORD, email=None, at=clock.now())


def test_an_api_token_is_shown_once_stored_as_a_digest_and_revocable(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    token, plain = create_token(session, "payroll sync", ["dpo"], actor=DPO_ACTOR, at=clock.now())
    stored = session.get(ApiToken, token.id)
    assert stored is not None and plain not in (stored.digest, stored.prefix)
    assert plain.startswith(f"kluis_{stored.prefix}_")
    actor = token_actor(session, plain, at=clock.now())
    assert actor == Actor("dora", frozenset({"dpo"}))
    assert stored.last_used_at == clock.now()
    assert (
        token_actor(session, plain[:-1] + ("A" if plain[-1] != "A" else "B"), at=clock.now())
        is None
    )
    assert token_actor(session, "kluis_nothing_here", at=clock.now()) is None
    with pytest.raises(NotAllowed):
        revoke_token(session, token.id, actor=RECRUITER, at=clock.now())
    revoke_token(session, token.id, actor=DPO_ACTOR, at=clock.now())
    assert token_actor(session, plain, at=clock.now()) is None


def test_a_token_cannot_have_roles_its_creator_lacks(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    with pytest.raises(NotAllowed, match="payroll"):
        create_token(session, "sync", ["payroll"], actor=DPO_ACTOR, at=clock.now())
    with pytest.raises(InvalidInput, match="unknown role"):
        create_token(session, "sync", ["payrol"], actor=DPO_ACTOR, at=clock.now())
    with pytest.raises(InvalidInput, match="at least one role"):
        create_token(session, "sync", [], actor=DPO_ACTOR, at=clock.now())


def test_the_second_factor_cannot_be_guessed(
    session: Session, policy: StoredRegister, clock: FixedClock, keys: LocalKeyProvider
) -> None:
    """Wrong codes count as failed sign-ins: after five the half-signed-in session ends, and
    such a session lives five minutes in any case."""
    set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=clock.now())
    user = _user(session, "dora")
    secret = new_totp_secret()
    enable_totp(
        session, user, secret, pyotp.TOTP(secret).at(clock.now()), provider=keys, at=clock.now()
    )
    half = start_session(session, user, at=clock.now(), verified=False)
    signed = session_for(session, half, at=clock.now())
    assert signed is not None
    right = int(pyotp.TOTP(secret).at(clock.now()))
    for attempt in range(NAME_FAILURES):
        wrong = f"{(right + 500_000 + attempt) % 1_000_000:06d}"
        assert (
            second_factor(session, signed, wrong, provider=keys, address="b", at=clock.now())
            is None
        )
        if attempt < NAME_FAILURES - 1:
            # The right password again does not wipe the count of wrong codes.
            assert authenticate(session, "dora", PASSWORD, address="b", at=clock.now()).user
    with pytest.raises(Throttled):
        second_factor(
            session,
            signed,
            pyotp.TOTP(secret).at(clock.now()),
            provider=keys,
            address="b",
            at=clock.now(),
        )
    assert session_for(session, half, at=clock.now()) is None
    later = start_session(session, user, at=clock.now(), verified=False)
    assert session_for(session, later, at=clock.now() + PENDING_MAX) is None


def _half_signed_in(session: Session, user: User, at: datetime) -> SignedIn:
    signed = session_for(session, start_session(session, user, at=at, verified=False), at=at)
    assert signed is not None
    return signed


def test_the_second_factor_secret_is_stored_wrapped_never_in_clear(
    session: Session,
    policy: StoredRegister,
    clock: FixedClock,
    keys: LocalKeyProvider,
) -> None:
    """The secret that generates a user's codes is wrapped by the key-encryption key and
    bound to its user: a copy of the database without the key file, or the wrapped secret
    moved to another user's row, generates no code that signs in."""
    at = clock.now()
    set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=at)
    set_password(session, "ada", PASSWORD, actor=ADMIN_ACTOR, at=at)
    dora, ada = _user(session, "dora"), _user(session, "ada")
    secret = new_totp_secret()
    enable_totp(session, dora, secret, pyotp.TOTP(secret).at(at), provider=keys, at=at)
    login = session.get(Login, dora.id)
    assert login is not None and login.totp_secret is None
    assert login.totp_kek_id == keys.current_kek
    assert login.totp_wrapped is not None
    assert secret.encode() not in login.totp_wrapped
    assert totp_key_counts(session) == {keys.current_kek: 1}

    later = at + timedelta(seconds=30)
    code = pyotp.TOTP(secret).at(later)
    other_keys = LocalKeyProvider(generate_key_material(at.date()))
    with pytest.raises(KluisError):
        second_factor(
            session, _half_signed_in(session, dora, later), code,
            provider=other_keys, address="a", at=later,
        )  # fmt: skip
    # Ada's row holding Dora's wrapped secret: it does not unwrap for her.
    ada_login = session.get(Login, ada.id)
    assert ada_login is not None
    ada_login.totp_kek_id, ada_login.totp_wrapped = login.totp_kek_id, login.totp_wrapped
    with pytest.raises(KluisError):
        second_factor(
            session, _half_signed_in(session, ada, later), code,
            provider=keys, address="a", at=later,
        )  # fmt: skip
    assert second_factor(
        session, _half_signed_in(session, dora, later), code, provider=keys, address="a", at=later
    )


def test_a_secret_an_earlier_version_kept_in_clear_is_wrapped(
    session: Session,
    policy: StoredRegister,
    clock: FixedClock,
    key_material: KeyMaterial,
) -> None:
    """A secret stored in clear (before secrets were wrapped) still signs in, and is wrapped
    by :func:`seal_totp_secrets` (at the server's start); after a rotation it is rewrapped
    under the new KEK, and codes go on working."""
    at = clock.now()
    set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=at)
    dora = _user(session, "dora")
    secret = new_totp_secret()
    login = session.get(Login, dora.id)
    assert login is not None
    login.totp_secret = secret
    keys = LocalKeyProvider(key_material)
    assert has_totp(session, dora)
    assert authenticate(session, "dora", PASSWORD, address="a", at=at).second_factor
    code = pyotp.TOTP(secret).at(at)
    assert second_factor(
        session, _half_signed_in(session, dora, at), code, provider=keys, address="a", at=at
    )

    assert seal_totp_secrets(session, keys) == 1
    assert login.totp_secret is None and login.totp_kek_id == keys.current_kek
    assert seal_totp_secrets(session, keys) == 0  # nothing left to wrap
    assert has_totp(session, dora)

    rotated = LocalKeyProvider(rotate_key_material(key_material, at.date()))
    assert seal_totp_secrets(session, rotated) == 1
    assert login.totp_kek_id == rotated.current_kek != keys.current_kek
    later = at + timedelta(seconds=30)
    code = pyotp.TOTP(secret).at(later)
    assert second_factor(
        session, _half_signed_in(session, dora, later), code, provider=rotated,
        address="a", at=later,
    )  # fmt: skip
    # A secret whose KEK the key file no longer holds is left as it is, not lost.
    stranger = LocalKeyProvider(generate_key_material(at.date()))
    assert seal_totp_secrets(session, stranger) == 0
    assert login.totp_kek_id == rotated.current_kek
