"""``kluis register apply`` (a register into the vault, as a new version, after showing the
plan) and ``kluis register versions`` (the versions applied)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Annotated, Final

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from kluis.cli.console import domain_errors, err, fail, language, out, t
from kluis.cli.context import Context, open_context
from kluis.cli.options import FormatOpt, LangOpt, OutputFormat
from kluis.i18n import N_, gettext
from kluis.register.checks.base import Finding, Severity
from kluis.register.checks.runner import run_checks
from kluis.register.diff import ChangeKind
from kluis.register.loader import LoadedRegister, read_register
from kluis.register.versions import list_versions
from kluis.storage import checkpoint
from kluis.vault import Plan, PlannedChange, apply_register, plan_apply, shred_before_apply

_STYLE: Final = {"+": "green", "-": "red", "~": "yellow"}
_KIND_LABELS: Final[dict[str, str]] = {
    ChangeKind.activity_added: N_("activity added"),
    ChangeKind.activity_removed: N_("activity removed"),
    ChangeKind.activity_changed: N_("activity changed"),
    ChangeKind.field_added: N_("field added"),
    ChangeKind.field_removed: N_("field removed"),
    ChangeKind.field_category_changed: N_("field category changed"),
    ChangeKind.identifier_added: N_("identifier added"),
    ChangeKind.identifier_removed: N_("identifier removed"),
    ChangeKind.section_changed: N_("section changed"),
}


def _interactive() -> bool:
    """Whether a person can answer a question on standard input."""
    return sys.stdin.isatty()


def _print_errors(findings: list[Finding], messages: str) -> None:
    console = err()
    for finding in findings:
        where = str(finding.location) if finding.location else "-"
        console.print(
            f"{escape(where)}: [bold red]{finding.code}[/] {escape(finding.message(messages))}"
        )


def _checked(path: Path, messages: str, today: date) -> LoadedRegister:
    """The register at ``path``, loaded and checked; exit 1 when it has errors."""
    loaded, findings = read_register(path)
    if loaded is not None:
        findings = [*findings, *run_checks(loaded, today=today)]
    errors = [f for f in findings if f.severity is Severity.error]
    if loaded is None or errors:
        _print_errors(errors, messages)
        fail(
            messages,
            N_(
                "the register has {count} error(s); nothing applied. Correct them "
                "(kluis register lint {path} shows every finding) and apply again"
            ),
            1,
            count=len(errors),
            path=str(path),
        )
    return loaded


def _mappings(values: list[str], messages: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in values:
        source, sep, target = value.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            fail(
                messages,
                N_("--map takes OLD=NEW (two activity ids), not '{value}'"),
                2,
                value=value,
            )
        if source in found:
            fail(messages, N_("--map names activity '{activity}' twice"), 2, activity=source)
        found[source] = target
    return found


def _outcome(planned: PlannedChange, messages: str) -> str:
    if not planned.affected:
        return ""
    count = t(messages, N_("{count} record(s)"), count=planned.affected)
    if planned.resolution == "map":
        what = t(messages, N_("moved to '{activity}'"), activity=planned.target or "")
        return f" [cyan]→ {escape(count)}: {escape(what)}[/]"
    if planned.resolution == "erase":
        return f" [magenta]→ {escape(count)}: {escape(t(messages, N_('erased')))}[/]"
    refused = t(messages, N_("{count} record(s) stranded: refused"), count=planned.affected)
    return f" [bold red]→ {escape(refused)}[/]"


def _print_plan(plan: Plan, path: Path, messages: str) -> None:
    console = out()
    if plan.current is None:
        head = t(
            messages,
            N_("Plan for {path}: the first register of this vault ({hash})"),
            path=str(path),
            hash=plan.content_hash[:12],
        )
    else:
        head = t(
            messages,
            N_("Plan for {path}: version {version} ({old}) becomes {hash}"),
            path=str(path),
            version=plan.current,
            old=(plan.current_hash or "")[:12],
            hash=plan.content_hash[:12],
        )
    console.print(f"[bold]{escape(head)}[/]")
    for planned in plan.changes:
        change = planned.change
        message, params = change.description()
        text = gettext(messages, "vault", message, **params)
        marker = change.marker
        console.print(
            f"  [{_STYLE[marker]}]{marker}[/] {escape(text)}{_outcome(planned, messages)}"
        )


def apply(
    path: Annotated[
        Path, typer.Argument(help=N_("A register YAML file, or a folder of YAML files."))
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=N_("Show the plan only; store nothing."))
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help=N_("Apply without asking for confirmation."))
    ] = False,
    erase_orphans: Annotated[
        bool,
        typer.Option(
            "--erase-orphans",
            help=N_(
                "Erase the data the change strands: records of removed activities, values of "
                "removed fields, blind indexes of former identifiers (audited)."
            ),
        ),
    ] = False,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help=N_(
                "OLD=NEW: move the records of removed activity OLD onto activity NEW. Repeat for more."
            ),
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Apply a register to the vault as a new version, after showing the plan of what changes."""
    messages = language(lang)
    mappings = _mappings(map_ or [], messages)
    with open_context() as context:
        _apply(
            context, path, messages, mappings, dry_run=dry_run, yes=yes, erase_orphans=erase_orphans
        )


