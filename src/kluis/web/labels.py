"""The words the pages show for the codes the services keep: kinds and states of requests,
channels, identity checks, steps, jobs, consent, retention and records. Every table holds
English texts of the ``web`` catalogue; :func:`label` gives one in the visitor's language,
and templates call it as ``label(table, code)``."""

from __future__ import annotations

from typing import Final

from kluis.consent import GIVEN, WITHDRAWN, State
from kluis.i18n import N_, gettext
from kluis.jobs import (
    DASHBOARD_FIGURES,
    DEADLINE_REMINDERS,
    DONE,
    FAILED,
    HOUSEKEEPING,
    QUEUED,
    RETENTION_RUN,
    RUNNING,
)
from kluis.register.schema import RetentionAction
from kluis.subject_requests import Channel, IdentityMethod, IdentityOutcome, Kind, Outcome

#: What a request asks for, as privacy staff name it (the letters use the person's words).
REQUEST_KINDS: Final[dict[str, str]] = {
    Kind.access: N_("Access"),
    Kind.rectification: N_("Rectification"),
    Kind.erasure: N_("Erasure"),
    Kind.restriction: N_("Restriction of processing"),
    Kind.portability: N_("Data portability"),
    Kind.objection: N_("Objection"),
    Kind.withdrawal: N_("Withdrawal of consent"),
}
#: Where a request stands (``all``: the list's filter for every state).
REQUEST_STATUSES: Final[dict[str, str]] = {
    "open": N_("Open"),
    Outcome.answered: N_("Answered"),
    Outcome.refused: N_("Refused"),
    "all": N_("All"),
}
#: How a request came in, or how consent was given or withdrawn.
CHANNELS: Final[dict[str, str]] = {
    Channel.web_form: N_("Web form"),
    Channel.email: N_("E-mail"),
    Channel.letter: N_("Letter"),
    "paper": N_("Paper"),
    Channel.phone: N_("Phone"),
    Channel.in_person: N_("In person"),
}
IDENTITY_METHODS: Final[dict[str, str]] = {
    IdentityMethod.known_channel: N_("Through an address or number already on file"),
    IdentityMethod.email_confirmation: N_("Confirmation by e-mail"),
    IdentityMethod.question: N_("A question only the person can answer"),
    IdentityMethod.document_seen: N_("An identity document seen, never copied"),
}
IDENTITY_OUTCOMES: Final[dict[str, str]] = {
    IdentityOutcome.confirmed: N_("Confirmed"),
    IdentityOutcome.not_confirmed: N_("Not confirmed"),
}
#: The steps that carry out a request.
STEPS: Final[dict[str, str]] = {
    "answer": N_("Writing the answer"),
    "shred": N_("Destroying the data keys"),
    "erase": N_("Erasing the data"),
    "letter": N_("Writing the letter"),
    "restrict": N_("Restricting the processing"),
    "rectify": N_("Correcting the records"),
    "withdraw": N_("Withdrawing consent"),
}
STEP_STATUSES: Final[dict[str, str]] = {DONE: N_("done"), FAILED: N_("failed")}
#: What the history of a request shows of its audit entries.
REQUEST_EVENTS: Final[dict[str, str]] = {
    "request_file": N_("Filed"),
    "request_identity": N_("Identity check recorded"),
    "request_extend": N_("Deadline extended"),
    "request_step": N_("Step"),
    "request_close": N_("Closed"),
    "request_contact_read": N_("Contact details read"),
    "request_contact_forget": N_("Contact details forgotten"),
}
JOB_KINDS: Final[dict[str, str]] = {
    RETENTION_RUN: N_("Retention run"),
    DEADLINE_REMINDERS: N_("Deadline reminders"),
    DASHBOARD_FIGURES: N_("Dashboard figures"),
    HOUSEKEEPING: N_("Housekeeping"),
}
JOB_STATUSES: Final[dict[str, str]] = {
    QUEUED: N_("queued"),
    RUNNING: N_("running"),
    DONE: N_("done"),
    FAILED: N_("failed"),
}
CONSENT_ACTIONS: Final[dict[str, str]] = {GIVEN: N_("Given"), WITHDRAWN: N_("Withdrawn")}
#: Where a person's consent to a purpose stands.
CONSENT_STATES: Final[dict[str, str]] = {
    State.valid: N_("valid"),
    State.none: N_("never given"),
    State.withdrawn: N_("withdrawn"),
    State.expired: N_("expired"),
    State.outdated: N_("given on an older text"),
}
RETENTION_ACTIONS: Final[dict[str, str]] = {
    RetentionAction.erase: N_("erase"),
    RetentionAction.anonymize: N_("anonymise"),
}
RECORD_STATUSES: Final[dict[str, str]] = {
    "active": N_("Active"),
    "restricted": N_("Restricted (Art. 18): stored, not used"),
}

#: The tables by the name templates give them.
TABLES: Final[dict[str, dict[str, str]]] = {
    "request_kind": REQUEST_KINDS,
    "request_status": REQUEST_STATUSES,
    "channel": CHANNELS,
    "identity_method": IDENTITY_METHODS,
    "identity_outcome": IDENTITY_OUTCOMES,
    "step": STEPS,
    "step_status": STEP_STATUSES,
    "request_event": REQUEST_EVENTS,
    "job_kind": JOB_KINDS,
    "job_status": JOB_STATUSES,
    "consent_action": CONSENT_ACTIONS,
    "consent_state": CONSENT_STATES,
    "retention_action": RETENTION_ACTIONS,
    "record_status": RECORD_STATUSES,
}


def label(lang: str, table: str, code: object) -> str:
    """The word for ``code`` of ``table`` in ``lang``; a code the table lacks is shown as it
    is. :class:`KeyError` for a table that does not exist (a mistake in a template)."""
    text = TABLES[table].get(str(code))
    return gettext(lang, "web", text) if text is not None else str(code)


def choices(lang: str, table: str) -> list[tuple[str, str]]:
    """The codes of ``table`` with their words in ``lang``, in the table's order (for a
    select)."""
    return [(str(code), gettext(lang, "web", text)) for code, text in TABLES[table].items()]


__all__ = ["TABLES", "choices", "label"]
