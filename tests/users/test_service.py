"""Users and roles: only roles the register knows (plus dpo and admin), only administrators
manage users, every change audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit import verify
from kluis.audit.models import AuditEntry
from kluis.core.actor import Actor
from kluis.core.clock import FixedClock
from kluis.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from kluis.register.versions import StoredRegister
from kluis.users import (
    actor_for,
    add_user,
    deactivate_user,
    known_roles,
    list_users,
    set_roles,
)
from tests.conftest import ADMIN_ACTOR, RECRUITER

FIRST = Actor("root", frozenset({"admin", "dpo"}))


def _audit(session: Session) -> list[tuple[str, str, dict[str, object] | None]]:
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    return [(row.action, row.actor, row.detail) for row in rows]


def test_known_roles_are_the_register_s_plus_dpo_and_admin(
    session: Session, policy: StoredRegister
) -> None:
    assert known_roles(session) == ["recruiter", "payroll", "marketing", "dpo", "admin"]


def test_before_any_register_only_dpo_and_admin_are_known(session: Session) -> None:
    assert known_roles(session) == ["dpo", "admin"]


def test_the_first_user_may_be_added_by_anyone(session: Session, clock: FixedClock) -> None:
    user = add_user(session, "root", ["admin", "dpo", "admin"], actor=FIRST, at=clock.now())
    assert (user.name, user.roles, user.active) == ("root", ["admin", "dpo"], True)
    assert actor_for(session, "root") == Actor("root", frozenset({"admin", "dpo"}))
    assert _audit(session) == [("user_add", "root", {"user": "root", "roles": ["admin", "dpo"]})]


def test_after_the_first_only_an_administrator_adds_users(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    with pytest.raises(NotAllowed, match="only an administrator"):
        add_user(session, "eve", ["recruiter"], actor=RECRUITER, at=clock.now())
    add_user(session, "rita", ["recruiter", "marketing"], actor=ADMIN_ACTOR, at=clock.now())
    assert actor_for(session, "rita").roles == {"recruiter", "marketing"}
    assert _audit(session)[-1] == (
        "user_add",
        "ada",
        {"user": "rita", "roles": ["recruiter", "marketing"]},
    )


def test_an_unknown_role_is_refused_by_name(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    before = len(_audit(session))
    with pytest.raises(InvalidInput) as caught:
        add_user(session, "rita", ["recruter"], actor=ADMIN_ACTOR, at=clock.now())
    message = str(caught.value)
    assert "unknown role 'recruter'" in message
    assert "did you mean 'recruiter'" in message
    assert "recruiter, payroll, marketing, dpo, admin" in message
    assert [user.name for user in list_users(session)] == ["ada", "dora", "mark", "paula", "rik"]
    assert len(_audit(session)) == before
    with pytest.raises(InvalidInput, match="unknown role 'sales'") as caught:
        set_roles(session, "rik", ["recruiter", "sales"], actor=ADMIN_ACTOR, at=clock.now())
    assert "did you mean" not in str(caught.value)
    assert actor_for(session, "rik").roles == {"recruiter"}


def test_a_role_of_another_register_is_unknown_before_it_is_applied(
    session: Session, clock: FixedClock
) -> None:
    add_user(session, "root", ["admin"], actor=FIRST, at=clock.now())
    with pytest.raises(InvalidInput, match="unknown role 'recruiter'"):
        add_user(session, "rik", ["recruiter"], actor=FIRST, at=clock.now())


def test_a_user_name_is_unique_and_of_sensible_length(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    with pytest.raises(Conflict, match="user 'rik' exists already"):
        add_user(session, "rik", ["payroll"], actor=ADMIN_ACTOR, at=clock.now())
    for name in ("", "   ", "x" * 121):
        with pytest.raises(InvalidInput, match="1 to 120 characters"):
            add_user(session, name, ["payroll"], actor=ADMIN_ACTOR, at=clock.now())


def test_roles_are_replaced_by_an_administrator_only(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    with pytest.raises(NotAllowed):
        set_roles(session, "rik", ["payroll"], actor=RECRUITER, at=clock.now())
    set_roles(session, "rik", ["payroll", "recruiter"], actor=ADMIN_ACTOR, at=clock.now())
    assert actor_for(session, "rik").roles == {"payroll", "recruiter"}
    assert _audit(session)[-1] == (
        "user_roles",
        "ada",
        {"user": "rik", "roles": ["payroll", "recruiter"]},
    )
    with pytest.raises(NotFound, match="no user 'nobody'"):
        set_roles(session, "nobody", ["payroll"], actor=ADMIN_ACTOR, at=clock.now())


def test_a_deactivated_user_can_no_longer_act(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    with pytest.raises(NotAllowed):
        deactivate_user(session, "rik", actor=RECRUITER, at=clock.now())
    assert actor_for(session, "rik") == RECRUITER
    deactivate_user(session, "rik", actor=ADMIN_ACTOR, at=clock.now())
    with pytest.raises(NotAllowed, match="'rik' is not an active Kluis user"):
        actor_for(session, "rik")
    assert _audit(session)[-1] == ("user_deactivate", "ada", {"user": "rik"})
    # The user stays listed (their audit entries name them), inactive.
    assert {user.name: user.active for user in list_users(session)}["rik"] is False
    with pytest.raises(NotFound):
        deactivate_user(session, "nobody", actor=ADMIN_ACTOR, at=clock.now())


def test_an_unknown_user_cannot_act(session: Session, policy: StoredRegister) -> None:
    with pytest.raises(NotAllowed) as caught:
        actor_for(session, "mallory")
    assert "kluis user add" in str(caught.value)


def test_the_last_administrator_cannot_be_removed(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    """Without an active administrator nobody could manage users any more."""
    with pytest.raises(Conflict, match="last active administrator"):
        deactivate_user(session, "ada", actor=ADMIN_ACTOR, at=clock.now())
    with pytest.raises(Conflict, match="last active administrator"):
        set_roles(session, "ada", ["dpo"], actor=ADMIN_ACTOR, at=clock.now())
    assert actor_for(session, "ada").is_admin
    add_user(session, "alex", ["admin"], actor=ADMIN_ACTOR, at=clock.now())
    deactivate_user(session, "ada", actor=ADMIN_ACTOR, at=clock.now())
    assert not actor_for(session, "alex").roles ^ {"admin"}


def test_every_change_is_audited_in_the_chain(
    session: Session, policy: StoredRegister, clock: FixedClock
) -> None:
    add_user(session, "rita", ["marketing"], actor=ADMIN_ACTOR, at=clock.now())
    set_roles(session, "rita", ["recruiter"], actor=ADMIN_ACTOR, at=clock.now())
    deactivate_user(session, "rita", actor=ADMIN_ACTOR, at=clock.now())
    trail = [
        (action, detail)
        for action, _, detail in _audit(session)
        if detail and detail.get("user") == "rita"
    ]
    assert [action for action, _ in trail] == ["user_add", "user_roles", "user_deactivate"]
    assert verify(session).intact


def test_users_are_listed_by_name(session: Session, policy: StoredRegister) -> None:
    users = list_users(session)
    assert [user.name for user in users] == ["ada", "dora", "mark", "paula", "rik"]
    assert {user.name: user.roles for user in users}["paula"] == ["payroll"]
