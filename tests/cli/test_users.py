"""``kluis user``: administrators add users, change roles and deactivate them; audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select

from kluis.audit.models import AuditEntry
from kluis.crypto import LocalKeyProvider
from kluis.storage import transaction
from kluis.users.auth import (
    authenticate,
    enable_totp,
    new_totp_secret,
    set_password,
    start_session,
)
from kluis.users.models import Login, User, WebSession
from tests.cli.conftest import Kluis, VaultHome
from tests.conftest import DPO_ACTOR, PASSWORD

#: The commands act at the system's time.
NOW = datetime.now(UTC)


def _user(home: VaultHome, name: str) -> User | None:
    with transaction(home.engine) as session:
        return session.execute(select(User).where(User.name == name)).scalar_one_or_none()


def _actions(home: VaultHome) -> list[tuple[str, str]]:
    with transaction(home.engine) as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.actor).order_by(AuditEntry.seq))
        return [(action, actor) for action, actor in rows]


def test_an_administrator_adds_a_user(kluis: Kluis, vault_home: VaultHome) -> None:
    outcome = kluis("user", "add", "rita", "--role", "recruiter", "-r", "marketing", user="ada")
    assert outcome.code == 0, outcome.stderr
    assert "User 'rita' added with roles: recruiter, marketing" in outcome.stdout
    added = _user(vault_home, "rita")
    assert added is not None
    assert (added.roles, added.active) == (["recruiter", "marketing"], True)
    assert _actions(vault_home)[-1] == ("user_add", "ada")
    # The new user can act at once.
    listed = kluis("user", "list", user="rita")
    assert listed.code == 0
    assert "rita" in listed.stdout


def test_a_name_with_brackets_is_printed_as_it_is(kluis: Kluis, vault_home: VaultHome) -> None:
    name = "rik [/bold]"
    outcome = kluis("user", "add", name, "--role", "recruiter", user="ada")
    assert outcome.code == 0, outcome.stderr
    assert f"User '{name}' added" in outcome.stdout
    listed = kluis("user", "list", user="ada")
    assert listed.code == 0, listed.stderr
    assert name in listed.stdout


@pytest.mark.parametrize("user", ["dora", "rik"])
def test_only_an_administrator_adds_users(kluis: Kluis, vault_home: VaultHome, user: str) -> None:
    outcome = kluis("user", "add", "eve", "--role", "recruiter", user=user)
    assert outcome.code == 5
    assert "only an administrator may add users" in outcome.stderr
    assert _user(vault_home, "eve") is None


def test_an_unknown_role_is_refused_by_name(kluis: Kluis, vault_home: VaultHome) -> None:
    outcome = kluis("user", "add", "eve", "--role", "payrol", user="ada")
    assert outcome.code == 2
    assert "unknown role 'payrol'" in outcome.stderr
    assert "did you mean 'payroll'" in outcome.stderr
    assert _user(vault_home, "eve") is None


def test_a_name_taken_is_refused(kluis: Kluis) -> None:
    outcome = kluis("user", "add", "rik", "--role", "payroll", user="ada")
    assert outcome.code == 4
    assert "user 'rik' exists already" in outcome.stderr


def test_roles_are_replaced(kluis: Kluis, vault_home: VaultHome) -> None:
    outcome = kluis("user", "roles", "rik", "-r", "payroll", "-r", "recruiter", user="ada")
    assert outcome.code == 0, outcome.stderr
    assert "User 'rik' now has roles: payroll, recruiter" in outcome.stdout
    changed = _user(vault_home, "rik")
    assert changed is not None
    assert changed.roles == ["payroll", "recruiter"]
    assert _actions(vault_home)[-1] == ("user_roles", "ada")
    assert kluis("user", "roles", "nobody", "-r", "payroll", user="ada").code == 3
    assert kluis("user", "roles", "mark", "-r", "payroll", user="rik").code == 5


def test_a_deactivated_user_can_no_longer_act(kluis: Kluis, vault_home: VaultHome) -> None:
    outcome = kluis("user", "deactivate", "rik", user="ada")
    assert outcome.code == 0, outcome.stderr
    assert "User 'rik' deactivated" in outcome.stdout
    assert _actions(vault_home)[-1] == ("user_deactivate", "ada")
    refused = kluis("user", "list", user="rik")
    assert refused.code == 5
    assert "'rik' is not an active Kluis user" in refused.stderr
    listed = kluis("user", "list", user="ada")
    row = next(line for line in listed.stdout.splitlines() if " rik " in line)
    assert "no" in row


def test_the_last_administrator_cannot_be_deactivated(kluis: Kluis, vault_home: VaultHome) -> None:
    outcome = kluis("user", "deactivate", "ada", user="ada")
    assert outcome.code == 4
    assert "last active administrator" in outcome.stderr
    still = _user(vault_home, "ada")
    assert still is not None
    assert still.active


def test_users_are_listed_with_their_roles(kluis: Kluis) -> None:
    outcome = kluis("user", "list", user="rik")
    assert outcome.code == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    names = [
        name
        for name in ("ada", "dora", "mark", "paula", "rik")
        if any(f" {name} " in line for line in lines)
    ]
    assert names == ["ada", "dora", "mark", "paula", "rik"]
    paula = next(line for line in lines if " paula " in line)
    assert "payroll" in paula
    assert "yes" in paula


NEW_PASSWORD = "a new password, long enough"


def test_an_administrator_gives_a_user_a_new_password(kluis: Kluis, vault_home: VaultHome) -> None:
    """Asked twice, never echoed; the user signs in with it and their sessions end."""
    with transaction(vault_home.engine) as session:
        set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=NOW)
        dora = session.execute(select(User).where(User.name == "dora")).scalar_one()
        start_session(session, dora, at=NOW, verified=True)
    typed = f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    outcome = kluis("user", "password", "dora", "--email", "dora@example.be", user="ada",
                    input=typed)  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert "User 'dora' has a new password; their sessions have ended." in outcome.stdout
    assert NEW_PASSWORD not in outcome.stdout + outcome.stderr
    with transaction(vault_home.engine) as session:
        signed = authenticate(session, "dora", NEW_PASSWORD, address="a", at=NOW)
        assert signed.user is not None
        assert not session.execute(select(WebSession)).scalars().all()
        login = session.get(Login, signed.user.id)
        assert login is not None and login.email == "dora@example.be"
    assert _actions(vault_home)[-1] == ("user_password", "ada")


def test_a_new_password_must_be_typed_the_same_twice_and_be_long_enough(
    kluis: Kluis, vault_home: VaultHome
) -> None:
    mismatch = kluis("user", "password", "dora", user="ada",
                     input=f"{NEW_PASSWORD}\nsomething else entirely\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n")  # fmt: skip
    assert mismatch.code == 0, mismatch.stderr
    assert "do not match" in mismatch.stderr
    short = kluis("user", "password", "dora", user="ada", input="Xq7-zz\nXq7-zz\n")
    assert short.code == 2
    assert "kluis: " in short.stderr and "Xq7-zz" not in short.stdout + short.stderr


@pytest.mark.parametrize("command", [("password", "ada"), ("second-factor-off", "ada")])
def test_only_an_administrator_resets_another_users_sign_in(
    kluis: Kluis, vault_home: VaultHome, command: tuple[str, str]
) -> None:
    """Refused before a new password is even asked for (nothing is typed here)."""
    verb, name = command
    outcome = kluis("user", verb, name, user="dora")
    assert outcome.code == 5
    assert "only an administrator may change another user's sign-in" in outcome.stderr
    unknown = kluis("user", verb, "nobody", user="ada")
    assert unknown.code == 3
    assert "no user 'nobody'" in unknown.stderr


def test_an_administrator_turns_off_the_second_factor_of_one_who_lost_it(
    kluis: Kluis, vault_home: VaultHome
) -> None:
    secret = new_totp_secret()
    with transaction(vault_home.engine) as session:
        set_password(session, "dora", PASSWORD, actor=DPO_ACTOR, at=NOW)
        dora = session.execute(select(User).where(User.name == "dora")).scalar_one()
        code = pyotp.TOTP(secret).at(NOW)
        enable_totp(session, dora, secret, code, provider=LocalKeyProvider(vault_home.keys), at=NOW)
        assert authenticate(session, "dora", PASSWORD, address="a", at=NOW).second_factor
    outcome = kluis("user", "second-factor-off", "dora", user="ada")
    assert outcome.code == 0, outcome.stderr
    assert "The second factor of 'dora' is off" in outcome.stdout
    with transaction(vault_home.engine) as session:
        assert not authenticate(session, "dora", PASSWORD, address="a", at=NOW).second_factor
        login = session.execute(select(Login)).scalar_one()
        assert (login.totp_wrapped, login.totp_kek_id) == (None, None)
    assert _actions(vault_home)[-1] == ("user_totp", "ada")
