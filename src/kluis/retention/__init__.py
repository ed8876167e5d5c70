"""Retention: when each record's period ends, by the register's rules, and the plan of what
is due to be erased or anonymised.

Public surface: the rules (:func:`rule_of`, :func:`due_date`, :func:`add_period`,
:func:`fiscal_year_end`) and the plan (:func:`retention_plan`).
"""

from kluis.retention.policy import Rule, add_period, due_date, fiscal_year_end, rule_of
from kluis.retention.service import (
    ActivityPlan,
    RetentionPlan,
    require_privacy_staff,
    retention_plan,
)

__all__ = [
    "ActivityPlan",
    "RetentionPlan",
    "Rule",
    "add_period",
    "due_date",
    "fiscal_year_end",
    "require_privacy_staff",
    "retention_plan",
    "rule_of",
]
