"""``kluis request``: the register of data subject requests, with their deadlines (the DPO
or an administrator)."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from kluis.cli.console import domain_errors, err, fail, language, out, say, t
from kluis.cli.context import Context, command_unit, open_context
from kluis.cli.options import FormatOpt, LangOpt, OutputFormat, parse_day, parse_moment
from kluis.core.actor import Actor
from kluis.core.errors import KluisError
from kluis.documents import (
    DocumentFormat,
    access_json,
    render_access_answer,
    render_erasure_answer,
    render_request_letter,
)
from kluis.i18n import N_
from kluis.register.versions import require_version
from kluis.storage import checkpoint
from kluis.subject_requests import (
    STEPS,
    Channel,
    IdentityMethod,
    IdentityOutcome,
    Kind,
    Outcome,
    RequestView,
    access_package,
    carry_out_erasure,
    carry_out_objection,
    close_request,
    extend_request,
    file_request,
    get_request,
    lift,
    list_requests,
    mark_done,
    mark_failed,
    outcome_of,
    outcome_result,
    portability_csv,
    portability_json,
    portable,
    record_identity,
    rectify,
    request_for,
    restrict,
    shred_before_erasure,
    shred_before_objection_request,
    step_result,
    steps_of,
)
from kluis.vault import ValueKind, subject_suppressed

IdArg = Annotated[int, typer.Argument(help=N_("The number of the request."))]


def _json(view: RequestView) -> dict[str, object]:
    return {
        "request": view.id,
        "kind": view.kind,
        "received_at": view.received_at.isoformat(),
        "channel": view.channel,
        "language": view.language,
        "reference": view.reference,
        "identifiers": view.identifiers,
        "subject": str(view.subject_id) if view.subject_id else None,
        "status": view.status,
        "due": view.due.isoformat(),
        "extended": view.extended,
        "extension_reason": view.extension_reason,
        "identity_method": view.identity_method,
        "identity_outcome": view.identity_outcome,
        "closed_at": view.closed_at.isoformat() if view.closed_at else None,
        "outcome_note": view.outcome_note,
        "days_left": view.days_left,
        "overdue": view.overdue,
    }


def _say_request(view: RequestView, messages: str) -> None:
    if view.days_left is None:
        line = t(messages, N_("Request {request} ({kind}): {status}."), request=view.id,
                 kind=view.kind, status=view.status)  # fmt: skip
    elif view.overdue:
        line = t(messages, N_("Request {request} ({kind}): OVERDUE since {due}."),
                 request=view.id, kind=view.kind, due=view.due.isoformat())  # fmt: skip
    else:
        line = t(messages, N_("Request {request} ({kind}): answer by {due}, {days} day(s) left."),
                 request=view.id, kind=view.kind, due=view.due.isoformat(),
                 days=view.days_left)  # fmt: skip
    say(out(), line)


def new(
    kind: Annotated[Kind, typer.Option("--kind", help=N_("What the person asks for."))],
    channel: Annotated[Channel, typer.Option("--channel", help=N_("How the request came in."))],
    email: Annotated[
        str | None, typer.Option("--email", help=N_("The e-mail address the person gave."))
    ] = None,
    phone: Annotated[
        str | None, typer.Option("--phone", help=N_("The phone number the person gave."))
    ] = None,
    national_number: Annotated[
        str | None,
        typer.Option("--national-number", help=N_("The national number the person gave.")),
    ] = None,
    received: Annotated[
        str | None,
        typer.Option(
            "--received", help=N_("When it was received: an ISO date or moment (default: now).")
        ),
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference", help=N_("Where the request is: a mailbox thread, a letter's number.")
        ),
    ] = None,
    request_language: Annotated[
        str | None,
        typer.Option(
            "--language", help=N_("The language to answer in (default: the organisation's).")
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """Register a request of a data subject; its deadline runs from its receipt."""
    messages = language(lang)
    received_at = parse_moment(received, messages)
    given = {
        ValueKind.email: email,
        ValueKind.phone: phone,
        ValueKind.national_number: national_number,
    }
    with command_unit(messages) as (context, session, actor):
        organisation = require_version(session).register.organisation
        view = file_request(
            session,
            context.keyring(),
            actor,
            kind=kind,
            channel=channel,
            language=request_language or organisation.languages[0],
            identifiers={k: v for k, v in given.items() if v},
            received_at=received_at,
            reference=reference,
            at=context.clock.now(),
        )
    if fmt is OutputFormat.json:
        out().print_json(json.dumps(_json(view)))
        return
    _say_request(view, messages)
    if view.subject_id is None:
        say(out(), t(messages, N_("The vault holds no one by the identifiers given.")))
    else:
        say(out(), t(messages, N_("The identifiers given match subject {subject}."),
                     subject=str(view.subject_id)))  # fmt: skip


def list_command(
    closed: Annotated[bool, typer.Option("--all", help=N_("Closed requests too."))] = False,
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """List the open requests, the nearest deadline first, with the days left."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        found = list_requests(session, actor, today=context.clock.now().date(), closed=closed)
    if fmt is OutputFormat.json:
        out().print_json(json.dumps([_json(view) for view in found]))
        return
    table = Table(title=t(messages, N_("Data subject requests")))
    table.add_column(t(messages, N_("Request")), justify="right")
    table.add_column(t(messages, N_("Kind")))
    table.add_column(t(messages, N_("Received")), no_wrap=True)
    table.add_column(t(messages, N_("Answer by")), no_wrap=True)
    table.add_column(t(messages, N_("Days left")), justify="right")
    table.add_column(t(messages, N_("State")))
    for view in found:
        days = "-" if view.days_left is None else str(view.days_left)
        style = "bold red" if view.overdue else None
        table.add_row(
            str(view.id),
            view.kind,
            view.received_at.date().isoformat(),
            view.due.isoformat() + (" *" if view.extended else ""),
            days,
            t(messages, N_("overdue")) if view.overdue else view.status,
            style=style,
        )
    out().print(table)
    overdue = sum(1 for view in found if view.overdue)
    if overdue:
        say(out(), t(messages, N_("{count} request(s) overdue."), count=overdue))


