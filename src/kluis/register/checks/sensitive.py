"""Special categories (Art. 9 GDPR), criminal data (Art. 10) and national numbers.

Art. 9(1) forbids processing special categories unless one condition of Art. 9(2) applies,
in addition to an Art. 6 basis (checked in :mod:`lawfulness`): explicit consent (a) needs a
consent purpose marked explicit; employment and social security law (b) and substantial
public interest (g) need the national provision. Art. 10: criminal data only where a law
authorises it. Art. 87: national identification numbers under national conditions, in
Belgium the Law of 8 August 1983 on the National Register (art. 8: a law or an
authorisation), in the Netherlands the UAVG (art. 46: only where a statute prescribes the
BSN; job applicants are not asked for it).
"""

from __future__ import annotations

from collections.abc import Iterator

from kluis.i18n import N_
from kluis.register.checks.base import Context, Emitter, Finding, Severity, check
from kluis.register.checks.common import (
    activity_path,
    basis_is,
    controller_activities,
    flagged,
    ids,
)
from kluis.register.schema import Activity, LegalBasis, SpecialCondition
from kluis.register.source import Path_

_NEEDS_LAW = (
    SpecialCondition.employment_social_security,
    SpecialCondition.substantial_public_interest,
)
#: The last segment of the taxonomy's national-number ids, and the country of each.
_NATIONAL = {"be_rrn": "BE", "nl_bsn": "NL"}


def _has_condition(activity: Activity) -> bool:
    return (
        activity.special_categories is not None
        and activity.special_categories.condition is not None
    )


