"""The register the vault enforces: ``/api/v1/register`` (the applied version as data),
its versions, the findings of its checks, and one activity."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from kluis.api.common import ERRORS, Pagination, api_language, pagination
from kluis.api.schemas import PageOf
from kluis.api.units import api_unit
from kluis.core.errors import NotFound
from kluis.register.checks.runner import check_applied
from kluis.register.schema import Activity, Contact, Organisation, Register
from kluis.register.versions import list_versions, require_version
from kluis.server import state_of

router = APIRouter(prefix="/api/v1/register", tags=["register"], responses=ERRORS)

#: A text in one or more languages, by language code.
Texts = dict[str, str]


def _text(value: Mapping[str, str] | None) -> Texts | None:
    return dict(value) if value is not None else None


class ContactOut(BaseModel):
    """Whom to contact: a name, an address, a number."""

    name: str
    email: str | None = None
    phone: str | None = None


class OrganisationOut(BaseModel):
    """The organisation the register is of (the controller)."""

    name: str
    enterprise_number: str | None
    country: str
    languages: list[str]
    fiscal_year_end: str
    website: str | None
    email: str | None
    address: str
    privacy_contact: ContactOut | None
    dpo: ContactOut | None


class LegalBasisOut(BaseModel):
    """The legal basis of an activity (Art. 6): its kind and what it rests on."""

    basis: str
    consent: str | None = Field(None, description="The consent purpose, for consent.")
    law: Texts | None = None
    interest: Texts | None = None


class RetentionOut(BaseModel):
    """How long an activity keeps its records, and what happens then."""

    keep: str | None = Field(None, description="An ISO 8601 period: P2Y.")
    after: str | None = Field(None, description="The event the period runs from.")
    then: str = Field(description="erase or anonymize")
    renew: str | None = None
    review: str | None = None
    basis: Texts | None = None


class FieldOut(BaseModel):
    """A field the vault may store for an activity, with its data category."""

    name: str
    category: str
    identifier: bool = Field(description="Whether people are found by it.")


class ActivityOut(BaseModel):
    """A processing activity: what it holds, why, on what ground, how long, for whom."""

    id: str
    name: Texts
    description: Texts | None
    status: str
    purposes: list[Texts]
    data_subjects: list[str]
    data_categories: list[str]
    fields: list[FieldOut]
    legal_basis: LegalBasisOut | None
    retention: RetentionOut | None
    access: list[str] = Field(description="The roles that may read and change its records.")
    recipients: list[str]
    source: list[str]
    direct_marketing: bool | None


class RoleOut(BaseModel):
    """A role users can have."""

    id: str
    name: Texts


class ConsentPurposeOut(BaseModel):
    """A purpose people consent to, with the version of its text."""

    id: str
    version: str
    text: Texts


class RegisterOut(BaseModel):
    """The applied register: the version the vault enforces."""

    version: int
    content_hash: str
    author: str
    applied_at: datetime
    organisation: OrganisationOut
    roles: list[RoleOut]
    consent_purposes: list[ConsentPurposeOut]
    activities: list[ActivityOut]


class VersionOut(BaseModel):
    """A register version applied to the vault."""

    version: int
    content_hash: str
    author: str
    applied_at: datetime
    origin: str
    changes: list[dict[str, Any]]


class FindingOut(BaseModel):
    """A finding of the register's checks: what, how serious, where in the register."""

    code: str
    severity: Literal["error", "warning", "info"]
    article: str
    message: str
    path: str = Field(description="Where in the register: activities.2.retention")


def _contact(contact: Contact | None) -> ContactOut | None:
    if contact is None:
        return None
    return ContactOut(name=contact.name, email=contact.email, phone=contact.phone)


def _organisation(org: Organisation) -> OrganisationOut:
    address = org.address
    return OrganisationOut(
        name=org.name,
        enterprise_number=org.enterprise_number,
        country=org.country,
        languages=list(org.languages),
        fiscal_year_end=org.fiscal_year_end,
        website=org.website,
        email=org.email,
        address=f"{address.street}, {address.postal_code} {address.city}, {address.country}",
        privacy_contact=_contact(org.contacts.privacy),
        dpo=_contact(org.contacts.dpo),
    )


