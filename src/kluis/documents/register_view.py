"""The view model of the Art. 30 register: part 1 (controller, Art. 30(1)), part 2
(processor, Art. 30(2)), then processors, third parties, transfers, security and systems.

Pure: a loaded register in, plain dataclasses out, every string in the document's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kluis.documents import retention
from kluis.documents.context import (
    CategoryView,
    ContactView,
    Facts,
    OrganisationView,
    PartyView,
    SystemView,
    TermView,
)
from kluis.documents.language import Lang
from kluis.documents.transfers import TransferView, unique
from kluis.documents.vocabulary import (
    ACTIVITY_ROLES,
    LEGAL_BASES,
    LEGAL_BASIS_ARTICLES,
    PROVISION,
    SOURCES,
    SPECIAL_CONDITIONS,
)
from kluis.register.loader import LoadedRegister
from kluis.register.schema import Activity, ActivityRole


@dataclass(frozen=True)
class Detail:
    """A labelled line under an item (the law, the interest, the balancing test)."""

    label: str
    text: str


@dataclass(frozen=True)
class ActivityView:
    """One processing activity with everything Art. 30 asks and what the notice needs."""

    id: str
    anchor: str
    name: str
    description: str
    role: str
    for_others: bool
    status: str
    ended: str
    replaced_by: str
    occasional: bool
    purposes: list[str]
    controller: ContactView | None
    joint_controllers: list[Detail]
    legal_basis: str
    legal_basis_details: list[Detail]
    special_condition: str
    special_details: list[Detail]
    national_number: list[Detail]
    subjects: list[str]
    categories: list[CategoryView]
    sources: list[str]
    source_description: str
    provision: str
    recipients: list[PartyView]
    transfers: list[TransferView]
    retention: str
    retention_basis: str
    security: list[TermView]
    systems: list[SystemView]
    access: list[str]
    automated_decisions: list[Detail]
    dpia: str
    children: str

    @property
    def flagged(self) -> bool:
        """Whether a category is special, criminal or a national number."""
        return any(c.special or c.criminal or c.national_id for c in self.categories)


@dataclass(frozen=True)
class MeasureUse:
    """A security measure and the activities that take it."""

    measure: TermView
    activities: list[str]


@dataclass(frozen=True)
class PartyUse:
    """A processor or third party and the activities whose data it receives."""

    party: PartyView
    activities: list[str]


@dataclass(frozen=True)
class RegisterView:
    """The whole register document."""

    language: str
    title: str
    date: str
    organisation: OrganisationView
    controller_activities: list[ActivityView]
    processor_activities: list[ActivityView]
    processors: list[PartyUse]
    third_parties: list[PartyUse]
    transfers: list[TransferView]
    measures: list[MeasureUse]
    systems: list[SystemView]


def build(loaded: LoadedRegister, *, lang: Lang, today: date) -> RegisterView:
    """The register document's view model for ``loaded`` in ``lang``."""
    facts = Facts(loaded, lang, today)
    activities = [activity_view(facts, a) for a in loaded.register.activities]
    register = loaded.register
    return RegisterView(
        language=lang.code,
        title=facts.lang.gettext("Register of processing activities"),
        date=facts.lang.date(today),
        organisation=facts.organisation(),
        controller_activities=[a for a in activities if not a.for_others],
        processor_activities=[a for a in activities if a.for_others],
        processors=[
            PartyUse(facts.processor(p), _users(activities, p.id)) for p in register.processors
        ],
        third_parties=[
            PartyUse(facts.third_party(t), _users(activities, t.id)) for t in register.third_parties
        ],
        transfers=unique(t for a in activities for t in a.transfers),
        measures=_measures(facts, activities),
        systems=[facts.system(s) for s in register.systems],
    )


def _users(activities: list[ActivityView], party_id: str) -> list[str]:
    return [a.name for a in activities if any(r.id == party_id for r in a.recipients)]


def _measures(facts: Facts, activities: list[ActivityView]) -> list[MeasureUse]:
    used: dict[str, list[str]] = {}
    for activity in activities:
        for measure in activity.security:
            used.setdefault(measure.id, []).append(activity.name)
    own = [m.id for m in facts.loaded.register.security_measures]
    ids = list(dict.fromkeys([*used, *own]))
    return [MeasureUse(facts.measure(i), used.get(i, [])) for i in ids]


