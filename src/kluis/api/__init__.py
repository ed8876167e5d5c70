"""The REST API, ``/api/v1``: JSON with pagination, filtering and stable error objects,
described by OpenAPI at ``/api/openapi.json``. :func:`routers` lists its routers."""

from __future__ import annotations

from fastapi import APIRouter

from kluis.api import audit, consent, docs, me, records, register, requests, retention, subjects


def public_routers() -> list[APIRouter]:
    """The routers anyone may use: the API's documentation."""
    return [docs.router]


def routers() -> list[APIRouter]:
    """The routers of the API, each behind authentication (a token or a session)."""
    return [
        me.router,
        register.router,
        subjects.router,
        consent.router,
        records.router,
        requests.router,
        retention.router,
        audit.router,
    ]


__all__ = ["public_routers", "routers"]
