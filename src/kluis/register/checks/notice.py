"""What the privacy notice needs (Art. 12-14 GDPR), automated decisions (Art. 22) and
children's consent (Art. 8).

Art. 12(2) and 13(2)(b): people must be told how to exercise their rights. Art. 14(2)(f):
where data do not come from the person, the notice names the source. Art. 22: a solely
automated decision with significant effects needs a contract, a law or explicit consent
(22(2)), safeguards such as human intervention (22(3)), and for special categories
explicit consent or substantial public interest (22(4)). Art. 8(1): a child below the
national age of digital consent (BE 13, NL 16) cannot consent alone to an information
society service; the holder of parental responsibility must.
"""

from __future__ import annotations

from collections.abc import Iterator

from kluis.i18n import N_
from kluis.register import law
from kluis.register.checks.base import Context, Emitter, Finding, Severity, check
from kluis.register.checks.common import activity_path, basis_is, controller_activities, has_flag
from kluis.register.marketing import looks_like_direct_marketing
from kluis.register.schema import Activity, LegalBasis, Source, SpecialCondition
from kluis.register.types import Duration

_ART22_BASES = (LegalBasis.contract, LegalBasis.consent, LegalBasis.legal_obligation)
_ART22_CONDITIONS = (
    SpecialCondition.explicit_consent,
    SpecialCondition.substantial_public_interest,
)


