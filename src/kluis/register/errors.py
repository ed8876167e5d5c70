"""Errors of the register feature."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kluis.core.errors import InvalidInput

if TYPE_CHECKING:
    from kluis.register.checks.base import Finding


class RegisterInvalid(InvalidInput):
    """The register could not be loaded; ``findings`` says every reason, with file and line."""

    code = "register_invalid"

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        super().__init__(f"the register has {len(self.findings)} error(s)")
