"""Retention: how long data are kept, from when (Art. 5(1)(e), 13(2)(a), 30(1)(f) GDPR).

A retention rule needs a period (``keep``) and the event it runs from (``after``), or at
least a review interval; the retention engine computes due dates from them. Consent events
only exist where consent is the basis (Art. 7(3)). Statutory periods of the organisation's
country (accounting, payroll, camera images; :mod:`kluis.register.law`) set minimums and
maximums; the Dutch NVP Sollicitatiecode limits applicant data to one year with consent.
"""

from __future__ import annotations

from collections.abc import Iterator

from kluis.i18n import N_
from kluis.register import law
from kluis.register.checks.base import Context, Emitter, Finding, Severity, check
from kluis.register.checks.common import activity_path, basis_is, controller_activities, text
from kluis.register.schema import Activity, LegalBasis, Retention, RetentionEvent
from kluis.register.types import Duration

_CONSENT_EVENTS = (RetentionEvent.consent_withdrawn, RetentionEvent.consent_given)
#: NVP Sollicitatiecode: applicant data at most a year after the procedure, with consent.
_APPLICANT_MAXIMUM = Duration(years=1)


def _incomplete(retention: Retention) -> str | None:
    """What a retention rule lacks, as a msgid, or ``None`` when it is complete."""
    if retention.keep is not None and retention.after is None:
        return N_(
            "The retention of activity '{activity}' says how long (keep: {keep}) but not from "
            "when; add after (such as collected, contract_end or employment_end)"
        )
    if retention.after is not None and retention.keep is None:
        return N_(
            "The retention of activity '{activity}' says from when (after: {after}) but not "
            "how long; add keep (such as P2Y)"
        )
    if retention.keep is None and retention.review is None:
        return N_(
            "The retention of activity '{activity}' has neither a period nor a review "
            "interval; add keep and after (such as keep: P2Y, after: last_contact), or review "
            "(such as review: P1Y) where no fixed period can be given"
        )
    return None


