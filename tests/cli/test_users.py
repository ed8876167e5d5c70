"""``kluis user``: administrators add users, change roles and deactivate them; audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kluis.audit.models import AuditEntry
from kluis.storage import transaction
from kluis.users.models import User
from tests.cli.conftest import Kluis, VaultHome


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
