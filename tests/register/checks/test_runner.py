"""Checking a register applied to the vault: the same findings as its file, by path."""

from __future__ import annotations

from datetime import UTC, datetime

from kluis.register.checks.runner import check_applied, run_checks
from kluis.register.loader import load_register
from kluis.register.stored import StoredRegister
from tests.conftest import VAULT_REGISTER
from tests.register.checks.conftest import TODAY


def test_an_applied_register_has_the_findings_of_its_file_without_lines() -> None:
    loaded = load_register(VAULT_REGISTER)
    stored = StoredRegister(
        1, "hash", "test", datetime(2026, 1, 1, tzinfo=UTC), loaded.register, loaded.taxonomy
    )
    from_file = run_checks(loaded, today=TODAY)
    applied = check_applied(stored, today=TODAY)
    assert applied, "the vault test register has findings (an activity without a ground)"
    assert sorted((f.code, f.path) for f in applied) == sorted((f.code, f.path) for f in from_file)
    assert all(finding.location is None for finding in applied)
