"""Who may read an activity's records: need-to-know (Art. 5(1)(f), 29 and 32(4) GDPR).

The vault lets only the roles an activity names in ``access`` read its records (and the
built-in ``dpo``, whose every read is logged); an activity with no role cannot be worked
with, and a role with no activity is probably a leftover.
"""

from __future__ import annotations

from collections.abc import Iterator

from kluis.i18n import N_
from kluis.register.checks.base import Context, Emitter, Finding, Severity, check
from kluis.register.checks.common import activity_path


@check("KL701", Severity.warning, "Art. 5(1)(f), 32(4) GDPR", N_("An activity no role may access"))
def no_access(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report an activity whose records no role may read."""
    for index, activity in enumerate(context.register.activities):
        if not activity.access:
            yield emit(
                activity_path(index, "access"),
                N_(
                    "No role may read the records of activity '{activity}'; add access with "
                    "the roles that need them (need-to-know)"
                ),
                activity=activity.id,
            )


@check("KL702", Severity.info, "Art. 32(4) GDPR", N_("A role no activity gives access to"))
def unused_role(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Point out a role that no activity gives access to."""
    register = context.register
    granted = {role for activity in register.activities for role in activity.access}
    for index, role in enumerate(register.roles):
        if role.id not in granted:
            yield emit(
                ("roles", index, "id"),
                N_(
                    "No activity gives the role '{role}' access; name it in the access of "
                    "the activities it works on, or remove it"
                ),
                role=role.id,
            )
