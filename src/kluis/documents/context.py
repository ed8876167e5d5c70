"""Plain view models shared by both documents, built from a loaded register.

Pure: no I/O. Every string in a view model is already in the document's language, so the
templates only lay out. :class:`Facts` resolves the register's references (recipients,
systems, processors, categories) once per document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from kluis.documents import transfers
from kluis.documents.language import Lang
from kluis.documents.transfers import TransferView
from kluis.documents.vocabulary import SUB_PROCESSORS, SYSTEM_TYPES
from kluis.i18n import N_
from kluis.register.loader import LoadedRegister, applied_register
from kluis.register.schema import (
    Activity,
    Address,
    Contact,
    Processor,
    Register,
    System,
    ThirdParty,
)
from kluis.register.taxonomy import Taxonomy

#: Names of the roles every organisation has without declaring them.
BUILTIN_ROLES: Final[dict[str, str]] = {
    "dpo": N_("Data protection officer"),
    "admin": N_("Administrator"),
}


@dataclass(frozen=True)
class ContactView:
    """A person to contact, with what the register gives of their details."""

    name: str
    email: str
    phone: str
    address: str


@dataclass(frozen=True)
class OrganisationView:
    """The organisation as the documents present it (Art. 13(1)(a)-(b), 30(1)(a))."""

    name: str
    enterprise_number: str
    address: str
    country: str
    website: str
    email: str
    phone: str
    privacy: ContactView | None
    dpo: ContactView | None
    no_dpo: str  # why there is no DPO: the Art. 37 assessment, or that none is designated
    representative: ContactView | None
    requests_email: str
    requests_url: str
    requests_address: str
    identity_check: str


@dataclass(frozen=True)
class CategoryView:
    """A data category with its label and flags (Art. 9, Art. 10, national number)."""

    id: str
    label: str
    special: bool
    criminal: bool
    national_id: bool


@dataclass(frozen=True)
class PartyView:
    """A recipient: a processor (Art. 28) or a third party that is a controller itself."""

    id: str
    name: str
    processor: bool
    kind: str
    country: str
    description: str
    contact: str
    agreement_signed: str
    agreement_reference: str
    agreement_expires: str
    sub_processors: str
    transfers: tuple[TransferView, ...]


@dataclass(frozen=True)
class SystemView:
    """A system where data live."""

    id: str
    name: str
    type: str
    description: str
    processor: str
    location: str


@dataclass(frozen=True)
class TermView:
    """A label with an optional explanation (a security measure, a data subject type)."""

    id: str
    label: str
    description: str


def address_line(lang: Lang, address: Address | None) -> str:
    """An address on one line, with the country's name."""
    if address is None:
        return ""
    country = lang.country_name(address.country)
    return f"{address.street}, {address.postal_code} {address.city}, {country}"


def contact_view(lang: Lang, contact: Contact | None) -> ContactView | None:
    """A contact as the documents show it."""
    if contact is None:
        return None
    return ContactView(
        name=contact.name,
        email=contact.email or "",
        phone=contact.phone or "",
        address=address_line(lang, contact.address),
    )