def activity_out(activity: Activity) -> ActivityOut:
    """An activity of the register as the API shows it."""
    basis = activity.legal_basis
    rule = activity.retention
    return ActivityOut(
        id=activity.id,
        name=dict(activity.name),
        description=_text(activity.description),
        status=activity.status,
        purposes=[dict(purpose) for purpose in activity.purposes],
        data_subjects=list(activity.data_subjects),
        data_categories=list(activity.data_categories),
        fields=[
            FieldOut(name=name, category=category, identifier=name in activity.identifiers)
            for name, category in activity.fields.items()
        ],
        legal_basis=LegalBasisOut(
            basis=basis.basis.value,
            consent=basis.consent,
            law=_text(basis.law),
            interest=_text(basis.interest),
        )
        if basis is not None
        else None,
        retention=RetentionOut(
            keep=str(rule.keep) if rule.keep else None,
            after=rule.after.value if rule.after else None,
            then=rule.then.value,
            renew=str(rule.renew) if rule.renew else None,
            review=str(rule.review) if rule.review else None,
            basis=_text(rule.basis),
        )
        if rule is not None
        else None,
        access=list(activity.access),
        recipients=list(activity.recipients),
        source=[source.value for source in activity.source],
        direct_marketing=activity.direct_marketing,
    )


def _register(register: Register) -> tuple[list[RoleOut], list[ConsentPurposeOut]]:
    roles = [RoleOut(id=role.id, name=dict(role.name)) for role in register.roles]
    purposes = [
        ConsentPurposeOut(id=item.id, version=item.version.isoformat(), text=dict(item.text))
        for item in register.consent_purposes
    ]
    return roles, purposes


@router.get("", response_model=RegisterOut, summary="The applied register")
def current(request: Request) -> RegisterOut:
    """The register the vault enforces now: the organisation, its roles, consent purposes
    and activities (fields, purposes, legal basis, retention, access roles)."""
    with api_unit(request, read_only=True) as (session, _caller):
        stored = require_version(session)
    roles, purposes = _register(stored.register)
    return RegisterOut(
        version=stored.version,
        content_hash=stored.content_hash,
        author=stored.author,
        applied_at=stored.applied_at,
        organisation=_organisation(stored.register.organisation),
        roles=roles,
        consent_purposes=purposes,
        activities=[activity_out(activity) for activity in stored.register.activities],
    )


@router.get("/versions", response_model=PageOf[VersionOut], summary="Register versions")
def versions(
    request: Request, paged: Annotated[Pagination, Depends(pagination)]
) -> PageOf[VersionOut]:
    """The register versions applied to the vault, newest first."""
    with api_unit(request, read_only=True) as (session, _caller):
        found = [
            VersionOut(
                version=version.id,
                content_hash=version.content_hash,
                author=version.author,
                applied_at=version.applied_at,
                origin=version.origin,
                changes=list(version.changes),
            )
            for version in list_versions(session)
        ]
    return paged.of(found)


@router.get("/findings", response_model=PageOf[FindingOut], summary="Register check findings")
def findings(
    request: Request,
    paged: Annotated[Pagination, Depends(pagination)],
    severity: Annotated[
        Literal["error", "warning", "info"] | None, Query(description="Only this severity.")
    ] = None,
    code: Annotated[str | None, Query(max_length=40, description="Only this check.")] = None,
) -> PageOf[FindingOut]:
    """What the register's checks (as ``kluis register lint`` runs them) find in the applied
    version, as on today; messages in the language of ``Accept-Language`` (else English)."""
    lang = api_language(request)
    with api_unit(request, read_only=True) as (session, _caller):
        stored = require_version(session)
    today = state_of(request).clock.now().date()
    found = [
        FindingOut(
            code=finding.code,
            severity=finding.severity.value,
            article=finding.article,
            message=finding.message(lang),
            path=".".join(str(part) for part in finding.path),
        )
        for finding in check_applied(stored, today=today)
        if (severity is None or finding.severity.value == severity)
        and (code is None or finding.code == code)
    ]
    return paged.of(found)


@router.get("/activities/{activity_id}", response_model=ActivityOut, summary="One activity")
def activity(request: Request, activity_id: str) -> ActivityOut:
    """One activity of the applied register."""
    with api_unit(request, read_only=True) as (session, _caller):
        stored = require_version(session)
    for item in stored.register.activities:
        if item.id == activity_id:
            return activity_out(item)
    raise NotFound("the applied register has no activity '{activity}'", activity=activity_id)
