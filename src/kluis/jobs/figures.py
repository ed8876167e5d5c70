"""The dashboard's figures that need a look at every record (retention due this month,
records held) or at the whole register (its check findings): computed by the
``dashboard_figures`` job, daily and on demand, never at each page view; and the retention
plan the retention page shows. Counts only."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from kluis.consent import withdrawals_since
from kluis.core.actor import Actor
from kluis.register.checks.runner import check_applied
from kluis.register.versions import current_version
from kluis.retention import RetentionPlan, retention_plan
from kluis.vault import suppression_count

#: Consent withdrawals are counted over this many days.
WITHDRAWAL_DAYS: Final = 30
_ACTOR: Final = Actor.system("dashboard")


def register_findings(session: Session, *, at: datetime) -> dict[str, int]:
    """How many findings the checks give on the applied register, by severity."""
    stored = current_version(session)
    counts: Counter[str] = Counter({"error": 0, "warning": 0, "info": 0})
    if stored is not None:
        counts.update(finding.severity.value for finding in check_applied(stored, today=at.date()))
    return dict(counts)


def plan_rows(plan: RetentionPlan) -> dict[str, Any]:
    """The retention plan as plain data, as the retention page shows it: one row of counts
    per activity, and the records falling due by month (``YYYY-MM``)."""
    rows = []
    for entry in plan.activities:
        if entry.rule is None or not entry.rule.has_period:
            then = None
        else:
            then = entry.action.value if entry.action is not None else "erase"
        rows.append(
            {
                "activity": entry.activity,
                "records": entry.records,
                "due": entry.due,
                "held": entry.held,
                "then": then,
                "next_due": entry.next_due.isoformat() if entry.next_due else None,
                "undated": entry.open + entry.review_only,
                "held_by_law": entry.held_by_law,
                "review_due": entry.review_due,
                "schedule": {
                    month.strftime("%Y-%m"): count
                    for month, count in sorted(entry.schedule.items())
                },
            }
        )
    return {
        "at": plan.at.isoformat(),
        "fiscal_year_end": plan.fiscal_year_end,
        "due": plan.due,
        "activities": rows,
    }


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
        "plan": plan_rows(plan),
    }


__all__ = ["WITHDRAWAL_DAYS", "dashboard_figures", "plan_rows", "register_findings"]
