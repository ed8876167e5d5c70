"""The register: the version the vault enforces, read in the visitor's language (the same
words as the documents), its check findings, its documents to download, and a new version
uploaded, planned and applied (the vault's plan shows what changes and what it strands
before anything is stored)."""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.responses import Response

from kluis.core.actor import Actor
from kluis.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from kluis.documents import DocumentFormat, render_notice, render_register
from kluis.documents.context import Facts
from kluis.documents.language import Lang
from kluis.documents.register_view import activity_view
from kluis.documents.vocabulary import LEGAL_BASES
from kluis.i18n import LANGUAGES, N_, gettext
from kluis.register.checks.base import Finding, Severity
from kluis.register.checks.runner import check_applied, run_checks, sort_findings
from kluis.register.loader import LoadedRegister, applied_register, read_register
from kluis.register.stored import StoredRegister
from kluis.register.versions import require_version
from kluis.server import Caller, check_csrf, state_of
from kluis.storage import checkpoint
from kluis.vault import Plan, apply_register, plan_apply, shred_before_apply
from kluis.web.errors import error_text
from kluis.web.render import flash, language_of, page, redirect, t
from kluis.web.units import signed_in

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

#: The largest register file taken (a register of hundreds of activities is far smaller).
MAX_UPLOAD: Final = 1_000_000
SEVERITY_LABELS: Final[dict[Severity, str]] = {
    Severity.error: N_("Error"),
    Severity.warning: N_("Warning"),
    Severity.info: N_("Info"),
}
_SEVERITY_TAGS: Final = {Severity.error: "danger", Severity.warning: "warn", Severity.info: ""}
#: The documents of the register, by format: content type and file extension.
_CONTENT_TYPES: Final[dict[DocumentFormat, str]] = {
    DocumentFormat.pdf: "application/pdf",
    DocumentFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    DocumentFormat.html: "text/html; charset=utf-8",
    DocumentFormat.md: "text/markdown; charset=utf-8",
}
REGISTER_FORMATS: Final = (DocumentFormat.pdf, DocumentFormat.xlsx, DocumentFormat.html)
NOTICE_FORMATS: Final = (DocumentFormat.pdf, DocumentFormat.html, DocumentFormat.md)
_RESOLUTIONS: Final = {
    "erase": N_("erased"),
    "map": N_("moved to '{activity}'"),
}


def _lang(stored: StoredRegister, lang: str) -> Lang:
    organisation = stored.register.organisation
    return Lang.of(lang, first_language=organisation.first_language, country=organisation.country)


def _require_appliers(actor: Actor) -> None:
    if not actor.is_privacy_staff:
        raise NotAllowed(
            "'{actor}' may not apply a register: only an administrator or the DPO may",
            actor=actor.name,
        )


# --- reading the applied register ---------------------------------------------------------


@router.get("/register")
def register(request: Request) -> Response:
    """The applied register: organisation, version, and its activities."""
    today = state_of(request).clock.now().date()
    with signed_in(request) as (session, caller):
        stored = require_version(session)
    lang = language_of(request, caller)
    facts = Facts(applied_register(stored.register, stored.taxonomy), _lang(stored, lang), today)
    activities = [
        {
            "id": activity.id,
            "name": facts.lang.text(activity.name),
            "basis": facts.lang.gettext(LEGAL_BASES[activity.legal_basis.basis])
            if activity.legal_basis
            else "",
            "ended": activity.status == "ended",
        }
        for activity in stored.register.activities
    ]
    context = {
        "stored": stored,
        "organisation": facts.organisation(),
        "activities": activities,
        "may_apply": caller.actor.is_privacy_staff,
        "languages": stored.register.organisation.languages,
        "register_formats": [f.value for f in REGISTER_FORMATS],
        "notice_formats": [f.value for f in NOTICE_FORMATS],
    }
    return page(request, "register/index.html", context, caller=caller)


