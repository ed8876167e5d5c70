"""Who is acting: a user's name and roles, as the interfaces establish them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

#: Built-in roles: the DPO reads every record (and is logged doing so); an administrator
#: manages users, keys, backups and the register, and reads no record unless granted.
DPO: Final = "dpo"
ADMIN: Final = "admin"


@dataclass(frozen=True)
class Actor:
    """A person (or Kluis itself, for scheduled work) acting on the vault."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_dpo(self) -> bool:
        """Whether the actor has the built-in ``dpo`` role."""
        return DPO in self.roles

    @property
    def is_admin(self) -> bool:
        """Whether the actor has the built-in ``admin`` role."""
        return ADMIN in self.roles

    @property
    def is_privacy_staff(self) -> bool:
        """The DPO or an administrator: who works with requests, retention, holds, the
        audit log and the register's findings."""
        return self.is_dpo or self.is_admin

    @classmethod
    def system(cls, task: str) -> Actor:
        """Kluis itself running ``task`` (a retention sweep); acts with the DPO's reach."""
        return cls(name=f"kluis:{task}", roles=frozenset({DPO}))
