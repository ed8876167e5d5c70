"""The settings an administrator may see: where the data and keys are, the public
address, e-mail (whether a password is set, never the password), the key-encryption keys
and the last backup, with the ``kluis.toml`` lines that change them. Settings are edited in
the file, not in the browser."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from kluis.backup import backup_names
from kluis.core.errors import KluisError
from kluis.crypto import read_key_file
from kluis.server import check_csrf, state_of
from kluis.storage.engine import normalise_url
from kluis.vault import KekStatus, kek_status, key_counts, require_admin
from kluis.web.render import page
from kluis.web.units import signed_in

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


def _database(url: str) -> dict[str, str | None]:
    """The kind of database and where it is, without a password."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return {"kind": "SQLite", "where": parsed.database}
    return {
        "kind": "PostgreSQL",
        "where": f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}",
    }


@router.get("/settings")
def settings_page(request: Request) -> Response:
    """The effective settings that are safe to show, the keys and the last backup."""
    state = state_of(request)
    settings = state.settings
    keks: list[KekStatus] | None
    with signed_in(request) as (session, caller):
        require_admin(caller.actor)
        try:
            keks = kek_status(session, read_key_file(settings.key_file))
        except (KluisError, OSError):
            keks = None
        counts = key_counts(session)
    backups = backup_names(settings.backup_folder)
    context = {
        "settings": settings,
        "database": _database(settings.database_url),
        "smtp": settings.smtp,
        "keks": keks,
        "key_counts": counts,
        "last_backup": backups[-1] if backups else None,
        "backups": len(backups),
    }
    return page(request, "settings/settings.html", context, caller=caller)
