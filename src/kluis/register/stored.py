"""A register version as the vault enforces it: plain data, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kluis.register.schema import Register
from kluis.register.taxonomy import Taxonomy


@dataclass(frozen=True)
class StoredRegister:
    """A register version as the vault uses it."""

    version: int
    content_hash: str
    author: str
    applied_at: datetime
    register: Register
    taxonomy: Taxonomy