def show(request: IdArg, fmt: FormatOpt = OutputFormat.text, lang: LangOpt = None) -> None:
    """Show a request."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        view = get_request(session, actor, request, today=context.clock.now().date())
        steps = steps_of(session, request)
    document = {
        **_json(view),
        "steps": [
            {
                "step": step.step,
                "status": step.status,
                "attempts": step.attempts,
                "error": step.error,
                "tried_at": step.tried_at.isoformat(),
                "done_at": step.done_at.isoformat() if step.done_at else None,
            }
            for step in steps
        ],
    }
    if fmt is OutputFormat.json:
        out().print_json(json.dumps(document))
        return
    _say_request(view, messages)
    say(out(), json.dumps(document, indent=2, ensure_ascii=False))


def extend(
    request: IdArg,
    reason: Annotated[
        str, typer.Option("--reason", help=N_("The reasons the person is told."))
    ] = "",
    lang: LangOpt = None,
) -> None:
    """Extend a request's deadline by two months, within its first month, with reasons."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        view = extend_request(session, actor, request, reason=reason, at=context.clock.now())
    _say_request(view, messages)


def identity(
    request: IdArg,
    method: Annotated[
        IdentityMethod, typer.Option("--method", help=N_("How identity was checked."))
    ],
    outcome: Annotated[
        IdentityOutcome, typer.Option("--outcome", help=N_("What the check found."))
    ],
    lang: LangOpt = None,
) -> None:
    """Record an identity check, where there was reasonable doubt (never a document's copy)."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        view = record_identity(
            session, actor, request, method=method, outcome=outcome, at=context.clock.now()
        )
    _say_request(view, messages)


def close(
    request: IdArg,
    outcome: Annotated[Outcome, typer.Option("--outcome", help=N_("answered or refused."))],
    note: Annotated[
        str | None, typer.Option("--note", help=N_("For a refusal: its reasons."))
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Close a request as answered or refused."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        view = close_request(
            session, actor, request, outcome=outcome, note=note, at=context.clock.now()
        )
    _say_request(view, messages)


class AnswerFormat(StrEnum):
    """How the letter of an answer is written."""

    pdf = "pdf"
    html = "html"


AnswerFormatOpt = Annotated[
    AnswerFormat, typer.Option("--format", "-f", help=N_("The letter: pdf or html."))
]
AgainOpt = Annotated[
    bool,
    typer.Option(
        "--again",
        help=N_(
            "Write the answer or letter again (a lost file); what was erased is never erased twice."
        ),
    ),
]
OutputOpt = Annotated[
    Path, typer.Option("-o", "--output", help=N_("The folder to write the answer into."))
]


def _failure(error: Exception) -> str:
    """What a failed step records: a domain error's message (never personal data), else the
    kind of error and, for a file, the system's reason."""
    if isinstance(error, KluisError):
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        return f"{type(error).__name__}: {error.strerror}"
    return type(error).__name__


