"""Errors of signing in, in the one tree of :mod:`kluis.core.errors`."""

from __future__ import annotations

from kluis.core.errors import NotAllowed


class Throttled(NotAllowed):
    """Too many failed attempts in a short time; try again later (HTTP 429)."""

    code = "throttled"