@router.get("/register/activities/{activity_id}")
def activity(request: Request, activity_id: str) -> Response:
    """One activity with everything the register says of it, worded as in the documents."""
    today = state_of(request).clock.now().date()
    with signed_in(request) as (session, caller):
        stored = require_version(session)
    found = next((a for a in stored.register.activities if a.id == activity_id), None)
    if found is None:
        raise NotFound("the applied register has no activity '{activity}'", activity=activity_id)
    facts = Facts(
        applied_register(stored.register, stored.taxonomy),
        _lang(stored, language_of(request, caller)),
        today,
    )
    view = activity_view(facts, found)
    fields = [
        {"name": name, "category": facts.category(category).label}
        for name, category in found.fields.items()
    ]
    context = {"activity": view, "fields": fields, "identifiers": found.identifiers}
    return page(request, "register/activity.html", context, caller=caller)


@dataclass(frozen=True)
class FindingRow:
    """A finding as the pages show it."""

    severity: str
    tag: str
    code: str
    message: str
    article: str
    where: str


def _where(finding: Finding, stored: StoredRegister | None, name: str | None) -> str:
    """Where a finding is: the file's line and column, else its path in the register
    (with activity ids for their positions)."""
    if finding.location is not None and name is not None:
        return f"{name}:{finding.location.line}:{finding.location.column}"
    parts: list[str] = []
    path = list(finding.path)
    for position, part in enumerate(path):
        if (
            isinstance(part, int)
            and stored is not None
            and position > 0
            and path[position - 1] == "activities"
            and part < len(stored.register.activities)
        ):
            parts.append(stored.register.activities[part].id)
        else:
            parts.append(str(part))
    return " › ".join(parts) or "-"


def _rows(
    findings: list[Finding], lang: str, stored: StoredRegister | None, name: str | None = None
) -> list[FindingRow]:
    return [
        FindingRow(
            t(lang, SEVERITY_LABELS[finding.severity]),
            _SEVERITY_TAGS[finding.severity],
            finding.code,
            finding.message(lang),
            finding.article,
            _where(finding, stored, name),
        )
        for finding in findings
    ]


@router.get("/register/findings")
def findings(request: Request) -> Response:
    """The check findings of the applied register (as ``kluis register lint`` finds them)."""
    today = state_of(request).clock.now().date()
    with signed_in(request) as (session, caller):
        stored = require_version(session)
    lang = language_of(request, caller)
    found = check_applied(stored, today=today)
    counts = {severity: sum(1 for f in found if f.severity is severity) for severity in Severity}
    context = {
        "findings": _rows(found, lang, stored),
        "errors": counts[Severity.error],
        "warnings": counts[Severity.warning],
        "infos": counts[Severity.info],
    }
    return page(request, "register/findings.html", context, caller=caller)


# --- documents ----------------------------------------------------------------------------


