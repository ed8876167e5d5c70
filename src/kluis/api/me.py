"""Who the caller is: ``GET /api/v1/me``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from kluis.api.common import ERRORS
from kluis.api.units import api_unit

router = APIRouter(prefix="/api/v1", tags=["me"], responses=ERRORS)


class Me(BaseModel):
    """The authenticated caller: user name, roles, and how they authenticated."""

    name: str
    roles: list[str]
    via: str


@router.get("/me", response_model=Me, summary="Who is calling")
def me(request: Request) -> Me:
    """The caller's name and the roles this call acts with."""
    with api_unit(request) as (_session, caller):
        return Me(name=caller.name, roles=sorted(caller.actor.roles), via=caller.via)
