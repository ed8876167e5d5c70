"""The web interface, rendered on the server in Dutch, English and French: no script, no
build step. :func:`routers` and :func:`public_routers` list its routers; :mod:`kluis.app`
mounts them, the first behind authentication."""

from __future__ import annotations

from fastapi import APIRouter

from kluis.web import auth_pages, dashboard


def public_routers() -> list[APIRouter]:
    """The routers anyone may use without signing in: signing in itself, the public pages."""
    return [auth_pages.router]


def routers() -> list[APIRouter]:
    """The routers of the web interface for signed-in users (each route checks who)."""
    return [dashboard.router]


__all__ = ["public_routers", "routers"]
