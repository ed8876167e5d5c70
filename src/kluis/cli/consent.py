"""``kluis consent give|withdraw|show|proof``: the consent log of a person. Giving and withdrawing
take the same options: withdrawing is as easy as giving (Art. 7(3))."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kluis.cli.console import domain_errors, err, language, out, say, t
from kluis.cli.context import command_unit, open_context
from kluis.cli.options import FormatOpt, LangOpt, OutputFormat, parse_day, parse_moment
from kluis.cli.subjects import subject_id_of
from kluis.consent import (
    GIVEN,
    WITHDRAWN,
    Channel,
    Standing,
    consent_history,
    consent_proof,
    consent_standing,
    object_to_marketing,
    record_consent,
    shred_before_objection,
)
from kluis.documents import DocumentFormat, render_consent_proof
from kluis.i18n import N_
from kluis.register.versions import require_version
from kluis.storage import checkpoint

PurposeOpt = Annotated[str, typer.Option("--purpose", help=N_("The register's consent purpose."))]
ChannelOpt = Annotated[
    Channel,
    typer.Option("--channel", help=N_("How: web_form, email, paper, phone or in_person.")),
]
EvidenceOpt = Annotated[
    str | None,
    typer.Option(
        "--evidence",
        help=N_("Where the proof is: a form submission, an e-mail, a paper (a reference)."),
    ),
]
WhenOpt = Annotated[
    str | None,
    typer.Option("--at", help=N_("When the person did it: an ISO date or moment (default: now).")),
]
TextLangOpt = Annotated[
    str | None,
    typer.Option(
        "--language",
        help=N_("The language of the text the person was shown (default: the organisation's)."),
    ),
]
VersionOpt = Annotated[
    str | None,
    typer.Option(
        "--version", help=N_("The version of the text the person was shown (default: current).")
    ),
]


def _record(
    action: str,
    subject: str,
    purpose: str,
    channel: Channel,
    evidence: str | None,
    when: str | None,
    text_language: str | None,
    version: str | None,
    lang: str | None,
) -> None:
    messages = language(lang)
    subject_id = subject_id_of(subject, messages)
    given_at, shown = parse_moment(when, messages), parse_day(version, messages)
    with command_unit(messages) as (context, session, actor):
        organisation = require_version(session).register.organisation
        now = record_consent(
            session,
            actor,
            subject_id,
            purpose,
            action=action,
            channel=channel,
            language=text_language or organisation.languages[0],
            evidence=evidence,
            given_at=given_at,
            version=shown,
            at=context.clock.now(),
        )
    message = (
        N_("Consent of {subject} to '{purpose}' recorded: {state}.")
        if action == GIVEN
        else N_("Withdrawal of {subject}'s consent to '{purpose}' recorded: {state}.")
    )
    say(out(), t(messages, message, subject=subject, purpose=purpose, state=_state(now, messages)))


_STATES = {
    "valid": N_("valid"),
    "none": N_("never given"),
    "withdrawn": N_("withdrawn"),
    "expired": N_("expired"),
    "outdated": N_("given on an older text"),
}


def _state(now: Standing, messages: str) -> str:
    return t(messages, _STATES[now.state.value])


def _command(action: str) -> Callable[..., None]:
    """The command recording ``action``: giving and withdrawing take the same options."""

    def command(
        subject: Annotated[str, typer.Argument(help=N_("The subject id."))],
        purpose: PurposeOpt,
        channel: ChannelOpt,
        evidence: EvidenceOpt = None,
        when: WhenOpt = None,
        text_language: TextLangOpt = None,
        version: VersionOpt = None,
        lang: LangOpt = None,
    ) -> None:
        _record(action, subject, purpose, channel, evidence, when, text_language, version, lang)

    return command


give = _command(GIVEN)
withdraw = _command(WITHDRAWN)


def show(
    subject: Annotated[str, typer.Argument(help=N_("The subject id."))],
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """Show where a person's consent stands, and its full history."""
    messages = language(lang)
    subject_id = subject_id_of(subject, messages)
    with command_unit(messages) as (context, session, actor):
        today = context.clock.now().date()
        standings = consent_standing(session, actor, subject_id, on=today)
        history = consent_history(session, actor, subject_id)
    if fmt is OutputFormat.json:
        out().print_json(
            json.dumps(
                {
                    "subject": str(subject_id),
                    "purposes": [
                        {
                            "purpose": now.purpose,
                            "state": now.state.value,
                            "given": now.given.isoformat() if now.given else None,
                            "withdrawn": now.withdrawn.isoformat() if now.withdrawn else None,
                            "version": now.version.isoformat() if now.version else None,
                            "expires": now.expires.isoformat() if now.expires else None,
                        }
                        for now in standings
                    ],
                    "history": [
                        {
                            "purpose": event.purpose,
                            "action": event.action,
                            "at": event.at.isoformat(),
                            "version": event.version.isoformat(),
                            "language": event.language,
                            "channel": event.channel,
                            "evidence": event.evidence,
                            "recorded_by": event.recorded_by,
                            "recorded_at": event.recorded_at.isoformat(),
                        }
                        for event in history
                    ],
                }
            )
        )
        return
    table = Table(title=t(messages, N_("Consent of {subject}"), subject=subject))
    for heading in (N_("Purpose"), N_("State"), N_("Given"), N_("Withdrawn"), N_("Expires")):
        table.add_column(t(messages, heading))
    for now in standings:
        table.add_row(
            now.purpose,
            _state(now, messages),
            now.given.date().isoformat() if now.given else "-",
            now.withdrawn.date().isoformat() if now.withdrawn else "-",
            now.expires.isoformat() if now.expires else "-",
        )
    out().print(table)
    log = Table(title=t(messages, N_("History")))
    for heading in (N_("When"), N_("Purpose"), N_("What"), N_("Text"), N_("Channel"), N_("Proof")):
        log.add_column(t(messages, heading))
    actions = {GIVEN: N_("given"), WITHDRAWN: N_("withdrawn")}
    for event in history:
        log.add_row(
            event.at.isoformat(timespec="minutes"),
            event.purpose,
            t(messages, actions[event.action]),
            f"{event.version.isoformat()} ({event.language})",
            event.channel,
            event.evidence or "-",
        )
    out().print(log)


