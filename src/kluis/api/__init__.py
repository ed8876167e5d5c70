"""The REST API, ``/api/v1``: JSON with pagination, filtering and stable error objects,
described by OpenAPI at ``/api/openapi.json``. :func:`routers` lists its routers."""

from __future__ import annotations

from fastapi import APIRouter

from kluis.api import me


def routers() -> list[APIRouter]:
    """Every router of the API."""
    return [me.router]


__all__ = ["routers"]