def _document(
    request: Request, format: str, formats: tuple[DocumentFormat, ...], *, notice: bool
) -> Response:
    chosen = next((f for f in formats if f.value == format), None)
    if chosen is None:
        raise NotFound(
            "documents here are rendered as {formats}, not '{format}'",
            formats=", ".join(f.value for f in formats),
            format=format[:20],
        )
    today = state_of(request).clock.now().date()
    with signed_in(request) as (session, _caller):
        stored = require_version(session)
    asked = request.query_params.get("lang", "")
    language = asked if asked in LANGUAGES else stored.register.organisation.first_language
    render = render_notice if notice else render_register
    data = render(
        applied_register(stored.register, stored.taxonomy),
        format=chosen,
        language=language,
        today=today,
    )
    name = f"{'notice' if notice else 'register'}-{language}.{chosen.value}"
    return Response(
        data,
        media_type=_CONTENT_TYPES[chosen],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get("/register/download/{format}")
def download(request: Request, format: str) -> Response:
    """The Art. 30 register as PDF, XLSX or HTML, in ``?lang=`` (else the first language)."""
    return _document(request, format, REGISTER_FORMATS, notice=False)


@router.get("/register/notice/{format}")
def notice(request: Request, format: str) -> Response:
    """The privacy notice as PDF, HTML or Markdown, in ``?lang=``."""
    return _document(request, format, NOTICE_FORMATS, notice=True)


# --- a new version ------------------------------------------------------------------------


def plan_digest(plan: Plan) -> str:
    """A digest of everything the plan shows: the register, the version it replaces, and
    each change with the records it touches and what becomes of them. Applying refuses a
    plan whose digest is not the one shown."""
    shown = {
        "register": plan.content_hash,
        "current": plan.current,
        "current_hash": plan.current_hash,
        "changes": plan.as_dicts(),
    }
    text = json.dumps(shown, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(text: str, today: date) -> tuple[LoadedRegister | None, list[Finding]]:
    """The register in ``text``, loaded and checked: it, and the findings that stop it
    from being applied (errors, with their lines)."""
    with tempfile.TemporaryDirectory(prefix="kluis-upload-") as folder:
        path = Path(folder) / "register.yaml"
        path.write_text(text, encoding="utf-8")
        loaded, found = read_register(path)
    if loaded is not None:
        found = sort_findings([*found, *run_checks(loaded, today=today)])
    errors = [finding for finding in found if finding.severity is Severity.error]
    return (loaded if not errors else None), errors


def _mappings(raw: str, lang: str) -> tuple[dict[str, str], str | None]:
    """``OLD=NEW`` lines: removed activities whose records move onto another."""
    found: dict[str, str] = {}
    for line in raw.splitlines():
        if not line.strip():
            continue
        source, sep, target = line.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            return found, t(lang, "Write each move as OLD=NEW: two activity ids.")
        found[source] = target
    return found, None


@dataclass(frozen=True)
class PlanRow:
    """A planned change as the page shows it."""

    marker: str
    text: str
    affected: int
    outcome: str
    refused: bool


def _plan_rows(plan: Plan, lang: str) -> list[PlanRow]:
    rows = []
    for planned in plan.changes:
        message, params = planned.change.description()
        outcome = ""
        if planned.resolution is not None:
            outcome = t(lang, _RESOLUTIONS[planned.resolution], activity=planned.target or "")
        rows.append(
            PlanRow(
                planned.change.marker,
                gettext(lang, "vault", message, **params),
                planned.affected,
                outcome,
                planned.refused,
            )
        )
    return rows


def _upload_page(
    request: Request,
    caller: Caller,
    *,
    status: int = 200,
    **values: Any,
) -> Response:
    context: dict[str, Any] = {
        "errors": [],
        "error": None,
        "alert": None,
        "plan": None,
        "rows": [],
        "digest": "",
        "text": "",
        "name": "",
        "erase_orphans": False,
        "mappings": "",
    }
    context.update(values)
    return page(request, "register/upload.html", context, caller=caller, status=status)


@router.get("/register/upload")
def upload_form(request: Request) -> Response:
    """The form for a new version of the register (administrators and the DPO)."""
    with signed_in(request) as (_session, caller):
        _require_appliers(caller.actor)
    return _upload_page(request, caller)


def _planned(
    request: Request,
    text: str,
    name: str,
    *,
    erase_orphans: bool,
    mappings_text: str,
) -> tuple[Caller, dict[str, Any], Plan | None, LoadedRegister | None]:
    """Load, check and plan ``text``: the caller, the page's values, the plan and the
    register (None, with the errors in the values, when it cannot be applied)."""
    state = state_of(request)
    now = state.clock.now()
    with signed_in(request) as (session, caller):
        _require_appliers(caller.actor)
        lang = language_of(request, caller)
        values: dict[str, Any] = {
            "text": text,
            "name": name,
            "erase_orphans": erase_orphans,
            "mappings": mappings_text,
        }
        mappings, problem = _mappings(mappings_text, lang)
        if problem is not None:
            values["error"] = problem
            return caller, values, None, None
        loaded, errors = _read(text, now.date())
        if loaded is None:
            values["errors"] = _rows(errors, lang, None, name)
            return caller, values, None, None
        try:
            plan = plan_apply(
                session,
                caller.actor,
                loaded.register,
                at=now,
                erase_orphans=erase_orphans,
                mappings=mappings,
            )
        except (InvalidInput, Conflict) as refused:
            values["error"] = error_text(lang, refused)
            return caller, values, None, None
    values |= {"plan": plan, "rows": _plan_rows(plan, lang), "digest": plan_digest(plan)}
    return caller, values, plan, loaded


def _uploaded_name(file: UploadFile) -> str:
    name = Path(file.filename or "register.yaml").name
    return name[:100] or "register.yaml"


@router.post("/register/upload")
def upload(
    request: Request,
    file: Annotated[UploadFile, File()],
    erase_orphans: Annotated[str, Form(max_length=10)] = "",
    mappings: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Load and check the uploaded register; show its errors by line, or the plan of what
    applying it would change, with a button to apply it."""
    name = _uploaded_name(file)
    raw = file.file.read(MAX_UPLOAD + 1)
    with signed_in(request) as (_session, caller):
        _require_appliers(caller.actor)
    lang = language_of(request, caller)
    if len(raw) > MAX_UPLOAD:
        error = t(lang, "The file is larger than {size} MB.", size=MAX_UPLOAD // 1_000_000)
        return _upload_page(request, caller, error=error, status=413)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        error = t(lang, "The file is not UTF-8 text: save it as UTF-8 and upload it again.")
        return _upload_page(request, caller, error=error, status=422)
    caller, values, plan, _loaded_register = _planned(
        request, text, name, erase_orphans=bool(erase_orphans), mappings_text=mappings
    )
    status = 200 if plan is not None else 422
    return _upload_page(request, caller, status=status, **values)


@router.post("/register/apply")
def apply(
    request: Request,
    text: Annotated[str, Form(max_length=MAX_UPLOAD)],
    digest: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=100)] = "register.yaml",
    erase_orphans: Annotated[str, Form(max_length=10)] = "",
    mappings: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Apply the register the plan was shown for. The register is planned again; if the
    plan is not the one shown (the vault or the register changed meanwhile), it is shown
    again, to be confirmed anew."""
    state = state_of(request)
    caller, values, plan, loaded = _planned(
        request, text, name, erase_orphans=bool(erase_orphans), mappings_text=mappings
    )
    lang = language_of(request, caller)
    if plan is None or loaded is None:
        return _upload_page(request, caller, status=422, **values)
    if plan.identical:
        response = redirect("/register")
        flash(
            response, request, N_("The register is identical to the one applied; nothing stored.")
        )
        return response
    if values["digest"] != digest or plan.refused:
        alert = t(
            lang,
            "The plan changed since it was shown: the vault or the register changed. "
            "Check this plan and apply it again.",
        )
        return _upload_page(request, caller, status=409, alert=alert, **values)
    origin = f"upload:{name}"
    # The data keys of people left without a record first, committed on their own: a key
    # never outlives its data.
    with signed_in(request) as (session, caller):
        shred_before_apply(
            session,
            state.keyring(),
            caller.actor,
            loaded.register,
            at=state.clock.now(),
            erase_orphans=bool(erase_orphans),
            mappings=_mappings(mappings, lang)[0],
            expected=plan,
        )
    with signed_in(request) as (session, caller):
        applied = apply_register(
            session,
            state.keyring(),
            caller.actor,
            loaded.register,
            origin=origin,
            at=state.clock.now(),
            erase_orphans=bool(erase_orphans),
            mappings=_mappings(mappings, lang)[0],
            expected=plan,
        )
    response = redirect("/register")
    if applied is None:
        flash(
            response, request, N_("The register is identical to the one applied; nothing stored.")
        )
        return response
    if applied.erased_records or applied.cleared_records:
        checkpoint(state.engine)
    flash(
        response,
        request,
        N_("Register version {version} applied: {changes} change(s)."),
        version=applied.version,
        changes=applied.changes,
    )
    return response


__all__ = ["plan_digest", "router"]
