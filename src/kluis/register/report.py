"""Findings as data: JSON for scripts and SARIF 2.1.0 so that code hosts show them on the
lines of the YAML."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kluis import __version__
from kluis.i18n import gettext
from kluis.register.checks.base import Check, Finding, Severity

_SARIF_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note"}
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _relative(file: str) -> str:
    path = Path(file)
    with contextlib.suppress(ValueError):
        path = path.resolve().relative_to(Path.cwd().resolve())
    return path.as_posix() if not path.is_absolute() else path.as_uri()


def findings_as_json(findings: Iterable[Finding], language: str) -> list[dict[str, Any]]:
    """Findings as a list of objects with ``code, severity, article, message, file, line``."""
    return [
        {
            "code": f.code,
            "severity": f.severity.value,
            "article": f.article,
            "message": f.message(language),
            "file": f.location.file if f.location else None,
            "line": f.location.line if f.location else None,
            "column": f.location.column if f.location else None,
        }
        for f in findings
    ]


def findings_as_sarif(
    findings: Sequence[Finding], checks: Iterable[Check], language: str
) -> dict[str, Any]:
    """Findings as a SARIF 2.1.0 log with one run of the ``kluis`` tool."""
    rules: dict[str, dict[str, Any]] = {}
    for check in checks:
        rules[check.code] = {
            "id": check.code,
            "shortDescription": {"text": gettext(language, "checks", check.title)},
            "defaultConfiguration": {"level": _SARIF_LEVEL[check.severity]},
            "properties": {"article": check.article},
        }
    for finding in findings:  # loader findings have no check of their own
        rules.setdefault(
            finding.code,
            {
                "id": finding.code,
                "shortDescription": {"text": finding.article},
                "defaultConfiguration": {"level": _SARIF_LEVEL[finding.severity]},
                "properties": {"article": finding.article},
            },
        )
    order = list(rules)
    results = []
    for finding in findings:
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": order.index(finding.code),
            "level": _SARIF_LEVEL[finding.severity],
            "message": {"text": finding.message(language)},
            "properties": {"article": finding.article},
        }
        if finding.location:
            result["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _relative(finding.location.file)},
                        "region": {
                            "startLine": finding.location.line,
                            "startColumn": finding.location.column,
                        },
                    }
                }
            ]
        results.append(result)
    return {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kluis",
                        "version": __version__,
                        "rules": [rules[code] for code in order],
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
