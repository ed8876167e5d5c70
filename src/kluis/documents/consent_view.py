"""The view model of a proof of consent (Art. 7(1)): for one person and one purpose, the
words they were shown, every consent given and withdrawn, and where it stands.

Pure: a :class:`~kluis.consent.ConsentProof` in, plain dataclasses out, every string in the
document's language. The person is named by their subject id: the proof shows what they
agreed to and when, not who they are (their details are in the vault, read by those allowed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kluis.consent import ConsentProof, State
from kluis.documents.language import Lang
from kluis.i18n import N_

_STATES = {
    State.valid: N_("Valid"),
    State.none: N_("Never given"),
    State.withdrawn: N_("Withdrawn"),
    State.expired: N_("Expired"),
    State.outdated: N_("Given on an older text: to be asked again"),
}
_ACTIONS = {"given": N_("Consent given"), "withdrawn": N_("Consent withdrawn")}
_CHANNELS = {
    "web_form": N_("web form"),
    "email": N_("e-mail"),
    "paper": N_("paper"),
    "phone": N_("telephone"),
    "in_person": N_("in person"),
}


@dataclass(frozen=True)
class _Organisation:
    name: str


@dataclass(frozen=True)
class ProofText:
    """A version of the purpose's text, in the languages it was written in."""

    version: str
    texts: list[tuple[str, str]]


@dataclass(frozen=True)
class ProofEvent:
    """One line of the history."""

    moment: str
    action: str
    version: str
    language: str
    channel: str
    evidence: str
    recorded: str


@dataclass(frozen=True)
class ConsentProofView:
    """Everything the proof document shows."""

    language: str
    title: str
    date: str
    organisation: _Organisation
    subject: str
    purpose: str
    state: str
    expires: str
    texts: list[ProofText]
    events: list[ProofEvent]


def build(proof: ConsentProof, *, lang: Lang, today: date) -> ConsentProofView:
    """The proof's view model in ``lang``."""
    organisation = proof.register.organisation
    return ConsentProofView(
        language=lang.code,
        title=lang.gettext("Proof of consent"),
        date=lang.date(today),
        organisation=_Organisation(organisation.name),
        subject=str(proof.subject_id),
        purpose=proof.purpose,
        state=lang.gettext(_STATES[proof.standing.state]),
        expires=lang.date(proof.standing.expires) if proof.standing.expires else "",
        texts=[
            ProofText(lang.date(version), sorted(text.items()))
            for version, text in proof.texts.items()
        ],
        events=[
            ProofEvent(
                moment=f"{lang.date(event.at.date())} {event.at:%H:%M} UTC",
                action=lang.gettext(_ACTIONS[event.action]),
                version=lang.date(event.version),
                language=event.language,
                channel=lang.gettext(_CHANNELS.get(event.channel, event.channel)),
                evidence=event.evidence or "—",
                recorded=f"{event.recorded_by}, {lang.date(event.recorded_at.date())}",
            )
            for event in proof.history
        ],
    )
