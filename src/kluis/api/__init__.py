"""The REST API, ``/api/v1``: JSON with pagination, filtering and stable error objects,
described by OpenAPI at ``/api/openapi.json``. :func:`routers` lists its routers."""

from __future__ import annotations

from fastapi import APIRouter

from kluis.api import me


def public_routers() -> list[APIRouter]:
    """The routers anyone may use: the API's documentation."""
    return []


def routers() -> list[APIRouter]:
    """The routers of the API, each behind authentication (a token or a session)."""
    return [me.router]


__all__ = ["public_routers", "routers"]
