"""Checks of who may read an activity's records (need-to-know)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kluis.register.checks import access
from kluis.register.checks.base import Severity

if TYPE_CHECKING:
    from tests.register.checks.conftest import Lint

ROLE = "    name: {nl: Directie, en: Management}\n"


def test_no_access_fires(lint: Lint) -> None:
    run = lint(access.no_access, ("access: [management]", "access: []"))
    assert run.found() == [("KL701", Severity.warning, run.line("access: []"))]


def test_access_given_is_fine(lint: Lint) -> None:
    assert lint(access.no_access).found() == []


def test_unused_role_fires(lint: Lint) -> None:
    extra = ROLE + "  - id: recruiter\n    name: {nl: Recruiter, en: Recruiter}\n"
    run = lint(access.unused_role, (ROLE, extra))
    assert run.found() == [("KL702", Severity.info, run.line("id: recruiter"))]


def test_roles_given_access_are_fine(lint: Lint) -> None:
    assert lint(access.unused_role).found() == []
