"""The view model of the answer to an access request (Art. 15): for each record held on the
person, what it holds and, from the register, why, on what basis, who receives it and how
long it is kept; the consent history; where to complain.

Pure: an :class:`~kluis.subject_requests.AccessPackage` in, plain dataclasses out, every
string in the answer's language and addressed to "you".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kluis.documents.context import Facts, OrganisationView
from kluis.documents.language import Lang
from kluis.documents.notice_view import AuthorityView, NoticeActivity, authority, notice_activity
from kluis.subject_requests import AccessPackage


@dataclass(frozen=True)
class AnswerRecord:
    """One record: the activity as the notice explains it, and what the record holds."""

    activity: NoticeActivity
    values: list[tuple[str, str]]
    events: list[tuple[str, str]]
    source: str
    since: str


@dataclass(frozen=True)
class AnswerConsent:
    """One line of the consent history."""

    moment: str
    purpose: str
    given: bool
    channel: str


@dataclass(frozen=True)
class AccessAnswerView:
    """Everything the answer shows."""

    language: str
    title: str
    date: str
    received: str
    organisation: OrganisationView
    records: list[AnswerRecord]
    consents: list[AnswerConsent]
    authority: AuthorityView | None
    #: A portability request (Art. 20): the data come as files too.
    portability: bool


def build(package: AccessPackage, *, lang: Lang, today: date) -> AccessAnswerView:
    """The answer's view model in ``lang``."""
    facts = Facts.of_stored(package.register, package.taxonomy, lang, today)
    activities = {activity.id: activity for activity in package.register.activities}
    records = []
    for record in package.records:
        activity = activities.get(record.activity)
        if activity is None:
            continue
        records.append(
            AnswerRecord(
                activity=notice_activity(facts, activity),
                values=sorted(record.values.items()),
                events=[(name, lang.date(day)) for name, day in sorted(record.events.items())],
                source=record.source,
                since=lang.date(record.created_at.date()),
            )
        )
    return AccessAnswerView(
        language=lang.code,
        title=lang.gettext("Your personal data"),
        date=lang.date(today),
        received=lang.date(package.received_at.date()),
        organisation=facts.organisation(),
        records=records,
        consents=[
            AnswerConsent(
                lang.date(event.at.date()), event.purpose, event.action == "given", event.channel
            )
            for event in package.consents
        ],
        authority=authority(lang, package.register.organisation.country),
        portability=package.kind == "portability",
    )