class _Steps:
    """Runs the steps of one request in order: a step done before is skipped and its
    result used; a step's record commits with its work; a failure is recorded in a
    transaction of its own, then stops the command, so the next run tries it again."""

    def __init__(self, context: Context, request: int, messages: str, *, again: bool) -> None:
        self.context, self.request, self.messages = context, request, messages
        #: Whether the steps outside the database (the letters) are done again.
        self.again = again

    def _say(self, step: str, done_before: bool) -> None:
        text = (
            N_("Request {request}: step '{step}' was done before; not done again.")
            if done_before
            else N_("Request {request}: step '{step}' done.")
        )
        say(err(), t(self.messages, text, request=self.request, step=step))

    def _done(self, step: str) -> dict[str, object] | None:
        with self.context.unit() as (session, _actor):
            return step_result(session, self.request, step)

    def _failed(self, step: str, error: Exception) -> None:
        with self.context.unit() as (session, actor):
            mark_failed(
                session, actor, self.request, step, _failure(error), at=self.context.clock.now()
            )

    def atomic(
        self, step: str, work: Callable[[Session, Actor], dict[str, object] | None]
    ) -> dict[str, object]:
        """A step whose work commits with its record: done exactly once."""
        found = self._done(step)
        if found is not None:
            self._say(step, done_before=True)
            return found
        try:
            with self.context.unit() as (session, actor):
                result = work(session, actor) or {}
                mark_done(
                    session, actor, self.request, step, result=result, at=self.context.clock.now()
                )
        except Exception as error:
            self._failed(step, error)
            raise
        self._say(step, done_before=False)
        return result

    def outside(self, step: str, work: Callable[[], dict[str, object] | None]) -> None:
        """A step whose work is outside the database (writing files; it commits its own
        reads): recorded once it is done; done again when asked to (a lost letter)."""
        if not self.again and self._done(step) is not None:
            self._say(step, done_before=True)
            return
        try:
            result = work() or {}
            with self.context.unit() as (session, actor):
                mark_done(
                    session, actor, self.request, step, result=result, at=self.context.clock.now()
                )
        except Exception as error:
            self._failed(step, error)
            raise
        self._say(step, done_before=False)


def _write_answer(
    context: Context, request: int, output: Path, fmt: AnswerFormat, messages: str
) -> dict[str, object]:
    """The access or portability answer: the letter and the data, in ``output``."""
    with context.unit() as (session, actor):
        package = access_package(session, context.keyring(), actor, request, at=context.clock.now())
    letter = render_access_answer(
        package,
        format=DocumentFormat(fmt.value),
        language=package.language,
        today=context.clock.now().date(),
    )
    output.mkdir(parents=True, exist_ok=True)
    letter_path = output / f"request-{request}.{fmt.value}"
    data_path = output / f"request-{request}.json"
    letter_path.write_bytes(letter)
    written = [letter_path, data_path]
    if package.kind == "portability":
        # Art. 20: what the person provided, structured and machine-readable, twice over.
        records = portable(package)
        data_path.write_bytes(portability_json(records))
        table_path = output / f"request-{request}.csv"
        table_path.write_bytes(portability_csv(records))
        written.append(table_path)
    else:
        data_path.write_bytes(access_json(package))
    for path in written:
        path.chmod(0o600)
    say(
        err(),
        t(
            messages,
            N_("Written: {letter} and {data} ({count} record(s)); they hold personal data."),
            letter=str(letter_path),
            data=str(data_path),
            count=len(package.records),
        ),
    )
    return {"records": len(package.records), "files": [path.name for path in written]}


