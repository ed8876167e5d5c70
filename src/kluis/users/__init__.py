"""Users of Kluis and their roles (need-to-know access, Art. 32 GDPR)."""

from kluis.users.service import (
    actor_for,
    add_user,
    deactivate_user,
    known_roles,
    list_users,
    set_roles,
)

__all__ = ["actor_for", "add_user", "deactivate_user", "known_roles", "list_users", "set_roles"]
