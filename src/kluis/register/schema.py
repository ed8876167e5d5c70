"""The register format, version 1, as typed models (``shared spec: register-format.md``).

The names here are a contract: users write them and tests use them. Extensions are
marked as such in their docstrings; nothing of the spec is renamed or dropped.
Models check what one value can tell; checks across the register (references, duplicates,
the law) belong to the loader and to :mod:`kluis.register.checks`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kluis.register.types import (
    Country,
    DottedId,
    Duration,
    Email,
    Language,
    MonthDay,
    Slug,
    Text,
)


class Model(BaseModel):
    """Base of every register model: immutable, strict about unknown keys."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, coerce_numbers_to_str=True, arbitrary_types_allowed=True
    )


# --- enumerations -----------------------------------------------------------------------


class LegalBasis(StrEnum):
    """The six lawful bases of Art. 6(1) GDPR."""

    consent = "consent"
    contract = "contract"
    legal_obligation = "legal_obligation"
    vital_interests = "vital_interests"
    public_task = "public_task"
    legitimate_interests = "legitimate_interests"


class SpecialCondition(StrEnum):
    """The conditions of Art. 9(2) GDPR that lift the ban on special categories."""

    explicit_consent = "explicit_consent"  # 9(2)(a)
    employment_social_security = "employment_social_security"  # 9(2)(b)
    vital_interests = "vital_interests"  # 9(2)(c)
    not_for_profit_body = "not_for_profit_body"  # 9(2)(d)
    made_public = "made_public"  # 9(2)(e)
    legal_claims = "legal_claims"  # 9(2)(f)
    substantial_public_interest = "substantial_public_interest"  # 9(2)(g)
    occupational_medicine = "occupational_medicine"  # 9(2)(h)
    public_health = "public_health"  # 9(2)(i)
    archiving_research = "archiving_research"  # 9(2)(j)


class ActivityRole(StrEnum):
    """Whether the organisation decides (controller) or acts for someone else (processor)."""

    controller = "controller"
    processor = "processor"
    joint_controller = "joint_controller"


class Source(StrEnum):
    """Where the data come from; anything but ``data_subject`` makes Art. 14 apply."""

    data_subject = "data_subject"
    client = "client"
    public = "public"
    job_platform = "job_platform"
    referral = "referral"
    third_party = "third_party"


class SystemType(StrEnum):
    """What kind of system holds the data."""

    public_cloud = "public_cloud"
    private_cloud = "private_cloud"
    on_premises = "on_premises"
    paper = "paper"
    device = "device"


class SubProcessors(StrEnum):
    """How the processor may engage sub-processors (Art. 28(2))."""

    general = "general"
    specific = "specific"
    none = "none"


class TransferMechanism(StrEnum):
    """The ground for a transfer outside the EEA (Art. 45-49)."""

    adequacy = "adequacy"
    dpf = "dpf"
    scc = "scc"
    bcr = "bcr"
    code_of_conduct = "code_of_conduct"  # extension: Art. 46(2)(e)
    certification = "certification"  # extension: Art. 46(2)(f)
    derogation = "derogation"
    privacy_shield = "privacy_shield"  # invalid since 16 July 2020 (CJEU C-311/18)


class RetentionEvent(StrEnum):
    """The event a retention period runs from."""

    collected = "collected"
    last_contact = "last_contact"
    contract_end = "contract_end"
    employment_end = "employment_end"
    selection_end = "selection_end"
    fiscal_year_end = "fiscal_year_end"
    consent_withdrawn = "consent_withdrawn"
    consent_given = "consent_given"


class RetentionAction(StrEnum):
    """What happens when the period ends."""

    erase = "erase"
    anonymize = "anonymize"


class ProvisionRequirement(StrEnum):
    """Whether a person must provide the data (Art. 13(2)(e)); an extension of the format."""

    statutory = "statutory"
    contractual = "contractual"
    contract_precondition = "contract_precondition"
    voluntary = "voluntary"


# --- organisation -----------------------------------------------------------------------


class Address(Model):
    street: str
    postal_code: str
    city: str
    country: Country


class Contact(Model):
    name: str
    email: Email | None = None
    phone: str | None = None
    address: Address | None = None  # extension: a postal address for this contact


class Contacts(Model):
    privacy: Contact | None = None
    dpo: Contact | None = None


