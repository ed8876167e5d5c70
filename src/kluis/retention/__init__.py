"""Retention: when each record's period ends, by the register's rules; the plan of what is
due; runs that erase or anonymise it, recorded and audited; and legal holds.

Public surface: the rules (:func:`rule_of`, :func:`due_date`, :func:`add_period`,
:func:`fiscal_year_end`), the plan (:func:`retention_plan`), runs (:func:`start_run`,
:func:`plan_work`, :func:`run_batch`, :func:`finish_run`, :func:`list_runs`) and legal holds
(:func:`set_hold`, :func:`lift_hold`, :func:`list_holds`) and renewals
(:func:`renewals_due`, :func:`renew`) and reviews (:func:`reviews_due`,
:func:`review_records`).
"""

from kluis.retention.holds import HeldScope, Hold, held_scope, lift_hold, list_holds, set_hold
from kluis.retention.policy import (
    Rule,
    add_period,
    due_date,
    fiscal_year_end,
    require_privacy_staff,
    rule_of,
)
from kluis.retention.renewals import NOTICE_DAYS, RenewalDue, Renewed, renew, renewals_due
from kluis.retention.reviews import (
    Decision,
    ReviewDue,
    Reviewed,
    review_cutoff,
    review_records,
    reviews_due,
    shred_before_review,
)
from kluis.retention.runs import (
    BATCH,
    Cursor,
    RunView,
    Work,
    count_runs,
    finish_run,
    get_run,
    list_runs,
    plan_work,
    run_batch,
    shred_batch,
    start_run,
)
from kluis.retention.service import ActivityPlan, RetentionPlan, retention_plan

__all__ = [
    "BATCH",
    "NOTICE_DAYS",
    "ActivityPlan",
    "Cursor",
    "Decision",
    "HeldScope",
    "Hold",
    "RenewalDue",
    "Renewed",
    "RetentionPlan",
    "ReviewDue",
    "Reviewed",
    "Rule",
    "RunView",
    "Work",
    "add_period",
    "count_runs",
    "due_date",
    "finish_run",
    "fiscal_year_end",
    "get_run",
    "held_scope",
    "lift_hold",
    "list_holds",
    "list_runs",
    "plan_work",
    "renew",
    "renewals_due",
    "require_privacy_staff",
    "retention_plan",
    "review_cutoff",
    "review_records",
    "reviews_due",
    "rule_of",
    "run_batch",
    "set_hold",
    "shred_batch",
    "shred_before_review",
    "start_run",
]
