"""The view model of the answer to an erasure request (Art. 17): what was erased, what the
law keeps and until when, whom the organisation informs (Art. 19), and whether the person's
suppression entry stays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kluis.documents.context import Facts, OrganisationView
from kluis.documents.language import Lang
from kluis.documents.notice_view import AuthorityView, authority
from kluis.register.taxonomy import Taxonomy
from kluis.subject_requests import ErasureOutcome


@dataclass(frozen=True)
class ErasureAnswerView:
    """Everything the answer shows."""

    language: str
    title: str
    date: str
    received: str
    organisation: OrganisationView
    nothing: bool
    erased: list[str]
    kept: list[str]
    recipients: list[str]
    suppressed: bool
    authority: AuthorityView | None


def build(
    outcome: ErasureOutcome,
    *,
    taxonomy: Taxonomy,
    suppressed: bool,
    lang: Lang,
    today: date,
) -> ErasureAnswerView:
    """The answer's view model in ``lang``."""
    register = outcome.register
    facts = Facts.of_stored(register, taxonomy, lang, today)
    activities = {activity.id: activity for activity in register.activities}

    def name(activity: str) -> str:
        found = activities.get(activity)
        return lang.text(found.name) if found is not None else activity

    kept = []
    for item in outcome.kept:
        activity = activities.get(item.activity)
        law = lang.text(activity.legal_basis.law) if activity and activity.legal_basis else ""
        if item.reason == "legal_hold":
            why = lang.gettext("a legal claim or investigation requires them")
        else:
            why = lang.gettext("the law requires us to keep them") + (f" ({law})" if law else "")
        until = (
            lang.gettext("until {date}", date=lang.date(item.until - timedelta(days=1)))
            if item.until
            else lang.gettext("for the period the law sets, which has not started yet")
        )
        kept.append(f"{name(item.activity)}: {why}, {until}.")
    parties = [facts.party(recipient) for recipient in outcome.recipients]
    return ErasureAnswerView(
        language=lang.code,
        title=lang.gettext("Erasure of your personal data"),
        date=lang.date(today),
        received=lang.date(outcome.received_at.date()),
        organisation=facts.organisation(),
        nothing=outcome.subject_id is None,
        erased=list(dict.fromkeys(name(activity) for _, activity in outcome.erased)),
        kept=kept,
        recipients=[party.name for party in parties if party is not None],
        suppressed=suppressed,
        authority=authority(lang, register.organisation.country),
    )
