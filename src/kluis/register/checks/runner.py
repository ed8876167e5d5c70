"""Running every check on a loaded register."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from kluis.register.checks.base import Check, Context, Finding, Severity
from kluis.register.checks.catalogue import CHECKS
from kluis.register.loader import LoadedRegister, applied_register
from kluis.register.stored import StoredRegister

_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}


def all_checks() -> tuple[Check, ...]:
    """Every check Kluis has, in code order."""
    return tuple(sorted(CHECKS, key=lambda c: c.code))


def run_checks(
    loaded: LoadedRegister, *, today: date, checks: Iterable[Check] | None = None
) -> list[Finding]:
    """Run ``checks`` (all by default) on ``loaded``; findings ordered by file and line."""
    context = Context(loaded.register, loaded.source, loaded.taxonomy, today)
    findings = [finding for check in checks or all_checks() for finding in check.run(context)]
    return sort_findings(findings)


def check_applied(stored: StoredRegister, *, today: date) -> list[Finding]:
    """Run every check on a register version applied to the vault (stored as data, so its
    findings name a path in the register, not a line of a file)."""
    return run_checks(applied_register(stored.register, stored.taxonomy), today=today)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Order findings by file, line, column, then severity and code."""

    def key(finding: Finding) -> tuple[str, int, int, int, str]:
        at = finding.location
        where = (at.file, at.line, at.column) if at else ("", 0, 0)
        return (*where, _ORDER[finding.severity], finding.code)

    return sorted(findings, key=key)
