"""Shared test helpers: small registers written to a temporary folder."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

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
    privacy: {name: Privacy Coordinator, email: privacy@example.be}
  rights_requests:
    email: privacy@example.be
roles:
  - id: management
    name: {nl: Directie, en: Management}
activities:
  - id: client-invoicing
    name: {nl: Facturatie, en: Invoicing}
    purposes:
      - {nl: Correct gefactureerd worden, en: Being paid correctly}
    data_subjects: [customer]
    data_categories: [user.name, user.contact.email]
    fields: {name: user.name, email: user.contact.email}
    identifiers: [email]
    legal_basis: {basis: contract}
    retention: {keep: P7Y, after: fiscal_year_end, then: erase}
    access: [management]
    security: [access_control]
"""


@pytest.fixture
def write_register(tmp_path: Path) -> Callable[[str], Path]:
    """Write a register text (dedented) to ``register.yaml`` in a temporary folder."""

    def write(text: str, name: str = "register.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
