"""What the register of processing activities must hold (Art. 30 GDPR).

Art. 30(1): per controller activity the purposes (b), data subjects and categories of data
(c), recipients (d), erasure time limits (f, treated as required since the notice needs
them, Art. 13(2)(a)) and security measures (g), with the controller's name and contact
details (a). Art. 30(2): a processor records each controller it acts for (a) and its
security measures (d). Art. 5(1)(c): the vault stores only categories an activity declares.
Purposes are required by the format itself, so the loader reports them.
"""

from __future__ import annotations

from collections.abc import Iterator

from kluis.i18n import N_
from kluis.register.checks.base import Context, Emitter, Finding, Severity, check
from kluis.register.checks.common import (
    activity_path,
    activity_processors,
    controller_activities,
    text,
)
from kluis.register.schema import ActivityRole, Contact

_KINDS = {"BE": N_("the KBO/BCE number"), "NL": N_("the KvK number")}


@check(
    "KL101",
    Severity.error,
    "Art. 30(1)(a), 13(1)(a) GDPR",
    N_("No privacy contact and no data protection officer"),
)
def no_contact(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a register that names neither a privacy contact nor a DPO."""
    contacts = context.register.organisation.contacts
    if contacts.privacy is None and contacts.dpo is None:
        yield emit(
            ("organisation", "contacts"),
            N_(
                "The organisation names neither a privacy contact nor a data protection "
                "officer; add organisation.contacts.privacy with an e-mail address, so that "
                "the register and the privacy notice say whom to contact"
            ),
            key=True,
        )


def _unreachable(contact: Contact | None) -> bool:
    return contact is not None and not (contact.email or contact.phone or contact.address)


@check(
    "KL102",
    Severity.error,
    "Art. 30(1)(a), 13(1)(a)-(b) GDPR",
    N_("A contact without contact details"),
)
def contact_without_details(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a privacy contact or DPO with no e-mail address, phone number or address."""
    contacts = context.register.organisation.contacts
    for role, contact in (("privacy", contacts.privacy), ("dpo", contacts.dpo)):
        if _unreachable(contact):
            yield emit(
                ("organisation", "contacts", role),
                N_(
                    "organisation.contacts.{role} has no e-mail address, phone number or "
                    "address; add at least an e-mail address, which the register and the "
                    "privacy notice must give"
                ),
                key=True,
                role=role,
            )


@check(
    "KL103",
    Severity.warning,
    "Art. 30(1)(a) GDPR; GBA/APD model register",
    N_("No enterprise number"),
)
def no_enterprise_number(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report an organisation without an enterprise number (KBO/BCE or KvK)."""
    organisation = context.register.organisation
    if organisation.enterprise_number is None:
        kind = _KINDS.get(organisation.country, N_("the company registration number"))
        yield emit(
            ("organisation", "name"),
            N_(
                "The organisation has no enterprise number; add "
                "organisation.enterprise_number ({kind}), which identifies the controller "
                "on the register of processing activities"
            ),
            kind=text(kind),
        )


@check("KL104", Severity.error, "Art. 30(1)(c) GDPR", N_("An activity without data subjects"))
def no_data_subjects(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a controller activity that lists no categories of data subjects."""
    for index, activity in controller_activities(context.register):
        if not activity.data_subjects:
            yield emit(
                activity_path(index, "data_subjects"),
                N_(
                    "The activity '{activity}' lists no data subjects; add data_subjects "
                    "(such as customer, employee or job_applicant)"
                ),
                activity=activity.id,
            )


@check("KL105", Severity.error, "Art. 30(1)(c) GDPR", N_("An activity without categories of data"))
def no_data_categories(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a controller activity that lists no categories of personal data."""
    for index, activity in controller_activities(context.register):
        if not activity.data_categories:
            yield emit(
                activity_path(index, "data_categories"),
                N_(
                    "The activity '{activity}' lists no categories of personal data; add "
                    "data_categories (such as user.name or user.contact.email)"
                ),
                activity=activity.id,
            )


@check("KL106", Severity.warning, "Art. 30(1)(d) GDPR", N_("Recipients possibly forgotten"))
def no_recipients(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report an activity with no recipients, no processor, and no explicit ``recipients: []``."""
    register = context.register
    for index, activity in controller_activities(register):
        if activity.recipients or activity_processors(register, activity):
            continue
        if activity_path(index, "recipients") in context.source.keys:
            continue  # written as `recipients: []`: nobody outside receives the data
        yield emit(
            activity_path(index, "recipients"),
            N_(
                "The activity '{activity}' names no recipients and uses no system run by a "
                "processor; list the processors and third parties that receive the data in "
                "recipients, or write 'recipients: []' if nobody outside the organisation "
                "receives them"
            ),
            activity=activity.id,
        )


@check("KL107", Severity.error, "Art. 30(1)(f), 13(2)(a) GDPR", N_("An activity without retention"))
def no_retention(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a controller activity that does not say how long its data are kept."""
    for index, activity in controller_activities(context.register):
        if activity.retention is None:
            yield emit(
                activity_path(index, "retention"),
                N_(
                    "The activity '{activity}' does not say how long its data are kept; add "
                    "retention with keep and after (such as keep: P2Y, after: contract_end)"
                ),
                activity=activity.id,
            )


@check(
    "KL108",
    Severity.error,
    "Art. 30(1)(g), 30(2)(d), 32 GDPR",
    N_("An activity without security measures"),
)
def no_security(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report an activity that names no technical or organisational security measure."""
    for index, activity in enumerate(context.register.activities):
        if not activity.security:
            yield emit(
                activity_path(index, "security"),
                N_(
                    "The activity '{activity}' names no security measures; add security "
                    "(such as access_control, encryption_at_rest, backups, mfa)"
                ),
                activity=activity.id,
            )


@check(
    "KL109",
    Severity.error,
    "Art. 30(2)(a) GDPR",
    N_("A processor activity without its controller"),
)
def processor_without_controller(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a processor activity that does not name the controller it acts for."""
    for index, activity in enumerate(context.register.activities):
        if activity.role is ActivityRole.processor and activity.controller is None:
            yield emit(
                activity_path(index, "role"),
                N_(
                    "The activity '{activity}' is carried out as a processor but does not "
                    "name the controller it acts for; add controller with its name and contact"
                ),
                activity=activity.id,
            )


@check(
    "KL110",
    Severity.error,
    "Art. 26, 30(1)(a) GDPR",
    N_("A joint activity without its joint controllers"),
)
def joint_without_controllers(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a joint-controller activity that names no joint controller."""
    for index, activity in enumerate(context.register.activities):
        if activity.role is ActivityRole.joint_controller and not activity.joint_controllers:
            yield emit(
                activity_path(index, "role"),
                N_(
                    "The activity '{activity}' is carried out by joint controllers but names "
                    "none; add joint_controllers with their names, contacts and the essence "
                    "of the arrangement"
                ),
                activity=activity.id,
            )


@check(
    "KL111",
    Severity.error,
    "Art. 5(1)(c), 30(1)(c) GDPR",
    N_("A field of an undeclared category"),
)
def undeclared_field(context: Context, emit: Emitter) -> Iterator[Finding]:
    """Report a field whose category the activity does not declare in data_categories."""
    covers = context.taxonomy.covers
    for index, activity in enumerate(context.register.activities):
        for name, category in activity.fields.items():
            if not any(covers(declared, category) for declared in activity.data_categories):
                yield emit(
                    activity_path(index, "fields", name),
                    N_(
                        "The field '{field}' of activity '{activity}' holds '{category}', "
                        "which the activity does not declare; add '{category}' to "
                        "data_categories or remove the field, since the vault may store only "
                        "declared data"
                    ),
                    field=name,
                    activity=activity.id,
                    category=category,
                )
