"""The view model of the privacy notice (Art. 13 and 14), written for the person.

Pure: a loaded register in, plain dataclasses out, every string in the document's language
and addressed to "you". The notice covers the activities for which the organisation is
(joint) controller and that are still active; processing done for a client as processor
belongs in that client's notice. :mod:`kluis.documents.rights` decides which rights appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kluis.documents import retention, rights
from kluis.documents.context import Facts, OrganisationView, PartyView
from kluis.documents.language import Lang
from kluis.documents.retention import period
from kluis.documents.rights import Right, RightsPlan
from kluis.documents.transfers import Ground, TransferView, unique
from kluis.documents.vocabulary import (
    LEGAL_BASES_FOR_YOU,
    LEGAL_BASIS_ARTICLES,
    PROVISION_FOR_YOU,
    RIGHT_TEXTS,
    SOURCES_FOR_YOU,
    SPECIAL_CONDITIONS,
)
from kluis.register import law
from kluis.register.loader import LoadedRegister
from kluis.register.schema import Activity, ActivityRole, LegalBasis, Source
from kluis.register.types import Duration


@dataclass(frozen=True)
class NoticeActivity:
    """One purpose for which we use your data, as a short paragraph."""

    id: str
    anchor: str
    name: str
    purposes: list[str]
    basis: str
    basis_detail: str
    consent_text: str
    special: str
    categories: list[str]
    from_others: bool
    source: str
    recipients: list[str]
    transfers: bool
    retention: str
    retention_basis: str
    provision: str
    joint_controllers: list[str]
    automated: bool


@dataclass(frozen=True)
class RightView:
    """A right, explained, with the purposes it is limited to (if not all)."""

    key: str
    title: str
    text: str
    scope: str
    limit: str


@dataclass(frozen=True)
class DecisionView:
    """An automated decision (Art. 22): logic, significance, safeguards."""

    activity: str
    logic: str
    significance: str
    safeguards: str


@dataclass(frozen=True)
class AuthorityView:
    """The supervisory authority a complaint goes to (Art. 77)."""

    name: str
    own_name: str
    address: str
    website: str
    email: str
    phone: str


@dataclass(frozen=True)
class NoticeView:
    """The whole privacy notice."""

    language: str
    title: str
    date: str
    organisation: OrganisationView
    activities: list[NoticeActivity]
    transfers: list[str]
    safeguards: bool
    copy_route: str
    rights: list[RightView]
    marketing: str
    requests_route: str
    decisions: list[DecisionView]
    identity_check: str
    authority: AuthorityView | None
    answer_period: str


def in_notice(activity: Activity) -> bool:
    """Whether the notice covers ``activity``: ours (alone or jointly) and still active."""
    return activity.role is not ActivityRole.processor and activity.status == "active"


def build(loaded: LoadedRegister, *, lang: Lang, today: date) -> NoticeView:
    """The privacy notice's view model for ``loaded`` in ``lang``."""
    facts = Facts(loaded, lang, today)
    lang = facts.lang
    covered = [a for a in loaded.register.activities if in_notice(a)]
    plan = rights.plan(covered)
    names = {a.id: lang.text(a.name) for a in covered}
    organisation = facts.organisation()
    transfers = unique(t for a in covered for t in facts.transfers(a))
    return NoticeView(
        language=lang.code,
        title=lang.gettext("Privacy notice"),
        date=lang.date(today),
        organisation=organisation,
        activities=[notice_activity(facts, a) for a in covered],
        transfers=[_transfer(lang, t) for t in transfers],
        safeguards=any(t.ground is Ground.safeguard for t in transfers),
        copy_route=_copy_route(lang, organisation),
        rights=_rights(lang, plan, names, len(covered)),
        marketing=lang.join([names[i] for i in plan.activities.get(Right.marketing_objection, ())]),
        requests_route=_requests_route(organisation),
        decisions=_decisions(lang, covered),
        identity_check=organisation.identity_check
        or lang.gettext(
            "We ask for proof of identity only when we have reasonable doubts about who is "
            "making the request, and then no more than we need (Art. 12(6) GDPR)."
        ),
        authority=authority(lang, loaded.register.organisation.country),
        answer_period=_answer_period(lang, loaded),
    )


