"""Users and their roles. Roles are the register's ``roles`` plus the built-in ``dpo`` and
``admin``; a role the register does not know is refused, so access cannot be granted by a typo."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event
from kluis.core.actor import ADMIN, DPO, Actor
from kluis.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from kluis.core.text import did_you_mean
from kluis.register.versions import current_version
from kluis.users.models import User


def known_roles(session: Session) -> list[str]:
    """The roles a user may have: the applied register's roles, ``dpo`` and ``admin``."""
    stored = current_version(session)
    roles = [role.id for role in stored.register.roles] if stored else []
    return [*roles, DPO, ADMIN]


def check_roles(session: Session, roles: Iterable[str]) -> list[str]:
    known = known_roles(session)
    checked = []
    for role in roles:
        if role not in known:
            hint = did_you_mean(role, known)
            if hint:
                raise InvalidInput(
                    "unknown role '{role}' (did you mean '{hint}'?); roles: {known}",
                    role=role,
                    hint=hint,
                    known=", ".join(known),
                )
            raise InvalidInput(
                "unknown role '{role}'; roles: {known}", role=role, known=", ".join(known)
            )
        if role not in checked:
            checked.append(role)
    return checked


def _keep_an_administrator(session: Session, user: User, roles: Iterable[str]) -> None:
    """Refuse a change that would leave no active administrator to manage users."""
    if not user.active or ADMIN not in user.roles or ADMIN in roles:
        return
    others = session.execute(
        select(User.roles).where(User.active.is_(True), User.name != user.name)
    ).scalars()
    if not any(ADMIN in roles_of for roles_of in others):
        raise Conflict(
            "'{name}' is the last active administrator; make another user admin first",
            name=user.name,
        )


def actor_for(session: Session, name: str) -> Actor:
    """The acting user ``name`` with their roles; :class:`NotAllowed` if unknown or inactive."""
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None or not user.active:
        raise NotAllowed(
            "'{name}' is not an active Kluis user; an administrator adds users with: "
            "kluis user add NAME --role ROLE",
            name=name,
        )
    return Actor(name=user.name, roles=frozenset(user.roles))


def add_user(
    session: Session, name: str, roles: Iterable[str], *, actor: Actor, at: datetime
) -> User:
    """Add a user; only an administrator may, except for the first user of a new vault."""
    first = session.execute(select(User.id).limit(1)).first() is None
    if not first and not actor.is_admin:
        raise NotAllowed("only an administrator may add users")
    if session.execute(select(User.id).where(User.name == name)).first() is not None:
        raise Conflict("user '{name}' exists already", name=name)
    if not name.strip() or len(name) > 120:
        raise InvalidInput("a user name must be 1 to 120 characters")
    user = User(name=name, roles=check_roles(session, roles), active=True, created_at=at)
    session.add(user)
    session.flush()
    record_event(
        session, actor, Event("user_add", detail={"user": name, "roles": user.roles}), at=at
    )
    return user


def set_roles(
    session: Session, name: str, roles: Iterable[str], *, actor: Actor, at: datetime
) -> User:
    """Replace the roles of user ``name``."""
    if not actor.is_admin:
        raise NotAllowed("only an administrator may change roles")
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        raise NotFound("no user '{name}'", name=name)
    checked = check_roles(session, roles)
    _keep_an_administrator(session, user, checked)
    user.roles = checked
    record_event(
        session, actor, Event("user_roles", detail={"user": name, "roles": user.roles}), at=at
    )
    return user


def deactivate_user(session: Session, name: str, *, actor: Actor, at: datetime) -> User:
    """Stop user ``name`` from acting; their entries in the audit log stay."""
    if not actor.is_admin:
        raise NotAllowed("only an administrator may deactivate users")
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        raise NotFound("no user '{name}'", name=name)
    _keep_an_administrator(session, user, [])
    user.active = False
    record_event(session, actor, Event("user_deactivate", detail={"user": name}), at=at)
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.execute(select(User).order_by(User.name)).scalars())