def _erase(
    context: Context, steps: _Steps, request: int, output: Path, fmt: AnswerFormat, messages: str
) -> None:
    """The erasure's steps: the keys of people left without a record, the data, the letter."""
    steps.atomic(
        "shred",
        lambda session, actor: {
            "keys": shred_before_erasure(
                session, context.keyring(), actor, request, at=context.clock.now()
            )
        },
    )
    result = steps.atomic(
        "erase",
        lambda session, actor: outcome_result(
            carry_out_erasure(session, context.keyring(), actor, request, at=context.clock.now())
        ),
    )
    checkpoint(context.engine)
    path = output / f"request-{request}.{fmt.value}"

    def letter() -> dict[str, object]:
        with context.unit() as (session, actor):
            outcome = outcome_of(session, actor, request, result)
            suppressed = outcome.subject_id is not None and subject_suppressed(
                session, outcome.subject_id
            )
            taxonomy = require_version(session).taxonomy
        document = render_erasure_answer(
            outcome,
            taxonomy=taxonomy,
            suppressed=suppressed,
            format=DocumentFormat(fmt.value),
            language=outcome.language,
            today=context.clock.now().date(),
        )
        output.mkdir(parents=True, exist_ok=True)
        path.write_bytes(document)
        path.chmod(0o600)
        return {"file": path.name}

    steps.outside("letter", letter)
    kept = result.get("kept", [])
    erased = result.get("erased", [])
    recipients = result.get("recipients", [])
    assert isinstance(kept, list) and isinstance(erased, list) and isinstance(recipients, list)
    say(
        out(),
        t(
            messages,
            N_(
                "Request {request}: {erased} record(s) erased, {kept} kept as the law requires; "
                "recipients to inform: {recipients}. The letter: {path}"
            ),
            request=request,
            erased=len(erased),
            kept=len(kept),
            recipients=", ".join(str(name) for name in recipients) or "-",
            path=str(path),
        ),
    )


def _execute(
    request: int,
    *,
    output: Path | None,
    fmt: AnswerFormat,
    lang: str | None,
    kinds: tuple[Kind, ...],
    again: bool = False,
) -> None:
    """Carry out request ``request`` (one of ``kinds``) by its steps."""
    messages = language(lang)
    context = open_context()
    with context, domain_errors(messages):
        with context.unit() as (session, actor):
            view = get_request(session, actor, request, today=context.clock.now().date())
        kind = Kind(view.kind)
        if kind not in kinds or kind not in STEPS:
            command = {
                Kind.rectification: "request rectify",
                Kind.objection: "request object",
                Kind.withdrawal: "consent withdraw",
            }.get(kind, "request execute")
            fail(
                messages,
                N_("Request {request} asks for {kind}; carry it out with: kluis {command}"),
                request=request,
                kind=kind.value,
                command=command,
            )
        with context.unit() as (session, actor):
            request_for(session, actor, request, kind, matched=False, closed_too=True)
        if output is None and kind is not Kind.restriction:
            fail(messages, N_("Give the folder to write the answer into: --output FOLDER."))
        steps = _Steps(context, request, messages, again=again)
        if kind is Kind.restriction:
            result = steps.atomic(
                "restrict",
                lambda session, actor: {
                    "records": restrict(session, actor, request, at=context.clock.now())
                },
            )
            say(
                out(),
                t(
                    messages,
                    N_(
                        "Request {request}: {count} record(s) restricted; only the DPO reads them now."
                    ),
                    request=request,
                    count=result.get("records", 0),
                ),
            )
        elif kind is Kind.erasure:
            assert output is not None
            _erase(context, steps, request, output, fmt, messages)
        else:
            assert output is not None
            target = output
            steps.outside("answer", lambda: _write_answer(context, request, target, fmt, messages))