@check(
    "KL301",
    Severity.error,
    "Art. 9(1)-(2) GDPR",
    N_("Special categories without an Art. 9(2) condition"),
)
def special_without_condition(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report special categories of data processed without an Art. 9(2) condition."""
    for index, activity in controller_activities(context.register):
        special = flagged(context, index, activity, "special")
        if not special or _has_condition(activity):
            continue
        path = special[0][0]
        if activity.special_categories is not None:
            path = activity_path(index, "special_categories")
        yield emit(
            path,
            N_(
                "The activity '{activity}' processes special categories of personal data "
                "({categories}) without an Art. 9(2) condition; add special_categories with "
                "a condition (such as explicit_consent or employment_social_security), or "
                "stop processing them"
            ),
            activity=activity.id,
            categories=ids([category for _, category in special]),
        )


@check(
    "KL302",
    Severity.error,
    "Art. 9(2)(a) GDPR",
    N_("Explicit consent without an explicit consent purpose"),
)
def explicit_consent_incomplete(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report the explicit-consent condition without consent basis and explicit purpose."""
    register = context.register
    explicit = {purpose.id for purpose in register.consent_purposes if purpose.explicit}
    for index, activity in controller_activities(register):
        special = activity.special_categories
        if special is None or special.condition is not SpecialCondition.explicit_consent:
            continue
        path = activity_path(index, "special_categories", "condition")
        purpose = activity.legal_basis.consent if activity.legal_basis else None
        if not basis_is(activity, LegalBasis.consent):
            yield emit(
                path,
                N_(
                    "The activity '{activity}' relies on explicit consent for special "
                    "categories, but its legal basis is not consent; use legal_basis.basis: "
                    "consent with a consent purpose marked explicit: true"
                ),
                activity=activity.id,
            )
        elif purpose is not None and purpose not in explicit:  # no purpose at all: KL202
            yield emit(
                path,
                N_(
                    "The activity '{activity}' relies on explicit consent for special "
                    "categories, but its consent purpose is not explicit; mark the consent "
                    "purpose explicit: true and make its text name the special categories"
                ),
                activity=activity.id,
            )


@check(
    "KL303",
    Severity.error,
    "Art. 9(2)(b), 9(2)(g) GDPR",
    N_("An Art. 9(2) condition without the national provision"),
)
def condition_without_law(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report employment or public-interest conditions that do not cite the law."""
    for index, activity in controller_activities(context.register):
        special = activity.special_categories
        if special is None or special.condition not in _NEEDS_LAW or special.law is not None:
            continue
        yield emit(
            activity_path(index, "special_categories", "condition"),
            N_(
                "The activity '{activity}' relies on the condition {condition}, which needs "
                "a provision of Union or national law (or a collective agreement); add "
                "special_categories.law citing it"
            ),
            activity=activity.id,
            condition=special.condition.value if special.condition else "",
        )


@check("KL304", Severity.error, "Art. 10 GDPR", N_("Criminal data without the law allowing it"))
def criminal_without_law(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report criminal-conviction data without the law that authorises processing them."""
    for index, activity in controller_activities(context.register):
        criminal = flagged(context, index, activity, "criminal")
        special = activity.special_categories
        if not criminal or (special is not None and special.law is not None):
            continue
        yield emit(
            criminal[0][0],
            N_(
                "The activity '{activity}' processes data on criminal convictions or "
                "offences ({categories}) without the law that allows it; add "
                "special_categories.law citing the provision, or use the official "
                "certificate route instead of keeping the data"
            ),
            activity=activity.id,
            categories=ids([category for _, category in criminal]),
        )


@check(
    "KL305",
    Severity.info,
    "Art. 9(1), 10 GDPR",
    N_("A broad category that covers special categories"),
)
def broad_category(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Point out a broad category that covers special or criminal ones, without a condition."""
    taxonomy = context.taxonomy
    for index, activity in controller_activities(context.register):
        if _has_condition(activity):
            continue
        for position, category in enumerate(activity.data_categories):
            if taxonomy.is_special(category) or taxonomy.is_criminal(category):
                continue
            covered = [
                *taxonomy.covers_flagged(category, "special"),
                *taxonomy.covers_flagged(category, "criminal"),
            ]
            if covered:
                yield emit(
                    activity_path(index, "data_categories", position),
                    N_(
                        "The activity '{activity}' declares the broad category '{category}', "
                        "which also covers special or criminal data ({covered}); declare the "
                        "narrower categories it really processes, or add special_categories "
                        "if it processes those"
                    ),
                    activity=activity.id,
                    category=category,
                    covered=ids(covered, limit=3),
                )


def _national_country(context: Context, category: str) -> str:
    """The country whose law governs a national-number category (by default the organisation's)."""
    for item in [category, *context.taxonomy.ancestors(category)]:
        country = _NATIONAL.get(item.rsplit(".", 1)[-1])
        if country is not None:
            return country
    return context.register.organisation.country


def _national_numbers(context: Context, country: str) -> Iterator[tuple[int, Activity, Path_, str]]:
    """Controller activities using a national number of ``country``, each with the first one."""
    for index, activity in controller_activities(context.register):
        for path, category in flagged(context, index, activity, "national_id"):
            if _national_country(context, category) == country:
                yield index, activity, path, category
                break


@check(
    "KL306",
    Severity.error,
    "Law of 8 August 1983, art. 8",
    N_("The Belgian national register number without a legal ground"),
)
def rrn_without_ground(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report the Belgian national register number used without a law or authorisation."""
    for _index, activity, path, category in _national_numbers(context, "BE"):
        if activity.national_number is None:
            yield emit(
                path,
                N_(
                    "The activity '{activity}' uses the national register number "
                    "('{category}') without a legal ground; add national_number.ground citing "
                    "the law or the authorisation that allows it (Law of 8 August 1983, "
                    "art. 8), or stop using it"
                ),
                activity=activity.id,
                category=category,
            )


@check(
    "KL307",
    Severity.error,
    "UAVG art. 46",
    N_("The Dutch citizen service number (BSN) without a legal ground"),
)
def bsn_without_ground(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report the Dutch BSN used without the statute that prescribes it."""
    for _index, activity, path, category in _national_numbers(context, "NL"):
        if activity.national_number is None:
            yield emit(
                path,
                N_(
                    "The activity '{activity}' uses the citizen service number (BSN, "
                    "'{category}') without a legal ground; add national_number.ground citing "
                    "the statute that prescribes it (UAVG art. 46), or stop using it"
                ),
                activity=activity.id,
                category=category,
            )


@check(
    "KL308",
    Severity.error,
    "UAVG art. 46",
    N_("The BSN of job applicants"),
)
def bsn_of_applicants(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a BSN processed about job applicants, whatever ground is given."""
    for _index, activity, path, category in _national_numbers(context, "NL"):
        if "job_applicant" in activity.data_subjects:
            yield emit(
                path,
                N_(
                    "The activity '{activity}' processes the BSN ('{category}') of job "
                    "applicants; no statute prescribes it before employment, so ask for it "
                    "only once the person is hired, in the payroll activity"
                ),
                activity=activity.id,
                category=category,
            )


@check(
    "KL309",
    Severity.warning,
    "Art. 87 GDPR",
    N_("A national identification number without a legal ground"),
)
def national_number_without_ground(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report another country's national number used without a recorded legal ground."""
    register = context.register
    for index, activity in controller_activities(register):
        if activity.national_number is not None:
            continue
        for path, category in flagged(context, index, activity, "national_id"):
            if _national_country(context, category) not in _NATIONAL.values():
                yield emit(
                    path,
                    N_(
                        "The activity '{activity}' uses a national identification number "
                        "('{category}') without a legal ground; national law sets when it may "
                        "be used: add national_number.ground citing the provision"
                    ),
                    activity=activity.id,
                    category=category,
                )
                break
