"""Registers applied to the vault, kept as versions: content hash, author, time, changes.

The newest version is the policy the vault enforces. Its content is the register as data
(JSON), so the vault needs no file to know what it may store.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.core.errors import NotFound
from kluis.register.models import RegisterVersion
from kluis.register.schema import Register
from kluis.register.stored import StoredRegister
from kluis.register.taxonomy import Taxonomy, builtin_taxonomy
from kluis.register.types import Text


def register_content(register: Register) -> dict[str, Any]:
    """The register as plain data, the form in which it is stored and hashed."""
    return register.model_dump(mode="json", exclude_none=True)


def content_hash(register: Register) -> str:
    """SHA-256 of the register's canonical JSON form."""
    canonical = json.dumps(register_content(register), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def save_version(
    session: Session,
    register: Register,
    *,
    author: str,
    origin: str,
    changes: Sequence[dict[str, object]],
    at: datetime,
) -> RegisterVersion:
    """Store ``register`` as the newest version."""
    version = RegisterVersion(
        content_hash=content_hash(register),
        author=author,
        applied_at=at,
        origin=origin,
        content=register_content(register),
        changes=list(changes),
    )
    session.add(version)
    session.flush()
    return version


_CACHE: dict[str, tuple[Register, Taxonomy]] = {}


def _parsed(version: RegisterVersion) -> tuple[Register, Taxonomy]:
    found = _CACHE.get(version.content_hash)
    if found is None:
        register = Register.model_validate(version.content)
        found = (register, builtin_taxonomy().extend(register))
        _CACHE[version.content_hash] = found
    return found


def current_version(session: Session) -> StoredRegister | None:
    """The newest applied register, or None before the first ``kluis register apply``."""
    version = session.execute(
        select(RegisterVersion).order_by(RegisterVersion.id.desc()).limit(1)
    ).scalar_one_or_none()
    if version is None:
        return None
    register, taxonomy = _parsed(version)
    return StoredRegister(
        version=version.id,
        content_hash=version.content_hash,
        author=version.author,
        applied_at=version.applied_at,
        register=register,
        taxonomy=taxonomy,
    )


def require_version(session: Session) -> StoredRegister:
    """The newest applied register; :class:`NotFound` if none was applied yet."""
    found = current_version(session)
    if found is None:
        raise NotFound("no register has been applied yet; run: kluis register apply PATH")
    return found


def list_versions(session: Session) -> list[RegisterVersion]:
    """Every applied version, newest first."""
    return list(
        session.execute(select(RegisterVersion).order_by(RegisterVersion.id.desc())).scalars()
    )


def consent_texts(session: Session, purpose: str) -> dict[date, Text]:
    """Every text a consent purpose has had in the applied versions, by its version: the
    words a person consented to, even after the register moved on."""
    texts: dict[date, Text] = {}
    for version in reversed(list_versions(session)):
        register, _taxonomy = _parsed(version)
        for item in register.consent_purposes:
            if item.id == purpose:
                texts[item.version] = item.text
    return texts