def execute(
    request: IdArg,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help=N_("The folder to write the answer into.")),
    ] = None,
    fmt: AnswerFormatOpt = AnswerFormat.pdf,
    again: AgainOpt = False,
    lang: LangOpt = None,
) -> None:
    """Carry out a request by its steps (access, portability, erasure, restriction), each
    recorded: a step done is never done again, a failed one is tried again by the next run
    (the DPO only)."""
    _execute(request, output=output, fmt=fmt, lang=lang, kinds=tuple(STEPS), again=again)


def answer(
    request: IdArg,
    output: OutputOpt,
    fmt: AnswerFormatOpt = AnswerFormat.pdf,
    again: AgainOpt = False,
    lang: LangOpt = None,
) -> None:
    """Write the answer to an access or portability request: a letter and the data as JSON
    (the DPO only; every record read is audited)."""
    _execute(
        request,
        output=output,
        fmt=fmt,
        lang=lang,
        kinds=(Kind.access, Kind.portability),
        again=again,
    )


def erase(
    request: IdArg,
    output: OutputOpt,
    fmt: AnswerFormatOpt = AnswerFormat.pdf,
    again: AgainOpt = False,
    lang: LangOpt = None,
) -> None:
    """Carry out an erasure request: erase what may be erased, keep what the law keeps, and
    write the letter that says which is which (the DPO only)."""
    _execute(request, output=output, fmt=fmt, lang=lang, kinds=(Kind.erasure,), again=again)


def restrict_command(request: IdArg, lang: LangOpt = None) -> None:
    """Restrict the processing of the person's records (Art. 18): stored, not used."""
    _execute(request, output=None, fmt=AnswerFormat.pdf, lang=lang, kinds=(Kind.restriction,))


def lift_command(
    request: IdArg,
    informed_on: Annotated[
        str,
        typer.Option("--informed-on", help=N_("The day the person was told the restriction ends.")),
    ],
    lang: LangOpt = None,
) -> None:
    """Lift a restriction, once the person has been told (Art. 18(3))."""
    messages = language(lang)
    day = parse_day(informed_on, messages)
    assert day is not None
    with command_unit(messages) as (context, session, actor):
        count = lift(session, actor, request, informed_on=day, at=context.clock.now())
    say(
        out(),
        t(messages, N_("Request {request}: restriction of {count} record(s) lifted."),
          request=request, count=count),
    )  # fmt: skip


def rectify_command(
    request: IdArg,
    activity: Annotated[str, typer.Option("--activity", help=N_("The activity of the record."))],
    values: Annotated[
        list[str],
        typer.Option("--set", help=N_("FIELD=VALUE: a corrected value (repeat for more).")),
    ],
    lang: LangOpt = None,
) -> None:
    """Correct a person's record (Art. 16), and list whom to tell (Art. 19)."""
    messages = language(lang)
    corrected: dict[str, str] = {}
    for pair in values:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail(messages, N_("--set takes FIELD=VALUE, as in --set email=an@example.be"), 2)
        corrected[name.strip()] = value
    with command_unit(messages) as (context, session, actor):
        done = rectify(
            session,
            context.keyring(),
            actor,
            request,
            activity=activity,
            values=corrected,
            at=context.clock.now(),
        )
    say(
        out(),
        t(
            messages,
            N_(
                "Request {request}: the record in {activity} is {outcome}; recipients to tell: {recipients}."
            ),
            request=request,
            activity=done.activity,
            outcome=done.outcome,
            recipients=", ".join(done.recipients) or "-",
        ),
    )