def _answer_period(lang: Lang, loaded: LoadedRegister) -> str:
    """The period the notice promises for an answer: the register's, at most one month.

    A longer promise breaks Art. 12(3) (lint reports it, KL807); the notice never publishes it.
    """
    month = Duration(months=1)
    channel = loaded.register.organisation.rights_requests
    promised = channel.answer_within if channel else None
    if promised is None or promised.approx_days() >= month.approx_days():
        return period(lang, month)
    return period(lang, promised)


def notice_activity(facts: Facts, activity: Activity) -> NoticeActivity:
    """One activity as a paragraph of the notice."""
    lang = facts.lang
    return NoticeActivity(
        id=activity.id,
        anchor=f"purpose-{activity.id}",
        name=lang.text(activity.name),
        purposes=[lang.text(p) for p in activity.purposes],
        basis=_basis(lang, activity),
        basis_detail=_basis_detail(lang, activity),
        consent_text=_consent_text(facts, activity),
        special=_special(lang, activity),
        categories=[c.label for c in facts.categories(activity)],
        from_others=activity.art14,
        source=_source(lang, activity),
        recipients=[_recipient(lang, p) for p in facts.recipients(activity)],
        transfers=bool(facts.transfers(activity)),
        retention=retention.describe(lang, activity.retention),
        retention_basis=lang.text(activity.retention.basis if activity.retention else None),
        provision=_provision(lang, activity),
        joint_controllers=[
            lang.labelled(j.name, lang.text(j.arrangement).rstrip(". "))
            if j.arrangement
            else j.name
            for j in activity.joint_controllers
        ],
        automated=activity.automated_decisions is not None,
    )


def _basis(lang: Lang, activity: Activity) -> str:
    basis = activity.legal_basis
    if basis is None:
        return ""
    sentence = lang.gettext(LEGAL_BASES_FOR_YOU[basis.basis])
    return f"{sentence} ({lang.gettext(LEGAL_BASIS_ARTICLES[basis.basis])})."


def _basis_detail(lang: Lang, activity: Activity) -> str:
    """The law, the legitimate interest, or the explanation behind the basis."""
    basis = activity.legal_basis
    if basis is None:
        return ""
    if basis.basis is LegalBasis.legal_obligation and basis.law is not None:
        return lang.gettext("The law concerned: {law}", law=lang.text(basis.law))
    if basis.basis is LegalBasis.legitimate_interests and basis.interest is not None:
        return lang.gettext(
            "Our legitimate interest: {interest}", interest=lang.text(basis.interest)
        )
    return lang.text(basis.note)


def _consent_text(facts: Facts, activity: Activity) -> str:
    basis = activity.legal_basis
    if basis is None or basis.consent is None:
        return ""
    for purpose in facts.loaded.register.consent_purposes:
        if purpose.id == basis.consent:
            return facts.lang.text(purpose.text)
    return ""


def _special(lang: Lang, activity: Activity) -> str:
    special = activity.special_categories
    if special is None or special.condition is None:
        return ""
    return lang.gettext(
        "Some of these data are special categories of personal data. We may process them "
        "on this ground: {condition}.",
        condition=lang.gettext(SPECIAL_CONDITIONS[special.condition]),
    )


def _source(lang: Lang, activity: Activity) -> str:
    """Where the data come from when not (only) from you (Art. 14(2)(f))."""
    if not activity.art14:
        return ""
    sources = [lang.gettext(SOURCES_FOR_YOU[s]) for s in activity.source]
    sentence = lang.gettext("We obtain these data from: {sources}.", sources=lang.join(sources))
    if Source.public in activity.source:
        sentence += " " + lang.gettext("Some of them come from publicly accessible sources.")
    described = lang.text(activity.source_description)
    return f"{sentence} {described}" if described else sentence


def _recipient(lang: Lang, party: PartyView) -> str:
    what = party.description or party.kind
    if party.processor and party.description:
        what = lang.gettext("our processor for {service}", service=party.description)
    return f"{party.name} ({what}, {party.country})"