def activity_view(facts: Facts, activity: Activity) -> ActivityView:
    """One activity as the register shows it."""
    lang = facts.lang
    basis = activity.legal_basis
    return ActivityView(
        id=activity.id,
        anchor=f"activity-{activity.id}",
        name=lang.text(activity.name),
        description=lang.text(activity.description),
        role=lang.gettext(ACTIVITY_ROLES[activity.role]),
        for_others=activity.role is ActivityRole.processor,
        status=lang.gettext("Ended") if activity.status == "ended" else lang.gettext("Active"),
        ended=lang.date(activity.ended),
        replaced_by=facts.activity_name(activity.replaced_by),
        occasional=activity.occasional,
        purposes=[lang.text(p) for p in activity.purposes],
        controller=_controller(activity),
        joint_controllers=[
            Detail(j.name, ", ".join(x for x in (j.contact, lang.text(j.arrangement)) if x))
            for j in activity.joint_controllers
        ],
        legal_basis=_basis_label(facts, activity),
        legal_basis_details=_basis_details(facts, activity) if basis else [],
        special_condition=_special_label(facts, activity),
        special_details=_special_details(facts, activity),
        national_number=_national_number(facts, activity),
        subjects=facts.subjects(activity),
        categories=facts.categories(activity),
        sources=[lang.gettext(SOURCES[s]) for s in activity.source],
        source_description=lang.text(activity.source_description),
        provision=_provision(facts, activity),
        recipients=facts.recipients(activity),
        transfers=facts.transfers(activity),
        retention=retention.describe(lang, activity.retention),
        retention_basis=lang.text(activity.retention.basis if activity.retention else None),
        security=[facts.measure(m) for m in activity.security],
        systems=[facts.system(s) for s in facts.system_list(activity)],
        access=[facts.role(r) for r in activity.access],
        automated_decisions=_automated(facts, activity),
        dpia=_dpia(facts, activity),
        children=_children(facts, activity),
    )


def _controller(activity: Activity) -> ContactView | None:
    if activity.role is not ActivityRole.processor:
        return None
    ref = activity.controller
    if ref is None:
        return ContactView(name="", email="", phone="", address="")
    return ContactView(name=ref.name, email=ref.contact or "", phone="", address="")


def _basis_label(facts: Facts, activity: Activity) -> str:
    lang, basis = facts.lang, activity.legal_basis
    if basis is None:
        return lang.gettext("No legal basis recorded")
    label = lang.gettext(LEGAL_BASES[basis.basis])
    return f"{label} ({lang.gettext(LEGAL_BASIS_ARTICLES[basis.basis])})"


def _basis_details(facts: Facts, activity: Activity) -> list[Detail]:
    lang, basis = facts.lang, activity.legal_basis
    if basis is None:
        return []
    details = [
        Detail(lang.gettext("Law"), lang.text(basis.law)),
        Detail(lang.gettext("Legitimate interest"), lang.text(basis.interest)),
        Detail(lang.gettext("Balancing test"), lang.text(basis.balancing)),
        Detail(lang.gettext("Balancing test documented on"), lang.date(basis.assessed)),
        Detail(lang.gettext("Explanation"), lang.text(basis.note)),
    ]
    if basis.consent is not None:
        details.append(Detail(lang.gettext("Consent purpose"), _consent_text(facts, basis.consent)))
    return [d for d in details if d.text]


def _consent_text(facts: Facts, consent_id: str) -> str:
    lang = facts.lang
    for purpose in facts.loaded.register.consent_purposes:
        if purpose.id == consent_id:
            return lang.gettext(
                "“{text}” (version of {version})",
                text=lang.text(purpose.text),
                version=lang.date(purpose.version),
            )
    return consent_id


def _special_label(facts: Facts, activity: Activity) -> str:
    special = activity.special_categories
    if special is None or special.condition is None:
        return ""
    return facts.lang.gettext(SPECIAL_CONDITIONS[special.condition])


def _special_details(facts: Facts, activity: Activity) -> list[Detail]:
    lang, special = facts.lang, activity.special_categories
    if special is None:
        return []
    details = [
        Detail(lang.gettext("Law"), lang.text(special.law)),
        Detail(lang.gettext("Explanation"), lang.text(special.note)),
    ]
    return [d for d in details if d.text]


def _national_number(facts: Facts, activity: Activity) -> list[Detail]:
    lang, number = facts.lang, activity.national_number
    if number is None:
        return []
    details = [
        Detail(lang.gettext("Legal ground"), lang.text(number.ground)),
        Detail(lang.gettext("Authorisation"), number.authorisation or ""),
    ]
    return [d for d in details if d.text]


def _provision(facts: Facts, activity: Activity) -> str:
    lang, provision = facts.lang, activity.provision
    if provision is None:
        return ""
    label = lang.gettext(PROVISION[provision.requirement])
    consequences = lang.text(provision.consequences)
    return f"{label}. {consequences}" if consequences else label


def _automated(facts: Facts, activity: Activity) -> list[Detail]:
    lang, decisions = facts.lang, activity.automated_decisions
    if decisions is None:
        return []
    details = [
        Detail(lang.gettext("Logic involved"), lang.text(decisions.logic)),
        Detail(lang.gettext("Significance and consequences"), lang.text(decisions.significance)),
        Detail(lang.gettext("Safeguards"), lang.text(decisions.safeguards)),
    ]
    return [d for d in details if d.text]


def _dpia(facts: Facts, activity: Activity) -> str:
    lang, dpia = facts.lang, activity.dpia
    if dpia is None:
        return lang.gettext("Not assessed")
    if not dpia.required:
        return lang.gettext("Not required")
    if dpia.done is None:
        return lang.gettext("Required, not yet carried out")
    text = lang.gettext("Required, carried out on {date}", date=lang.date(dpia.done))
    return f"{text} ({dpia.reference})" if dpia.reference else text


def _children(facts: Facts, activity: Activity) -> str:
    lang, children = facts.lang, activity.children
    if children is None:
        return ""
    text = lang.gettext(
        "Offered directly to children from the age of {age}", age=str(children.min_age)
    )
    consent = lang.text(children.parental_consent)
    return f"{text}. {consent}" if consent else text