def _apply(
    context: Context,
    path: Path,
    messages: str,
    mappings: dict[str, str],
    *,
    dry_run: bool,
    yes: bool,
    erase_orphans: bool,
) -> None:
    now = context.clock.now()
    loaded = _checked(path, messages, now.date())
    with domain_errors(messages), context.unit() as (session, actor):
        plan = plan_apply(
            session,
            actor,
            loaded.register,
            at=now,
            erase_orphans=erase_orphans,
            mappings=mappings,
        )
    if plan.identical:
        out().print(
            t(
                messages,
                N_("The register is identical to version {version} ({hash}); nothing stored."),
                version=plan.current,
                hash=plan.content_hash[:12],
            )
        )
        return
    _print_plan(plan, path, messages)
    refused = plan.refused
    if refused:
        fail(
            messages,
            N_(
                "{count} change(s) would strand data the vault holds ({records} record(s)); "
                "nothing applied. Say what becomes of it: --erase-orphans erases it, "
                "--map OLD=NEW moves a removed activity's records onto another activity"
            ),
            4,
            count=len(refused),
            records=sum(planned.affected for planned in refused),
        )
    if dry_run:
        out().print(t(messages, N_("Dry run: nothing stored.")))
        return
    if not yes:
        if not _interactive():
            fail(
                messages,
                N_("applying a register needs confirmation: run it in a terminal or pass --yes"),
                2,
            )
        if not typer.confirm(t(messages, N_("Apply this register?")), default=False):
            out().print(t(messages, N_("Nothing applied.")))
            raise typer.Exit(1)
    with domain_errors(messages), context.unit() as (session, actor):
        # Data keys of the people left without a record first, committed on their own: a
        # key never outlives its data.
        shred_before_apply(
            session,
            context.keyring(),
            actor,
            loaded.register,
            at=context.clock.now(),
            erase_orphans=erase_orphans,
            mappings=mappings,
            expected=plan,
        )
    with domain_errors(messages), context.unit() as (session, actor):
        applied = apply_register(
            session,
            context.keyring(),
            actor,
            loaded.register,
            origin=str(path),
            at=context.clock.now(),
            erase_orphans=erase_orphans,
            mappings=mappings,
            expected=plan,
        )
    if applied is None:
        out().print(
            t(messages, N_("The register is identical to the one applied; nothing stored."))
        )
        return
    if applied.erased_records or applied.cleared_records:
        checkpoint(context.engine)
    out().print(
        t(
            messages,
            N_("Register version {version} applied ({hash}): {changes} change(s)."),
            version=applied.version,
            hash=applied.content_hash[:12],
            changes=applied.changes,
        )
    )
    if applied.erased_records or applied.cleared_records or applied.moved_records:
        out().print(
            t(
                messages,
                N_(
                    "Stored data: {erased} record(s) erased, {shredded} data subject(s) "
                    "crypto-shredded, {cleared} record(s) cleared of fields, {moved} record(s) "
                    "moved; every change is in the audit log."
                ),
                erased=applied.erased_records,
                shredded=applied.shredded_subjects,
                cleared=applied.cleared_records,
                moved=applied.moved_records,
            )
        )


def _summary(changes: list[dict[str, object]], messages: str) -> str:
    kinds = Counter(str(change.get("kind")) for change in changes)
    parts = [
        f"{count} {t(messages, _KIND_LABELS[kind])}" if kind in _KIND_LABELS else f"{count} {kind}"
        for kind, count in kinds.items()
    ]
    erased = cleared = moved = 0
    for change in changes:
        affected = int(str(change.get("affected", 0)))
        if change.get("resolution") == "map":
            moved += affected
        elif change.get("resolution") == "erase" and change.get("kind") == "activity_removed":
            erased += affected
        elif change.get("resolution") == "erase":
            cleared += affected
    if erased:
        parts.append(t(messages, N_("{count} record(s) erased"), count=erased))
    if cleared:
        parts.append(t(messages, N_("{count} record(s) cleared of fields"), count=cleared))
    if moved:
        parts.append(t(messages, N_("{count} record(s) moved"), count=moved))
    return "; ".join(parts) or "-"


def versions(
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """List the register versions applied to the vault, newest first."""
    messages = language(lang)
    with open_context() as context, domain_errors(messages), context.unit() as (session, _actor):
        found = list_versions(session)
    if fmt is OutputFormat.json:
        out().print_json(
            json.dumps(
                [
                    {
                        "version": version.id,
                        "content_hash": version.content_hash,
                        "author": version.author,
                        "applied_at": version.applied_at.isoformat(),
                        "origin": version.origin,
                        "summary": _summary(list(version.changes), messages),
                        "changes": version.changes,
                    }
                    for version in found
                ],
                ensure_ascii=False,
            )
        )
        return
    table = Table(
        t(messages, N_("Version")),
        t(messages, N_("Hash")),
        t(messages, N_("Author")),
        t(messages, N_("Applied")),
        t(messages, N_("Changes")),
    )
    for version in found:
        table.add_row(
            str(version.id),
            version.content_hash[:12],
            Text(version.author),
            version.applied_at.strftime("%Y-%m-%d %H:%M"),
            _summary(list(version.changes), messages),
        )
    out().print(table)


def add_to(app: typer.Typer, lang: str) -> None:
    """Add ``apply`` and ``versions`` to the ``register`` command group ``app``."""
    app.command(
        "apply",
        help=t(
            lang,
            N_(
                "Apply a register to the vault as a new version, after showing the plan of what changes."
            ),
        ),
    )(apply)
    app.command(
        "versions",
        help=t(lang, N_("List the register versions applied to the vault, newest first.")),
    )(versions)