def object_command(
    subject: Annotated[str, typer.Argument(help=N_("The subject id."))],
    channel: ChannelOpt,
    unsubscribe: Annotated[
        bool,
        typer.Option("--unsubscribe", help=N_("The person unsubscribed (default: they objected).")),
    ] = False,
    text_language: TextLangOpt = None,
    lang: LangOpt = None,
) -> None:
    """Stop direct marketing to a person at once: suppress, withdraw consent, erase."""
    messages = language(lang)
    subject_id = subject_id_of(subject, messages)
    reason = "unsubscribe" if unsubscribe else "objection"
    context = open_context()
    with context, domain_errors(messages):
        # The data key of a person known only to direct marketing first, on its own.
        with context.unit() as (session, actor):
            shred_before_objection(session, context.keyring(), actor, subject_id, reason=reason)
        with context.unit() as (session, actor):
            organisation = require_version(session).register.organisation
            done = object_to_marketing(
                session,
                context.keyring(),
                actor,
                subject_id,
                reason=reason,
                channel=channel,
                language=text_language or organisation.languages[0],
                at=context.clock.now(),
            )
        checkpoint(context.engine)
    say(
        out(),
        t(
            messages,
            N_(
                "Direct marketing to {subject} stopped: {identifiers} identifier(s) added to "
                "the suppression list, consent withdrawn for {purposes}, {records} record(s) "
                "erased."
            ),
            subject=subject,
            identifiers=done.suppressed,
            purposes=", ".join(done.withdrawn) or "-",
            records=done.erased,
        ),
    )


class ProofFormat(StrEnum):
    """How a proof of consent is written."""

    pdf = "pdf"
    html = "html"


def proof(
    subject: Annotated[str, typer.Argument(help=N_("The subject id."))],
    purpose: PurposeOpt,
    output: Annotated[Path, typer.Option("-o", "--output", help=N_("Write to this file."))],
    fmt: Annotated[
        ProofFormat, typer.Option("--format", "-f", help=N_("pdf or html."))
    ] = ProofFormat.pdf,
    language_of_document: Annotated[
        str | None,
        typer.Option(
            "--document-language",
            help=N_("The document's language: nl, en or fr (default: the organisation's)."),
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Write the proof of a person's consent to a purpose (Art. 7(1)) as a document."""
    messages = language(lang)
    subject_id = subject_id_of(subject, messages)
    context = open_context()
    with context, domain_errors(messages):
        with context.unit() as (session, actor):
            found = consent_proof(session, actor, subject_id, purpose, at=context.clock.now())
        first = found.register.organisation.languages[0]
        data = render_consent_proof(
            found,
            format=DocumentFormat(fmt.value),
            language=language_of_document or first,
            today=context.clock.now().date(),
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    say(err(), t(messages, N_("Written: {path}"), path=str(output)))


def add_to(app: typer.Typer, lang: str) -> None:
    """Add the ``consent`` commands to ``app``, with help texts in ``lang``."""
    group = typer.Typer(
        help=t(lang, N_("The consent log: consent given and withdrawn, and where it stands.")),
        no_args_is_help=True,
    )
    group.command(
        "give", help=t(lang, N_("Record that a person gave their consent to a purpose."))
    )(give)
    group.command(
        "withdraw", help=t(lang, N_("Record that a person withdrew their consent to a purpose."))
    )(withdraw)
    group.command(
        "show", help=t(lang, N_("Show where a person's consent stands, and its full history."))
    )(show)
    group.command(
        "object",
        help=t(
            lang,
            N_("Stop direct marketing to a person at once: suppress, withdraw consent, erase."),
        ),
    )(object_command)
    group.command(
        "proof",
        help=t(
            lang,
            N_("Write the proof of a person's consent to a purpose (Art. 7(1)) as a document."),
        ),
    )(proof)
    app.add_typer(group, name="consent")


__all__ = ["add_to"]
