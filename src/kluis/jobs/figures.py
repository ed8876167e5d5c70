"""The dashboard's figures that need a look at every record (retention due this month,
records held) or at the whole register (its check findings): computed by the
``dashboard_figures`` job, daily and on demand, never at each page view. Counts only."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from kluis.consent import withdrawals_since
from kluis.core.actor import Actor
from kluis.register.checks.base import Context
from kluis.register.checks.runner import all_checks
from kluis.register.source import SourceMap
from kluis.register.versions import current_version
from kluis.retention import retention_plan
from kluis.vault import suppression_count

#: Consent withdrawals are counted over this many days.
WITHDRAWAL_DAYS: Final = 30
_ACTOR: Final = Actor.system("dashboard")


def register_findings(session: Session, *, at: datetime) -> dict[str, int]:
    """How many findings the checks give on the applied register, by severity."""
    stored = current_version(session)
    counts: Counter[str] = Counter({"error": 0, "warning": 0, "info": 0})
    if stored is None:
        return dict(counts)
    context = Context(stored.register, SourceMap(), stored.taxonomy, at.date())
    for check in all_checks():
        for finding in check.run(context):
            counts[finding.severity.value] += 1
    return dict(counts)


def dashboard_figures(session: Session, *, at: datetime) -> dict[str, Any]:
    """The figures, as plain data for the job's result."""
    today = at.date()
    figures: dict[str, Any] = {
        "computed_at": at.isoformat(),
        "findings": register_findings(session, at=at),
        "consent_withdrawals": withdrawals_since(session, at - timedelta(days=WITHDRAWAL_DAYS)),
        "withdrawal_days": WITHDRAWAL_DAYS,
        "suppressed": suppression_count(session),
    }
    if current_version(session) is None:
        return figures | {"records": 0, "retention_due_now": 0, "retention_due_this_month": 0}
    plan = retention_plan(session, _ACTOR, at=today)
    month = today.replace(day=1)
    later_this_month = sum(entry.schedule.get(month, 0) for entry in plan.activities)
    return figures | {
        "records": sum(entry.records for entry in plan.activities),
        "retention_due_now": plan.due,
        "retention_due_this_month": plan.due + later_this_month,
        "retention_held": sum(entry.held for entry in plan.activities),
        "review_due": sum(entry.review_due for entry in plan.activities),
    }


__all__ = ["WITHDRAWAL_DAYS", "dashboard_figures", "register_findings"]
