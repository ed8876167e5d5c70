"""Checks of processors and their agreements (Art. 28)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kluis.register.checks import processors
from kluis.register.checks.base import Severity

if TYPE_CHECKING:
    from tests.register.checks.conftest import Lint

AGREEMENT = "    agreement: {signed: 2024-01-15, reference: DPA-1}\n"


def test_no_agreement_fires_without_one(lint: Lint) -> None:
    run = lint(processors.no_agreement, (AGREEMENT, ""))
    assert run.found() == [("KL501", Severity.error, run.line("id: mailhost"))]


def test_no_agreement_fires_when_not_signed(lint: Lint) -> None:
    run = lint(processors.no_agreement, (AGREEMENT, "    agreement: {reference: DPA-1}\n"))
    assert run.found() == [("KL501", Severity.error, run.line("agreement:"))]
    assert "'mailhost'" in run.findings[0].message("nl")


def test_signed_agreement_is_fine(lint: Lint) -> None:
    assert lint(processors.no_agreement).found() == []


def test_expired_agreement_fires(lint: Lint) -> None:
    expired = "    agreement: {signed: 2021-01-15,\n      expires: 2025-05-31}\n"
    run = lint(processors.expired_agreement, (AGREEMENT, expired))
    assert run.found() == [("KL502", Severity.error, run.line("expires: 2025-05-31"))]
    assert "2025-05-31" in run.findings[0].message("fr")


def test_agreement_expiring_today_is_still_in_force(lint: Lint) -> None:
    current = "    agreement: {signed: 2021-01-15, expires: 2025-06-01}\n"
    assert lint(processors.expired_agreement, (AGREEMENT, current)).found() == []


def test_unused_processor_fires(lint: Lint) -> None:
    run = lint(processors.unused_processor, ("    processor: mailhost\n", ""))
    assert run.found() == [("KL503", Severity.info, run.line("id: mailhost"))]


def test_processor_used_as_recipient_is_fine(lint: Lint) -> None:
    edits = (
        ("    processor: mailhost\n", ""),
        ("    systems: [mail]\n", "    systems: [mail]\n    recipients: [mailhost]\n"),
    )
    assert lint(processors.unused_processor, *edits).found() == []