@check(
    "KL801",
    Severity.warning,
    "Art. 12(2), 13(2)(b) GDPR",
    N_("No channel for requests of data subjects"),
)
def no_rights_channel(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a register that does not say where people send requests about their rights."""
    organisation = context.register.organisation
    channel = organisation.rights_requests
    if channel is None or not (channel.email or channel.address or channel.url):
        yield emit(
            ("organisation", "rights_requests"),
            N_(
                "The register does not say where people exercise their rights; add "
                "organisation.rights_requests with an e-mail address (or a postal address or "
                "web form), which the privacy notice must give"
            ),
            key=channel is not None,
        )


@check(
    "KL807",
    Severity.error,
    "Art. 12(3) GDPR",
    N_("A promised answer period longer than one month"),
)
def answer_period_too_long(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a promise to answer requests later than the one month Art. 12(3) allows.

    The period may be extended by two months only for a complex or numerous request, and
    only when the person is told so, with reasons, within the first month: that is a
    decision per request, never a standing promise.
    """
    channel = context.register.organisation.rights_requests
    period = channel.answer_within if channel else None
    if period is not None and period.approx_days() > Duration(months=1).approx_days():
        yield emit(
            ("organisation", "rights_requests", "answer_within"),
            N_(
                "The register promises to answer requests within {period}, but Art. 12(3) "
                "requires an answer within one month of receipt; an extension by two months "
                "is decided per complex request and announced within the first month"
            ),
            period=str(period),
        )


@check(
    "KL808",
    Severity.info,
    "Art. 21(2)-(4) GDPR",
    N_("An activity that looks like direct marketing does not say whether it is"),
)
def marketing_unsaid(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Ask for ``direct_marketing`` where Kluis has to guess it from the activity."""
    for index, activity in controller_activities(context.register):
        if activity.direct_marketing is None and looks_like_direct_marketing(activity):
            yield emit(
                activity_path(index),
                N_(
                    "The activity '{activity}' looks like direct marketing, so the notice shows "
                    "the absolute right to object to it; write direct_marketing: true to say so, "
                    "or direct_marketing: false if it is not"
                ),
                activity=activity.id,
            )


@check(
    "KL802",
    Severity.warning,
    "Art. 14(2)(f) GDPR",
    N_("Data from another source without a description of the source"),
)
def source_undescribed(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report an activity whose data come from others and whose source is not described."""
    for index, activity in controller_activities(context.register):
        if activity.art14 and activity.source_description is None:
            yield emit(
                activity_path(index, "source"),
                N_(
                    "The data of activity '{activity}' come from {sources}, not only from the "
                    "person; add source_description saying where they come from (and whether "
                    "the source is public), which the privacy notice must state"
                ),
                activity=activity.id,
                sources=", ".join(s.value for s in activity.source if s is not Source.data_subject),
            )


@check(
    "KL803",
    Severity.warning,
    "Art. 22(3) GDPR",
    N_("Automated decisions without safeguards"),
)
def decisions_without_safeguards(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report automated decisions that do not describe their safeguards."""
    for index, activity in controller_activities(context.register):
        decisions = activity.automated_decisions
        if decisions is not None and decisions.safeguards is None:
            yield emit(
                activity_path(index, "automated_decisions"),
                N_(
                    "The automated decisions of activity '{activity}' describe no safeguards; "
                    "add automated_decisions.safeguards: how a person can obtain human "
                    "intervention, express their view and contest the decision"
                ),
                activity=activity.id,
            )


@check(
    "KL804",
    Severity.error,
    "Art. 22(4) GDPR",
    N_("Automated decisions on special categories without explicit consent or law"),
)
def decisions_on_special_data(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report automated decisions on special categories under a condition 22(4) excludes."""
    for index, activity in controller_activities(context.register):
        if activity.automated_decisions is None or not has_flag(context, activity, "special"):
            continue
        special = activity.special_categories
        condition = special.condition if special is not None else None
        if condition in _ART22_CONDITIONS:
            continue
        yield emit(
            activity_path(index, "automated_decisions"),
            N_(
                "The activity '{activity}' takes automated decisions on special categories "
                "of data, which is allowed only with explicit consent or for a substantial "
                "public interest under law; use one of those conditions or let a person "
                "decide"
            ),
            activity=activity.id,
        )


def _art22_basis_problem(context: Context, activity: Activity) -> str | None:
    """What is wrong with the basis of an automated decision, as a msgid, or ``None``."""
    basis = activity.legal_basis
    if basis is None:
        return None  # reported as a missing legal basis
    if basis.basis not in _ART22_BASES:
        return N_(
            "The activity '{activity}' takes automated decisions on the basis of {basis}; "
            "they are allowed only when necessary for a contract, authorised by law or with "
            "explicit consent: change the basis or let a person decide"
        )
    explicit = {p.id for p in context.register.consent_purposes if p.explicit}
    if basis.basis is LegalBasis.consent and basis.consent not in explicit:
        return N_(
            "The activity '{activity}' takes automated decisions on the basis of consent "
            "that is not explicit; mark the consent purpose explicit: true and make its text "
            "say that a machine decides"
        )
    return None


@check(
    "KL805",
    Severity.error,
    "Art. 22(1)-(2) GDPR",
    N_("Automated decisions without a basis that allows them"),
)
def decisions_without_basis(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report automated decisions on a basis other than contract, law or explicit consent."""
    for index, activity in controller_activities(context.register):
        if activity.automated_decisions is None:
            continue
        problem = _art22_basis_problem(context, activity)
        if problem is not None and activity.legal_basis is not None:
            yield emit(
                activity_path(index, "legal_basis", "basis"),
                problem,
                activity=activity.id,
                basis=activity.legal_basis.basis.value,
            )


@check(
    "KL806",
    Severity.error,
    "Art. 8(1) GDPR",
    N_("Consent of children below the age of digital consent"),
)
def children_consent(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report consent from children below the national age without parental consent."""
    country = context.register.organisation.country
    rule = law.digital_consent_age(country)
    for index, activity in controller_activities(context.register):
        children = activity.children
        if children is None or children.parental_consent is not None:
            continue
        if not basis_is(activity, LegalBasis.consent) or children.min_age >= rule.age:
            continue
        yield emit(
            activity_path(index, "children", "min_age"),
            N_(
                "The activity '{activity}' asks children from {min_age} for consent, but in "
                "{country} only children of {age} or older can consent themselves; add "
                "children.parental_consent describing how the holder of parental "
                "responsibility consents, or raise children.min_age to {age}"
            ),
            severity=None if rule.confirmed else Severity.warning,
            activity=activity.id,
            min_age=children.min_age,
            country=country,
            age=rule.age,
        )