def letter(
    request: IdArg,
    output: Annotated[
        Path, typer.Option("-o", "--output", help=N_("The folder to write the answer into."))
    ],
    fmt: Annotated[
        AnswerFormat, typer.Option("--format", "-f", help=N_("The letter: pdf or html."))
    ] = AnswerFormat.pdf,
    lang: LangOpt = None,
) -> None:
    """Write the letter of a request: its extension, its refusal, or what was done."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        view = get_request(session, actor, request, today=context.clock.now().date())
        stored = require_version(session)
    if view.status == "open" and not view.extended:
        fail(
            messages,
            N_("request {request} is open and not extended: its letter is its answer"),
            2,
            request=request,
        )
    data = render_request_letter(
        view,
        register=stored.register,
        taxonomy=stored.taxonomy,
        format=DocumentFormat(fmt.value),
        language=view.language,
        today=context.clock.now().date(),
    )
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"request-{request}-letter.{fmt.value}"
    path.write_bytes(data)
    say(err(), t(messages, N_("Written: {path}"), path=str(path)))


def object_command(
    request: IdArg,
    grounds: Annotated[
        list[str] | None,
        typer.Option(
            "--overriding-grounds",
            help=N_("ACTIVITY=GROUNDS: compelling legitimate grounds to go on with an activity."),
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Carry out an objection: stop processing on legitimate interests unless overriding
    grounds are recorded, and direct marketing at once (Art. 21)."""
    messages = language(lang)
    recorded: dict[str, str] = {}
    for pair in grounds or []:
        activity, sep, text = pair.partition("=")
        if not sep or not activity.strip() or not text.strip():
            fail(messages, N_("--overriding-grounds takes ACTIVITY=GROUNDS"), 2)
        recorded[activity.strip()] = text
    context = open_context()
    with context, domain_errors(messages):
        with context.unit() as (session, actor):
            shred_before_objection_request(
                session, context.keyring(), actor, request, grounds=recorded
            )
        with context.unit() as (session, actor):
            done = carry_out_objection(
                session, context.keyring(), actor, request, grounds=recorded,
                at=context.clock.now(),
            )  # fmt: skip
        checkpoint(context.engine)
    say(
        out(),
        t(
            messages,
            N_(
                "Request {request}: processing stopped for {stopped}; going on, on recorded grounds, for {continued}; direct marketing stopped."
            ),
            request=request,
            stopped=", ".join(done.stopped) or "-",
            continued=", ".join(done.continued) or "-",
        ),
    )


def add_to(app: typer.Typer, lang: str) -> None:
    """Add the ``request`` commands to ``app``, with help texts in ``lang``."""
    group = typer.Typer(
        help=t(lang, N_("Data subject requests: their register and deadlines.")),
        no_args_is_help=True,
    )
    commands = (
        ("new", new, N_("Register a request of a data subject; its deadline runs from its receipt.")),
        ("list", list_command, N_("List the open requests, the nearest deadline first, with the days left.")),
        ("show", show, N_("Show a request.")),
        ("extend", extend, N_("Extend a request's deadline by two months, within its first month, with reasons.")),
        ("identity", identity, N_("Record an identity check, where there was reasonable doubt (never a document's copy).")),
        ("close", close, N_("Close a request as answered or refused.")),
        ("execute", execute, N_("Carry out a request by its steps, each recorded: done once, a failed one tried again.")),
        ("answer", answer, N_("Write the answer to an access or portability request: a letter and the data as JSON.")),
        ("rectify", rectify_command, N_("Correct a person's record (Art. 16), and list whom to tell (Art. 19).")),
        ("object", object_command, N_("Carry out an objection: stop processing on legitimate interests unless overriding grounds are recorded, and direct marketing at once.")),
        ("restrict", restrict_command, N_("Restrict the processing of the person's records (Art. 18): stored, not used.")),
        ("lift", lift_command, N_("Lift a restriction, once the person has been told (Art. 18(3)).")),
        ("letter", letter, N_("Write the letter of a request: its extension, its refusal, or what was done.")),
        ("erase", erase, N_("Carry out an erasure request: erase what may be erased, keep what the law keeps, and write the letter.")),
    )  # fmt: skip
    for name, function, text in commands:
        group.command(name, help=t(lang, text))(function)
    app.add_typer(group, name="request")