def _provision(lang: Lang, activity: Activity) -> str:
    provision = activity.provision
    if provision is None:
        return ""
    sentence = lang.gettext(PROVISION_FOR_YOU[provision.requirement])
    consequences = lang.text(provision.consequences)
    if consequences:
        sentence += " " + lang.gettext("If you do not: {consequences}", consequences=consequences)
    return sentence


def _rights(lang: Lang, plan: RightsPlan, names: dict[str, str], total: int) -> list[RightView]:
    views = []
    for right in plan.rights:
        if right not in RIGHT_TEXTS:
            continue  # the right to object to direct marketing stands in a section of its own
        title, text = RIGHT_TEXTS[right]
        covered = plan.activities[right]
        scope = ""
        if len(covered) < total:
            scope = lang.gettext(
                "This applies to: {purposes}.", purposes=lang.join([names[i] for i in covered])
            )
        limit = ""
        if right is Right.erasure and plan.erasure_limited:
            limit = lang.gettext(
                "We cannot erase data that the law obliges us to keep until that obligation "
                "ends (Art. 17(3)(b) GDPR). This concerns: {purposes}.",
                purposes=lang.join([names[i] for i in plan.erasure_limited]),
            )
        views.append(RightView(right.value, lang.gettext(title), lang.gettext(text), scope, limit))
    return views


def _decisions(lang: Lang, activities: list[Activity]) -> list[DecisionView]:
    return [
        DecisionView(
            activity=lang.text(a.name),
            logic=lang.text(a.automated_decisions.logic),
            significance=lang.text(a.automated_decisions.significance),
            safeguards=lang.text(a.automated_decisions.safeguards),
        )
        for a in activities
        if a.automated_decisions is not None
    ]


def _requests_route(organisation: OrganisationView) -> str:
    """Where requests go: the requests address, else a general or the privacy contact."""
    privacy = organisation.privacy.email if organisation.privacy else ""
    return (
        organisation.requests_email
        or organisation.requests_url
        or privacy
        or organisation.email
        or organisation.requests_address
        or organisation.address
    )


def _copy_route(lang: Lang, organisation: OrganisationView) -> str:
    """How to obtain a copy of the safeguards for transfers (Art. 13(1)(f))."""
    return lang.gettext(
        "You can obtain a copy of these safeguards by asking us at {contact}.",
        contact=_requests_route(organisation),
    )


def authority(lang: Lang, country: str) -> AuthorityView | None:
    """The supervisory authority of the organisation's country, as ``law`` records it."""
    authority = law.authority(country)
    if authority is None:
        return None
    name = lang.text(authority.name)
    own = authority.own_name
    own_name = "" if name in own or own in name else own
    abbreviation = lang.text(authority.abbreviation)
    if abbreviation and abbreviation not in name and "(" not in name:
        name = f"{name} ({abbreviation})"
    return AuthorityView(
        name=name,
        own_name=own_name,
        address=lang.text(authority.address),
        website=lang.text(authority.website),
        email=authority.email or "",
        phone=authority.phone or "",
    )


def _transfer(lang: Lang, transfer: TransferView) -> str:
    """One transfer in a sentence: where, to whom, on which ground (Art. 13(1)(f))."""
    where = f"{transfer.recipient} ({transfer.country})"
    if transfer.ground is Ground.adequacy:
        ground = lang.gettext(
            "the European Commission has decided that the level of protection there is "
            "adequate ({mechanism})",
            mechanism=transfer.mechanism,
        )
    elif transfer.ground is Ground.safeguard:
        ground = lang.gettext(
            "we protect the transfer with appropriate safeguards: {mechanism}",
            mechanism=transfer.mechanism,
        )
        if not transfer.adequate:
            ground = lang.gettext(
                "there is no adequacy decision for this country; {ground}", ground=ground
            )
    elif transfer.ground is Ground.derogation:
        ground = lang.gettext(
            "there is no adequacy decision and no appropriate safeguard; the transfer relies on "
            "a derogation for a specific situation (Art. 49 GDPR): {reason}",
            reason=transfer.detail,
        )
    else:
        ground = transfer.mechanism
    return lang.labelled(where, ground) + "."