@dataclass(frozen=True)
class Facts:
    """The register's references resolved, in the document's language."""

    loaded: LoadedRegister
    lang: Lang
    today: date

    @classmethod
    def of_stored(cls, register: Register, taxonomy: Taxonomy, lang: Lang, today: date) -> Facts:
        """The facts of an applied register (from the database, so with no source file)."""
        return cls(applied_register(register, taxonomy), lang, today)

    def organisation(self) -> OrganisationView:
        """The organisation and its contacts."""
        org, lang = self.loaded.register.organisation, self.lang
        requests = org.rights_requests
        return OrganisationView(
            name=org.name,
            enterprise_number=org.enterprise_number or "",
            address=address_line(lang, org.address),
            country=lang.country_name(org.country),
            website=org.website or "",
            email=org.email or "",
            phone=org.phone or "",
            privacy=contact_view(lang, org.contacts.privacy),
            dpo=contact_view(lang, org.contacts.dpo),
            no_dpo=self._no_dpo(),
            representative=contact_view(lang, org.representative),
            requests_email=(requests.email if requests else None) or "",
            requests_url=(requests.url if requests else None) or "",
            requests_address=address_line(lang, requests.address if requests else None),
            identity_check=lang.text(requests.identity_check if requests else None),
        )

    def _no_dpo(self) -> str:
        """Why the organisation has no DPO, as the register records it (Art. 37)."""
        assessment = self.loaded.register.organisation.dpo_assessment
        if assessment is None:
            return self.lang.gettext(N_("No data protection officer designated"))
        sentence = self.lang.gettext(
            N_("Not required: assessed on {date} under Art. 37(1) GDPR."),
            date=self.lang.date(assessment.done),
        )
        conclusion = self.lang.text(assessment.conclusion)
        return f"{sentence} {conclusion}".strip()

    # -- vocabulary ----------------------------------------------------------------------

    def category(self, category_id: str) -> CategoryView:
        """A data category with its label in this language and its flags."""
        taxonomy = self.loaded.taxonomy
        term = taxonomy.categories.get(category_id)
        label = self.lang.text(term.label) if term else category_id
        return CategoryView(
            id=category_id,
            label=label,
            special=taxonomy.is_special(category_id),
            criminal=taxonomy.is_criminal(category_id),
            national_id=taxonomy.is_national_id(category_id),
        )

    def categories(self, activity: Activity) -> list[CategoryView]:
        """The activity's data categories."""
        return [self.category(c) for c in activity.data_categories]

    def subjects(self, activity: Activity) -> list[str]:
        """The labels of the activity's data subject types."""
        subjects = self.loaded.taxonomy.subjects
        return [
            self.lang.text(subjects[s].label) if s in subjects else s
            for s in activity.data_subjects
        ]

    def measure(self, measure_id: str) -> TermView:
        """A security measure with its label and explanation."""
        term = self.loaded.taxonomy.security_measures.get(measure_id)
        if term is None:
            return TermView(measure_id, measure_id, "")
        return TermView(measure_id, self.lang.text(term.label), self.lang.text(term.description))

    def role(self, role_id: str) -> str:
        """The name of a role of the organisation."""
        for role in self.loaded.register.roles:
            if role.id == role_id:
                return self.lang.text(role.name)
        return self.lang.gettext(BUILTIN_ROLES[role_id]) if role_id in BUILTIN_ROLES else role_id

    def activity_name(self, activity_id: str | None) -> str:
        """The name of the activity ``activity_id``, or the id if it is unknown."""
        if activity_id is None:
            return ""
        try:
            return self.lang.text(self.loaded.register.activity(activity_id).name)
        except KeyError:
            return activity_id

    # -- parties and systems -------------------------------------------------------------

    def processor(self, item: Processor) -> PartyView:
        """A processor with its agreement, sub-processors and transfers."""
        lang, agreement = self.lang, item.agreement
        return PartyView(
            id=item.id,
            name=item.name,
            processor=True,
            kind=lang.gettext("Processor"),
            country=lang.country_name(item.country),
            description=lang.text(item.service),
            contact=_contact_line(item.contact),
            agreement_signed=lang.date(agreement.signed if agreement else None),
            agreement_reference=(agreement.reference if agreement else None) or "",
            agreement_expires=lang.date(agreement.expires if agreement else None),
            sub_processors=lang.gettext(SUB_PROCESSORS[item.sub_processors])
            if item.sub_processors
            else "",
            transfers=tuple(transfers.of_party(lang, item, self.today)),
        )

    def third_party(self, item: ThirdParty) -> PartyView:
        """A third party that receives data as a controller itself."""
        lang = self.lang
        return PartyView(
            id=item.id,
            name=item.name,
            processor=False,
            kind=lang.gettext("Third party"),
            country=lang.country_name(item.country),
            description=lang.text(item.role),
            contact="",
            agreement_signed="",
            agreement_reference="",
            agreement_expires="",
            sub_processors="",
            transfers=tuple(transfers.of_party(lang, item, self.today)),
        )

    def party(self, party_id: str) -> PartyView | None:
        """The processor or third party ``party_id``."""
        register = self.loaded.register
        for processor in register.processors:
            if processor.id == party_id:
                return self.processor(processor)
        for third in register.third_parties:
            if third.id == party_id:
                return self.third_party(third)
        return None

    def system_list(self, activity: Activity) -> list[System]:
        """The activity's systems, as declared."""
        wanted = set(activity.systems)
        return [s for s in self.loaded.register.systems if s.id in wanted]

    def system(self, item: System) -> SystemView:
        """A system with its kind, processor and location."""
        lang = self.lang
        processor = self.party(item.processor) if item.processor else None
        return SystemView(
            id=item.id,
            name=item.name,
            type=lang.gettext(SYSTEM_TYPES[item.type]),
            description=lang.text(item.description),
            processor=processor.name if processor else "",
            location=lang.join([lang.country_name(c) for c in item.location]),
        )

    def recipients(self, activity: Activity) -> list[PartyView]:
        """Who receives the activity's data: its recipients and its systems' processors."""
        ids = [*activity.recipients, *(s.processor for s in self.system_list(activity))]
        views = [self.party(i) for i in _unique(i for i in ids if i)]
        return [v for v in views if v is not None]

    def transfers(self, activity: Activity) -> list[TransferView]:
        """Every transfer outside the EEA the activity's data make (Art. 30(1)(e))."""
        found: list[TransferView] = []
        for party in self.recipients(activity):
            found.extend(party.transfers)
        for system in self.system_list(activity):
            found.extend(transfers.of_system(self.lang, self.loaded.register, system, self.today))
        return transfers.unique(found)


def _contact_line(contact: Contact | None) -> str:
    if contact is None:
        return ""
    return ", ".join(part for part in (contact.name, contact.email, contact.phone) if part)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
