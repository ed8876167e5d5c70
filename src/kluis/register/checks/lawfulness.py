"""Lawful bases (Art. 6 GDPR) and what each needs written down.

Art. 6(1): every controller activity needs one basis. Consent (a) names the consent purpose
whose text people agree to (Art. 7(1): consent must be provable). A legal obligation (c)
cites the law (Art. 6(3)); vital interests (d) and a public task (e) are explained;
legitimate interests (f) state the interest and the balancing test (Art. 13(1)(d), EDPB
Guidelines 1/2024) and are not open to public authorities for their tasks (Art. 6(1),
second subparagraph). EDPB Guidelines 05/2020: consent of employees is rarely free.
"""

from __future__ import annotations

from collections.abc import Iterator

from kluis.i18n import N_
from kluis.register.checks.base import Context, Emitter, Finding, Severity, check
from kluis.register.checks.common import (
    activity_path,
    basis_is,
    controller_activities,
    has_flag,
)
from kluis.register.schema import LegalBasis


@check("KL201", Severity.error, "Art. 6(1) GDPR", N_("An activity without a legal basis"))
def no_legal_basis(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a controller activity without an Art. 6 legal basis."""
    for index, activity in controller_activities(context.register):
        if activity.legal_basis is not None:
            continue
        if has_flag(context, activity, "special") and activity.special_categories is not None:
            message = N_(
                "The activity '{activity}' has an Art. 9(2) condition but no Art. 6 legal "
                "basis; special categories need both: add legal_basis"
            )
        else:
            message = N_(
                "The activity '{activity}' has no legal basis; add legal_basis with one of "
                "consent, contract, legal_obligation, vital_interests, public_task or "
                "legitimate_interests"
            )
        yield emit(activity_path(index, "legal_basis"), message, activity=activity.id)


@check(
    "KL202",
    Severity.error,
    "Art. 6(1)(a), 7(1) GDPR",
    N_("Consent as the basis without a consent purpose"),
)
def consent_without_purpose(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a consent basis that does not name the consent purpose people agree to."""
    for index, activity in controller_activities(context.register):
        basis = activity.legal_basis
        if basis is not None and basis.basis is LegalBasis.consent and basis.consent is None:
            yield emit(
                activity_path(index, "legal_basis", "basis"),
                N_(
                    "The activity '{activity}' relies on consent but names no consent "
                    "purpose; add legal_basis.consent with the id of an entry in "
                    "consent_purposes, whose text is what people agree to"
                ),
                activity=activity.id,
            )


@check(
    "KL203",
    Severity.error,
    "Art. 6(1)(f), 13(1)(d) GDPR",
    N_("Legitimate interests without the interest or the balancing test"),
)
def legitimate_interests_incomplete(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report legitimate interests without ``interest`` or without ``balancing``."""
    for index, activity in controller_activities(context.register):
        basis = activity.legal_basis
        if basis is None or basis.basis is not LegalBasis.legitimate_interests:
            continue
        path = activity_path(index, "legal_basis", "basis")
        if basis.interest is None:
            yield emit(
                path,
                N_(
                    "The activity '{activity}' relies on legitimate interests but does not "
                    "say which; add legal_basis.interest, which the privacy notice must state"
                ),
                activity=activity.id,
            )
        if basis.balancing is None:
            yield emit(
                path,
                N_(
                    "The activity '{activity}' relies on legitimate interests without a "
                    "balancing test; add legal_basis.balancing: why the processing is "
                    "necessary and why it does not override the person's interests"
                ),
                activity=activity.id,
            )


@check(
    "KL204",
    Severity.error,
    "Art. 6(1)(c), 6(3) GDPR",
    N_("A legal obligation without the law"),
)
def obligation_without_law(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a legal-obligation basis that does not cite the law imposing it."""
    for index, activity in controller_activities(context.register):
        basis = activity.legal_basis
        if basis is not None and basis.basis is LegalBasis.legal_obligation and basis.law is None:
            yield emit(
                activity_path(index, "legal_basis", "basis"),
                N_(
                    "The activity '{activity}' relies on a legal obligation but does not cite "
                    "the law; add legal_basis.law naming the provision (erasure requests are "
                    "refused on its strength)"
                ),
                activity=activity.id,
            )


@check(
    "KL205",
    Severity.error,
    "Art. 6(1)(d)-(e) GDPR",
    N_("Vital interests or a public task without an explanation"),
)
def basis_without_note(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report vital interests or a public task without a ``note`` explaining it."""
    bases = (LegalBasis.vital_interests, LegalBasis.public_task)
    for index, activity in controller_activities(context.register):
        basis = activity.legal_basis
        if basis is not None and basis.basis in bases and basis.note is None:
            yield emit(
                activity_path(index, "legal_basis", "basis"),
                N_(
                    "The activity '{activity}' relies on {basis} without explaining it; add "
                    "legal_basis.note (whose vital interests, or which task and its legal "
                    "provision)"
                ),
                activity=activity.id,
                basis=basis.basis.value,
            )


@check(
    "KL206",
    Severity.error,
    "Art. 6(1), second subparagraph GDPR",
    N_("Legitimate interests relied on by a public authority"),
)
def authority_legitimate_interests(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report legitimate interests in the register of a public authority."""
    if not context.register.organisation.public_authority:
        return
    for index, activity in controller_activities(context.register):
        if basis_is(activity, LegalBasis.legitimate_interests):
            yield emit(
                activity_path(index, "legal_basis", "basis"),
                N_(
                    "The activity '{activity}' relies on legitimate interests, which a public "
                    "authority cannot use for its tasks; use public_task or legal_obligation "
                    "with the provision that gives the task"
                ),
                activity=activity.id,
            )


@check("KL207", Severity.info, "Art. 7(1) GDPR", N_("A consent purpose no activity uses"))
def unused_consent_purpose(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a consent purpose that no activity relies on."""
    used = {
        activity.legal_basis.consent
        for activity in context.register.activities
        if activity.legal_basis is not None
    }
    for index, purpose in enumerate(context.register.consent_purposes):
        if purpose.id not in used:
            yield emit(
                ("consent_purposes", index, "id"),
                N_(
                    "No activity relies on the consent purpose '{purpose}'; name it in the "
                    "legal_basis.consent of the activity that asks for it, or remove it"
                ),
                purpose=purpose.id,
            )


@check(
    "KL208",
    Severity.info,
    "Art. 7(4) GDPR; EDPB Guidelines 05/2020",
    N_("Consent of employees"),
)
def employee_consent(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Point out consent as the basis for processing employees' data."""
    for index, activity in controller_activities(context.register):
        if basis_is(activity, LegalBasis.consent) and "employee" in activity.data_subjects:
            yield emit(
                activity_path(index, "legal_basis", "basis"),
                N_(
                    "The activity '{activity}' relies on the consent of employees, which is "
                    "rarely freely given to an employer; check whether contract, "
                    "legal_obligation or legitimate_interests fits, and keep consent only "
                    "where refusing has no consequence"
                ),
                activity=activity.id,
            )