class RightsRequests(Model):
    email: Email | None = None
    identity_check: Text | None = None
    address: Address | None = None  # extension: where letters go
    url: str | None = None  # extension: a web form for requests
    answer_within: Duration | None = None  # extension: the period the organisation promises


class DpoAssessment(Model):
    """Extension: the organisation assessed whether Art. 37(1) requires a DPO, and concluded."""

    done: date
    conclusion: Text | None = None


class Organisation(Model):
    name: str
    enterprise_number: str | None = None
    address: Address
    country: Country
    website: str | None = None
    languages: list[Language] = Field(default_factory=lambda: ["nl"], min_length=1)
    fiscal_year_end: MonthDay = "12-31"
    employees: NonNegativeInt | None = None
    contacts: Contacts = Field(default_factory=Contacts)
    representative: Contact | None = None
    rights_requests: RightsRequests | None = None
    email: Email | None = None  # extension: the general address
    phone: str | None = None  # extension: the general number
    public_authority: bool = False  # extension: Art. 37(1)(a) always needs a DPO
    core_activities: list[Literal["large_scale_monitoring", "large_scale_special"]] = Field(
        default_factory=list
    )  # extension: the Art. 37(1)(b)/(c) triggers that make a DPO mandatory
    dpo_assessment: DpoAssessment | None = None  # extension: Art. 37 assessed, no DPO needed

    @property
    def first_language(self) -> str:
        """The language a plain-string text is written in."""
        return self.languages[0]


# --- people and places ------------------------------------------------------------------


class Role(Model):
    id: Slug
    name: Text
    description: Text | None = None


class System(Model):
    id: Slug
    name: str
    description: Text | None = None
    type: SystemType
    processor: Slug | None = None
    location: list[Country] = Field(default_factory=list)
    connection: str | None = None


class Transfer(Model):
    country: Country
    mechanism: TransferMechanism | None = None
    reason: Text | None = None  # required for derogation (Art. 49)
    reference: str | None = None  # extension: where the safeguard can be read or obtained
    checked: date | None = None  # extension: when a DPF certification was last checked


class Agreement(Model):
    signed: date | None = None
    reference: str | None = None
    expires: date | None = None


class Processor(Model):
    id: Slug
    name: str
    country: Country
    service: Text | None = None
    agreement: Agreement | None = None
    sub_processors: SubProcessors | None = None
    transfers: list[Transfer] = Field(default_factory=list)
    contact: Contact | None = None  # extension


class ThirdParty(Model):
    id: Slug
    name: str
    country: Country
    role: Text | None = None
    transfers: list[Transfer] = Field(default_factory=list)  # extension: as for processors


class Category(Model):
    """An organisation's own data category; may hang under a built-in one."""

    id: DottedId
    name: Text
    description: Text | None = None
    parent: DottedId | None = None
    special: bool = False
    criminal: bool = False
    national_id: bool = False


class DataSubject(Model):
    id: Slug
    name: Text
    description: Text | None = None


class ConsentPurpose(Model):
    id: Slug
    text: Text
    version: date
    expires: Duration | None = None
    explicit: bool = False  # extension: explicit consent, as Art. 9(2)(a) requires
    # extension: earlier versions of the text whose consents still stand (a correction that
    # does not change what people agree to); consents on any other older version do not
    accepts: list[date] = Field(default_factory=list)

    @field_validator("accepts")
    @classmethod
    def _accepts_earlier(cls, accepts: list[date], info: ValidationInfo) -> list[date]:
        """Only versions older than the current one can be accepted."""
        current = info.data.get("version")
        if isinstance(current, date) and any(version >= current for version in accepts):
            raise PydanticCustomError(
                "less_than", "accepts lists earlier versions only", {"lt": current.isoformat()}
            )
        return accepts


class SecurityMeasure(Model):
    """An organisation's own security measure (an extension of the format)."""

    id: Slug
    name: Text
    description: Text | None = None


# --- activities -------------------------------------------------------------------------


class ControllerRef(Model):
    name: str
    contact: str | None = None


class JointController(Model):
    """Extension: a joint controller and the essence of the arrangement (Art. 26)."""

    name: str
    contact: str | None = None
    arrangement: Text | None = None


class LegalBasisSpec(Model):
    basis: LegalBasis
    consent: Slug | None = None
    law: Text | None = None
    note: Text | None = None
    interest: Text | None = None
    balancing: Text | None = None
    assessed: date | None = None  # extension: when the balancing test was documented


