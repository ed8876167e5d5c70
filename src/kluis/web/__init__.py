"""The web interface, rendered on the server in Dutch, English and French: no script, no
build step. :func:`routers` lists its routers; :mod:`kluis.app` mounts them."""

from __future__ import annotations

from fastapi import APIRouter

from kluis.web import auth_pages, dashboard


def routers() -> list[APIRouter]:
    """Every router of the web interface."""
    return [auth_pages.router, dashboard.router]


__all__ = ["routers"]
