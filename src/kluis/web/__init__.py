"""The web interface, rendered on the server in Dutch, English and French: no script, no
build step. :func:`routers` and :func:`public_routers` list its routers; :mod:`kluis.app`
mounts them, the first behind authentication."""

from __future__ import annotations

from fastapi import APIRouter

from kluis.web import (
    audit_pages,
    auth_pages,
    consent_pages,
    dashboard,
    jobs_pages,
    people,
    public,
    register_pages,
    requests_pages,
    retention_pages,
    rights_pages,
    settings_pages,
    users_pages,
)


def public_routers() -> list[APIRouter]:
    """The routers anyone may use without signing in: signing in itself, the public pages."""
    return [auth_pages.router, public.router, public.one_click]


def routers() -> list[APIRouter]:
    """The routers of the web interface for signed-in users (each route checks who)."""
    return [
        dashboard.router,
        people.router,
        register_pages.router,
        requests_pages.router,
        rights_pages.router,
        *_mine(),
    ]


def _mine() -> list[APIRouter]:
    """Jobs, retention, consent, the audit log, users and accounts, settings."""
    return [
        jobs_pages.router,
        retention_pages.router,
        consent_pages.router,
        audit_pages.router,
        users_pages.router,
        settings_pages.router,
    ]


__all__ = ["public_routers", "routers"]
