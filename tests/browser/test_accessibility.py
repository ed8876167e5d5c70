"""Accessibility: axe-core (the engine of the browsers' own accessibility audits) finds no
serious or critical violation of WCAG 2.1 A and AA on the main pages, in Dutch."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.conftest import LiveServer, first_admin

PAGES = [
    "/",
    "/people",
    "/people/new?activity=candidates",
    "/requests",
    "/requests/new",
    "/register",
    "/register/findings",
    "/consent",
    "/retention",
    "/audit",
    "/users",
    "/account",
    "/settings",
    "/privacy",
    "/request",
    "/api/docs",
]
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _serious(result: Any) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {violation['nodes'][0]['target']}"
        for violation in result.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def test_the_main_pages_have_no_serious_accessibility_violation(
    page: Page, live: LiveServer
) -> None:
    first_admin(page, live)
    axe = Axe()
    found = {}
    for path in PAGES:
        opened = page.goto(f"{live.url}{path}")
        assert opened is not None and opened.ok, path
        result = axe.run(page, options=RULES)
        assert result.response["passes"], f"axe did not run on {path}"
        problems = _serious(result)
        if problems:
            found[path] = problems
    assert not found, found