@check(
    "KL601",
    Severity.error,
    "Art. 5(1)(e), 13(2)(a), 30(1)(f) GDPR",
    N_("A retention without a period or event"),
)
def retention_incomplete(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a retention rule that lacks its period, its event, or both."""
    for index, activity in enumerate(context.register.activities):
        retention = activity.retention
        problem = _incomplete(retention) if retention is not None else None
        if retention is not None and problem is not None:
            yield emit(
                activity_path(index, "retention"),
                problem,
                key=True,
                activity=activity.id,
                keep=str(retention.keep),
                after=str(retention.after),
            )


@check("KL602", Severity.error, "Art. 5(1)(e) GDPR", N_("A renewal without a period"))
def renew_without_keep(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report ``renew`` on a retention rule that has no ``keep`` period to renew."""
    for index, activity in enumerate(context.register.activities):
        retention = activity.retention
        if retention is not None and retention.renew is not None and retention.keep is None:
            yield emit(
                activity_path(index, "retention", "renew"),
                N_(
                    "The retention of activity '{activity}' can be renewed (renew: {renew}) "
                    "but has no period to renew; add keep and after"
                ),
                activity=activity.id,
                renew=str(retention.renew),
            )


@check(
    "KL603",
    Severity.error,
    "Art. 5(1)(e), 7(3) GDPR",
    N_("A consent event on an activity without consent"),
)
def consent_event_without_consent(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report retention from a consent event where consent is not the legal basis."""
    for index, activity in controller_activities(context.register):
        retention = activity.retention
        if retention is None or retention.after not in _CONSENT_EVENTS:
            continue
        if not basis_is(activity, LegalBasis.consent):
            yield emit(
                activity_path(index, "retention", "after"),
                N_(
                    "The retention of activity '{activity}' runs from {after}, but the "
                    "activity does not rely on consent, so that event never happens; choose "
                    "another event or make consent the legal basis"
                ),
                activity=activity.id,
                after=str(retention.after),
            )


def _applicable(context: Context, activity: Activity) -> list[law.StatutoryRule]:
    """The statutory retention rules of the organisation's country that the activity meets."""
    categories = [*activity.data_categories, *activity.fields.values()]
    basis = activity.legal_basis.basis.value if activity.legal_basis else None
    return [
        rule
        for rule in law.statutory_rules(context.register.organisation.country)
        if rule.applies_to(categories, activity.data_subjects, basis, context.taxonomy.covers)
    ]


def _source(rule: law.StatutoryRule) -> object:
    if rule.confirmed:
        return rule.source
    return text(N_("{source} (unconfirmed)"), source=rule.source)


def _violations(
    rule: law.StatutoryRule, keep: Duration, after: RetentionEvent
) -> Iterator[tuple[str, Severity, Duration]]:
    """How ``keep`` after ``after`` breaks ``rule``: message, severity and the rule's period."""
    same = after is rule.after
    if rule.minimum is not None and rule.shorter_than_minimum(keep):
        if same:
            message = N_(
                "The activity '{activity}' keeps its data for {keep} after {after}, less than "
                "the {period} that {source} requires; keep them at least {period}"
            )
        else:
            message = N_(
                "The activity '{activity}' keeps its data for {keep} after {after}, less than "
                "the {period} after {rule_after} that {source} requires (the periods run from "
                "different events); keep them at least {period} after {rule_after}"
            )
        confirmed = same and rule.confirmed
        yield message, Severity.error if confirmed else Severity.warning, rule.minimum
    if rule.maximum is not None and rule.longer_than_maximum(keep):
        if same:
            message = N_(
                "The activity '{activity}' keeps its data for {keep} after {after}, longer "
                "than the {period} that {source} allows; shorten keep to at most {period}"
            )
        else:
            message = N_(
                "The activity '{activity}' keeps its data for {keep} after {after}, longer "
                "than the {period} after {rule_after} that {source} allows (the periods run "
                "from different events); shorten keep to at most {period} after {rule_after}"
            )
        yield message, Severity.warning, rule.maximum


@check(
    "KL604",
    Severity.error,
    "Art. 5(1)(e), 17(3)(b) GDPR; national retention law",
    N_("A retention period against a statutory period"),
)
def statutory_period(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a period shorter than a statutory minimum or longer than a known maximum."""
    for index, activity in controller_activities(context.register):
        retention = activity.retention
        if retention is None or retention.keep is None or retention.after is None:
            continue
        keep, after = retention.keep, retention.after
        for rule in _applicable(context, activity):
            for message, severity, period in _violations(rule, keep, after):
                yield emit(
                    activity_path(index, "retention", "keep"),
                    message,
                    severity=severity,
                    activity=activity.id,
                    keep=str(keep),
                    after=after.value,
                    period=str(period),
                    rule_after=rule.after.value,
                    source=_source(rule),
                )


@check(
    "KL605",
    Severity.warning,
    "NVP Sollicitatiecode (NL), art. 5(1)(e) GDPR",
    N_("Applicant data kept longer than a year"),
)
def applicants_kept_long(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report Dutch job-applicant data kept longer than one year."""
    if context.register.organisation.country != "NL":
        return
    for index, activity in controller_activities(context.register):
        retention = activity.retention
        keep = retention.keep if retention is not None else None
        if "job_applicant" not in activity.data_subjects or keep is None:
            continue
        if any("job_applicant" in rule.data_subjects for rule in _applicable(context, activity)):
            continue  # a statutory rule for applicants applies: KL604 judges the period
        if keep.approx_days() > _APPLICANT_MAXIMUM.approx_days():
            yield emit(
                activity_path(index, "retention", "keep"),
                N_(
                    "The activity '{activity}' keeps job applicants' data for {keep}; the "
                    "Sollicitatiecode allows four weeks after the procedure, or up to one "
                    "year with the applicant's consent: shorten keep"
                ),
                activity=activity.id,
                keep=str(keep),
            )