class SpecialCategories(Model):
    condition: SpecialCondition | None = None
    note: Text | None = None
    law: Text | None = None  # extension: the national provision (9(2)(b)/(g), Art. 10)


class Retention(Model):
    keep: Duration | None = None
    after: RetentionEvent | None = None
    then: RetentionAction = RetentionAction.erase
    basis: Text | None = None
    renew: Duration | None = None
    review: Duration | None = None


class AutomatedDecisions(Model):
    logic: Text
    significance: Text
    safeguards: Text | None = None  # extension: human intervention, contesting (Art. 22(3))


class Dpia(Model):
    required: bool
    done: date | None = None
    reference: str | None = None


class Provision(Model):
    """Extension: whether the person must provide the data, and what if not (Art. 13(2)(e))."""

    requirement: ProvisionRequirement
    consequences: Text | None = None


class NationalNumber(Model):
    """Extension: the legal ground for using a national identification number.

    Belgium: the Law of 8 August 1983, Art. 8 (a law or an authorisation); the Netherlands:
    UAVG Art. 46 (a statute that prescribes the BSN).
    """

    ground: Text
    authorisation: str | None = None


class Children(Model):
    """Extension: the service is offered directly to children (Art. 8)."""

    min_age: NonNegativeInt
    parental_consent: Text | None = None


class Activity(Model):
    id: Slug
    name: Text
    description: Text | None = None
    purposes: list[Text] = Field(min_length=1)
    role: ActivityRole = ActivityRole.controller
    controller: ControllerRef | None = None
    joint_controllers: list[JointController] = Field(default_factory=list)
    data_subjects: list[DottedId] = Field(default_factory=list)
    data_categories: list[DottedId] = Field(default_factory=list)
    fields: dict[Slug, DottedId] = Field(default_factory=dict)
    identifiers: list[Slug] = Field(default_factory=list)
    legal_basis: LegalBasisSpec | None = None
    special_categories: SpecialCategories | None = None
    national_number: NationalNumber | None = None
    source: list[Source] = Field(default_factory=lambda: [Source.data_subject])
    source_description: Text | None = None  # extension: the source, in words (Art. 14(2)(f))
    provision: Provision | None = None
    retention: Retention | None = None
    recipients: list[Slug] = Field(default_factory=list)
    systems: list[Slug] = Field(default_factory=list)
    access: list[Slug] = Field(default_factory=list)
    security: list[Slug] = Field(default_factory=list)
    automated_decisions: AutomatedDecisions | None = None
    dpia: Dpia | None = None
    children: Children | None = None
    occasional: bool = False  # extension: Art. 30(5)
    direct_marketing: bool | None = None  # extension: the activity is direct marketing (21(2))
    status: Literal["active", "ended"] = "active"  # extension, as in the GBA model register
    ended: date | None = None
    replaced_by: Slug | None = None

    @model_validator(mode="before")
    @classmethod
    def _source_as_list(cls, data: object) -> object:
        """``source`` may be written as one value or a list of values."""
        if isinstance(data, dict) and isinstance(data.get("source"), str):
            return {**data, "source": [data["source"]]}
        return data

    @property
    def art14(self) -> bool:
        """Whether data come from anyone but the person (Art. 14 rather than Art. 13)."""
        return any(source is not Source.data_subject for source in self.source)

    @property
    def art13(self) -> bool:
        """Whether data come from the person themselves (Art. 13)."""
        return Source.data_subject in self.source


class Register(Model):
    kluis: Literal[1]
    organisation: Organisation
    roles: list[Role] = Field(default_factory=list)
    systems: list[System] = Field(default_factory=list)
    processors: list[Processor] = Field(default_factory=list)
    third_parties: list[ThirdParty] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    data_subjects: list[DataSubject] = Field(default_factory=list)
    consent_purposes: list[ConsentPurpose] = Field(default_factory=list)
    security_measures: list[SecurityMeasure] = Field(default_factory=list)
    activities: list[Activity] = Field(min_length=1)

    def activity(self, activity_id: str) -> Activity:
        """Return the activity with id ``activity_id``; raise ``KeyError`` if there is none."""
        for activity in self.activities:
            if activity.id == activity_id:
                return activity
        raise KeyError(activity_id)
