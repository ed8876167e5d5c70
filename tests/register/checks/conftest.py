"""Fixtures for the checks: a minimal register that no check objects to, edited per test,
written to a temporary folder, loaded, and checked with a fixed date."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from kluis.i18n import LANGUAGES
from kluis.register.checks.base import Check, Context, Finding, Severity
from kluis.register.checks.runner import run_checks
from kluis.register.loader import LoadedRegister, read_register

#: The day every check runs on in these tests.
TODAY = date(2025, 6, 1)

#: A Belgian organisation with one activity, one processor, one system: lint-clean.
MINIMAL = """\
kluis: 1
organisation:
  name: Testbedrijf BV
  enterprise_number: BE0600995271
  address: {street: Oude Veldstraat 235, postal_code: "9080", city: Lochristi, country: BE}
  country: BE
  languages: [nl, en]
  employees: 12
  contacts:
    privacy: {name: Pieter Privacy, email: pieter@example.be}
  rights_requests:
    email: privacy@example.be
roles:
  - id: management
    name: {nl: Directie, en: Management}
systems:
  - id: mail
    name: Mail
    type: public_cloud
    processor: mailhost
    location: [BE]
processors:
  - id: mailhost
    name: Mailhost NV
    country: BE
    agreement: {signed: 2024-01-15, reference: DPA-1}
activities:
  - id: invoicing
    name: {nl: Facturatie, en: Invoicing}
    purposes:
      - {nl: Correct betaald worden, en: Being paid correctly}
    data_subjects: [customer]
    data_categories: [user.name, user.contact.email]
    fields: {name: user.name, email: user.contact.email}
    identifiers: [email]
    legal_basis: {basis: contract}
    retention: {keep: P7Y, after: contract_end}
    systems: [mail]
    access: [management]
    security: [access_control]
"""

_PLACEHOLDER = re.compile(r"\{\w+\}")


@dataclass(frozen=True)
class Run:
    """The register text a check ran on, and what it found."""

    text: str
    findings: list[Finding]

    def line(self, needle: str, occurrence: int = 1) -> int:
        """The line number (from 1) of the ``occurrence``-th line containing ``needle``."""
        lines = [n for n, line in enumerate(self.text.splitlines(), 1) if needle in line]
        assert len(lines) >= occurrence, f"{needle!r} is not in the register"
        return lines[occurrence - 1]

    def found(self) -> list[tuple[str, Severity, int]]:
        """Code, severity and line of each finding; every message must render in nl, en, fr."""
        for finding in self.findings:
            for language in LANGUAGES:
                message = finding.message(language)
                assert message.strip(), finding.code
                assert not _PLACEHOLDER.search(message), (language, message)
        return [(f.code, f.severity, f.location.line if f.location else 0) for f in self.findings]


@dataclass(frozen=True)
class Lint:
    """Write the minimal register with edits, load it, and run checks on it."""

    folder: Path

    def text(self, *edits: tuple[str, str], sections: str = "", activities: str = "") -> str:
        """The register: MINIMAL with each ``(old, new)`` edit (``old`` must occur once),
        top-level ``sections`` inserted before ``activities:``, and more ``activities``."""
        text = MINIMAL
        for old, new in edits:
            assert text.count(old) == 1, f"{old!r} must occur exactly once"
            text = text.replace(old, new)
        if sections:
            text = text.replace("activities:\n", textwrap.dedent(sections) + "activities:\n")
        if activities:
            text += textwrap.indent(textwrap.dedent(activities), "  ")
        return text

    def load(
        self, *edits: tuple[str, str], sections: str = "", activities: str = ""
    ) -> tuple[LoadedRegister, str]:
        """Write the register to ``register.yaml`` and load it (loader errors fail the test)."""
        text = self.text(*edits, sections=sections, activities=activities)
        path = self.folder / "register.yaml"
        path.write_text(text, encoding="utf-8")
        loaded, problems = read_register(path)
        assert loaded is not None, [(p.code, p.location, p.message("en")) for p in problems]
        return loaded, text

    def __call__(
        self,
        check: Check,
        *edits: tuple[str, str],
        sections: str = "",
        activities: str = "",
        today: date = TODAY,
    ) -> Run:
        """Run one check on the edited register."""
        loaded, text = self.load(*edits, sections=sections, activities=activities)
        context = Context(loaded.register, loaded.source, loaded.taxonomy, today)
        return Run(text, list(check.run(context)))

    def all(
        self,
        *edits: tuple[str, str],
        sections: str = "",
        activities: str = "",
        today: date = TODAY,
    ) -> Run:
        """Run every check on the edited register."""
        loaded, text = self.load(*edits, sections=sections, activities=activities)
        return Run(text, run_checks(loaded, today=today))


@pytest.fixture
def lint(tmp_path: Path) -> Lint:
    """Run checks on the minimal register, edited."""
    return Lint(tmp_path)
