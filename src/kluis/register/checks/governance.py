"""Accountability: the data protection officer (Art. 37 GDPR), impact assessments (Art. 35),
the small-organisation exemption (Art. 30(5)) and the status of activities.

Art. 37(1): a DPO is mandatory for public authorities (a) and where core activities are
large-scale monitoring (b) or large-scale special or criminal data (c). Art. 35(1), (3) and
the EDPB criteria (WP248 rev.01): sensitive data, national numbers, automated decisions,
vulnerable people such as children and systematic monitoring make a DPIA likely. Art. 30(5)
spares an activity from the register only if it is occasional, without risk, without
Art. 9/10 data, in an organisation of fewer than 250 people. The status block follows the
GBA/APD model register.
"""

from __future__ import annotations

from collections.abc import Iterator

from kluis.i18n import N_
from kluis.register.checks.base import Context, Emitter, Finding, Severity, check
from kluis.register.checks.common import (
    activity_path,
    controller_activities,
    has_flag,
    listing,
    text,
)
from kluis.register.schema import Activity


def _risks(context: Context, activity: Activity) -> list[str]:
    """What makes an activity risky (EDPB criteria), as msgids naming each."""
    risks: list[str] = []
    if has_flag(context, activity, "special") or has_flag(context, activity, "criminal"):
        risks.append(N_("special or criminal data"))
    if has_flag(context, activity, "national_id"):
        risks.append(N_("a national identification number"))
    if activity.automated_decisions is not None:
        risks.append(N_("automated decisions"))
    if activity.children is not None:
        risks.append(N_("children"))
    if "large_scale_monitoring" in context.register.organisation.core_activities:
        risks.append(N_("large-scale monitoring"))
    return risks


@check(
    "KL710",
    Severity.error,
    "Art. 37(1) GDPR",
    N_("A data protection officer is required but absent"),
)
def dpo_required(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a missing DPO where Art. 37(1) makes one mandatory."""
    organisation = context.register.organisation
    if organisation.contacts.dpo is not None:
        return
    if organisation.public_authority:
        reason = N_("the organisation is a public authority (Art. 37(1)(a))")
    elif organisation.core_activities:
        reason = N_("its core activities are {activities} (Art. 37(1)(b)-(c))")
    else:
        return
    yield emit(
        ("organisation", "contacts"),
        N_(
            "The organisation must designate a data protection officer because {reason}; add "
            "organisation.contacts.dpo with name and contact details"
        ),
        key=True,
        reason=text(reason, activities=", ".join(organisation.core_activities)),
    )


@check(
    "KL711",
    Severity.info,
    "Art. 37(1)(c) GDPR",
    N_("Whether a data protection officer is required should be assessed"),
)
def dpo_to_assess(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Suggest assessing Art. 37(1)(c) when special or criminal data are processed."""
    organisation = context.register.organisation
    assessed = organisation.dpo_assessment is not None
    if organisation.contacts.dpo is not None or organisation.core_activities or assessed:
        return
    sensitive = [
        activity.id
        for _, activity in controller_activities(context.register)
        if has_flag(context, activity, "special") or has_flag(context, activity, "criminal")
    ]
    if sensitive:
        yield emit(
            ("organisation", "contacts"),
            N_(
                "Special or criminal data are processed ({activities}) and there is no data "
                "protection officer; assess whether this is a core activity on a large scale: "
                "if so, add large_scale_special to organisation.core_activities and designate "
                "a DPO; if not, record the assessment in organisation.dpo_assessment"
            ),
            key=True,
            activities=", ".join(sensitive),
        )


@check("KL712", Severity.warning, "Art. 35(1) GDPR", N_("A required DPIA not done"))
def dpia_not_done(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report an activity whose DPIA is required but has no date it was done."""
    for index, activity in enumerate(context.register.activities):
        if activity.dpia is not None and activity.dpia.required and activity.dpia.done is None:
            yield emit(
                activity_path(index, "dpia", "required"),
                N_(
                    "The activity '{activity}' needs a data protection impact assessment that "
                    "has not been done; carry it out before the processing starts and record "
                    "dpia.done and dpia.reference"
                ),
                activity=activity.id,
            )


@check(
    "KL713",
    Severity.warning,
    "Art. 35(1), 35(3) GDPR; EDPB WP248",
    N_("A DPIA is probably needed but not assessed"),
)
def dpia_not_assessed(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report an activity meeting DPIA criteria that records no DPIA decision."""
    for index, activity in controller_activities(context.register):
        risks = _risks(context, activity)
        if activity.dpia is None and risks:
            yield emit(
                activity_path(index, "dpia"),
                N_(
                    "The activity '{activity}' involves {criteria}, which makes a data "
                    "protection impact assessment probably necessary; assess it and record "
                    "dpia (required: true with done, or required: false)"
                ),
                activity=activity.id,
                criteria=listing([text(risk) for risk in risks]),
            )


def _exemption_lost(context: Context, activity: Activity) -> list[str]:
    """Why Art. 30(5) cannot spare the activity, as msgids."""
    reasons = _risks(context, activity)
    employees = context.register.organisation.employees
    if employees is not None and employees >= 250:
        reasons.append(N_("250 or more employees"))
    if activity.dpia is not None and activity.dpia.required:
        reasons.append(N_("a required DPIA"))
    return reasons


@check(
    "KL714", Severity.error, "Art. 30(5) GDPR", N_("An occasional activity that must be recorded")
)
def occasional_not_exempt(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report ``occasional: true`` where the Art. 30(5) exemption cannot apply."""
    for index, activity in enumerate(context.register.activities):
        reasons = _exemption_lost(context, activity) if activity.occasional else []
        if reasons:
            yield emit(
                activity_path(index, "occasional"),
                N_(
                    "The activity '{activity}' is marked occasional, but the exemption of "
                    "Art. 30(5) cannot apply because of {reasons}; remove occasional: true so "
                    "that the activity appears on the register"
                ),
                activity=activity.id,
                reasons=listing([text(reason) for reason in reasons]),
            )


@check(
    "KL715",
    Severity.warning,
    "GBA/APD model register",
    N_("An active activity that is replaced"),
)
def replaced_but_active(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report an active activity that names the activity replacing it."""
    for index, activity in enumerate(context.register.activities):
        if activity.replaced_by is not None and activity.status == "active":
            yield emit(
                activity_path(index, "replaced_by"),
                N_(
                    "The activity '{activity}' is replaced by '{replacement}' but still "
                    "active; set status: ended with the ended date, or remove replaced_by"
                ),
                activity=activity.id,
                replacement=activity.replaced_by,
            )


@check("KL716", Severity.warning, "GBA/APD model register", N_("An ended activity without a date"))
def ended_without_date(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report an ended activity that does not say when it ended."""
    for index, activity in enumerate(context.register.activities):
        if activity.status == "ended" and activity.ended is None:
            yield emit(
                activity_path(index, "status"),
                N_(
                    "The activity '{activity}' has ended but does not say when; add ended "
                    "with the date"
                ),
                activity=activity.id,
            )
